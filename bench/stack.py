"""The system under test for `make bench`: scripts/teams_stack.Stack (sandbox and fake Bot Framework in this
process, action server and Rasa as children) with every channel the benchmark drives open in one Rasa
server: REST, the Teams connector and Rasa's built-in botframework channel, on the same model.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
import yaml

from bench.teams_channels import CREDENTIALS as CHANNEL_CREDENTIALS
from sandbox.services import credentials_from_env
from scripts.teams_stack import BIN, Stack, wait_for

ROOT = Path(__file__).resolve().parent.parent

CREDENTIALS = "connector.rest.GuardedRestInput:\n" + CHANNEL_CREDENTIALS
SERVICES = ("jenkins", "github", "grafana")


class BenchStack(Stack):
    """Also: Rasa's HTTP API on loopback with a random token (for /model/parse only), the action server
    restartable (cold caches), and the memory of both servers."""

    def __init__(self, model: str, workdir: Path) -> None:
        self.api_token = secrets.token_urlsafe(16)
        # REST beside Teams is an integration: it needs the token; it names its (synthetic) users truthfully.
        self.rest_token = secrets.token_urlsafe(24)
        self.rest_headers = {"Authorization": f"Bearer {self.rest_token}"}
        credentials = workdir / "credentials.yml"
        credentials.write_text(CREDENTIALS)
        # Everyone may build and subscribe here: the benchmark measures what a change costs, not who may.
        policy = yaml.safe_load((ROOT / "access.yml").read_text(encoding="utf-8")) or {}
        access = workdir / "access.yml"
        access.write_text(yaml.safe_dump({**policy, "default_role": "builder"}))
        super().__init__("bench", credentials=str(credentials), model=model,
                         rasa_command=[sys.executable, str(ROOT / "bench" / "rasa_patched.py")],
                         extra_env={"BENCH_BOTFRAMEWORK_URL": "{botframework}", "BENCH_SENDS_PER_SECOND": "7",
                                    "BENCH_RASA_ARGS": f"--enable-api --auth-token {self.api_token}",
                                    "OPSBOT_AUDIT_LOG": str(workdir / "audit.log"),
                                    "OPSBOT_ACCESS_FILE": str(access),
                                    "OPSBOT_NOTIFY_DB": str(workdir / "notify.db"),
                                    "OPSBOT_REST_TOKEN": self.rest_token, "OPSBOT_REST_TRUST_SENDER": "true"})
        self.poll_interval = 0.1

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions(self) -> subprocess.Popen:
        return self.processes[0]

    @property
    def rasa(self) -> subprocess.Popen:
        return self.processes[-1]

    def restart_actions(self) -> float:
        """A fresh action server (empty caches, new clients) on the same port; returns its start-up seconds."""
        old = self.actions
        os.killpg(old.pid, signal.SIGTERM)
        try:
            old.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(old.pid, signal.SIGKILL)
            old.wait(5)
        self.processes.remove(old)
        spawned = time.monotonic()
        process = self._spawn([str(BIN / "python"), "-m", "actions", "--port", str(self.actions_port)],
                              f"{self.name}-actions.log", self.environment())
        self.processes.remove(process)
        self.processes.insert(0, process)
        wait_for(f"http://127.0.0.1:{self.actions_port}/health", "the action server", process, interval=0.1)
        return time.monotonic() - spawned

    # -- the sandbox's request counters ------------------------------------------------------------------
    def reset_counts(self) -> None:
        assert self.sandbox is not None
        for service in SERVICES:
            requests.delete(f"{self.sandbox.url(service)}/_sandbox/stats", timeout=5).raise_for_status()

    def fresh_github_limits(self) -> None:
        """GitHub's rate limits back to full (search: 30 a minute), so that each measurement starts equal."""
        assert self.sandbox is not None
        requests.post(f"{self.sandbox.url('github')}/_sandbox/github/rate-limit", json={}, timeout=5).raise_for_status()

    def github_search(self) -> dict[str, int]:
        """The search rate limit as GitHub reports it (GET /rate_limit costs nothing): limit, used, remaining."""
        assert self.sandbox is not None
        token = credentials_from_env({})["GITHUB_TOKEN"]
        answer = requests.get(f"{self.sandbox.url('github')}/rate_limit", headers={"Authorization": f"token {token}"},
                              timeout=5)
        answer.raise_for_status()
        return answer.json()["resources"]["search"]

    def counts(self) -> dict[str, dict]:
        """Per backend: {"requests": n, "by_path": {...}} since the last reset."""
        assert self.sandbox is not None
        return {service: requests.get(f"{self.sandbox.url(service)}/_sandbox/stats", timeout=5).json()
                for service in SERVICES}


def memory_mb(pid: int) -> tuple[float | None, float | None]:
    """(resident now, peak resident) of a process, in MB, from /proc (Linux); None where unreadable."""
    values: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0]) / 1024
    except OSError:
        return None, None
    return values.get("VmRSS"), values.get("VmHWM")
