"""What the end-to-end modules share: the people and their access file, the stack's environment, a chat over
REST or over Teams (through the fake Bot Framework), the audit log, the sandbox's fault switch, and the check
that no secret was written anywhere.

A `Chat` says something as a `Person` (in a conversation, for Teams channel threads) and returns everything
the answer shows as one string: texts, card texts and facts, button titles (never payload data).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import requests

from sandbox.botframework import FakeBotFramework
from sandbox.server import RunningSandbox
from tests.e2e.serving import LOGS, clean_environment

RASA = "http://127.0.0.1:5005"
REST = f"{RASA}/webhooks/rest/webhook"
TEAMS = f"{RASA}/webhooks/teams/webhook"
JENKINS = "http://127.0.0.1:8081"
TENANT = "72f988bf-0000-4000-8000-0000000000aa"  # the fake Bot Framework's tenant (FakeBotFramework.activity)
CONFIRM_SECONDS = 10  # OPSBOT_CONFIRM_SECONDS for the stack: an offer expires quickly enough to test it
CHANGE_RATE = 2  # OPSBOT_CHANGE_RATE for the stack
# What `make serve` gives the sandbox and the webhooks when nothing is configured (scripts/run.sh).
SANDBOX_SECRETS = ("sandbox-jenkins-token", "sandbox-github-token", "sandbox-grafana-token", "sandbox-jenkins-hook",
                   "sandbox-grafana-hook", "sandbox-github-hook")


@dataclass(frozen=True)
class Person:
    """Someone talking to opsbot: on REST their sender id is `key`; in Teams they are `aad` in `tenant`."""

    key: str
    name: str
    role: str | None  # in the access file; None: not on it
    tenant: str = TENANT

    @property
    def aad(self) -> str:
        return f"aad-{self.key}"

    @property
    def teams(self) -> dict[str, str]:
        return {"user_id": f"29:1user-{self.key}", "user_name": self.name, "aad_object_id": self.aad,
                "tenant_id": self.tenant}


READER = Person("rita", "Rita Reader", "reader")
BUILDER = Person("ben", "Ben Builder", "builder")
RELEASE_MANAGER = Person("rose", "Rose Release", "release_manager")
LATE = Person("lars", "Lars Late", "builder")  # lets an offer expire
BUSY = Person("bea", "Bea Busy", "builder")  # hits the change rate limit
STRANGER = Person("sam", "Sam Stranger", None)
ABROAD = Person("otto", "Otto Outside", "reader", tenant="another-tenant")
PEOPLE = (READER, BUILDER, RELEASE_MANAGER, LATE, BUSY, STRANGER, ABROAD)
VISITORS = 40  # readers `visitor-1` … for one-off conversations (distinct sender ids)
_visitors = iter(range(1, VISITORS + 1))


def visitor() -> str:
    """A fresh REST sender id that may read: one conversation of its own."""
    return f"visitor-{next(_visitors)}"


def access_file(extra_readers: tuple[str, ...] = (), tenants: tuple[str, ...] = ()) -> str:
    """Least privilege: only listed people may use opsbot; *-deploy-prod needs build_protected."""
    members: dict[str, list[str]] = {"reader": [f"visitor-{i}" for i in range(1, VISITORS + 1)] + list(extra_readers),
                                     "builder": [], "release_manager": []}
    for person in PEOPLE:
        if person.role:
            members[person.role] += [person.key, person.aad]
    return json.dumps({
        "roles": {"reader": ["read"], "builder": ["read", "build", "subscribe"],
                  "release_manager": ["read", "build", "build_protected", "subscribe"],
                  "admin": ["read", "build", "build_protected", "subscribe", "admin"]},
        "default_role": None, "tenants": list(tenants), "protected_jobs": ["*-deploy-prod"], "members": members,
    }, indent=1)


def stack_environment(state: Path, access: str, drop_prefix: str = "TEAMS_") -> dict[str, str]:
    """The environment for `make serve` on the sandbox: a private access file and audit log, a short offer
    expiry and change rate, quick sandbox queues."""
    env = clean_environment(drop_prefix)
    (state / "access.yml").write_text(access)
    env.update({"OPSBOT_ACCESS_FILE": str(state / "access.yml"), "OPSBOT_AUDIT_LOG": str(state / "audit.jsonl"),
                "OPSBOT_CONFIRM_SECONDS": str(CONFIRM_SECONDS), "OPSBOT_CHANGE_RATE": str(CHANGE_RATE),
                "OPSBOT_SANDBOX_QUEUE_SECONDS": "0.5", "RASA_TELEMETRY_ENABLED": "false"})
    return env


# -- what an answer shows ----------------------------------------------------------------------------------------
def shown(node: Any) -> list[str]:
    """Every string a person reads in a reply, card or activity (texts, facts, titles), not payload data."""
    if isinstance(node, dict):
        found = [v for k, v in node.items() if k in ("text", "title", "value", "altText") and isinstance(v, str)]
        return found + [s for k, v in node.items() if k not in ("data", "payload", "value") for s in shown(v)]
    if isinstance(node, list):
        return [s for item in node for s in shown(item)]
    return []


class Chat(Protocol):
    channel: str
    said: list[str]  # every answer so far (the secret check reads them)

    def say(self, who: Person, text: str, where: str = "") -> str: ...


class RestChat:
    """The REST channel: the sender id is the person and the conversation (`where` is not used)."""

    channel = "rest"

    def __init__(self) -> None:
        self.said: list[str] = []

    def send(self, sender: str, message: Any, metadata: dict | None = None) -> list[dict]:
        body: dict[str, Any] = {"sender": sender, "message": message}
        if metadata is not None:
            body["metadata"] = metadata
        answer = requests.post(REST, json=body, timeout=60)
        answer.raise_for_status()
        replies = answer.json()
        self.said.append(json.dumps(replies, ensure_ascii=False))
        return replies

    def say(self, who: Person, text: str, where: str = "", metadata: dict | None = None) -> str:
        return "\n".join(shown(self.send(who.key, text, metadata)))


class TeamsChat:
    """The Teams channel through the fake Bot Framework: signed activities in, the posted replies out. Without
    `where`, each person has their own 1:1 chat; `where` names a channel thread shared by several people."""

    channel = "teams"

    def __init__(self, fake: Any) -> None:
        self.fake = fake
        self.said: list[str] = []

    def post(self, activity: dict[str, Any]) -> requests.Response:
        return requests.post(TEAMS, json=activity, headers=self.fake.headers(activity), timeout=30)

    def activity(self, who: Person, text: str | None, where: str = "", **fields: Any) -> dict[str, Any]:
        kind = "channel" if where.startswith("19:") else "personal"
        return self.fake.activity(text, conversation_type=kind, conversation_id=where or f"a:1chat-{who.key}",
                                  **who.teams, **fields)

    def exchange(self, activity: dict[str, Any]) -> str:
        """Post `activity`; everything the bot posted back for it (waits until the replies stop coming)."""
        before = len(self.fake.delivered("message"))
        assert self.post(activity).status_code == 200
        assert self.fake.wait_for(lambda f: len(f.delivered("message")) > before, 60), f"no answer to {activity}"
        count = -1
        while count != len(self.fake.delivered("message")):  # a reply may be several activities
            count = len(self.fake.delivered("message"))
            time.sleep(1.0)
        bodies = [r.body for r in self.fake.delivered("message")[before:]]
        self.said.append(json.dumps(bodies, ensure_ascii=False))
        return "\n".join(shown(bodies))

    def say(self, who: Person, text: str, where: str = "") -> str:
        return self.exchange(self.activity(who, text, where))

    def submit(self, who: Person, value: dict[str, Any], where: str = "") -> str:
        """A click on a card button: a message activity with `value` and no text."""
        return self.exchange(self.activity(who, None, where, value=value))


class TeamsStack:
    """`make serve` with the Teams channel on, for one test module: its state folder, audit log and output, the
    fake Bot Framework, and a Teams chat through it."""

    def __init__(self, state: Path, fake: FakeBotFramework) -> None:
        self.state = state
        self.fake = fake
        self.audit = state / "audit.jsonl"
        self.output = state / "serve.log"
        self.started = time.time()
        self.chat = TeamsChat(fake)


@contextmanager
def fake_bot_framework() -> Iterator[FakeBotFramework]:
    """The fake Bot Framework (keys, tokens, the Bot Connector API) served on a free loopback port."""
    fake = FakeBotFramework()
    running = RunningSandbox({"botframework": fake.app()}, "127.0.0.1", {"botframework": 0}).start_in_thread()
    fake.base_url = running.url("botframework")
    try:
        yield fake
    finally:
        running.stop_thread()


# -- the audit log and the sandbox --------------------------------------------------------------------------------
def audit_entries(path: Path, who: str) -> list[dict[str, Any]]:
    lines = path.read_text().splitlines() if path.exists() else []
    return [entry for entry in map(json.loads, lines) if entry["who"] == who]


def last_decision(path: Path, who: str) -> tuple[str, str]:
    """(decision, result) of the newest audit line of `who`."""
    entries = audit_entries(path, who)
    assert entries, f"no audit line for {who} in {path}"
    return entries[-1]["decision"], entries[-1]["result"]


def jenkins_fault(**fault: Any) -> None:
    """Make the sandbox's Jenkins fail ({"status": 401} …); no arguments: heal it."""
    requests.post(f"{JENKINS}/_sandbox/fault", json=fault, timeout=5).raise_for_status()


def new_thread() -> str:
    """A Teams channel thread nobody has used yet."""
    return f"19:ops-channel@thread.tacv2;messageid={uuid.uuid4().int % 10**13}"


def written_since(started: float, *more: Path) -> list[Path]:
    """The stack's log files written during this module, and `more` files."""
    logs = [path for path in LOGS.glob("*.log") if path.stat().st_mtime >= started]
    return [*logs, *(path for path in more if path.exists())]


def assert_no_secret(secrets: list[str], said: list[str], files: list[Path]) -> None:
    assert all(len(secret) >= 8 for secret in secrets)
    for secret in secrets:
        for answer in said:
            assert secret not in answer, f"a secret in a reply: {answer[:300]}"
        for path in files:
            assert secret not in path.read_text(errors="replace"), f"a secret in {path}"
