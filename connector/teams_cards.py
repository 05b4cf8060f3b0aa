"""Rasa responses → Teams activities. Pure functions: a Rasa bot message dict in, activity dicts out
(addressing is added by the caller from the conversation reference).

- text → `textFormat: markdown`, split at paragraph boundaries so each part stays under the size limit
  (Teams refuses ~100 KB of UTF-16 with 413; we split at 80 KB);
- buttons → an Adaptive Card 1.5 with the text and one `Action.Submit` per button, data
  `{"rasa_payload": payload}` (a click comes back as that payload; see inbound.py);
  quick replies in 1:1 chats → `suggestedActions` (imBack), elsewhere the same card;
- image URL (http(s) or `data:image/png;base64,...`) → an inline image attachment;
- custom payload: an Adaptive Card (`{"type": "AdaptiveCard", ...}`, version ≤ 1.5, else RenderError) →
  an attachment `application/vnd.microsoft.card.adaptive`; an attachment dict (`contentType`) passes
  through; a whole activity (`{"type": "message", ...}`) is posted as it is; anything else as JSON text.

What is shown passes common.text as everywhere: message text is `scrub`bed (no control characters,
no HTML tag or `<at>` mention can open), button and hero-card titles are `clean`ed, link buttons need an
http(s) URL, and JSON shown as code cannot close its code block.
"""

from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Iterable
from typing import Any

from common import cards
from common.reply import Button
from common.text import clean, log_line, scrub

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
HERO_CARD = "application/vnd.microsoft.card.hero"
MAX_CARD_VERSION = (1, 5)
ACTIVITY_TYPES = frozenset({"message", "typing", "event", "endOfConversation", "messageReaction", "trace"})
DEFAULT_MAX_TEXT_BYTES = 80_000
_DATA_URL = re.compile(r"^data:(?P<type>image/[\w.+-]+)(;[^,]*)?,", re.IGNORECASE)


class RenderError(ValueError):
    """A response Teams cannot show (e.g. an Adaptive Card newer than 1.5)."""


def utf16_size(text: str) -> int:
    return len(text.encode("utf-16-le"))


def split_text(text: str, max_bytes: int = DEFAULT_MAX_TEXT_BYTES) -> list[str]:
    """Parts of at most `max_bytes` (UTF-16), cut between paragraphs, else between lines, else anywhere."""
    if utf16_size(text) <= max_bytes:
        return [text]
    for separator in ("\n\n", "\n"):
        pieces = text.split(separator)
        if len(pieces) > 1:
            parts: list[str] = []
            for piece in pieces:
                parts.extend(split_text(piece, max_bytes) if utf16_size(piece) > max_bytes else [piece])
            return _pack(parts, separator, max_bytes)
    return _hard_split(text, max_bytes)


def _hard_split(text: str, max_bytes: int) -> list[str]:
    pieces, current, size = [], [], 0
    for char in text:
        width = utf16_size(char)
        if size + width > max_bytes:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    pieces.append("".join(current))
    return pieces


def _pack(pieces: Iterable[str], separator: str, max_bytes: int) -> list[str]:
    """Greedily joins consecutive pieces while they fit."""
    packed: list[str] = []
    for piece in pieces:
        if packed and utf16_size(packed[-1] + separator + piece) <= max_bytes:
            packed[-1] += separator + piece
        else:
            packed.append(piece)
    return [p for p in packed if p.strip()]


def text_activities(text: str, max_bytes: int = DEFAULT_MAX_TEXT_BYTES) -> list[dict[str, Any]]:
    return [{"type": "message", "text": part, "textFormat": "markdown"}
            for part in split_text(scrub(text), max_bytes)]


def _buttons(raw: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Submit buttons (the payload comes back as typed) and link buttons (http(s) only; others are dropped)."""
    actions = []
    for button in raw:
        title = str(button.get("title") or button.get("payload") or "")
        if button.get("type") == "web_url" or button.get("url"):
            opened = cards.open_url(clean(title, 80), str(button.get("url") or button.get("payload")))
            if opened:
                actions.append(opened)
        else:
            actions.append(cards.submit(Button(title, str(button.get("payload") or title))))
    return actions


def adaptive_attachment(card: dict[str, Any]) -> dict[str, Any]:
    """An Adaptive Card as a Teams attachment; refuses versions Teams does not render for bots."""
    card = dict(card)
    card.setdefault("version", cards.VERSION)
    try:
        version = tuple(int(part) for part in str(card["version"]).split("."))
    except ValueError as error:
        raise RenderError(f"Adaptive Card version {card['version']!r} is not a version") from error
    if version > MAX_CARD_VERSION:
        raise RenderError(f"Adaptive Card version {card['version']} is newer than Teams supports for bots (1.5)")
    card.setdefault("$schema", cards.SCHEMA)
    return {"contentType": ADAPTIVE_CARD, "content": card}


def card_activity(card: dict[str, Any]) -> dict[str, Any]:
    return {"type": "message", "attachments": [adaptive_attachment(card)]}


def buttons_activity(text: str | None, buttons: Iterable[dict[str, Any]]) -> dict[str, Any]:
    body = [cards.paragraph(scrub(text))] if text else []
    return card_activity(cards.card(body, _buttons(buttons)))


def quick_replies_activity(text: str | None, replies: Iterable[dict[str, Any]]) -> dict[str, Any]:
    actions = [{"type": "imBack", "title": clean(r.get("title") or r.get("payload"), 80),
                "value": str(r.get("payload") or r.get("title"))} for r in replies]
    return {"type": "message", "text": scrub(text or ""), "textFormat": "markdown",
            "suggestedActions": {"actions": actions}}


def image_activity(url: str, alt: str = "image") -> dict[str, Any]:
    match = _DATA_URL.match(url)
    if match:
        content_type = match.group("type").lower()
    else:
        guessed, _ = mimetypes.guess_type(url.split("?")[0])
        content_type = guessed if guessed and guessed.startswith("image/") else "image/png"
    extension = mimetypes.guess_extension(content_type) or ".png"
    return {"type": "message",
            "attachments": [{"contentType": content_type, "contentUrl": url, "name": f"{alt}{extension}"}]}


def attachment_activity(attachment: Any) -> dict[str, Any]:
    if isinstance(attachment, dict) and attachment.get("contentType"):
        if attachment["contentType"] == ADAPTIVE_CARD:
            return card_activity(attachment.get("content") or {})
        return {"type": "message", "attachments": [attachment]}
    return {"type": "message", "text": scrub(str(attachment)), "textFormat": "markdown"}


def custom_activity(custom: Any) -> dict[str, Any]:
    if isinstance(custom, dict):
        if custom.get("type") == "AdaptiveCard":
            return card_activity(custom)
        if custom.get("contentType"):
            return attachment_activity(custom)
        if custom.get("type") in ACTIVITY_TYPES:
            activity = dict(custom)
            activity["attachments"] = [
                adaptive_attachment(a["content"]) if a.get("contentType") == ADAPTIVE_CARD else a
                for a in activity.get("attachments") or []
            ] or activity.get("attachments")
            if not activity["attachments"]:
                activity.pop("attachments")
            return activity
    shown = "\n".join(log_line(line, 2000) for line in json.dumps(custom, indent=2).splitlines())
    return {"type": "message", "text": scrub(f"```\n{shown}\n```"), "textFormat": "markdown"}


def element_activity(elements: Iterable[dict[str, Any]]) -> dict[str, Any]:
    attachments = []
    for element in elements:
        content: dict[str, Any] = {"title": clean(element.get("title", ""), 200),
                                   "subtitle": clean(element.get("subtitle", ""), 200)}
        if element.get("image_url"):
            content["images"] = [{"url": element["image_url"]}]
        buttons = [{"type": "imBack", "title": clean(b.get("title"), 80), "value": b.get("payload") or b.get("title")}
                   for b in element.get("buttons") or []][:6]
        if buttons:
            content["buttons"] = buttons
        attachments.append({"contentType": HERO_CARD, "content": content})
    return {"type": "message", "attachmentLayout": "carousel", "attachments": attachments}


def activities_for(
    message: dict[str, Any], *, personal: bool, max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES
) -> list[dict[str, Any]]:
    """Everything one Rasa bot message becomes, in the order Rasa's OutputChannel would send it."""
    out: list[dict[str, Any]] = []
    text = message.get("text")
    if message.get("quick_replies"):
        out.append(quick_replies_activity(text, message["quick_replies"]) if personal
                   else buttons_activity(text, message["quick_replies"]))
    elif message.get("buttons"):
        out.append(buttons_activity(text, message["buttons"]))
    elif text:
        out.extend(text_activities(str(text), max_text_bytes))
    if message.get("custom") is not None:
        out.append(custom_activity(message["custom"]))
    if message.get("image"):
        out.append(image_activity(str(message["image"])))
    if message.get("attachment"):
        out.append(attachment_activity(message["attachment"]))
    if message.get("elements"):
        out.append(element_activity(message["elements"]))
    return out
