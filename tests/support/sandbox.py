"""The project's root, the sandbox worlds and the credentials the test sandboxes accept; starting a sandbox
on free loopback ports and pointing opsbot's settings at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from common import settings as settings_module
from sandbox.server import Credentials, RunningSandbox
from sandbox.services import credentials_from_env, default_ports, environment, sandbox_for
from sandbox.world import load_world

ROOT = Path(__file__).resolve().parents[2]
WORLDS = ROOT / "sandbox" / "worlds"

# Every registered sandbox's credentials, with test values that differ from the demo's (and, for these three,
# shapes the log redaction must catch: a GitHub and a Grafana token).
TEST_CREDENTIALS = Credentials({
    **credentials_from_env({}).values,
    "JENKINS_USER": "opsbot-test", "JENKINS_API_TOKEN": "jenkins-secret-0042",
    "GITHUB_TOKEN": "ghp_testsecret0042", "GRAFANA_TOKEN": "glsa_testsecret0042",
})


def start_sandbox(world_file: Path) -> RunningSandbox:
    world = load_world(world_file)
    sandbox = sandbox_for(world, TEST_CREDENTIALS, ports={name: 0 for name in default_ports()})
    return sandbox.start_in_thread()


def point_settings_at(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in environment({name: sandbox.url(name) for name in sandbox.ports}, TEST_CREDENTIALS).items():
        monkeypatch.setenv(name, value)
    settings_module.reset()


def world_fixture(world_file: str, scope: str = "session") -> Callable[[], Iterator[RunningSandbox]]:
    """A fixture that serves one world (a file of sandbox/worlds/) on free ports for `scope`: a test module
    that triggers builds changes its world, so such modules take their own (`scope="module"`)."""

    @pytest.fixture(scope=scope)
    def serving() -> Iterator[RunningSandbox]:
        sandbox = start_sandbox(WORLDS / world_file)
        yield sandbox
        sandbox.stop_thread()

    return serving
