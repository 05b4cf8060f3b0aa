"""The registered backends, in the order they are tried when a name could belong to several (a job before a
repository). Adding a backend: its wing (see backends/wing.py and the README's checklist), then one name here.
"""

from __future__ import annotations

from importlib import import_module

from backends.wing import Source, Wing

REGISTERED = ("jenkins", "github", "grafana")

WINGS: tuple[Wing, ...] = tuple(import_module(f"backends.{name}").WING for name in REGISTERED)
_BY_NAME = {wing.name: wing for wing in WINGS}


def wing(name: str) -> Wing:
    """The wing called `name` (KeyError for one that is not registered)."""
    return _BY_NAME[name]


def sources() -> dict[str, Source]:
    """The notification sources, by name (the webhook path /webhooks/notify/<name>)."""
    return {w.name: w.source for w in WINGS if w.source is not None}


def title(name: str) -> str:
    """How replies name a registered backend ("GitHub"); the name itself for one that is not."""
    found = _BY_NAME.get(name)
    return found.title if found else name


def setup_hint(title_or_name: str) -> str:
    """What to set when the backend (called by its title, as faults are) is not configured."""
    return next((w.setup_hint for w in WINGS if title_or_name in (w.title, w.name)), "")


def reset() -> None:
    """Forget every backend's facade and caches (tests)."""
    for registered in WINGS:
        registered.facade.reset()
