"""Starting opsbot with the Teams channel against the fake Bot Framework, for `make teams-demo`, the
Teams end-to-end test and the channel benchmark: free ports, the sandbox and fake Bot Framework in this
process, the action server and Rasa as child processes (their logs in .opsbot/logs/), stopped together.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import requests

from sandbox.botframework import FakeBotFramework, teams_environment
from sandbox.server import RunningSandbox
from sandbox.services import build_apps, credentials_from_env, environment
from sandbox.world import DEFAULT_WORLD, load_world

ROOT = Path(__file__).resolve().parent.parent

LOGS = ROOT / ".opsbot" / "logs"
BIN = Path(sys.executable).parent
OPTIONAL_TEAMS_VARIABLES = ("TEAMS_APP_PASSWORD", "TEAMS_TENANT_ID", "TEAMS_OPENID_METADATA_URL", "TEAMS_TOKEN_URL",
                            "TEAMS_GRAPH_URL",
                            "TEAMS_ALLOWED_SERVICE_URLS", "TEAMS_ALLOWED_TENANTS", "TEAMS_STORE_PATH")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, what: str, process: subprocess.Popen, seconds: float = 240, interval: float = 1.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited early (code {process.returncode}); see {LOGS}/")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(interval)
    raise RuntimeError(f"{what} did not start within {seconds:.0f} s; see {LOGS}/")


class Stack:
    """Sandbox + fake Bot Framework (in-process), action server and Rasa (children). Use as a context
    manager; `rasa_command` replaces `rasa` (the benchmark runs it through a patching wrapper); in
    `extra_env` values, {botframework} stands for the fake Bot Framework's URL."""

    def __init__(self, name: str, credentials: str = "credentials.teams.yml", model: str = "models/opsbot.tar.gz",
                 rasa_command: Sequence[str] | None = None, actions: bool = True, world: Path = DEFAULT_WORLD,
                 extra_env: dict[str, str] | None = None) -> None:
        self.name = name
        self.credentials = credentials
        self.model = model
        self.rasa_command = list(rasa_command or [str(BIN / "rasa")])
        self.with_actions = actions
        self.extra_env = dict(extra_env or {})
        self.world = world
        self.fake = FakeBotFramework()
        self.processes: list[subprocess.Popen] = []
        self.sandbox: RunningSandbox | None = None
        self.rasa_port = free_port()
        self.actions_port = free_port()
        self.actions_token = secrets.token_urlsafe(32)  # what the Rasa server sends the action server
        self._tmp = tempfile.TemporaryDirectory(prefix=f"opsbot-{name}-")
        self.poll_interval = 1.0  # how often start() asks whether a process is up (the benchmark asks more often)
        self.ready_seconds: dict[str, float] = {}  # "actions"/"rasa": seconds from spawn to answering

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/teams/webhook"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TEAMS_")}
        env.update({"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore",
                    "PYTHONDONTWRITEBYTECODE": "1", "OPSBOT_ACTIONS_TOKEN": self.actions_token})
        assert self.sandbox is not None
        env.update(environment({name: self.sandbox.url(name) for name in self.sandbox.ports}, credentials_from_env({})))
        env.update({name: "" for name in OPTIONAL_TEAMS_VARIABLES})
        env.update(teams_environment(self.fake))
        env["TEAMS_STORE_PATH"] = str(Path(self._tmp.name) / "teams.db")
        env.update({k: v.replace("{botframework}", self.fake.base_url) for k, v in self.extra_env.items()})
        return env

    def _spawn(self, command: list[str], log: str, env: dict[str, str]) -> subprocess.Popen:
        LOGS.mkdir(parents=True, exist_ok=True)
        with open(LOGS / log, "w") as out:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.processes.append(process)
        return process

    def start(self) -> Stack:
        world = load_world(self.world)
        apps = build_apps(world, credentials_from_env({}))
        apps["botframework"] = self.fake.app()
        self.sandbox = RunningSandbox(apps, "127.0.0.1", dict.fromkeys(apps, 0)).start_in_thread()
        self.fake.base_url = self.sandbox.url("botframework")
        env = self.environment()
        endpoints = Path(self._tmp.name) / "endpoints.yml"
        endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{self.actions_port}/webhook"\n'
                             '  headers:\n    Authorization: Bearer ${OPSBOT_ACTIONS_TOKEN}\n')
        if self.with_actions:
            spawned = time.monotonic()
            actions = self._spawn([str(BIN / "python"), "-m", "actions", "--port", str(self.actions_port)],
                                  f"{self.name}-actions.log", env)
            wait_for(f"http://127.0.0.1:{self.actions_port}/health", "the action server", actions,
                     interval=self.poll_interval)
            self.ready_seconds["actions"] = time.monotonic() - spawned
        spawned = time.monotonic()
        rasa = self._spawn([*self.rasa_command, "run", "--model", self.model, "--endpoints", str(endpoints),
                            "--credentials", self.credentials, "--port", str(self.rasa_port), "--interface",
                            "127.0.0.1"], f"{self.name}-rasa.log", env)
        wait_for(f"http://127.0.0.1:{self.rasa_port}/webhooks/teams/", "Rasa", rasa, interval=self.poll_interval)
        self.ready_seconds["rasa"] = time.monotonic() - spawned
        return self

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.processes.clear()
        if self.sandbox is not None:
            self.sandbox.stop_thread()
            self.sandbox = None
        self._tmp.cleanup()

    def __enter__(self) -> Stack:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *_exc: object) -> None:
        self.stop()
