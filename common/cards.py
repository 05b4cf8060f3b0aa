"""Adaptive Card 1.5 building blocks shared by every backend's answers (Teams renders them).

TextBlocks and facts render markdown: what goes into them from outside was `text.clean`ed by the renderer.
Links and images are checked here (http(s) only, or an inline PNG); log lines go into `code`, whose TextRuns
Teams never reads as markdown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from common.reply import Button, Reply
from common.text import clean, log_line, safe_url

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


_INLINE_IMAGE = re.compile(r"^data:image/(?:png|jpeg|gif);base64,[A-Za-z0-9+/=]+$")


def code(lines: Sequence[str]) -> dict:
    """Log lines, monospace, one TextRun each: their characters shown as they are (TextRuns are not
    markdown), without control characters or colour codes."""
    runs = [{"type": "TextRun", "text": log_line(line) or " ", "fontType": "Monospace"} for line in lines]
    return {"type": "Container", "items": [{"type": "RichTextBlock", "inlines": [run], "spacing": "None"}
                                           for run in runs]}


def image(url: str, alt: str) -> dict | None:
    """An image from an http(s) URL or an inline PNG/JPEG/GIF (a graph); None for anything else."""
    if not (_INLINE_IMAGE.match(url) or safe_url(url)):
        return None
    return {"type": "Image", "url": url if url.startswith("data:") else safe_url(url), "altText": alt,
            "size": "Stretch"}


def open_url(title: str, url: str) -> dict | None:
    """A link button, for an http(s) URL only (None for javascript:, data:, empty...)."""
    target = safe_url(url)
    return {"type": "Action.OpenUrl", "title": title, "url": target} if target else None


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
    extra: Sequence[dict | None] = (),
) -> dict:
    """The common shape: a coloured heading, a line, facts, more blocks, a link and next-step buttons."""
    body = [heading(title, status)]
    if summary:
        body.append(paragraph(summary))
    if fact_pairs:
        body.append(facts(fact_pairs))
    body.extend(block for block in extra if block)
    opened = open_url(*link) if link else None
    actions = [opened] if opened else []
    actions.extend(submit(b) for b in buttons)
    return card(body, actions)


def status_reply(title: str, status: str, summary: str, fact_pairs: Sequence[tuple[str, str]],
                 link: tuple[str, str], buttons: list[Button]) -> Reply:
    """A notification's reply: one complete text line (title, summary, link) and its status card. Facts and
    the link come from webhook bodies: they are cleaned here."""
    shown = [(name, clean(value, 200)) for name, value in fact_pairs if value]
    url = safe_url(link[1])
    text = " ".join(part for part in (f"{title}.", summary, url) if part)
    return Reply(text=text, card=status_card(title, status, summary, shown, (link[0], url) if url else None, buttons),
                 buttons=buttons)
