"""Jenkins facade: python-jenkins (unmodified, run off the event loop) → typed results; only BackendError.

Cost per call, in Jenkins requests (the client fetches a CSRF crumb once, on its first request):
  jobs()        1 `tree=`-filtered request for every job in every folder, cached NAMES_MAX_AGE for names
  overview()    the same request, never older than FRESH_MAX_AGE ("is it green" must be current)
  job()         1 (the job with its last, last completed and last unsuccessful builds and its parameters)
  build()       1
  history()     1 (the last HISTORY_BUILDS builds' numbers and results: where a run of failures began)
  failure()     ≤ 3 in parallel: the stages (pipelines), testReport (when tests failed), consoleText. The stages
                come from the plugin this Jenkins has, learnt on the first failure asked about (then remembered
                for PLUGIN_MAX_AGE): Pipeline Stage View's wfapi/describe; else Pipeline Graph View's tree
                (its 3 URL names probed in parallel, once); else the console's `[Pipeline] { (Stage)` markers
  activity()    2 (the job tree and the queue)
  agents()      1
  trigger()     1 POST (+ the crumb), then wait_for_start() polls the queue item at most ~6 times
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlparse

from backends.cache import TTLCache
from backends.facade import Facade
from backends.faults import BLOCKING_CALL_THREADS, BackendError, Fault, fault_for_status, in_thread
from backends.jenkins.settings import JenkinsSettings, jenkins_settings

BACKEND = "Jenkins"
NAMES_MAX_AGE = 60.0
FRESH_MAX_AGE = 3.0
FOLDER_LEVELS = 4
LOG_LINES = 6
POLL_SECONDS = 4.0
POLL_INTERVAL = 0.75
HISTORY_BUILDS = 25  # how far back "who broke it?" looks for the build where a run of failures began
PLUGIN_MAX_AGE = 600.0  # how long the facade trusts what it learnt of which stage plugin Jenkins has

# Where a build's stages come from (Failure.stage_source), best first.
STAGE_VIEW = "stage-view"  # Pipeline Stage View: <build>/wfapi/describe (python-jenkins' get_build_stages)
GRAPH_VIEW = "graph-view"  # Pipeline Graph View (suggested by the setup wizard since 2024): <build>/<name>/tree
CONSOLE = "console"  # neither plugin: the console's `[Pipeline] { (Stage)` markers
# Pipeline Graph View's URL name for a build's page, newest release first: `stages` since 777.v… (Feb 2026),
# `pipeline-overview` in 520–776, `pipeline-console` before (its `tree` since 2021).
GRAPH_VIEW_PATHS = ("stages", "pipeline-overview", "pipeline-console")
_WFAPI = "wfapi"

_BUILD = "number,url,result,building,timestamp,duration,estimatedDuration"
_BUILD_DETAIL = (_BUILD + ",actions[causes[shortDescription],parameters[name,value],failCount,skipCount,totalCount],"
                 "changeSets[items[commitId,msg,author[fullName]]],changeSet[items[commitId,msg,author[fullName]]],"
                 "culprits[fullName]")
_PARAMETER_VALUES = "actions[parameters[name,value]]"
_PARAMETER_DEFINITIONS = "property[parameterDefinitions[name,type,description,choices,defaultParameterValue[value]]]"
_LIST = (f"name,fullName,url,color,buildable,{_PARAMETER_DEFINITIONS},lastBuild[{_BUILD},{_PARAMETER_VALUES}],"
         f"lastCompletedBuild[{_BUILD},{_PARAMETER_VALUES}]")
_JOB = (f"name,fullName,url,color,buildable,disabled,description,inQueue,queueItem[why],healthReport[description],"
        f"property[parameterDefinitions[name,type,description,choices,defaultParameterValue[value]]],"
        f"lastBuild[{_BUILD_DETAIL}],lastCompletedBuild[{_BUILD_DETAIL}],lastUnsuccessfulBuild[{_BUILD_DETAIL}]")
_AGENTS = ("computer[displayName,offline,temporarilyOffline,offlineCauseReason,offlineCause[description],"
           "numExecutors,idle,assignedLabels[name],executors[idle]]")
_TESTS = "failCount,passCount,skipCount,suites[cases[className,name,status,errorDetails]]"
_STATUS_IN_MESSAGE = re.compile(r"\[(\d{3})\]")
_PARAMETER_KINDS = {"StringParameterDefinition": "string", "TextParameterDefinition": "text",
                    "ChoiceParameterDefinition": "choice", "BooleanParameterDefinition": "boolean",
                    "PasswordParameterDefinition": "password"}

T = TypeVar("T")


# -- typed results -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    commit: str
    message: str
    author: str


@dataclass
class BuildInfo:
    job: str  # the job's full name
    number: int
    url: str
    result: str | None  # SUCCESS, FAILURE, UNSTABLE, ABORTED, NOT_BUILT; None while building
    building: bool
    started: float  # Unix seconds
    duration: float  # seconds (0 while building)
    estimated: float  # seconds, Jenkins' estimate from earlier builds
    causes: list[str] = field(default_factory=list)
    parameters: dict[str, str] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    failed_tests: int | None = None
    total_tests: int | None = None
    # Jenkins' own "culprits": the authors of the changes since the last successful build (freestyle and
    # Pipeline runs both export them); empty for builds without changes (timer, manual).
    culprits: list[str] = field(default_factory=list)

    @property
    def finished(self) -> float:
        return self.started + self.duration

    def elapsed(self, now: float | None = None) -> float:
        return max(0.0, (time.time() if now is None else now) - self.started)


@dataclass
class Job:
    full_name: str
    name: str
    url: str
    job_class: str
    color: str | None
    buildable: bool | None
    is_folder: bool
    last_build: BuildInfo | None = None
    last_completed: BuildInfo | None = None
    parameters: list[ParameterDef] = field(default_factory=list)

    @property
    def folder(self) -> str:
        return self.full_name.rpartition("/")[0]

    @property
    def building(self) -> bool:
        return bool(self.color and self.color.endswith("_anime"))

    @property
    def disabled(self) -> bool:
        return self.color == "disabled"

    @property
    def pipeline(self) -> bool:
        return "workflow" in self.job_class.lower()


@dataclass
class OffDefault:
    """A build that ran with other values than the job's defaults (another branch, a dry run), and the newest
    finished build that ran with the defaults (None: none among the recent builds)."""

    build: BuildInfo
    ran: dict[str, str]  # NAME → the value it ran with
    defaults: dict[str, str]  # NAME → the job's default
    default_build: BuildInfo | None
    ref: str | None = None  # the name of the job's branch parameter, when it is one of them


@dataclass
class ParameterDef:
    name: str
    kind: str  # string, text, choice, boolean, password, or Jenkins' type name for other kinds
    default: str | None
    description: str = ""
    choices: list[str] = field(default_factory=list)

    @property
    def required(self) -> bool:
        """Jenkins has no "required": a text parameter without a default is one a person must fill in."""
        return self.kind in ("string", "text", "password") and not (self.default or "").strip()


@dataclass
class JobDetail(Job):
    description: str = ""
    disabled_flag: bool | None = None
    in_queue: bool = False
    queue_why: str | None = None
    health: str = ""
    parameters: list[ParameterDef] = field(default_factory=list)
    last_unsuccessful: BuildInfo | None = None

    @property
    def disabled(self) -> bool:
        return bool(self.disabled_flag) or self.color == "disabled" or self.buildable is False


@dataclass(frozen=True)
class Stage:
    name: str
    status: str  # wfapi: SUCCESS, FAILED, UNSTABLE, ABORTED, IN_PROGRESS, NOT_EXECUTED, PAUSED_PENDING_INPUT
    duration: float
    error: str = ""
    parent: str = ""  # the stage it runs inside (a branch of a parallel stage), when known


_TROUBLE = ("FAILED", "UNSTABLE", "ABORTED")  # worst first


@dataclass(frozen=True)
class FailedTest:
    class_name: str
    name: str
    status: str
    details: str = ""

    @property
    def short(self) -> str:
        return f"{self.class_name.rsplit('.', 1)[-1]}.{self.name}" if self.class_name else self.name


@dataclass
class Failure:
    build: BuildInfo
    stages: list[Stage]
    failed_tests: list[FailedTest]
    log_tail: list[str]
    console_url: str
    stage_source: str = ""  # STAGE_VIEW, GRAPH_VIEW or CONSOLE: where `stages` came from ("" : no stages)

    @property
    def failed_stage(self) -> Stage | None:
        """The first stage with the worst trouble; of a parallel stage that failed, the branch that failed."""
        for status in _TROUBLE:
            troubled = [s for s in self.stages if s.status == status]
            if not troubled:
                continue
            stage, seen = troubled[0], {troubled[0].name}
            while inner := next((s for s in troubled if s.parent == stage.name and s.name not in seen), None):
                stage = inner
                seen.add(stage.name)
            return stage
        return None


@dataclass
class QueueEntry:
    id: int
    job: str  # full name
    url: str  # the job's URL
    why: str
    since: float
    stuck: bool = False
    blocked: bool = False
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass
class Activity:
    running: list[Job]
    queued: list[QueueEntry]
    url: str


@dataclass
class Agent:
    name: str
    online: bool
    temporarily_offline: bool
    reason: str
    executors: int
    busy: int
    labels: list[str]
    url: str


@dataclass
class QueueItemState:
    id: int
    job: str
    why: str | None
    build_number: int | None = None
    build_url: str | None = None
    cancelled: bool = False
    since: float | None = None  # Unix seconds: when it entered the queue


# -- parsing Jenkins JSON ------------------------------------------------------------------------------
def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def parse_build(job: str, data: dict | None) -> BuildInfo | None:
    if not isinstance(data, dict) or "number" not in data:
        return None
    causes: list[str] = []
    parameters: dict[str, str] = {}
    failed = total = None
    for action in data.get("actions") or []:
        if not isinstance(action, dict):
            continue
        causes += [c["shortDescription"] for c in action.get("causes") or [] if c.get("shortDescription")]
        for parameter in action.get("parameters") or []:
            if "name" in parameter:
                parameters[parameter["name"]] = _text(parameter.get("value", "****"))
        if "failCount" in action:
            failed, total = action.get("failCount"), action.get("totalCount")
    change_sets = list(data.get("changeSets") or [])
    if isinstance(data.get("changeSet"), dict):
        change_sets.append(data["changeSet"])
    changes = [
        Change(str(item.get("commitId") or "")[:7], str(item.get("msg") or "").strip(),
               str((item.get("author") or {}).get("fullName") or ""))
        for change_set in change_sets for item in change_set.get("items") or []
    ]
    building = bool(data.get("building"))
    culprits = [str(c.get("fullName")) for c in data.get("culprits") or [] if isinstance(c, dict) and c.get("fullName")]
    return BuildInfo(
        job=job, number=int(data["number"]), url=str(data.get("url") or ""),
        result=None if building else data.get("result"), building=building,
        started=(data.get("timestamp") or 0) / 1000, duration=(data.get("duration") or 0) / 1000,
        estimated=max(0, data.get("estimatedDuration") or 0) / 1000, causes=list(dict.fromkeys(causes)),
        parameters=parameters, changes=changes, failed_tests=failed, total_tests=total,
        culprits=list(dict.fromkeys(culprits)),
    )


def _job(data: dict, parent: str) -> Job:
    name = str(data.get("name") or "")
    full_name = str(data.get("fullName") or (f"{parent}/{name}" if parent else name))
    return Job(
        full_name=full_name, name=name, url=str(data.get("url") or ""), job_class=str(data.get("_class") or ""),
        color=data.get("color"), buildable=data.get("buildable"), is_folder="jobs" in data,
        last_build=parse_build(full_name, data.get("lastBuild")),
        last_completed=parse_build(full_name, data.get("lastCompletedBuild")),
        parameters=[_parameter(d) for prop in data.get("property") or [] if isinstance(prop, dict)
                    for d in prop.get("parameterDefinitions") or []],
    )


def flatten_jobs(items: list[dict], parent: str = "") -> list[Job]:
    """Jobs and folders of a `jobs[…,jobs[…]]` tree, depth first, with full names."""
    found: list[Job] = []
    for data in items or []:
        if not isinstance(data, dict) or "name" not in data:
            continue
        job = _job(data, parent)
        found.append(job)
        if job.is_folder:
            found += flatten_jobs(data.get("jobs") or [], job.full_name)
    return found


def _parameter(data: dict) -> ParameterDef:
    kind = str(data.get("type") or "")
    default = (data.get("defaultParameterValue") or {}).get("value")
    return ParameterDef(name=str(data.get("name") or ""), kind=_PARAMETER_KINDS.get(kind, kind),
                        default=None if default is None else _text(default),
                        description=str(data.get("description") or ""),
                        choices=[str(c) for c in data.get("choices") or []])


def parse_job_detail(data: dict) -> JobDetail:
    base = _job(data, "")
    parameters = [_parameter(d) for prop in data.get("property") or [] if isinstance(prop, dict)
                  for d in prop.get("parameterDefinitions") or []]
    health = next((h.get("description") for h in data.get("healthReport") or [] if h.get("description")), "")
    return JobDetail(
        **{f: getattr(base, f) for f in ("full_name", "name", "url", "job_class", "color", "buildable", "is_folder",
                                         "last_build", "last_completed")},
        description=str(data.get("description") or ""), disabled_flag=data.get("disabled"),
        in_queue=bool(data.get("inQueue")), queue_why=(data.get("queueItem") or {}).get("why"), health=health,
        parameters=parameters,
        last_unsuccessful=parse_build(base.full_name, data.get("lastUnsuccessfulBuild")),
    )


BROKEN = ("FAILURE", "UNSTABLE")


def first_broken(history: list[BuildInfo], number: int, complete: bool = False) -> tuple[int, bool]:
    """Where the run of red or yellow builds that contains build `number` began: (its number, whether that is
    certain: the build before it passed, or `history` is the job's complete history and it is the first).
    Aborted and unbuilt runs say nothing either way and are stepped over; `history` is newest first.
    (number, False) when `number` is not in `history` at all."""
    older = [b for b in history if b.number <= number]
    if not older or older[0].number != number:
        return number, False
    first = number
    for build in older:
        if build.result == "SUCCESS":
            return first, True
        if build.result in BROKEN:
            first = build.number
    return first, complete


def full_name_from_url(url: str) -> str:
    """http://host/job/platform/job/terraform-plan/ → platform/terraform-plan."""
    parts = [unquote(p) for p in urlparse(url).path.split("/") if p]
    names = [parts[i + 1] for i in range(len(parts) - 1) if parts[i] == "job"]
    return "/".join(names)


def job_path(full_name: str) -> str:
    return "/".join(f"job/{quote(part, safe='')}" for part in full_name.split("/"))


# -- stages, from whichever source this Jenkins has ----------------------------------------------------
def _seconds(millis: Any) -> float:
    try:
        return max(0.0, float(millis or 0) / 1000)
    except (TypeError, ValueError):  # Pipeline Graph View's early releases sent times as strings
        return 0.0


def stages_from_stage_view(data: Any) -> list[Stage]:
    """wfapi/describe's stages. They come as one flat list (the stages of a parallel stage's branches too);
    a stage that began and ended inside an earlier stage's time ran inside it."""
    stages: list[Stage] = []
    spans: list[tuple[float, float]] = []
    items = data.get("stages") if isinstance(data, dict) else None
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        start, length = _seconds(item.get("startTimeMillis")), _seconds(item.get("durationMillis"))
        parent = next((outer.name for outer, (begin, end) in zip(reversed(stages), reversed(spans), strict=True)
                       if length > 0 and begin <= start < end and start + length <= end
                       and (begin, end) != (start, start + length)), "")
        stages.append(Stage(str(item.get("name") or ""), str(item.get("status") or ""), length,
                            str((item.get("error") or {}).get("message") or ""), parent))
        spans.append((start, start + length))
    return stages


# Pipeline Graph View's states (lower case on the wire) → the Stage View's words that Stage uses.
_GRAPH_STATES = {"success": "SUCCESS", "failure": "FAILED", "unstable": "UNSTABLE", "aborted": "ABORTED",
                 "skipped": "NOT_EXECUTED", "not_built": "NOT_EXECUTED", "running": "IN_PROGRESS",
                 "queued": "IN_PROGRESS", "paused": "PAUSED_PENDING_INPUT"}


def stages_from_graph_view(data: Any) -> list[Stage]:
    """Pipeline Graph View's `tree`: {"status": "ok", "data": {"stages": [...], "complete": …}}, each stage
    {id, name, state, type, children: [the branches of a parallel stage], totalDurationMillis, …}; depth first."""
    body = data.get("data") if isinstance(data, dict) and isinstance(data.get("data"), dict) else data
    stages: list[Stage] = []

    def walk(items: Any, parent: str, depth: int) -> None:
        for item in items if isinstance(items, list) and depth < 16 else []:
            if not isinstance(item, dict):
                continue
            name = str(item.get("name") or "")
            state = str(item.get("state") or item.get("result") or "").lower()
            stages.append(Stage(name, _GRAPH_STATES.get(state, state.upper()),
                                _seconds(item.get("totalDurationMillis")), parent=parent))
            walk(item.get("children"), name, depth + 1)

    walk((body or {}).get("stages") if isinstance(body, dict) else None, "", 0)
    return stages


# A console line may start with the Timestamper plugin's time: "[2026-11-18T14:02:11.123Z] " or "14:02:11  ".
_STAMP = r"(?:\[\d{4}-\d\d-\d\dT[\d:.]+Z?\]\s?|\d\d:\d\d:\d\d\s+)?"
# Lines are stripped of trailing spaces before matching: no pattern backtracks over a long run of them.
_BLOCK = re.compile(rf"^{_STAMP}\[Pipeline\] \{{ \((?P<name>[^\n]{{1,300}})\)$")  # a stage (or a branch) began
_SKIPPED = re.compile(rf'^{_STAMP}Stage "(?P<name>[^"\n]{{1,300}})" skipped due to (?P<why>[^\n]{{1,300}})$')
_BRANCH_FAILED = re.compile(rf"^{_STAMP}Failed in branch (?P<name>[^\n]{{1,300}})$")
# The console read for stages and the log's tail: its last MAX_CONSOLE_CHARS (a runaway log can be gigabytes).
MAX_CONSOLE_CHARS = 4_000_000
MAX_LINE_CHARS = 2_000
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")  # the AnsiColor plugin's colours
_BRANCH = "Branch: "  # `[Pipeline] { (Branch: Unit)`: a branch of `parallel`, not a stage
_POST = "Declarative: Post Actions"
_RESULT_STATUS = {"FAILURE": "FAILED", "UNSTABLE": "UNSTABLE", "ABORTED": "ABORTED"}


def stages_from_console(console: str, result: str | None, building: bool = False) -> list[Stage]:
    """The stages a Pipeline's console shows, and the one that failed, for a Jenkins without a stage plugin.

    The console says where each stage began (`[Pipeline] stage` / `[Pipeline] { (Name)`), which were skipped
    (`Stage "Name" skipped due to earlier failure(s)`, `… earlier stage(s) marking the build as unstable`,
    `… when conditional`: pipeline-model-definition's SkippedStageReason) and which parallel branch failed
    (`Failed in branch Name`: workflow-cps' ParallelStep; a declarative parallel stage's branch has its name).
    Lines may begin with the Timestamper plugin's time. Where a stage ended is unclear inside `parallel`
    (the branches' `[Pipeline] }` lines interleave), so the failed stage is: the branch that failed; else the
    last stage that ran before the first one skipped for an earlier failure or instability; else, when the
    build failed or was aborted, the last stage that ran (not the post actions). An unstable build without
    such a skip names none: nothing in the console says which stage marked it unstable."""
    order: list[str] = []
    seen: set[str] = set()
    skipped: dict[str, str] = {}
    first_skip: str | None = None
    failed_branch: str | None = None
    for line in console[-MAX_CONSOLE_CHARS:].splitlines():
        line = line[:MAX_LINE_CHARS].rstrip()
        if "\x1b" in line:
            line = _COLOUR.sub("", line)
        if block := _BLOCK.match(line):
            name = block["name"]
            if not name.startswith(_BRANCH) and name not in seen:
                order.append(name)
                seen.add(name)
        elif skip := _SKIPPED.match(line):
            skipped.setdefault(skip["name"], skip["why"])
            if first_skip is None and skip["why"].startswith("earlier "):  # failure(s), or stage(s) … unstable
                first_skip = skip["name"]
        elif failed_branch is None and (branch := _BRANCH_FAILED.match(line)):
            failed_branch = branch["name"]
    ran = [name for name in order if name not in skipped]
    culprit = None
    if failed_branch in ran:
        culprit = failed_branch
    elif first_skip in order:
        before = [name for name in order[:order.index(first_skip)] if name not in skipped]
        culprit = before[-1] if before else None
    elif result in ("FAILURE", "ABORTED"):
        candidates = [name for name in ran if name != _POST]
        culprit = candidates[-1] if candidates else None
    running = ran[-1] if building and culprit is None and ran else None
    return [Stage(name, "NOT_EXECUTED" if name in skipped else _RESULT_STATUS.get(result or "", "FAILED")
                  if name == culprit else "IN_PROGRESS" if name == running else "SUCCESS", 0.0)
            for name in order]


def log_tail(console: str, lines: int = LOG_LINES) -> list[str]:
    """The last lines a person reads: without Pipeline step markers and blank lines."""
    useful = [line.rstrip() for line in console.splitlines()
              if line.strip() and not line.startswith("[Pipeline]")]
    return useful[-lines:]


# -- errors --------------------------------------------------------------------------------------------
def _retry_at(response: Any) -> datetime | None:
    value = (getattr(response, "headers", None) or {}).get("Retry-After")
    if value and str(value).isdigit():
        return datetime.now(timezone.utc) + timedelta(seconds=int(value))
    return None


def translate(exc: Exception) -> BackendError:
    """A python-jenkins (or requests) exception → the shared BackendError."""
    import jenkins
    import requests

    seen: Exception | None = exc
    while seen is not None:  # python-jenkins often re-raises an HTTPError as a message; the cause keeps it
        response = getattr(seen, "response", None)
        if isinstance(seen, requests.HTTPError) and response is not None:
            status = response.status_code
            if status == 409:
                return BackendError(BACKEND, Fault.REFUSED, "that job is not buildable right now (HTTP 409)")
            return BackendError(BACKEND, fault_for_status(status), f"HTTP {status}", retry_at=_retry_at(response))
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    if isinstance(exc, jenkins.TimeoutException):
        return BackendError(BACKEND, Fault.TIMED_OUT)
    if isinstance(exc, jenkins.NotFoundException):
        return BackendError(BACKEND, Fault.NOT_FOUND)
    message = str(exc)
    status_match = _STATUS_IN_MESSAGE.search(message)
    if status_match:
        status = int(status_match.group(1))
        return BackendError(BACKEND, fault_for_status(status), f"HTTP {status}")
    if "parse JSON" in message:
        return BackendError(BACKEND, Fault.BAD_RESPONSE, "malformed JSON")
    if "does not exist" in message:
        return BackendError(BACKEND, Fault.NOT_FOUND)
    return BackendError(BACKEND, Fault.BAD_RESPONSE)


def _guarded(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    import jenkins

    try:
        return call(*args, **kwargs)
    except jenkins.JenkinsException as exc:
        raise translate(exc) from exc
    except Exception as exc:
        import requests

        if isinstance(exc, requests.HTTPError):
            raise translate(exc) from exc
        raise


# -- the facade ----------------------------------------------------------------------------------------
class JenkinsService:
    """One per Jenkins server (URL + user): holds the client and the job-list cache."""

    def __init__(self, config: JenkinsSettings, timeout: float) -> None:
        import jenkins

        self.base_url = config.url.rstrip("/")
        self._client = jenkins.Jenkins(self.base_url, username=config.user or None, password=config.token or None,
                                       timeout=timeout)
        # A kept-alive connection for each call that can run at once (requests keeps 10 by default).
        from requests.adapters import HTTPAdapter

        pooled = HTTPAdapter(pool_maxsize=BLOCKING_CALL_THREADS)
        for scheme in ("http://", "https://"):
            self._client._session.mount(scheme, pooled)
        self._jobs: TTLCache[list[Job]] = TTLCache(NAMES_MAX_AGE)
        # which stage API this Jenkins has: "wfapi", a Pipeline Graph View URL name, or "" (neither)
        self._stage_api: TTLCache[str] = TTLCache(PLUGIN_MAX_AGE)

    async def _call(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await in_thread(BACKEND, _guarded, call, *args, **kwargs)

    async def _info(self, item: str, tree: str) -> dict:
        data = await self._call(self._client.get_info, item, f"?tree={tree}")
        if not isinstance(data, dict):
            raise BackendError(BACKEND, Fault.BAD_RESPONSE, "unexpected JSON")
        return data

    # -- jobs --------------------------------------------------------------------------------------
    async def jobs(self, max_age: float = NAMES_MAX_AGE) -> list[Job]:
        """Every job and folder (full names), from one request; reused for up to `max_age` seconds."""
        cached = self._jobs.fresh("jobs", max_age)
        if cached is not None:
            return cached.value
        tree = "jobs"
        for _ in range(FOLDER_LEVELS):
            tree = f"jobs[{_LIST},{tree}]"
        data = await self._info("", tree)
        return self._jobs.put("jobs", flatten_jobs(data.get("jobs") or []))

    async def overview(self) -> list[Job]:
        return await self.jobs(max_age=FRESH_MAX_AGE)

    async def job(self, full_name: str) -> JobDetail:
        try:
            data = await self._info(job_path(full_name), _JOB)
        except BackendError as error:
            if error.fault is Fault.NOT_FOUND:
                raise BackendError(BACKEND, Fault.NOT_FOUND, f"job {full_name}") from error
            raise
        return parse_job_detail(data)

    async def build(self, full_name: str, number: int) -> BuildInfo:
        try:
            data = await self._info(f"{job_path(full_name)}/{int(number)}", _BUILD_DETAIL)
        except BackendError as error:
            if error.fault is Fault.NOT_FOUND:
                raise BackendError(BACKEND, Fault.NOT_FOUND, f"build #{number} of {full_name}") from error
            raise
        build = parse_build(full_name, data)
        if build is None:
            raise BackendError(BACKEND, Fault.BAD_RESPONSE, "a build without a number")
        return build

    async def history(self, full_name: str, limit: int = HISTORY_BUILDS, parameters: bool = False) -> list[BuildInfo]:
        """The job's last `limit` builds, newest first (number, result, times; no changes; their parameters only
        when asked for)."""
        fields = f"{_BUILD},{_PARAMETER_VALUES}" if parameters else _BUILD
        data = await self._info(job_path(full_name), f"builds[{fields}]{{0,{int(limit)}}}")
        builds = [parse_build(full_name, b) for b in data.get("builds") or []]
        return sorted((b for b in builds if b is not None), key=lambda b: -b.number)

    async def failure(self, build: BuildInfo, pipeline: bool) -> Failure:
        """Why a build failed: its stages, failed tests and last log lines (requests run in parallel). The
        stages and tests are extras: a plugin that is missing or failing never fails the answer."""
        client = self._client

        async def nothing() -> None:
            return None

        async def tests() -> dict | None:
            try:
                return await self._call(client.get_build_test_report, build.job, build.number, tree=_TESTS)
            except BackendError:
                return None  # the JUnit plugin failed to answer: the answer goes without the tests

        stages_call = self._plugin_stages(build) if pipeline else nothing()
        # Only builds with a test report that counted failures have failed tests to show.
        tests_call = tests() if build.failed_tests else nothing()
        console_call = self._call(client.get_build_console_output, build.job, build.number)
        from_plugin, tests_data, console = await asyncio.gather(stages_call, tests_call, console_call)
        stages, source = from_plugin or ([], "")
        console = (console or "")[-MAX_CONSOLE_CHARS:]
        if pipeline and not stages:  # parsing a long log is work: off the event loop
            stages = await asyncio.to_thread(stages_from_console, console, build.result, build.building)
            source = CONSOLE if stages else ""
        failed = [
            FailedTest(str(c.get("className") or ""), str(c.get("name") or ""), str(c.get("status") or ""),
                       str(c.get("errorDetails") or "").strip())
            for suite in (tests_data or {}).get("suites") or [] for c in suite.get("cases") or []
            if c.get("status") in ("FAILED", "REGRESSION")
        ]
        return Failure(build, stages, failed, log_tail(console), build.url + "console", stage_source=source)

    async def _plugin_stages(self, build: BuildInfo) -> tuple[list[Stage], str]:
        """The build's stages from the stage plugin this Jenkins has, and which one ([] when it has none, or
        the plugin failed to answer: the console's markers stand in)."""
        known = self._stage_api.fresh("api", PLUGIN_MAX_AGE)
        if known is not None:
            if not known.value:
                return [], ""  # neither plugin (learnt a little while ago)
            try:
                stages = await self._stages_at(build, known.value)
            except BackendError:
                return [], ""  # the plugin is there but failed on this build
            if stages is not None:
                return stages, STAGE_VIEW if known.value == _WFAPI else GRAPH_VIEW
            self._stage_api.forget("api")  # uninstalled since: learn again
        return await self._learn_stages(build)

    async def _learn_stages(self, build: BuildInfo) -> tuple[list[Stage], str]:
        """Ask the Stage View; when it is missing (404), each URL name Pipeline Graph View has had, in parallel.
        Remembers the one that answered, or that neither is installed (every one a 404)."""
        absent = True
        try:
            stages = await self._stages_at(build, _WFAPI)
        except BackendError:
            stages, absent = None, False
        if stages is not None:
            self._stage_api.put("api", _WFAPI)
            return stages, STAGE_VIEW
        answers = await asyncio.gather(*(self._stages_at(build, path) for path in GRAPH_VIEW_PATHS),
                                       return_exceptions=True)
        for path, answer in zip(GRAPH_VIEW_PATHS, answers, strict=True):
            if isinstance(answer, list):
                self._stage_api.put("api", path)
                return answer, GRAPH_VIEW
        for answer in answers:
            if isinstance(answer, BaseException) and not isinstance(answer, BackendError):
                raise answer
        if absent and all(answer is None for answer in answers):
            self._stage_api.put("api", "")
        return [], ""

    async def _stages_at(self, build: BuildInfo, api: str) -> list[Stage] | None:
        """The stages from one plugin API (`wfapi` or one of GRAPH_VIEW_PATHS); None when Jenkins has no such
        page (404); BackendError when it failed."""
        if api == _WFAPI:
            # python-jenkins answers None for a 404 (no Stage View, or not a Pipeline run)
            data = await self._call(self._client.get_build_stages, build.job, build.number)
            return None if data is None else stages_from_stage_view(data)
        import requests

        url = f"{self.base_url}/{job_path(build.job)}/{int(build.number)}/{api}/tree"
        try:
            text = await self._call(self._client.jenkins_open, requests.Request("GET", url))
        except BackendError as error:
            if error.fault is Fault.NOT_FOUND:
                return None
            raise
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise BackendError(BACKEND, Fault.BAD_RESPONSE, "malformed JSON") from exc
        if not isinstance(data, dict) or not isinstance(data.get("data", data), dict):
            raise BackendError(BACKEND, Fault.BAD_RESPONSE, "unexpected JSON")
        return stages_from_graph_view(data)

    # -- queue and agents --------------------------------------------------------------------------
    async def activity(self) -> Activity:
        jobs, items = await asyncio.gather(self.overview(), self._call(self._client.get_queue_info))
        queued = []
        for item in items or []:
            task = item.get("task") or {}
            url = str(task.get("url") or "")
            parameters = {}
            for action in item.get("actions") or []:
                for parameter in (action or {}).get("parameters") or []:
                    if "name" in parameter:
                        parameters[parameter["name"]] = _text(parameter.get("value", "****"))
            queued.append(QueueEntry(
                id=int(item.get("id") or 0), job=full_name_from_url(url) or str(task.get("name") or ""), url=url,
                why=str(item.get("why") or ""), since=(item.get("inQueueSince") or 0) / 1000,
                stuck=bool(item.get("stuck")), blocked=bool(item.get("blocked")), parameters=parameters,
            ))
        running = [job for job in jobs if job.last_build and job.last_build.building]
        return Activity(running, queued, self.base_url + "/")

    async def agents(self) -> list[Agent]:
        data = await self._info("computer", _AGENTS)
        agents = []
        for computer in data.get("computer") or []:
            name = str(computer.get("displayName") or "")
            offline = bool(computer.get("offline"))
            reason = str(computer.get("offlineCauseReason") or (computer.get("offlineCause") or {}).get(
                "description") or "")
            executors = computer.get("executors") or []
            path = "(built-in)" if name in ("Built-In Node", "master") else quote(name, safe="")
            agents.append(Agent(
                name=name, online=not offline, temporarily_offline=bool(computer.get("temporarilyOffline")),
                reason=reason.strip(), executors=int(computer.get("numExecutors") or len(executors)),
                busy=sum(1 for e in executors if isinstance(e, dict) and e.get("idle") is False),
                labels=[str(label.get("name")) for label in computer.get("assignedLabels") or []
                        if label.get("name") and label.get("name") != name],
                url=f"{self.base_url}/computer/{path}/",
            ))
        return agents

    # -- running builds ----------------------------------------------------------------------------
    async def trigger(self, full_name: str, parameters: dict[str, str] | None) -> int:
        """Queue a build; returns the queue item id. Parameterised jobs get every parameter."""
        queue_id = await self._call(self._client.build_job, full_name, dict(parameters) if parameters else None)
        return int(queue_id)

    async def queue_item(self, item_id: int) -> QueueItemState:
        data = await self._call(self._client.get_queue_item, int(item_id))
        executable = data.get("executable") or {}
        task = data.get("task") or {}
        return QueueItemState(
            id=int(item_id), job=full_name_from_url(str(task.get("url") or "")) or str(task.get("name") or ""),
            why=data.get("why"), build_number=executable.get("number"), build_url=executable.get("url"),
            cancelled=bool(data.get("cancelled")),
            since=(data["inQueueSince"] / 1000) if isinstance(data.get("inQueueSince"), int | float) else None,
        )

    async def wait_for_start(self, item_id: int, seconds: float = POLL_SECONDS) -> QueueItemState:
        """Poll the queue item briefly until it becomes a build (or give up and say where it stands)."""
        deadline = time.monotonic() + seconds
        while True:
            state = await self.queue_item(item_id)
            if state.build_number is not None or state.cancelled or time.monotonic() + POLL_INTERVAL > deadline:
                return state
            await asyncio.sleep(POLL_INTERVAL)


facade: Facade[JenkinsService] = Facade(BACKEND, jenkins_settings, JenkinsService)


def service() -> JenkinsService:
    """The facade for the configured Jenkins (created on first use, never at import time)."""
    return facade.service()


reset = facade.reset
