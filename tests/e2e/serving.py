"""Runs `scripts/run.sh serve` (what `make serve` runs) for an end-to-end test module, and stops it.

Its output goes to a file (a pipe nobody reads would fill up and stall the server); the tests read that file,
like the logs under .opsbot/logs/, to check that no secret was written.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / ".opsbot" / "logs"
BACKEND_VARIABLES = {"JENKINS_URL", "GITHUB_TOKEN", "GRAFANA_URL"}


@contextmanager
def serving(env: dict[str, str], ready_url: str, output: Path, timeout: float = 240) -> Iterator[None]:
    """Start the stack with `env` (its output to `output`), wait until `ready_url` answers, yield, then stop
    every process."""
    if not (ROOT / "models" / "opsbot.tar.gz").exists():
        pytest.fail("no trained model: run `make train` first")
    with output.open("w") as log:
        process = subprocess.Popen(["scripts/run.sh", "serve"], cwd=ROOT, env=env, start_new_session=True,
                                   stdout=log, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + timeout
    try:
        while time.time() < deadline:
            if process.poll() is not None:
                pytest.fail(f"make serve exited early:\n{output.read_text()[-5000:]}")
            try:
                if requests.get(ready_url, timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(2)
        else:
            pytest.fail(f"the Rasa server did not come up within {timeout:.0f} s")
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def clean_environment(drop_prefix: str = "") -> dict[str, str]:
    """This environment without backend settings (so the sandbox starts), and without `drop_prefix*`."""
    return {k: v for k, v in os.environ.items()
            if k not in BACKEND_VARIABLES and not (drop_prefix and k.startswith(drop_prefix))}
