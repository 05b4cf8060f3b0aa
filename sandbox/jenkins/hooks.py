"""The Jenkins Notification plugin's webhooks, sent by the sandbox:
when OPSBOT_NOTIFY_JENKINS_URL is set, every build triggered in the
sandbox posts STARTED when it leaves the queue, then COMPLETED and FINALIZED when it ends, to that URL
(put the shared secret in it, `…/jenkins?token=SECRET`, as you would in Jenkins). The payload has the
plugin's fields: name, display_name, url, build {full_url, number, queue_id, phase, status, url, scm,
parameters, log, notes, artifacts, timestamp, duration}.
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

from aiohttp import web

from sandbox.hooks import ORIGIN_KEY, post_json, remember_origin
from sandbox.jenkins.model import JenkinsJson, JenkinsWorld, SimBuild, SimJob, ms

logger = logging.getLogger("sandbox.jenkins.hooks")
JENKINS_HOOK_ENV = "OPSBOT_NOTIFY_JENKINS_URL"
WATCH_SECONDS = 0.5


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
    remember_origin(app)
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


