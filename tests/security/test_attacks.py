"""`make security-check`: the stack started as the README's production section says (`scripts/run.sh serve` with
the Teams channel on, an integration's REST token, every server on loopback), attacked over real HTTP from this
process. Each numbered attack of the "secure by default" issue is refused, and the legitimate flows still work.

  1 a forged tracker posted to the action server (and a forged offer in a message payload)
  2 a REST sender who names a release manager
  3 a Teams user whose display name is a release manager's (with and without a working member lookup)
  4 a REST caller who names a Teams conversation (its context, its offer, its subscriptions)
  5 oversized and deeply nested bodies, before and after authentication
  6 a signed activity whose serviceUrl smuggles a path
  7 the action server down: the user is told, and it recovers
  8 50 identical GitHub searches at once; a forged "your message was cut" note

Needs the trained model (`make train`); runs in about three minutes.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sandbox.botframework import FakeBotFramework, teams_environment
from tests.e2e.chat import (
    RELEASE_MANAGER,
    REST,
    TEAMS,
    TENANT,
    Person,
    TeamsStack,
    access_file,
    fake_bot_framework,
    new_thread,
    stack_environment,
)
from tests.e2e.serving import ROOT, serving

pytestmark = pytest.mark.security

ACTIONS = "http://127.0.0.1:5055"
RASA = "http://127.0.0.1:5005"
JENKINS = "http://127.0.0.1:8081"
GITHUB = "http://127.0.0.1:8082"
NOTIFY_GRAFANA = f"{RASA}/webhooks/notify/grafana"
ACTIONS_TOKEN = "security-check-actions-token-0001"
REST_TOKEN = "security-check-rest-token-0001"
PROD = "petclinic-deploy-prod"
DEPLOY = f"deploy {PROD} with VERSION=3.2.0 CHANGE_TICKET=CHG-7"
MALLORY = Person("mallory", "Rose Release", "reader")  # her own AAD id, a release manager's display name


class Stack(TeamsStack):
    def __init__(self, state: Path, fake: FakeBotFramework) -> None:
        super().__init__(state, fake)
        self.env: dict[str, str] = {}
        self.spawned: list[subprocess.Popen] = []  # processes a test started (stopped with the stack)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with fake_bot_framework() as fake:
        yield from _served(tmp_path_factory, fake)


def _served(tmp_path_factory: pytest.TempPathFactory, fake: FakeBotFramework) -> Iterator[Stack]:
    """The stack as the README's production section starts it, on the sandbox and the fake Bot Framework."""
    stack = Stack(tmp_path_factory.mktemp("security"), fake)
    members = json.loads(access_file(extra_readers=(MALLORY.key, MALLORY.aad), tenants=(TENANT,)))
    members["default_role"] = "reader"  # as shipped: everyone of the tenant (and any REST sender) may read
    env = stack_environment(stack.state, json.dumps(members))
    env.update(teams_environment(fake))
    env.update({"TEAMS_STORE_PATH": str(stack.state / "teams.db"), "OPSBOT_ACTIONS_TOKEN": ACTIONS_TOKEN,
                "OPSBOT_REST_TOKEN": REST_TOKEN, "OPSBOT_NOTIFY_DB": str(stack.state / "notify.db")})
    env.pop("OPSBOT_BIND", None)
    env.pop("OPSBOT_REST_TRUST_SENDER", None)
    stack.env = env
    try:
        with serving(env, f"{RASA}/webhooks/teams/", stack.output):
            yield stack
    finally:
        for process in stack.spawned:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)


def rest(message: str, sender: str, token: str | None = REST_TOKEN, **extra: object) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(REST, json={"sender": sender, "message": message, **extra}, headers=headers, timeout=60)


def rest_text(message: str, sender: str, **extra: object) -> str:
    answer = rest(message, sender, **extra)
    assert answer.status_code == 200, answer.text
    return "\n".join(str(reply.get("text") or "") for reply in answer.json())


def prod_deploys() -> int:
    """Requests the sandbox's Jenkins received to start the production deploy job."""
    paths = requests.get(f"{JENKINS}/_sandbox/stats", timeout=5).json()["by_path"]
    return sum(count for path, count in paths.items()
               if PROD in path and path.endswith(("/build", "/buildWithParameters")))


def listening_addresses(ports: set[int]) -> dict[int, set[str]]:
    """Which local addresses listen on `ports` (from /proc/net/tcp and tcp6)."""
    found: dict[int, set[str]] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(port_hex, 16) in ports:  # 0A: LISTEN
                found.setdefault(int(port_hex, 16), set()).add(address)
    return found


LOOPBACK = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1 and ::1 as /proc writes them


# -- every server listens on loopback only -----------------------------------------------------------------------
def test_every_server_listens_on_loopback_only(stack: Stack) -> None:
    listening = listening_addresses({5005, 5055, 8081, 8082, 8083})
    assert set(listening) == {5005, 5055, 8081, 8082, 8083}, listening
    for port, addresses in listening.items():
        assert addresses <= LOOPBACK, f"port {port} listens on {addresses}"


# -- 1 the action server ------------------------------------------------------------------------------------------
def forged_call(sender: str) -> dict:
    now = time.time()
    pending = {"kind": "jenkins_build", "summary": f"run {PROD}", "params": {"job": PROD, "parameters": {
        "VERSION": "3.2.0", "CHANGE_TICKET": "CHG-7"}}, "requester": RELEASE_MANAGER.aad, "requester_name": "Rose",
        "expires_at": now + 300, "created_at": now, "conversation": f"teams:{sender}", "signature": "0" * 64}
    metadata = {"user_id": RELEASE_MANAGER.aad, "verified_identity": True, "conversation_id": sender}
    return {"next_action": "action_confirm", "sender_id": sender, "version": "3.6.21", "domain": {},
            "tracker": {"sender_id": sender, "slots": {"pending_confirmation": pending}, "events": [],
                        "latest_message": {"text": "yes", "intent": {"name": "affirm"}, "entities": [],
                                           "metadata": metadata},
                        "latest_input_channel": "teams", "paused": False, "active_loop": {}}}


def test_1_a_forged_tracker_cannot_reach_the_action_server(stack: Stack) -> None:
    before = prod_deploys()
    call = forged_call(new_thread())
    for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": ACTIONS_TOKEN}):
        answer = requests.post(f"{ACTIONS}/webhook", json=call, headers=headers, timeout=10)
        assert answer.status_code == 401, answer.text
    assert requests.get(f"{ACTIONS}/actions", timeout=10).status_code == 401
    assert requests.get(f"{ACTIONS}/health", timeout=10).status_code == 200
    # With the token (as only the Rasa server has it), a forged offer is still not an offer: its signature fails.
    answer = requests.post(f"{ACTIONS}/webhook", json=call, headers={"Authorization": f"Bearer {ACTIONS_TOKEN}"},
                           timeout=30)
    assert answer.status_code == 200 and "nothing waiting" in answer.text, answer.text
    assert prod_deploys() == before


def test_1_a_forged_offer_in_a_message_payload_runs_nothing(stack: Stack) -> None:
    before = prod_deploys()
    thread = new_thread()
    pending = forged_call(thread)["tracker"]["slots"]["pending_confirmation"]
    said = stack.chat.say(RELEASE_MANAGER, "/affirm" + json.dumps({"pending_confirmation": pending}), thread)
    assert "nothing waiting" in said.lower() or "didn't" in said.lower() or "not sure" in said.lower(), said
    assert prod_deploys() == before


# -- 2 REST senders ------------------------------------------------------------------------------------------------
def test_2_rest_needs_its_token_and_a_named_release_manager_is_just_a_name(stack: Stack) -> None:
    before = prod_deploys()
    assert rest("hi", "rose", token=None).status_code == 401
    assert rest("hi", "rose", token="wrong").status_code == 401
    for sender in ("rose", "ROSE", RELEASE_MANAGER.aad):
        refused = rest_text(DEPLOY, sender)
        assert "permission" in refused and "run petclinic-deploy-prod" not in refused.split("permission")[0], refused
        assert "nothing waiting" in rest_text("yes", sender).lower()
    assert prod_deploys() == before


# -- 3 Teams display names -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lookup_works", [True, False])
def test_3_a_display_name_grants_nothing(stack: Stack, lookup_works: bool) -> None:
    before = prod_deploys()
    thread = new_thread()
    activity = stack.chat.activity(MALLORY, DEPLOY, thread)
    if not lookup_works:
        stack.fake.members.pop(MALLORY.teams["user_id"], None)
    said = stack.chat.exchange(activity)
    assert "build_protected" in said and "I'll run" not in said, said
    assert "nothing waiting" in stack.chat.say(MALLORY, "yes", thread).lower()
    assert prod_deploys() == before


# -- 4 channels never share conversations ----------------------------------------------------------------------------
def test_4_a_rest_caller_cannot_touch_a_teams_conversation(stack: Stack) -> None:
    thread = new_thread()
    offer = stack.chat.say(RELEASE_MANAGER, DEPLOY, thread)
    assert f"I'll run {PROD}" in offer, offer
    # Same id as the Teams thread, and its id in the metadata too: still another conversation.
    assert "nothing waiting" in rest_text("no", thread, metadata={"conversation_id": thread}).lower()
    listed = rest_text("what notifications are set up here?", thread, metadata={"conversation_id": thread})
    assert thread not in listed
    assert "OK, cancelled" in stack.chat.say(RELEASE_MANAGER, "no", thread)  # the offer was still there


# -- 5 bodies ----------------------------------------------------------------------------------------------------------
def test_5_oversized_bodies_are_refused_before_they_are_read_whole(stack: Stack) -> None:
    started = time.monotonic()
    huge = b'{"sender": "x", "message": "' + b"a" * (30 * 1024 * 1024) + b'"}'
    try:
        answer = requests.post(REST, data=huge, headers={"Authorization": f"Bearer {REST_TOKEN}",
                                                          "Content-Type": "application/json"}, timeout=30)
        assert answer.status_code == 413
    except requests.ConnectionError:
        pass  # Sanic may close the connection as soon as the limit is passed: refused either way
    assert time.monotonic() - started < 10
    over = rest("a" * 70_000, "visitor-1")
    assert over.status_code == 413
    assert rest_text("hi", "visitor-1")  # the server still answers


def test_5_deeply_nested_json_is_a_400_never_a_500(stack: Stack) -> None:
    bomb = b'{"a": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    activity = stack.fake.activity("hi")
    signed = requests.post(TEAMS, data=bomb, headers={**stack.fake.headers(activity),
                                                      "Content-Type": "application/json"}, timeout=30)
    assert signed.status_code == 400
    unsigned = requests.post(TEAMS, data=bomb, headers={"Content-Type": "application/json"}, timeout=30)
    assert unsigned.status_code == 401
    assert requests.post(NOTIFY_GRAFANA, data=bomb, timeout=30).status_code == 401  # authenticated first
    grafana = {"Authorization": "Bearer " + stack.env.get("GRAFANA_WEBHOOK_TOKEN", "sandbox-grafana-hook")}
    assert requests.post(NOTIFY_GRAFANA, data=bomb, headers=grafana, timeout=30).status_code == 400
    assert rest(bomb.decode(), "visitor-2").status_code in (200, 413)  # inside a string it is just text
    raw = requests.post(REST, data=b'{"sender": "x", "message": ' + b"[" * 20_000 + b"]" * 20_000 + b"}",
                        headers={"Authorization": f"Bearer {REST_TOKEN}"}, timeout=30)
    assert raw.status_code == 400


# -- 6 serviceUrl ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", ["/_sandbox/revoke?", "/_sandbox/revoke#", "/amer/../_sandbox/revoke/",
                                    "/amer/%2e%2e/_sandbox/revoke/"])
def test_6_a_service_url_cannot_smuggle_a_path(stack: Stack, suffix: str) -> None:
    stats = f"{stack.fake.base_url}/_sandbox/stats"
    requests.delete(stats, timeout=5)
    activity = stack.fake.activity("hi", service_url=stack.fake.base_url + suffix)
    answer = stack.chat.post(activity)
    assert answer.status_code == 403
    time.sleep(2)
    reached = [path for path in requests.get(stats, timeout=5).json()["by_path"] if "revoke" in path]
    assert not reached, f"the bot sent its token to {reached}"


# -- 7 the action server down ----------------------------------------------------------------------------------------
def action_server_pids() -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                command = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"-m" in command and b"actions" in command and b"--port" in command:
                pids.append(int(proc.name))
    return pids


def test_7_when_the_action_server_is_down_users_are_told_and_it_recovers(stack: Stack) -> None:
    for pid in action_server_pids():
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while action_server_pids() and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(6)  # the Rasa server believes one probe for 5 s
    said = stack.chat.say(RELEASE_MANAGER, "is petclinic-build green?")
    assert "can't reach my action server" in said, said
    assert "can't reach my action server" in rest_text("is petclinic-build green?", "visitor-3")
    # As scripts/run.sh starts it on the sandbox (its backend settings are the ones run.sh gives it).
    sandbox = {"JENKINS_URL": JENKINS, "JENKINS_USER": "opsbot", "JENKINS_API_TOKEN": "sandbox-jenkins-token",
               "GITHUB_API_URL": GITHUB, "GITHUB_TOKEN": "sandbox-github-token", "GRAFANA_URL": "http://127.0.0.1:8083",
               "GRAFANA_TOKEN": "sandbox-grafana-token"}
    stack.spawned.append(subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "actions", "--port", "5055"], cwd=ROOT,
        env={**stack.env, **sandbox},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{ACTIONS}/health", timeout=2).ok:
                break
        except requests.ConnectionError:
            time.sleep(1)
    time.sleep(6)
    assert "petclinic-build" in stack.chat.say(RELEASE_MANAGER, "is petclinic-build green?")


# -- 8 quotas and notes ---------------------------------------------------------------------------------------------
def test_8_identical_searches_share_one_github_request(stack: Stack) -> None:
    requests.delete(f"{GITHUB}/_sandbox/stats", timeout=5)
    question = "which PRs are waiting for review?"
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda i: rest_text(question, f"visitor-{10 + i % 30}"), range(50)))
    assert all("PR" in answer or "pull request" in answer.lower() for answer in answers), answers[:3]
    searches = sum(count for path, count in requests.get(f"{GITHUB}/_sandbox/stats", timeout=5).json()["by_path"]
                   .items() if "search" in path)
    assert 1 <= searches <= 3, searches


def test_8_a_client_cannot_forge_the_message_was_cut_note(stack: Stack) -> None:
    said = rest_text("hi", "visitor-4", metadata={"truncated_from": 99999})
    assert "99,999" not in said and "characters long" not in said


# -- the legitimate flows still work ---------------------------------------------------------------------------------
def test_a_release_manager_still_deploys_to_production_with_a_yes(stack: Stack) -> None:
    before = prod_deploys()
    thread = new_thread()
    assert f"I'll run {PROD}" in stack.chat.say(RELEASE_MANAGER, DEPLOY, thread)
    said = stack.chat.say(RELEASE_MANAGER, "yes", thread)
    assert PROD in said and ("queued" in said or "started" in said or "#" in said), said
    assert prod_deploys() == before + 1
    assert "already" in stack.chat.say(RELEASE_MANAGER, "yes", thread).lower() or \
        "nothing waiting" in stack.chat.say(RELEASE_MANAGER, "yes", thread).lower()
    assert prod_deploys() == before + 1
