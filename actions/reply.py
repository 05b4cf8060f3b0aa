"""Deliver a `Reply` through the channel the user is on: an Adaptive Card in Teams, text elsewhere."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.render import Reply

RICH_CHANNELS = {"teams"}


def send(dispatcher: CollectingDispatcher, tracker: Tracker, reply: Reply) -> None:
    channel = tracker.get_latest_input_channel() or ""
    if channel in RICH_CHANNELS and reply.card is not None:
        dispatcher.utter_message(json_message=reply.card)
        return
    buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    dispatcher.utter_message(text=reply.text, buttons=buttons or None)
    if reply.image_url:
        dispatcher.utter_message(image=reply.image_url)
