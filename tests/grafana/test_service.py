"""The Grafana facade on its own: typed results from the real JSON shapes, URLs, caching, one session."""

from __future__ import annotations

import asyncio
import time

import pytest

from backends.faults import BackendError, Fault
from backends.grafana import service
from backends.grafana.service import GrafanaService, png_size
from backends.grafana.settings import GrafanaSettings
from tests.support.grafana import grafana_stats
from tests.support.sandbox import TEST_CREDENTIALS


def client_for(sandbox) -> GrafanaService:
    return GrafanaService(GrafanaSettings(url=sandbox.url("grafana"), token=TEST_CREDENTIALS["GRAFANA_TOKEN"]), 5)


def test_panels_are_typed_with_units_and_links(petclinic) -> None:
    panels = asyncio.run(client_for(petclinic).panels())
    by_key = {p.key: p for p in panels}
    latency = by_key["petclinic-overview:3"]
    assert (latency.title, latency.unit, latency.dashboard.title) == ("p95 latency", "s", "Pet Clinic Overview")
    assert latency.url == petclinic.url("grafana") + "/d/petclinic-overview/pet-clinic-overview?viewPanel=3"
    assert by_key["infra-nodes:2"].dashboard.tags == ("infrastructure", "jenkins")
    assert len(panels) == 8


def test_query_gives_series_with_the_last_value(petclinic) -> None:
    client = client_for(petclinic)

    async def run():
        panel = next(p for p in await client.panels() if p.title == "Disk used")
        now = int(time.time() * 1000)
        return await client.query(panel, now - 3_600_000, now)

    [series] = asyncio.run(run())
    assert series.last[1] == 93 and len(series.samples) > 10
    assert series.times == tuple(sorted(series.times))


def test_alert_rules_carry_threshold_value_and_panel_link(petclinic) -> None:
    rules = {r.uid: r for r in asyncio.run(client_for(petclinic).alert_rules(definitions=True))}
    disk = rules["agent-disk"]
    assert (disk.state, disk.severity, disk.threshold, disk.comparator) == ("firing", "critical", 90.0, ">")
    assert disk.instances[0].firing and disk.instances[0].value == 93
    assert disk.url.endswith("/d/infra-nodes?viewPanel=2")
    assert rules["staging-db-connections"].url.endswith("/alerting/grafana/staging-db-connections/view")
    assert rules["petclinic-errors"].instances[0].value is None


def test_name_lists_are_cached_and_values_are_not(petclinic) -> None:
    client = client_for(petclinic)

    async def twice():
        for _ in range(2):
            await client.panels()
            await client.alert_rules(definitions=True)

    asyncio.run(twice())
    stats = grafana_stats(petclinic)
    assert stats["/api/search"] == 1 and stats["/api/dashboards/uid/jenkins-ci"] == 1
    assert stats["/api/prometheus/grafana/api/v1/rules"] == 2
    assert stats["/api/ruler/grafana/api/v1/rules"] == 1  # the definitions are a name list


def test_alert_rules_without_definitions_ask_one_request(petclinic) -> None:
    rules = asyncio.run(client_for(petclinic).alert_rules())  # labels only (a subscription's filter)
    assert {r.uid for r in rules} >= {"agent-disk"} and all(r.threshold is None for r in rules)
    assert grafana_stats(petclinic) == {"/api/prometheus/grafana/api/v1/rules": 1}


def test_one_pooled_session_per_event_loop() -> None:
    async def session_pair():
        return service._pool.session(), service._pool.session()

    first, again = asyncio.run(session_pair())
    assert first is again
    second, _ = asyncio.run(session_pair())
    assert second is not first and first.closed  # the old loop's session was let go


def test_json_of_the_wrong_shape_is_a_bad_response() -> None:
    with pytest.raises(BackendError) as caught:
        service.query_series({"results": {"A": {"frames": [{"schema": None}]}}}, "x")
    assert caught.value.fault is Fault.BAD_RESPONSE and "unexpected query result" in str(caught.value)
    with pytest.raises(BackendError, match="query A: bad expr"):
        service.query_series({"results": {"A": {"status": 400, "error": "bad expr"}}}, "x")


def test_urls_under_a_sub_path() -> None:
    client = GrafanaService(GrafanaSettings(url="https://ops.example.com/grafana/", token="t"), 5)
    assert client.absolute("/grafana/d/abc/x") == "https://ops.example.com/grafana/d/abc/x"
    assert client.absolute("/d/abc/x") == "https://ops.example.com/grafana/d/abc/x"
    assert client.absolute("https://elsewhere/d/y") == "https://elsewhere/d/y"


def test_png_size_reads_the_header() -> None:
    header = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (1000).to_bytes(4, "big") + (540).to_bytes(4, "big")
    assert png_size(header + b"rest") == (1000, 540)
    assert png_size(b"<html>no renderer</html>" * 2) is None


def test_dashboard_variables_are_filled_in() -> None:
    variables = service._variables({"templating": {"list": [
        {"name": "ds", "current": {"value": "prom-eu"}}, {"name": "host", "current": {"value": ["a", "b"]}}]}})
    target = service._interpolate({"datasource": {"uid": "${ds}"}, "expr": 'up{host=~"$host"}'}, variables)
    assert target == {"datasource": {"uid": "prom-eu"}, "expr": 'up{host=~"a|b"}'}


def test_frames_with_several_series() -> None:
    frame = {"schema": {"fields": [
        {"name": "Time", "type": "time"},
        {"name": "Value", "type": "number", "labels": {"__name__": "up", "instance": "a"}},
        {"name": "Value", "type": "number", "labels": {"instance": "b"}, "config": {"displayNameFromDS": "host b"}},
    ]}, "data": {"values": [[1000, 2000], [1, None], [0, 1]]}}
    first, second = service._frame_series(frame, "Up")
    assert (first.name, first.last) == ("instance=a", (1.0, 1.0))
    assert (second.name, second.last) == ("host b", (2.0, 1.0))


def test_template_variables_offer_their_values_but_never_all() -> None:
    """Grafana's saved `templating.list`: a query variable keeps only its current value (its options are
    fetched in the browser), a custom one its options and its "text : value" query; "All" is no environment."""
    model = {"templating": {"list": [
        {"name": "env", "type": "query", "label": "Environment", "options": [],
         "current": {"text": "production", "value": "production"}},
        {"name": "stage", "type": "custom", "query": "Live : prod,Staging : stg,qa", "includeAll": True,
         "current": {"text": "All", "value": "$__all"},
         "options": [{"text": "All", "value": "$__all"}, {"text": "Live", "value": "prod"}]},
        {"name": "region", "type": "custom", "query": "eu,us", "current": {"value": ["eu", "us"]}},
        {"name": "token", "type": "constant", "query": "secret"},
    ]}}
    variables = {v.name: v for v in service._template_variables("shop", model)}
    assert variables["env"].values == ("production",) and variables["env"].label == "Environment"
    assert variables["stage"].values == ("prod", "stg", "qa")
    assert variables["region"].values == ("eu", "us") and "token" not in variables


def test_an_alert_rule_that_cannot_be_evaluated_says_so() -> None:
    rule = GrafanaService(GrafanaSettings(url="https://g.example"), 5)._alert_rule(
        {"name": "Queue", "uid": "q", "state": "inactive", "health": "error", "lastError": "datasource not found",
         "alerts": [{"labels": {}, "state": "Normal (Error)", "activeAt": "0001-01-01T00:00:00Z", "value": ""}]},
        "Shop")
    assert (rule.health, rule.last_error) == ("error", "datasource not found")
    assert rule.instances[0].active_at is None and rule.url == "https://g.example/alerting/grafana/q/view"
