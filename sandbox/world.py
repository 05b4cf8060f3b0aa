"""The world file: the state of a team's Jenkins, GitHub and Grafana that the sandbox serves.

`load_world(path)` reads the YAML, validates every field (an error names the bad field by its path, e.g.
`jenkins.jobs[0].builds[1].result`) and resolves relative times against the moment of loading: a field
`ago: 1h05m` gains a sibling `at` (Unix seconds), `since: 35m` gains `since_at`, `closed_ago` gains
`closed_at`. Durations are `2d`, `1d2h`, `1h05m`, `35m`, `90s` or plain seconds.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_WORLD = Path(__file__).resolve().parent / "worlds" / "petclinic.yaml"

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_RELATIVE_FIELDS = {"ago": "at", "since": "since_at", "closed_ago": "closed_at"}


class WorldError(ValueError):
    """The world file is malformed; the message names the file and the field."""


def parse_duration(value: Any, where: str = "") -> int:
    """'1d2h' → 93600. Plain numbers are seconds."""
    if isinstance(value, bool):
        raise WorldError(f"{where}: expected a duration like 1h05m, got {value!r}")
    if isinstance(value, int | float):
        return int(value)
    match = _DURATION.match(str(value).strip())
    if not match or not any(match.groups()):
        raise WorldError(f"{where}: expected a duration like 2d, 1h05m or 35m, got {value!r}")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


# --- a small schema language: dict of field → Spec; lists as [Spec]; callables for special cases ----------
@dataclass(frozen=True)
class Spec:
    kind: Any  # a type, a tuple of types, a dict (nested schema), a list [item spec] or a callable
    required: bool = False
    choices: tuple = ()


def req(kind: Any, choices: tuple = ()) -> Spec:
    return Spec(kind, True, choices)


def opt(kind: Any, choices: tuple = ()) -> Spec:
    return Spec(kind, False, choices)


DURATION = "duration"
RESULTS = ("SUCCESS", "FAILURE", "UNSTABLE", "ABORTED", "NOT_BUILT")
STR_MAP = "str_map"

JENKINS_BUILD = {
    "number": req(int),
    "result": opt(str, RESULTS),
    "building": opt(bool),
    "ago": req(DURATION),
    "duration": opt(DURATION),
    "estimated_duration": opt(DURATION),
    "cause": opt(str),
    "commits": opt([str]),
    "failed_tests": opt([str]),
    "failed_stage": opt(str),
    "stages": opt([str]),
    "log_tail": opt([str]),
    "parameters": opt(STR_MAP),
    "tests": opt(int),  # total test count (the test report's pass count is tests - failed_tests)
}
JENKINS_PARAMETER = {
    "name": req(str),
    "type": req(str, ("string", "choice", "boolean", "text", "password")),
    "default": opt((str, bool, int)),
    "description": opt(str),
    "choices": opt([str]),
}
JENKINS_JOB = {
    "name": req(str),
    "type": req(str, ("pipeline", "freestyle", "multibranch")),
    "description": opt(str),
    "disabled": opt(bool),
    "protected": opt(bool),
    "parameters": opt([JENKINS_PARAMETER]),
    "builds": opt([JENKINS_BUILD]),
    "next_result": opt(str, RESULTS),  # the result of builds triggered in the sandbox (default SUCCESS)
}


def _job_or_folder(value: Any, where: str) -> None:
    if isinstance(value, dict) and "folder" in value:
        validate(value, {"folder": req(str), "description": opt(str), "jobs": req([_job_or_folder])}, where)
    else:
        validate(value, JENKINS_JOB, where)


JENKINS = {
    "version": opt(str),
    "users": opt([{"id": req(str), "name": opt(str)}]),
    "jobs": req([_job_or_folder]),
    "queue": opt([{"job": req(str), "ago": req(DURATION), "why": opt(str), "parameters": opt(STR_MAP),
                   "cause": opt(str)}]),
    "nodes": opt([{
        "name": req(str), "online": req(bool), "offline_reason": opt(str), "executors": opt(int),
        "busy": opt(int), "labels": opt([str]),
    }]),
}

GITHUB_REPO = {
    "full_name": req(str),
    "description": opt(str),
    "default_branch": opt(str),
    "language": opt(str),
    "stars": opt(int),
    "private": opt(bool),
    "pulls": opt([{
        "number": req(int), "title": req(str), "user": req(str), "state": req(str, ("open", "closed")),
        "draft": opt(bool), "merged": opt(bool), "merged_by": opt(str), "ago": req(DURATION),
        "head": req(str), "base": req(str), "checks": opt(STR_MAP), "requested_reviewers": opt([str]),
        "reviews": opt([{"user": req(str), "state": req(str, ("APPROVED", "CHANGES_REQUESTED", "COMMENTED"))}]),
        "labels": opt([str]), "mergeable": opt(bool), "behind_by": opt(int), "body": opt(str),
        "closed_ago": opt(DURATION),
    }]),
    "issues": opt([{
        "number": req(int), "title": req(str), "user": req(str), "state": req(str, ("open", "closed")),
        "labels": opt([str]), "assignees": opt([str]), "ago": req(DURATION), "comments": opt(int),
        "closed_ago": opt(DURATION), "body": opt(str),
    }]),
    "releases": opt([{
        "tag": req(str), "name": opt(str), "ago": req(DURATION), "author": opt(str),
        "prerelease": opt(bool), "draft": opt(bool), "body": opt(str),
    }]),
    "commits": opt([{"sha": req(str), "author": req(str), "message": req(str), "ago": req(DURATION),
                     "branch": opt(str)}]),
    "workflow_runs": opt([{
        "id": req(int), "name": req(str), "head_branch": req(str), "event": req(str),
        "status": req(str, ("queued", "in_progress", "completed", "waiting", "requested", "pending")),
        "conclusion": opt(str), "ago": req(DURATION), "head_sha": opt(str), "pull_request": opt(int),
    }]),
}


def _github_user(value: Any, where: str) -> None:
    """A GitHub user: a plain login ("adam-sre") or {login, name} when the display name matters ("Adam")."""
    if not isinstance(value, str):
        validate(value, {"login": req(str), "name": opt(str)}, where)


GITHUB = {"users": opt([_github_user]), "org": opt(str), "repos": req([GITHUB_REPO])}

# A panel's made-up history: sine(low, high), ramp(start, end), steps(low, high), or none (no samples at all).
# The generated series always ends at the panel's `current` value at "now".
SERIES_SPEC = re.compile(r"^\s*(?:(sine|ramp|steps)\(\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\)|(none))\s*$")


def _series_spec(value: Any, where: str) -> None:
    if not isinstance(value, str) or not SERIES_SPEC.match(value):
        raise WorldError(f"{where}: expected sine(a, b), ramp(a, b), steps(a, b) or none, got {value!r}")


def _dashboard_variables(value: Any, where: str) -> None:
    """`variables: {env: [production, staging]}`: a dashboard's custom template variables, current value first."""
    if not isinstance(value, dict) or not all(
        isinstance(name, str) and isinstance(values, list) and values and all(isinstance(v, str) for v in values)
        for name, values in value.items()
    ):
        raise WorldError(f"{where}: expected a mapping of variable names to non-empty lists of values")


GRAFANA = {
    "version": opt(str),
    "folders": opt([str]),
    "dashboards": req([{
        "uid": req(str), "title": req(str), "folder": opt(str), "tags": opt([str]),
        "variables": opt(_dashboard_variables),
        "panels": opt([{
            "id": req(int), "title": req(str), "unit": opt(str), "current": req((int, float)),
            "series": opt(_series_spec), "type": opt(str), "description": opt(str), "expr": opt(str),
            "decimals": opt(int),
        }]),
    }]),
    "alert_rules": opt([{
        "uid": req(str), "title": req(str), "state": req(str, ("firing", "pending", "normal", "inactive")),
        "severity": opt(str), "since": opt(DURATION), "labels": opt(STR_MAP), "value": opt((int, float)),
        "threshold": opt((int, float)), "dashboard": opt(str), "panel": opt(int), "summary": opt(str),
        "folder": opt(str), "group": opt(str),
    }]),
    "annotations": opt([{"dashboard": opt(str), "panel": opt(int), "ago": req(DURATION), "text": req(str),
                         "tags": opt([str])}]),
}

WORLD = {
    "name": req(str),
    "title": opt(str),
    "jenkins": opt(JENKINS),
    "github": opt(GITHUB),
    "grafana": opt(GRAFANA),
}


def _type_name(kind: Any) -> str:
    if isinstance(kind, tuple):
        return " or ".join(_type_name(k) for k in kind)
    return {str: "text", int: "a whole number", float: "a number", bool: "true/false"}.get(kind, str(kind))


def _check(value: Any, spec: Spec | Any, where: str) -> None:
    kind = spec.kind if isinstance(spec, Spec) else spec
    if kind == DURATION:
        parse_duration(value, where)
    elif kind == STR_MAP:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise WorldError(f"{where}: expected a mapping of names to values, got {value!r}")
    elif isinstance(kind, dict):
        validate(value, kind, where)
    elif isinstance(kind, list):
        if not isinstance(value, list):
            raise WorldError(f"{where}: expected a list, got {type(value).__name__}")
        for index, item in enumerate(value):
            _check(item, kind[0], f"{where}[{index}]")
    elif isinstance(kind, Callable) and not isinstance(kind, type):
        kind(value, where)
    else:
        ok = isinstance(value, kind) and not (isinstance(value, bool) and kind in (int, float, (int, float)))
        if not ok:
            raise WorldError(f"{where}: expected {_type_name(kind)}, got {value!r}")
    if isinstance(spec, Spec) and spec.choices and value not in spec.choices:
        raise WorldError(f"{where}: expected one of {', '.join(map(str, spec.choices))}, got {value!r}")


def validate(data: Any, schema: dict, where: str = "") -> None:
    if not isinstance(data, dict):
        raise WorldError(f"{where or 'world'}: expected a mapping, got {type(data).__name__}")
    prefix = f"{where}." if where else ""
    for key in data:
        if key not in schema:
            raise WorldError(f"{prefix}{key}: unknown field (known here: {', '.join(schema)})")
    for key, spec in schema.items():
        if key not in data or data[key] is None:
            if isinstance(spec, Spec) and spec.required:
                raise WorldError(f"{prefix}{key}: required field is missing")
            continue
        _check(data[key], spec, f"{prefix}{key}")


def _resolve_times(node: Any, now: float) -> None:
    if isinstance(node, dict):
        for field, target in _RELATIVE_FIELDS.items():
            if field in node and node[field] is not None:
                node[target] = now - parse_duration(node[field])
        for key in ("duration", "estimated_duration"):
            if key in node and node[key] is not None:
                node[key] = parse_duration(node[key])
        for value in node.values():
            _resolve_times(value, now)
    elif isinstance(node, list):
        for item in node:
            _resolve_times(item, now)


def load_world(path: str | Path = DEFAULT_WORLD, now: float | None = None) -> dict:
    """Read, validate and time-resolve a world file. Raises WorldError naming the file and field."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise WorldError(f"{path}: cannot read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise WorldError(f"{path}: not valid YAML ({exc})") from exc
    try:
        validate(data, WORLD)
    except WorldError as exc:
        raise WorldError(f"{path.name}: {exc}") from None
    _resolve_times(data, time.time() if now is None else now)
    data["started_at"] = time.time() if now is None else now
    return data
