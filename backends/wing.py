"""The contract between the shared code and a backend's wing.

A wing is everything opsbot knows of one tool, in folders named after it: backends/<name>/ (settings, facade,
words, renderer, notification source), actions/<name>.py (its questions), sandbox/<name>/ (the fake server
the demo and the tests run), and its Rasa data (domain/<name>.yml, nlu/<name>.yml, stories/<name>.yml).
The shared code never names a tool: it iterates over the registered wings (backends/registry.py) and uses
only what this module declares.

- `Wing`: the name (the settings section, the events' `source`, the webhook path, the sandbox package), the
  title replies use, the facade (`service()`/`reset()`, backends/facade.py), what to set when the tool is not
  configured, and, for a tool that sends webhooks, its `Source`.
- `Source`: a tool's notifications: is a request really from it (verify), what happened (parse into
  `Event`s), which subscriptions it is for (match), how a subscription reads (describe), and what a
  conversation sees (render).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backends.events import Event
from backends.facade import Facade
from common.reply import Reply


class Source(ABC):
    """Notifications from one tool (webhook → events → cards). Pure apart from reading its own settings."""

    name: str = ""
    title: str = ""
    # condition → how it reads after "when …" ("fails", "fires (and when it resolves)")
    conditions: Mapping[str, str] = {}
    default_condition: str = ""
    # how people call its subscriptions ("grafana alerts"), to pick one out of a list
    called: str = ""

    @abstractmethod
    def authentic(self, headers: Mapping[str, str], query: Mapping[str, str], body: bytes) -> bool:
        """Whether the request carries this tool's configured secret or signature (constant-time; a secret
        that is not configured refuses everything)."""

    @abstractmethod
    def events(self, headers: Mapping[str, str], payload: Any) -> list[Event]:
        """The events in a payload (raises backends.events.PayloadError for one that is not the tool's)."""

    def json_body(self, headers: Mapping[str, str], body: bytes) -> bytes:
        """The JSON inside the body (a tool that may form-encode it unwraps it here)."""
        return body

    def handshake(self, headers: Mapping[str, str]) -> dict[str, Any] | None:
        """The answer to a request that only tests the hook (GitHub's ping), else None."""
        return None

    def delivery_id(self, headers: Mapping[str, str]) -> str:
        """The id the tool gives each delivery, when it gives one (a redelivery is then recognised)."""
        return ""

    def target_matches(self, target: str, event: Event) -> bool:
        """Whether a subscription's target (never empty here) is what the event is about."""
        return target.lower() == event.subject.lower()

    @abstractmethod
    def condition_matches(self, condition: str, event: Event) -> bool: ...

    @abstractmethod
    def describe(self, target: str, condition: str) -> str:
        """How a subscription reads: "petclinic-build fails", "a Grafana alert with env=prod fires"."""

    @abstractmethod
    def render(self, event: Event, now: float) -> Reply:
        """What a conversation sees: a complete text line with the link, and a card with the next steps."""

    def condition_words(self, condition: str) -> str:
        return self.conditions.get(condition, condition)


@dataclass(frozen=True)
class Wing:
    name: str
    title: str
    facade: Facade
    setup_hint: str
    source: Source | None = None

    def configured(self) -> bool:
        return bool(self.facade.settings().configured)
