"""The webhook receivers over real HTTP, delivering to the fake Bot Framework: authentication, malformed
bodies, duplicates, only matching conversations, a 429 from Teams, Grafana resolutions following their
firing message, and a restart between receipt and delivery."""

from __future__ import annotations

import json

from notifications.store import NotifyStore
from sandbox.botframework import FakeBotFramework
from sandbox.payloads import (
    CHANNEL,
    channel_reference,
    check_suite_payload,
    grafana_payload,
    jenkins_payload,
    release_payload,
    workflow_run_payload,
)
from tests.support.notify import GITHUB_SECRET, OTHER_CHANNEL, NotifyFactory


def subscribe(store: NotifyStore, fake: FakeBotFramework, source: str, target: str, condition: str,
              conversation: str = CHANNEL) -> None:
    store.remember_address(conversation, channel_reference(fake, conversation))
    store.subscribe(conversation, source, target, condition, label=target or source)


def posted(fake: FakeBotFramework, conversation: str = CHANNEL) -> list:
    return [r for r in fake.delivered("message") if r.method == "POST" and r.conversation_id.startswith(conversation)]


def card_of(call) -> dict:
    return call.body["attachments"][0]["content"]


# -- authentication and bodies -------------------------------------------------------------------------------
def test_a_bad_or_missing_secret_is_refused_and_nothing_is_posted(notify: NotifyFactory, fake_bf) -> None:
    server = notify()
    store = server.notifier.store
    subscribe(store, fake_bf, "jenkins", "petclinic-build", "failed")
    subscribe(store, fake_bf, "github", "petclinic/spring-petclinic", "ci_failed")
    subscribe(store, fake_bf, "grafana", "", "firing")
    assert server.jenkins(jenkins_payload(), token="wrong").status_code == 401
    assert server.jenkins(jenkins_payload(), token=None).status_code == 401
    assert server.grafana(grafana_payload(), token="wrong").status_code == 401
    assert server.grafana(grafana_payload(), token=None).status_code == 401
    body = json.dumps(workflow_run_payload()).encode()
    assert server.github("workflow_run", body, secret="not-the-secret").status_code == 401
    assert server.github("workflow_run", body, secret=None).status_code == 401  # no signature at all
    assert server.github("workflow_run", body, signature="sha256=" + "0" * 64).status_code == 401
    server.drain()
    assert store.outbox() == [] and posted(fake_bf) == []


def test_malformed_json_gets_400_and_posts_nothing(notify: NotifyFactory, fake_bf) -> None:
    server = notify()
    subscribe(server.notifier.store, fake_bf, "jenkins", "", "finished")
    assert server.jenkins(b'{"name": "petclinic-build", "build": ').status_code == 400
    assert server.jenkins({"name": "petclinic-build"}).status_code == 400  # JSON, but not the plugin's
    assert server.grafana({"status": "firing", "alerts": "none"}).status_code == 400
    assert server.github("release", b"{not json", secret=GITHUB_SECRET).status_code == 400
    server.drain()
    assert server.notifier.store.outbox() == [] and posted(fake_bf) == []


def test_github_ping_and_uninteresting_events_are_acknowledged(notify: NotifyFactory, fake_bf) -> None:
    server = notify()
    assert server.github("ping", {"zen": "Design for failure.", "hook_id": 1}).json()["pong"] is True
    answer = server.github("push", {"ref": "refs/heads/main", "repository": {"full_name": "a/b"}})
    assert answer.status_code == 200 and "ignored" in answer.json()


# -- delivery --------------------------------------------------------------------------------------------------
def test_a_failed_build_reaches_only_the_subscribed_channels_as_a_card(notify: NotifyFactory, fake_bf) -> None:
    server = notify()
    store = server.notifier.store
    subscribe(store, fake_bf, "jenkins", "petclinic-build", "failed", CHANNEL)
    subscribe(store, fake_bf, "jenkins", "", "finished", OTHER_CHANNEL)
    subscribe(store, fake_bf, "jenkins", "petclinic-nightly", "failed", "19:quiet@thread.tacv2")
    answer = server.jenkins(jenkins_payload("petclinic-build", 148, "FINALIZED", "FAILURE"))
    assert answer.status_code == 202 and answer.json() == {"events": 1, "duplicates": 0, "queued": 2}
    assert fake_bf.wait_messages(2, 10)
    server.drain()
    assert len(posted(fake_bf, CHANNEL)) == 1 and len(posted(fake_bf, OTHER_CHANNEL)) == 1
    assert posted(fake_bf, "19:quiet@thread.tacv2") == []
    call = posted(fake_bf, CHANNEL)[0]
    assert call.conversation_id == CHANNEL  # a new post in the channel, not a reply somewhere
    card = card_of(call)
    assert card["body"][0]["text"] == "petclinic-build #148 failed"
    submits = [a["data"]["rasa_payload"] for a in card["actions"] if a["type"] == "Action.Submit"]
    assert submits == ['/jenkins_why_failed{"job":"petclinic-build","build_number":"148"}',
                       '/jenkins_run_build{"job":"petclinic-build"}']
    assert call.body["summary"].startswith("petclinic-build #148 failed.")
    assert {row["state"] for row in store.outbox()} == {"sent"}


def test_the_same_event_twice_is_posted_once_per_conversation(notify: NotifyFactory, fake_bf) -> None:
    server = notify()
    store = server.notifier.store
    subscribe(store, fake_bf, "jenkins", "petclinic-build", "failed")
    subscribe(store, fake_bf, "github", "petclinic/spring-petclinic", "ci_failed")
    assert server.jenkins(jenkins_payload(phase="COMPLETED")).status_code == 202
    again = server.jenkins(jenkins_payload(phase="FINALIZED"))  # the plugin's second phase of the same build
    assert again.status_code == 200 and again.json()["duplicates"] == 1
    delivery = "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    assert server.github("workflow_run", workflow_run_payload(), delivery=delivery).status_code == 202
    redelivered = server.github("workflow_run", workflow_run_payload(), delivery=delivery)
    assert redelivered.json().get("duplicate_delivery") is True
    # GitHub also sends the run's check suite, under another delivery id: the same event
    assert server.github("check_suite", check_suite_payload()).json()["duplicates"] == 1
    fake_bf.wait_messages(2, 10)
    server.drain()
    texts = [card_of(call)["body"][0]["text"] for call in posted(fake_bf)]
    assert sorted(texts) == ["CI failed on main (spring-petclinic)", "petclinic-build #148 failed"]


def test_a_429_from_teams_is_retried_and_the_card_arrives_once(notify: NotifyFactory, fake_bf) -> None:
    server = notify()
    subscribe(server.notifier.store, fake_bf, "github", "petclinic/spring-petclinic", "releases")
    fake_bf.script.append({"status": 429, "headers": {"Retry-After": "1"}, "type": "message"})
    assert server.github("release", release_payload()).status_code == 202
    assert fake_bf.wait_for(lambda f: len(f.delivered("message")) >= 1, 15)
    server.drain()
    calls = [r for r in fake_bf.received if r.conversation_id == CHANNEL]
    assert [c.status for c in calls] == [429, 201]
    assert len(posted(fake_bf)) == 1
    assert server.notifier.store.outbox()[0]["state"] == "sent"


def test_teams_down_for_longer_is_retried_later_from_the_outbox(notify: NotifyFactory, fake_bf) -> None:
    server = notify(poll_seconds=0.1, base_delay=0.2)
    store = server.notifier.store
    subscribe(store, fake_bf, "jenkins", "petclinic-build", "failed")
    # the client tries 3 times per delivery; the first delivery fails for good, the outbox tries again
    fake_bf.script.extend({"status": 503, "type": "message"} for _ in range(3))
    assert server.jenkins(jenkins_payload()).status_code == 202
    assert fake_bf.wait_for(lambda f: len(f.delivered("message")) >= 1, 15)
    server.drain()
    row = store.outbox()[0]
    assert row["state"] == "sent" and row["attempts"] == 2
    assert [c.status for c in fake_bf.received if c.conversation_id == CHANNEL] == [503, 503, 503, 201]


def test_a_removed_bot_is_not_retried(notify: NotifyFactory, fake_bf) -> None:
    server = notify()
    store = server.notifier.store
    subscribe(store, fake_bf, "jenkins", "petclinic-build", "failed")
    fake_bf.script.append({"status": 403, "type": "message", "body": {"error": {"code": "BotNotInConversationRoster"}}})
    assert server.jenkins(jenkins_payload()).status_code == 202
    assert fake_bf.wait_for(lambda f: any(r.status == 403 for r in f.received), 10)
    server.drain()
    assert store.outbox()[0]["state"] == "failed" and posted(fake_bf) == []


def test_grafana_resolved_updates_and_follows_the_firing_message(notify: NotifyFactory, fake_bf) -> None:
    server = notify()
    store = server.notifier.store
    subscribe(store, fake_bf, "grafana", "service=petclinic", "firing")
    subscribe(store, fake_bf, "grafana", "severity=critical", "firing", OTHER_CHANNEL)  # never told it fired
    assert server.grafana(grafana_payload("firing")).json()["queued"] == 1
    assert fake_bf.wait_messages(1, 10)
    server.drain()
    firing = posted(fake_bf)[0]
    assert card_of(firing)["body"][0]["text"] == "Firing: PetClinic p95 latency above 1.5s"
    firing_id = store.outbox()[0]["activity_id"]
    assert firing_id
    assert server.grafana(grafana_payload("resolved", severity="critical")).json()["queued"] == 1
    assert fake_bf.wait_for(lambda f: len(f.delivered("message")) >= 3, 10)
    server.drain()
    update = [r for r in fake_bf.delivered("message") if r.method == "PUT"]
    assert len(update) == 1 and update[0].activity_id == firing_id
    assert card_of(update[0])["body"][0]["text"].startswith("Resolved: PetClinic p95 latency")
    follow = [r for r in fake_bf.delivered("message") if r.method == "POST"][1:]
    assert [r.conversation_id for r in follow] == [f"{CHANNEL};messageid={firing_id}"]  # in the alert's thread
    assert posted(fake_bf, OTHER_CHANNEL) == []


def test_non_teams_conversations_are_held_until_reachable(notify: NotifyFactory, fake_bf) -> None:
    server = notify()
    store = server.notifier.store
    store.subscribe("demo", "jenkins", "petclinic-build", "failed")  # subscribed from the shell: no address
    assert server.jenkins(jenkins_payload()).json()["queued"] == 1
    server.drain()
    assert store.outbox()[0]["state"] == "held" and fake_bf.delivered("message") == []
    store.remember_address("demo", channel_reference(fake_bf, CHANNEL))
    server.run(server.notifier.deliverer.store.recover())  # what a restart does; else after hold_seconds
    server.drain()
    assert store.outbox()[0]["state"] == "sent" and len(posted(fake_bf)) == 1


# -- restarts --------------------------------------------------------------------------------------------------
def test_an_event_received_before_a_crash_is_delivered_once_after_the_restart(notify: NotifyFactory, fake_bf) -> None:
    first = notify()
    first.run(first.notifier.deliverer.stop())  # receipt works, delivery never gets to run before the crash
    subscribe(first.notifier.store, fake_bf, "jenkins", "petclinic-build", "failed")
    assert first.jenkins(jenkins_payload()).status_code == 202
    assert first.notifier.store.outbox()[0]["state"] == "pending"
    first.crash()
    assert fake_bf.delivered("message") == []

    second = notify()  # same database
    assert fake_bf.wait_messages(1, 10)
    second.drain()
    second.stop()
    third = notify()
    third.drain()
    assert len(posted(fake_bf)) == 1
    assert third.notifier.store.outbox()[0]["state"] == "sent"


def test_a_crash_in_the_middle_of_posting_posts_again_after_the_restart(notify: NotifyFactory, fake_bf) -> None:
    first = notify()
    store = first.notifier.store
    first.run(first.notifier.deliverer.stop())
    subscribe(store, fake_bf, "jenkins", "petclinic-build", "failed")
    assert first.jenkins(jenkins_payload()).status_code == 202
    claimed = store.claim_due()  # the loop took the row and was posting it when the process died
    assert len(claimed) == 1 and store.outbox()[0]["state"] == "sending"
    first.crash()

    second = notify()
    assert fake_bf.wait_messages(1, 10)
    second.drain()
    assert len(posted(fake_bf)) == 1 and second.notifier.store.outbox()[0]["state"] == "sent"


def test_without_teams_the_demo_console_prints_the_notification(notify: NotifyFactory, fake_bf, monkeypatch,
                                                                capsys) -> None:
    monkeypatch.setenv("OPSBOT_NOTIFY_CONSOLE", "1")
    server = notify(teams=False)
    server.notifier.store.subscribe("demo", "jenkins", "petclinic-build", "failed")
    assert server.jenkins(jenkins_payload()).status_code == 202
    server.drain()
    printed = capsys.readouterr().out
    assert "opsbot notification for demo: petclinic-build #148 failed." in printed
    assert '/jenkins_why_failed{"job":"petclinic-build","build_number":"148"}' in printed
    assert server.notifier.store.outbox()[0]["state"] == "sent" and fake_bf.delivered() == []
