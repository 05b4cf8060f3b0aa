"""End to end: `scripts/run.sh serve` (what `make serve` runs) with TEAMS_APP_ID set serves the Teams
channel next to REST; a signed activity gets its answer posted to the (fake) Bot Framework.

Needs the trained model; `make test` runs this after training (pytest -m e2e).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest
import requests

from sandbox.botframework import FakeBotFramework, teams_environment
from sandbox.server import RunningSandbox
from tests.e2e.serving import clean_environment, serving

TEAMS = "http://127.0.0.1:5005/webhooks/teams/webhook"

pytestmark = pytest.mark.e2e

ANN = {"user_id": "29:1user-ann", "user_name": "Ann Example", "aad_object_id": "aad-ann"}
BOB = {"user_id": "29:1user-bob", "user_name": "Bob Example", "aad_object_id": "aad-bob"}
# Ann may build; Bob, like everyone else in the tenant, may only read.
ACCESS = "roles: {reader: [read], builder: [read, build]}\ndefault_role: reader\nmembers: {builder: [aad-ann]}\n"


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[FakeBotFramework]:
    fake = FakeBotFramework()
    running = RunningSandbox({"botframework": fake.app()}, "127.0.0.1", {"botframework": 0}).start_in_thread()
    fake.base_url = running.url("botframework")
    env = clean_environment("TEAMS_")
    env.update(teams_environment(fake))
    state = tmp_path_factory.mktemp("teams")
    env["TEAMS_STORE_PATH"] = str(state / "teams.db")
    env["OPSBOT_ACCESS_FILE"] = str(state / "access.yml")
    env["OPSBOT_AUDIT_LOG"] = str(state / "audit.jsonl")
    (state / "access.yml").write_text(ACCESS)
    try:
        with serving(env, "http://127.0.0.1:5005/webhooks/teams/"):
            yield fake
    finally:
        running.stop_thread()


def test_a_teams_message_is_answered_through_the_bot_framework(served) -> None:
    fake = served
    activity = fake.activity("hi", conversation_type="channel")
    answer = requests.post(TEAMS, json=activity, headers=fake.headers(activity), timeout=30)
    assert answer.status_code == 200
    assert fake.wait_for(lambda f: bool(f.delivered("message")), 60), "no reply reached the Bot Framework"
    reply = fake.delivered("message")[0]
    assert "opsbot" in reply.body["text"]
    assert reply.activity_id == activity["id"]


def test_a_forged_request_is_refused(served) -> None:
    fake = served
    activity = fake.activity("deploy petclinic to production")
    answer = requests.post(TEAMS, json=activity, headers=fake.headers(activity, aud="another-bot"), timeout=30)
    assert answer.status_code == 401


def test_rest_still_answers(served) -> None:
    answer = requests.post("http://127.0.0.1:5005/webhooks/rest/webhook",
                           json={"sender": uuid.uuid4().hex, "message": "hi"}, timeout=30)
    assert answer.ok and "opsbot" in answer.json()[0]["text"]


def _say(fake: FakeBotFramework, text: str, who: dict, conversation_id: str) -> str:
    """Post a signed channel message as `who`; return everything the bot posted back for it, as text."""
    before = len(fake.delivered("message"))
    activity = fake.activity(text, conversation_type="channel", conversation_id=conversation_id, **who)
    assert requests.post(TEAMS, json=activity, headers=fake.headers(activity), timeout=30).status_code == 200
    assert fake.wait_for(lambda f: len(f.delivered("message")) > before, 60), f"no answer to {text!r}"
    time.sleep(1)  # a reply may be several activities
    return json.dumps([r.body for r in fake.delivered("message")[before:]])


def test_in_a_channel_only_the_requester_can_confirm(served) -> None:
    fake = served
    thread = "19:ops-channel@thread.tacv2;messageid=1700000000999"
    assert "Run petclinic-build?" in _say(fake, "build petclinic-build on branch main", ANN, thread)
    refused = _say(fake, "yes", BOB, thread)
    assert "Only Ann Example can confirm" in refused
    started = _say(fake, "yes", ANN, thread)
    assert "petclinic-build" in started and "Only" not in started
    # Bob asking himself is refused, naming the permission and the role that has it
    own = _say(fake, "build petclinic-build", BOB, "19:ops-channel@thread.tacv2;messageid=1700000000998")
    assert "'build' permission" in own and "builder" in own
