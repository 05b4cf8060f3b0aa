"""Shared fixtures: one frozen clock for the whole run, the sandbox on free loopback ports, with opsbot's
settings pointed at it.

The clock (tests/clock.py): the whole run travels to one moment before any test module is imported, so no
test depends on the hour, day or zone it is run at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from common import settings as settings_module
from sandbox.server import Credentials, RunningSandbox
from sandbox.services import sandbox_for
from sandbox.world import load_world
from tests.clock import start_run_clock, stop_run_clock

ROOT = Path(__file__).resolve().parent.parent
WORLDS = ROOT / "sandbox" / "worlds"

TEST_CREDENTIALS = Credentials({
    "JENKINS_USER": "opsbot-test", "JENKINS_API_TOKEN": "jenkins-secret-0042",
    "GITHUB_TOKEN": "ghp_testsecret0042", "GRAFANA_TOKEN": "glsa_testsecret0042",
})


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


def start_sandbox(world_file: Path) -> RunningSandbox:
    world = load_world(world_file)
    sandbox = sandbox_for(world, TEST_CREDENTIALS, ports={"jenkins": 0, "github": 0, "grafana": 0})
    return sandbox.start_in_thread()


def point_settings_at(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JENKINS_URL", sandbox.url("jenkins"))
    monkeypatch.setenv("JENKINS_USER", TEST_CREDENTIALS["JENKINS_USER"])
    monkeypatch.setenv("JENKINS_API_TOKEN", TEST_CREDENTIALS["JENKINS_API_TOKEN"])
    monkeypatch.setenv("GITHUB_API_URL", sandbox.url("github"))
    monkeypatch.setenv("GITHUB_TOKEN", TEST_CREDENTIALS["GITHUB_TOKEN"])
    monkeypatch.setenv("GRAFANA_URL", sandbox.url("grafana"))
    monkeypatch.setenv("GRAFANA_TOKEN", TEST_CREDENTIALS["GRAFANA_TOKEN"])
    settings_module.reset()


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


# The GitHub tests' fixtures (the Acme world, a fresh GitHub facade per test): tests/github_support.py.
from tests.github_support import acme, acme_sandbox, pets  # noqa: E402, F401

# The notification fixtures (the notify channel on a live server; secrets and stores in tmp): tests/notify_harness.py.
from tests.notify_harness import notify, notify_env  # noqa: E402, F401

# The Teams channel's fixtures (fake Bot Framework, a live TeamsInput endpoint): tests/teams_harness.py.
from tests.teams_harness import _fake_bf_running, fake_bf, teams  # noqa: E402, F401
