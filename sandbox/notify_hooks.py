"""The webhooks the real tools send, sent by the sandbox, so a demo shows events coming back to opsbot.

Jenkins (Notification plugin, JSON): when OPSBOT_NOTIFY_JENKINS_URL is set, every build triggered in the
sandbox posts STARTED when it leaves the queue, then COMPLETED and FINALIZED when it ends, to that URL
(put the shared secret in it, `…/jenkins?token=SECRET`, as you would in Jenkins). The payload has the
plugin's fields: name, display_name, url, build {full_url, number, queue_id, phase, status, url, scm,
parameters, log, notes, artifacts, timestamp, duration}.

Grafana (webhook contact point): `POST /_sandbox/alerts/{uid}` {"state": "firing" | "resolved"} flips an
alert rule (the alerting API answers the new state) and, when OPSBOT_NOTIFY_GRAFANA_URL is set, posts the
contact point's JSON for it there with `Authorization: Bearer GRAFANA_WEBHOOK_TOKEN` (or basic auth
GRAFANA_WEBHOOK_USER/PASSWORD), like Grafana does. The answer says what the webhook answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import time
from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp import web

from sandbox.grafana.world import GrafanaWorld, iso, rule_annotations, rule_folder, rule_labels
from sandbox.jenkins.model import JenkinsJson, JenkinsWorld, SimBuild, SimJob, ms
from sandbox.server import CONTROL_PREFIX, origin

logger = logging.getLogger(__name__)

JENKINS_HOOK_ENV = "OPSBOT_NOTIFY_JENKINS_URL"
GRAFANA_HOOK_ENV = "OPSBOT_NOTIFY_GRAFANA_URL"
WATCH_SECONDS = 0.5
TIMEOUT_SECONDS = 10.0
ZERO_TIME = "0001-01-01T00:00:00Z"  # Go's zero time: Grafana's endsAt of a firing alert
ORIGIN_KEY = web.AppKey("sandbox_origin", dict)


async def post_json(url: str, body: dict[str, Any], headers: dict[str, str] | None = None,
                    attempts: int = 3) -> int:
    """POSTs like the tools do (a few tries, as the plugin's `retries`); the last status, 0 if unreachable."""
    status = 0
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)) as session:
        for attempt in range(attempts):
            try:
                async with session.post(url, json=body, headers=headers or {}) as answer:
                    status = answer.status
                    if status < 500:
                        return status
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                logger.info("sandbox: webhook to %s failed (%s)", url.split("?")[0], type(error).__name__)
            await asyncio.sleep(0.5 * (attempt + 1))
    return status


def _remember_origin(app: web.Application) -> None:
    """Absolute URLs in webhooks need the sandbox's address: the one clients use, seen on each request."""
    app[ORIGIN_KEY] = {}

    async def remember(request: web.Request, _response: web.StreamResponse) -> None:
        request.app[ORIGIN_KEY]["origin"] = origin(request)

    app.on_response_prepare.append(remember)


# -- Jenkins ---------------------------------------------------------------------------------------------------
def jenkins_payload(shapes: JenkinsJson, job: SimJob, build: SimBuild, phase: str) -> dict[str, Any]:
    build_url = shapes.build_url(job, build)
    relative_job = "".join(f"job/{quote(part)}/" for part in job.full_name.split("/"))
    parameters = dict(build.parameters)
    state: dict[str, Any] = {
        "full_url": build_url, "number": build.number, "queue_id": build.queue_id, "phase": phase,
        "url": f"{relative_job}{build.number}/",
        "scm": {"url": "", "branch": "origin/" + (parameters.get("BRANCH") or "main"),
                "commit": hashlib.sha1(f"{job.full_name}#{build.number}".encode()).hexdigest(),
                "changes": [], "culprits": []},
        "parameters": parameters, "log": "", "notes": "", "artifacts": {},
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.0+00:00", time.gmtime()),
        "duration": 0 if phase == "STARTED" else ms(build.duration),
    }
    if phase != "STARTED":
        state["status"] = build.result
    return {"name": job.name, "display_name": job.name, "url": relative_job, "build": state}


def due_phases(job: SimJob, build: SimBuild, now: float) -> list[str]:
    if build.finishes_at is None:  # a world build: its story is already told
        return []
    phases = ["STARTED"] if build.started <= now else []
    if build.finishes_at <= now:
        phases += ["COMPLETED", "FINALIZED"]
    return phases


async def _watch_builds(app: web.Application, state: JenkinsWorld, url: str) -> None:
    sent: set[tuple[str, int, str]] = set()
    while True:
        now = state.clock()
        state.advance(now)
        base = app[ORIGIN_KEY].get("origin") or os.environ.get("JENKINS_URL", "")
        shapes = JenkinsJson(state, base, now)
        for job in list(state.jobs.values()):
            for build in list(job.builds):
                for phase in due_phases(job, build, now):
                    if (job.full_name, build.number, phase) not in sent:
                        sent.add((job.full_name, build.number, phase))
                        status = await post_json(url, jenkins_payload(shapes, job, build, phase))
                        logger.info("sandbox: Jenkins notification %s #%d %s → %s", job.full_name, build.number,
                                    phase, status)
        await asyncio.sleep(WATCH_SECONDS)


def attach_jenkins(app: web.Application, state: JenkinsWorld) -> None:
    """Sends the Notification plugin's webhooks for triggered builds when OPSBOT_NOTIFY_JENKINS_URL is set."""
    _remember_origin(app)
    url = os.environ.get(JENKINS_HOOK_ENV, "").strip()
    if not url:
        return
    tasks: list[asyncio.Task] = []

    async def start(_app: web.Application) -> None:
        tasks.append(asyncio.create_task(_watch_builds(app, state, url)))

    async def stop(_app: web.Application) -> None:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.on_startup.append(start)
    app.on_cleanup.append(stop)


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
    _remember_origin(app)

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
