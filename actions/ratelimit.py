"""Per-user limit on changing actions (builds, subscriptions): OPSBOT_CHANGE_RATE a minute, default 10."""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict, deque

WINDOW_SECONDS = 60.0


class ChangeRateLimiter:
    def __init__(self, per_minute: int, clock=time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, user: str) -> tuple[bool, float]:
        """(allowed, seconds until the next change would be allowed). Counts the change when allowed."""
        now = self.clock()
        with self._lock:
            events = self._events[user]
            while events and now - events[0] >= WINDOW_SECONDS:
                events.popleft()
            if len(events) >= self.per_minute:
                return False, WINDOW_SECONDS - (now - events[0])
            events.append(now)
            return True, 0.0


_limiter: ChangeRateLimiter | None = None


def limiter() -> ChangeRateLimiter:
    global _limiter
    if _limiter is None:
        _limiter = ChangeRateLimiter(int(os.environ.get("OPSBOT_CHANGE_RATE") or 10))
    return _limiter


def refusal_text(wait_seconds: float, per_minute: int) -> str:
    return (f"That's more than {per_minute} changes a minute from you, so I'm holding this one. "
            f"Try again in {max(1, round(wait_seconds))} s.")
