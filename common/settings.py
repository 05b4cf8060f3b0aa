"""How opsbot reads its settings from the environment, and the settings every process shares.

A settings class is a frozen dataclass whose fields say which variable they read and whether it holds a secret
(`setting("JENKINS_API_TOKEN", secret=True)`); `read(cls)` builds it from the environment. Each backend owns
one such class in its wing (backends/<name>/settings.py); the variable names are part of the public contract
(README). Every secret declared anywhere is registered here once (`secret_variables()`), and log redaction
(common/logsafe.py) is derived from that list, so a new secret setting is redacted by being declared.

`cached(reader)` makes a reader read once per process; `reset()` forgets every cached reading (tests change
the environment between cases, and it is the one way they do it).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from functools import lru_cache
from typing import Any, TypeVar

T = TypeVar("T")
_SECRETS: set[str] = set()
_CACHED: list[Any] = []


def setting(variable: str, default: Any = "", secret: bool = False) -> Any:
    """A settings field read from `variable` (stripped; `default` when unset or empty)."""
    if secret:
        declare_secret(variable)
    return field(default=default, repr=not secret, metadata={"variable": variable, "secret": secret})


def declare_secret(*variables: str) -> None:
    """Say that these variables hold secrets (settings read outside a settings class, e.g. by Rasa itself)."""
    _SECRETS.update(variables)


def secret_variables() -> frozenset[str]:
    """Every variable declared secret by the modules loaded in this process."""
    return frozenset(_SECRETS)


def env(name: str, default: str = "", environ: Mapping[str, str] | None = None) -> str:
    value = (os.environ if environ is None else environ).get(name, "")
    return value.strip() or default


def positive(value: str, default: float) -> float:
    """A number of seconds from the environment; the default when it is empty, unreadable or not above 0."""
    try:
        number = float(value)
    except ValueError:
        return default
    return number if number > 0 else default


def read(cls: type[T], environ: Mapping[str, str] | None = None) -> T:
    """An instance of the settings class `cls` from the environment: each field from its variable, converted
    to the field's default's type (str, bool, int, float); URLs lose a trailing slash."""
    values: dict[str, Any] = {}
    for spec in fields(cls):  # type: ignore[arg-type]
        variable = spec.metadata.get("variable")
        if not variable:
            continue
        default = spec.default if spec.default is not MISSING else ""
        raw = env(variable, "", environ)
        if not raw:
            values[spec.name] = default
        elif isinstance(default, bool):
            values[spec.name] = raw.lower() in ("1", "true", "yes", "on")
        elif isinstance(default, int | float):
            values[spec.name] = positive(raw, float(default)) if isinstance(default, float) else \
                int(positive(raw, float(default)))
        else:
            values[spec.name] = raw.rstrip("/") if variable.endswith("_URL") else raw
    return cls(**values)


def cached(reader: Callable[[], T]) -> Callable[[], T]:
    """The reader, read once per process until `reset()`."""
    once = lru_cache(maxsize=1)(reader)
    _CACHED.append(once)
    return once


def reset() -> None:
    """Forget every cached reading: the next use reads the environment again (tests)."""
    for once in _CACHED:
        once.cache_clear()


@dataclass(frozen=True)
class Shared:
    """What every backend call shares."""

    # Seconds for one backend request; an answer that needs several still ends within ~10 s.
    http_timeout: float = setting("OPSBOT_HTTP_TIMEOUT", 8.0)
    # Seconds a change waits for its requester's "yes" (actions.confirm); tests shorten it.
    confirm_seconds: float = setting("OPSBOT_CONFIRM_SECONDS", 300.0)


@cached
def shared() -> Shared:
    """The process-wide shared settings, read on first use (never at import time)."""
    return read(Shared)


# Secrets read by the servers' own configuration (endpoints.yml, credentials.teams.yml) or by common modules.
declare_secret("OPSBOT_ACTIONS_TOKEN", "OPSBOT_OFFER_KEY", "OPSBOT_REST_TOKEN", "OPSBOT_DB_PASSWORD",
               "OPSBOT_REDIS_PASSWORD", "TEAMS_APP_PASSWORD")
