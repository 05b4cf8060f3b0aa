"""Deliver a `Reply` through the channel the user is on: an Adaptive Card in Teams, text elsewhere.

Every reply of every action passes here, so this is also the last line of defence for outside text: whatever
a renderer (or an action building its own sentence) forgot, no control character and no HTML tag or `<at>`
mention reaches a channel (common.text.scrub). The escaping proper happens where names are put into
sentences (common.text.clean), because only there is it known what is a name and what is markup.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from common.reply import Reply
from common.text import scrub

RICH_CHANNELS = {"teams"}
# Card fields that are shown to the user as text (TextBlock and TextRun text, facts, action titles, alt text).
_SHOWN_FIELDS = {"text", "title", "value", "altText", "fallbackText"}


def scrub_card(node: Any) -> Any:
    """A copy of an Adaptive Card with every shown string `scrub`bed (payload data is left exact)."""
    if isinstance(node, dict):
        return {key: (scrub(value, keep_newlines=True) if key in _SHOWN_FIELDS and isinstance(value, str)
                      else value if key == "data" else scrub_card(value))
                for key, value in node.items()}
    if isinstance(node, list):
        return [scrub_card(item) for item in node]
    return node


def send(dispatcher: CollectingDispatcher, tracker: Tracker, reply: Reply) -> None:
    channel = tracker.get_latest_input_channel() or ""
    if channel in RICH_CHANNELS and reply.card is not None:
        dispatcher.utter_message(json_message=scrub_card(reply.card))
        return
    buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    dispatcher.utter_message(text=scrub(reply.text), buttons=buttons or None)
    if reply.image_url:
        dispatcher.utter_message(image=reply.image_url)
