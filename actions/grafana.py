"""Grafana questions: what's firing, a metric's value now or over a range, a panel's graph, dashboards, and
annotations (deploys and events). Thin: names and times from the message (entity, then the words, then the
conversation's context slots), one facade call or two, a rendered reply."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, ClassVar

from actions import timerange
from actions.base import Answer, Ask, QuestionAction, choose_reply
from actions.render import Reply
from actions.render import grafana as render
from actions.resolve import Candidate, Resolver, words
from actions.services.grafana import (
    AlertInstance,
    AlertRule,
    Dashboard,
    GrafanaClient,
    Panel,
    PanelImage,
    RenderProblem,
    grafana,
)

PANEL_SLOT = "grafana_panel"
DASHBOARD_SLOT = "grafana_dashboard"
RANGE_SLOT = "grafana_range"
KIND_SLOT = "grafana_annotation_kind"
# "The value now" is the last sample of this recent window.
NOW_WINDOW_MINUTES = 10
DEPLOY_LOOKBACK = "last 90 days"
EVENTS_DEFAULT = "last 24 hours"
# Words that say what kind of thing is meant, never which one.
PANEL_GENERIC = {"graph", "graphs", "chart", "plot", "panel", "panels", "metric", "metrics", "value", "current",
                 "dashboard", "dashboards", "show", "grafana", "now", "right", "the", "of", "for", "on", "in"}
DASHBOARD_GENERIC = {"dashboard", "dashboards", "board", "boards", "grafana", "the", "for", "of", "open"}
DEPLOY_WORDS = {"deploy", "deploys", "deployed", "deployment", "deployments", "release", "released", "releases",
                "rollout", "rolled", "ship", "shipped", "shipping"}
ENV_ALIASES = {"prod": "production", "prd": "production", "live": "production", "stage": "staging", "stg": "staging",
               "dev": "development", "qa": "qa", "test": "test"}


def env_of(ask: Ask) -> str:
    """The environment named (entity or word): 'production', 'staging', …"""
    said = (ask.entity("env") or "").lower()
    if said:
        return ENV_ALIASES.get(said, said)
    for word in words(ask.text):
        if word in ENV_ALIASES or word in ("production", "staging", "development"):
            return ENV_ALIASES.get(word, word)
    return ""


def _pick_range(ask: Ask, remembered: str | None, default: str | None) -> timerange.TimeRange | None:
    return timerange.pick(ask.text, ask.entity("time_range"), remembered, default)


def panel_candidates(panels: list[Panel]) -> list[Candidate]:
    """A panel can be called by its title, or with its dashboard's title or tags ("agent disk")."""
    candidates = []
    for panel in panels:
        names = (panel.title, f"{panel.dashboard.title} {panel.title}",
                 *(f"{tag} {panel.title}" for tag in panel.dashboard.tags))
        candidates.append(Candidate(panel.key, render.panel_label(panel), names, panel))
    return candidates


class GrafanaQuestion(QuestionAction):
    backend = "Grafana"

    async def resolve_panel(self, ask: Ask, client: GrafanaClient, intent: str) -> Panel | Reply:
        """The panel meant: the NLU's entity (a key from a button, or words), else the message's words, else the
        panel of the conversation so far. A Reply when it is ambiguous or unknown."""
        panels = await client.panels()
        resolver = Resolver(panel_candidates(panels), generic=PANEL_GENERIC)
        said = ask.entity("panel")
        if said:
            exact = resolver.by_key(said)
            if exact is not None:
                return exact.data  # type: ignore[return-value]
            resolution = resolver.resolve(said)
            if resolution.found:
                return resolution.match.data  # type: ignore[union-attr]
            if resolution.ambiguous:
                return choose_reply("panel", resolution, intent, "panel", said)
        text = timerange.without(ask.text)
        resolution = resolver.resolve("" if text.startswith("/") else text)  # a button's payload has no words
        if resolution.found:
            return resolution.match.data  # type: ignore[union-attr]
        if resolution.ambiguous:
            return choose_reply("panel", resolution, intent, "panel", said or "")
        remembered = resolver.by_key(str(ask.slot(PANEL_SLOT) or ""))
        if remembered is not None:
            return remembered.data  # type: ignore[return-value]
        resolution.suggestions = resolution.suggestions or resolver.closest(said or text)
        if said or resolution.suggestions:
            return choose_reply("panel", resolution, intent, "panel", said or "")
        examples = ", ".join(render.panel_label(p) for p in panels[:4])
        return Reply(text=f"Which metric do you mean? For example: {examples}.")

    @staticmethod
    def remember(panel: Panel, window: timerange.TimeRange | None) -> dict[str, Any]:
        return {PANEL_SLOT: panel.key, DASHBOARD_SLOT: panel.dashboard.uid,
                RANGE_SLOT: window.phrase if window else None}


class ActionGrafanaMetricValue(GrafanaQuestion):
    """"p95 latency of petclinic", "how full is the agent disk?", "error rate over the last day"."""

    action_name: ClassVar[str] = "action_grafana_metric_value"

    async def answer(self, ask: Ask) -> Answer:
        try:
            window = _pick_range(ask, None, None)
        except timerange.TimeRangeError as problem:
            return Answer.of(render.time_problem_reply(str(problem)))
        client = grafana()
        found = await self.resolve_panel(ask, client, "grafana_metric_value")
        if isinstance(found, Reply):
            return Answer.of(found)
        if window is None:
            now_ms = int(time.time() * 1000)
            series = await client.query(found, now_ms - NOW_WINDOW_MINUTES * 60_000, now_ms, max_points=60)
            reply = render.metric_now_reply(found, series, NOW_WINDOW_MINUTES)
        else:
            series = await client.query(found, window.start_ms, window.end_ms)
            reply = render.metric_range_reply(found, series, window)
        return Answer.of(reply, **self.remember(found, window))


class ActionGrafanaGraph(GrafanaQuestion):
    """"show me the error rate for the last 6 hours", "graph the build queue since yesterday": the panel
    rendered by Grafana, inline; without a renderer, the numbers."""

    action_name: ClassVar[str] = "action_grafana_graph"

    async def answer(self, ask: Ask) -> Answer:
        try:
            window = _pick_range(ask, ask.slot(RANGE_SLOT), timerange.DEFAULT_PHRASE)
        except timerange.TimeRangeError as problem:
            return Answer.of(render.time_problem_reply(str(problem)))
        assert window is not None
        client = grafana()
        found = await self.resolve_panel(ask, client, "grafana_graph")
        if isinstance(found, Reply):
            return Answer.of(found, **{RANGE_SLOT: window.phrase})
        series, image = await asyncio.gather(client.query(found, window.start_ms, window.end_ms),
                                             self._image(client, found, window))
        if isinstance(image, RenderProblem):
            reply = render.graph_reply(found, series, window, None, str(image))
        else:
            reply = render.graph_reply(found, series, window, image)
        return Answer.of(reply, **self.remember(found, window))

    @staticmethod
    async def _image(client: GrafanaClient, panel: Panel, window: timerange.TimeRange) -> PanelImage | RenderProblem:
        try:
            return await client.render(panel, window.start_ms, window.end_ms, timerange.zone_name())
        except RenderProblem as problem:
            return problem


def _named_labels(labels: dict[str, str], said: set[str]) -> dict[frozenset[str], str]:
    """Label values the user named (a service, a host, a cluster), by their words; only those narrow the answer."""
    return {frozenset(words(v)): v for k, v in labels.items()
            if k not in ("alertname", "grafana_folder", "severity", "env", "environment") and words(v)
            and set(words(v)) <= said}


@dataclass
class AlertSelection:
    """The alerts a question is about: firing or pending, of the severities, environment and labels named."""

    active: list[tuple[AlertRule, AlertInstance]]
    severities: set[str]
    env: str
    named: dict[frozenset[str], str]

    @property
    def scope(self) -> str:
        named = "for " + ", ".join(sorted(self.named.values())) if self.named else ""
        parts = [f"in {self.env}" if self.env else "", named]
        return " ".join(p for p in parts if p)


def select_alerts(rules: list[AlertRule], text: str, env: str) -> AlertSelection:
    said = set(words(text))
    known = {r.severity.lower() for r in rules if r.severity}
    severities = {s for s in said | {w.rstrip("s") for w in said} if s in known}  # "criticals" too
    named = {key: value for rule in rules for instance in rule.instances
             for key, value in _named_labels({**rule.labels, **instance.labels}, said).items()}
    active: list[tuple[AlertRule, AlertInstance]] = []
    for rule in rules:
        if severities and rule.severity.lower() not in severities:
            continue
        for instance in rule.instances:
            labels = {**rule.labels, **instance.labels}
            if not (instance.firing or instance.pending):
                continue
            if env and labels.get("env", labels.get("environment", "")).lower() != env:
                continue
            if named and not any(value <= set(words(" ".join(labels.values()))) for value in named):
                continue
            active.append((rule, instance))
    # firing before pending, the most severe first, the oldest first
    active.sort(key=lambda pair: (not pair[1].firing, render.severity_rank(pair[0].severity),
                                  pair[1].active_at or time.time()))
    return AlertSelection(active, severities, env, named)


class ActionGrafanaAlerts(GrafanaQuestion):
    """"what's firing?", "is anything on fire?", "any critical alerts?", "what's pending in staging?"."""

    action_name: ClassVar[str] = "action_grafana_alerts"

    async def answer(self, ask: Ask) -> Answer:
        client = grafana()
        selection = select_alerts(await client.alert_rules(), ask.text, env_of(ask))
        state = (ask.entity("alert_state") or "").lower()
        include_pending = state in ("pending", "all") or "pending" in words(ask.text)
        shown = [pair for pair in selection.active if pair[1].firing or include_pending]
        hidden = [pair for pair in selection.active if pair not in shown]
        reply = render.alerts_reply(shown, hidden, "/".join(sorted(selection.severities)), selection.scope,
                                    client.absolute("/alerting/list"), include_pending)
        return Answer.of(reply)


class ActionGrafanaDashboards(GrafanaQuestion):
    """"what dashboards do we have for jenkins?", "open the pet clinic dashboard"."""

    action_name: ClassVar[str] = "action_grafana_dashboards"

    async def answer(self, ask: Ask) -> Answer:
        client = grafana()
        dashboards = await client.dashboards()
        home = client.absolute("/dashboards")
        by_uid = {d.uid: d for d in dashboards}
        said = ask.entity("dashboard") or ""
        if said in by_uid:
            return await self._one(client, by_uid[said])
        candidates = [Candidate(d.uid, d.title, (d.folder, *d.tags, *(f"{t} {d.title}" for t in d.tags)), d)
                      for d in dashboards]
        resolver = Resolver(candidates, generic=DASHBOARD_GENERIC)
        asked = said or ask.text
        ranked: list[Dashboard] = [c.data for c, score in resolver.ranked(asked) if score >= 0.3]  # type: ignore[misc]
        if len(ranked) == 1:
            return await self._one(client, ranked[0])
        known = {w for d in ranked for w in words(" ".join((d.title, d.folder, *d.tags)))}
        about = " ".join(dict.fromkeys(w for w in words(asked) if w in known and w not in DASHBOARD_GENERIC))
        return Answer.of(render.dashboards_reply(ranked or dashboards, about, home))

    @staticmethod
    async def _one(client: GrafanaClient, dashboard: Dashboard) -> Answer:
        panels = await client.dashboard_panels(dashboard)
        return Answer.of(render.dashboard_reply(dashboard, panels), **{DASHBOARD_SLOT: dashboard.uid})


class ActionGrafanaAnnotations(GrafanaQuestion):
    """"when was the last deploy to production?", "what happened on the overview dashboard today?"."""

    action_name: ClassVar[str] = "action_grafana_annotations"

    async def answer(self, ask: Ask) -> Answer:
        said = set(words(ask.text))
        follow_up = ask.intent == "follow_up"
        deploys = bool(said & DEPLOY_WORDS) or (follow_up and ask.slot(KIND_SLOT) == "deploy")
        spoken = timerange.find(ask.entity("time_range") or "") or timerange.find(ask.text)
        try:
            window = _pick_range(ask, ask.slot(RANGE_SLOT) if follow_up else None,
                                 DEPLOY_LOOKBACK if deploys else EVENTS_DEFAULT)
        except timerange.TimeRangeError as problem:
            return Answer.of(render.time_problem_reply(str(problem)))
        assert window is not None
        client = grafana()
        dashboards = await client.dashboards()
        by_uid = {d.uid: d for d in dashboards}
        board = self._dashboard(ask, dashboards, remember=follow_up and not deploys)
        items = await client.annotations(window.start_ms, window.end_ms, board.uid if board else "")
        slots: dict[str, Any] = {KIND_SLOT: "deploy" if deploys else "events"}
        if spoken:
            slots[RANGE_SLOT] = window.phrase
        if board:
            slots[DASHBOARD_SLOT] = board.uid
        url = board.url if board else client.absolute("/dashboards")
        if deploys:
            env = env_of(ask)
            found = [a for a in items if _is_deploy(a.text, a.tags) and (not env or _mentions(a.text, a.tags, env))]
            return Answer.of(render.deploy_reply(found, env, window, by_uid, url), **slots)
        return Answer.of(render.annotations_reply(items, board.title if board else "", window, by_uid, url), **slots)

    @staticmethod
    def _dashboard(ask: Ask, dashboards: list[Dashboard], remember: bool) -> Dashboard | None:
        """A dashboard named by title (not by tags: "production" is an environment here, not a board)."""
        resolver = Resolver([Candidate(d.uid, d.title, (), d) for d in dashboards], generic=DASHBOARD_GENERIC)
        said = ask.entity("dashboard")
        if said and resolver.by_key(said):
            return resolver.by_key(said).data  # type: ignore[union-attr,return-value]
        text = " ".join(w for w in words(timerange.without(ask.text))
                        if w not in DEPLOY_WORDS and w not in ENV_ALIASES and w not in ("production", "staging"))
        resolution = resolver.resolve(said or text)
        if resolution.found:
            return resolution.match.data  # type: ignore[union-attr,return-value]
        remembered = resolver.by_key(str(ask.slot(DASHBOARD_SLOT) or "")) if remember else None
        return remembered.data if remembered else None  # type: ignore[return-value]


def _is_deploy(text: str, tags: tuple[str, ...]) -> bool:
    return bool(set(words(" ".join(tags))) & DEPLOY_WORDS or set(words(text)) & DEPLOY_WORDS)


def _mentions(text: str, tags: tuple[str, ...], env: str) -> bool:
    said = set(words(text)) | set(words(" ".join(tags)))
    return env in said or any(alias in said for alias, full in ENV_ALIASES.items() if full == env)
