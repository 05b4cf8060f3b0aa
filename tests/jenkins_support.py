"""Shared by the Jenkins tests: a fresh facade per test, request counts, faults, and private sandboxes
(for tests that start builds or move the sandbox clock, so the shared Pet Clinic sandbox stays as the world
file says)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from actions import settings as settings_module
from actions.services import jenkins as jenkins_service_module
from sandbox.jenkins import WORLD_KEY
from sandbox.jenkins_model import JenkinsWorld
from sandbox.server import Fault, RunningSandbox
from tests.conftest import TEST_CREDENTIALS, WORLDS, point_settings_at, start_sandbox


def fresh_facade() -> None:
    """Forget cached clients and job lists (each test counts its own requests)."""
    jenkins_service_module._services.clear()


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
    return TEST_CREDENTIALS.jenkins_user, TEST_CREDENTIALS.jenkins_token


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


@pytest.fixture(scope="module")
def acme_sandbox() -> Iterator[RunningSandbox]:
    sandbox = start_sandbox(WORLDS / "acme.yaml")
    yield sandbox
    sandbox.stop_thread()


@pytest.fixture()
def acme(acme_sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    fresh_facade()
    reset(acme_sandbox)
    point_settings_at(acme_sandbox, monkeypatch)
    yield acme_sandbox
    fresh_facade()
    settings_module.settings.cache_clear()


@pytest.fixture()
def builds(petclinic_private: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    """A private Pet Clinic sandbox (builds may be started) with settings pointed at it."""
    fresh_facade()
    reset(petclinic_private)
    point_settings_at(petclinic_private, monkeypatch)
    yield petclinic_private
    fresh_facade()
    settings_module.settings.cache_clear()


def world_file(name: str) -> Path:
    return WORLDS / name
