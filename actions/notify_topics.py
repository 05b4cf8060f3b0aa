"""What a subscription message asks to watch, read from its words (pure functions of the text and the live
lists the caller passes): which tool, which condition, which alerts, which existing subscription.

"tell me when the nightly breaks" → Jenkins, failed; "…finishes" → finished; "…starts" → started;
"post firing critical alerts here" → Grafana, severity=critical; "new releases of spring-petclinic" →
GitHub, releases; "new PRs in petclinic-infra" → pull_requests; "when CI fails on main" → ci_failed.
"release" alone decides nothing: "when the card vault release finishes" is a Jenkins job's build, "when a new
card-vault release is published" a GitHub release; with no such word the live names decide (or we ask).
A button's payload carries `notify_topic` (and the slot keeps it while we ask which job or repository).

Stopping is destructive, so a message must say so (`asks_to_stop`): an NLU misreading of "tell me more
about the lag alert" as `unsubscribe` then removes nothing. An Undo button re-subscribes from `restore_token`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from actions.base import Ask
from actions.resolve import Candidate, Resolver, words
from actions.services.grafana import AlertRule
from notifications.events import GITHUB, GRAFANA, JENKINS
from notifications.match import CONDITIONS, Subscription, describe, label_filter

TOPIC_ENTITY = "notify_topic"
TOPIC_SLOT = "notify_topic"

ALERT_WORDS = frozenset({"alert", "alerts", "alerting", "firing", "fires", "fire", "fired", "alarm", "alarms",
                         "page", "pages", "paging", "incident", "incidents", "grafana", "critical", "criticals"})
RELEASE_WORDS = frozenset({"release", "releases", "released", "releasing", "tag", "tags", "tagged"})
PULL_WORDS = frozenset({"pr", "prs", "pull", "pulls", "merge", "merged", "merges"})
CI_WORDS = frozenset({"workflow", "workflows", "actions", "github", "checks", "ci"})
STARTED_WORDS = frozenset({"start", "starts", "started", "starting", "begins", "kicks", "triggered", "queued"})
FINISHED_WORDS = frozenset({"finish", "finishes", "finished", "done", "complete", "completes", "completed", "ends",
                            "ended", "result", "results", "passes", "succeeds", "outcome", "every", "each"})
EVERYTHING_WORDS = frozenset({"any", "all", "every", "everything", "anything", "each"})
# Words that only a GitHub release is: "release" alone may be a Jenkins job's name ("card-vault-release").
PUBLISHED_WORDS = frozenset({"releases", "released", "publish", "publishes", "published", "tag", "tags", "tagged"})
_NEW_RELEASE = re.compile(r"\bnew\s+releases?\b")
OUTCOME_WORDS = frozenset({"fail", "fails", "failed", "failing", "failure", "failures", "break", "breaks", "broke",
                          "broken", "red", "unstable", "green", "pass", "passed"})
# Words about a build: with none of the GitHub words above they point at Jenkins.
BUILD_WORDS = (OUTCOME_WORDS | STARTED_WORDS | (FINISHED_WORDS - {"every", "each"}) |
               {"build", "builds", "job", "jobs", "jenkins", "pipeline", "pipelines"})
# Saying to stop: a verb, or "no more"/"no longer"/"opt out"/"turn off", or "don't tell/post/… us".
STOP_WORDS = frozenset({"stop", "unsubscribe", "unsub", "mute", "silence", "cancel", "remove", "delete", "disable",
                        "quit", "pause", "kill", "drop", "unfollow", "unwatch", "enough"})
_STOP_PHRASE = re.compile(r"\b(?:no\s+(?:more|longer)|opt\s+(?:\w+\s+){0,3}?out|turn\s+(?:\w+\s+){0,3}?off|"
                          r"(?:don'?t|do\s+not)\s+(?:\w+\s+){0,2}?(?:tell|ping|post|notify|send|need|want|"
                          r"message|dm|alert|hear))\b")
# Words of a subscription request that never name a job, repository or alert.
TOPIC_WORDS = frozenset({
    "notify", "notifications", "notification", "notified", "subscribe", "subscribed", "subscription",
    "subscriptions", "unsubscribe", "channel", "chat", "here", "post", "posts", "ping", "pings", "tell", "let",
    "know", "alert", "alerts", "alerting", "stop", "mute", "silence", "cancel", "remove", "updates", "update",
    "message", "messages", "me", "us", "we", "team", "when", "whenever", "if", "about", "the", "a", "an", "of",
    "for", "on", "in", "to", "this", "our", "my", "please", "pls", "hey", "opsbot", "bot", "can", "could",
    "you", "would", "want", "get", "send", "drop", "keep", "posted", "any", "new", "fails", "breaks", "failures",
    "no", "more", "longer", "don't", "dont", "anymore", "those", "these", "ones", "them", "it", "is", "be",
    "from", "with", "and", "or", "what", "are", "we're",
})
TOPIC_SOURCES = {condition: source for source, conditions in CONDITIONS.items() for condition in conditions}
ALERT_LABEL_SKIP = frozenset({"alertname", "grafana_folder", "severity", "env", "environment"})
SUBSCRIPTION_GENERIC = ("notifications", "notification", "alerts", "alert", "subscription", "builds", "build", "job")


@dataclass(frozen=True)
class Watch:
    """What to subscribe to, resolved: tool, target (full name or label filter; "" = all), condition."""

    source: str
    target: str
    condition: str
    label: str
    url: str


_TOKEN = re.compile(r"[a-z0-9']+(?:[-_/.][a-z0-9']+)*")


def said(ask: Ask) -> set[str]:
    """The words as typed: "settlement-engine-ci" is one name, not the word "ci" (keywords stand alone)."""
    return set(_TOKEN.findall(ask.text.lower()))


def is_everything(ask: Ask) -> bool:
    return bool(said(ask) & EVERYTHING_WORDS)


def _topic(ask: Ask) -> str | None:
    """A condition named by a button (entity), or the one of the last subscription request when this message
    continues it: a click on "which job?" buttons, or a follow-up ("and the nightly?")."""
    continues = ask.text.startswith("/") or ask.intent == "follow_up"
    for value in (ask.entity(TOPIC_ENTITY), ask.slot(TOPIC_SLOT) if continues else None):
        if value and str(value) in TOPIC_SOURCES:
            return str(value)
    return None


def source_for(ask: Ask) -> str | None:
    """The tool the words point at; None when they don't decide (then the live names do: a job, a repository,
    or, when the name is both, the user chooses)."""
    topic = _topic(ask)
    if topic:
        return TOPIC_SOURCES[topic]
    found = said(ask)
    if found & ALERT_WORDS and not found & (RELEASE_WORDS | PULL_WORDS):
        return GRAFANA
    if found & PULL_WORDS or (found & CI_WORDS and not ask.entity("job")):
        return GITHUB
    published = bool(found & PUBLISHED_WORDS or _NEW_RELEASE.search(ask.text.lower()))
    built = bool(found & BUILD_WORDS)
    if published != built:
        return GITHUB if published else JENKINS
    if published or found & RELEASE_WORDS:
        return None  # "release" alone, or words of both: a job's release build or a GitHub release?
    if ask.entity("github_repo"):
        return GITHUB
    return JENKINS if ask.entity("job") else None


def condition_for(ask: Ask, source: str) -> str:
    topic = _topic(ask)
    if topic and TOPIC_SOURCES[topic] == source:
        return topic
    found = said(ask)
    if source == GRAFANA:
        return "firing"
    if source == GITHUB:
        if found & RELEASE_WORDS:
            return "releases"
        if found & PULL_WORDS or {"pull", "request"} <= found:
            return "pull_requests"
        return "ci" if found & FINISHED_WORDS else "ci_failed"
    if found & STARTED_WORDS:
        return "started"
    return "finished" if found & FINISHED_WORDS else "failed"


def asks_to_stop(ask: Ask) -> bool:
    """Whether the words say to stop something ("stop", "unsubscribe", "no more", "don't ping us", typos
    included); a button's payload ("/unsubscribe…") is a deliberate click. The NLU's `unsubscribe` alone is not
    enough: it has read "tell me more about the lag alert" that way."""
    text = ask.text.lower()
    if text.startswith("/") or _STOP_PHRASE.search(text):
        return True
    return any(_is_stop_word(w) for w in said(ask))  # whole names: a "stop-loss" job says nothing


def _is_stop_word(word: str) -> bool:
    if word in STOP_WORDS:
        return True
    if len(word) < 4:
        return False
    # "stpo", "unsubscibe", "unsubcribe": a swap of letters, or a letter more or less in a long word that
    # starts the same ("subscribed" is not "unsubscribe")
    return any(word[:2] == s[:2] and (sorted(word) == sorted(s) or (len(s) >= 6 and fuzz.ratio(word, s) >= 85))
               for s in STOP_WORDS)


def restore_token(subscription: Subscription) -> str:
    """What an Undo button carries to subscribe to exactly this again: "jenkins:failed:card-vault-release"."""
    return f"{subscription.source}:{subscription.condition}:{subscription.target}"


def parse_restore(value: str) -> tuple[str, str, str] | None:
    """(source, condition, target) of a `restore_token`, or None when it isn't one (or names no known condition)."""
    source, _, rest = value.partition(":")
    condition, colon, target = rest.partition(":")
    if not colon or condition not in CONDITIONS.get(source, {}):
        return None
    return source, condition, target


def without_topic_words(ask: Ask) -> Ask:
    """The message minus the words of asking for notifications: what is left may name something."""
    kept = [w for w in ask.text.split() if not set(words(w)) <= TOPIC_WORDS]
    return replace(ask, text=" ".join(kept))


def alert_filter(ask: Ask, rules: Sequence[AlertRule], env: str) -> dict[str, str]:
    """Labels the words name among the live alert rules': severity, environment, service, host…"""
    found = set(words(ask.text))
    found |= {w.rstrip("s") for w in found}
    labels: dict[str, str] = {}
    severities = {r.severity.lower() for r in rules if r.severity} | {"critical", "warning"}
    named = sorted(s for s in severities if s in found)
    if len(named) == 1:
        labels["severity"] = named[0]
    if env:
        key = next((k for r in rules for k in ("env", "environment") if str(r.labels.get(k, "")).lower() == env),
                   "env")
        labels[key] = env
    for rule in rules:
        for instance_labels in (rule.labels, *(i.labels for i in rule.instances)):
            for key, value in instance_labels.items():
                value_words = set(words(value))
                if key not in ALERT_LABEL_SKIP and value_words and value_words <= found:
                    labels.setdefault(key, value)
    if not (set(labels) - {"severity"} - {"env", "environment"}):
        rule = _named_rule(ask, rules)
        if rule is not None:
            labels["alertname"] = rule.name
    return labels


def _named_rule(ask: Ask, rules: Iterable[AlertRule]) -> AlertRule | None:
    resolver = Resolver([Candidate(r.uid, r.name, (), r) for r in rules],
                        generic=(*ALERT_WORDS, "above", "below", "high", "low", "almost", "the"))
    resolution = resolver.resolve(without_topic_words(ask).text)
    return resolution.match.data if resolution.found and resolution.score >= 0.5 else None  # type: ignore[return-value]


def subscription_resolver(subscriptions: Sequence[Subscription]) -> Resolver:
    """The conversation's subscriptions, called by their target, label, tool and condition."""
    candidates = []
    for s in subscriptions:
        names = [s.label, s.target, describe(s)]
        if s.source == GRAFANA:
            names.extend(label_filter(s.target).values())
        names.append({JENKINS: "jenkins", GRAFANA: "grafana alerts", GITHUB: "github"}[s.source] + " " + s.condition)
        candidates.append(Candidate(str(s.id), s.label or describe(s), tuple(n for n in names if n), s))
    return Resolver(candidates, generic=SUBSCRIPTION_GENERIC)
