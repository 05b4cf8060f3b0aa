"""One small thread-safe cache for what the backends' facades keep between questions: name lists (jobs,
repositories, dashboards, panels), profiles and revalidatable objects.

An entry is *fresh* for `ttl` seconds. A stale entry stays readable through `entry()` so that a caller can
revalidate it cheaply (GitHub's ETags: a 304 costs no rate limit) and `touch()` it. `Coalesced` lets identical
requests in flight share one call (and its result for a short while). `max_entries` bounds the
cache, least recently used first out.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

V = TypeVar("V")


@dataclass
class Entry(Generic[V]):
    value: V
    fetched_at: float
    tag: Any = None  # what revalidates the value (an ETag), if anything


class TTLCache(Generic[V]):
    def __init__(self, ttl: float, max_entries: int | None = None) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Entry[V]] = OrderedDict()
        self._lock = threading.Lock()

    def fresh(self, key: Hashable, max_age: float | None = None) -> Entry[V] | None:
        """The entry if it was fetched within `max_age` (default: the cache's ttl) seconds, else None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or time.monotonic() - entry.fetched_at > (self.ttl if max_age is None else max_age):
                return None
            self._entries.move_to_end(key)
            return entry

    def entry(self, key: Hashable) -> Entry[V] | None:
        """The entry, fresh or stale (for revalidation)."""
        with self._lock:
            return self._entries.get(key)

    def put(self, key: Hashable, value: V, tag: Any = None, fetched_at: float | None = None) -> V:
        with self._lock:
            self._entries[key] = Entry(value, time.monotonic() if fetched_at is None else fetched_at, tag)
            self._entries.move_to_end(key)
            while self.max_entries is not None and len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def touch(self, key: Hashable) -> None:
        """The backend said the entry is unchanged: fresh again."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                entry.fetched_at = time.monotonic()

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class Coalesced(Generic[V]):
    """Identical requests share one backend call: while one is in flight, the same key waits for it (50 people
    asking "which PRs wait on Adam?" at once cost one search), and its result is reused for `ttl` seconds. A
    failure is not kept: the next ask tries again."""

    def __init__(self, ttl: float, max_entries: int = 256) -> None:
        self.cache: TTLCache[V] = TTLCache(ttl, max_entries)
        self._inflight: dict[Hashable, asyncio.Future[V]] = {}

    async def get(self, key: Hashable, fetch: Callable[[], Awaitable[V]]) -> V:
        fresh = self.cache.fresh(key)
        if fresh is not None:
            return fresh.value
        future = self._inflight.get(key)
        if future is None or future.get_loop() is not asyncio.get_running_loop():
            future = asyncio.ensure_future(fetch())
            self._inflight[key] = future
            future.add_done_callback(lambda done: self._settle(key, done))
        return await asyncio.shield(future)

    def _settle(self, key: Hashable, done: asyncio.Future[V]) -> None:
        if self._inflight.get(key) is done:
            del self._inflight[key]
        if not done.cancelled() and done.exception() is None:
            self.cache.put(key, done.result())
