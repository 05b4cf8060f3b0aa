"""Two Rasa servers sharing PostgreSQL (tracker store) and Redis (lock store): run by `make test-scale`
(scripts/test_scale.sh starts the servers and sets OPSBOT_SCALE_*); skipped elsewhere.

A follow-up sent to the other server is answered from the shared conversation, and messages of one
conversation sent at nearly the same time to both servers are handled one after another, in arrival order.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from dataclasses import dataclass, field

import pytest
import requests

from connector.rest import CONVERSATION_PREFIX
from sandbox.world import DEFAULT_WORLD, load_world

RASA_URLS = [url for url in os.environ.get("OPSBOT_SCALE_RASA_URLS", "").split(",") if url]
JENKINS_URL = os.environ.get("OPSBOT_SCALE_JENKINS_URL", "")

pytestmark = pytest.mark.skipif(len(RASA_URLS) < 2 or not JENKINS_URL,
                                reason="needs the servers `make test-scale` starts")

JOB = "petclinic-build"


def ask(server: int, sender: str, message: str, timeout: float = 60) -> list[dict]:
    response = requests.post(f"{RASA_URLS[server]}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                             timeout=timeout)
    response.raise_for_status()
    return response.json()


def text_of(replies: list[dict]) -> str:
    return "\n".join(reply.get("text") or "" for reply in replies)


def last_failure() -> dict:
    """The world's facts: petclinic-build's most recent failed build."""
    jobs = {job["name"]: job for job in _jobs(load_world(DEFAULT_WORLD)["jenkins"]) if "name" in job}
    return next(b for b in jobs[JOB]["builds"] if b.get("result") == "FAILURE")


def _jobs(node: dict) -> list[dict]:
    """Jobs and folders ({"folder": name, "jobs": [...]}) of the world, depth first."""
    found = []
    for job in node.get("jobs") or []:
        found.append(job)
        found += _jobs(job)
    return found


def database():
    import psycopg2

    return psycopg2.connect(host=os.environ["OPSBOT_DB_HOST"], port=os.environ["OPSBOT_DB_PORT"],
                            dbname=os.environ["OPSBOT_DB_NAME"], user=os.environ["OPSBOT_DB_USER"],
                            password=os.environ["OPSBOT_DB_PASSWORD"])


def stored_events(sender: str) -> list[tuple[str, str | None, str | None, str]]:
    """(type, intent, action, data) of every event of REST sender `sender`'s conversation (`rest:<sender>`,
    connector/rest.py), in the order Rasa stored them."""
    with database() as connection, connection.cursor() as cursor:
        cursor.execute("SELECT type_name, intent_name, action_name, data FROM events WHERE sender_id = %s "
                       "ORDER BY id", (CONVERSATION_PREFIX + sender,))
        return cursor.fetchall()


def user_texts(sender: str) -> list[str]:
    import json

    return [json.loads(data).get("text") for kind, _i, _a, data in stored_events(sender) if kind == "user"]


def jenkins_fault(**fault: object) -> None:
    requests.post(f"{JENKINS_URL}/_sandbox/fault", json=fault, timeout=5).raise_for_status()


def test_a_follow_up_on_the_other_server_is_answered_from_the_shared_conversation() -> None:
    sender = f"scale-{uuid.uuid4().hex[:8]}"
    failed = last_failure()

    first = text_of(ask(0, sender, f"why did {JOB} fail?"))
    assert JOB in first and f"#{failed['number']}" in first, first

    follow_up = text_of(ask(1, sender, "show me its log"))  # server 2 never saw the first message
    assert f"/job/{JOB}/{failed['number']}/console" in follow_up, follow_up
    assert failed["log_tail"][-2] in follow_up, follow_up  # a log line of that build, from the world

    # The control: the same words in a new conversation on the same server do not know the job.
    alone = text_of(ask(1, f"scale-{uuid.uuid4().hex[:8]}", "show me its log"))
    assert f"/job/{JOB}/{failed['number']}/console" not in alone, alone

    # Both turns are in PostgreSQL, in order: that is where server 2 read the context from.
    assert user_texts(sender) == [f"why did {JOB} fail?", "show me its log"]


@dataclass
class Sent:
    server: int
    message: str
    replies: list[dict] = field(default_factory=list)
    answered_at: float = 0.0
    error: BaseException | None = None


def test_concurrent_messages_of_one_conversation_are_handled_in_arrival_order() -> None:
    """The first question is slow (the sandbox Jenkins answers after 1.5 s); the next two arrive at the other
    and the same server while it runs. The Redis lock makes them wait their turn, so the conversation reads
    question, answer, question, answer, question, answer, and the answers leave in that order."""
    import redis

    sender = f"scale-{uuid.uuid4().hex[:8]}"
    messages = [Sent(0, f"why did {JOB} fail?"), Sent(1, f"is {JOB} green?"), Sent(0, "what can you do?")]
    lock_key = f"opsbot:lock:{CONVERSATION_PREFIX}{sender}"
    red = redis.Redis(host=os.environ["OPSBOT_REDIS_HOST"], port=int(os.environ["OPSBOT_REDIS_PORT"]),
                      db=int(os.environ["OPSBOT_REDIS_DB"]), password=os.environ["OPSBOT_REDIS_PASSWORD"] or None)

    def send(sent: Sent) -> None:
        try:
            sent.replies = ask(sent.server, sender, sent.message)
            sent.answered_at = time.monotonic()
        except BaseException as error:  # reported below
            sent.error = error

    jenkins_fault(delay=1.5)
    try:
        threads = []
        lock_seen = False
        for sent in messages:
            threads.append(threading.Thread(target=send, args=(sent,)))
            threads[-1].start()
            deadline = time.monotonic() + 0.6
            while time.monotonic() < deadline:
                lock_seen = lock_seen or bool(red.exists(lock_key))
                time.sleep(0.05)
        for thread in threads:
            thread.join(90)
    finally:
        jenkins_fault()

    assert [sent.error for sent in messages] == [None, None, None]
    assert JOB in text_of(messages[0].replies) and JOB in text_of(messages[1].replies)
    assert messages[0].answered_at < messages[1].answered_at < messages[2].answered_at
    assert user_texts(sender) == [sent.message for sent in messages]
    # Each question's answer is stored before the next question: no turn ran inside another.
    turns = _turns(stored_events(sender))
    assert len(turns) == 3 and all("bot" in turn and turn[-1] == "action_listen" for turn in turns), turns
    assert lock_seen, "no conversation lock in Redis: the servers are not using the Redis lock store"


def _turns(events: list[tuple[str, str | None, str | None, str]]) -> list[list[str]]:
    """What followed each user message up to the next one: "bot" for a message, action names for actions."""
    turns: list[list[str]] = []
    for kind, _intent, action, _data in events:
        if kind == "user":
            turns.append([])
        elif turns and kind == "bot":
            turns[-1].append("bot")
        elif turns and kind == "action":
            turns[-1].append(str(action))
    return turns
