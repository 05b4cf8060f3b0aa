"""What a tool's webhook becomes: an `Event`, the one shape the notifier stores, matches and delivers, whatever
the tool. Each backend's notification source (backends/<name>/source.py) makes them from its payloads.

Each event has a `key` that names it independently of how often it is delivered: the store keeps one event
per key, so the same build or alert sent twice is posted once per conversation. An event may open a thread
(THREAD_OPENED: an alert firing) that a later event closes (THREAD_CLOSED: the same alert resolved, same
`thread`): the closing one updates the opening card in place.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

# The kinds that open and close a thread (their values are stored: they keep the alert names they had).
THREAD_OPENED, THREAD_CLOSED = "alert_firing", "alert_resolved"
_FRACTION = re.compile(r"\.\d+")


class PayloadError(ValueError):
    """The body is JSON but not the payload this webhook expects (the message says what is missing)."""


@dataclass(frozen=True)
class Event:
    """One thing that happened. `subject` is what subscriptions match on (a job's full name, a repository's
    full name, an alert's name); `thread` ties an alert's resolution to its firing message."""

    source: str
    kind: str
    key: str
    subject: str
    url: str
    status: str = "neutral"  # ok | failed | warning | running | neutral: the card's colour
    labels: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    thread: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Event:
        raw = json.loads(text)
        return cls(**{name: raw[name] for name in cls.__dataclass_fields__ if name in raw})


def mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"{what} is missing or not an object")
    return value


def text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def strings(value: Any) -> dict[str, str]:
    return {str(k): text(v) for k, v in value.items()} if isinstance(value, dict) else {}


def parse_time(value: str) -> float | None:
    """RFC 3339 (Grafana's startsAt) → Unix seconds; None for Go's zero time or nonsense."""
    if not value or value.startswith("0001-"):
        return None
    value = _FRACTION.sub(lambda m: "." + m.group(0)[1:7].ljust(6, "0"), value.replace("Z", "+00:00"))
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None
