"""The fake Jenkins' state: the world's jobs, folders, builds, queue and nodes, plus builds triggered while
it runs, and the JSON Jenkins 2.4xx answers for each of them (class names and fields as the real API).

Times: the world's builds carry absolute `at` seconds (resolved when the world was loaded). A triggered
build waits in the queue for `queue_seconds` (Jenkins' quiet period), then runs for `build_seconds` and
ends with the job's `next_result` (SUCCESS unless the world says otherwise): deterministic, so tests and
"how is it going?" work.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from sandbox.jenkins.schema import DEFAULT_PLUGINS, GRAPH_VIEW, STAGE_VIEW
from sandbox.jenkins.tree import Ref

FOLDER_CLASS = "com.cloudbees.hudson.plugins.folder.Folder"
JOB_CLASSES = {
    "pipeline": ("org.jenkinsci.plugins.workflow.job.WorkflowJob", "org.jenkinsci.plugins.workflow.job.WorkflowRun"),
    "multibranch": ("org.jenkinsci.plugins.workflow.job.WorkflowJob", "org.jenkinsci.plugins.workflow.job.WorkflowRun"),
    "freestyle": ("hudson.model.FreeStyleProject", "hudson.model.FreeStyleBuild"),
}
COLOURS = {"SUCCESS": "blue", "FAILURE": "red", "UNSTABLE": "yellow", "ABORTED": "aborted", "NOT_BUILT": "notbuilt"}
STAGE_STATUS = {"SUCCESS": "SUCCESS", "FAILURE": "FAILED", "UNSTABLE": "UNSTABLE", "ABORTED": "ABORTED",
                "NOT_BUILT": "NOT_EXECUTED"}
# Pipeline Graph View's PipelineState, lower case on the wire, for the Stage View's words.
GRAPH_STATE = {"SUCCESS": "success", "FAILED": "failure", "UNSTABLE": "unstable", "ABORTED": "aborted",
               "NOT_EXECUTED": "skipped", "IN_PROGRESS": "running", "PAUSED_PENDING_INPUT": "paused"}
DEFAULT_STAGES = ["Checkout", "Build", "Test", "Publish"]
PARAMETER_CLASSES = {
    "string": ("hudson.model.StringParameterDefinition", "hudson.model.StringParameterValue"),
    "text": ("hudson.model.TextParameterDefinition", "hudson.model.TextParameterValue"),
    "choice": ("hudson.model.ChoiceParameterDefinition", "hudson.model.StringParameterValue"),
    "boolean": ("hudson.model.BooleanParameterDefinition", "hudson.model.BooleanParameterValue"),
    "password": ("hudson.model.PasswordParameterDefinition", "hudson.model.PasswordParameterValue"),
}
_COMMIT = re.compile(r"^(?P<sha>[0-9a-f]{6,40})\s+(?P<msg>.*?)(?:\s+\((?P<author>[^()]+)\))?$")
_UPSTREAM = re.compile(r"upstream project \"?(?P<job>[^\"]+?)\"? build number (?P<number>\d+)")


def ms(seconds: float) -> int:
    return round(seconds * 1000)


@dataclass
class SimBuild:
    number: int
    started: float
    result: str | None  # the final result; None for a world build that is still running
    duration: float
    estimated: float
    cause: str = ""
    commits: list[str] = field(default_factory=list)
    failed_tests: list[str] = field(default_factory=list)
    failed_stage: str | None = None
    stages: list[str | dict[str, list[str]]] | None = None  # a name, or {parallel stage: [branch, …]}
    log_tail: list[str] = field(default_factory=list)
    parameters: dict[str, str] = field(default_factory=dict)
    tests: int | None = None
    finishes_at: float | None = None  # triggered builds: when they end
    queue_id: int = 0

    def building(self, now: float) -> bool:
        if self.finishes_at is not None:
            return now < self.finishes_at
        return self.result is None

    def result_at(self, now: float) -> str | None:
        return None if self.building(now) else self.result


@dataclass
class StageRun:
    """How one stage of a build went, in the Stage View's words; a parallel stage has its branches."""

    name: str
    status: str  # SUCCESS, FAILED, UNSTABLE, ABORTED, NOT_EXECUTED, IN_PROGRESS
    branches: list[StageRun] = field(default_factory=list)


@dataclass
class SimJob:
    name: str
    full_name: str
    kind: str
    description: str = ""
    disabled: bool = False
    parameters: list[dict] = field(default_factory=list)
    builds: list[SimBuild] = field(default_factory=list)  # newest first
    next_result: str = "SUCCESS"

    @property
    def job_class(self) -> str:
        return JOB_CLASSES[self.kind][0]

    @property
    def run_class(self) -> str:
        return JOB_CLASSES[self.kind][1]

    @property
    def pipeline(self) -> bool:
        return self.kind != "freestyle"

    def build(self, number: int) -> SimBuild | None:
        return next((b for b in self.builds if b.number == number), None)

    def next_number(self) -> int:
        return max((b.number for b in self.builds), default=0) + 1

    def estimate(self) -> float:
        durations = [b.duration for b in self.builds if b.result in ("SUCCESS", "UNSTABLE") and b.duration][:3]
        return sum(durations) / len(durations) if durations else 60.0


@dataclass
class SimFolder:
    name: str
    full_name: str
    description: str = ""
    children: list[SimJob | SimFolder] = field(default_factory=list)


@dataclass
class SimQueueItem:
    id: int
    job: SimJob
    since: float
    why: str | None
    parameters: dict[str, str]
    cause: str = ""
    starts_at: float | None = None  # None: waits for as long as the sandbox runs (a world fact)
    build_number: int | None = None


@dataclass
class SimNode:
    name: str
    online: bool
    offline_reason: str
    executors: int
    busy: int
    labels: list[str]

    @property
    def built_in(self) -> bool:
        return self.name in ("built-in", "master", "(built-in)")

    @property
    def display_name(self) -> str:
        return "Built-In Node" if self.built_in else self.name


def _build_from_world(data: dict, job_estimate: float | None = None) -> SimBuild:
    building = bool(data.get("building"))
    return SimBuild(
        number=data["number"],
        started=float(data["at"]),
        result=None if building else data.get("result", "SUCCESS"),
        duration=float(data.get("duration") or 0),
        estimated=float(data.get("estimated_duration") or data.get("duration") or job_estimate or 60),
        cause=data.get("cause", ""),
        commits=list(data.get("commits") or []),
        failed_tests=list(data.get("failed_tests") or []),
        failed_stage=data.get("failed_stage"),
        stages=data.get("stages"),
        log_tail=list(data.get("log_tail") or []),
        parameters={k: str(v) for k, v in (data.get("parameters") or {}).items()},
        tests=data.get("tests"),
    )


class JenkinsWorld:
    """The live state of the fake Jenkins (one per app)."""

    def __init__(self, world: dict, user: str, build_seconds: float, queue_seconds: float) -> None:
        section = world.get("jenkins") or {}
        self.version = str(section.get("version") or "2.479.3")
        plugins = section.get("plugins")
        self.plugins: dict[str, str] = {  # name → release ("" : the current one)
            (p if isinstance(p, str) else p["name"]): ("" if isinstance(p, str) else str(p.get("version") or ""))
            for p in (DEFAULT_PLUGINS if plugins is None else plugins)}
        self.users = {u["id"]: u.get("name") or u["id"] for u in section.get("users") or []}
        self.api_user = user
        self.build_seconds = build_seconds
        self.queue_seconds = queue_seconds
        self.started_at = float(world.get("started_at") or time.time())
        self.clock: Callable[[], float] = time.time  # tests move time forward instead of sleeping
        self.crumb = hashlib.sha256(f"crumb:{user}:{self.started_at}".encode()).hexdigest()[:32]
        self.session = hashlib.sha256(f"session:{self.started_at}".encode()).hexdigest()[:8]
        self.jobs: dict[str, SimJob] = {}
        self.folders: dict[str, SimFolder] = {}
        self.root: list[SimJob | SimFolder] = [self._item(entry, "") for entry in section.get("jobs") or []]
        self.queue: list[SimQueueItem] = []
        self._next_queue_id = 4201
        for entry in section.get("queue") or []:
            job = self.jobs.get(entry["job"])
            if job is None:
                continue
            self.queue.append(SimQueueItem(
                id=self._queue_id(), job=job, since=float(entry["at"]), why=entry.get("why"),
                parameters={k: str(v) for k, v in (entry.get("parameters") or {}).items()},
                cause=entry.get("cause", ""),
            ))
        self.nodes = [
            SimNode(n["name"], n["online"], n.get("offline_reason", ""), n.get("executors", 2), n.get("busy", 0),
                    list(n.get("labels") or []))
            for n in section.get("nodes") or [{"name": "built-in", "online": True}]
        ]

    @property
    def stage_view(self) -> bool:
        """Pipeline Stage View: <build>/wfapi/describe."""
        return STAGE_VIEW in self.plugins

    @property
    def graph_view_path(self) -> str | None:
        """Pipeline Graph View's URL name for a build's page (its `tree` is under it), by release: `stages`
        since 777.v… (Feb 2026), `pipeline-overview` from 520.v… (May 2025), `pipeline-console` before."""
        if GRAPH_VIEW not in self.plugins:
            return None
        release = re.match(r"\d+", self.plugins[GRAPH_VIEW])
        number = int(release.group()) if release else 10**9
        return "stages" if number >= 777 else "pipeline-overview" if number >= 520 else "pipeline-console"

    # -- building the model ----------------------------------------------------------------------------
    def _item(self, entry: dict, parent: str) -> SimJob | SimFolder:
        if "folder" in entry:
            full = f"{parent}/{entry['folder']}" if parent else entry["folder"]
            folder = SimFolder(entry["folder"], full, entry.get("description", ""))
            self.folders[full] = folder
            folder.children = [self._item(child, full) for child in entry.get("jobs") or []]
            return folder
        full = f"{parent}/{entry['name']}" if parent else entry["name"]
        job = SimJob(entry["name"], full, entry["type"], entry.get("description", ""), bool(entry.get("disabled")),
                     list(entry.get("parameters") or []), next_result=entry.get("next_result") or "SUCCESS")
        job.builds = sorted((_build_from_world(b) for b in entry.get("builds") or []), key=lambda b: -b.number)
        self.jobs[full] = job
        return job

    def _queue_id(self) -> int:
        self._next_queue_id += 1
        return self._next_queue_id

    # -- time passes -----------------------------------------------------------------------------------
    def advance(self, now: float) -> None:
        """Start the triggered builds whose quiet period is over."""
        for item in self.queue:
            if item.build_number is None and item.starts_at is not None and item.starts_at <= now:
                job = item.job
                build = SimBuild(
                    number=job.next_number(), started=item.starts_at, result=job.next_result,
                    duration=self.build_seconds, estimated=self.build_seconds, cause=item.cause,
                    parameters=dict(item.parameters), finishes_at=item.starts_at + self.build_seconds,
                    queue_id=item.id, log_tail=[f"[Pipeline] echo\nTriggered build of {job.full_name}"]
                    if job.pipeline else [],
                )
                job.builds.insert(0, build)
                item.build_number = build.number

    def trigger(self, job: SimJob, parameters: dict[str, str], now: float) -> SimQueueItem:
        values = {p["name"]: _default_text(p) for p in job.parameters}
        values.update(parameters)
        item = SimQueueItem(self._queue_id(), job, now, None, values if job.parameters else {},
                            cause=f"Started by user {self.users.get(self.api_user, self.api_user)}",
                            starts_at=now + self.queue_seconds)
        self.queue.append(item)
        return item

    def waiting(self) -> list[SimQueueItem]:
        return [item for item in self.queue if item.build_number is None]

    def queue_item(self, item_id: int) -> SimQueueItem | None:
        return next((item for item in self.queue if item.id == item_id), None)

    def lookup(self, parts: list[str]) -> SimJob | SimFolder | None:
        full = "/".join(parts)
        return self.jobs.get(full) or self.folders.get(full)


def _default_text(parameter: dict) -> str:
    if parameter["type"] == "choice":
        choices = parameter.get("choices") or [""]
        return str(parameter.get("default") or choices[0])
    if parameter["type"] == "boolean":
        return "true" if parameter.get("default") in (True, "true") else "false"
    return str(parameter.get("default") or "")


class JenkinsJson:
    """The JSON shapes for one request: absolute URLs from the request's origin, times at `now`."""

    def __init__(self, world: JenkinsWorld, base: str, now: float) -> None:
        self.world = world
        self.base = base.rstrip("/")
        self.now = now

    # -- URLs ------------------------------------------------------------------------------------------
    def item_url(self, full_name: str) -> str:
        return self.base + "/" + "".join(f"job/{quote(part)}/" for part in full_name.split("/"))

    def build_url(self, job: SimJob, build: SimBuild) -> str:
        return f"{self.item_url(job.full_name)}{build.number}/"

    def user_url(self, user: str) -> str:
        return f"{self.base}/user/{quote(user.lower())}"

    # -- root and folders ------------------------------------------------------------------------------
    def root(self) -> dict:
        built_in = next((n for n in self.world.nodes if n.built_in), None)
        return {
            "_class": "hudson.model.Hudson",
            "assignedLabels": [{"name": "built-in"}],
            "mode": "NORMAL",
            "nodeDescription": "the Jenkins controller's built-in node",
            "nodeName": "",
            "numExecutors": built_in.executors if built_in else 0,
            "description": None,
            "jobs": [self.item_ref(item) for item in self.world.root],
            "overallLoad": {},
            "primaryView": {"_class": "hudson.model.AllView", "name": "all", "url": self.base + "/"},
            "quietDownReason": None,
            "quietingDown": False,
            "slaveAgentPort": 50000,
            "unlabeledLoad": {"_class": "jenkins.model.UnlabeledLoadStatistics"},
            "url": self.base + "/",
            "useCrumbs": True,
            "useSecurity": True,
            "views": [{"_class": "hudson.model.AllView", "name": "all", "url": self.base + "/"}],
        }

    def item_ref(self, item: SimJob | SimFolder) -> Ref:
        if isinstance(item, SimFolder):
            summary = {"_class": FOLDER_CLASS, "name": item.name, "url": self.item_url(item.full_name)}
            return Ref(summary, lambda: self.folder(item))
        summary = {"_class": item.job_class, "name": item.name, "url": self.item_url(item.full_name),
                   "color": self.color(item)}
        return Ref(summary, lambda: self.job(item))

    def folder(self, folder: SimFolder) -> dict:
        url = self.item_url(folder.full_name)
        jobs = [j for j in self.world.jobs.values() if j.full_name.startswith(folder.full_name + "/")]
        return {
            "_class": FOLDER_CLASS,
            "actions": [{}, {"_class": "com.cloudbees.plugins.credentials.ViewCredentialsAction"}],
            "description": folder.description or None,
            "displayName": folder.name,
            "displayNameOrNull": None,
            "fullDisplayName": folder.full_name.replace("/", " » "),
            "fullName": folder.full_name,
            "name": folder.name,
            "url": url,
            "healthReport": self.health(jobs[0]) if len(jobs) == 1 else [],
            "jobs": [self.item_ref(child) for child in folder.children],
            "primaryView": {"_class": "hudson.model.AllView", "name": "All", "url": url},
            "views": [{"_class": "hudson.model.AllView", "name": "All", "url": url}],
        }

    # -- jobs ------------------------------------------------------------------------------------------
    def color(self, job: SimJob) -> str:
        if job.disabled:
            return "disabled"
        completed = [b for b in job.builds if not b.building(self.now)]
        colour = COLOURS.get(completed[0].result or "", "notbuilt") if completed else "notbuilt"
        building = any(b.building(self.now) for b in job.builds)
        return colour + "_anime" if building else colour

    def build_ref(self, job: SimJob, build: SimBuild | None) -> Ref | None:
        if build is None:
            return None
        summary = {"_class": job.run_class, "number": build.number, "url": self.build_url(job, build)}
        return Ref(summary, lambda: self.build(job, build))

    def _last(self, job: SimJob, *results: str) -> Ref | None:
        for build in job.builds:
            result = build.result_at(self.now)
            if result is not None and (not results or result in results):
                return self.build_ref(job, build)
        return None

    def _last_unsuccessful(self, job: SimJob) -> Ref | None:
        for build in job.builds:
            result = build.result_at(self.now)
            if result is not None and result != "SUCCESS":
                return self.build_ref(job, build)
        return None

    def health(self, job: SimJob) -> list[dict]:
        completed = [b for b in job.builds if b.result_at(self.now) is not None][:5]
        if not completed:
            return []
        failed = sum(1 for b in completed if b.result_at(self.now) != "SUCCESS")
        score = round(100 * (len(completed) - failed) / len(completed))
        band = ("80plus" if score > 79 else "60to79" if score > 59 else "40to59" if score > 39
                else "20to39" if score > 19 else "00to19")
        if failed == 0:
            description = "Build stability: No recent builds failed."
        elif failed == len(completed):
            description = "Build stability: All recent builds failed."
        else:
            description = f"Build stability: {failed} out of the last {len(completed)} builds failed."
        return [{"description": description, "iconClassName": f"icon-health-{band}",
                 "iconUrl": f"health-{band}.png", "score": score}]

    def parameter_definitions(self, job: SimJob) -> list[dict]:
        definitions = []
        for parameter in job.parameters:
            definition_class, value_class = PARAMETER_CLASSES[parameter["type"]]
            default: dict[str, Any] = {"_class": value_class, "name": parameter["name"]}
            if parameter["type"] == "boolean":
                default["value"] = parameter.get("default") in (True, "true")
            elif parameter["type"] != "password":
                default["value"] = _default_text(parameter)
            definition = {
                "_class": definition_class,
                "defaultParameterValue": default,
                "description": parameter.get("description") or None,
                "name": parameter["name"],
                "type": definition_class.rsplit(".", 1)[1],
            }
            if parameter["type"] == "choice":
                definition["choices"] = list(parameter.get("choices") or [])
            if parameter["type"] == "string":
                definition["trim"] = False
            definitions.append(definition)
        return definitions

    def job(self, job: SimJob) -> dict:
        definitions = self.parameter_definitions(job)
        parameters_property = ({"_class": "hudson.model.ParametersDefinitionProperty",
                                "parameterDefinitions": definitions} if definitions else None)
        waiting = next((item for item in self.world.waiting() if item.job is job), None)
        data: dict[str, Any] = {
            "_class": job.job_class,
            "actions": [{}, *([parameters_property] if parameters_property else []), {}],
            "description": job.description or None,
            "displayName": job.name,
            "displayNameOrNull": None,
            "fullDisplayName": job.full_name.replace("/", " » "),
            "fullName": job.full_name,
            "name": job.name,
            "url": self.item_url(job.full_name),
            "buildable": not job.disabled,
            "builds": [self.build_ref(job, b) for b in job.builds[:100]],
            "color": self.color(job),
            "firstBuild": self.build_ref(job, job.builds[-1] if job.builds else None),
            "healthReport": self.health(job),
            "inQueue": waiting is not None,
            "keepDependencies": False,
            "lastBuild": self.build_ref(job, job.builds[0] if job.builds else None),
            "lastCompletedBuild": self._last(job),
            "lastFailedBuild": self._last(job, "FAILURE"),
            "lastStableBuild": self._last(job, "SUCCESS"),
            "lastSuccessfulBuild": self._last(job, "SUCCESS", "UNSTABLE"),
            "lastUnstableBuild": self._last(job, "UNSTABLE"),
            "lastUnsuccessfulBuild": self._last_unsuccessful(job),
            "nextBuildNumber": job.next_number(),
            "property": [parameters_property] if parameters_property else [],
            "queueItem": self.queue_item(waiting) if waiting else None,
            "concurrentBuild": False,
            "disabled": job.disabled,
        }
        if job.pipeline:
            data["resumeBlocked"] = False
        else:
            data.update({"downstreamProjects": [], "labelExpression": None,
                         "scm": {"_class": "hudson.scm.NullSCM"}, "upstreamProjects": []})
        return data

    # -- builds ----------------------------------------------------------------------------------------
    def cause(self, text: str) -> dict:
        cause: dict[str, Any] = {"shortDescription": text}
        if text.startswith("Started by timer"):
            cause["_class"] = "hudson.triggers.TimerTrigger$TimerTriggerCause"
        elif text.startswith("Started by GitHub push"):
            cause["_class"] = "com.cloudbees.jenkins.GitHubPushCause"
        elif text.startswith("Started by user "):
            name = text.removeprefix("Started by user ")
            user_id = next((uid for uid, full in self.world.users.items() if full == name), name)
            cause.update({"_class": "hudson.model.Cause$UserIdCause", "userId": user_id, "userName": name})
        elif match := _UPSTREAM.search(text):
            upstream = self.world.jobs.get(match["job"])
            cause.update({"_class": "hudson.model.Cause$UpstreamCause", "upstreamBuild": int(match["number"]),
                          "upstreamProject": match["job"],
                          "upstreamUrl": self.item_url(upstream.full_name).removeprefix(self.base + "/")
                          if upstream else f"job/{match['job']}/"})
        elif "SCM change" in text:
            cause["_class"] = "hudson.triggers.SCMTrigger$SCMTriggerCause"
        else:
            cause["_class"] = "hudson.model.Cause$RemoteCause"
        return {"_class": "hudson.model.CauseAction", "causes": [cause]}

    def parameter_values(self, job: SimJob, values: dict[str, str]) -> list[dict]:
        result = []
        known = {p["name"]: p for p in job.parameters}
        names = list(known) + [name for name in values if name not in known]
        for name in names:
            kind = known.get(name, {}).get("type", "string")
            value_class = PARAMETER_CLASSES[kind][1]
            value: Any = values.get(name, _default_text(known[name]) if name in known else "")
            entry: dict[str, Any] = {"_class": value_class, "name": name}
            if kind == "boolean":
                entry["value"] = str(value).lower() == "true"
            elif kind != "password":
                entry["value"] = value
            result.append(entry)
        return result

    def changes(self, build: SimBuild) -> list[dict]:
        items = []
        for index, line in enumerate(build.commits):
            match = _COMMIT.match(line.strip())
            sha, message, author = (match["sha"], match["msg"], match["author"] or "unknown") if match else (
                hashlib.sha1(line.encode()).hexdigest(), line, "unknown")
            stamp = build.started - 60 * (len(build.commits) - index)
            items.append({
                "_class": "hudson.plugins.git.GitChangeSet",
                "affectedPaths": [],
                "commitId": sha,
                "timestamp": ms(stamp),
                "author": {"absoluteUrl": self.user_url(author), "fullName": author},
                "comment": message + "\n",
                "date": datetime.fromtimestamp(stamp, timezone.utc).strftime("%Y-%m-%d %H:%M:%S +0000"),
                "id": sha,
                "msg": message,
                "paths": [],
            })
        return items

    def build(self, job: SimJob, build: SimBuild) -> dict:
        building = build.building(self.now)
        actions: list[dict] = []
        if build.cause:
            actions.append(self.cause(build.cause))
        if job.parameters or build.parameters:
            actions.append({"_class": "hudson.model.ParametersAction",
                            "parameters": self.parameter_values(job, build.parameters)})
        if (build.failed_tests or build.tests) and not building:
            failed = len(build.failed_tests)
            actions.append({"_class": "hudson.tasks.junit.TestResultAction", "failCount": failed, "skipCount": 0,
                            "totalCount": max(build.tests or 0, failed), "urlName": "testReport"})
        actions.append({})
        index = job.builds.index(build)
        changes = self.changes(build)
        authors = list(dict.fromkeys(item["author"]["fullName"] for item in changes))
        data: dict[str, Any] = {
            "_class": job.run_class,
            "actions": actions,
            "artifacts": [],
            "building": building,
            "description": None,
            "displayName": f"#{build.number}",
            "duration": 0 if building else ms(build.duration),
            "estimatedDuration": ms(build.estimated),
            "executor": ({"_class": "hudson.model.OneOffExecutor" if job.pipeline else "hudson.model.Executor"}
                         if building else None),
            "fullDisplayName": f"{job.full_name.replace('/', ' » ')} #{build.number}",
            "id": str(build.number),
            "keepLog": False,
            "number": build.number,
            "queueId": build.queue_id or 0,
            "result": build.result_at(self.now),
            "timestamp": ms(build.started),
            "url": self.build_url(job, build),
            "culprits": [{"absoluteUrl": self.user_url(a), "fullName": a} for a in authors],
            "nextBuild": self.build_ref(job, job.builds[index - 1]) if index > 0 else None,
            "previousBuild": self.build_ref(job, job.builds[index + 1]) if index + 1 < len(job.builds) else None,
        }
        change_set = {"_class": "hudson.plugins.git.GitChangeSetList", "items": changes, "kind": "git"}
        if job.pipeline:
            data["changeSets"] = [change_set] if changes else []
            data["inProgress"] = building
        else:
            data["changeSet"] = change_set if changes else {"_class": "hudson.scm.EmptyChangeLogSet", "items": [],
                                                            "kind": None}
            data["builtOn"] = ""
        return data

    # -- a build's console, tests and stages -----------------------------------------------------------
    def stage_runs(self, build: SimBuild) -> list[StageRun]:
        """The stages that ran, run or were skipped, in order, with how each went (a world build's
        `failed_stage` may name a stage or a parallel branch)."""
        tops: list[tuple[str, list[str]]] = [
            (entry, []) if isinstance(entry, str) else (next(iter(entry)), list(next(iter(entry.values()))))
            for entry in (DEFAULT_STAGES if build.stages is None else build.stages)]
        names = [name for name, _ in tops]
        failed_stage = build.failed_stage
        result = build.result_at(self.now)
        if failed_stage and not any(failed_stage == name or failed_stage in branches for name, branches in tops):
            tops.insert(1, (failed_stage, []))
            names.insert(1, failed_stage)

        def run(name: str, branches: list[str], status: str, failing: str | None = None) -> StageRun:
            return StageRun(name, status, [StageRun(b, status if failing in (None, b) else "SUCCESS")
                                           for b in branches])

        if not tops:
            return []  # a scripted Pipeline without stages (`stages: []`): no stage markers at all
        if result is None:
            elapsed = max(0.0, self.now - build.started)
            done = min(len(tops) - 1, int(len(tops) * elapsed / max(build.estimated, 1)))
            return [run(n, b, "SUCCESS") for n, b in tops[:done]] + [run(*tops[done], "IN_PROGRESS")]
        if result == "SUCCESS":
            return [run(n, b, "SUCCESS") for n, b in tops]
        if not failed_stage:
            if result in ("UNSTABLE", "FAILURE") and build.failed_tests and "Test" in names:
                failed_stage = "Test"
            else:
                failed_stage = names[min(len(names) - 1, len(names) // 2)]
        position = next(i for i, (n, b) in enumerate(tops) if failed_stage == n or failed_stage in b)
        name, branches = tops[position]
        failing = failed_stage if failed_stage in branches else (branches[0] if branches else None)
        after = "SUCCESS" if result == "UNSTABLE" else "NOT_EXECUTED"
        return ([run(n, b, "SUCCESS") for n, b in tops[:position]] + [run(name, branches, STAGE_STATUS[result],
                                                                          failing)]
                + [run(n, b, after) for n, b in tops[position + 1:]])

    def stage_plan(self, build: SimBuild) -> list[tuple[str, str]]:
        """(stage, wfapi status) of every stage, each parallel stage followed by its branches (as the Stage
        View lists them: flat)."""
        return [(stage.name, stage.status) for top in self.stage_runs(build) for stage in (top, *top.branches)]

    @staticmethod
    def _console_stage(stage: StageRun) -> list[str]:
        """A declarative stage's lines in the console, as workflow-cps and pipeline-model-definition print
        them: a skipped stage says so (SkippedStageReason) and asks for its context; a parallel stage opens
        every branch (`{ (Branch: name)`), then each branch's stage; a branch that failed says `Failed in
        branch name` (ParallelStep) after it closes."""
        lines = ["[Pipeline] stage", f"[Pipeline] {{ ({stage.name})"]
        skipped = stage.status == "NOT_EXECUTED"
        if skipped:
            lines += [f'Stage "{stage.name}" skipped due to earlier failure(s)', "[Pipeline] getContext"]
        if stage.branches:
            lines.append("[Pipeline] parallel")
            lines += [f"[Pipeline] {{ (Branch: {branch.name})" for branch in stage.branches]
            for branch in stage.branches:
                lines += ["[Pipeline] stage", f"[Pipeline] {{ ({branch.name})"]
            if skipped:
                for branch in stage.branches:
                    lines += [f'Stage "{branch.name}" skipped due to earlier failure(s)', "[Pipeline] getContext"]
            if stage.status == "IN_PROGRESS":
                return lines
            for branch in stage.branches:
                lines += ["[Pipeline] }", "[Pipeline] // stage", "[Pipeline] }"]
                if branch.status in ("FAILED", "ABORTED"):
                    lines.append(f"Failed in branch {branch.name}")
            lines.append("[Pipeline] // parallel")
        if stage.status == "IN_PROGRESS":
            return lines
        return [*lines, "[Pipeline] }", "[Pipeline] // stage"]

    def console(self, job: SimJob, build: SimBuild) -> str:
        lines = [build.cause or "Started"]
        workspace = f"/var/lib/jenkins/workspace/{job.full_name.replace('/', '_')}"
        result = build.result_at(self.now)
        if job.pipeline:
            lines += ["[Pipeline] Start of Pipeline", "[Pipeline] node", f"Running on Jenkins in {workspace}",
                      "[Pipeline] {"]
            for stage in self.stage_runs(build):
                lines += self._console_stage(stage)
            if result is not None:
                lines += ["[Pipeline] }", "[Pipeline] // node", "[Pipeline] End of Pipeline"]
        else:
            lines.append(f"Building in workspace {workspace}")
        tail = [line for entry in build.log_tail for line in entry.split("\n")]
        lines += [line for line in tail if not line.startswith("Finished: ")]
        if result is not None:
            lines.append(f"Finished: {result}")
        return "\n".join(lines) + "\n"

    def test_report(self, job: SimJob, build: SimBuild) -> dict | None:
        if build.building(self.now) or not (build.failed_tests or build.tests):
            return None
        previous = next((b for b in job.builds if b.number < build.number and b.result_at(self.now)), None)
        suites: dict[str, list[dict]] = {}
        for test in build.failed_tests:
            class_name, _, name = test.rpartition(".")
            regression = previous is not None and test not in previous.failed_tests
            short = f"{class_name.rsplit('.', 1)[-1]}.{name}"
            detail = next((line.split(short, 1)[1].lstrip(":0123456789 ").strip()
                           for line in build.log_tail if short in line), None)
            suites.setdefault(class_name or name, []).append({
                "testActions": [], "age": 1, "className": class_name or name, "duration": 0.5,
                "errorDetails": detail or None, "errorStackTrace": None, "failedSince": build.number,
                "name": name, "skipped": False, "skippedMessage": None,
                "status": "REGRESSION" if regression else "FAILED", "stderr": None, "stdout": None,
            })
        failed = len(build.failed_tests)
        return {
            "_class": "hudson.tasks.junit.TestResult",
            "testActions": [],
            "duration": round(build.duration * 0.6, 3),
            "empty": False,
            "failCount": failed,
            "passCount": max(0, (build.tests or failed) - failed),
            "skipCount": 0,
            "suites": [{"cases": cases, "duration": 0.5 * len(cases), "enclosingBlockNames": [],
                        "enclosingBlocks": [], "id": None, "name": name, "nodeId": None, "stderr": None,
                        "stdout": None, "timestamp": None} for name, cases in suites.items()],
        }

    def _timed_runs(self, build: SimBuild) -> tuple[list[tuple[StageRun, float, float, int, bool]], float]:
        """Each stage and branch with its start, length, flow node id and whether it is a parallel branch;
        and the run's length so far. Top stages share the run's time; a parallel stage's branches run inside
        their stage's time."""
        runs = self.stage_runs(build)
        result = build.result_at(self.now)
        total = (self.now - build.started) if result is None else build.duration
        each = total / max(len(runs), 1)
        timed: list[tuple[StageRun, float, float, int, bool]] = []
        for index, stage in enumerate(runs):
            start = build.started + each * index
            node = 6 + 9 * len(timed)
            timed.append((stage, start, 0.0 if stage.status == "NOT_EXECUTED" else each, node, False))
            for number, branch in enumerate(stage.branches, start=1):
                length = 0.0 if branch.status == "NOT_EXECUTED" else each * 0.9
                timed.append((branch, start + 0.001 * number, length, node + 3 * number, True))
        return timed, total

    def stages(self, job: SimJob, build: SimBuild) -> dict:
        """Pipeline Stage View's wfapi/describe (RunExt): its stages in one flat list."""
        timed, total = self._timed_runs(build)
        result = build.result_at(self.now)
        path = self.build_url(job, build).removeprefix(self.base)
        stages = []
        for stage, start, length, node, _ in timed:
            node_id = str(node)
            entry: dict[str, Any] = {
                "_links": {"self": {"href": f"{path}execution/node/{node_id}/wfapi/describe"}},
                "id": node_id, "name": stage.name, "execNode": "", "status": stage.status,
                "startTimeMillis": ms(start), "durationMillis": ms(length), "pauseDurationMillis": 0,
            }
            if stage.status == "FAILED":
                entry["error"] = {"message": "script returned exit code 1", "type": "hudson.AbortException"}
            stages.append(entry)
        status = "IN_PROGRESS" if result is None else STAGE_STATUS[result]
        return {
            "_links": {"self": {"href": f"{path}wfapi/describe"}},
            "id": str(build.number), "name": f"#{build.number}", "status": status,
            "startTimeMillis": ms(build.started),
            "endTimeMillis": ms(build.started + total),
            "durationMillis": ms(total), "queueDurationMillis": 5, "pauseDurationMillis": 0,
            "stages": stages,
        }

    def graph_tree(self, job: SimJob, build: SimBuild, url_name: str) -> dict:
        """Pipeline Graph View's `<build>/<url_name>/tree` (PipelineGraph in Stapler's okJSON envelope): the
        top stages, each parallel stage with its branches as `children` (type PARALLEL); states in lower
        case; no totalDurationMillis while a stage runs."""
        timed, _ = self._timed_runs(build)
        result = build.result_at(self.now)
        run_url = self.build_url(job, build).removeprefix(self.base + "/")

        def node(stage: StageRun, start: float, length: float, number: int, kind: str,
                 children: list[dict]) -> dict:
            entry: dict[str, Any] = {
                "name": stage.name, "state": GRAPH_STATE[stage.status], "type": kind, "title": stage.name,
                "id": str(number), "pauseDurationMillis": 0, "startTimeMillis": ms(start),
                "children": children, "isSequential": False, "synthetic": False, "placeholder": False,
                "agent": "built-in", "url": f"/{run_url}{url_name}/?selected-node={number}",
            }
            if stage.status != "IN_PROGRESS":
                entry["totalDurationMillis"] = ms(length)
            return entry

        tops: list[dict] = []
        for stage, start, length, number, branch in timed:
            if branch:
                tops[-1]["children"].append(node(stage, start, length, number, "PARALLEL", []))
            else:
                tops.append(node(stage, start, length, number, "STAGE", []))
        return {"status": "ok", "data": {"stages": tops, "complete": result is not None}}

    # -- queue -----------------------------------------------------------------------------------------
    def queue_item(self, item: SimQueueItem) -> dict:
        job = item.job
        actions: list[dict] = []
        if item.parameters:
            actions.append({"_class": "hudson.model.ParametersAction",
                            "parameters": self.parameter_values(job, item.parameters)})
        if item.cause:
            actions.append(self.cause(item.cause))
        data: dict[str, Any] = {
            "actions": actions,
            "blocked": False,
            "buildable": False,
            "id": item.id,
            "inQueueSince": ms(item.since),
            "params": "".join(f"\n{k}={v}" for k, v in item.parameters.items()),
            "stuck": False,
            "task": self.item_ref(job),
            "url": f"queue/item/{item.id}/",
            "why": item.why,
        }
        if item.build_number is not None:
            build = job.build(item.build_number)
            data.update({"_class": "hudson.model.Queue$LeftItem", "why": None, "cancelled": False,
                         "executable": self.build_ref(job, build)})
        elif item.starts_at is not None:
            seconds = max(0.0, item.starts_at - self.now)
            data.update({"_class": "hudson.model.Queue$WaitingItem", "timestamp": ms(item.starts_at),
                         "why": f"In the quiet period. Expires in {seconds:.1f} sec"})
        else:
            data.update({"_class": "hudson.model.Queue$BuildableItem", "buildable": True,
                         "buildableStartMilliseconds": ms(item.since), "pending": False,
                         "why": item.why or "Waiting for next available executor"})
        return data

    def queue(self) -> dict:
        return {"_class": "hudson.model.Queue", "discoverableItems": [],
                "items": [self.queue_item(item) for item in self.world.waiting()]}

    # -- nodes -----------------------------------------------------------------------------------------
    def _running(self) -> list[tuple[SimJob, SimBuild]]:
        return [(job, build) for job in self.world.jobs.values() for build in job.builds
                if build.building(self.now)]

    def computers(self) -> dict:
        running = self._running()
        computers = []
        busy_total = 0
        for node in self.world.nodes:
            executors = []
            busy = node.busy if node.online else 0
            busy_total += busy
            for number in range(node.executors):
                executable: Any = None
                if number < busy:
                    if running:
                        executable = self.build_ref(*running.pop(0))
                    else:
                        executable = {"_class": "org.jenkinsci.plugins.workflow.support.steps."
                                                "ExecutorStepExecution$PlaceholderTask$PlaceholderExecutable"}
                entry = {"currentExecutable": executable, "idle": executable is None, "likelyStuck": False,
                         "number": number, "progress": -1 if executable is None else 50}
                executors.append(Ref({}, lambda entry=entry: entry))
            computers.append(self.computer(node, executors, busy))
        return {"_class": "hudson.model.ComputerSet", "busyExecutors": busy_total, "computer": computers,
                "displayName": "Nodes", "totalExecutors": sum(n.executors for n in self.world.nodes if n.online)}

    def computer(self, node: SimNode, executors: list[Ref], busy: int) -> dict:
        offline_cause = None
        if not node.online:
            reason = node.offline_reason
            cause_class = ("hudson.node_monitors.DiskSpaceMonitorDescriptor$DiskSpace" if "disk space" in
                           reason.lower() else "hudson.slaves.OfflineCause$UserCause" if reason.startswith(
                               "Disconnected by") else "hudson.slaves.OfflineCause$ChannelTermination")
            offline_cause = {"_class": cause_class, "description": reason, "timestamp": ms(self.world.started_at)}
        icon = "symbol-computer" if node.online else "symbol-computer-offline"
        labels = ["built-in"] if node.built_in else [node.name]
        return {
            "_class": "hudson.model.Hudson$MasterComputer" if node.built_in else "hudson.slaves.SlaveComputer",
            "actions": [],
            "assignedLabels": [{"name": label} for label in [*labels, *node.labels]],
            "description": "the Jenkins controller's built-in node" if node.built_in else "",
            "displayName": node.display_name,
            "executors": executors,
            "icon": icon,
            "iconClassName": icon,
            "idle": busy == 0,
            "jnlpAgent": not node.built_in,
            "launchSupported": True,
            "loadStatistics": {"_class": "hudson.model.Label$1"},
            "manualLaunchAllowed": True,
            "monitorData": {},
            "numExecutors": node.executors,
            "offline": not node.online,
            "offlineCause": offline_cause,
            "offlineCauseReason": node.offline_reason if not node.online else "",
            "oneOffExecutors": [],
            "temporarilyOffline": not node.online and offline_cause is not None
            and not offline_cause["_class"].endswith("ChannelTermination"),
        }

    # -- the API user ----------------------------------------------------------------------------------
    def me(self) -> dict:
        user = self.world.api_user
        return {"_class": "hudson.model.User", "absoluteUrl": self.user_url(user), "description": None,
                "fullName": self.world.users.get(user, user), "id": user, "property": []}

    def crumb(self) -> dict:
        return {"_class": "hudson.security.csrf.DefaultCrumbIssuer", "crumb": self.world.crumb,
                "crumbRequestField": "Jenkins-Crumb"}
