"""The one lifecycle every backend's facade follows: `service()` gives the facade for the current settings,
built on first use (never at import time) and kept while the settings stay the same, under a lock so that
concurrent first uses build one; `reset()` forgets it (tests, a changed environment). A backend that is not
configured raises `BackendError(NOT_CONFIGURED)`, which every answer turns into "set these variables".
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from backends.faults import BackendError, Fault
from common.settings import shared

S = TypeVar("S")


class BackendSettings(Protocol):
    """What a backend's settings class (backends/<name>/settings.py) gives the facade."""

    @property
    def configured(self) -> bool: ...


class Facade(Generic[S]):
    def __init__(self, backend: str, settings: Callable[[], BackendSettings], build: Callable[[Any, float], S],
                 on_reset: Callable[[], None] = lambda: None) -> None:
        self.backend = backend
        self.settings = settings
        self._build = build
        self._on_reset = on_reset
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._service: S | None = None

    def service(self) -> S:
        config = self.settings()
        if not config.configured:
            raise BackendError(self.backend, Fault.NOT_CONFIGURED)
        timeout = shared().http_timeout
        key = (config, timeout)
        with self._lock:
            if self._service is None or self._key != key:
                self._service, self._key = self._build(config, timeout), key
            return self._service

    def reset(self) -> None:
        with self._lock:
            self._service, self._key = None, None
        self._on_reset()
