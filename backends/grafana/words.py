"""Which alerts a question is about, read from its words against the live alert rules: the environments
(values of `env`/`environment`/`deployment_environment`… labels and of dashboards' `$env` variables, with
the usual aliases: prod → production), severities, other label values named ("ledger", "pg-eu-1"), firing
or also pending, and a rule named by its title ("is the decline ratio alert ok?").

Pure functions: no Rasa and no requests; the action passes the live lists in. Nothing here knows any
team's names: environments, severities, labels and titles all come from the live rules.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from backends.grafana.service import AlertInstance, AlertRule, Variable
from common.resolve import Candidate, Resolver, words

# Label (and dashboard variable) names that hold an environment: env, environment, deployment_environment,
# deployment.environment, k8s_env, stage.
ENV_LABEL = re.compile(r"(?:[a-z0-9]+[_.])*(?:env|environment)|stage", re.IGNORECASE)
# The usual names of environments; the first of each group is the one shown, any may be said for another.
ENV_GROUPS = (("production", "prod", "prd", "live"), ("staging", "stage", "stg"), ("development", "dev"),
              ("sandbox", "sbx"), ("qa",), ("uat",), ("preprod", "preproduction"), ("test", "testing"))
# Read as an environment in running text even when no live label has it ("test" is too common a word).
USUAL_ENVS = tuple(group[0] for group in ENV_GROUPS if group[0] != "test")
# "sandbx", "prodution": a typo of an environment's name (words of five letters or more).
TYPO_SIMILARITY = 85.0
# Labels every Grafana alert carries that say nothing about what is affected.
PLUMBING_LABELS = {"alertname", "grafana_folder", "__alert_rule_uid__", "__alert_rule_namespace_uid__"}
# Words of a question about alerts that never name one ("is the … alert ok?", "tell me more about …").
ALERT_WORDS = {
    "alert", "alerts", "alerting", "alarm", "alarms", "rule", "rules", "firing", "fire", "fired", "fires", "pending",
    "ok", "okay", "fine", "healthy", "status", "state", "details", "detail", "info", "more", "tell", "me", "about",
    "on", "the", "is", "are", "was", "a", "an", "of", "for", "in", "and", "or", "any", "anything", "what", "whats",
    "s", "how", "it", "its", "please", "pls", "show", "still", "now", "right", "currently", "with", "to", "do",
    "does", "doing", "there", "grafana", "which", "that", "this", "one", "ones", "only", "just", "those", "them",
    "these", "all", "same", "also", "too", "above", "below", "over", "under", "why", "when", "since", "go", "going",
    "get", "we", "our", "my", "env", "environment", "environments", "including", "include", "included", "plus",
    "but", "then", "again", "instead", "else", "other", "hmm", "so", "well", "yet", "at", "by", "from", "i", "you",
    "can", "could", "would", "see", "look", "like", "whole", "list", "give", "let", "know", "has", "have", "been",
}
# Title words that describe a state rather than which rule ("too slow", "almost full"): they count towards a
# rule's score but never make a question about one rule on their own.
WEAK_TITLE_WORDS = {"high", "low", "slow", "fast", "full", "almost", "growing", "down", "up", "error", "errors",
                    "failing", "failed", "broken", "lagging", "late", "behind", "spike", "spiking", "degraded"}
# "the … alert" (one rule) rather than "alerts" (a list).
SINGULAR = {"alert", "rule", "alarm"}
# "only the critical ones", "just those": narrows the alerts just shown.
REFINING = {"only", "just", "ones", "those", "them", "these"}


# --- environments --------------------------------------------------------------------------------------------
def is_env_label(key: str) -> bool:
    return bool(ENV_LABEL.fullmatch(key))


def _group(word: str) -> tuple[str, ...]:
    return next((group for group in ENV_GROUPS if word in group), (word,))


def canonical_env(text: str) -> str:
    """"prod" → "production"; a name that isn't a usual one stays as said ("eu-west", "sandbox env" → sandbox)."""
    said = "-".join(word for word in words(text) if word not in ("the", "env", "environment"))
    return _group(said)[0]


def _fits(said: str, name: str) -> bool:
    """A word of the message is a word of an environment's name: the same, an alias, or a typo of it."""
    if said == name or said in _group(name):
        return True
    return min(len(said), len(name)) >= 5 and fuzz.ratio(said, name) >= TYPO_SIMILARITY


def named_envs(said: Sequence[str], known: Iterable[str]) -> list[str]:
    """The known environments whose every word the message says ("eu prod" names eu-prod, "prod" production)."""
    found = []
    for env in dict.fromkeys(known):
        name = words(env)
        if name and all(any(_fits(word, part) for word in said) for part in name):
            found.append(env)
    return found


def rule_envs(rules: Iterable[AlertRule]) -> list[str]:
    """The environments the alert rules and their instances are labelled with, as labelled."""
    values = {value for rule in rules for labels in _label_sets(rule) for key, value in labels.items()
              if is_env_label(key) and value.strip()}
    return sorted(values, key=str.lower)


def variable_envs(variables: Iterable[Variable]) -> list[str]:
    """The values of dashboards' environment variables ($env, $environment)."""
    values = {value for variable in variables if is_env_label(variable.name) or is_env_label(variable.label)
              for value in variable.values}
    return sorted(values, key=str.lower)


def _label_sets(rule: AlertRule) -> list[dict[str, str]]:
    return [rule.labels, *(instance.labels for instance in rule.instances)]


def _env_values(labels: dict[str, str]) -> set[str]:
    return {value.lower() for key, value in labels.items() if is_env_label(key)}


# --- filters -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AlertFilters:
    """What an alert question narrows to. A follow-up ("what about sandbox?") replaces the kinds it names and
    keeps the others ("anything pending?" stays about pending alerts)."""

    state: str = ""  # "pending": firing and pending; "firing": firing only; "": firing, pending counted
    severities: tuple[str, ...] = ()
    envs: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()

    @property
    def include_pending(self) -> bool:
        return self.state == "pending"

    def then(self, newer: AlertFilters) -> AlertFilters:
        return AlertFilters(newer.state or self.state, newer.severities or self.severities,
                            newer.envs or self.envs, newer.labels or self.labels)

    def as_slot(self) -> dict[str, Any]:
        return {"state": self.state, "severities": list(self.severities), "envs": list(self.envs),
                "labels": list(self.labels)}

    @classmethod
    def from_slot(cls, value: Any) -> AlertFilters:
        """The filters kept in the conversation; anything unreadable is no filter."""
        if not isinstance(value, dict):
            return cls()
        items = lambda key: tuple(str(v) for v in value.get(key) or () if isinstance(v, str))  # noqa: E731
        state = value.get("state")
        return cls(state if state in ("pending", "firing") else "", items("severities"), items("envs"),
                   items("labels"))

    @property
    def scope(self) -> str:
        """'in sandbox for ledger': the words of the answer's heading."""
        envs = f"in {' or '.join(self.envs)}" if self.envs else ""
        labels = f"for {', '.join(self.labels)}" if self.labels else ""
        return " ".join(part for part in (envs, labels) if part)


def state_asked(said: Sequence[str], entity: str | None) -> str:
    """"pending" when pending alerts are asked for too, "firing" for firing ones only, else ""."""
    if (entity or "").lower() in ("pending", "all") or "pending" in said:
        return "pending"
    return "firing" if {"firing", "fire", "fired"} & set(said) else ""


def severities_named(said: Sequence[str], rules: Iterable[AlertRule]) -> tuple[str, ...]:
    known = {rule.severity.lower() for rule in rules if rule.severity}
    heard = set(said) | {word.rstrip("s") for word in said}  # "criticals" too
    return tuple(sorted(heard & known))


def labels_named(said: Sequence[str], rules: Iterable[AlertRule]) -> tuple[str, ...]:
    """Values of other labels (a service, a host, a cluster) the message names by all their words."""
    heard = set(said)
    found = {value for rule in rules for labels in _label_sets(rule) for key, value in labels.items()
             if key not in PLUMBING_LABELS and key != "severity" and not key.startswith("__")
             and not is_env_label(key) and words(value) and set(words(value)) <= heard}
    return tuple(sorted(found))


def refines(said: Sequence[str]) -> bool:
    """"only the critical ones": narrows the list just shown rather than asking afresh."""
    return bool(REFINING & set(said))


def instance_matches(rule: AlertRule, instance: AlertInstance, filters: AlertFilters) -> bool:
    """The severities, environments and labels named (not the state)."""
    labels = {**rule.labels, **instance.labels}
    if filters.severities and rule.severity.lower() not in filters.severities:
        return False
    if filters.envs and not _env_values(labels) & {env.lower() for env in filters.envs}:
        return False
    if filters.labels:
        label_words = set(words(" ".join(labels.values())))
        if not any(set(words(value)) <= label_words for value in filters.labels):
            return False
    return True


def select_alerts(rules: Iterable[AlertRule], filters: AlertFilters,
                  severity_rank: Callable[[str], float]) -> list[tuple[AlertRule, AlertInstance]]:
    """Firing and pending alert instances that match, firing first, then the most severe (by the renderer's
    ranking of severity words), then the oldest."""
    active = [(rule, instance) for rule in rules for instance in rule.instances
              if (instance.firing or instance.pending) and instance_matches(rule, instance, filters)]
    active.sort(key=lambda pair: (not pair[1].firing, severity_rank(pair[0].severity),
                                  pair[1].active_at or time.time()))
    return active


# --- one rule, named by its title ----------------------------------------------------------------------------
def _title_words(rule: AlertRule) -> set[str]:
    return {word for word in words(rule.name) if word not in ALERT_WORDS}


def _label_words(rules: Sequence[AlertRule]) -> set[str]:
    return {word for rule in rules for labels in _label_sets(rule) for key, value in labels.items()
            if key not in PLUMBING_LABELS and not key.startswith("__") for word in words(value)}


def title_hits(rules: Sequence[AlertRule], said: Sequence[str]) -> set[str]:
    """Words of the rules' titles that the message says, typos and word forms included ("replication" says
    "replica")."""
    vocabulary = sorted({word for rule in rules for word in _title_words(rule)})
    resolver = Resolver([Candidate(word, word) for word in vocabulary])
    return {candidate.key for word in said if word not in ALERT_WORDS for candidate, _ in resolver.ranked(word)}


def named_rules(rules: Sequence[AlertRule], text: str) -> list[AlertRule]:
    """The rule(s) a question is about, by title: "is the decline ratio alert ok?", "details on the acquirer
    alert". Empty when the words name no rule, or only a label value or a state ("what's firing for the
    ledger?", "is anything slow?": questions about a list). Several when they fit equally well."""
    said = words(text)
    hits = title_hits(rules, said)
    if not hits:
        return []
    distinctive = {word for word in hits - WEAK_TITLE_WORDS - _label_words(rules) if not word.isdigit()}
    if not distinctive and not SINGULAR & set(said):
        return []
    titles = {rule.uid or rule.name: _title_words(rule) for rule in rules}
    counts: dict[str, int] = {}
    for title in titles.values():
        for word in title:
            counts[word] = counts.get(word, 0) + 1
    weight = {word: math.log(1 + len(rules) / count) for word, count in counts.items()}
    scores = {key: sum(weight[word] for word in title & hits) for key, title in titles.items()}
    best = max(scores.values())
    return [rule for rule in rules if best > 0 and scores[rule.uid or rule.name] >= best - 1e-9]


def unexplained(said: Sequence[str], explained: Iterable[str]) -> list[str]:
    """Words of a follow-up that name nothing the alerts know (so the answer can say it ignored them)."""
    known = set(explained) | ALERT_WORDS
    return [word for word in dict.fromkeys(said) if word not in known and not word.isdigit()]
