"""Grafana's real variants (issue #18), each on the legacy Grafana (sandbox/worlds/grafana-legacy.yaml: 12, upgraded
from 8.2) and on a modern one (Pet Clinic's Grafana 11, or a small Grafana 12 world of its own here):
thresholds read from the rule definitions, data sources named by name / null / `$ds`, a failing query's reason,
and the Recovering state."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from actions.grafana import ActionGrafanaAlerts, ActionGrafanaGraph, ActionGrafanaMetricValue
from backends.faults import Fault
from backends.grafana.service import GrafanaService, QueryFailed
from backends.grafana.settings import GrafanaSettings
from common import settings as settings_module
from sandbox.server import RunningSandbox
from sandbox.services import sandbox_for
from sandbox.world import load_world
from tests.support import make_tracker, run_action, texts
from tests.support.grafana import grafana_stats, reset_stats, set_fault
from tests.support.sandbox import TEST_CREDENTIALS

LEGACY_PROMETHEUS, LEGACY_EU = "P1809F7CD0C75ACF3", "prom-eu-7f3a"


def ask(action, text: str, intent: str) -> tuple[str, list[dict]]:
    messages, _ = run_action(action, make_tracker(text, intent))
    return texts(messages), messages


def client_for(sandbox: RunningSandbox) -> GrafanaService:
    return GrafanaService(GrafanaSettings(url=sandbox.url("grafana"), token=TEST_CREDENTIALS["GRAFANA_TOKEN"]), 5)


def panel_named(client: GrafanaService, title: str):
    return next(p for p in asyncio.run(client.panels()) if p.title == title)


def now_query(client: GrafanaService, title: str):
    """The panel's last ten minutes (its series end at the panel's `current` value now)."""
    async def run():
        panel = next(p for p in await client.panels() if p.title == title)
        now_ms = int(time.time() * 1000)
        return await client.query(panel, now_ms - 600_000, now_ms)
    return asyncio.run(run())


# --- a modern Grafana 12 of its own: uid references, a failing query answered 400, a Recovering alert ----------
MODERN = """
name: modern-12
grafana:
  version: "12.0.2"
  dashboards:
    - uid: api
      title: API
      panels:
        - {id: 1, title: Request rate, unit: reqps, current: 40, series: "sine(30, 50)"}
        - {id: 2, title: Error budget burn, unit: short, current: 2, series: "sine(1, 3)",
           error: "execution: found duplicate series for the match group on the left hand-side"}
  alert_rules:
    - {uid: api-rate, title: API request rate dropped, state: recovering, severity: critical, since: 40m,
       value: 40, threshold: 35, evaluator: lt, dashboard: api, panel: 1, labels: {service: api}}
    - {uid: api-burn, title: API error budget burning, state: firing, severity: warning, since: 5m,
       condition: threshold, value: 2, threshold: 1, dashboard: api, panel: 2, labels: {service: api}}
"""


@pytest.fixture(scope="module")
def modern_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    path = Path(tmp_path_factory.mktemp("world")) / "modern.yaml"
    path.write_text(MODERN)
    sandbox = sandbox_for(load_world(path), TEST_CREDENTIALS, ports={"jenkins": 0, "github": 0, "grafana": 0})
    running = sandbox.start_in_thread()
    yield running
    running.stop_thread()


@pytest.fixture()
def modern(modern_sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    monkeypatch.setenv("GRAFANA_URL", modern_sandbox.url("grafana"))
    monkeypatch.setenv("GRAFANA_TOKEN", TEST_CREDENTIALS["GRAFANA_TOKEN"])
    settings_module.reset()
    reset_stats(modern_sandbox)
    yield modern_sandbox
    settings_module.reset()


# --- item 3: the threshold is in the rule's definition --------------------------------------------------------
def test_modern_classic_conditions_give_the_threshold_and_the_metric(petclinic) -> None:
    rules = {r.uid: r for r in asyncio.run(client_for(petclinic).alert_rules(definitions=True))}
    disk = rules["agent-disk"]
    assert (disk.condition, disk.comparator, disk.threshold, disk.instances[0].value) == ("classic", ">", 90, 93)
    assert rules["staging-db-connections"].threshold is None  # no threshold anywhere: none is made up


def test_legacy_threshold_math_and_range_conditions(legacy) -> None:
    rules = {r.uid: r for r in asyncio.run(client_for(legacy).alert_rules(definitions=True))}
    cart, basket, rate = rules["cart-errors"], rules["basket-latency"], rules["checkout-rate"]
    assert (cart.condition, cart.comparator, cart.threshold) == ("threshold", ">", 1.5)
    assert cart.instances[0].value is None  # Grafana's "1e+00" is the threshold's verdict, not the metric
    assert (basket.condition, basket.comparator, basket.threshold) == ("math", ">", 0.5)
    assert (rate.comparator, rate.threshold, rate.threshold_high) == ("outside_range", 10, 40)
    assert (rules["stock-sync-lag"].condition, rules["stock-sync-lag"].instances[0].value) == ("classic", 42)


def test_legacy_alert_answers_show_each_threshold(legacy) -> None:
    answer, _ = ask(ActionGrafanaAlerts(), "what's firing, including pending?", "grafana_alerts")
    lines = {line.split(" · ")[0]: line for line in answer.splitlines()[1:]}
    assert "· threshold > 1.5 ·" in lines["[critical] Cart error rate high"]
    assert "value 1 " not in answer and "value 0 " not in answer  # a verdict is never shown as the value
    assert "· value 42 (threshold > 30) ·" in lines["[warning] Stock sync lagging"]
    assert "· threshold > 0.5 ·" in lines["[warning] EU basket latency"]
    assert "· threshold outside 10 to 40 ·" in lines["[critical] Checkout rate out of range"]


def test_a_threshold_rule_without_a_value_reads_its_panel(legacy) -> None:
    answer, _ = ask(ActionGrafanaAlerts(), "is the cart error alert ok?", "grafana_alerts")
    assert answer.startswith("[critical] Cart error rate high · firing since ")
    assert "· Cart errors (Shop (legacy)) is 1.9 % now (threshold > 1.5) ·" in answer


def test_without_the_rule_definitions_the_alerts_are_still_answered(petclinic) -> None:
    set_fault(petclinic, status=403, paths="/api/ruler")  # a token without alert.rules:read, an old Grafana
    answer, _ = ask(ActionGrafanaAlerts(), "what's firing?", "grafana_alerts")
    assert answer.startswith("2 alerts firing in Grafana:") and "value 93 ·" in answer
    assert "threshold" not in answer
    ask(ActionGrafanaAlerts(), "what's firing?", "grafana_alerts")
    assert grafana_stats(petclinic)["/api/ruler/grafana/api/v1/rules"] == 1  # not asked again for a minute


# --- item 4: data sources by name, null and $ds ----------------------------------------------------------------
@pytest.mark.parametrize(("title", "uid", "value"), [
    ("Checkout rate", LEGACY_PROMETHEUS, 12.5),  # by name
    ("Cart errors", LEGACY_PROMETHEUS, 1.9),  # null: the default data source
    ("EU basket latency", LEGACY_EU, 0.64),  # "$ds", whose saved value is the name "Prometheus EU"
    ("Stock sync lag", LEGACY_EU, 42),  # by the other name
])
def test_legacy_panels_query_the_data_source_they_name(legacy, title: str, uid: str, value: float) -> None:
    client = client_for(legacy)
    panel = panel_named(client, title)
    assert asyncio.run(client._reference(panel.datasource, []))["uid"] == uid
    answer, _ = ask(ActionGrafanaMetricValue(), f"{title} right now", "grafana_metric_value")
    assert answer.startswith(f"{title} (Shop (legacy)) is ") and "couldn't" not in answer
    series = now_query(client, title)  # the sandbox answers only the data source that has the series
    assert series[0].last[1] == value


def test_the_data_source_list_is_read_once_and_only_for_legacy_panels(legacy) -> None:
    for question in ("checkout rate now", "cart errors now", "stock sync lag now"):
        ask(ActionGrafanaMetricValue(), question, "grafana_metric_value")
    assert grafana_stats(legacy)["/api/datasources"] == 1
    ask(ActionGrafanaMetricValue(), "checkout p95 now", "grafana_metric_value")  # a uid reference: no lookup
    assert grafana_stats(legacy)["/api/datasources"] == 1


def test_modern_uid_references_need_no_data_source_list(petclinic) -> None:
    answer, _ = ask(ActionGrafanaGraph(), "graph the p95 latency", "grafana_graph")
    assert answer.startswith("p95 latency (Pet Clinic Overview)")
    assert "/api/datasources" not in grafana_stats(petclinic)


def test_a_viewer_token_finds_the_data_sources_in_the_frontend_settings(legacy) -> None:
    set_fault(legacy, status=403, paths="/api/datasources")  # older Grafanas: listing is for admins
    answer, _ = ask(ActionGrafanaMetricValue(), "EU basket latency now", "grafana_metric_value")
    assert answer.startswith("EU basket latency (Shop (legacy)) is 640 ms right now.")
    assert grafana_stats(legacy)["/api/frontend/settings"] == 1


def test_a_data_source_that_is_gone_is_named(legacy) -> None:
    by_name, _ = ask(ActionGrafanaMetricValue(), "warehouse queue now", "grafana_metric_value")
    assert by_name.startswith('Grafana couldn\'t run the query of Warehouse queue (Shop (legacy)): the panel names '
                              'the data source "Graphite", which this Grafana doesn\'t have (it has Prometheus, '
                              "Prometheus EU).")
    by_uid, _ = ask(ActionGrafanaMetricValue(), "fraud score now", "grafana_metric_value")
    assert by_uid.startswith("Grafana couldn't run the query of Fraud score (Shop checkout): Data source not found "
                             "(graphite).")  # Grafana's 404


# --- item 5: a failing query says Grafana's reason ----------------------------------------------------------------
def test_legacy_failing_query_207_says_why(legacy) -> None:
    for action, question, intent in ((ActionGrafanaMetricValue(), "payment declines now", "grafana_metric_value"),
                                     (ActionGrafanaGraph(), "graph the payment declines", "grafana_graph")):
        answer, _ = ask(action, question, intent)
        assert answer.startswith("Grafana couldn't run the query of Payment declines (Shop (legacy)): query A: "
                                 'bad_data: invalid parameter "query": 1:38: parse error: unclosed left parenthesis.')
        assert "couldn't read" not in answer and "viewPanel=4" in answer


def test_modern_failing_query_400_says_why(modern) -> None:
    with pytest.raises(QueryFailed) as caught:
        now_query(client_for(modern), "Error budget burn")
    assert caught.value.fault is Fault.REFUSED
    assert caught.value.reasons == ("query A: execution: found duplicate series for the match group on the left "
                                    "hand-side",)
    answer, _ = ask(ActionGrafanaMetricValue(), "error budget burn now", "grafana_metric_value")
    assert answer.startswith("Grafana couldn't run the query of Error budget burn (API): query A: execution: found "
                             "duplicate series")


def test_an_alert_whose_panel_query_fails_still_answers_the_alert(modern) -> None:
    answer, _ = ask(ActionGrafanaAlerts(), "is the error budget alert ok?", "grafana_alerts")
    assert answer.startswith("[warning] API error budget burning · firing since ")
    assert "threshold > 1" in answer and "couldn't" not in answer


@pytest.mark.parametrize("fault", [{"status": 503}, {"status": 429}, {"status": 500, "malformed": True}])
def test_a_failing_panel_or_ruler_never_costs_the_alert_answer(modern, fault: dict) -> None:
    """The panel's reading and the thresholds are extra: the data query or the ruler failing says the rest."""
    set_fault(modern, paths="/api/ds/query", **fault)
    try:
        answer, _ = ask(ActionGrafanaAlerts(), "is the error budget alert ok?", "grafana_alerts")
    finally:
        set_fault(modern)
    assert answer.startswith("[warning] API error budget burning · firing since "), answer
    set_fault(modern, paths="/api/ruler", **fault)
    try:
        answer, _ = ask(ActionGrafanaAlerts(), "what's firing?", "grafana_alerts")
    finally:
        set_fault(modern)
    assert "API error budget burning" in answer and "Sorry" not in answer


def test_grafanas_reasons_never_show_where_a_data_source_lives() -> None:
    failed = QueryFailed(['Post "http://prometheus.internal:9090/api/v1/query_range": dial tcp 10.0.3.7:9090: '
                          "connect: connection refused", "parse error at char 12: unexpected identifier"])
    shown = " ".join(failed.reasons)
    assert "prometheus.internal" not in shown and "10.0.3.7" not in shown and "9090" not in shown
    assert "connection refused" in shown and "parse error at char 12" in shown


# --- item 6: Recovering counts as firing, and says so -----------------------------------------------------------
def test_legacy_recovering_alert_is_counted_and_named(legacy) -> None:
    answer, _ = ask(ActionGrafanaAlerts(), "what's firing?", "grafana_alerts")
    assert answer.startswith("3 alerts firing in Grafana:")
    line = next(line for line in answer.splitlines() if "Checkout rate out of range" in line)
    assert line.startswith("[critical] Checkout rate out of range · recovering (still firing) since ")
    rules = {r.uid: r for r in asyncio.run(client_for(legacy).alert_rules(definitions=True))}
    assert rules["checkout-rate"].state == "recovering" and rules["checkout-rate"].instances[0].firing


def test_modern_recovering_alert_one_rule_answer(modern) -> None:
    answer, _ = ask(ActionGrafanaAlerts(), "is the api request rate alert ok?", "grafana_alerts")
    assert answer.startswith("[critical] API request rate dropped · recovering (still firing) since ")
    assert "Request rate (API) is 40 req/s now (threshold < 35)" in answer  # classic: no value while recovering
    listed, _ = ask(ActionGrafanaAlerts(), "any alerts?", "grafana_alerts")
    assert listed.startswith("2 alerts firing in Grafana:")
