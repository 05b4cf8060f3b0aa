"""Helpers for tests: run an action as the action server would, with a tracker built from a message.

The other helpers are in this package's modules, one per area: tests.support.sandbox (the project root, the
sandbox worlds and credentials, starting a sandbox), .clock (the run's clock), .jenkins, .github, .grafana,
.notify (the notifier's harness), .subscriptions (talking to the subscription actions) and .teams (the Teams
channel's harness). Test modules import from here, never from another test module."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


def make_tracker(
    text: str = "",
    intent: str = "",
    entities: list[dict] | None = None,
    slots: dict[str, Any] | None = None,
    channel: str = "rest",
    sender: str = "tester",
    metadata: dict | None = None,
) -> Tracker:
    # What a channel that verified the speaker says (the REST channel for a trusted sender, Teams for a
    # signed activity); a test of an unverified speaker passes verified_identity=False.
    metadata = {"verified_identity": True, **(metadata or {})}
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": entities or [],
        "metadata": metadata,
    }
    events = [{"event": "user", "text": text, "parse_data": latest, "input_channel": channel,
               "metadata": metadata}]
    return Tracker(sender, slots or {}, latest, events, False, None, {}, "action_listen")


def run_action(action: Action, tracker: Tracker, domain: dict | None = None) -> tuple[list[dict], list[dict]]:
    """Returns (messages sent, events returned)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain or {}))
    return dispatcher.messages, events


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)
