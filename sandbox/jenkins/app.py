"""Fake Jenkins 2.4xx: the JSON API paths python-jenkins and opsbot's actions use, from the world file.

Served (nested folders as /job/a/job/b/…, every path with or without a trailing slash):
  GET  /                                   the dashboard (python-jenkins reads the X-Jenkins header)
  GET  /api/json                           jobs with _class, name, url, color (*_anime while building)
  GET  /job/<name>/api/json                a job or folder (builds, lastBuild…, healthReport, parameters)
  GET  /job/<name>/<n|lastBuild|…>/api/json            a build (result, causes, parameters, changeSets)
  GET  /job/<name>/<n>/consoleText | testReport/api/json
  GET  /job/<name>/<n>/wfapi/describe      Pipeline Stage View, when the world's `plugins:` has it (the default)
  GET  /job/<name>/<n>/stages/tree         Pipeline Graph View, when `plugins:` has it (`pipeline-overview/tree`
                                           or `pipeline-console/tree` for an older `version:`); 404 otherwise
  POST /job/<name>/build | buildWithParameters        201, Location: <origin>/queue/item/<id>/
  GET  /queue/api/json, /queue/item/<id>/api/json, /computer/api/json, /crumbIssuer/api/json, /me/api/json
Every api/json takes `tree=` and `depth=`. Basic auth with the API token: a wrong token is 401, no
credentials 403, as Jenkins answers. Triggered builds wait OPSBOT_SANDBOX_QUEUE_SECONDS (default 2) in the
queue, then run OPSBOT_SANDBOX_BUILD_SECONDS (default 20) and end with the job's `next_result`.
"""

from __future__ import annotations

import json
import os
from urllib.parse import unquote

from aiohttp import web

from sandbox.jenkins.hooks import attach_jenkins
from sandbox.jenkins.model import JenkinsJson, JenkinsWorld, SimBuild, SimFolder, SimJob
from sandbox.jenkins.tree import TreeError, render
from sandbox.server import Credentials, base_app, basic_auth_ok, origin

BUILD_SECONDS_ENV = "OPSBOT_SANDBOX_BUILD_SECONDS"
QUEUE_SECONDS_ENV = "OPSBOT_SANDBOX_QUEUE_SECONDS"
WORLD_KEY = web.AppKey("jenkins_world", JenkinsWorld)
PERMALINKS = {"lastBuild", "lastCompletedBuild", "lastFailedBuild", "lastStableBuild", "lastSuccessfulBuild",
              "lastUnstableBuild", "lastUnsuccessfulBuild"}
HTML = "text/html"


def _seconds(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


def _not_found() -> web.Response:
    return web.Response(status=404, content_type=HTML,
                        text="<html><head><title>Error 404 Not Found</title></head><body><h2>HTTP ERROR 404 "
                             "Not Found</h2></body></html>")


def _unauthorised(request: web.Request) -> web.Response:
    if "Authorization" not in request.headers:
        return web.Response(status=403, content_type=HTML,
                            headers={"X-You-Are-Authenticated-As": "anonymous",
                                     "X-Required-Permission": "hudson.model.Hub.Read"},
                            text="<html><head><title>Authentication required</title></head><body>Authentication "
                                 "required</body></html>")
    return web.Response(status=401, content_type=HTML,
                        text="<html><head><title>Error 401 Invalid password/token</title></head><body><h2>HTTP "
                             "ERROR 401 Invalid password/token for user</h2></body></html>")


def _json(request: web.Request, value: dict) -> web.Response:
    try:
        depth = int(request.query.get("depth") or 0)
    except ValueError:
        depth = 0
    try:
        body = render(value, request.query.get("tree"), depth)
    except TreeError as exc:
        return web.Response(status=400, content_type=HTML, text=f"<html><body>{exc}</body></html>")
    return web.Response(text=json.dumps(body), content_type="application/json", charset="utf-8")


def create_app(world: dict, credentials: Credentials) -> web.Application:
    state = JenkinsWorld(world, credentials["JENKINS_USER"], _seconds(BUILD_SECONDS_ENV, 20.0),
                         _seconds(QUEUE_SECONDS_ENV, 2.0))
    app = base_app(
        "jenkins",
        lambda request: basic_auth_ok(request, credentials["JENKINS_USER"], credentials["JENKINS_API_TOKEN"]),
        _unauthorised,
    )
    app[WORLD_KEY] = state

    async def add_headers(_request: web.Request, response: web.StreamResponse) -> None:
        response.headers["X-Jenkins"] = state.version
        response.headers["X-Jenkins-Session"] = state.session

    app.on_response_prepare.append(add_headers)

    async def handle(request: web.Request) -> web.StreamResponse:
        now = state.clock()
        state.advance(now)
        shapes = JenkinsJson(state, origin(request), now)
        parts = [unquote(part) for part in request.path.split("/") if part]
        if request.method == "POST":
            return await _post(request, state, shapes, parts, now)
        if request.method not in ("GET", "HEAD"):
            return web.Response(status=405, content_type=HTML, text="<html><body>Method not allowed</body></html>")
        return _get(request, state, shapes, parts)

    app.router.add_route("*", "/{tail:.*}", handle)
    attach_jenkins(app, state)  # the Notification plugin's webhooks (OPSBOT_NOTIFY_JENKINS_URL)
    return app


def _split_item(state: JenkinsWorld, parts: list[str]) -> tuple[SimJob | SimFolder | None, list[str]]:
    """/job/a/job/b/rest… → (item a/b, rest)."""
    names: list[str] = []
    while len(parts) >= 2 and parts[0] == "job":
        names.append(parts[1])
        parts = parts[2:]
    return (state.lookup(names) if names else None), parts


def _build_for(shapes: JenkinsJson, job: SimJob, selector: str) -> SimBuild | None:
    if selector.isdigit():
        return job.build(int(selector))
    if selector not in PERMALINKS:
        return None
    finished = [b for b in job.builds if b.result_at(shapes.now) is not None]
    wanted = {
        "lastBuild": job.builds,
        "lastCompletedBuild": finished,
        "lastFailedBuild": [b for b in finished if b.result == "FAILURE"],
        "lastStableBuild": [b for b in finished if b.result == "SUCCESS"],
        "lastSuccessfulBuild": [b for b in finished if b.result in ("SUCCESS", "UNSTABLE")],
        "lastUnstableBuild": [b for b in finished if b.result == "UNSTABLE"],
        "lastUnsuccessfulBuild": [b for b in finished if b.result != "SUCCESS"],
    }[selector]
    return wanted[0] if wanted else None


def _get(request: web.Request, state: JenkinsWorld, shapes: JenkinsJson, parts: list[str]) -> web.StreamResponse:
    if not parts:
        return web.Response(content_type=HTML, text="<html><head><title>Dashboard [Jenkins]</title></head></html>")
    if parts == ["api", "json"]:
        return _json(request, shapes.root())
    if parts == ["queue", "api", "json"]:
        return _json(request, shapes.queue())
    if len(parts) == 5 and parts[:2] == ["queue", "item"] and parts[3:] == ["api", "json"] and parts[2].isdigit():
        item = state.queue_item(int(parts[2]))
        return _json(request, shapes.queue_item(item)) if item else _not_found()
    if parts in (["computer", "api", "json"], ["manage", "computer", "api", "json"]):
        return _json(request, shapes.computers())
    if parts == ["crumbIssuer", "api", "json"]:
        return _json(request, shapes.crumb())
    if parts in (["me", "api", "json"], ["whoAmI", "api", "json"]):
        return _json(request, shapes.me())
    item, rest = _split_item(state, parts)
    if item is None:
        return _not_found()
    if isinstance(item, SimFolder):
        return _json(request, shapes.folder(item)) if rest in ([], ["api", "json"]) else _not_found()
    if rest in ([], ["api", "json"]):
        return _json(request, shapes.job(item))
    build = _build_for(shapes, item, rest[0])
    if build is None:
        return _not_found()
    tail = rest[1:]
    if tail in ([], ["api", "json"]):
        return _json(request, shapes.build(item, build))
    if tail == ["consoleText"]:
        return web.Response(text=shapes.console(item, build), content_type="text/plain", charset="utf-8")
    if tail == ["testReport", "api", "json"]:
        report = shapes.test_report(item, build)
        return _json(request, report) if report else _not_found()
    if tail == ["wfapi", "describe"] and item.pipeline and state.stage_view:
        return web.Response(text=json.dumps(shapes.stages(item, build)), content_type="application/json",
                            charset="utf-8")
    graph = state.graph_view_path
    if graph and tail == [graph, "tree"] and item.pipeline:
        return web.Response(text=json.dumps(shapes.graph_tree(item, build, graph)), content_type="application/json",
                            charset="utf-8")
    return _not_found()


async def _post(request: web.Request, state: JenkinsWorld, shapes: JenkinsJson, parts: list[str],
                now: float) -> web.StreamResponse:
    crumb = request.headers.get("Jenkins-Crumb")
    if crumb is not None and crumb != state.crumb:
        return web.Response(status=403, content_type=HTML,
                            text="<html><body>No valid crumb was included in the request</body></html>")
    item, rest = _split_item(state, parts)
    if not isinstance(item, SimJob) or rest not in (["build"], ["buildWithParameters"]):
        return _not_found()
    if item.disabled:
        return web.Response(status=409, content_type=HTML,
                            text=f"<html><body>{item.full_name} is not buildable</body></html>")
    known = {p["name"]: p for p in item.parameters}
    if rest == ["build"] and known:
        return web.Response(status=400, content_type=HTML,
                            text="<html><body>Nothing is submitted: this job is parameterized, use "
                                 "buildWithParameters</body></html>")
    if rest == ["buildWithParameters"] and not known:
        return web.Response(status=400, content_type=HTML,
                            text=f"<html><body>{item.full_name} is not parameterized</body></html>")
    given = dict(request.query)
    if request.can_read_body and request.content_type == "application/x-www-form-urlencoded":
        given.update({k: str(v) for k, v in (await request.post()).items()})
    values: dict[str, str] = {}
    for name, value in given.items():
        if name in ("token", "delay", "cause"):
            continue
        parameter = known.get(name)
        if parameter is None:
            continue  # Jenkins skips parameters the job does not define
        if parameter["type"] == "choice" and value not in (parameter.get("choices") or []):
            return web.Response(status=400, content_type=HTML,
                                text=f"<html><body>Illegal choice for parameter {name}: {value}</body></html>")
        values[name] = value
    queued = state.trigger(item, values, now)
    return web.Response(status=201, headers={"Location": f"{origin(request)}/queue/item/{queued.id}/"})
