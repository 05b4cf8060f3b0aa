"""The Jenkins tests' own fixtures: the Acme world (names never seen in training), a small world with a run
of failures (STREAK), and a Jenkins of each stage plugin (sandbox/worlds/jenkins-graph-view.yaml: Pipeline
Graph View only; jenkins-console-only.yaml: no stage plugin), each a private sandbox per test module.
Helpers, and the fixtures tests elsewhere use too (`jenkins`, `builds`), are in tests/support/jenkins.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from common import settings as settings_module
from sandbox.server import RunningSandbox
from tests.support.jenkins import STREAK, fresh_facade, point_jenkins_at, reset, world_sandbox
from tests.support.sandbox import point_settings_at, world_fixture

acme_sandbox = world_fixture("acme.yaml", scope="module")
graph_view_sandbox = world_fixture("jenkins-graph-view.yaml", scope="module")
console_only_sandbox = world_fixture("jenkins-console-only.yaml", scope="module")


def _serving(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    """A sandbox with a fresh facade, zeroed counters and no fault, and the settings pointed at it."""
    fresh_facade()
    reset(sandbox)
    point_settings_at(sandbox, monkeypatch)
    yield sandbox
    fresh_facade()
    settings_module.reset()


@pytest.fixture()
def graph_view(graph_view_sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    """A Jenkins with Pipeline Graph View and without Pipeline Stage View."""
    yield from _serving(graph_view_sandbox, monkeypatch)


@pytest.fixture()
def console_only(console_only_sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    """A Jenkins without a stage plugin: the stages are only in the console log."""
    yield from _serving(console_only_sandbox, monkeypatch)


@pytest.fixture()
def acme(acme_sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    fresh_facade()
    reset(acme_sandbox)
    point_settings_at(acme_sandbox, monkeypatch)
    yield acme_sandbox
    fresh_facade()
    settings_module.reset()


@pytest.fixture(scope="module")
def streak_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    sandbox = world_sandbox(tmp_path_factory.mktemp("streak"), STREAK)
    yield sandbox
    sandbox.stop_thread()


@pytest.fixture()
def streak(streak_sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    fresh_facade()
    point_jenkins_at(streak_sandbox, monkeypatch)
    yield streak_sandbox
    fresh_facade()
    settings_module.reset()
