"""No secret reaches a log line of any opsbot process: the action server, the Rasa server (the channels it
loads from the credentials files) and the notifier each install the redaction themselves, before they serve.

Each process is started for real in a subprocess, as its entry point is run, with secrets in its environment;
where it would start serving, it logs a line that carries every secret instead (the message, its arguments, a
traceback and an `extra` field) and stops. The line must arrive with `***` in place of each secret.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.teams_stack import OPTIONAL_TEAMS_VARIABLES

ROOT = Path(__file__).resolve().parent.parent
SECRETS = {
    "JENKINS_API_TOKEN": "jenkins-api-secret-4711",
    "GITHUB_TOKEN": "github-token-secret-4711",
    "GRAFANA_WEBHOOK_PASSWORD": "grafana-hook-password-4711",  # declared secret by the Grafana wing's settings
    "OPSBOT_DB_PASSWORD": "database-password-4711",
    "OPSBOT_ACTIONS_TOKEN": "actions-token-secret-4711",
}
# Logs every secret the way careless code could: in the format arguments, in an exception, in `extra`.
PROBE = """
import logging, os
def probe(*args, **kwargs):
    values = [os.environ[name] for name in {names!r}]
    log = logging.getLogger("opsbot.probe")
    shown = logging.StreamHandler()
    shown.setFormatter(logging.Formatter("%(message)s EXTRA=%(detail)s"))
    log.addHandler(shown)
    try:
        raise RuntimeError("connecting with " + values[0])
    except RuntimeError:
        log.exception("secrets %s", " ".join(values), extra={{"detail": values[-1]}})
    for handler in logging.getLogger().handlers:
        handler.flush()
"""
ENTRY_POINTS = {
    # the action server: `python -m actions`, its Sanic app never serves
    "action server": PROBE + """
import sanic, sys
sanic.Sanic.run = probe
from actions.__main__ import main
main(["--port", "0"])
""",
    # the notifier: `python -m notifications`, aiohttp never serves
    "notifier": PROBE + """
from aiohttp import web
web.run_app = probe
from notifications.__main__ import main
main(["--port", "0"])
""",
    # the Rasa server: Rasa builds the channels of credentials.yml (REST and notify) and credentials.teams.yml
    "Rasa server": PROBE + """
import logging
logging.basicConfig(level=logging.INFO)
from rasa.core.run import create_http_input_channels
for credentials in ("credentials.yml", "credentials.teams.yml"):
    create_http_input_channels(None, credentials)
probe()
""",
}


@pytest.mark.parametrize("process", sorted(ENTRY_POINTS))
def test_no_secret_reaches_a_log_line(process: str, tmp_path: Path) -> None:
    env = {**os.environ, **{name: "" for name in OPTIONAL_TEAMS_VARIABLES}, **SECRETS,
           "RASA_TELEMETRY_ENABLED": "false", "OPSBOT_NOTIFY_DB": str(tmp_path / "n.db"),
           "TEAMS_STORE_PATH": str(tmp_path / "t.db"), "TEAMS_APP_ID": "00000000-0000-4000-8000-000000000001",
           "TEAMS_APP_PASSWORD": "teams-app-password-4711"}
    script = ENTRY_POINTS[process].replace("{names!r}", repr(list(SECRETS)))
    script = script.replace("{{", "{").replace("}}", "}")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    output = done.stdout + done.stderr
    assert "secrets ***" in output, f"the probe line did not arrive ({process}):\n{output[-3000:]}"
    assert "connecting with ***" in output  # the traceback too
    assert "EXTRA=***" in output  # and a field given with `extra=`
    for name, value in {**SECRETS, "TEAMS_APP_PASSWORD": env["TEAMS_APP_PASSWORD"]}.items():
        assert value not in output, f"{name} reached a log line of the {process}"
