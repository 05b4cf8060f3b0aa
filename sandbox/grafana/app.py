"""Fake Grafana 11 HTTP API for the paths the actions use, from the world file.

Served (JSON shapes as Grafana 11 answers them, or 12 where a world asks for its states; URLs relative, as
Grafana's are):
  GET  /api/health                                   unauthenticated, like Grafana's
  GET  /api/search?query=&tag=&type=&folderUIDs=&dashboardUIDs=&limit=
  GET  /api/folders
  GET  /api/datasources                              the data sources (name, uid, type, isDefault)
  GET  /api/frontend/settings                        the same by name, as any signed-in user may read them
  GET  /api/dashboards/uid/{uid}                     dashboard JSON (panels, targets, fieldConfig) + meta; a
                                                     dashboard saved before 8.3 names its data source by name
  POST /api/ds/query                                 data frames for the panels' targets over from/to; a failing
                                                     query answers 400 (207 with multi_status) with its reason
                                                     in results.<refId>.error; an unknown data source is a 404
  GET  /render/d-solo/{uid}/{slug}?panelId=&from=&to=&width=&height=&tz=   a PNG chart (matplotlib)
  GET  /api/prometheus/grafana/api/v1/rules          unified alerting: groups → rules → alert instances
  GET  /api/ruler/grafana/api/v1/rules               the rule definitions (queries and the condition) by folder
  GET  /api/alertmanager/grafana/api/v2/alerts       the firing alerts as Alertmanager holds them
  GET  /api/annotations?from=&to=&dashboardUID=&tags=&limit=

Panel history is generated from the world's `series:` spec (see sandbox.grafana.schema.SERIES_SPEC) and always ends
at the panel's `current` value at the moment of the request. An alert rule's data query is its panel's expression;
its threshold lives in its condition (a classic condition unless the world says `threshold` or `math`), which
only the ruler API shows. A classic condition's alert value is the metric's; a threshold or math condition's is
its verdict (1 or 0), as on a real Grafana.

Control (tests and demos, never opsbot): `POST /_sandbox/renderer {"available": false, "mode": "placeholder"}`
behaves like a Grafana without the image-renderer plugin: 200 with Grafana's "plugin not installed" placeholder
image, or `"mode": "error"` for a 500. `OPSBOT_SANDBOX_NO_RENDERER=1` (or `=error`) starts it that way.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time

from aiohttp import web

from sandbox.grafana.hooks import attach_grafana
from sandbox.grafana.series import draw_chart, draw_placeholder, parse_time, points, step_for
from sandbox.grafana.world import (
    EXPRESSION,
    GrafanaWorld,
    alerting_rule,
    annotation_json,
    dashboard_json,
    folder_hit,
    frame,
    iso,
    rule_annotations,
    rule_definition,
    rule_folder,
    rule_labels,
    search_hit,
)
from sandbox.server import CONTROL_PREFIX, Credentials, base_app, bearer_ok

# --- the app -------------------------------------------------------------------------------------------------
RENDERER_KEY = web.AppKey("grafana_renderer", dict)


def _unauthorised(_request: web.Request) -> web.Response:
    return web.json_response({"extra": None, "message": "Invalid API key", "messageId": "api-key.invalid",
                              "statusCode": 401, "traceID": ""}, status=401)


def _list_param(request: web.Request, name: str) -> list[str]:
    values: list[str] = []
    for value in request.query.getall(name, []):
        values.extend(v for v in value.split(",") if v)
    return values


def create_app(world: dict, credentials: Credentials) -> web.Application:
    grafana = GrafanaWorld(world)
    no_renderer = os.environ.get("OPSBOT_SANDBOX_NO_RENDERER", "").strip().lower()
    app = base_app(
        "grafana",
        lambda request: request.path == "/api/health" or bearer_ok(request, credentials["GRAFANA_TOKEN"]),
        _unauthorised,
    )
    app[RENDERER_KEY] = {"available": no_renderer in ("", "0", "false", "no"),
                         "mode": "error" if no_renderer == "error" else "placeholder"}

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"commit": "sandbox", "database": "ok", "version": grafana.version})

    async def search(request: web.Request) -> web.Response:
        query = request.query.get("query", "").strip().lower()
        tags = [t.lower() for t in request.query.getall("tag", [])]
        kind = request.query.get("type", "")
        folder_uids = set(_list_param(request, "folderUIDs"))
        dashboard_uids = set(_list_param(request, "dashboardUIDs"))
        limit = int(request.query.get("limit") or 1000) if (request.query.get("limit") or "").isdigit() else 1000
        hits: list[dict] = []
        if kind in ("", "dash-folder") and not tags and not dashboard_uids:
            hits += [folder_hit(f) for f in sorted(grafana.folders.values(), key=lambda f: f["title"].lower())
                     if query in f["title"].lower() and (not folder_uids or f["uid"] in folder_uids)]
        if kind in ("", "dash-db"):
            for dashboard in sorted(grafana.dashboards.values(), key=lambda d: d.title.lower()):
                folder_uid = dashboard.folder["uid"] if dashboard.folder else "general"
                if query and query not in dashboard.title.lower():
                    continue
                if tags and not set(tags) <= {t.lower() for t in dashboard.tags}:
                    continue
                if folder_uids and folder_uid not in folder_uids:
                    continue
                if dashboard_uids and dashboard.uid not in dashboard_uids:
                    continue
                hits.append(search_hit(dashboard))
        return web.json_response(hits[:limit])

    async def folders(_request: web.Request) -> web.Response:
        return web.json_response([{"id": f["id"], "uid": f["uid"], "title": f["title"]}
                                  for f in grafana.folders.values()])

    async def dashboard(request: web.Request) -> web.Response:
        model = grafana.dashboards.get(request.match_info["uid"])
        if model is None:
            return web.json_response({"message": "Dashboard not found", "messageId": "dashboards.notFound",
                                      "statusCode": 404, "traceID": ""}, status=404)
        return web.json_response(dashboard_json(model, grafana.started_at))

    async def datasources(_request: web.Request) -> web.Response:
        return web.json_response([
            {"id": index, "uid": d["uid"], "orgId": 1, "name": d["name"], "type": d["type"],
             "typeName": d["type"].capitalize(),
             "typeLogoUrl": f"public/app/plugins/datasource/{d['type']}/img/logo.svg",
             "access": "proxy", "url": "http://prometheus:9090", "user": "", "database": "", "basicAuth": False,
             "isDefault": d["default"], "jsonData": {"httpMethod": "POST"}, "readOnly": False}
            for index, d in enumerate(sorted(grafana.datasources, key=lambda d: d["name"].lower()), start=1)])

    async def frontend_settings(_request: web.Request) -> web.Response:
        default = next(d for d in grafana.datasources if d["default"])
        return web.json_response({
            "datasources": {d["name"]: {"type": d["type"], "name": d["name"], "uid": d["uid"],
                                        "isDefault": d["default"], "meta": {"id": d["type"], "type": "datasource"}}
                            for d in grafana.datasources},
            "defaultDatasource": default["name"],
            "buildInfo": {"version": grafana.version, "commit": "sandbox", "edition": "Open Source"},
        })

    async def ds_query(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"message": "bad request data"}, status=400)
        now = time.time()
        try:
            start, end = parse_time(body.get("from"), now), parse_time(body.get("to"), now)
        except ValueError as exc:
            return web.json_response({"message": str(exc)}, status=400)
        queries = body.get("queries") or []
        if not queries:
            return web.json_response({"message": "No queries found in query", "messageId": "query.noQueries"},
                                     status=400)
        results: dict[str, dict] = {}
        failed = False
        for query in queries:
            ref_id = str(query.get("refId") or "A")
            # getDataSourceFromQuery: datasource.uid, or (before 8.3) the datasource itself as a string; a name
            # is looked up as a uid, so it is not found
            reference = query.get("datasource")
            uid = str((reference.get("uid") if isinstance(reference, dict) else reference) or "")
            if uid in (EXPRESSION["uid"], "-100"):
                continue
            if not uid:
                return web.json_response({"message": "Query does not contain a valid data source identifier",
                                          "messageId": "query.invalidDatasourceId", "statusCode": 400,
                                          "traceID": ""}, status=400)
            source = grafana.datasource(uid)
            if source is None:
                return web.json_response({"message": "Data source not found", "traceID": ""}, status=404)
            expr = str(query.get("expr") or "")
            panel = grafana.by_expr.get(expr)
            if panel is not None and panel.datasource["uid"] != uid:
                panel = None  # the other data source has no such series
            if panel is not None and panel.error:
                results[ref_id] = {"error": panel.error, "errorSource": "downstream", "status": 400}
                failed = True
                continue
            step = step_for(start, end, int(query.get("maxDataPoints") or 100), float(query.get("intervalMs") or 1000))
            times, values = points(panel, start, end, step, now) if panel else ([], [])
            results[ref_id] = {"status": 200, "frames": [frame(ref_id, panel, expr, times, values, step)]}
        status = (207 if grafana.multi_status else 400) if failed else 200
        return web.json_response({"results": results}, status=status)

    async def render(request: web.Request) -> web.StreamResponse:
        renderer = request.app[RENDERER_KEY]
        if not renderer["available"]:
            if renderer["mode"] == "error":
                return web.json_response({"message": "Rendering failed: no image renderer available"}, status=500)
            png = await asyncio.get_running_loop().run_in_executor(None, draw_placeholder)
            return web.Response(body=png, content_type="image/png")
        model = grafana.dashboards.get(request.match_info["uid"])
        raw_panel = request.query.get("panelId", "").removeprefix("panel-")
        panel = grafana.panel(model.uid, int(raw_panel)) if model and raw_panel.isdigit() else None
        if panel is None:
            return web.json_response({"message": "Panel not found"}, status=404)
        now = time.time()
        try:
            start = parse_time(request.query.get("from", "now-6h"), now)
            end = parse_time(request.query.get("to", "now"), now)
            width = min(3000, max(100, int(request.query.get("width", "1000"))))
            height = min(3000, max(100, int(request.query.get("height", "500"))))
        except ValueError as exc:
            return web.json_response({"message": str(exc)}, status=400)
        tz = request.query.get("tz", "UTC")
        png = await asyncio.get_running_loop().run_in_executor(
            None, draw_chart, panel, start, end, width, height, tz, now)
        return web.Response(body=png, content_type="image/png")

    async def rules(_request: web.Request) -> web.Response:
        now = time.time()
        groups: dict[tuple[str, str], dict] = {}
        for rule in grafana.rules:
            folder = rule_folder(rule, grafana)
            name = rule.get("group") or "default"
            group = groups.setdefault((folder["title"], name), {
                "name": name, "file": folder["title"], "folderUid": folder["uid"], "rules": [], "totals": {},
                "interval": 60, "lastEvaluation": iso(now - (now % 60)), "evaluationTime": 0.012})
            body = alerting_rule(rule, grafana, now)
            group["rules"].append(body)
            group["totals"][body["state"]] = group["totals"].get(body["state"], 0) + 1
        ordered = [groups[key] for key in sorted(groups)]
        totals: dict[str, int] = {}
        for group in ordered:
            for state, count in group["totals"].items():
                totals[state] = totals.get(state, 0) + count
        return web.json_response({"status": "success", "data": {"groups": ordered, "totals": totals}})

    async def ruler_rules(_request: web.Request) -> web.Response:
        """NamespaceConfigResponse: folder → rule groups → rules, each with its `grafana_alert` definition."""
        namespaces: dict[str, dict[str, dict]] = {}
        for index, rule in enumerate(grafana.rules, start=1):
            folder = rule_folder(rule, grafana)
            name = rule.get("group") or "default"
            group = namespaces.setdefault(folder["title"], {}).setdefault(name, {"name": name, "interval": "1m",
                                                                                 "rules": []})
            group["rules"].append(rule_definition(rule, grafana, index))
        return web.json_response({folder: list(groups.values()) for folder, groups in sorted(namespaces.items())})

    async def alertmanager_alerts(request: web.Request) -> web.Response:
        now = time.time()
        matchers = [m.partition("=") for m in request.query.getall("filter", [])]
        alerts = []
        for rule in grafana.rules:
            if rule["state"] not in ("firing", "recovering"):  # a recovering alert still fires
                continue
            folder = rule_folder(rule, grafana)
            labels = {"alertname": rule["title"], "grafana_folder": folder["title"], **rule_labels(rule)}
            if not all(labels.get(k.strip()) == v.strip().strip('"') for k, _, v in matchers):
                continue
            alerts.append({
                "annotations": rule_annotations(rule), "endsAt": iso(now + 240),
                "fingerprint": hashlib.sha1(rule["uid"].encode()).hexdigest()[:16],
                "receivers": [{"name": "grafana-default-email"}], "startsAt": iso(rule["since_at"]),
                "status": {"inhibitedBy": [], "silencedBy": [], "state": "active"}, "updatedAt": iso(now),
                "generatorURL": f"/alerting/grafana/{rule['uid']}/view?orgId=1", "labels": labels,
            })
        return web.json_response(alerts)

    async def annotations(request: web.Request) -> web.Response:
        now = time.time()
        try:
            start = parse_time(request.query["from"], now) if "from" in request.query else None
            end = parse_time(request.query["to"], now) if "to" in request.query else None
            limit = int(request.query.get("limit") or 100)
        except ValueError as exc:
            return web.json_response({"message": str(exc)}, status=400)
        tags = set(_list_param(request, "tags"))
        match_any = request.query.get("matchAny", "false").lower() == "true"
        dashboard_uid = request.query.get("dashboardUID", "")
        found = []
        for index, annotation in enumerate(grafana.annotations, start=1):
            if (start is not None and annotation["at"] < start) or (end is not None and annotation["at"] > end):
                continue
            if dashboard_uid and annotation.get("dashboard") != dashboard_uid:
                continue
            own = set(annotation.get("tags") or [])
            if tags and not (own & tags if match_any else tags <= own):
                continue
            found.append(annotation_json(annotation, index, grafana))
        return web.json_response(found[:limit])

    async def renderer_switch(request: web.Request) -> web.Response:
        state = request.app[RENDERER_KEY]
        if request.method == "POST":
            body = await request.json() if request.can_read_body else {}
            state["available"] = bool(body.get("available", True))
            state["mode"] = "error" if body.get("mode") == "error" else "placeholder"
        return web.json_response(state)

    app.router.add_get("/api/health", health)
    app.router.add_get("/api/search", search)
    app.router.add_get("/api/folders", folders)
    app.router.add_get("/api/datasources", datasources)
    app.router.add_get("/api/frontend/settings", frontend_settings)
    app.router.add_get("/api/dashboards/uid/{uid}", dashboard)
    app.router.add_post("/api/ds/query", ds_query)
    app.router.add_get("/render/d-solo/{uid}/{slug}", render)
    app.router.add_get("/render/d-solo/{uid}", render)
    app.router.add_get("/api/prometheus/grafana/api/v1/rules", rules)
    app.router.add_get("/api/ruler/grafana/api/v1/rules", ruler_rules)
    app.router.add_get("/api/alertmanager/grafana/api/v2/alerts", alertmanager_alerts)
    app.router.add_get("/api/annotations", annotations)
    app.router.add_route("*", CONTROL_PREFIX + "renderer", renderer_switch)
    attach_grafana(app, grafana)  # POST /_sandbox/alerts/{uid}: flip an alert, send the contact point webhook
    return app
