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
from backends.github.source import GITHUB
from backends.grafana.service import AlertRule
from backends.grafana.source import GRAFANA, label_filter
from backends.jenkins.source import JENKINS
from backends.registry import sources
from common.resolve import Candidate, Resolver, words
from notifications.match import Subscription, describe

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
TOPIC_SOURCES = {condition: name for name, source in sources().items() for condition in source.conditions}
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
    if not colon or source not in sources() or condition not in sources()[source].conditions:
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
        if s.source in sources():
            names.append(sources()[s.source].called + " " + s.condition)
        candidates.append(Candidate(str(s.id), s.label or describe(s), tuple(n for n in names if n), s))
    return Resolver(candidates, generic=SUBSCRIPTION_GENERIC)


# -- what a stop message means besides "stop this" (UAT round 2, R-2 and R-6) ---------------------------------
_UNITS = (r"(?:sec(?:ond)?s?|min(?:ute)?s?|mins?|h|hrs?|hours?|days?|weeks?|while|bit|moment|night|tonight|"
          r"weekend|morning|afternoon|evening|today|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|"
          r"sunday|later|lunch|noon|midnight|\d{1,2}(?::\d\d)?\s*(?:am|pm)?|\d{1,2}:\d\d)")
_DURATION = re.compile(
    r"\b(?:(?:for|during)\s+(?:the\s+|an?\s+|one\s+|two\s+|a\s+few\s+|a\s+couple\s+(?:of\s+)?|few\s+|"
    r"half\s+an?\s+|next\s+|\d+(?:\.\d+)?\s*)?" + _UNITS +
    r"|(?:until|till|til|untill|'?til)\s+(?:the\s+|next\s+)?\w+|\d+\s*(?:m|h|min|mins|hrs?)\b)\b")
_TEMPORARY_VERBS = frozenset({"snooze", "snoozing", "snoozed"})
_MUTE_VERBS = frozenset({"mute", "silence", "snooze", "pause", "quiet", "hush", "stop", "disable", "suppress",
                         "hold", "unsubscribe", "turn", "shut", "ignore", "skip", "off"})


def time_limited(ask: Ask) -> bool:
    """"silence the ledger alert for an hour", "mute X until tomorrow", "snooze the alerts": a mute for a while,
    which a subscription (on or off) can't do; never a reason to remove one."""
    if ask.text.startswith("/"):
        return False
    found = said(ask)
    if found & _TEMPORARY_VERBS:
        return True
    return bool(found & _MUTE_VERBS or asks_to_stop(ask)) and bool(_DURATION.search(ask.text.lower()))


# Things opsbot reads but never deletes: "delete the settlement-engine repo", "remove the ledger job".
OBJECT_WORDS = frozenset({"repo", "repos", "repository", "repositories", "job", "jobs", "pipeline", "pipelines",
                          "branch", "branches", "dashboard", "dashboards", "folder", "folders", "issue", "issues",
                          "pr", "prs", "build", "builds", "tag", "tags", "workflow", "workflows", "rule", "rules",
                          "panel", "panels", "agent", "agents", "node", "nodes", "database", "db", "service"})
DESTROY_WORDS = frozenset({"delete", "remove", "drop", "destroy", "wipe", "erase", "archive", "kill", "nuke",
                           "purge", "trash", "rm"})
# Words that make it about notifications after all ("remove the ledger job notifications", "stop posting here").
NOTIFY_WORDS = frozenset({"notify", "notifications", "notification", "notified", "subscribe", "subscribed",
                          "subscription", "subscriptions", "unsubscribe", "alert", "alerts", "alerting", "here",
                          "updates", "messages", "message", "cards", "card", "pings", "ping", "posting", "posts",
                          "channel", "chat", "feed", "one", "ones"})


def names_other_thing(ask: Ask) -> bool:
    """A removal of something that is not a subscription (a repository, a job) and no word of notifications."""
    if ask.text.startswith("/"):
        return False
    found = said(ask)
    return bool(found & DESTROY_WORDS and found & OBJECT_WORDS and not found & NOTIFY_WORDS
                and not _STOP_PHRASE.search(ask.text.lower()))


_UNDO = re.compile(r"^\W*(?:(?:please|pls|ok|oops|no|oh|wait|actually|hmm+)[\s,!.]+)*(?:undo|revert|reverse|restore)"
                   r"(?:\s+(?:that|it|this|the\s+(?:last\s+)?(?:stop|unsubscribe|removal|change|one)|"
                   r"what\s+you\s+(?:just\s+)?did))?(?:[\s,]+(?:please|pls|thanks))?\W*$")
_PUT_BACK = re.compile(r"^\W*(?:please\s+)?(?:put|bring|turn)\s+(?:it|that|them)\s+back(?:\s+on)?\W*$")


def is_undo(ask: Ask) -> bool:
    """A typed "undo" / "undo that" / "put it back": the same as the Undo button after a stop."""
    text = ask.text.lower().strip()
    return bool(_UNDO.match(text) or _PUT_BACK.match(text))


ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
            "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "seventh": 7, "7th": 7, "eighth": 8, "8th": 8,
            "ninth": 9, "9th": 9, "tenth": 10, "10th": 10}
_NUMBER = re.compile(r"(?:\b(?:number|no\.?|nr\.?|num|item|entry|line|subscription)\s*#?\s*|#)(\d{1,2})\b")
_ORDINAL = re.compile(r"\b(?:the\s+)?(?:(" + "|".join(ORDINALS) + r")(?:\s+(?:one|subscription|notification|"
                      r"item|entry|line)s?)?|(last)\s+(?:one|subscription|notification|item|entry|line)s?)\b")
_BARE = re.compile(r"^\W*(?:[a-z']+\s+){0,4}?(\d{1,2})\W*$")


def list_position(ask: Ask, count: int) -> int | None:
    """The 1-based number in the list opsbot shows: "unsubscribe from number 1", "stop #2", "remove the second
    one", "stop 2", "the last one"; 0 for "last" when count is 0. None when the message gives no number."""
    text = ask.text.lower()
    if text.startswith("/"):
        return None
    match = _NUMBER.search(text)
    if match:
        return int(match.group(1))
    match = _ORDINAL.search(text)
    if match:
        return count if match.group(2) else ORDINALS[match.group(1)]
    if set(words(without_topic_words(ask).text)) <= {"stop", "unsubscribe", "remove", "delete", "drop", "cancel",
                                                      "mute", "kill", "from", "number", "one"} | \
            {str(n) for n in range(100)}:
        match = _BARE.match(text)
        if match:
            return int(match.group(1))
    return None


# "the release one", "drop the alert one", "the jenkins subscription": a kind of subscription.
KINDS: dict[str, tuple[str, frozenset[str]]] = {
    "release": (GITHUB, frozenset({"releases"})), "releases": (GITHUB, frozenset({"releases"})),
    "pr": (GITHUB, frozenset({"pull_requests"})), "prs": (GITHUB, frozenset({"pull_requests"})),
    "pull": (GITHUB, frozenset({"pull_requests"})),
    "workflow": (GITHUB, frozenset({"ci", "ci_failed"})), "ci": (GITHUB, frozenset({"ci", "ci_failed"})),
    "actions": (GITHUB, frozenset({"ci", "ci_failed"})), "github": (GITHUB, frozenset()),
    "alert": (GRAFANA, frozenset()), "alerts": (GRAFANA, frozenset()), "grafana": (GRAFANA, frozenset()),
    "alerting": (GRAFANA, frozenset()),
    "jenkins": (JENKINS, frozenset()), "job": (JENKINS, frozenset()), "build": (JENKINS, frozenset()),
    "builds": (JENKINS, frozenset()), "jobs": (JENKINS, frozenset()),
}
_KIND = re.compile(r"\b(?:the|that|this)\s+(" + "|".join(sorted(KINDS, key=len, reverse=True)) +
                   r")(?:\s+request)?\s+(?:one|ones|subscription|subscriptions|notification|notifications)\b")


def kind_named(ask: Ask) -> tuple[str, frozenset[str]] | None:
    """(source, conditions; empty = any) of "the release one", "the alert one"; None when no kind is named."""
    match = _KIND.search(ask.text.lower())
    return KINDS[match.group(1)] if match else None


def of_kind(subscriptions: Sequence[Subscription], kind: tuple[str, frozenset[str]]) -> list[Subscription]:
    source, conditions = kind
    return [s for s in subscriptions if s.source == source and (not conditions or s.condition in conditions)]
