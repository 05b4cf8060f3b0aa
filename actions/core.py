"""Conversation basics that need code: help (from the capability registry) and the NLU fallback."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.capabilities import REFERENCE, by_area
from actions.live_names import live_names
from actions.send import send
from common import cards
from common.reply import Button, Reply
from common.resolve import words
from common.text import clean

HELP_BUTTON = Button("What can you do?", "/help")


def asked_areas(message: str, areas: Iterable[str]) -> list[str]:
    """The areas a help question names ("what can I ask about grafana?"); none named means all of them."""
    said = set(words(message))
    return [area for area in areas if set(words(area)) <= said]


def help_reply(names: Mapping[str, str] | None = None, message: str = "") -> Reply:
    """What opsbot can do, with examples naming `names` (live jobs, repos, panels) where given; only the
    areas the message names, when it names some."""
    names = REFERENCE if names is None else names
    groups = by_area()
    if not groups:
        text = "I'm opsbot. I'm not connected to any tools yet."
        return Reply(text=text, card=cards.card([cards.paragraph(text)]))
    named = asked_areas(message, groups)
    if named:
        groups = {area: groups[area] for area in named}
        lines = ["About " + ", ".join(named) + ", ask me in plain English. For example:"]
    else:
        lines = ["I'm opsbot. Ask me in plain English about " + ", ".join(groups) + ". For example:"]
    body: list[dict] = [cards.heading("What I can do"), cards.paragraph(lines[0])]
    for area, entries in groups.items():
        lines.append(f"{area}:")
        lines.extend(f'  - {c.title}: "{c.say(names)}"' for c in entries)
        body.append(cards.paragraph(f"**{area}**"))
        body.append(cards.facts([(c.title, f"“{c.say(names)}”") for c in entries]))
    lines.append("Follow-ups work too: \"show me its log\", \"rebuild it\", \"and over the last day?\".")
    examples = [Button(c.say(names), c.say(names)) for entries in groups.values() for c in entries[:1]]
    return Reply(text="\n".join(lines), card=cards.card(body, [cards.submit(b) for b in examples]), buttons=[])


def fallback_reply(message: str) -> Reply:
    said = clean(message, 80)
    heard = f'"{said}"' if said else "that"
    text = (
        f"Sorry, I didn't understand {heard}. I answer questions about Jenkins builds, GitHub pull "
        "requests and issues, and Grafana alerts and dashboards. Say \"help\" for examples."
    )
    return Reply(text=text, card=cards.status_card("I didn't understand", "neutral", text, buttons=[HELP_BUTTON]),
                 buttons=[HELP_BUTTON])


class ActionHelp(Action):
    def name(self) -> str:
        return "action_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message.get("text") or ""
        send(dispatcher, tracker, help_reply(await live_names(), message))
        return []


class ActionExplainFallback(Action):
    """Says what it did not understand and offers help: never silence."""

    def name(self) -> str:
        return "action_explain_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        send(dispatcher, tracker, fallback_reply(tracker.latest_message.get("text") or ""))
        return []
