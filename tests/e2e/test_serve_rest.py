"""End to end: `scripts/run.sh serve` (what `make serve` runs) answers over the REST channel, and every rule of
who may do what holds there (tests/e2e/rules.py), with a least-privilege access file, a private audit log,
a 10-second offer expiry and a change rate of 2 a minute.

Needs the trained model; `make test` runs this after training (pytest -m e2e).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.e2e import rules
from tests.e2e.chat import (
    BUILDER,
    READER,
    RELEASE_MANAGER,
    SANDBOX_SECRETS,
    Person,
    RestChat,
    access_file,
    assert_no_secret,
    last_decision,
    stack_environment,
    visitor,
    written_since,
)
from tests.e2e.serving import serving

pytestmark = pytest.mark.e2e


class Stack:
    def __init__(self, state: Path) -> None:
        self.state = state
        self.audit = state / "audit.jsonl"
        self.output = state / "serve.log"
        self.started = time.time()
        self.chat = RestChat()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = Stack(tmp_path_factory.mktemp("rest"))
    env = stack_environment(stack.state, access_file())
    with serving(env, "http://127.0.0.1:5005/webhooks/rest/", stack.output):
        yield stack


def ask(served: Stack, text: str, sender: str | None = None) -> list[dict]:
    return served.chat.send(sender or visitor(), text)


def test_hi_is_greeted(served: Stack) -> None:
    replies = ask(served, "hi")
    assert replies and "opsbot" in replies[0]["text"]


def test_what_can_you_do_lists_examples(served: Stack) -> None:
    from actions.capabilities import capabilities

    text = " ".join(r.get("text", "") for r in ask(served, "what can you do?"))
    assert "I'm opsbot" in text
    assert all(c.example in text for c in capabilities())


def test_gibberish_is_answered_not_ignored(served: Stack) -> None:
    replies = ask(served, "asdf qwerty")
    text = " ".join(r.get("text", "") for r in replies)
    assert replies, "opsbot stayed silent"
    assert "help" in text.lower()


def test_the_rasa_http_api_is_not_exposed(served: Stack) -> None:
    # `--enable-api` would let anyone on the network read trackers and replace the model.
    assert requests.get("http://127.0.0.1:5005/status", timeout=5).status_code == 404


def test_hostile_and_odd_messages_are_answered(served: Stack) -> None:
    for text in ["x" * 5000, "why\x00 did\x1b[2J it fail", "", "<script>alert(1)</script>", "🔥🔥 状态?",
                 "../../etc/passwd %2F", None, {"not": "text"}]:
        replies = ask(served, text)
        assert replies, f"no answer to {str(text)[:30]!r}"
        assert all("Traceback" not in (r.get("text") or "") for r in replies)


def test_odd_messages_keep_the_conversation_going(served: Stack) -> None:
    rules.odd_messages_are_answered(served.chat, Person(visitor(), "Visitor", "reader"))


def test_a_long_message_is_answered(served: Stack) -> None:
    rules.a_long_message_is_answered(served.chat, Person(visitor(), "Visitor", "reader"))


def test_an_unknown_sender_is_refused_politely(served: Stack) -> None:
    rules.unknown_user_is_refused(served.chat)


def test_a_reader_may_not_build(served: Stack) -> None:
    rules.reader_may_not_build(served.chat, served.audit)


def test_production_needs_a_release_manager(served: Stack) -> None:
    rules.production_needs_a_release_manager(served.chat, served.audit)


def test_identity_cannot_be_claimed_in_metadata(served: Stack) -> None:
    """On REST the sender is who speaks: a reader naming a release manager in metadata is still a reader."""
    claimed = {"user_id": RELEASE_MANAGER.key, "user_name": RELEASE_MANAGER.name, "tenant_id": "x"}
    answer = served.chat.say(READER, "deploy petclinic-deploy-prod with VERSION=3.2.0 CHANGE_TICKET=CHG-8",
                             metadata=claimed)
    assert "that needs the 'build_protected' permission" in answer and "Shall I?" not in answer


def test_only_the_requester_confirms(served: Stack) -> None:
    """The offer shows the job and its parameters; another sender's yes (even one claiming to be the
    requester in metadata) confirms nothing; the requester's does, and it is audited with the result."""
    offer = served.chat.say(BUILDER, "build petclinic-build on branch main")
    assert "I'll run petclinic-build with BRANCH=main. Shall I?" in offer
    claimed = {"user_id": BUILDER.key, "conversation_id": BUILDER.key}
    for metadata in (None, claimed):
        other = served.chat.say(READER, "yes", metadata=metadata)
        assert "There's nothing waiting for a yes or no from you" in other
    started = served.chat.say(BUILDER, "yes")
    assert "petclinic-build" in started and ("Started" in started or "Queued" in started), started
    decision, result = last_decision(served.audit, BUILDER.key)
    assert decision == "confirmed" and "petclinic-build" in result


def test_an_offer_expires(served: Stack) -> None:
    rules.an_offer_expires(served.chat, served.audit)


def test_changes_are_rate_limited(served: Stack) -> None:
    rules.changes_are_rate_limited(served.chat, served.audit)


def test_no_secret_in_replies_logs_or_audit_after_a_backend_failure(served: Stack) -> None:
    """Last: after every conversation above and a Jenkins failure, no sandbox token or webhook secret is in
    any reply, the stack's logs (.opsbot/logs, its output) or the audit log."""
    rules.a_backend_failure_is_explained(served.chat, Person(visitor(), "Visitor", "reader"))
    files = written_since(served.started, served.output, served.audit)
    assert served.audit in files and len(files) >= 3
    assert_no_secret(list(SANDBOX_SECRETS), served.chat.said, files)


def test_a_malformed_request_gets_a_json_error_not_a_page(served: Stack) -> None:
    url = "http://127.0.0.1:5005/webhooks/rest/webhook"
    not_json = requests.post(url, data=b"<b>hi</b>", headers={"Content-Type": "application/json"}, timeout=10)
    no_sender = requests.post(url, json={"message": "hi"}, timeout=10)
    for answer in (not_json, no_sender):
        assert answer.status_code == 400 and "error" in answer.json()


def test_a_web_page_cannot_post_as_the_release_manager(served: Stack) -> None:
    """A page the developer visits can POST to 127.0.0.1:5005 (a "simple" request needs no CORS preflight); the
    browser marks it (Origin, Sec-Fetch-Site), and such a sender is just a name: nobody on this access list."""
    url = "http://127.0.0.1:5005/webhooks/rest/webhook"
    deploy = {"sender": RELEASE_MANAGER.key, "message": "deploy petclinic-deploy-prod with VERSION=6.6.6 "
                                                        "CHANGE_TICKET=CHG-666"}
    for headers in ({"Origin": "https://evil.example", "Content-Type": "text/plain"},
                    {"Sec-Fetch-Site": "cross-site"}, {"Host": "rebound.evil.example:5005"}):
        answer = requests.post(url, data=json.dumps(deploy), headers=headers, timeout=60)
        said = " ".join(reply.get("text", "") for reply in answer.json())
        assert "Shall I?" not in said and "not on opsbot's access list" in said, said
