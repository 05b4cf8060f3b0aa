"""A real crash: the notifier process (`python -m notifications`) acknowledges a webhook, cannot reach Teams,
and is killed (SIGKILL). Started again, it delivers the event from its outbox, exactly once; a third start
posts nothing more."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from notifications.store import NotifyStore
from sandbox.botframework import FakeBotFramework, teams_environment
from sandbox.payloads import CHANNEL, channel_reference, jenkins_payload
from tests.support.notify import JENKINS_SECRET
from tests.support.sandbox import ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Notifier:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        with open(log, "a") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "notifications", "--port", str(self.port)],
                                            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, log.read_text()
            try:
                if requests.get(self.url(""), timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError("the notifier did not start: " + log.read_text())

    def url(self, source: str) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/notify/{source}"

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture()
def processes() -> Iterator[list[Notifier]]:
    started: list[Notifier] = []
    yield started
    for notifier in started:
        notifier.kill()


def test_an_event_survives_a_killed_notifier_and_is_delivered_once(fake_bf: FakeBotFramework, tmp_path: Path,
                                                                  processes: list[Notifier]) -> None:
    database = tmp_path / "notify.db"
    store = NotifyStore(database)
    store.remember_address(CHANNEL, channel_reference(fake_bf))
    store.subscribe(CHANNEL, "jenkins", "petclinic-build", "failed", label="petclinic-build")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TEAMS_", "OPSBOT_"))}
    base.update({"OPSBOT_NOTIFY_DB": str(database), "JENKINS_WEBHOOK_SECRET": JENKINS_SECRET,
                 "PYTHONDONTWRITEBYTECODE": "1", **teams_environment(fake_bf)})
    unreachable_teams = {**base, "TEAMS_TOKEN_URL": f"http://127.0.0.1:{free_port()}/{{tenant}}/oauth2/v2.0/token"}
    log = tmp_path / "notifier.log"

    first = Notifier(unreachable_teams, log)
    processes.append(first)
    answer = requests.post(first.url("jenkins"), params={"token": JENKINS_SECRET}, json=jenkins_payload(),
                           timeout=10)
    assert answer.status_code == 202 and answer.json()["queued"] == 1
    deadline = time.monotonic() + 20
    while store.outbox()[0]["attempts"] < 1 and time.monotonic() < deadline:  # it tried, and could not
        time.sleep(0.1)
    assert store.outbox()[0]["state"] == "pending" and fake_bf.delivered("message") == []
    first.kill()

    second = Notifier(base, log)
    processes.append(second)
    assert fake_bf.wait_messages(1, 20)
    deadline = time.monotonic() + 10
    while store.outbox()[0]["state"] != "sent" and time.monotonic() < deadline:
        time.sleep(0.1)
    second.stop()

    third = Notifier(base, log)
    processes.append(third)
    time.sleep(1.0)  # a start-up delivers what is due at once; nothing is
    third.stop()
    messages = fake_bf.delivered("message")
    assert len(messages) == 1 and messages[0].body["attachments"][0]["content"]["body"][0]["text"] == \
        "petclinic-build #148 failed"
    assert store.outbox()[0]["state"] == "sent"
