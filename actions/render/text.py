"""Small text helpers shared by every renderer: times, durations, lists, escaping, truncation."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def ago(timestamp: float, now: float | None = None) -> str:
    """'5 min ago', '3 h ago', '2 days ago' for a Unix timestamp in seconds."""
    seconds = max(0, int((now if now is not None else time.time()) - timestamp))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        hours, minutes = divmod(seconds // 60, 60)
        return f"{hours} h {minutes} min ago" if minutes and hours < 6 else f"{hours} h ago"
    days = seconds // 86400
    return "1 day ago" if days == 1 else f"{days} days ago"


def duration(seconds: float) -> str:
    """'45 s', '6 min 52 s', '1 h 5 min'."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        minutes, rest = divmod(seconds, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, rest = divmod(seconds // 60, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def plural(count: int, noun: str, many: str | None = None) -> str:
    return f"{count} {noun if count == 1 else (many or noun + 's')}"


def join_names(names: Iterable[str], conjunction: str = "and") -> str:
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def clean(text: str, limit: int = 200) -> str:
    """Make user- or backend-supplied text safe to echo in any channel: no control characters, no HTML
    tags (angle brackets become ‹ ›), no markdown links (`](` is broken up), bounded length."""
    text = _CONTROL.sub(" ", text or "").strip()
    text = text.replace("<", "‹").replace(">", "›").replace("](", "] (")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
