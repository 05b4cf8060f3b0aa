"""Running a build safely: parameters checked, missing ones asked for, a confirmation that shows what will
run, only the asker's "yes" within 5 minutes starts it, "no" cancels; then the build number, and "how is it
going?". Against a private sandbox (builds really get queued there) whose clock the tests move."""

from __future__ import annotations

import asyncio
import time

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.base import Answer, Ask
from actions.confirm import EXPIRY_SECONDS, PENDING_SLOT, ActionCancel, ActionConfirm, register
from actions.jenkins import (
    ActionAskJenkinsParameterValue,
    ActionJenkinsBuildStatus,
    ActionJenkinsProposeBuild,
    ActionJenkinsRunBuild,
    ValidateJenkinsParametersForm,
)
from actions.render import Reply
from actions.services.errors import BackendError, Fault
from sandbox.server import RunningSandbox
from tests import jenkins_support
from tests.jenkins_support import jenkins_state
from tests.support import make_tracker, run_action, texts

# fixtures shared by the Jenkins tests
acme = jenkins_support.acme
acme_sandbox = jenkins_support.acme_sandbox
builds = jenkins_support.builds
petclinic_private = jenkins_support.petclinic_private

TEST_ACCESS = """
roles: {reader: [read], builder: [read, build, subscribe], release_manager: [read, build, build_protected]}
members: {builder: [dan, adam, aad-dan, aad-adam, acme-dev], release_manager: [paulo]}
protected_jobs: ["*-deploy-prod"]
"""


@pytest.fixture(autouse=True)
def access_file(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """Who may build in these tests (access rules themselves are tested in test_access_flow.py)."""
    path = tmp_path / "access.yml"
    path.write_text(TEST_ACCESS)
    monkeypatch.setenv("OPSBOT_ACCESS_FILE", str(path))
    monkeypatch.setenv("OPSBOT_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    return path



def say(action, text: str, slots: dict | None = None, sender: str = "dan", entities: list[dict] | None = None,
        intent: str = "") -> tuple[str, dict]:
    tracker = make_tracker(text, intent, entities=entities, slots=slots, sender=sender)
    messages, events = run_action(action, tracker)
    return texts(messages), {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def posts(sandbox: RunningSandbox) -> int:
    counts = sandbox.state("jenkins").counts
    return sum(n for path, n in counts.items() if path.endswith(("/build", "/buildWithParameters")))


def test_build_on_a_branch_asks_first_then_starts_for_the_asker(builds: RunningSandbox) -> None:
    answer, slots = say(ActionJenkinsRunBuild(), "build petclinic-build on branch fix/owner-update",
                        entities=[{"entity": "branch", "value": "fix/owner-update"}])
    assert answer.startswith("I'll run petclinic-build with BRANCH=fix/owner-update. Shall I?")
    pending = slots[PENDING_SLOT]
    assert (pending["kind"], pending["requester"]) == ("jenkins_build", "dan")
    assert pending["params"]["parameters"] == {"BRANCH": "fix/owner-update"}
    assert slots["jenkins_build_draft"] is None and posts(builds) == 0  # nothing runs before the yes
    answer, after = say(ActionConfirm(), "yes", slots={PENDING_SLOT: pending}, intent="affirm")
    number = jenkins_state(builds).jobs["petclinic-build"].builds[0].number
    assert f"Started petclinic-build #{number} (BRANCH=fix/owner-update)" in answer
    assert f"/job/petclinic-build/{number}/" in answer
    assert after[PENDING_SLOT] is None and after["jenkins_build"] == str(number) and posts(builds) == 1
    assert jenkins_state(builds).jobs["petclinic-build"].builds[0].parameters == {"BRANCH": "fix/owner-update"}
    # then "how is it going?" about that build, while it runs and once it is done
    context = {"jenkins_job": "petclinic-build", "jenkins_build": str(number), "jenkins_queue_item":
               after["jenkins_queue_item"]}
    answer, _ = say(ActionJenkinsBuildStatus(), "how is it going?", slots=context)
    assert f"petclinic-build #{number} is running" in answer and "of ~1 min" in answer
    state = jenkins_state(builds)
    state.clock = lambda: time.time() + 120
    try:
        answer, _ = say(ActionJenkinsBuildStatus(), "how is it going?", slots=context)
    finally:
        state.clock = time.time
    assert f"petclinic-build #{number} passed (SUCCESS)" in answer


def test_someone_elses_yes_starts_nothing(builds: RunningSandbox) -> None:
    _, slots = say(ActionJenkinsRunBuild(), "run terraform plan", sender="dan")
    answer, after = say(ActionConfirm(), "yes", slots={PENDING_SLOT: slots[PENDING_SLOT]}, sender="paulo",
                        intent="affirm")
    assert "Only dan can confirm their request to run platform/terraform-plan" in answer
    assert PENDING_SLOT not in after and posts(builds) == 0  # still waiting for dan


def test_teams_users_are_told_apart_by_metadata(builds: RunningSandbox) -> None:
    tracker = make_tracker("run terraform plan", sender="channel-19", metadata={"user_id": "aad-dan",
                                                                                  "user_name": "Dan"})
    _, events = run_action(ActionJenkinsRunBuild(), tracker)
    pending = next(e["value"] for e in events if e.get("name") == PENDING_SLOT)
    other = make_tracker("yes", "affirm", slots={PENDING_SLOT: pending}, sender="channel-19",
                         metadata={"user_id": "aad-adam", "user_name": "Adam"})
    messages, _ = run_action(ActionConfirm(), other)
    assert "Only Dan can confirm" in texts(messages) and posts(builds) == 0


def test_an_old_yes_has_expired(builds: RunningSandbox) -> None:
    _, slots = say(ActionJenkinsRunBuild(), "run terraform plan")
    pending = dict(slots[PENDING_SLOT], expires_at=time.time() - 1)
    answer, after = say(ActionConfirm(), "yes", slots={PENDING_SLOT: pending}, intent="affirm")
    assert "expired" in answer and after[PENDING_SLOT] is None and posts(builds) == 0
    assert EXPIRY_SECONDS == 300


def test_no_cancels(builds: RunningSandbox) -> None:
    _, slots = say(ActionJenkinsRunBuild(), "deploy 3.2.1-rc1 to staging",
                   entities=[{"entity": "version", "value": "3.2.1-rc1"}, {"entity": "env", "value": "staging"}])
    assert slots[PENDING_SLOT]["params"]["parameters"] == {"VERSION": "3.2.1-rc1"}
    assert slots[PENDING_SLOT]["params"]["job"] == "petclinic-deploy-staging"
    answer, after = say(ActionCancel(), "no", slots={PENDING_SLOT: slots[PENDING_SLOT]}, intent="deny")
    assert answer == "OK, cancelled: I won't run petclinic-deploy-staging with VERSION=3.2.1-rc1."
    assert after[PENDING_SLOT] is None and posts(builds) == 0


def test_yes_or_no_with_nothing_pending(builds: RunningSandbox) -> None:
    assert "nothing waiting" in say(ActionConfirm(), "yes", intent="affirm")[0]
    assert "nothing waiting" in say(ActionCancel(), "no", intent="deny")[0]


def test_a_disabled_job_is_refused_with_the_reason(builds: RunningSandbox) -> None:
    answer, slots = say(ActionJenkinsRunBuild(), "run artifactory cleanup")
    assert "artifactory-cleanup is disabled in Jenkins" in answer and "Delete snapshot artifacts" in answer
    assert PENDING_SLOT not in slots and slots["jenkins_build_draft"] is None and posts(builds) == 0


def test_unknown_parameters_are_refused(builds: RunningSandbox) -> None:
    answer, slots = say(ActionJenkinsRunBuild(), "build petclinic-build with FOO=bar")
    assert "petclinic-build has no parameter FOO (it takes BRANCH)" in answer and PENDING_SLOT not in slots


def test_rebuild_it_repeats_the_builds_parameters(builds: RunningSandbox) -> None:
    answer, _ = say(ActionJenkinsRunBuild(), "rebuild it", sender="paulo",
                        slots={"jenkins_job": "petclinic-deploy-prod", "jenkins_build": "21"})
    assert answer.startswith("I'll run petclinic-deploy-prod with VERSION=3.2.0, CHANGE_TICKET=CHG-1042.")


def test_missing_parameters_are_asked_for_one_by_one(builds: RunningSandbox) -> None:
    answer, slots = say(ActionJenkinsRunBuild(), "deploy to prod", sender="paulo")
    assert answer == "To run petclinic-deploy-prod I need VERSION and CHANGE_TICKET."
    draft = slots["jenkins_build_draft"]
    assert [m["name"] for m in draft["missing"]] == ["VERSION", "CHANGE_TICKET"] and PENDING_SLOT not in slots
    question, _ = say(ActionAskJenkinsParameterValue(), "", slots={"jenkins_build_draft": draft})
    assert question.startswith("Which VERSION (Artifact version to deploy) should petclinic-deploy-prod run with?")
    draft = _validate(draft, "3.2.1-rc1", expect_more=True)
    question, _ = say(ActionAskJenkinsParameterValue(), "", slots={"jenkins_build_draft": draft})
    assert "Which CHANGE_TICKET" in question and "So far: VERSION=3.2.1-rc1" in question
    draft = _validate(draft, "CHG-1050", expect_more=False)
    answer, slots = say(ActionJenkinsProposeBuild(), "", slots={"jenkins_build_draft": draft})
    assert answer.startswith("I'll run petclinic-deploy-prod with VERSION=3.2.1-rc1, CHANGE_TICKET=CHG-1050.")
    assert slots[PENDING_SLOT]["params"]["parameters"] == {"VERSION": "3.2.1-rc1", "CHANGE_TICKET": "CHG-1050"}
    assert slots["jenkins_build_draft"] is None and posts(builds) == 0


def _validate(draft: dict, text: str, expect_more: bool, intent: str = "nlu_fallback") -> dict:
    tracker = make_tracker(text, intent, slots={"jenkins_build_draft": draft, "requested_slot":
                                                "jenkins_parameter_value", "jenkins_parameter_value": text})
    dispatcher = CollectingDispatcher()
    result = asyncio.run(ValidateJenkinsParametersForm().validate_jenkins_parameter_value(text, dispatcher,
                                                                                          tracker, {}))
    assert (result["jenkins_parameter_value"] is None) == expect_more
    return result["jenkins_build_draft"]


def test_the_forms_own_reset_is_not_an_answer(builds: RunningSandbox) -> None:
    _, slots = say(ActionJenkinsRunBuild(), "deploy to prod", sender="paulo")
    tracker = make_tracker("deploy to prod", "jenkins_run_build", slots={"jenkins_build_draft": slots[
        "jenkins_build_draft"]})
    dispatcher = CollectingDispatcher()
    result = asyncio.run(ValidateJenkinsParametersForm().validate_jenkins_parameter_value(None, dispatcher,
                                                                                          tracker, {}))
    assert result == {"jenkins_parameter_value": None} and dispatcher.messages == []


def test_cancel_while_parameters_are_asked_for(builds: RunningSandbox) -> None:
    _, slots = say(ActionJenkinsRunBuild(), "deploy to prod", sender="paulo")
    tracker = make_tracker("cancel", "deny", slots={"jenkins_build_draft": slots["jenkins_build_draft"]})
    result = asyncio.run(ValidateJenkinsParametersForm().validate_jenkins_parameter_value(
        "cancel", CollectingDispatcher(), tracker, {}))
    assert result["requested_slot"] is None and result["jenkins_build_draft"] is None
    answer, slots = say(ActionJenkinsProposeBuild(), "", slots={"jenkins_build_draft": None})
    assert answer == "OK, I won't run it." and PENDING_SLOT not in slots


def test_a_choice_answer_outside_the_choices_is_asked_again(acme: RunningSandbox) -> None:
    _, slots = say(ActionJenkinsRunBuild(), "release the card vault to live")
    draft = slots["jenkins_build_draft"]
    assert [m["name"] for m in draft["missing"]] == ["RELEASE_VERSION"] and draft["values"]["TARGET"] == "live"
    bad = dict(draft, missing=[{"name": "TARGET", "kind": "choice", "default": "sandbox", "description": "",
                                "choices": ["sandbox", "live"]}])
    tracker = make_tracker("prod", "nlu_fallback", slots={"jenkins_build_draft": bad})
    dispatcher = CollectingDispatcher()
    result = asyncio.run(ValidateJenkinsParametersForm().validate_jenkins_parameter_value("prod", dispatcher,
                                                                                          tracker, {}))
    assert result == {"jenkins_parameter_value": None}
    assert "TARGET must be one of sandbox, live" in texts(dispatcher.messages)


def test_acme_release_with_every_parameter_from_the_words(acme: RunningSandbox) -> None:
    answer, _ = say(ActionJenkinsRunBuild(), "release v1.9.0 of the card vault to live")
    assert answer.startswith("I'll run card-vault-release with RELEASE_VERSION=v1.9.0, TARGET=live, DRY_RUN=false.")
    answer, _ = say(ActionJenkinsRunBuild(), "deploy 2.5.0-rc.2 to uat")
    assert answer.startswith("I'll run treasury/payout-scheduler-deploy-uat with APP_VERSION=2.5.0-rc.2.")


def test_a_build_that_has_not_started_yet(builds: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("actions.services.jenkins.POLL_SECONDS", 0.0)
    state = jenkins_state(builds)
    state.queue_seconds = 3600.0
    try:
        _, slots = say(ActionJenkinsRunBuild(), "run the ansible patching")
        answer, after = say(ActionConfirm(), "yes", slots={PENDING_SLOT: slots[PENDING_SLOT]}, intent="affirm")
        assert "Queued platform/ansible-patching" in answer and "hasn't started yet" in answer
        assert 'Ask "how is it going?"' in answer and after["jenkins_build"] is None
        context = {"jenkins_job": "platform/ansible-patching", "jenkins_queue_item": after["jenkins_queue_item"]}
        answer, _ = say(ActionJenkinsBuildStatus(), "how is it going?", slots=context)
        assert answer.startswith("platform/ansible-patching hasn't started yet") and "quiet period" in answer
        state.clock = lambda: time.time() + 3610
        answer, later = say(ActionJenkinsBuildStatus(), "how is it going?", slots=context)
        assert "platform/ansible-patching #8 is running" in answer and later["jenkins_build"] == "8"
    finally:
        state.queue_seconds = 0.0
        state.clock = time.time


def test_a_failure_after_the_yes_uses_up_the_offer(builds: RunningSandbox) -> None:
    calls = []

    @register("test_flaky_change", "Jenkins")
    async def flaky(pending, ask: Ask) -> Answer:
        calls.append(pending.summary)
        raise BackendError("Jenkins", Fault.TIMED_OUT)

    pending = {"kind": "test_flaky_change", "summary": "do the flaky thing", "params": {}, "requester": "dan",
               "requester_name": "dan", "expires_at": time.time() + 60}
    answer, after = say(ActionConfirm(), "yes", slots={PENDING_SLOT: pending}, intent="affirm")
    assert "Jenkins didn't answer in time" in answer and after[PENDING_SLOT] is None and calls == [
        "do the flaky thing"]


def test_other_areas_plug_in_their_own_kinds() -> None:
    @register("test_subscribe", "Notifications")
    async def subscribe(pending, ask: Ask) -> Answer:
        return Answer.of(Reply(text=f"subscribed {ask.user_id} to {pending.params['topic']}"), subscribed=True)

    pending = {"kind": "test_subscribe", "summary": "subscribe you", "params": {"topic": "nightly"},
               "requester": "dan", "requester_name": "dan", "expires_at": time.time() + 60}
    answer, after = say(ActionConfirm(), "yes", slots={PENDING_SLOT: pending}, intent="affirm")
    assert answer == "subscribed dan to nightly" and after == {PENDING_SLOT: None, "subscribed": True}
