"""The `jenkins:` section of a world file: what the fake Jenkins serves."""

from __future__ import annotations

from typing import Any

from sandbox.schema import DURATION, STR_MAP, WorldError, opt, req, validate

RESULTS = ("SUCCESS", "FAILURE", "UNSTABLE", "ABORTED", "NOT_BUILT")
# The plugins that show a Pipeline run's stages. A world without `plugins:` has the Stage View (as every
# Jenkins set up before 2024 does); `plugins: []` has neither, and the stages are only in the console log.
STAGE_VIEW = "pipeline-stage-view"
GRAPH_VIEW = "pipeline-graph-view"
PLUGINS = (STAGE_VIEW, GRAPH_VIEW)
DEFAULT_PLUGINS = (STAGE_VIEW,)


def _plugin(value: Any, where: str) -> None:
    """`pipeline-graph-view`, or `{name: pipeline-graph-view, version: "520.v147e73674213"}` (its release
    decides its URL names: sandbox/jenkins/model.py)."""
    if isinstance(value, str):
        if value not in PLUGINS:
            raise WorldError(f"{where}: expected one of {', '.join(PLUGINS)}, got {value!r}")
        return
    validate(value, {"name": req(str, PLUGINS), "version": opt(str)}, where)


def _stage(value: Any, where: str) -> None:
    """A stage: its name, or a parallel stage and its branches: `{Tests: [Unit, Integration]}`."""
    if isinstance(value, str):
        return
    if (isinstance(value, dict) and len(value) == 1 and isinstance(next(iter(value)), str)
            and isinstance(branches := next(iter(value.values())), list) and branches
            and all(isinstance(b, str) for b in branches)):
        return
    raise WorldError(f"{where}: expected a stage name or {{parallel stage: [branch, …]}}, got {value!r}")


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
    "failed_stage": opt(str),  # a stage's name or a parallel branch's
    "stages": opt([_stage]),  # default Checkout, Build, Test, Publish; [] : a scripted Pipeline without stages
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


SCHEMA = {
    "version": opt(str),
    "plugins": opt([_plugin]),
    "users": opt([{"id": req(str), "name": opt(str)}]),
    "jobs": req([_job_or_folder]),
    "queue": opt([{"job": req(str), "ago": req(DURATION), "why": opt(str), "parameters": opt(STR_MAP),
                   "cause": opt(str)}]),
    "nodes": opt([{
        "name": req(str), "online": req(bool), "offline_reason": opt(str), "executors": opt(int),
        "busy": opt(int), "labels": opt([str]),
    }]),
}

