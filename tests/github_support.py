"""Fixtures for the GitHub tests: the Acme world's sandbox (names never seen in training), a fresh GitHub
facade per test, and helpers to switch the sandbox's faults and rate limits and count its requests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from backends.github import service as github_service
from common import settings as settings_module
from sandbox.server import Fault, RunningSandbox
from tests.conftest import TEST_CREDENTIALS, WORLDS, start_sandbox


def point_github_at(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only GitHub: a world may have no Jenkins or Grafana section."""
    monkeypatch.setenv("GITHUB_API_URL", sandbox.url("github"))
    monkeypatch.setenv("GITHUB_TOKEN", TEST_CREDENTIALS["GITHUB_TOKEN"])
    for name in ("GITHUB_ORG", "GITHUB_DEFAULT_REPO", "OPSBOT_HTTP_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    settings_module.reset()
    github_service.reset()


def restore(sandbox: RunningSandbox) -> None:
    """No fault, full rate limits, counters at zero."""
    state = sandbox.state("github")
    state.fault = Fault()
    requests.post(sandbox.url("github") + "/_sandbox/github/rate-limit", json={}, timeout=5)
    state.counts.clear()


def requests_made(sandbox: RunningSandbox) -> int:
    return sum(sandbox.state("github").counts.values())


def fault(sandbox: RunningSandbox, **body) -> None:
    requests.post(sandbox.url("github") + "/_sandbox/fault", json=body, timeout=5)


def rate_limit(sandbox: RunningSandbox, **body) -> None:
    requests.post(sandbox.url("github") + "/_sandbox/github/rate-limit", json=body, timeout=5)


@pytest.fixture(scope="session")
def acme_sandbox() -> Iterator[RunningSandbox]:
    sandbox = start_sandbox(WORLDS / "acme.yaml")
    yield sandbox
    sandbox.stop_thread()


@pytest.fixture()
def acme(acme_sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    restore(acme_sandbox)
    point_github_at(acme_sandbox, monkeypatch)
    yield acme_sandbox
    restore(acme_sandbox)
    github_service.reset()
    settings_module.reset()


@pytest.fixture()
def pets(petclinic: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    """The Pet Clinic sandbox for GitHub questions: a fresh facade, full rate limits."""
    restore(petclinic)
    point_github_at(petclinic, monkeypatch)
    yield petclinic
    restore(petclinic)
    github_service.reset()
