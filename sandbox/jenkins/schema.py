"""The `jenkins:` section of a world file: what the fake Jenkins serves."""

from __future__ import annotations

from typing import Any

from sandbox.schema import DURATION, STR_MAP, opt, req, validate

RESULTS = ("SUCCESS", "FAILURE", "UNSTABLE", "ABORTED", "NOT_BUILT")

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


SCHEMA = {
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

