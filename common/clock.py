"""The clock and the time zone an answer speaks in: one place for both.

Every "now" in opsbot comes from `time.time()` / `datetime.now(tz)` through here, so a test freezes the whole
process with one travel (tests/conftest.py) and nothing reads the machine's own time zone: answers speak in
the user's zone when the channel says it (Teams sends `localTimezone`), else in `OPSBOT_TIMEZONE` (the team's
zone, an IANA name), else in UTC, and every clock time they print names its zone ("14:05 UTC").

The zone of the answer being built is a context variable: the action base sets it for one question
(`answering_in`), and everything below it (time words, renderers) reads `zone()`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = timezone.utc
ZONE_SETTING = "OPSBOT_TIMEZONE"
METADATA_KEY = "timezone"  # where the channels put the user's IANA zone name in a message's metadata

_answer_zone: ContextVar[tzinfo | None] = ContextVar("opsbot_answer_zone", default=None)


@lru_cache(maxsize=256)
def zone_named(name: str | None) -> tzinfo | None:
    """The IANA zone `name` ("Europe/Berlin", "UTC"), or None when it is empty or unknown."""
    if not name or not isinstance(name, str) or len(name) > 64 or ".." in name or name.startswith("/"):
        return None
    if name.upper() in ("UTC", "Z", "ETC/UTC", "GMT"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def team_zone() -> tzinfo:
    """The team's zone (`OPSBOT_TIMEZONE`), UTC when unset or unknown. Used where no user is asking
    (notifications into a channel)."""
    return zone_named(os.environ.get(ZONE_SETTING, "").strip()) or UTC


def zone() -> tzinfo:
    """The zone of the answer being built: the asker's, else the team's, else UTC."""
    return _answer_zone.get() or team_zone()


def zone_of(metadata: Mapping[str, Any] | None) -> tzinfo | None:
    """The user's zone from a message's metadata (set by the channel), None when absent or unknown."""
    return zone_named(str((metadata or {}).get(METADATA_KEY) or "")) if metadata else None


@contextmanager
def answering_in(user_zone: tzinfo | None) -> Iterator[tzinfo]:
    """Speak in `user_zone` (None: the team's zone) until the block ends."""
    token = _answer_zone.set(user_zone)
    try:
        yield zone()
    finally:
        _answer_zone.reset(token)


def timestamp() -> float:
    """Seconds since the epoch, now."""
    return time.time()


def now(zone_: tzinfo | None = None) -> datetime:
    """Now, aware, in `zone_` (default: the answer's zone)."""
    return datetime.now(zone_ or zone())


def local(moment: datetime | float, zone_: tzinfo | None = None) -> datetime:
    """A Unix timestamp or an aware datetime in `zone_` (default: the answer's zone). A naive datetime is
    taken as UTC, never as the machine's zone."""
    target = zone_ or zone()
    if isinstance(moment, datetime):
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(target)
    return datetime.fromtimestamp(moment, target)


def zone_label(moment: datetime) -> str:
    """The short name people read next to a time: "UTC", "CET", "PDT" (a numeric offset where the zone has
    no abbreviation, e.g. "+0530")."""
    name = moment.tzname() or ""
    if not name or name[0] in "+-":
        return moment.strftime("%z") or "UTC"
    return name


def zone_name(zone_: tzinfo | None = None) -> str:
    """The IANA name of a zone ("Europe/Berlin"; "UTC"), for APIs that take one (Grafana's renderer)."""
    target = zone_ or zone()
    return getattr(target, "key", None) or "UTC"
