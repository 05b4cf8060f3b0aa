"""First claim wins: a marker that says "this was already done", kept in this process or, when several
servers share the work, in Redis.

Used for what must happen once however many servers see it: a Teams activity that Teams delivered twice (or
to two servers behind a load balancer), and a pending offer confirmed by two quick "yes" messages. With
OPSBOT_REDIS_HOST set (the scale-out setup, which has Redis for Rasa's lock store already) the markers are
`SET key 1 NX EX ttl` in Redis (OPSBOT_REDIS_PORT, OPSBOT_REDIS_DB, OPSBOT_REDIS_PASSWORD); otherwise a
bounded in-memory set. If Redis cannot be reached, the in-memory set answers (and the log says so): a
duplicate across servers is then possible, a lost message is not.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
from typing import Any

logger = logging.getLogger(__name__)
PREFIX = "opsbot:once:"


class Unsure(RuntimeError):
    """Whether this is the first time could not be checked (Redis is configured but down)."""


class Once:
    def __init__(self, size: int = 16_384, redis_client: Any = None) -> None:
        self.size = size
        self._seen: collections.OrderedDict[str, float] = collections.OrderedDict()
        self._lock = threading.Lock()
        self._redis = redis_client if redis_client is not None else _redis_from_env()

    def first(self, key: str, ttl: float, fail_closed: bool = False) -> bool:
        """True the first time `key` is claimed within `ttl` seconds (anywhere, with Redis); False after. When
        Redis does not answer: this process's memory decides, or, with `fail_closed` (what must never happen
        twice, like a confirmed change), `Unsure` is raised."""
        if self._redis is not None:
            try:
                return bool(self._redis.set(PREFIX + key, "1", nx=True, ex=max(1, int(ttl))))
            except Exception as error:  # Redis down
                logger.error("once: Redis did not answer (%s)", type(error).__name__)
                if fail_closed:
                    raise Unsure(key) from error
        now = time.monotonic()
        with self._lock:
            expires = self._seen.get(key)
            if expires is not None and expires > now:
                self._seen.move_to_end(key)
                return False
            self._seen[key] = now + ttl
            self._seen.move_to_end(key)
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)
            return True


def _redis_from_env() -> Any:
    host = os.environ.get("OPSBOT_REDIS_HOST", "").strip()
    if not host:
        return None
    import redis  # installed with Rasa (its lock store)

    return redis.Redis(host=host, port=int(os.environ.get("OPSBOT_REDIS_PORT", "6379") or 6379),
                       db=int(os.environ.get("OPSBOT_REDIS_DB", "1") or 1),
                       password=os.environ.get("OPSBOT_REDIS_PASSWORD") or None,
                       socket_timeout=1.0, socket_connect_timeout=1.0)


_shared: Once | None = None


def shared() -> Once:
    """The process's markers (made on first use, from the environment)."""
    global _shared
    if _shared is None:
        _shared = Once()
    return _shared


def reset() -> None:
    """Forget the process's markers (tests)."""
    global _shared
    _shared = None
