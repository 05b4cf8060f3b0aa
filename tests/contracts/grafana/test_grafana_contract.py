"""Grafana's own examples (fixtures.json: excerpts of grafana/grafana's tests, definitions and docs, see README.md)
against (a) the sandbox's answers on the paths the facade calls, which must have the real shapes, and (b) the
facade and the renderers, which must take each real example, with each optional or nullable field made null or
absent in turn, without a crash."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from backends.faults import BackendError
from backends.grafana import render
from backends.grafana.service import (
    AlertInstance,
    Dashboard,
    GrafanaService,
    Panel,
    QueryFailed,
    _evaluator,
    _instance_value,
    alert_values,
    rule_condition,
)
from backends.grafana.settings import GrafanaSettings
from common import clock
from common.timerange import TimeRange
from tests.support.sandbox import TEST_CREDENTIALS

REAL = json.loads(Path(__file__).with_name("fixtures.json").read_text(encoding="utf-8"))
# Objects whose keys are data, not schema: a real example's keys there need not be the sandbox's.
FREE_KEYS = {"labels", "annotations", "totals", "totalsFiltered", "jsonData", "model", "custom"}
ABSENT = object()


def real(name: str) -> Any:
    return copy.deepcopy(REAL[name])


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def shape_gaps(example: Any, served: Any, path: str = "$", optional: frozenset[str] = frozenset()) -> list[str]:
    """Where the served JSON lacks a key of the real example (but for those Grafana omits when empty, `optional`),
    or has another JSON type there (null matches any)."""
    if example is None or served is None:
        return []
    if isinstance(example, dict):
        if not isinstance(served, dict):
            return [f"{path}: an object in Grafana, {_kind(served)} here"]
        if path.rsplit(".", 1)[-1] in FREE_KEYS:
            return []
        gaps = []
        for key, value in example.items():
            if key not in served:
                gaps += [] if key in optional else [f"{path}.{key}: missing"]
            else:
                gaps += shape_gaps(value, served[key], f"{path}.{key}", optional)
        return gaps
    if isinstance(example, list):
        if not isinstance(served, list):
            return [f"{path}: an array in Grafana, {_kind(served)} here"]
        return [gap for index, (item, answer) in enumerate(zip(example, served, strict=False))
                for gap in shape_gaps(item, answer, f"{path}[{index}]", optional)]
    return [] if _kind(example) == _kind(served) else [f"{path}: {_kind(example)} in Grafana, {_kind(served)} here"]


def served(sandbox, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, sandbox.url("grafana") + path, timeout=10, **kwargs,
                            headers={"Authorization": f"Bearer {TEST_CREDENTIALS['GRAFANA_TOKEN']}"})


# --- (a) the sandbox answers with the real shapes -----------------------------------------------------------------
def test_sandbox_rules_api_has_the_real_shape(petclinic_sandbox, legacy_world) -> None:
    states = {state for state, _rule_state in real("rule_states")["examples"]}
    rule_states = {rule_state for _state, rule_state in real("rule_states")["examples"]}
    for sandbox in (petclinic_sandbox, legacy_world):
        body = served(sandbox, "GET", "/api/prometheus/grafana/api/v1/rules").json()
        optional = frozenset(n for level in ("data", "group", "rule", "alert")
                             for n in real("rules_api")["optional"][level])
        assert shape_gaps(real("rules_api")["body"], body, optional=optional) == []
        rules = [r for g in body["data"]["groups"] for r in g["rules"]]
        assert {r["state"] for r in rules} <= rule_states
        assert {a["state"].split(" (")[0] for r in rules for a in r["alerts"]} <= states
        assert shape_gaps(real("rules_api")["firing_alert"]["body"], rules[0]["alerts"][0]) == []
        for rule in rules:  # an alert's value is one of Grafana's value formats
            for alert in rule["alerts"]:
                assert alert["value"] == "" or alert_values(alert["value"])[0][1] is not None


def test_sandbox_ruler_has_the_real_shape_and_evaluators(petclinic_sandbox, legacy_world) -> None:
    example = real("ruler_math")["body"]["Folder 1"]
    optional = frozenset(real("ruler_math")["optional"]["keys"])
    kinds = set()
    for sandbox in (petclinic_sandbox, legacy_world):
        body = served(sandbox, "GET", "/api/ruler/grafana/api/v1/rules").json()
        assert body and all(isinstance(groups, list) for groups in body.values())
        for groups in body.values():
            assert shape_gaps(example, groups, optional=optional) == []
            for node in (n for g in groups for n in g["rules"]):
                for query in node["grafana_alert"]["data"]:
                    model = query["model"]
                    kinds.add(model.get("type", "query"))
                    for condition in model.get("conditions") or ():
                        assert condition["evaluator"]["type"] in real("evaluator_types")["types"]
    assert kinds == {"query", "classic_conditions", "reduce", "threshold", "math"}


def test_sandbox_ds_query_has_the_real_shape_and_errors(petclinic_sandbox, legacy_world) -> None:
    dashboard = served(petclinic_sandbox, "GET", "/api/dashboards/uid/petclinic-overview").json()["dashboard"]
    now = int(time.time() * 1000)
    query = dict(dashboard["panels"][0]["targets"][0], maxDataPoints=100, intervalMs=1000)
    answer = served(petclinic_sandbox, "POST", "/api/ds/query",
                    json={"queries": [query], "from": str(now - 3_600_000), "to": str(now)})
    assert answer.status_code == 200
    assert shape_gaps(real("ds_query_frames")["body"], answer.json()) == []
    unknown = served(petclinic_sandbox, "POST", "/api/ds/query",
                     json={"queries": [dict(query, datasource={"uid": "gone"})], "from": "now-1h", "to": "now"})
    assert unknown.status_code == real("ds_query_error")["not_found"]["status"]
    assert shape_gaps(real("ds_query_error")["not_found"]["body"], unknown.json()) == []
    legacy = served(legacy_world, "GET", "/api/dashboards/uid/shop-legacy").json()["dashboard"]
    failing = next(p for p in legacy["panels"] if p.get("title") == "Payment declines")["targets"][0]
    error = served(legacy_world, "POST", "/api/ds/query", json={"queries": [
        dict(failing, datasource={"uid": "P1809F7CD0C75ACF3"})], "from": "now-1h", "to": "now"})
    assert error.status_code in (real("ds_query_error")["status"], 207)
    assert shape_gaps(real("ds_query_error")["body"], error.json()) == []


def test_sandbox_data_sources_and_legacy_dashboards_have_the_real_shape(legacy_world) -> None:
    example = real("datasources")
    for dropped in example["dropped_since"]:
        example["body"][0].pop(dropped)
    assert shape_gaps(example["body"], served(legacy_world, "GET", "/api/datasources").json()) == []
    dashboard = served(legacy_world, "GET", "/api/dashboards/uid/shop-legacy").json()["dashboard"]
    panels = {p["title"]: p for p in dashboard["panels"]}
    by_name, null = real("legacy_dashboard")["dashboard"]["panels"][:2]
    by_name["targets"][0].pop("datasource")  # before 8.3 a target names none unless its panel is mixed
    assert shape_gaps({k: v for k, v in by_name.items() if k != "type"}, panels["Checkout rate"]) == []
    assert panels["Cart errors"]["datasource"] is None and null["datasource"] is None
    assert dashboard["schemaVersion"] < 33 and isinstance(panels["EU basket latency"]["datasource"], str)


# --- (b) real examples through the facade and the renderers ----------------------------------------------------
class FixtureGrafana(GrafanaService):
    """The facade, answered from Grafana's examples instead of the network."""

    def __init__(self, answers: dict[str, tuple[int, Any]]) -> None:
        super().__init__(GrafanaSettings(url="https://grafana.example", token="glsa_x"), 5)
        self.answers = answers
        self.sent: list[tuple[str, Any]] = []

    async def _request(self, method: str, path: str, *, params: Any = None, body: Any = None,
                       timeout: float | None = None) -> tuple[int, str, bytes, dict[str, str]]:
        self.sent.append((path, body))
        status, payload = self.answers.get(path, (404, {"message": "Not found"}))
        return status, "application/json", json.dumps(payload).encode(), {}


def vary(document: Any, path: tuple, how: object) -> Any:
    """A copy with the field at `path` removed (ABSENT) or set to null."""
    varied = copy.deepcopy(document)
    parent = varied
    for step in path[:-1]:
        parent = parent[step]
    if how is ABSENT:
        parent.pop(path[-1], None)
    else:
        parent[path[-1]] = None
    return varied


def _rule_variations() -> list[tuple[str, tuple]]:
    optional = REAL["rules_api"]["optional"]
    where = {"data": ("data",), "group": ("data", "groups", 0), "rule": ("data", "groups", 0, "rules", 0),
             "alert": ("data", "groups", 0, "rules", 0, "alerts", 0)}
    return [(f"{level}.{name}", (*where[level], name)) for level, names in optional.items() if level in where
            for name in names]


def _answer_alerts(rules_body: dict, ruler_body: Any = None) -> tuple[list, FixtureGrafana]:
    client = FixtureGrafana({"/api/prometheus/grafana/api/v1/rules": (200, rules_body),
                             "/api/ruler/grafana/api/v1/rules": (200, ruler_body or {})})
    return asyncio.run(client.alert_rules(definitions=True)), client


def _render_rules(rules: list) -> str:
    pairs = [(r, i) for r in rules for i in r.instances if i.firing or i.pending]
    texts = [render.alerts_reply(pairs, [], "", "", "https://grafana.example/alerting/list", True).text]
    texts += [render.alert_rule_reply(r, r.instances, "", "https://grafana.example/alerting/list").text for r in rules]
    texts += [render.alert_rules_reply(rules, "https://grafana.example/alerting/list", "alert_rule").text]
    return "\n".join(texts)


@pytest.mark.parametrize("how", [ABSENT, None], ids=["absent", "null"])
@pytest.mark.parametrize(("field", "path"), _rule_variations(), ids=[f for f, _ in _rule_variations()])
def test_real_rules_with_a_field_missing_go_through(field: str, path: tuple, how: object) -> None:
    body = real("rules_api")["body"]
    body["data"]["groups"][0]["rules"][0]["alerts"].append(real("rules_api")["firing_alert"]["body"])
    rules, _client = _answer_alerts(vary(body, path, how))
    assert [r.name for r in rules] == ["AlwaysFiring"]
    text = _render_rules(rules)
    assert "AlwaysFiring" in text
    if field not in ("rule.alerts", "alert.value", "alert.labels"):
        assert "value 1.1" in text  # the firing alert's "1.1e+00" still reaches the answer


def test_real_alert_values_and_states() -> None:
    for text, number in real("alert_values")["examples"]:
        assert _instance_value(text, None) == number, text
    for state, rule_state in real("rule_states")["examples"]:
        instance = AlertInstance({}, state, None, None)
        assert instance.firing == (rule_state in ("firing", "recovering")), state
        assert instance.pending == (rule_state == "pending")
        assert render.instance_state(instance)


def test_real_rule_definitions_give_their_condition() -> None:
    threshold = rule_condition(real("ruler_threshold")["grafana_alert"])
    assert (threshold.kind, threshold.comparator, threshold.values, threshold.verdict, threshold.input_ref) == (
        "threshold", ">", (4.0,), True, "B")
    math = rule_condition(real("ruler_math")["body"]["Folder 1"][0]["rules"][0]["grafana_alert"])
    assert (math.kind, math.comparator, math.verdict) == ("math", "", True)  # "0 > 0" compares no query
    classic = rule_condition({"condition": "B", "data": [{"refId": "B", "model": real("classic_model")["model"]}]})
    assert (classic.kind, classic.comparator, classic.values, classic.verdict) == ("classic", ">", (2.0,), False)
    for kind in real("evaluator_types")["types"]:
        comparator, values = _evaluator({"type": kind, "params": [1, 2]})
        assert comparator and values, kind


def _threshold_rules_body(value: str) -> dict:
    body = real("rules_api")["body"]
    rule = body["data"]["groups"][0]["rules"][0]
    rule.update(uid="rule-threshold", state="firing")
    rule["alerts"] = [dict(real("rules_api")["firing_alert"]["body"], value=value)]
    return body


def _ruler_with_threshold() -> dict:
    ruler = real("ruler_math")["body"]
    ruler["Folder 1"][0]["rules"].append({"expr": "", "grafana_alert": real("ruler_threshold")["grafana_alert"]})
    return ruler


def test_a_threshold_rules_verdict_is_not_its_value() -> None:
    (rule,), _client = _answer_alerts(_threshold_rules_body("1e+00"), _ruler_with_threshold())
    assert (rule.threshold, rule.comparator, rule.condition, rule.instances[0].value) == (4.0, ">", "threshold", None)
    assert "threshold > 4" in _render_rules([rule]) and "value 1" not in _render_rules([rule])


def _ruler_paths() -> list[tuple]:
    alert = ("Folder 1", 0, "rules", 1, "grafana_alert")
    paths = [("Folder 1", 0, "rules"), ("Folder 1", 0, "rules", 1, "grafana_alert"), (*alert, "condition"),
             (*alert, "data"), (*alert, "uid")]
    for index, query in enumerate(REAL["ruler_threshold"]["grafana_alert"]["data"]):
        paths += [(*alert, "data", index, key) for key in query]
        paths += [(*alert, "data", index, "model", key) for key in query["model"]]
    condition = (*alert, "data", 2, "model", "conditions", 0)
    return [*paths, (*condition, "evaluator"), (*condition, "evaluator", "params"), (*condition, "evaluator", "type")]


@pytest.mark.parametrize("how", [ABSENT, None], ids=["absent", "null"])
@pytest.mark.parametrize("path", _ruler_paths(), ids=["/".join(map(str, p[4:] or p)) for p in _ruler_paths()])
def test_real_rule_definitions_with_a_field_missing_never_break_the_alerts(path: tuple, how: object) -> None:
    (rule,), _client = _answer_alerts(_threshold_rules_body("1e+00"), vary(_ruler_with_threshold(), path, how))
    assert rule.name == "AlwaysFiring" and rule.instances[0].firing
    assert rule.threshold in (4.0, None)  # the threshold, or none when its definition lost it: never a wrong one
    assert "AlwaysFiring" in _render_rules([rule])


def _panel(datasource: Any = None, targets: tuple = ({"refId": "A", "expr": "up"},)) -> Panel:
    board = Dashboard("x", "Board", "https://grafana.example/d/x/board")
    return Panel(board, 1, "Goroutines", "timeseries", "short", None, datasource, targets)


def _window() -> TimeRange:
    end = clock.now()
    return TimeRange(end - (end - end.replace(hour=0, minute=0)), end, "today", ends_now=True)


def _query(answers: dict, panel: Panel | None = None) -> tuple[Any, FixtureGrafana]:
    client = FixtureGrafana(answers)
    return asyncio.run(client.query(panel or _panel({"type": "prometheus", "uid": "p"}), 0, 1)), client


def _frame_variations() -> list[tuple]:
    frame = ("results", "A", "frames", 0)
    return [("results", "A", "status"), ("results", "A", "frames"), (*frame, "data"), (*frame, "schema", "meta"),
            (*frame, "schema", "fields", 1, "labels"), (*frame, "schema", "fields", 1, "config"),
            (*frame, "schema", "fields", 0, "config"), (*frame, "schema", "fields", 1, "typeInfo"),
            (*frame, "data", "values", 1, 1)]


@pytest.mark.parametrize("how", [ABSENT, None], ids=["absent", "null"])
@pytest.mark.parametrize("path", _frame_variations(), ids=["/".join(map(str, p[2:])) for p in _frame_variations()])
def test_real_frames_with_a_field_missing_go_through(path: tuple, how: object) -> None:
    body = real("ds_query_frames")["body"]
    if path[-1] == 1 and how is ABSENT:
        how = None  # a value of a column can only be null, not absent
    series, _client = _query({"/api/ds/query": (200, vary(body, path, how))})
    if series:
        assert series[-1].last == (1641889537.0, 43.0)
    for reply in (render.metric_now_reply(_panel(), series, 10), render.metric_range_reply(_panel(), series, _window()),
                  render.graph_reply(_panel(), series, _window(), None, "no renderer")):
        assert "Goroutines" in reply.text


def test_a_real_frame_gives_the_series() -> None:
    (series,), _client = _query({"/api/ds/query": (200, real("ds_query_frames")["body"])})
    assert series.name == 'go_goroutines{job="prometheus"}' and series.values == (21.0, 32.0, 43.0)
    assert series.labels == {"__name__": "go_goroutines", "job": "prometheus"}


@pytest.mark.parametrize("status", [400, 207])
@pytest.mark.parametrize("drop", ["", "status", "errorSource"])
def test_a_real_query_error_is_grafanas_reason(status: int, drop: str) -> None:
    body = real("ds_query_error")["body"]
    body["results"]["A"].pop(drop, None)
    with pytest.raises(QueryFailed) as caught:
        _query({"/api/ds/query": (status, body)})
    assert caught.value.reasons == ('query A: bad_data: invalid parameter "query": 1:8: parse error: unclosed left '
                                    "parenthesis",)
    frames = real("ds_query_frames")["body"]["results"]["A"]
    body["results"]["B"] = frames
    series, _client = _query({"/api/ds/query": (status, body)})
    assert series[0].values == (21.0, 32.0, 43.0) and series.problems == caught.value.reasons
    text = render.metric_now_reply(_panel(), series, 10).text
    assert "(Grafana couldn't run query A: bad_data: invalid parameter" in text


def test_a_real_unknown_data_source_is_named() -> None:
    not_found = real("ds_query_error")["not_found"]
    with pytest.raises(QueryFailed) as caught:
        _query({"/api/ds/query": (not_found["status"], not_found["body"])})
    assert caught.value.reasons == ("Data source not found (p)",)


def _legacy_answers(datasources: Any = None) -> dict:
    example = real("legacy_dashboard")
    return {"/api/search": (200, [{"uid": "v33", "title": "New dashboard", "url": "/d/v33/new", "type": "dash-db"}]),
            "/api/dashboards/uid/v33": (200, {"dashboard": example["dashboard"], "meta": {}}),
            "/api/datasources": (200, example["datasources"] if datasources is None else datasources),
            "/api/ds/query": (200, real("ds_query_frames")["body"])}


def _sent_uids(client: FixtureGrafana) -> list[list[str]]:
    return [[q["datasource"]["uid"] for q in body["queries"]] for path, body in client.sent if path == "/api/ds/query"]


def test_a_real_legacy_dashboard_queries_by_uid() -> None:
    client = FixtureGrafana(_legacy_answers())

    async def run() -> list:
        panels = await client.panels()
        return [await client.query(panel, 0, 1) for panel in panels]

    results = asyncio.run(run())
    assert all(r[0].values == (21.0, 32.0, 43.0) for r in results)
    assert _sent_uids(client) == [
        ["non-default-test-ds-uid", "non-default-test-ds-uid"],  # panel 7: a uid and a name
        ["non-default-test-ds-uid"],  # panel 15 (null): its target's
        ["non-default-test-ds-uid", "default-ds-uid", "non-default-test-ds-uid"],  # panel 19: null, a name, none
    ]
    assert [path for path, _ in client.sent].count("/api/datasources") == 1
    reply = render.dashboard_reply(asyncio.run(client.dashboards())[0], asyncio.run(client.panels()))
    assert "V33: Panel with Null Datasource" in reply.text


@pytest.mark.parametrize("how", [ABSENT, None], ids=["absent", "null"])
@pytest.mark.parametrize("field", REAL["datasources"]["optional"] + ["name", "type"])
def test_real_data_sources_with_a_field_missing_go_through(field: str, how: object) -> None:
    listed = real("legacy_dashboard")["datasources"] + real("datasources")["body"]
    varied = [vary(item, (field,), how) for item in listed]
    client = FixtureGrafana(_legacy_answers(varied))

    async def run() -> list:
        found = []
        for panel in await client.panels():
            try:
                found.append(await client.query(panel, 0, 1))
            except QueryFailed as failed:  # a data source it can no longer find is said as such
                found.append(failed)
        return found

    results = asyncio.run(run())
    assert len(results) == 3 and any(isinstance(result, list) for result in results)  # the others still answer
    for result in results:
        if isinstance(result, QueryFailed):
            assert "data source" in result.reasons[0]
    sources = asyncio.run(client.datasources())
    assert [s.uid for s in sources][:2] == ["default-ds-uid", "non-default-test-ds-uid"]


def test_a_list_that_is_not_grafanas_is_a_bad_response() -> None:
    client = FixtureGrafana(_legacy_answers([{"name": "no uid"}]))
    with pytest.raises(BackendError) as caught:
        asyncio.run(client.datasources())
    assert "unexpected data source list" in str(caught.value)
