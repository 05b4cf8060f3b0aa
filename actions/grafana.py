"""Grafana questions: what's firing, a metric's value now or over a range, a panel's graph, dashboards, and
annotations (deploys and events). Thin: names and times from the message (entity, then the words, then the
conversation's context slots), one facade call or two, a rendered reply."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, ClassVar

from actions.base import LAST_QUESTION_SLOT, Answer, Ask, QuestionAction, choose_reply
from backends.faults import BackendError
from backends.grafana import render
from backends.grafana import words as alerts
from backends.grafana.service import (
    AlertRule,
    Annotation,
    Dashboard,
    GrafanaService,
    Panel,
    PanelImage,
    QueryFailed,
    RenderProblem,
    SeriesList,
    Variable,
)
from backends.grafana.service import service as grafana
from common import timerange
from common.reply import Reply
from common.resolve import Candidate, Resolver, words

PANEL_SLOT = "grafana_panel"
DASHBOARD_SLOT = "grafana_dashboard"
RANGE_SLOT = "grafana_range"
KIND_SLOT = "grafana_annotation_kind"
# The last alert question's filters (state, severities, environments, labels), kept by "what about sandbox?".
ALERT_FILTERS_SLOT = "grafana_alert_filters"
# A button's exact alert rule (its uid), when several rules fit the words.
ALERT_RULE_ENTITY = "alert_rule"
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


def env_of(ask: Ask, known: Sequence[str] = ()) -> str:
    """The environment named: the NLU's entity, else a word of the message that is one of the `known`
    (live) environments or a usual name ("prod" → production, "sandbox"); as the live system spells it when
    it is one of the known."""
    said = ask.entity("env")
    heard = words(said) if said else words(ask.text)
    found = alerts.named_envs(heard, known) or alerts.named_envs(heard, alerts.USUAL_ENVS)
    if found:
        return found[0]
    return alerts.canonical_env(said) if said else ""


def _pick_range(ask: Ask, remembered: str | None, default: str | None) -> timerange.TimeRange | None:
    return timerange.pick(ask.text, ask.entity("time_range"), remembered, default)


def _with_unread_note(answer: Answer, ask: Ask, shown: str) -> Answer:
    """When the words say a time that couldn't be read as a range ("for the 3rd"), the answer first says
    which range it shows instead, rather than quietly showing another one."""
    hint = None if ask.text.startswith("/") else timerange.unread(ask.text, ask.entity("time_range"))
    if hint:
        answer.replies.insert(0, render.time_problem_reply(
            f'I couldn\'t read "{hint}" as a time range, so this shows {shown}. Try e.g. "since monday" or '
            '"between 2pm and 4pm".'))
    return answer


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

    async def resolve_panel(self, ask: Ask, client: GrafanaService, intent: str) -> Panel | Reply:
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
        try:
            if window is None:
                now_ms = int(time.time() * 1000)
                series = await client.query(found, now_ms - NOW_WINDOW_MINUTES * 60_000, now_ms, max_points=60)
                reply = render.metric_now_reply(found, series, NOW_WINDOW_MINUTES)
            else:
                series = await client.query(found, window.start_ms, window.end_ms)
                reply = render.metric_range_reply(found, series, window)
        except QueryFailed as failed:
            url = found.url_for(window.start_ms, window.end_ms) if window else found.url
            reply = render.query_failed_reply(found, failed.reasons, url)
        shown = f'the range "{window.phrase}"' if window else "the value now"
        return _with_unread_note(Answer.of(reply, **self.remember(found, window)), ask, shown)


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
        series, image = await asyncio.gather(self._series(client, found, window), self._image(client, found, window))
        if isinstance(series, QueryFailed):
            reply = render.query_failed_reply(found, series.reasons, found.url_for(window.start_ms, window.end_ms))
        elif isinstance(image, RenderProblem):
            reply = render.graph_reply(found, series, window, None, str(image))
        else:
            reply = render.graph_reply(found, series, window, image)
        return _with_unread_note(Answer.of(reply, **self.remember(found, window)), ask, f'the range "{window.phrase}"')

    @staticmethod
    async def _series(client: GrafanaService, panel: Panel, window: timerange.TimeRange) -> SeriesList | QueryFailed:
        try:
            return await client.query(panel, window.start_ms, window.end_ms)
        except QueryFailed as failed:
            return failed

    @staticmethod
    async def _image(client: GrafanaService, panel: Panel, window: timerange.TimeRange) -> PanelImage | RenderProblem:
        try:
            return await client.render(panel, window.start_ms, window.end_ms, timerange.zone_name())
        except RenderProblem as problem:
            return problem


@dataclass(frozen=True)
class EnvPick:
    """The environments a question names, as the live system spells them; `unknown` when the one asked
    about is on no alert rule and no dashboard variable (the answer says so)."""

    names: tuple[str, ...] = ()
    unknown: str = ""


class ActionGrafanaAlerts(GrafanaQuestion):
    """"what's firing?", "is anything on fire?", "any critical alerts?", "what's pending in staging?", and
    one rule: "is the decline ratio alert ok?", "details on the acquirer alert"."""

    action_name: ClassVar[str] = "action_grafana_alerts"

    async def answer(self, ask: Ask) -> Answer:
        client = grafana()
        rules = await client.alert_rules(definitions=True)
        text = "" if ask.text.startswith("/") else ask.text  # a button's payload has no words
        said = words(timerange.without(text))
        envs = await self._envs(ask, said, rules, client)
        asked = alerts.AlertFilters(alerts.state_asked(said, ask.entity("alert_state")),
                                    alerts.severities_named(said, rules), envs.names, alerts.labels_named(said, rules))
        filters = self._earlier(ask, said).then(asked)
        slots = {ALERT_FILTERS_SLOT: filters.as_slot()}
        named = self._named_rules(ask, rules, text)
        if len(named) == 1:
            return Answer.of(await self._one_rule(client, named[0], filters), **slots)
        if named:
            return Answer.of(render.alert_rules_reply(named, client.absolute("/alerting/list"), ALERT_RULE_ENTITY),
                             **slots)
        note = self._note(ask, said, rules, envs, asked)
        active = alerts.select_alerts(rules, filters, render.severity_rank)
        shown = [pair for pair in active if pair[1].firing or filters.include_pending]
        hidden = [pair for pair in active if pair not in shown]
        reply = render.alerts_reply(shown, hidden, "/".join(filters.severities), filters.scope,
                                    client.absolute("/alerting/list"), filters.include_pending, note)
        return Answer.of(reply, **slots)

    @staticmethod
    def _earlier(ask: Ask, said: list[str]) -> alerts.AlertFilters:
        """The filters of the alert question just answered, when this one follows it up ("what about sandbox?",
        "only the critical ones", the "Include pending" button); none for a question of its own."""
        after_alerts = ask.slot(LAST_QUESTION_SLOT) == ActionGrafanaAlerts.action_name
        clicked = ask.text.startswith("/") and "{" in ask.text
        if ask.intent == "follow_up" or (after_alerts and (alerts.refines(said) or clicked)):
            return alerts.AlertFilters.from_slot(ask.slot(ALERT_FILTERS_SLOT))
        return alerts.AlertFilters()

    @staticmethod
    async def _envs(ask: Ask, said: list[str], rules: list[AlertRule], client: GrafanaService) -> EnvPick:
        """The environments named, resolved against the alert labels first, then the dashboards' $env variables
        (fetched only when the labels don't have it), then the usual names (an environment nothing carries)."""
        entity = ask.entity("env")
        heard = words(entity) if entity else said
        found = alerts.named_envs(heard, alerts.rule_envs(rules))
        if found:
            return EnvPick(tuple(found))
        usual = alerts.named_envs(heard, alerts.USUAL_ENVS)
        if not (entity or usual):
            return EnvPick()
        found = alerts.named_envs(heard, alerts.variable_envs(await _variables(client)))
        if found:
            return EnvPick(tuple(found))
        name = alerts.canonical_env(entity) if entity else usual[0]
        return EnvPick((name,), unknown=name)

    @staticmethod
    def _named_rules(ask: Ask, rules: list[AlertRule], text: str) -> list[AlertRule]:
        said = ask.entity(ALERT_RULE_ENTITY)
        exact = [rule for rule in rules if said and rule.uid == said]
        return exact or alerts.named_rules(rules, text)

    @staticmethod
    def _note(ask: Ask, said: list[str], rules: list[AlertRule], envs: EnvPick, asked: alerts.AlertFilters) -> str:
        """What the answer assumed: an environment no alert carries, or a follow-up's words that named nothing."""
        if envs.unknown:
            return render.unknown_env_note(envs.unknown, alerts.rule_envs(rules))
        if ask.intent != "follow_up" or asked != alerts.AlertFilters(state=asked.state):
            return ""
        explained = {w for value in (*asked.labels, *asked.severities) for w in words(value)}
        ignored = alerts.unexplained(said, explained | alerts.title_hits(rules, said))
        return render.ignored_words_note(ignored) if ignored else ""

    async def _one_rule(self, client: GrafanaService, rule: AlertRule, filters: alerts.AlertFilters) -> Reply:
        """One rule's state; when Grafana gives no number for its instances (a normal rule; a threshold or math
        condition, whose value only says whether it holds), what the rule's panel reads now, if it has one."""
        narrowed = alerts.AlertFilters(envs=filters.envs, labels=filters.labels)
        instances = [i for i in rule.instances if alerts.instance_matches(rule, i, narrowed)] or list(rule.instances)
        reading = ""
        if rule.dashboard_uid and rule.panel_id is not None and not any(i.value is not None for i in instances):
            # The rule's state is the answer; its panel's reading is extra: a slow or failing panel never costs it.
            with suppress(QueryFailed, BackendError):
                panel = await client.panel(rule.dashboard_uid, rule.panel_id)
                if panel is not None:
                    now_ms = int(time.time() * 1000)
                    series = await client.query(panel, now_ms - NOW_WINDOW_MINUTES * 60_000, now_ms, max_points=60)
                    reading = render.panel_reading(panel, series)
        return render.alert_rule_reply(rule, instances, reading, client.absolute("/alerting/list"))


async def _variables(client: GrafanaService) -> list[Variable]:
    """Dashboards' template variables; a Grafana that won't show them leaves the alert answer as it is."""
    try:
        return await client.variables()
    except BackendError:
        return []


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
    async def _one(client: GrafanaService, dashboard: Dashboard) -> Answer:
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
            env = env_of(ask, _tagged_envs(items))
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
                        if w not in DEPLOY_WORDS and not alerts.named_envs([w], alerts.USUAL_ENVS))
        resolution = resolver.resolve(said or text)
        if resolution.found:
            return resolution.match.data  # type: ignore[union-attr,return-value]
        remembered = resolver.by_key(str(ask.slot(DASHBOARD_SLOT) or "")) if remember else None
        return remembered.data if remembered else None  # type: ignore[return-value]


def _tagged_envs(items: Sequence[Annotation]) -> list[str]:
    """Environments annotations are tagged with as `env:sandbox` or `environment=eu-prod`."""
    pairs = (re.split(r"[:=]", tag, maxsplit=1) for item in items for tag in item.tags if re.search(r"[:=]", tag))
    return sorted({value.strip() for key, value in pairs if alerts.is_env_label(key.strip()) and value.strip()})


def _is_deploy(text: str, tags: tuple[str, ...]) -> bool:
    return bool(set(words(" ".join(tags))) & DEPLOY_WORDS or set(words(text)) & DEPLOY_WORDS)


def _mentions(text: str, tags: tuple[str, ...], env: str) -> bool:
    """An annotation is about the environment when its text or tags say it (or an alias: prod for production)."""
    return bool(alerts.named_envs([*words(text), *words(" ".join(tags))], [env]))
