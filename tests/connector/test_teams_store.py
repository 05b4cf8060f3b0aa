"""Conversation references are stored (SQLite, path configurable) so opsbot can post later without a new
message: through Rasa's output channel (trigger_intent, reminders) or the `Proactive` API (notifications),
also after a restart and from another process."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from connector.conversations import ConversationStore
from connector.teams import Proactive, TeamsInput
from tests.support.teams import config_for, credentials_for

REFERENCE = {
    "activityId": "1712345678901",
    "user": {"id": "29:1user-ann", "name": "Ann Example", "aadObjectId": "aad-ann"},
    "bot": {"id": "28:bot", "name": "opsbot"},
    "conversation": {"id": "19:ops@thread.tacv2", "conversationType": "channel", "tenantId": "tenant-1"},
    "channelId": "msteams",
    "serviceUrl": "https://smba.trafficmanager.net/emea/",
}


def test_references_survive_a_new_store_and_are_found_by_conversation_or_sender(tmp_path) -> None:
    path = tmp_path / "nested" / "teams.db"
    first = ConversationStore(path)
    first.save_sync("19:ops@thread.tacv2", REFERENCE)
    first.save_sync("aad-ann", dict(REFERENCE, conversation={"id": "a:1chat", "conversationType": "personal"}))
    first.close()
    again = ConversationStore(path)
    channel = again.get_sync("19:ops@thread.tacv2")
    assert channel is not None and channel.tenant_id == "tenant-1" and channel.conversation_type == "channel"
    assert "activityId" not in channel.reference  # a later post is a new message, not a reply
    assert again.get_sync("aad-ann").conversation_id == "a:1chat"
    assert [c.conversation_id for c in again.all_sync()] == ["19:ops@thread.tacv2", "a:1chat"]
    again.delete_sync("a:1chat")
    assert again.get_sync("aad-ann") is None
    assert again.get_sync("nobody") is None


def test_the_database_is_created_where_configured_on_first_message(teams, fake_bf, tmp_path) -> None:
    path = tmp_path / "elsewhere" / "refs.db"
    server = teams(store_path=str(path))
    assert not path.exists()
    activity = fake_bf.activity("hi")
    server.post(activity)
    server.bot.wait(1)
    server.drain()
    stored = ConversationStore(path).get_sync(activity["from"]["aadObjectId"])
    assert stored is not None and stored.conversation_id == activity["conversation"]["id"]


def test_rasa_can_post_to_a_conversation_without_a_new_message(teams, fake_bf) -> None:
    from rasa.server import _get_output_channel  # heavy (TensorFlow): only this test needs it

    server = teams()
    activity = fake_bf.activity("hi", conversation_type="channel")
    server.post(activity)
    fake_bf.wait_messages(1)
    server.drain()
    tracker = DialogueStateTracker.from_events(activity["conversation"]["id"],
                                               [UserUttered("hi", input_channel="teams")])
    request = SimpleNamespace(args={"output_channel": "latest"},
                              app=SimpleNamespace(ctx=SimpleNamespace(input_channels=[server.channel])))
    output = _get_output_channel(request, tracker)  # what Rasa's trigger_intent endpoint does
    server.run(output.send_response(tracker.sender_id, {"text": "petclinic-nightly failed at 02:14"}))
    posted = fake_bf.wait_messages(2)[-1]
    assert posted.body["text"] == "petclinic-nightly failed at 02:14"
    assert posted.conversation_id == activity["conversation"]["id"]
    assert posted.activity_id is None and "replyToId" not in posted.body  # a new message in the thread
    assert posted.raw_path.endswith("/activities")


def test_proactive_messages_work_after_a_restart(teams, fake_bf, tmp_path) -> None:
    first = teams()
    activity = fake_bf.activity("hi")
    first.post(activity)
    fake_bf.wait_messages(1)
    first.stop()  # opsbot restarts; a notifier in another process reads the same store
    proactive = Proactive.from_credentials(credentials_for(fake_bf, fake_bf.base_url, tmp_path / "teams.db"))

    async def notify() -> tuple[bool, bool]:
        sent = await proactive.send(activity["conversation"]["id"], "the nightly is green again")
        unknown = await proactive.send("19:never-installed@thread.tacv2", "hello?")
        await proactive.connector.http.close()
        return sent, unknown

    assert asyncio.run(notify()) == (True, False)
    posted = fake_bf.wait_messages(2)[-1]
    assert posted.body["text"] == "the nightly is green again"
    assert posted.body["recipient"]["id"] == activity["from"]["id"]


def test_the_output_channel_is_named_teams(fake_bf, tmp_path) -> None:
    channel = TeamsInput(config_for(fake_bf, "http://127.0.0.1:9", tmp_path / "t.db"))
    assert channel.get_output_channel().name() == "teams"
    assert UserMessage("x", channel.get_output_channel()).output_channel.name() == "teams"
