"""Secure by default, piece by piece (the whole stack is attacked by `make security-check`, tests/security):
the action server's door, signed offers confirmed once, request bodies read defensively, service URLs
rebuilt from their parts, member lookups in channels, identical searches shared, crashed claims recovered,
secrets redacted by name, and a clear answer when the action server is down."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from actions.base import Answer, Ask
from actions.confirm import PENDING_SLOT, ActionConfirm, Pending, register
from backends.cache import Coalesced
from common import jsonbody, logsafe, once
from common.reply import Reply
from connector import guard
from connector.config import Origin, TeamsConfig
from connector.members import members_conversation
from notifications import store as notify_store
from tests.support import make_tracker, run_action, texts

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "unit-test-actions-token-0001"


def free_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


# -- the action server ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def action_server() -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "OPSBOT_ACTIONS_TOKEN": TOKEN, "RASA_TELEMETRY_ENABLED": "false"}
    env.pop("OPSBOT_BIND", None)
    process = subprocess.Popen([sys.executable, "-m", "actions", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if requests.get(url + "/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.5)
        else:
            pytest.fail("the action server did not start")
        yield url
    finally:
        process.terminate()
        process.wait(20)


def test_the_action_server_answers_only_calls_with_its_token(action_server: str) -> None:
    call = {"next_action": "action_confirm", "tracker": {"sender_id": "x", "slots": {}, "events": []}, "domain": {}}
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": TOKEN}, {"Authorization": "Basic x"}):
        refused = requests.post(action_server + "/webhook", json=call, headers=headers, timeout=10)
        assert refused.status_code == 401 and refused.json() == {"error": "unauthorized"}
    assert requests.get(action_server + "/actions", timeout=10).status_code == 401
    good = {"Authorization": f"Bearer {TOKEN}"}
    assert requests.get(action_server + "/actions", headers=good, timeout=10).status_code == 200
    compressed = requests.post(action_server + "/webhook", data=b"x", timeout=10,
                               headers={**good, "Content-Encoding": "deflate"})
    assert compressed.status_code == 415  # no decompression bombs
    broken = requests.post(action_server + "/webhook", data=b"secret-looking {", headers=good, timeout=10)
    assert broken.status_code >= 400 and "secret-looking" not in broken.text  # the request is never echoed


def test_the_action_server_listens_on_loopback_and_will_not_start_without_a_token(action_server: str) -> None:
    port = int(action_server.rsplit(":", 1)[1])
    listening = [line.split()[1] for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
                 if line.split()[3] == "0A" and int(line.split()[1].rsplit(":", 1)[1], 16) == port]
    assert listening == [f"0100007F:{port:04X}"]
    env = {k: v for k, v in os.environ.items() if k != "OPSBOT_ACTIONS_TOKEN"}
    started = subprocess.run([sys.executable, "-m", "actions", "--port", str(free_port())], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert started.returncode == 2 and "OPSBOT_ACTIONS_TOKEN" in started.stderr


# -- offers --------------------------------------------------------------------------------------------------------
@register("test_secure_change", "Jenkins")
async def _change(pending: Pending, ask: Ask) -> Answer:
    CHANGES.append(pending.summary)
    return Answer([Reply(text=f"done: {pending.summary}")])


CHANGES: list[str] = []


def _offer(**changes) -> dict:
    now = time.time()
    fields = {"kind": "test_secure_change", "summary": "change it", "params": {}, "requester": "dan",
              "requester_name": "dan", "expires_at": now + 60, "created_at": now, "conversation": "rest:room"}
    return Pending(**{**fields, **changes}).to_slot()


def _yes(pending: dict, sender: str = "room", channel: str = "rest") -> str:
    tracker = make_tracker("yes", "affirm", slots={PENDING_SLOT: pending}, sender=sender, channel=channel,
                           metadata={"user_id": "dan"})
    return texts(run_action(ActionConfirm(), tracker)[0])


@pytest.mark.parametrize("tamper", [
    {"params": {"job": "petclinic-deploy-prod"}}, {"requester": "paulo"}, {"expires_at": 9e12},
    {"summary": "deploy to production"}, {"signature": "0" * 64}, {"signature": None},
])
def test_an_offer_changed_after_it_was_made_is_no_offer(tamper: dict, monkeypatch) -> None:
    monkeypatch.setattr(once, "_shared", None)
    CHANGES.clear()
    pending = {**_offer(), **tamper}
    assert "nothing waiting" in _yes(pending) and CHANGES == []


def test_an_offer_is_confirmed_in_its_own_conversation_and_only_once(monkeypatch) -> None:
    monkeypatch.setattr(once, "_shared", None)
    CHANGES.clear()
    pending = _offer()
    assert "nothing waiting" in _yes(pending, sender="another-room") and CHANGES == []
    assert "nothing waiting" in _yes(pending, channel="cmdline") and CHANGES == []  # same id, other channel
    assert _yes(pending) == "done: change it" and CHANGES == ["change it"]
    assert "already confirmed" in _yes(pending) and CHANGES == ["change it"]  # a second yes, on any server


def test_the_offer_key_comes_from_the_actions_token(monkeypatch) -> None:
    monkeypatch.setenv("OPSBOT_ACTIONS_TOKEN", "token-of-deployment-a-000")
    made = _offer()
    assert Pending.from_slot(made) is not None
    monkeypatch.setenv("OPSBOT_ACTIONS_TOKEN", "token-of-deployment-b-000")
    assert Pending.from_slot(made) is None


class FakeRedis:
    def __init__(self) -> None:
        self.keys: dict[str, str] = {}

    def set(self, key: str, value: str, nx: bool, ex: int) -> bool:
        assert nx and ex >= 1
        if key in self.keys:
            return False
        self.keys[key] = value
        return True


def test_once_is_shared_through_redis_and_survives_its_loss() -> None:
    redis = FakeRedis()
    server_a, server_b = once.Once(redis_client=redis), once.Once(redis_client=redis)
    assert server_a.first("offer|abc", 60) and not server_b.first("offer|abc", 60)

    class Down:
        def set(self, *args, **kwargs):
            raise ConnectionError("redis down")

    alone = once.Once(redis_client=Down())
    assert alone.first("k", 60) and not alone.first("k", 60)  # a duplicate Teams delivery: memory decides
    with pytest.raises(once.Unsure):
        alone.first("offer|abc", 60, fail_closed=True)  # a change: never run twice on a guess


# -- bodies --------------------------------------------------------------------------------------------------------
def test_json_bodies_are_capped_in_size_and_depth_before_parsing() -> None:
    assert jsonbody.parse(b'{"a": [1, {"b": "[[[[[["}]}', 100) == {"a": [1, {"b": "[[[[[["}]}
    assert jsonbody.nesting_depth(jsonbody.parse(b'{"a": "\\"[[[[", "b": [[]]}', 100)) == 3  # brackets in strings: text
    for body, status in ((b"x" * 101, 413), (b"[" * 65 + b"]" * 65, 400), (b"{not json", 400),
                         (b"[" * 200_000, 400), (b'"' + b'\\"' * 30_000, 400)):
        with pytest.raises(jsonbody.BadBody) as error:
            jsonbody.parse(body, 10**6 if status != 413 else 100)
        assert error.value.status == status
    assert jsonbody.parse(b"[" * 64 + b"]" * 64, 1000) is not None


# -- Teams ---------------------------------------------------------------------------------------------------------
def _teams(**credentials) -> TeamsConfig:
    return TeamsConfig.from_credentials({"app_id": "app", "app_password": "pw", **credentials})


@pytest.mark.parametrize(("url", "allowed"), [
    ("https://smba.trafficmanager.net/amer/", True),
    ("https://smba.trafficmanager.net/emea", True),
    ("https://SMBA.trafficmanager.net:443/teams/", True),
    ("https://smba.trafficmanager.net/_sandbox/revoke?", False),
    ("https://smba.trafficmanager.net/amer/?x=1", False),
    ("https://smba.trafficmanager.net/amer/#frag", False),
    ("https://smba.trafficmanager.net/amer/../revoke/", False),
    ("https://smba.trafficmanager.net/amer/%2e%2e/revoke/", False),
    ("https://user:pw@smba.trafficmanager.net/amer/", False),
    ("https://smba.trafficmanager.net.evil.example/amer/", False),
    ("http://smba.trafficmanager.net/amer/", False),
    ("https://smba.trafficmanager.net:8443/amer/", False),
])
def test_a_service_url_is_checked_in_every_part(url: str, allowed: bool) -> None:
    assert _teams().service_url_allowed(url) is allowed


def test_a_path_prefix_narrows_the_allowed_service_urls() -> None:
    config = _teams(allowed_service_urls="https://smba.trafficmanager.net/emea/")
    assert config.service_url_allowed("https://smba.trafficmanager.net/emea/")
    assert not config.service_url_allowed("https://smba.trafficmanager.net/amer/")
    assert not config.service_url_allowed("https://smba.trafficmanager.net/emeaX/")
    assert Origin.parse("https://smba.trafficmanager.net/emea").url == "https://smba.trafficmanager.net/emea/"


def test_members_are_looked_up_in_the_team_not_the_thread() -> None:
    channel = {"conversation_type": "channel", "team_id": "19:team@thread.tacv2",
               "conversation_id": "19:ops@thread.tacv2;messageid=1700000000001"}
    assert members_conversation(channel) == "19:team@thread.tacv2"
    assert members_conversation({"conversation_type": "groupChat", "conversation_id": "19:g@thread.v2;messageid=5"}
                                ) == "19:g@thread.v2"
    assert members_conversation({"conversation_type": "personal", "conversation_id": "a:1chat"}) == "a:1chat"


# -- the action server down ----------------------------------------------------------------------------------------
def test_silence_because_the_action_server_is_down_is_explained(monkeypatch) -> None:
    async def down() -> bool:
        return False

    async def rasa_that_answers_nothing(message: UserMessage) -> None:
        return None

    async def rasa_that_answers(message: UserMessage) -> None:
        await message.output_channel.send_response(message.sender_id, {"text": "fine"})

    monkeypatch.setattr(guard.action_server, "reachable", down)
    metadata = {"verified_identity": True}
    output = CollectingOutputChannel()
    asyncio.run(guard.admitted(rasa_that_answers_nothing)(UserMessage("hi", output, "dan", "rest", metadata=metadata)))
    assert [m["text"] for m in output.messages] == [guard.NO_ACTION_SERVER]
    output = CollectingOutputChannel()
    asyncio.run(guard.admitted(rasa_that_answers)(UserMessage("hi", output, "dan", "rest", metadata=metadata)))
    assert [m["text"] for m in output.messages] == ["fine"]


def test_the_probe_asks_the_action_server_with_the_token(monkeypatch) -> None:
    monkeypatch.setenv("OPSBOT_ACTION_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}/webhook")
    assert asyncio.run(guard.ActionServerProbe().reachable()) is False  # nothing listens there


# -- GitHub searches -----------------------------------------------------------------------------------------------
def test_identical_requests_in_flight_share_one_call() -> None:
    calls = []

    async def search() -> str:
        calls.append(1)
        await asyncio.sleep(0.05)
        return "page"

    async def fifty() -> list[str]:
        shared: Coalesced[str] = Coalesced(ttl=30)
        first = await asyncio.gather(*(shared.get(("pulls", "is:open"), search) for _ in range(50)))
        again = await shared.get(("pulls", "is:open"), search)  # within the ttl: no call
        other = await shared.get(("pulls", "is:closed"), search)
        return [*first, again, other]

    assert asyncio.run(fifty()) == ["page"] * 52 and len(calls) == 2


def test_a_failed_call_is_not_kept() -> None:
    attempts = []

    async def flaky() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("rate limited")
        return "page"

    async def twice() -> str:
        shared: Coalesced[str] = Coalesced(ttl=30)
        with pytest.raises(RuntimeError):
            await shared.get("q", flaky)
        return await shared.get("q", flaky)

    assert asyncio.run(twice()) == "page"


# -- notifications: a crashed claimer's rows -----------------------------------------------------------------------
def test_a_crashed_process_on_this_host_does_not_hold_its_rows_for_the_lease() -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host, namespace = socket.gethostname(), notify_store._pid_namespace()
    assert notify_store.claimer_id().endswith(f":{namespace}")
    assert notify_store._dead_here(f"{host}:{dead.pid}:abc123:{namespace}")
    assert not notify_store._dead_here(f"{host}:{os.getppid()}:abc123:{namespace}")  # alive
    assert notify_store._dead_here(f"{host}:{os.getpid()}:never-made-here:{namespace}")  # a previous life of this pid
    assert not notify_store._dead_here(f"another-host:{dead.pid}:abc123:{namespace}")  # can't tell: wait for the lease
    assert not notify_store._dead_here(f"{host}:{dead.pid}:abc123:4026531999")  # another container's pids
    assert not notify_store._dead_here(f"{host}:{dead.pid}:abc123")  # a claim from before namespaces were noted


# -- secrets -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["OPSBOT_DB_PASSWORD", "OPSBOT_REDIS_PASSWORD", "GRAFANA_WEBHOOK_PASSWORD",
                                  "OPSBOT_ACTIONS_TOKEN", "OPSBOT_REST_TOKEN", "TEAMS_APP_PASSWORD", "JIRA_API_TOKEN",
                                  "ARTIFACTORY_TOKEN", "SOME_PRIVATE_KEY"])
def test_every_secret_setting_is_redacted_by_its_name(name: str, monkeypatch, caplog) -> None:
    monkeypatch.setenv(name, "value-that-must-not-leak-7")
    logsafe.install()
    with caplog.at_level(logging.INFO):
        logging.getLogger("opsbot.test").info("connecting with %s", "value-that-must-not-leak-7")
    assert "value-that-must-not-leak-7" not in caplog.text and "***" in caplog.text


def test_an_ordinary_setting_is_not_redacted(monkeypatch) -> None:
    monkeypatch.setenv("OPSBOT_CONFIRM_SECONDS", "300")
    assert logsafe.redact("expires in 300 s") == "expires in 300 s"


# -- identities ---------------------------------------------------------------------------------------------------
def test_the_shell_trusts_its_one_user_only_in_the_demo(monkeypatch) -> None:
    from common.access import Identity

    monkeypatch.delenv("OPSBOT_SHELL_USER", raising=False)
    assert not Identity.from_metadata("demo", {}, "cmdline").verified  # not make demo: nobody
    monkeypatch.setenv("OPSBOT_SHELL_USER", "demo")
    assert Identity.from_metadata("demo", {}, "cmdline").verified
    assert not Identity.from_metadata("paulo", {}, "cmdline").verified  # another local client's sender id
    assert not Identity.from_metadata("demo", {"user_id": "paulo"}, "cmdline").verified  # or its metadata


def test_protected_jobs_match_in_any_case_and_unverified_names_are_marked_in_the_audit() -> None:
    from common.access import AccessPolicy, Identity

    policy = AccessPolicy(roles={"builder": {"read", "build"}}, protected_jobs=("*-deploy-prod",))
    assert policy.is_protected("PetClinic-Deploy-PROD") and policy.is_protected("team/Payments-DEPLOY-prod")
    assert not policy.is_protected("petclinic-deploy-staging")
    assert Identity.from_metadata("rest:paulo", {"user_id": "paulo"}, "rest").audit_name == "unverified:paulo"
    assert Identity.from_metadata("rest:dan", {"user_id": "dan", "verified_identity": True}, "rest"
                                  ).audit_name == "dan"
