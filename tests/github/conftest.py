"""The GitHub tests' fixtures: the Acme world's sandbox (names never seen in training), the Pet Clinic
sandbox and the variants world's (GitHub's shapes as they really vary: sandbox/worlds/github-variants.yaml),
each with a fresh GitHub facade per test. Helpers are in tests/support/github.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backends.github import service as github_service
from common import settings as settings_module
from sandbox.server import RunningSandbox
from tests.support.github import point_github_at, restore
from tests.support.sandbox import world_fixture

acme_sandbox = world_fixture("acme.yaml", scope="session")
variants_sandbox = world_fixture("github-variants.yaml", scope="session")


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


@pytest.fixture()
def variants(variants_sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    """The Lumen team's GitHub (github-variants.yaml): a fresh facade, full rate limits, no fault."""
    restore(variants_sandbox)
    point_github_at(variants_sandbox, monkeypatch)
    yield variants_sandbox
    restore(variants_sandbox)
    github_service.reset()
    settings_module.reset()
