"""Adaptive Card 1.5 building blocks shared by every backend's answers (Teams renders them)."""

from __future__ import annotations

from collections.abc import Sequence

from actions.render import Button

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"

# Adaptive Card text colours by the state of the thing shown.
STATUS_COLOUR = {"ok": "Good", "failed": "Attention", "warning": "Warning", "running": "Accent", "neutral": "Default"}


def card(body: list[dict], actions: list[dict] | None = None) -> dict:
    result: dict = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    if actions:
        result["actions"] = actions
    return result


def heading(text: str, status: str = "neutral") -> dict:
    return {
        "type": "TextBlock",
        "text": text,
        "weight": "Bolder",
        "size": "Medium",
        "wrap": True,
        "color": STATUS_COLOUR.get(status, "Default"),
    }


def paragraph(text: str, subtle: bool = False, monospace: bool = False) -> dict:
    block: dict = {"type": "TextBlock", "text": text, "wrap": True}
    if subtle:
        block["isSubtle"] = True
    if monospace:
        block["fontType"] = "Monospace"
    return block


def facts(pairs: Sequence[tuple[str, str]]) -> dict:
    return {"type": "FactSet", "facts": [{"title": title, "value": value} for title, value in pairs]}


def image(url: str, alt: str) -> dict:
    return {"type": "Image", "url": url, "altText": alt, "size": "Stretch"}


def open_url(title: str, url: str) -> dict:
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def submit(button: Button) -> dict:
    """A button whose click reaches Rasa as if the user had typed its payload."""
    return {"type": "Action.Submit", "title": button.title, "data": {"rasa_payload": button.payload}}


def status_card(
    title: str,
    status: str,
    summary: str = "",
    fact_pairs: Sequence[tuple[str, str]] = (),
    link: tuple[str, str] | None = None,
    buttons: Sequence[Button] = (),
    extra: Sequence[dict] = (),
) -> dict:
    """The common shape: a coloured heading, a line, facts, more blocks, a link and next-step buttons."""
    body = [heading(title, status)]
    if summary:
        body.append(paragraph(summary))
    if fact_pairs:
        body.append(facts(fact_pairs))
    body.extend(extra)
    actions = [open_url(*link)] if link else []
    actions.extend(submit(b) for b in buttons)
    return card(body, actions)
