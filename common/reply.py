"""Typed results → what the user sees: plain text (REST, shell) or an Adaptive Card (Teams).

Pure functions only; no I/O, no Rasa. `Reply` is the one shape every action produces; `actions.send.send`
delivers it through the channel the user is on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from common.text import clean

BUTTON_TITLE_LIMIT = 80


@dataclass(frozen=True)
class Button:
    """A next step the user can click: `payload` is sent back as if typed (a Rasa `/intent{...}` or text).
    The title is shown as plain text and often names something ("Why did <job> fail?"), so it is always
    `clean`ed; the payload keeps exact names (JSON), so that a click finds the same thing again."""

    title: str
    payload: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", clean(self.title, BUTTON_TITLE_LIMIT))


@dataclass
class Reply:
    """One answer. `text` is always complete on its own; `card` is the richer Teams rendering of it."""

    text: str
    card: dict | None = None
    buttons: list[Button] = field(default_factory=list)
    image_url: str | None = None


def yes_no(yes: str, no: str = "No") -> list[Button]:
    """The two buttons of an offer that waits for a yes: they send the affirm and deny intents."""
    return [Button(yes, "/affirm"), Button(no, "/deny")]


def payload(intent: str, **entities: Any) -> str:
    """A Rasa payload that re-asks `intent` with exact entity values: `/intent{"job": "x"}`."""
    if not entities:
        return f"/{intent}"
    return f"/{intent}{json.dumps(entities, separators=(',', ':'))}"
