"""A per-user answer looked up from Microsoft (a member's UPN, a user's groups), kept for `ttl` seconds; a
failed lookup is kept for `retry_after` seconds (no storm against a service that is down); simultaneous first
asks of one key share one lookup; at most `size` keys (the oldest go first)."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class Failed(Exception):
    """The lookup failed: its `fallback` is the answer, kept for `retry_after` seconds."""

    def __init__(self, fallback: object) -> None:
        super().__init__()
        self.fallback = fallback


class TimedLookups(Generic[V]):
    def __init__(self, clock: Callable[[], float], ttl: float = 3600.0, retry_after: float = 60.0,
                 size: int = 10_000) -> None:
        self.clock = clock
        self.ttl = ttl
        self.retry_after = retry_after
        self.size = size
        self._known: collections.OrderedDict[str, tuple[float, V]] = collections.OrderedDict()
        self._inflight: dict[str, asyncio.Future] = {}

    async def get(self, key: str, lookup: Callable[[], Awaitable[V]]) -> V:
        """The kept answer for `key`, else `lookup()` (which raises `Failed(fallback)` when it fails)."""
        cached = self._known.get(key)
        if cached and cached[0] > self.clock():
            return cached[1]
        if key not in self._inflight:
            self._inflight[key] = asyncio.ensure_future(self._look_up(key, lookup))
        return await asyncio.shield(self._inflight[key])

    async def _look_up(self, key: str, lookup: Callable[[], Awaitable[V]]) -> V:
        try:
            value, expires = await lookup(), self.clock() + self.ttl
        except Failed as failed:
            value, expires = failed.fallback, self.clock() + self.retry_after  # type: ignore[assignment]
        finally:
            self._inflight.pop(key, None)
        self._known[key] = (expires, value)
        self._known.move_to_end(key)
        while len(self._known) > self.size:
            self._known.popitem(last=False)
        return value
