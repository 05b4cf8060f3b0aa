"""The fake Grafana answers the real Grafana 11 paths with the real JSON shapes, from the world file."""

from __future__ import annotations

import time

import pytest
import requests

from sandbox.grafana.world import go_float
from tests.support.grafana import auth, decode_png, green_columns

HOUR_MS = 3_600_000


def get(sandbox, path: str, **params):
    answer = requests.get(sandbox.url("grafana") + path, headers=auth(), params=params, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer


def test_health_needs_no_token_but_the_api_does(petclinic) -> None:
    url = petclinic.url("grafana")
    assert requests.get(url + "/api/health", timeout=5).json()["version"] == "11.3.0"
    wrong = requests.get(url + "/api/search", headers={"Authorization": "Bearer nope"}, timeout=5)
    assert wrong.status_code == 401 and wrong.json()["message"] == "Invalid API key"


def test_search_lists_folders_and_dashboards_and_filters(petclinic) -> None:
    everything = get(petclinic, "/api/search").json()
    assert {h["type"] for h in everything} == {"dash-folder", "dash-db"}
    boards = get(petclinic, "/api/search", type="dash-db").json()
    assert [b["title"] for b in boards] == ["Build agents", "Jenkins CI", "Pet Clinic Overview"]
    overview = next(b for b in boards if b["uid"] == "petclinic-overview")
    assert overview["url"] == "/d/petclinic-overview/pet-clinic-overview"
    assert overview["folderTitle"] == "Pet Clinic" and overview["tags"] == ["petclinic", "production"]
    tagged = get(petclinic, "/api/search", tag="jenkins", type="dash-db").json()
    assert {b["uid"] for b in tagged} == {"jenkins-ci", "infra-nodes"}
    assert [b["uid"] for b in get(petclinic, "/api/search", query="clinic", type="dash-db").json()] == [
        "petclinic-overview"]
    folder_uid = overview["folderUid"]
    assert [b["uid"] for b in get(petclinic, "/api/search", folderUIDs=folder_uid, type="dash-db").json()] == [
        "petclinic-overview"]
    assert {f["title"] for f in get(petclinic, "/api/folders").json()} == {"Pet Clinic", "CI", "Infrastructure"}


def test_dashboard_json_has_panels_with_targets_and_units(petclinic) -> None:
    body = get(petclinic, "/api/dashboards/uid/petclinic-overview").json()
    assert body["meta"]["url"] == "/d/petclinic-overview/pet-clinic-overview"
    panels = {p["title"]: p for p in body["dashboard"]["panels"]}
    latency = panels["p95 latency"]
    assert latency["id"] == 3 and latency["type"] == "timeseries"
    assert latency["fieldConfig"]["defaults"]["unit"] == "s"
    assert latency["targets"][0]["refId"] == "A" and latency["targets"][0]["expr"]
    assert latency["datasource"]["uid"] == latency["targets"][0]["datasource"]["uid"]
    assert panels["Request rate"]["fieldConfig"]["defaults"]["unit"] == "reqps"  # Grafana's id for req/s
    missing = requests.get(petclinic.url("grafana") + "/api/dashboards/uid/nope", headers=auth(), timeout=5)
    assert missing.status_code == 404


def _query(sandbox, target: dict, start_ms: int, end_ms: int, points: int = 100) -> dict:
    body = {"queries": [dict(target, maxDataPoints=points, intervalMs=1000)], "from": str(start_ms), "to": str(end_ms)}
    answer = requests.post(sandbox.url("grafana") + "/api/ds/query", json=body, headers=auth(), timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]["A"]


def test_ds_query_returns_a_data_frame_ending_at_the_current_value(petclinic) -> None:
    panel = next(p for p in get(petclinic, "/api/dashboards/uid/petclinic-overview").json()["dashboard"]["panels"]
                 if p["title"] == "Error rate")
    now = int(time.time() * 1000)
    result = _query(petclinic, panel["targets"][0], now - 6 * HOUR_MS, now)
    frame = result["frames"][0]
    assert [f["type"] for f in frame["schema"]["fields"]] == ["time", "number"]
    times, values = frame["data"]["values"]
    assert len(times) == len(values) > 50
    assert times == sorted(times) and times[0] >= now - 6 * HOUR_MS and times[-1] <= now
    assert values[-1] == 0.7  # the world's `current`
    assert min(values) >= 0.1 and max(values) <= 1.0  # sine(0.2, 0.9) with a little noise


def test_ds_query_accepts_grafana_relative_times_and_knows_no_data(petclinic) -> None:
    panel = get(petclinic, "/api/dashboards/uid/jenkins-ci").json()["dashboard"]["panels"][1]
    result = _query(petclinic, panel["targets"][0], "now-1h", "now")  # type: ignore[arg-type]
    assert result["frames"][0]["data"]["values"][1][-1] == 1  # Build queue length, current 1
    unknown = _query(petclinic, dict(panel["targets"][0], expr="no_such_metric"), "now-1h", "now")  # type: ignore[arg-type]
    assert unknown["frames"][0]["schema"]["fields"] == []
    old = _query(petclinic, panel["targets"][0], "now-90d", "now-60d")  # type: ignore[arg-type]
    assert old["frames"][0]["data"]["values"] == []  # beyond Prometheus retention


def test_render_draws_a_real_png_of_the_requested_range(petclinic) -> None:
    now = int(time.time() * 1000)
    start = now - 6 * HOUR_MS
    answer = get(petclinic, "/render/d-solo/petclinic-overview/pet-clinic-overview", panelId=3, width=1000,
                 height=540, tz="Europe/Berlin", **{"from": start, "to": now})
    assert answer.headers["Content-Type"] == "image/png"
    image = decode_png(answer.content)
    assert image.size == (1000, 540)
    assert f"from={start} to={now}" in image.info["Description"]
    assert "tz=Europe/Berlin" in image.info["Description"] and image.info["Title"] == "p95 latency"
    drawn = green_columns(image)
    assert drawn and min(drawn) < 150 and max(drawn) > 900  # the line spans the whole range


def test_render_without_the_renderer_plugin(petclinic, no_renderer) -> None:
    placeholder = get(petclinic, "/render/d-solo/petclinic-overview/x", panelId=3, width=1000, height=540)
    assert decode_png(placeholder.content).size != (1000, 540)  # Grafana's fixed "not installed" image
    requests.post(no_renderer + "/_sandbox/renderer", json={"available": False, "mode": "error"}, timeout=5)
    failed = requests.get(no_renderer + "/render/d-solo/petclinic-overview/x", params={"panelId": 3}, headers=auth(),
                          timeout=5)
    assert failed.status_code == 500


def test_prometheus_rules_have_states_alerts_and_values(petclinic) -> None:
    body = get(petclinic, "/api/prometheus/grafana/api/v1/rules").json()
    assert body["status"] == "success"
    rules = {r["uid"]: r for g in body["data"]["groups"] for r in g["rules"]}
    assert {uid: r["state"] for uid, r in rules.items()} == {
        "petclinic-latency": "firing", "agent-disk": "firing", "petclinic-errors": "inactive",
        "staging-db-connections": "pending"}
    latency = rules["petclinic-latency"]
    assert latency["labels"]["severity"] == "warning" and latency["type"] == "alerting"
    assert latency["query"] == "petclinic_overview:p95_latency"  # the data query only: no threshold in it
    assert latency["annotations"]["__dashboardUid__"] == "petclinic-overview"
    assert latency["annotations"]["__panelId__"] == "3"
    alert = latency["alerts"][0]
    assert alert["state"] == "Alerting" and alert["value"] == "1.82e+00"
    assert alert["labels"]["alertname"] == latency["name"] and alert["activeAt"].endswith("Z")
    assert rules["petclinic-errors"]["alerts"][0]["state"] == "Normal"
    assert body["data"]["totals"] == {"firing": 2, "inactive": 1, "pending": 1}


def test_alertmanager_lists_only_firing_alerts(petclinic) -> None:
    alerts = get(petclinic, "/api/alertmanager/grafana/api/v2/alerts").json()
    assert sorted(a["labels"]["alertname"] for a in alerts) == [
        "Build agent disk almost full", "PetClinic p95 latency above 1.5s"]
    assert all(a["status"]["state"] == "active" for a in alerts)
    critical = get(petclinic, "/api/alertmanager/grafana/api/v2/alerts", filter='severity="critical"').json()
    assert [a["labels"]["host"] for a in critical] == ["agent-linux-2"]


def test_annotations_filter_by_time_dashboard_and_tags(petclinic) -> None:
    now = int(time.time() * 1000)
    deploys = get(petclinic, "/api/annotations", tags="deploy").json()
    assert [a["text"] for a in deploys] == ["Deployed 3.2.1-rc1 to staging", "Deployed 3.2.0 to production"]
    assert deploys[0]["time"] > deploys[1]["time"] and deploys[0]["dashboardUID"] == "petclinic-overview"
    today = get(petclinic, "/api/annotations", **{"from": now - 6 * HOUR_MS, "to": now}).json()
    assert [a["text"] for a in today] == ["Deployed 3.2.1-rc1 to staging"]
    assert get(petclinic, "/api/annotations", dashboardUID="jenkins-ci").json() == []
    assert len(get(petclinic, "/api/annotations", tags=["deploy", "staging"]).json()) == 1


@pytest.mark.parametrize(("value", "text"), [(1.82, "1.82e+00"), (93, "9.3e+01"), (1, "1e+00"), (0.7, "7e-01")])
def test_alert_values_are_formatted_like_go(value: float, text: str) -> None:
    assert go_float(value) == text


def test_a_bad_series_spec_is_named(tmp_path) -> None:
    import yaml

    from sandbox.world import DEFAULT_WORLD, WorldError, load_world

    data = yaml.safe_load(DEFAULT_WORLD.read_text())
    data["grafana"]["dashboards"][0]["panels"][1]["series"] = "wobble(1, 2)"
    path = tmp_path / "world.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(WorldError, match=r"dashboards\[0\]\.panels\[1\]\.series: expected sine\(a, b\)"):
        load_world(path)


# --- the real variants (issue #18): data sources, query errors, rule definitions, Recovering ----------------------
def _post_query(sandbox, queries: list[dict]) -> requests.Response:
    now = int(time.time() * 1000)
    return requests.post(sandbox.url("grafana") + "/api/ds/query", headers=auth(), timeout=10,
                         json={"queries": queries, "from": str(now - HOUR_MS), "to": str(now)})


def test_an_unknown_data_source_is_a_404_and_a_missing_one_a_400(petclinic) -> None:
    unknown = _post_query(petclinic, [{"refId": "A", "datasource": {"uid": "nope"}, "expr": "up"}])
    assert unknown.status_code == 404 and unknown.json()["message"] == "Data source not found"
    by_name = _post_query(petclinic, [{"refId": "A", "datasource": "Prometheus", "expr": "up"}])
    assert by_name.status_code == 404  # a name is looked up as a uid
    missing = _post_query(petclinic, [{"refId": "A", "expr": "up"}])
    assert missing.status_code == 400 and missing.json()["messageId"] == "query.invalidDatasourceId"


def test_a_failing_query_is_207_with_its_reason_and_the_others_answered(legacy) -> None:
    body = get(legacy, "/api/dashboards/uid/shop-legacy").json()["dashboard"]
    failing = next(p for p in body["panels"] if p["title"] == "Payment declines")["targets"][0]
    working = next(p for p in body["panels"] if p["title"] == "Checkout rate")["targets"][0]
    source = {"type": "prometheus", "uid": "P1809F7CD0C75ACF3"}
    answer = _post_query(legacy, [dict(failing, datasource=source), dict(working, refId="B", datasource=source)])
    assert answer.status_code == 207  # the world has Grafana's datasourceQueryMultiStatus toggle on
    results = answer.json()["results"]
    assert results["A"]["status"] == 400 and results["A"]["errorSource"] == "downstream"
    assert results["A"]["error"].startswith("bad_data: invalid parameter") and "frames" not in results["A"]
    assert results["B"]["status"] == 200 and results["B"]["frames"][0]["data"]["values"][1][-1] == 12.5


def test_legacy_dashboards_name_data_sources_by_name_null_and_variable(legacy) -> None:
    body = get(legacy, "/api/dashboards/uid/shop-legacy").json()["dashboard"]
    assert body["schemaVersion"] == 27
    refs = {p["title"]: p["datasource"] for p in body["panels"]}
    assert refs["Checkout rate"] == "Prometheus" and refs["Cart errors"] is None
    assert refs["EU basket latency"] == "$ds"
    assert all("datasource" not in p["targets"][0] for p in body["panels"])  # before 8.3: the panel's is used
    ds = next(v for v in body["templating"]["list"] if v["name"] == "ds")
    assert ds["type"] == "datasource" and ds["current"]["value"] == "Prometheus EU"
    sources = get(legacy, "/api/datasources").json()
    assert [(s["name"], s["uid"], s["isDefault"]) for s in sources] == [
        ("Prometheus", "P1809F7CD0C75ACF3", True), ("Prometheus EU", "prom-eu-7f3a", False)]
    settings = get(legacy, "/api/frontend/settings").json()
    assert settings["defaultDatasource"] == "Prometheus"
    assert settings["datasources"]["Prometheus EU"]["uid"] == "prom-eu-7f3a"


def test_the_ruler_holds_each_kind_of_condition(legacy) -> None:
    namespaces = get(legacy, "/api/ruler/grafana/api/v1/rules").json()
    rules = {n["grafana_alert"]["uid"]: n["grafana_alert"] for groups in namespaces.values() for g in groups
             for n in g["rules"]}
    def model(uid: str) -> dict:
        return next(q["model"] for q in rules[uid]["data"] if q["refId"] == rules[uid]["condition"])
    assert model("stock-sync-lag")["type"] == "classic_conditions"
    assert model("stock-sync-lag")["conditions"][0]["evaluator"] == {"params": [30.0], "type": "gt"}
    assert model("cart-errors")["type"] == "threshold" and model("cart-errors")["expression"] == "B"
    assert model("basket-latency")["expression"] == "$B > 0.5"
    assert model("checkout-rate")["conditions"][0]["evaluator"] == {"params": [10.0, 40.0], "type": "outside_range"}


def test_recovering_and_verdict_values_in_the_rules_api(legacy) -> None:
    body = get(legacy, "/api/prometheus/grafana/api/v1/rules").json()
    rules = {r["uid"]: r for g in body["data"]["groups"] for r in g["rules"]}
    recovering = rules["checkout-rate"]
    assert recovering["state"] == "recovering" and recovering["alerts"][0]["state"] == "Recovering"
    assert recovering["alerts"][0]["value"] == "0e+00" and recovering["keepFiringFor"] > 0
    assert rules["cart-errors"]["alerts"][0]["value"] == "1e+00"  # the threshold's verdict
    assert rules["stock-sync-lag"]["alerts"][0]["value"] == "4.2e+01"  # a classic condition's metric
    assert body["data"]["totals"]["recovering"] == 1
    firing = get(legacy, "/api/alertmanager/grafana/api/v2/alerts").json()
    assert "Checkout rate out of range" in {a["labels"]["alertname"] for a in firing}  # it still fires
