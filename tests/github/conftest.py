"""The GitHub tests' fixtures: the Acme world's sandbox (names never seen in training) and the Pet Clinic
sandbox, each with a fresh GitHub facade per test. Helpers are in tests/support/github.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backends.github import service as github_service
from common import settings as settings_module
from sandbox.server import RunningSandbox
from tests.support.github import point_github_at, restore
from tests.support.sandbox import world_fixture

acme_sandbox = world_fixture("acme.yaml", scope="session")


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
