"""Grafana's webhook contact point, played by the sandbox:
`POST /_sandbox/alerts/{uid}` {"state": "firing" | "resolved"} flips an
alert rule (the alerting API answers the new state) and, when OPSBOT_NOTIFY_GRAFANA_URL is set, posts the
contact point's JSON for it there with `Authorization: Bearer GRAFANA_WEBHOOK_TOKEN` (or basic auth
GRAFANA_WEBHOOK_USER/PASSWORD), like Grafana does. The answer says what the webhook answered.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp import web

from sandbox.grafana.world import GrafanaWorld, iso, rule_annotations, rule_folder, rule_labels
from sandbox.hooks import post_json, remember_origin
from sandbox.server import CONTROL_PREFIX, origin

logger = logging.getLogger("sandbox.grafana.hooks")
GRAFANA_HOOK_ENV = "OPSBOT_NOTIFY_GRAFANA_URL"
ZERO_TIME = "0001-01-01T00:00:00Z"  # Go's zero time: Grafana's endsAt of a firing alert


# -- Grafana ---------------------------------------------------------------------------------------------------
def grafana_payload(world: GrafanaWorld, rule: dict[str, Any], status: str, base: str, now: float) -> dict[str, Any]:
    folder = rule_folder(rule, world)
    labels = {"alertname": rule["title"], "grafana_folder": folder["title"], **rule_labels(rule)}
    annotations = {k: v for k, v in rule_annotations(rule).items() if not k.startswith("__")}
    dashboard = rule.get("dashboard") or ""
    value = rule.get("value")
    alert: dict[str, Any] = {
        "status": status, "labels": labels, "annotations": annotations,
        "startsAt": iso(rule.get("since_at") or now), "endsAt": iso(now) if status == "resolved" else ZERO_TIME,
        "generatorURL": f"{base}/alerting/grafana/{rule['uid']}/view?orgId=1",
        "fingerprint": hashlib.sha1(rule["uid"].encode()).hexdigest()[:16],
        "silenceURL": f"{base}/alerting/silence/new?alertmanager=grafana&matcher=alertname%3D{quote(rule['title'])}",
        "dashboardURL": f"{base}/d/{dashboard}?orgId=1" if dashboard else "",
        "panelURL": f"{base}/d/{dashboard}?orgId=1&viewPanel={rule['panel']}" if dashboard and rule.get("panel")
        else "",
        "values": {"B": value, "C": 1 if status == "firing" else 0} if value is not None else {},
        "valueString": f"[ var='B' labels={{}} value={value} ]" if value is not None else "",
    }
    count = f"[{status.upper()}:1]"
    return {
        "receiver": "opsbot", "status": status, "orgId": 1, "alerts": [alert],
        "groupLabels": {"alertname": rule["title"], "grafana_folder": folder["title"]},
        "commonLabels": labels, "commonAnnotations": annotations, "externalURL": f"{base}/", "version": "1",
        "groupKey": f'{{}}/{{}}:{{alertname="{rule["title"]}"}}', "truncatedAlerts": 0,
        "title": f"{count} {rule['title']} ({folder['title']})", "state": "alerting" if status == "firing" else "ok",
        "message": f"{count} {rule['title']}",
    }


def _grafana_headers() -> dict[str, str]:
    token = os.environ.get("GRAFANA_WEBHOOK_TOKEN", "").strip()
    if token:
        return {"Authorization": f"Bearer {token}"}
    user, password = os.environ.get("GRAFANA_WEBHOOK_USER", ""), os.environ.get("GRAFANA_WEBHOOK_PASSWORD", "")
    if user and password:
        return {"Authorization": aiohttp.BasicAuth(user, password).encode()}
    return {}


def attach_grafana(app: web.Application, world: GrafanaWorld) -> None:
    """`POST /_sandbox/alerts/{uid}` flips an alert and sends the contact point webhook."""
    remember_origin(app)

    async def flip(request: web.Request) -> web.Response:
        rule = next((r for r in world.rules if r["uid"] == request.match_info["uid"]), None)
        if rule is None:
            return web.json_response({"error": "no such alert rule"}, status=404)
        body = await request.json() if request.can_read_body else {}
        wanted = str(body.get("state") or "firing")
        if wanted not in ("firing", "resolved"):
            return web.json_response({"error": "state must be firing or resolved"}, status=400)
        now = time.time()
        if wanted == "firing":
            if rule["state"] != "firing":
                rule["since_at"] = now
            rule["state"] = "firing"
        else:
            rule["state"] = "normal"
        if body.get("value") is not None:
            rule["value"] = body["value"]
        answer: dict[str, Any] = {"uid": rule["uid"], "state": rule["state"]}
        url = os.environ.get(GRAFANA_HOOK_ENV, "").strip()
        if url:
            payload = grafana_payload(world, rule, wanted, origin(request), now)
            answer["webhook"] = {"status": await post_json(url, payload, _grafana_headers())}
        return web.json_response(answer)

    app.router.add_post(CONTROL_PREFIX + "alerts/{uid}", flip)
