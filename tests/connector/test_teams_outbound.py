"""How replies reach Teams, over real HTTP through the endpoint and the fake Bot Framework: addressing
and percent-encoding, the token (cached, one fetch for concurrent sends, refreshed early and on 401),
retries with backoff and Retry-After, per-conversation order and pacing, typing, splitting, 413, update
and delete."""

from __future__ import annotations

import logging
import threading

import pytest
import requests

from connector.teams_output import TOO_LARGE

TOKEN_PATH = "/botframework.com/oauth2/v2.0/token"


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


class Sleeps:
    """A fake asyncio.sleep that records the delays and moves a fake clock instead of waiting."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.delays: list[float] = []
        self.clock = clock

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        if self.clock is not None:
            self.clock.now += delay


def token_fetches(fake_bf) -> int:
    return requests.get(fake_bf.base_url + "/_sandbox/stats", timeout=5).json()["by_path"].get(TOKEN_PATH, 0)


def replying(*messages: dict):
    async def reply(message) -> None:
        for answer in messages:
            await message.output_channel.send_response(message.sender_id, dict(answer))
    return reply


def test_a_reply_goes_to_the_activity_it_answers(teams, fake_bf) -> None:
    server = teams()
    activity = fake_bf.activity("hi")
    server.post(activity)
    reply = fake_bf.wait_messages(1)[0]
    assert reply.method == "POST"
    assert reply.raw_path == f"/amer/v3/conversations/a%3A1personal-chat-ann/activities/{activity['id']}"
    assert reply.body["replyToId"] == activity["id"]
    assert reply.body["from"]["id"] == activity["recipient"]["id"]
    assert reply.body["recipient"]["id"] == activity["from"]["id"]
    assert reply.body["conversation"]["id"] == activity["conversation"]["id"]
    assert reply.body["textFormat"] == "markdown"


def test_channel_thread_ids_are_percent_encoded(teams, fake_bf) -> None:
    server = teams()
    activity = fake_bf.activity("hi", conversation_type="channel", id="1712345678901")
    server.post(activity)
    reply = fake_bf.wait_messages(1)[0]
    assert reply.raw_path == ("/amer/v3/conversations/19%3Aops-channel%40thread.tacv2%3Bmessageid%3D1712345678901"
                              "/activities/1712345678901")
    assert reply.conversation_id == "19:ops-channel@thread.tacv2;messageid=1712345678901"


def test_concurrent_conversations_share_one_token_fetch(teams, fake_bf) -> None:
    server = teams()
    activities = [fake_bf.activity(f"question {n}", conversation_id=f"a:chat-{n}", user_id=f"29:user-{n}",
                                   aad_object_id=f"aad-{n}") for n in range(6)]
    threads = [threading.Thread(target=server.post, args=(a,)) for a in activities]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(fake_bf.wait_messages(6)) == 6
    assert token_fetches(fake_bf) == 1


def test_a_401_from_the_service_refreshes_the_token_once(teams, fake_bf) -> None:
    server = teams()
    server.post(fake_bf.activity("first"))
    assert fake_bf.wait_messages(1)
    fake_bf.script.append({"status": 401, "type": "message"})
    server.post(fake_bf.activity("second"))
    replies = fake_bf.wait_messages(2)
    assert replies[-1].body["text"] == "echo: second"
    assert token_fetches(fake_bf) == 2
    assert [r.status for r in fake_bf.received if (r.body or {}).get("type") == "message"] == [201, 401, 201]


def test_the_token_is_refreshed_before_it_expires(teams, fake_bf) -> None:
    clock = Clock()
    server = teams(clock=clock)
    server.post(fake_bf.activity("one"))
    fake_bf.wait_messages(1)
    clock.now += 3599 - 600  # ten minutes left: still good
    server.post(fake_bf.activity("two"))
    fake_bf.wait_messages(2)
    assert token_fetches(fake_bf) == 1
    clock.now += 400  # under five minutes left: fetch a new one before it runs out
    server.post(fake_bf.activity("three"))
    fake_bf.wait_messages(3)
    assert token_fetches(fake_bf) == 2


def test_429_is_retried_after_the_retry_after_delay(teams, fake_bf) -> None:
    sleeps = Sleeps()
    server = teams(sleep=sleeps)
    fake_bf.script.append({"status": 429, "type": "message", "headers": {"Retry-After": "7"}})
    server.post(fake_bf.activity("hi"))
    assert fake_bf.wait_messages(1)[0].body["text"] == "echo: hi"
    server.drain()
    assert sleeps.delays == [7.0]


@pytest.mark.parametrize("status", [412, 502, 504])
def test_transient_failures_are_retried_with_exponential_backoff(teams, fake_bf, status) -> None:
    sleeps = Sleeps()
    server = teams(sleep=sleeps)
    fake_bf.script.extend([{"status": status, "type": "message"}] * 3)
    server.post(fake_bf.activity("hi"))
    assert fake_bf.wait_messages(1)
    server.drain()
    assert len(sleeps.delays) == 3
    for attempt, delay in enumerate(sleeps.delays):
        assert 0.5 * 2 ** attempt <= delay <= 2 ** attempt  # base 1 s, doubled, with jitter


def test_giving_up_after_five_attempts_is_logged(teams, fake_bf, caplog) -> None:
    sleeps = Sleeps()
    server = teams(sleep=sleeps)
    fake_bf.script.extend([{"status": 429, "type": "message"}] * 5)
    server.post(fake_bf.activity("hi"))
    server.bot.wait(1)
    server.drain()
    attempts = [r for r in fake_bf.received if (r.body or {}).get("type") == "message"]
    assert [r.status for r in attempts] == [429] * 5
    assert len(sleeps.delays) == 4
    assert "could not post" in caplog.text


def test_a_refusal_is_not_retried(teams, fake_bf, caplog) -> None:
    sleeps = Sleeps()
    server = teams(sleep=sleeps)
    fake_bf.script.append({"status": 403, "type": "message"})
    server.post(fake_bf.activity("hi"))
    server.bot.wait(1)
    server.drain()
    assert [r.status for r in fake_bf.received if (r.body or {}).get("type") == "message"] == [403]
    assert sleeps.delays == []
    assert "could not post" in caplog.text


def test_replies_keep_their_order_and_are_paced_per_conversation(teams, fake_bf) -> None:
    clock = Clock()
    sleeps = Sleeps(clock)
    # typing at once (delay 0), so that the count of sends does not depend on how fast the answer is
    server = teams(replying(*({"text": f"part {n}"} for n in range(14))), sleep=sleeps, clock=clock,
                   typing_delay=0)
    server.post(fake_bf.activity("tell me everything"))
    replies = fake_bf.wait_messages(14)
    assert [r.body["text"] for r in replies] == [f"part {n}" for n in range(14)]
    server.drain()
    # typing + 14 messages = 15 sends at most 7 per second: two pauses of a second
    assert sleeps.delays == [1.0, 1.0]


def test_a_slow_answer_shows_typing_first_and_repeats_it_until_the_reply(teams, fake_bf) -> None:
    async def slow(message) -> None:
        import asyncio

        for _ in range(500):
            if len(fake_bf.delivered("typing")) >= 3:
                break
            await asyncio.sleep(0.01)
        await message.output_channel.send_response(message.sender_id, {"text": "there you go"})

    server = teams(slow, typing_interval=0.05, typing_delay=0.1)
    server.post(fake_bf.activity("slow question"))
    fake_bf.wait_messages(1)
    server.drain()
    kinds = [r.body["type"] for r in fake_bf.delivered()]
    assert kinds[-1] == "message"
    assert kinds[:-1] == ["typing"] * (len(kinds) - 1) and len(kinds) >= 4


def test_an_instant_answer_goes_without_typing(teams, fake_bf) -> None:
    """Typing only once the reply is late: an instant answer spends none of Teams' 7 posts per second."""
    server = teams(typing_delay=5)  # far longer than answering "hi" takes, even on a busy machine
    server.post(fake_bf.activity("hi"))
    fake_bf.wait_messages(1)
    server.drain()
    assert [r.body["type"] for r in fake_bf.delivered()] == ["message"]


def test_typing_waits_half_a_second_by_default() -> None:
    from connector.config import TeamsConfig

    config = TeamsConfig.from_credentials({"app_id": "app", "app_password": "secret"})
    assert config.typing_delay == 0.5 and config.typing_interval == 3.0
    later = TeamsConfig.from_credentials({"app_id": "app", "app_password": "secret", "typing_delay": "1.5"})
    assert later.typing_delay == 1.5


def test_long_text_is_split_under_the_size_limit(teams, fake_bf) -> None:
    paragraph = "The nightly build log says: " + "all tests passed; " * 200
    text = "\n\n".join(f"{n}: {paragraph}" for n in range(60))  # ~ 440 KB of UTF-16
    server = teams(replying({"text": text}))
    server.post(fake_bf.activity("show me the whole log"))
    server.bot.wait(1)
    server.drain()
    parts = fake_bf.delivered("message")
    assert len(parts) >= 5
    assert all(len(p.body["text"].encode("utf-16-le")) <= 80_000 for p in parts)
    assert "\n\n".join(p.body["text"] for p in parts) == text
    assert not [r for r in fake_bf.received if r.status == 413]


def test_an_activity_over_the_limit_is_replaced_by_a_short_note(teams, fake_bf, caplog) -> None:
    huge_card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "x" * 60_000}]}
    server = teams(replying({"custom": huge_card}))
    server.post(fake_bf.activity("show me everything"))
    server.bot.wait(1)
    server.drain()
    messages = [r for r in fake_bf.received if (r.body or {}).get("type") == "message"]
    assert [r.status for r in messages] == [413, 201]
    assert messages[-1].body["text"] == TOO_LARGE
    assert "413" in caplog.text


def test_update_and_delete_use_put_and_delete_on_the_activity(teams, fake_bf) -> None:
    server = teams()
    activity = fake_bf.activity("hi")
    server.post(activity)
    fake_bf.wait_messages(1)
    server.drain()
    poster = server.run(server.channel.proactive.poster(activity["conversation"]["id"]))
    server.run(poster.update("1712345678999", {"type": "message", "text": "edited"}))
    server.run(poster.delete("1712345678999"))
    put, delete = fake_bf.received[-2:]
    assert (put.method, put.raw_path, put.body["text"]) == \
        ("PUT", "/amer/v3/conversations/a%3A1personal-chat-ann/activities/1712345678999", "edited")
    assert (delete.method, delete.raw_path, delete.status) == \
        ("DELETE", "/amer/v3/conversations/a%3A1personal-chat-ann/activities/1712345678999", 200)


def test_a_wrong_app_password_is_logged_not_leaked(teams, fake_bf, caplog) -> None:
    caplog.set_level(logging.INFO)
    server = teams(app_password="not-the-password")
    server.post(fake_bf.activity("hi"))
    server.bot.wait(1)
    server.drain()
    assert fake_bf.delivered() == []
    assert "token endpoint answered 401" in caplog.text
    assert "not-the-password" not in caplog.text


def test_answers_keep_the_order_of_the_questions(teams, fake_bf) -> None:
    import asyncio

    release = threading.Event()

    async def reply(message) -> None:
        if message.text == "first":
            while not release.is_set():
                await asyncio.sleep(0.01)
        await message.output_channel.send_response(message.sender_id, {"text": f"answer to {message.text}"})

    server = teams(reply)
    server.post(fake_bf.activity("first"))
    server.post(fake_bf.activity("second"))
    # release the first only once the second is either queued behind it or (the bug) already answered
    fake_bf.wait_for(lambda f: len(f.delivered("message")) > 0 or sum(server.channel.turns._waiting.values()) > 1,
                     10)
    release.set()
    replies = fake_bf.wait_messages(2)
    assert [r.body["text"] for r in replies] == ["answer to first", "answer to second"]


def test_connection_errors_are_retried(teams, fake_bf, caplog) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/amer/"  # nobody listens here once closed
    sleeps = Sleeps()
    server = teams(sleep=sleeps, allowed_service_urls=f"{fake_bf.base_url} {closed}")
    server.post(fake_bf.activity("hi", service_url=closed))
    server.bot.wait(1)
    server.drain()
    assert len(sleeps.delays) == 4  # five attempts
    assert "could not post" in caplog.text
