"""End to end: `scripts/run.sh serve` (what `make serve` runs) with TEAMS_APP_ID set serves the Teams
channel next to REST; a signed activity gets its answer posted to the (fake) Bot Framework. Every rule of who
may do what holds in Teams too (tests/e2e/rules.py), plus what only Teams has: tenants, channel threads
shared by several people, card submits.

Needs the trained model; `make test` runs this after training (pytest -m e2e).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from sandbox.botframework import teams_environment
from tests.e2e import rules
from tests.e2e.chat import (
    ABROAD,
    BUILDER,
    READER,
    SANDBOX_SECRETS,
    TEAMS,
    TENANT,
    Person,
    TeamsStack,
    access_file,
    assert_no_secret,
    audit_entries,
    fake_bot_framework,
    last_decision,
    new_thread,
    stack_environment,
    visitor,
    written_since,
)
from tests.e2e.serving import serving

pytestmark = pytest.mark.e2e

# The fake Bot Framework's default sender (FakeBotFramework.activity) may read.
DEFAULT_SENDER = "6a1b2c3d-0000-4000-8000-00000000a001"


Stack = TeamsStack


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with fake_bot_framework() as fake:
        stack = Stack(tmp_path_factory.mktemp("teams"), fake)
        env = stack_environment(stack.state, access_file(extra_readers=(DEFAULT_SENDER,), tenants=(TENANT,)))
        env.update(teams_environment(fake))
        # The connector admits both tenants (as a multi-tenant bot would); access.yml allows only ours.
        env["TEAMS_ALLOWED_TENANTS"] = f"{TENANT},{ABROAD.tenant}"
        env["TEAMS_STORE_PATH"] = str(stack.state / "teams.db")
        with serving(env, "http://127.0.0.1:5005/webhooks/teams/", stack.output):
            yield stack


def test_a_teams_message_is_answered_through_the_bot_framework(served: Stack) -> None:
    fake = served.fake
    activity = fake.activity("hi", conversation_type="channel")
    answer = requests.post(TEAMS, json=activity, headers=fake.headers(activity), timeout=30)
    assert answer.status_code == 200
    assert fake.wait_for(lambda f: bool(f.delivered("message")), 60), "no reply reached the Bot Framework"
    reply = fake.delivered("message")[0]
    assert "opsbot" in reply.body["text"]
    assert reply.activity_id == activity["id"]


def test_a_forged_request_is_refused(served: Stack) -> None:
    fake = served.fake
    activity = fake.activity("deploy petclinic to production")
    answer = requests.post(TEAMS, json=activity, headers=fake.headers(activity, aud="another-bot"), timeout=30)
    assert answer.status_code == 401


def test_rest_is_closed_while_teams_is_on(served: Stack) -> None:
    """Beside Teams, REST would let anyone name any sender: closed unless OPSBOT_REST_TOKEN opens it
    (tests/security opens it and attacks it)."""
    answer = requests.post("http://127.0.0.1:5005/webhooks/rest/webhook",
                           json={"sender": visitor(), "message": "hi"}, timeout=30)
    assert answer.status_code == 403 and "OPSBOT_REST_TOKEN" in answer.json()["error"]


def test_an_unknown_user_is_refused_politely(served: Stack) -> None:
    rules.unknown_user_is_refused(served.chat)


def test_another_tenant_is_refused_politely(served: Stack) -> None:
    answer = served.chat.say(ABROAD, rules.STATUS, new_thread())
    assert "your organisation (Teams tenant) is not allowed to use opsbot here" in answer
    assert rules.LAST_BUILD not in answer


def test_a_reader_may_not_build(served: Stack) -> None:
    rules.reader_may_not_build(served.chat, served.audit)


def test_production_needs_a_release_manager(served: Stack) -> None:
    rules.production_needs_a_release_manager(served.chat, served.audit)


def test_in_a_channel_only_the_requester_can_confirm(served: Stack) -> None:
    """Two people, one thread: the offer shows the job and parameters; the other's "yes" (typed, or a card
    submit carrying the requester's id) is refused and audited; the requester's yes runs it."""
    chat, thread = served.chat, new_thread()
    offer = chat.say(BUILDER, "build petclinic-build on branch main", thread)
    assert "Run petclinic-build?" in offer and "I'll run petclinic-build with BRANCH=main." in offer
    refused = chat.say(READER, "yes", thread)
    assert "Only Ben Builder can confirm their request to run petclinic-build with BRANCH=main" in refused
    assert last_decision(served.audit, READER.aad) == ("refused", f"not the requester ({BUILDER.aad} asked)")
    spoofed = chat.submit(READER, {"rasa_payload": "/affirm", "user_id": BUILDER.aad, "user_name": BUILDER.name},
                          thread)
    assert "Only Ben Builder can confirm" in spoofed
    started = chat.say(BUILDER, "yes", thread)
    assert "petclinic-build" in started and "Only" not in started
    decision, result = last_decision(served.audit, BUILDER.aad)
    assert decision == "confirmed" and "petclinic-build" in result
    assert audit_entries(served.audit, BUILDER.aad)[-1]["where"] == f"teams:{thread}"


def test_card_submits_with_unexpected_fields(served: Stack) -> None:
    """A button's payload is what counts; other fields stay data, odd shapes are ignored, nothing breaks."""
    chat, thread = served.chat, new_thread()
    odd = {"rasa_payload": '/jenkins_build_status{"job":"petclinic-nightly"}', "user_id": "aad-rose",
           "__proto__": {"admin": True}, "extra": ["<script>", None, 1.5], "tenant_id": "another-tenant"}
    assert rules.LAST_BUILD in chat.submit(READER, odd, thread)
    for value in ({"rasa_payload": {"not": "text"}}, {"unexpected": "<b>x</b>"}, {"rasa_payload": ""}):
        activity = chat.activity(READER, None, thread, value=value)
        assert chat.post(activity).status_code == 200  # acknowledged and ignored
    assert rules.LAST_BUILD in chat.say(READER, rules.STATUS, thread)  # the thread goes on


def test_empty_and_odd_messages_keep_the_conversation_going(served: Stack) -> None:
    chat, thread = served.chat, new_thread()
    for empty in ("", "   ", "\x00\x1b"):  # only the @mention is left: acknowledged, nothing to answer
        assert chat.post(chat.activity(READER, empty, thread)).status_code == 200
    rules.odd_messages_are_answered(chat, READER)


def test_a_long_message_is_answered(served: Stack) -> None:
    rules.a_long_message_is_answered(served.chat, READER)


def test_an_offer_expires(served: Stack) -> None:
    rules.an_offer_expires(served.chat, served.audit)


def test_changes_are_rate_limited(served: Stack) -> None:
    rules.changes_are_rate_limited(served.chat, served.audit)


def test_no_secret_in_replies_logs_or_audit_after_a_backend_failure(served: Stack) -> None:
    """Last: after every conversation above and a Jenkins failure, neither the sandbox tokens, the webhook
    secrets nor the Teams app password is in any reply, the stack's logs or the audit log."""
    rules.a_backend_failure_is_explained(served.chat, Person(READER.key, READER.name, READER.role))
    files = written_since(served.started, served.output, served.audit)
    assert served.audit in files and len(files) >= 3
    assert_no_secret([*SANDBOX_SECRETS, served.fake.app_password], served.chat.said, files)
