"""One small thread-safe cache for what the backends' facades keep between questions: name lists (jobs,
repositories, dashboards, panels), profiles and revalidatable objects.

An entry is *fresh* for `ttl` seconds. A stale entry stays readable through `entry()` so that a caller can
revalidate it cheaply (GitHub's ETags: a 304 costs no rate limit) and `touch()` it. `max_entries` bounds the
cache, least recently used first out.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
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
