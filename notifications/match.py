"""Which subscriptions an event is for, and how a subscription reads. Pure: a `Subscription` and an `Event`
in, yes or no out; what each tool means by a target and a condition is its source's (backends/<name>/source.py).

A subscription is per conversation and says: from which tool (`source`, a registered backend's name), about
what (`target`: a Jenkins job's full name, a GitHub repository's full name, or for Grafana a label filter such
as `severity=critical,env=production`; empty = everything), and when (`condition`).
"""

from __future__ import annotations

from dataclasses import dataclass

from backends.events import Event
from backends.registry import sources


@dataclass(frozen=True)
class Subscription:
    id: int
    conversation: str
    source: str
    target: str
    condition: str
    label: str = ""  # how people call it: "petclinic-build failures"
    target_url: str = ""
    created_by: str = ""
    channel: str = ""
    created_at: float = 0.0


def matches(subscription: Subscription, event: Event) -> bool:
    source = sources().get(event.source)
    return (source is not None and subscription.source == event.source
            and (not subscription.target or source.target_matches(subscription.target, event))
            and source.condition_matches(subscription.condition, event))


def describe(subscription: Subscription) -> str:
    """"petclinic-build fails", "any Jenkins job fails", "Grafana alerts with severity=critical fire"."""
    source = sources().get(subscription.source)
    if source is None:
        return f"{subscription.source} {subscription.target} {subscription.condition}".strip()
    return source.describe(subscription.target, subscription.condition)
