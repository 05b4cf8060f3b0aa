"""What Rasa hears from Teams, over real HTTP: the text without the bot's @mention, card submits as
payloads, one tracker per 1:1 chat and per channel thread, the speaker in metadata, de-duplication, the
fast acknowledgement and the routing of every activity type."""

from __future__ import annotations

import asyncio
import threading

import requests

from connector.conversations import ConversationStore


def only_message(server):
    messages = server.bot.wait(1)
    server.drain()
    assert len(server.bot.messages) == 1, [m.text for m in server.bot.messages]
    return messages[0]


def test_a_personal_message_reaches_rasa_with_its_metadata(teams, fake_bf) -> None:
    server = teams()
    activity = fake_bf.activity("is the nightly green?", replyToId="1699999999999")
    assert server.post(activity).status_code == 200
    message = only_message(server)
    assert message.text == "is the nightly green?"
    assert message.input_channel == "teams"
    assert message.sender_id == activity["from"]["aadObjectId"]
    assert message.message_id == activity["id"]
    metadata = message.metadata
    assert metadata["user_id"] == activity["from"]["aadObjectId"]
    assert metadata["user_name"] == "Ann Example"
    assert metadata["tenant_id"] == activity["channelData"]["tenant"]["id"]
    assert metadata["conversation_type"] == "personal"
    assert metadata["conversation_id"] == activity["conversation"]["id"]
    assert metadata["service_url"] == activity["serviceUrl"]
    assert metadata["locale"] == "en-GB"
    assert metadata["activity_id"] == activity["id"]
    assert metadata["reply_to_id"] == "1699999999999"
    assert metadata["team_id"] == metadata["channel_id"] == ""
    assert "attachments" not in metadata  # the text/html copy of the message is dropped
    reference = metadata["conversation_reference"]
    assert reference["serviceUrl"] == activity["serviceUrl"]
    assert reference["conversation"]["id"] == activity["conversation"]["id"]
    assert reference["bot"]["id"] == activity["recipient"]["id"]
    assert reference["user"]["id"] == activity["from"]["id"]
    assert reference["activityId"] == activity["id"]


def test_a_channel_message_loses_the_bot_mention_and_has_its_own_tracker(teams, fake_bf) -> None:
    server = teams()
    activity = fake_bf.activity("why did petclinic-build fail?", conversation_type="channel")
    assert activity["text"].startswith("<at>opsbot</at>")
    assert server.post(activity).status_code == 200
    message = only_message(server)
    assert message.text == "why did petclinic-build fail?"
    assert message.sender_id == activity["conversation"]["id"]
    assert message.metadata["user_id"] == activity["from"]["aadObjectId"]  # the speaker is still known
    assert message.metadata["team_id"] == "19:team-general@thread.tacv2"
    assert message.metadata["channel_id"] == "19:ops-channel@thread.tacv2"
    assert message.metadata["conversation_type"] == "channel"


def test_the_same_user_in_a_chat_and_a_channel_gets_two_trackers(teams, fake_bf) -> None:
    server = teams()
    server.post(fake_bf.activity("hi"))
    server.post(fake_bf.activity("hi", conversation_type="channel"))
    server.post(fake_bf.activity("hi", conversation_type="groupChat"))
    senders = [m.sender_id for m in server.bot.wait(3)]
    assert len(set(senders)) == 3
    assert {m.metadata["user_id"] for m in server.bot.messages} == {"6a1b2c3d-0000-4000-8000-00000000a001"}


def test_group_trackers_can_be_per_user(teams, fake_bf) -> None:
    server = teams(group_sender="user")
    server.post(fake_bf.activity("hi", conversation_type="channel"))
    assert only_message(server).sender_id == "6a1b2c3d-0000-4000-8000-00000000a001"


def test_without_an_aad_object_id_the_teams_user_id_is_used(teams, fake_bf) -> None:
    server = teams()
    server.post(fake_bf.activity("hi", aad_object_id=None, user_id="29:guest"))
    message = only_message(server)
    assert message.sender_id == message.metadata["user_id"] == "29:guest"


def test_a_bot_mention_with_regex_characters_is_stripped(teams, fake_bf) -> None:
    server = teams()
    server.post(fake_bf.activity("hi", conversation_type="groupChat", bot_name="Bot (x)"))
    assert only_message(server).text == "hi"


def test_other_peoples_mentions_are_kept_as_names(teams, fake_bf) -> None:
    server = teams()
    activity = fake_bf.activity("which PRs wait on <at>Adam Smith</at>?", conversation_type="channel")
    activity["entities"].append({"type": "mention", "text": "<at>Adam Smith</at>",
                                 "mentioned": {"id": "29:adam", "name": "Adam Smith"}})
    server.post(activity)
    message = only_message(server)
    assert message.text == "which PRs wait on Adam Smith?"
    assert message.metadata["mentions"] == [{"id": "29:adam", "name": "Adam Smith"}]


def test_file_attachments_are_kept_in_metadata(teams, fake_bf) -> None:
    server = teams()
    activity = fake_bf.activity("what is in this log?")
    activity["attachments"].append({"contentType": "application/vnd.microsoft.teams.file.download.info",
                                    "name": "build.log", "content": {"downloadUrl": "https://x/build.log"}})
    server.post(activity)
    assert [a["name"] for a in only_message(server).metadata["attachments"]] == ["build.log"]


def test_a_card_submit_becomes_its_rasa_payload(teams, fake_bf) -> None:
    server = teams()
    payload = '/jenkins_build_status{"job":"petclinic-build"}'
    activity = fake_bf.activity(None, value={"rasa_payload": payload, "note": "from the card"})
    server.post(activity)
    message = only_message(server)
    assert message.text == payload
    assert message.metadata["card_value"] == {"note": "from the card"}


def test_a_card_submit_without_payload_is_ignored_or_goes_to_the_submit_intent(teams, fake_bf) -> None:
    quiet = teams()
    assert quiet.post(fake_bf.activity(None, value={"comment": "lgtm"})).status_code == 200
    quiet.drain()
    assert quiet.bot.messages == []
    routed = teams(submit_intent="card_submitted")
    routed.post(fake_bf.activity(None, value={"comment": "lgtm"}))
    message = only_message(routed)
    assert message.text == "/card_submitted"
    assert message.metadata["card_value"] == {"comment": "lgtm"}


def test_an_action_execute_invoke_is_answered_and_routed(teams, fake_bf) -> None:
    server = teams()
    activity = fake_bf.activity(None, type="invoke", name="adaptiveCard/action",
                                value={"action": {"type": "Action.Execute", "verb": "rebuild",
                                                  "data": {"rasa_payload": "/jenkins_run_build"}}})
    answer = server.post(activity)
    assert answer.status_code == 200
    assert answer.json()["statusCode"] == 200
    assert only_message(server).text == "/jenkins_run_build"


def test_the_bot_added_to_a_team_stores_the_conversation_and_can_welcome(teams, fake_bf, tmp_path) -> None:
    server = teams(welcome_intent="greet")
    update = fake_bf.activity(None, type="conversationUpdate", conversation_type="channel",
                              conversation_id="19:ops-channel@thread.tacv2",
                              membersAdded=[{"id": f"28:{fake_bf.app_id}"}])
    assert server.post(update).status_code == 200
    message = only_message(server)
    assert message.text == "/greet"
    stored = ConversationStore(tmp_path / "teams.db").get_sync("19:ops-channel@thread.tacv2")
    assert stored is not None and stored.reference["serviceUrl"] == update["serviceUrl"]
    assert fake_bf.wait_messages(1)[0].activity_id is None  # a new post, not a reply to the update

    removed = dict(update, id="update-2", membersAdded=None, membersRemoved=[{"id": f"28:{fake_bf.app_id}"}])
    assert server.post(removed).status_code == 200
    server.drain()
    assert ConversationStore(tmp_path / "teams.db").get_sync("19:ops-channel@thread.tacv2") is None


def test_a_silent_install_stores_the_conversation_without_a_message(teams, fake_bf, tmp_path) -> None:
    server = teams()
    update = fake_bf.activity(None, type="installationUpdate", action="add")
    assert server.post(update).status_code == 200
    server.drain()
    assert server.bot.messages == []
    assert ConversationStore(tmp_path / "teams.db").get_sync(update["conversation"]["id"]) is not None


def test_other_activity_types_are_acknowledged_and_ignored(teams, fake_bf) -> None:
    server = teams()
    others = [
        fake_bf.activity(None, type="messageReaction", reactionsAdded=[{"type": "like"}]),
        fake_bf.activity(None, type="typing"),
        fake_bf.activity(None, type="somethingNewFromMicrosoft", unknownField={"a": 1}),
        fake_bf.activity(None, type="invoke", name="task/fetch", value={}),
        fake_bf.activity("   ", conversation_type="channel"),  # only the @mention: nothing to answer
    ]
    for activity in others:
        assert server.post(activity).status_code == 200
    server.drain()
    assert server.bot.messages == []
    assert fake_bf.delivered() == []


def test_a_redelivered_activity_is_handled_once(teams, fake_bf) -> None:
    server = teams()
    activity = fake_bf.activity("deploy to staging")
    assert server.post(activity).status_code == 200
    assert server.post(activity).status_code == 200
    server.drain()
    assert [m.text for m in server.bot.messages] == ["deploy to staging"]
    assert len(fake_bf.delivered("message")) == 1


def test_the_request_is_acknowledged_before_rasa_answers(teams, fake_bf) -> None:
    release = threading.Event()

    async def slow(message) -> None:
        while not release.is_set():  # Rasa still thinking; the webhook must not wait for it
            await asyncio.sleep(0.01)
        await message.output_channel.send_response(message.sender_id, {"text": "done"})

    server = teams(slow)
    answer = server.post(fake_bf.activity("take your time"))
    assert answer.status_code == 200
    assert fake_bf.delivered("message") == [], "the reply came before the acknowledgement"
    release.set()
    assert fake_bf.wait_messages(1)[0].body["text"] == "done"


def test_a_failure_while_handling_is_answered_with_an_apology(teams, fake_bf) -> None:
    async def broken(_message) -> None:
        raise RuntimeError("the model fell over")

    server = teams(broken)
    assert server.post(fake_bf.activity("hi")).status_code == 200
    assert "went wrong" in fake_bf.wait_messages(1)[0].body["text"]


def test_health_route(teams) -> None:
    server = teams()
    assert requests.get(server.url.rsplit("/", 1)[0] + "/", timeout=5).json() == {"status": "ok"}


def test_the_speakers_upn_is_looked_up_once(teams, fake_bf) -> None:
    server = teams()
    for text in ("one", "two", "three"):
        server.post(fake_bf.activity(text, conversation_type="channel"))
    messages = server.bot.wait(3)
    server.drain()
    assert {m.metadata["user_principal_name"] for m in messages} == {"ann.example@contoso.example"}
    stats = requests.get(fake_bf.base_url + "/_sandbox/stats", timeout=5).json()["by_path"]
    assert sum(n for path, n in stats.items() if "/members/" in path) == 1


def test_an_unknown_member_is_answered_without_a_upn(teams, fake_bf) -> None:
    server = teams()
    activity = fake_bf.activity("hi")
    fake_bf.members.pop(activity["from"]["id"])
    server.post(activity)
    message = only_message(server)
    assert "user_principal_name" not in message.metadata
    assert fake_bf.wait_messages(1)


def test_text_is_made_safe_like_on_every_channel(teams, fake_bf) -> None:
    server = teams()
    long_text = "why did petclinic-build fail" + " really" * 600
    server.post(fake_bf.activity("is\x00 the\u202e nightly\tgreen?"))
    server.post(fake_bf.activity(long_text, conversation_id="a:another-chat"))
    first, second = sorted(server.bot.wait(2), key=lambda m: len(m.text))
    assert first.text == "is the nightly green?"
    assert len(second.text) <= 2000 and second.metadata["truncated_from"] == len(long_text)
