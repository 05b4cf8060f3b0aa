"""Which subscriptions an event is for. Pure: a `Subscription` and an `Event` in, yes or no out.

A subscription is per conversation and says: from which tool (`source`), about what (`target`: a Jenkins
job's full name, a GitHub repository's full name, or for Grafana a label filter such as
`severity=critical,env=production`; empty = everything), and when (`condition`).
"""

from __future__ import annotations

from dataclasses import dataclass

from notifications.events import (
    ALERT_FIRING,
    ALERT_RESOLVED,
    BUILD_FINISHED,
    BUILD_STARTED,
    CI_COMPLETED,
    FAILED_CONCLUSIONS,
    FAILED_RESULTS,
    GITHUB,
    GRAFANA,
    JENKINS,
    PR_CLOSED,
    PR_MERGED,
    PR_OPENED,
    PR_READY,
    PR_REOPENED,
    RELEASE_PUBLISHED,
    Event,
)

# source → condition → how it reads after "when …" (for replies and lists)
CONDITIONS: dict[str, dict[str, str]] = {
    JENKINS: {"failed": "fails", "finished": "finishes", "started": "starts"},
    GRAFANA: {"firing": "fires (and when it resolves)"},
    GITHUB: {"ci_failed": "CI fails", "ci": "CI finishes", "pull_requests": "pull requests open, merge or close",
             "releases": "a release is published"},
}
DEFAULT_CONDITION = {JENKINS: "failed", GRAFANA: "firing", GITHUB: "ci_failed"}
_PULL_KINDS = frozenset({PR_OPENED, PR_REOPENED, PR_READY, PR_MERGED, PR_CLOSED})


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


def label_filter(target: str) -> dict[str, str]:
    """"severity=critical,env=production" → {"severity": "critical", "env": "production"}."""
    pairs = (part.partition("=") for part in target.split(",") if "=" in part)
    return {key.strip(): value.strip() for key, _, value in pairs if key.strip()}


def filter_target(labels: dict[str, str]) -> str:
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))


def _target_matches(subscription: Subscription, event: Event) -> bool:
    if not subscription.target:
        return True
    if subscription.source == GRAFANA:
        wanted = label_filter(subscription.target)
        have = {k.lower(): v.lower() for k, v in event.labels.items()}
        return all(have.get(key.lower()) == value.lower() for key, value in wanted.items())
    return subscription.target.lower() == event.subject.lower()


def _condition_matches(condition: str, event: Event) -> bool:
    kind = event.kind
    if event.source == JENKINS:
        result = str(event.data.get("result") or "")
        return {"failed": kind == BUILD_FINISHED and result in FAILED_RESULTS,
                "finished": kind == BUILD_FINISHED, "started": kind == BUILD_STARTED}.get(condition, False)
    if event.source == GRAFANA:
        return condition == "firing" and kind in (ALERT_FIRING, ALERT_RESOLVED)
    conclusion = str(event.data.get("conclusion") or "")
    return {"ci_failed": kind == CI_COMPLETED and conclusion in FAILED_CONCLUSIONS, "ci": kind == CI_COMPLETED,
            "pull_requests": kind in _PULL_KINDS, "releases": kind == RELEASE_PUBLISHED}.get(condition, False)


def matches(subscription: Subscription, event: Event) -> bool:
    return (subscription.source == event.source and _target_matches(subscription, event)
            and _condition_matches(subscription.condition, event))


def describe(subscription: Subscription) -> str:
    """"petclinic-build fails", "any Jenkins job fails", "Grafana alerts with severity=critical fire"."""
    when = CONDITIONS.get(subscription.source, {}).get(subscription.condition, subscription.condition)
    if subscription.source == JENKINS:
        return f"{subscription.target or 'any Jenkins job'} {when}"
    if subscription.source == GRAFANA:
        which = f" with {subscription.target.replace(',', ', ')}" if subscription.target else ""
        return f"a Grafana alert{which} {when}"
    where = subscription.target or "any repository"
    if subscription.condition == "releases":
        return f"a release of {where} is published"
    if subscription.condition == "pull_requests":
        return f"pull requests in {where} open, merge or close"
    return f"{when} on {where}"
