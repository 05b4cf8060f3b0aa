"""The whole loop over real HTTP: subscribe in a Teams channel (the action), a sandbox build finishes and the
sandbox Jenkins sends the Notification plugin's webhook, the card reaches the channel through the fake Bot
Framework; a sandbox Grafana alert flipped to firing and back does the same with the contact point's webhook."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from actions import subscriptions as notify_actions
from actions.subscriptions import ActionSubscribe
from sandbox.botframework import FakeBotFramework
from sandbox.grafana.hooks import GRAFANA_HOOK_ENV
from sandbox.jenkins.hooks import JENKINS_HOOK_ENV
from sandbox.payloads import CHANNEL
from sandbox.server import RunningSandbox
from tests.support import make_tracker, run_action, texts
from tests.support.jenkins import jenkins_state, private_sandbox
from tests.support.notify import JENKINS_SECRET, NotifyFactory, NotifyServer
from tests.support.sandbox import TEST_CREDENTIALS, point_settings_at
from tests.support.subscriptions import fresh_services, teams_metadata


@pytest.fixture()
def loop(notify: NotifyFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[NotifyServer, RunningSandbox]]:
    """opsbot's notify channel, and a private sandbox whose Jenkins and Grafana send their webhooks to it."""
    server = notify()
    monkeypatch.setenv(JENKINS_HOOK_ENV, server.url("jenkins") + f"?token={JENKINS_SECRET}")
    monkeypatch.setenv(GRAFANA_HOOK_ENV, server.url("grafana"))
    sandbox = private_sandbox()
    jenkins_state(sandbox).build_seconds = 0.5
    point_settings_at(sandbox, monkeypatch)
    fresh_services()
    notify_actions._stores.clear()
    yield server, sandbox
    sandbox.stop_thread()
    fresh_services()


def subscribe_in_teams(text: str, fake: FakeBotFramework) -> str:
    """What the channel's message would reach the action with: its metadata and conversation reference."""
    metadata = teams_metadata()
    metadata["conversation_reference"]["serviceUrl"] = fake.service_url()
    messages, _ = run_action(ActionSubscribe(), make_tracker(text, "subscribe", channel="teams",
                                                             sender=metadata["conversation_id"], metadata=metadata))
    return texts(messages) or str(messages)


def cards(fake: FakeBotFramework) -> list[dict]:
    return [r.body["attachments"][0]["content"] for r in fake.delivered("message")]


def test_a_triggered_sandbox_build_comes_back_as_a_notification(loop, fake_bf: FakeBotFramework) -> None:
    server, sandbox = loop
    answer = subscribe_in_teams("let us know when the nightly finishes", fake_bf)
    assert "petclinic-nightly finishes" in answer
    started = requests.post(sandbox.url("jenkins") + "/job/petclinic-nightly/build", timeout=5,
                            auth=(TEST_CREDENTIALS["JENKINS_USER"], TEST_CREDENTIALS["JENKINS_API_TOKEN"]))
    assert started.status_code == 201
    assert fake_bf.wait_messages(1, 20)
    server.drain()
    (card,) = cards(fake_bf)  # STARTED is not subscribed to; COMPLETED and FINALIZED are one event
    assert card["body"][0]["text"] == "petclinic-nightly #302 passed"  # the answers' word, not a synonym
    link = next(a for a in card["actions"] if a["type"] == "Action.OpenUrl")
    assert link["url"] == sandbox.url("jenkins") + "/job/petclinic-nightly/302/"
    assert fake_bf.delivered("message")[0].conversation_id == CHANNEL


def test_a_sandbox_alert_firing_then_resolved(loop, fake_bf: FakeBotFramework) -> None:
    server, sandbox = loop
    assert "severity=critical" in subscribe_in_teams("post firing critical alerts here", fake_bf)
    grafana = sandbox.url("grafana")
    flipped = requests.post(grafana + "/_sandbox/alerts/petclinic-errors", json={"state": "firing", "value": 3.1},
                            timeout=15).json()
    assert flipped["state"] == "firing" and flipped["webhook"]["status"] == 202
    rules = requests.get(grafana + "/api/prometheus/grafana/api/v1/rules", timeout=5,
                         headers={"Authorization": f"Bearer {TEST_CREDENTIALS['GRAFANA_TOKEN']}"}).json()
    states = {r["uid"]: r["state"] for g in rules["data"]["groups"] for r in g["rules"]}
    assert states["petclinic-errors"] == "firing"
    assert fake_bf.wait_messages(1, 10)
    server.drain()
    assert cards(fake_bf)[0]["body"][0]["text"] == "Firing: PetClinic error rate above 2%"
    resolved = requests.post(grafana + "/_sandbox/alerts/petclinic-errors", json={"state": "resolved"}, timeout=15)
    assert resolved.json()["webhook"]["status"] == 202
    assert fake_bf.wait_for(lambda f: len(f.delivered("message")) >= 3, 10)
    server.drain()
    methods = [r.method for r in fake_bf.delivered("message")]
    assert methods == ["POST", "PUT", "POST"]
    assert all(c["body"][0]["text"] == "Resolved: PetClinic error rate above 2%" for c in cards(fake_bf)[1:])


def test_a_webhook_without_the_secret_is_refused(loop, fake_bf: FakeBotFramework, monkeypatch) -> None:
    server, sandbox = loop
    subscribe_in_teams("post firing critical alerts here", fake_bf)
    monkeypatch.setenv("GRAFANA_WEBHOOK_TOKEN", "not-what-opsbot-expects")
    flipped = requests.post(sandbox.url("grafana") + "/_sandbox/alerts/petclinic-errors", json={"state": "firing"},
                            timeout=15).json()
    assert flipped["webhook"]["status"] == 401
    server.drain()
    assert fake_bf.delivered("message") == [] and Path(server.notifier.settings.db_path).exists()
