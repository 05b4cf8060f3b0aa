"""Shared by the Jenkins tests: a fresh facade per test, request counts, faults, and private sandboxes
(for tests that start builds or move the sandbox clock, so the shared Pet Clinic sandbox stays as the world
file says), and a small world of its own (STREAK).

Loaded as a pytest plugin (tests/conftest.py): fixtures `jenkins`, `petclinic_private` and `builds` (used by
tests/jenkins/ and tests/test_access_flow.py). The Jenkins tests' own fixtures (`acme`, `streak`) are in
tests/jenkins/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from backends.jenkins import service as jenkins_service_module
from common import settings as settings_module
from sandbox.jenkins.app import WORLD_KEY
from sandbox.jenkins.model import JenkinsWorld
from sandbox.server import Fault, RunningSandbox
from tests.support.sandbox import TEST_CREDENTIALS, WORLDS, point_settings_at, start_sandbox


def fresh_facade() -> None:
    """Forget cached clients and job lists (each test counts its own requests)."""
    jenkins_service_module.reset()


def jenkins_state(sandbox: RunningSandbox) -> JenkinsWorld:
    return sandbox.apps["jenkins"][WORLD_KEY]


def requests_made(sandbox: RunningSandbox) -> int:
    return sum(sandbox.state("jenkins").counts.values())


def paths_requested(sandbox: RunningSandbox) -> list[str]:
    return list(sandbox.state("jenkins").counts)


def reset(sandbox: RunningSandbox) -> None:
    state = sandbox.state("jenkins")
    state.counts.clear()
    state.fault = Fault()


def set_fault(sandbox: RunningSandbox, **fault: object) -> None:
    response = requests.post(sandbox.url("jenkins") + "/_sandbox/fault", json=fault, timeout=5)
    response.raise_for_status()


def auth() -> tuple[str, str]:
    return TEST_CREDENTIALS["JENKINS_USER"], TEST_CREDENTIALS["JENKINS_API_TOKEN"]


@pytest.fixture()
def jenkins(petclinic: RunningSandbox) -> Iterator[RunningSandbox]:
    """The shared Pet Clinic sandbox with a fresh facade (empty caches) and zeroed counters."""
    fresh_facade()
    reset(petclinic)
    yield petclinic
    fresh_facade()


def private_sandbox(world: str = "petclinic.yaml") -> RunningSandbox:
    sandbox = start_sandbox(WORLDS / world)
    state = jenkins_state(sandbox)
    state.queue_seconds = 0.0  # a triggered build starts on the next request
    state.build_seconds = 60.0
    return sandbox


@pytest.fixture(scope="module")
def petclinic_private() -> Iterator[RunningSandbox]:
    sandbox = private_sandbox()
    yield sandbox
    sandbox.stop_thread()


@pytest.fixture()
def builds(petclinic_private: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    """A private Pet Clinic sandbox (builds may be started) with settings pointed at it."""
    fresh_facade()
    reset(petclinic_private)
    point_settings_at(petclinic_private, monkeypatch)
    yield petclinic_private
    fresh_facade()
    settings_module.reset()


def world_file(name: str) -> Path:
    return WORLDS / name


def world_sandbox(directory: Path, world: str) -> RunningSandbox:
    """A private sandbox serving a small world the test writes (YAML text), e.g. a run of failures with
    commits by different people; builds may be started there."""
    path = directory / "world.yaml"
    path.write_text(world, encoding="utf-8")
    sandbox = start_sandbox(path)
    state = jenkins_state(sandbox)
    state.queue_seconds = 0.0
    state.build_seconds = 60.0
    return sandbox


def point_jenkins_at(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings for a sandbox that serves only Jenkins (a small world without GitHub or Grafana)."""
    monkeypatch.setenv("JENKINS_URL", sandbox.url("jenkins"))
    monkeypatch.setenv("JENKINS_USER", TEST_CREDENTIALS["JENKINS_USER"])
    monkeypatch.setenv("JENKINS_API_TOKEN", TEST_CREDENTIALS["JENKINS_API_TOKEN"])
    settings_module.reset()


# A small world: a run of failures (one aborted build in it) with commits by different people, one failing
# job, a passing one; a job whose parameters are a ref and two switches.
STREAK = """
name: streak
jenkins:
  version: "2.479.3"
  users:
    - {id: alice, name: Alice Ng}
    - {id: bob, name: Bob Oduya}
  jobs:
    - name: ledger-api-build
      type: pipeline
      parameters:
        - {name: SOURCE_REF, type: string, default: develop, description: "Commit, branch or tag"}
        - {name: SKIP_TESTS, type: boolean, default: false, description: Skip the unit tests}
        - {name: NO_CACHE, type: boolean, default: false}
      builds:
        - {number: 13, result: FAILURE, ago: 30m, duration: 300, cause: "Started by an SCM change",
           commits: ["b2b2b2b Tidy logging (bob)"]}
        - {number: 12, result: ABORTED, ago: 1h, duration: 20, cause: "Started by user Bob Oduya"}
        - {number: 11, result: FAILURE, ago: 3h, duration: 300, cause: "Started by an SCM change",
           commits: ["a1a1a1a Switch to the new ledger schema (alice)"]}
        - {number: 10, result: SUCCESS, ago: 1d, duration: 290, cause: "Started by an SCM change"}
    - name: docs-site
      type: freestyle
      builds:
        - {number: 3, result: SUCCESS, ago: 2h, duration: 20, cause: "Started by timer"}
"""
