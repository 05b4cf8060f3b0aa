"""Rasa responses as Teams shows them: markdown text, buttons as Adaptive Card 1.5 Action.Submit (and a
click coming back as the payload), quick replies, inline images, custom Adaptive Cards (≤ 1.5), whole
activities; and the actions' answers as cards in Teams but text on REST."""

from __future__ import annotations

import base64

import pytest

from actions.base import choose_reply
from actions.send import send
from common.resolve import Candidate, Resolution
from connector import teams_cards as render
from tests.support import make_tracker

BUTTONS = [{"title": "petclinic-build", "payload": '/jenkins_build_status{"job":"petclinic-build"}'},
           {"title": "petclinic-nightly", "payload": '/jenkins_build_status{"job":"petclinic-nightly"}'}]
PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 32).decode()


def attachment_of(activity: dict) -> dict:
    (attachment,) = activity["attachments"]
    return attachment


def test_text_is_markdown() -> None:
    (activity,) = render.activities_for({"text": "**petclinic-build** is green"}, personal=True)
    assert activity == {"type": "message", "text": "**petclinic-build** is green", "textFormat": "markdown"}


def test_buttons_become_an_adaptive_card_with_submit_actions() -> None:
    (activity,) = render.activities_for({"text": "Which job do you mean?", "buttons": BUTTONS}, personal=False)
    attachment = attachment_of(activity)
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert card["body"][0]["text"] == "Which job do you mean?"
    assert card["actions"] == [{"type": "Action.Submit", "title": b["title"], "data": {"rasa_payload": b["payload"]}}
                               for b in BUTTONS]


def test_quick_replies_are_suggested_actions_in_a_chat_and_a_card_elsewhere() -> None:
    message = {"text": "Rebuild it?", "quick_replies": [{"title": "Yes", "payload": "/affirm"},
                                                         {"title": "No", "payload": "/deny"}]}
    (personal,) = render.activities_for(dict(message), personal=True)
    assert personal["suggestedActions"]["actions"] == [{"type": "imBack", "title": "Yes", "value": "/affirm"},
                                                        {"type": "imBack", "title": "No", "value": "/deny"}]
    (channel,) = render.activities_for(dict(message), personal=False)
    assert [a["data"]["rasa_payload"] for a in attachment_of(channel)["content"]["actions"]] == ["/affirm", "/deny"]


def test_images_are_inline_attachments() -> None:
    (inline,) = render.activities_for({"image": PNG}, personal=True)
    assert attachment_of(inline) == {"contentType": "image/png", "contentUrl": PNG, "name": "image.png"}
    (linked,) = render.activities_for({"image": "https://grafana.example.com/render/latency.jpg?from=now-6h"},
                                      personal=True)
    assert attachment_of(linked)["contentType"] == "image/jpeg"


def test_a_text_with_an_image_is_two_activities_in_order() -> None:
    activities = render.activities_for({"text": "Latency, last 6 hours", "image": PNG}, personal=False)
    assert [("text" in a, "attachments" in a) for a in activities] == [(True, False), (False, True)]


def test_custom_adaptive_cards_are_wrapped_and_versions_above_1_5_refused() -> None:
    card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "ok"}]}
    (activity,) = render.activities_for({"custom": card}, personal=True)
    assert attachment_of(activity)["content"]["body"] == card["body"]
    (unversioned,) = render.activities_for({"custom": {"type": "AdaptiveCard", "body": []}}, personal=True)
    assert attachment_of(unversioned)["content"]["version"] == "1.5"
    with pytest.raises(render.RenderError, match=r"1\.6"):
        render.activities_for({"custom": dict(card, version="1.6")}, personal=True)
    with pytest.raises(render.RenderError):
        render.activities_for({"custom": dict(card, version="latest")}, personal=True)


def test_custom_attachments_and_activities_pass_through() -> None:
    hero = {"contentType": "application/vnd.microsoft.card.hero", "content": {"title": "Deploys"}}
    (activity,) = render.activities_for({"custom": hero}, personal=True)
    assert attachment_of(activity) == hero
    whole = {"type": "message", "text": "urgent", "importance": "high"}
    (passed,) = render.activities_for({"custom": whole}, personal=True)
    assert passed == whole
    (other,) = render.activities_for({"custom": {"some": "json"}}, personal=True)
    assert other["text"].startswith("```") and '"some": "json"' in other["text"]


def test_elements_are_a_hero_card_carousel() -> None:
    (activity,) = render.activities_for({"elements": [{"title": "PR 215", "subtitle": "Fix owner update",
                                                       "buttons": [{"title": "Open", "payload": "/pr"}]}]},
                                        personal=True)
    assert activity["attachmentLayout"] == "carousel"
    assert attachment_of(activity)["content"]["buttons"] == [{"type": "imBack", "title": "Open", "value": "/pr"}]


def test_a_button_click_comes_back_as_its_payload(teams, fake_bf) -> None:
    async def reply(message) -> None:
        if message.text == "which job?":
            await message.output_channel.send_response(message.sender_id, {"text": "Which job?", "buttons": BUTTONS})

    server = teams(reply)
    question = fake_bf.activity("which job?", conversation_type="channel")
    server.post(question)
    posted = fake_bf.wait_messages(1)[0]
    card = attachment_of(posted.body)["content"]
    clicked = card["actions"][1]["data"]  # what Teams sends back when the second button is clicked
    server.post(fake_bf.activity(None, conversation_type="channel", conversation_id=posted.conversation_id,
                                 value=clicked, replyToId=posted.activity_id))
    messages = server.bot.wait(2)
    assert messages[1].text == BUTTONS[1]["payload"]
    assert messages[1].sender_id == messages[0].sender_id  # the same thread, the same tracker


def test_an_invalid_card_is_replaced_by_its_text(teams, fake_bf, caplog) -> None:
    async def reply(message) -> None:
        await message.output_channel.send_response(
            message.sender_id, {"text": "the status", "custom": {"type": "AdaptiveCard", "version": "1.6"}})

    server = teams(reply)
    server.post(fake_bf.activity("status?"))
    assert fake_bf.wait_messages(1)[0].body["text"] == "the status"
    assert "1.6" in caplog.text


def _ambiguous_reply():
    candidates = [Candidate("petclinic-build", "petclinic-build"), Candidate("petclinic-nightly", "petclinic-nightly")]
    resolution = Resolution(choices=candidates)
    return choose_reply("job", resolution, "jenkins_build_status", "job")


def test_action_answers_are_cards_in_teams_and_text_on_rest(teams, fake_bf) -> None:
    from rasa_sdk.executor import CollectingDispatcher

    reply = _ambiguous_reply()
    in_teams, on_rest = CollectingDispatcher(), CollectingDispatcher()
    send(in_teams, make_tracker("is it green?", channel="teams"), reply)
    send(on_rest, make_tracker("is it green?", channel="rest"), reply)
    assert on_rest.messages[0]["text"] == reply.text and on_rest.messages[0]["buttons"]
    assert "custom" not in on_rest.messages[0] or not on_rest.messages[0]["custom"]
    custom = in_teams.messages[0]["custom"]

    async def answer(message) -> None:  # what Rasa does with the action server's response
        await message.output_channel.send_response(message.sender_id, {"custom": custom})

    server = teams(answer)
    server.post(fake_bf.activity("is it green?"))
    card = attachment_of(fake_bf.wait_messages(1)[0].body)
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["version"] == "1.5"
    assert [a["data"]["rasa_payload"] for a in card["content"]["actions"] if a["type"] == "Action.Submit"] == \
        [b.payload for b in reply.buttons]


def test_a_whole_activity_is_posted_with_the_addressing_filled_in(teams, fake_bf) -> None:
    async def reply(message) -> None:
        await message.output_channel.send_response(
            message.sender_id, {"custom": {"type": "message", "text": "**urgent**", "importance": "high",
                                           "summary": "prod is down"}})

    server = teams(reply)
    activity = fake_bf.activity("status?", conversation_type="groupChat")
    server.post(activity)
    body = fake_bf.wait_messages(1)[0].body
    assert (body["text"], body["importance"], body["summary"]) == ("**urgent**", "high", "prod is down")
    assert body["from"]["id"] == activity["recipient"]["id"]
    assert body["conversation"]["id"] == activity["conversation"]["id"]
    assert body["replyToId"] == activity["id"]
    assert body["serviceUrl"] == activity["serviceUrl"] and body["channelId"] == "msteams"
