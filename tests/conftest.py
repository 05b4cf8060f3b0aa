"""Shared fixtures: one frozen clock for the whole run, the sandbox on free loopback ports, with opsbot's
settings pointed at it, and the fixtures several test folders use (loaded from tests/support/ as plugins).

The clock (tests/support/clock.py): the whole run travels to one moment before any test module is imported, so
no test depends on the hour, day or zone it is run at.

Helpers live in tests/support/ (imported as `tests.support.<area>`); fixtures that only one folder uses live in
that folder's conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from common import settings as settings_module
from sandbox.server import RunningSandbox
from tests.support.clock import start_run_clock, stop_run_clock
from tests.support.sandbox import WORLDS, point_settings_at, start_sandbox

pytest_plugins = [
    "tests.support.jenkins",  # `jenkins`, `builds`, `petclinic_private`: tests/jenkins/, tests/test_access_flow.py
    "tests.support.notify",  # `notify_env`, `notify`: the notify channel on a live server, its secrets and stores
    "tests.support.teams",  # `fake_bf`, `teams`: the fake Bot Framework and a live TeamsInput endpoint
]


def pytest_configure(config: pytest.Config) -> None:
    start_run_clock()


def pytest_unconfigure(config: pytest.Config) -> None:
    stop_run_clock()


@pytest.fixture(autouse=True)
def private_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test writes into the project's own state (.opsbot/: the audit log, the notification and Teams
    stores): each gets private files unless it points them elsewhere itself."""
    state = tmp_path_factory.mktemp("opsbot-state")
    monkeypatch.setenv("OPSBOT_AUDIT_LOG", str(state / "audit.jsonl"))
    monkeypatch.setenv("OPSBOT_NOTIFY_DB", str(state / "notify.db"))
    monkeypatch.setenv("TEAMS_STORE_PATH", str(state / "teams.db"))


@pytest.fixture(autouse=True)
def patient_name_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    """Help and hints name live jobs and repos, each lookup given LOOKUP_SECONDS (2 s) in production. A busy test
    machine can take longer, and the examples would then stay generic: tests wait longer, so that no test
    depends on the machine's speed (a test of the budget itself sets it back)."""
    from actions import live_names

    monkeypatch.setattr(live_names, "LOOKUP_SECONDS", 30.0)


@pytest.fixture(autouse=True)
def action_server_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """The channels ask whether the action server is up when Rasa answered nothing; in-process tests have no
    action server, so it counts as up (tests of the "down" answer replace the probe)."""
    from connector import guard

    async def reachable() -> bool:
        return True

    monkeypatch.setattr(guard.action_server, "reachable", reachable)


@pytest.fixture(scope="session")
def petclinic_sandbox() -> Iterator[RunningSandbox]:
    sandbox = start_sandbox(WORLDS / "petclinic.yaml")
    yield sandbox
    sandbox.stop_thread()


@pytest.fixture()
def petclinic(petclinic_sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    """The Pet Clinic sandbox with settings pointed at it, counters reset and no fault switched on."""
    from sandbox.server import Fault

    for service in petclinic_sandbox.apps:
        state = petclinic_sandbox.state(service)
        state.counts.clear()
        state.fault = Fault()
    point_settings_at(petclinic_sandbox, monkeypatch)
    yield petclinic_sandbox
    settings_module.reset()
