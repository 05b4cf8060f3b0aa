"""The project's root, the sandbox worlds and the credentials the test sandboxes accept; starting a sandbox
on free loopback ports and pointing opsbot's settings at it."""

from __future__ import annotations

from pathlib import Path

import pytest

from common import settings as settings_module
from sandbox.server import Credentials, RunningSandbox
from sandbox.services import sandbox_for
from sandbox.world import load_world

ROOT = Path(__file__).resolve().parents[2]
WORLDS = ROOT / "sandbox" / "worlds"

TEST_CREDENTIALS = Credentials({
    "JENKINS_USER": "opsbot-test", "JENKINS_API_TOKEN": "jenkins-secret-0042",
    "GITHUB_TOKEN": "ghp_testsecret0042", "GRAFANA_TOKEN": "glsa_testsecret0042",
})


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
