"""Running a build safely: parameters checked, missing ones asked for, a confirmation that shows what will
run, only the asker's "yes" within 5 minutes starts it, "no" cancels; then the build number, and "how is it
going?". Against a private sandbox (builds really get queued there) whose clock the tests move."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.base import Answer, Ask
from actions.confirm import EXPIRY_SECONDS, PENDING_SLOT, ActionCancel, ActionConfirm, Pending, register
from actions.jenkins import (
    ActionAskJenkinsParameterValue,
    ActionJenkinsBuildStatus,
    ActionJenkinsProposeBuild,
    ActionJenkinsRunBuild,
    ActionJenkinsWhyFailed,
    ValidateJenkinsParametersForm,
)
from backends.faults import BackendError, Fault
from common.reply import Reply
from sandbox.server import RunningSandbox
from tests.support import make_tracker, run_action, texts
from tests.support.clock import at
from tests.support.jenkins import jenkins_state

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


ROOM = "ops-room"  # one conversation that dan, paulo and adam share (a Teams channel's tracker)


def say(action, text: str, slots: dict | None = None, sender: str = "dan", entities: list[dict] | None = None,
        intent: str = "") -> tuple[str, dict]:
    """`sender` says `text` in the shared conversation ROOM."""
    tracker = make_tracker(text, intent, entities=entities, slots=slots, sender=ROOM, metadata={"user_id": sender})
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


def offer(kind: str, summary: str, params: dict, requester: str = "dan", seconds: float = 60) -> dict:
    """A pending slot as opsbot makes it (signed, for the conversation ROOM)."""
    now = time.time()
    return Pending(kind, summary, params, requester, requester, now + seconds, now, f"rest:{ROOM}").to_slot()


def test_an_old_yes_has_expired(builds: RunningSandbox) -> None:
    _, slots = say(ActionJenkinsRunBuild(), "run terraform plan")
    with at(datetime.fromtimestamp(time.time() + EXPIRY_SECONDS + 1, timezone.utc)):
        answer, after = say(ActionConfirm(), "yes", slots={PENDING_SLOT: slots[PENDING_SLOT]}, intent="affirm")
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
    assert answer.startswith("I'll run card-vault-release with RELEASE_VERSION=v1.9.0, TARGET=live, "
                             "DRY_RUN=false (default).")
    answer, _ = say(ActionJenkinsRunBuild(), "deploy 2.5.0-rc.2 to uat")
    assert answer.startswith("I'll run treasury/payout-scheduler-deploy-uat with APP_VERSION=2.5.0-rc.2.")


def test_a_build_that_has_not_started_yet(builds: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("backends.jenkins.service.POLL_SECONDS", 0.0)
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

    pending = offer("test_flaky_change", "do the flaky thing", {})
    answer, after = say(ActionConfirm(), "yes", slots={PENDING_SLOT: pending}, intent="affirm")
    assert "Jenkins didn't answer in time" in answer and after[PENDING_SLOT] is None and calls == [
        "do the flaky thing"]


def test_other_areas_plug_in_their_own_kinds() -> None:
    @register("test_subscribe", "Notifications")
    async def subscribe(pending, ask: Ask) -> Answer:
        return Answer.of(Reply(text=f"subscribed {ask.user_id} to {pending.params['topic']}"), subscribed=True)

    pending = offer("test_subscribe", "subscribe you", {"topic": "nightly"})
    answer, after = say(ActionConfirm(), "yes", slots={PENDING_SLOT: pending}, intent="affirm")
    assert answer == "subscribed dan to nightly" and after == {PENDING_SLOT: None, "subscribed": True}


# -- acceptance findings on the Acme world ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "entities", "ref"),
    [("kick off settlement-engine-ci on feature/batch-retry", [], "feature/batch-retry"),
     ("build settlement-engine-ci on v2.4.1", [{"entity": "job", "value": "settlement-engine-ci"},
                                               {"entity": "version", "value": "v2.4.1"}], "v2.4.1"),
     # the NLU marked the branch as the job: the job's exact name in the words decides
     ("build settlement-engine-ci for okafor/parquet-export", [{"entity": "job", "value": "okafor/parquet-export"}],
      "okafor/parquet-export")],
)
def test_a_branch_or_tag_without_the_word_branch_is_built(acme: RunningSandbox, text: str, entities: list,
                                                          ref: str) -> None:
    answer, slots = say(ActionJenkinsRunBuild(), text, entities=entities)
    assert answer.startswith(f"I'll run settlement-engine-ci with GIT_REF={ref}. Shall I?")
    assert slots[PENDING_SLOT]["params"]["parameters"] == {"GIT_REF": ref}


def test_a_default_says_so_and_a_value_that_fits_nothing_is_named(acme: RunningSandbox) -> None:
    answer, _ = say(ActionJenkinsRunBuild(), "build settlement-engine-ci")
    assert answer.startswith("I'll run settlement-engine-ci with GIT_REF=main (default). Shall I?")
    answer, slots = say(ActionJenkinsRunBuild(), "build the iban validator on feature/x")
    assert answer.startswith("I'll run treasury/iban-validator-build. I didn't use \"feature/x\": "
                             "treasury/iban-validator-build takes no parameters. Shall I?")
    answer, slots = say(ActionJenkinsRunBuild(), "release card vault 1.9.0 to production",
                        entities=[{"entity": "version", "value": "1.9.0"}, {"entity": "env", "value": "production"}])
    assert "TARGET must be one of sandbox, live" in answer and PENDING_SLOT not in slots


def test_a_dry_run_in_words_is_a_dry_run(acme: RunningSandbox) -> None:
    answer, slots = say(ActionJenkinsRunBuild(), "do a dry run of the card vault release, version v1.9.0, target live",
                        entities=[{"entity": "dashboard", "value": "card"}, {"entity": "version", "value": "v1.9.0"}])
    assert answer.startswith("I'll run card-vault-release with RELEASE_VERSION=v1.9.0, TARGET=live, DRY_RUN=true.")
    assert slots[PENDING_SLOT]["params"]["parameters"]["DRY_RUN"] == "true"


def test_a_new_request_changes_the_pending_one_and_keeps_its_values(acme: RunningSandbox) -> None:
    _, slots = say(ActionJenkinsRunBuild(), "release card vault 1.9.0 to live",
                   entities=[{"entity": "version", "value": "1.9.0"}, {"entity": "env", "value": "live"}])
    answer, after = say(ActionJenkinsRunBuild(), "hmm, make it a dry run first", slots=slots)
    assert answer.startswith("I'll run card-vault-release with RELEASE_VERSION=1.9.0, TARGET=live, DRY_RUN=true. "
                             "Changed from before: DRY_RUN false → true. Shall I?")
    assert after[PENDING_SLOT]["params"]["parameters"] == {"RELEASE_VERSION": "1.9.0", "TARGET": "live",
                                                           "DRY_RUN": "true"}
    assert after["jenkins_build_draft"] is None  # a proposal, not the parameter form
    # a question about another job in between: still the pending one, and that job's build is not kept
    between = {**slots, "jenkins_job": "settlement-engine-ci", "jenkins_build": "912"}
    answer, after = say(ActionJenkinsRunBuild(), "hmm, make it a dry run first", slots=between)
    assert answer.startswith("I'll run card-vault-release with RELEASE_VERSION=1.9.0, TARGET=live, DRY_RUN=true.")
    assert after["jenkins_job"] == "card-vault-release" and after["jenkins_build"] is None
    # another job named: a new proposal that says what it replaces
    answer, _ = say(ActionJenkinsRunBuild(), "build settlement-engine-ci on v2.4.1", slots=slots)
    assert answer.startswith("I'll run settlement-engine-ci with GIT_REF=v2.4.1. This replaces your earlier request "
                             "to run card-vault-release with RELEASE_VERSION=1.9.0")
    # someone else's pending request is never changed by another person's words
    answer, after = say(ActionJenkinsRunBuild(), "make the card vault release a dry run", slots=slots, sender="adam")
    assert answer == ("To run card-vault-release I need RELEASE_VERSION. This replaces dan's earlier request to run "
                      "card-vault-release with RELEASE_VERSION=1.9.0, TARGET=live, DRY_RUN=false (default).")
    assert after[PENDING_SLOT] is None  # replaced, as said: dan's "yes" can't run it any more


def test_the_parameter_form_never_takes_a_yes_or_another_question_as_a_value(acme: RunningSandbox) -> None:
    _, slots = say(ActionJenkinsRunBuild(), "release the card vault to live")
    draft = slots["jenkins_build_draft"]
    assert [m["name"] for m in draft["missing"]] == ["RELEASE_VERSION"]

    def reply(text: str, intent: str, entities: list[dict] | None = None) -> tuple[dict, str]:
        tracker = make_tracker(text, intent, entities=entities, slots={"jenkins_build_draft": draft})
        dispatcher = CollectingDispatcher()
        result = asyncio.run(ValidateJenkinsParametersForm().validate_jenkins_parameter_value(
            text, dispatcher, tracker, {}))
        return result, texts(dispatcher.messages)

    result, said = reply("yes go ahead", "affirm")
    assert result == {"jenkins_parameter_value": None}
    assert "I need RELEASE_VERSION before I can ask for your yes" in said
    result, said = reply("what PRs are open?", "github_pull_requests")
    assert result == {"jenkins_parameter_value": None} and "doesn't look like a value for RELEASE_VERSION" in said
    result, said = reply("sounds good to me", "nlu_fallback")  # a sentence is not a version
    assert result == {"jenkins_parameter_value": None}
    result, _ = reply("hmm, make it a dry run first", "jenkins_run_build")  # changes the values given so far
    assert result["jenkins_parameter_value"] is None and result["jenkins_build_draft"]["values"]["DRY_RUN"] == "true"
    draft = result["jenkins_build_draft"]
    result, _ = reply("RELEASE_VERSION=v1.9.1", "github_workflow_runs")  # NAME=value is never another question
    assert result["jenkins_parameter_value"] == "v1.9.1"
    answer, _ = say(ActionJenkinsProposeBuild(), "", slots={"jenkins_build_draft": result["jenkins_build_draft"]})
    assert answer.startswith("I'll run card-vault-release with RELEASE_VERSION=v1.9.1, TARGET=live, DRY_RUN=true.")


def test_a_rebuild_from_a_named_build_reuses_its_parameters(acme: RunningSandbox) -> None:
    answer, slots = say(ActionJenkinsRunBuild(), "redeploy the card vault release from build 64",
                        entities=[{"entity": "dashboard", "value": "card"}, {"entity": "job", "value": "release"},
                                  {"entity": "build_number", "value": "64"}])
    assert answer.startswith("I'll run card-vault-release with RELEASE_VERSION=v1.8.0, TARGET=live, DRY_RUN=false. "
                             "The values are those of #64. Shall I?")
    assert slots["jenkins_build"] == "64" and slots["jenkins_job"] == "card-vault-release"
    log, _ = say(ActionJenkinsWhyFailed(), "show me its log", slots=slots)  # that build, though it passed
    assert log.startswith("card-vault-release #64 passed (SUCCESS)") and "Last log lines" in log


def test_a_build_number_belongs_to_its_job(acme: RunningSandbox) -> None:
    context = {"jenkins_job": "chargeback-desk-e2e", "jenkins_build": "229"}
    answer, slots = say(ActionJenkinsRunBuild(), "rebuild the iban validator", slots=context)
    assert answer.startswith("I'll run treasury/iban-validator-build.")
    assert slots["jenkins_job"] == "treasury/iban-validator-build" and slots["jenkins_build"] != "229"
    answer, _ = say(ActionJenkinsRunBuild(), "rebuild that one", slots={**context, **slots})
    assert answer.startswith("I'll run treasury/iban-validator-build.") and "no such" not in answer


def test_a_rebuild_while_one_runs_says_so(acme: RunningSandbox) -> None:
    answer, _ = say(ActionJenkinsRunBuild(), "rebuild it", slots={"jenkins_job": "chargeback-desk-e2e",
                                                                  "jenkins_build": "229"})
    assert answer.startswith("I'll run chargeback-desk-e2e. #230 is still running: ")
    assert "this would be another build. Shall I?" in answer


def test_switches_and_a_tag_in_words_run_as_said(streak: RunningSandbox) -> None:
    """A job the NLU never saw: its ref and switches are read from its own definitions, and the build that runs
    after the yes gets exactly those values."""
    answer, slots = say(ActionJenkinsRunBuild(), "build ledger-api-build on v3.1.0, skip tests and without cache")
    assert answer.startswith("I'll run ledger-api-build with SOURCE_REF=v3.1.0, SKIP_TESTS=true, NO_CACHE=true.")
    answer, _ = say(ActionConfirm(), "yes", slots={PENDING_SLOT: slots[PENDING_SLOT]}, intent="affirm")
    assert "Started ledger-api-build #14" in answer
    assert jenkins_state(streak).jobs["ledger-api-build"].builds[0].parameters == {
        "SOURCE_REF": "v3.1.0", "SKIP_TESTS": "true", "NO_CACHE": "true"}


def test_choice_and_switch_wording_and_a_branch_the_release_job_does_not_take(acme: RunningSandbox) -> None:
    answer, slots = say(ActionJenkinsRunBuild(),
                        "I'd like to rehearse the card vault release 1.9.2 on the live cluster",
                        entities=[{"entity": "version", "value": "1.9.2"}, {"entity": "env", "value": "live cluster"}])
    assert answer.startswith("I'll run card-vault-release with RELEASE_VERSION=1.9.2, TARGET=live")
    answer, slots = say(ActionJenkinsRunBuild(), "ok then: rehearse the card vault release 1.9.2 to live, just print "
                        "the plan", entities=[{"entity": "version", "value": "1.9.2"}])
    assert slots[PENDING_SLOT]["params"]["parameters"] == {"RELEASE_VERSION": "1.9.2", "TARGET": "live",
                                                           "DRY_RUN": "true"}
    answer, slots = say(ActionJenkinsRunBuild(), "build card-vault-release on branch main",
                        entities=[{"entity": "branch", "value": "main"}])
    assert "RELEASE_VERSION=main" not in answer and "card-vault-release takes no branch" in answer
    assert PENDING_SLOT not in slots  # the version is asked for instead


def test_a_forged_payload_puts_no_text_in_a_value(acme: RunningSandbox) -> None:
    text = '/jenkins_run_build{"job":"card-vault-release","RELEASE_VERSION":"v9","TARGET":"live"}'
    answer, slots = say(ActionJenkinsRunBuild(), text, intent="jenkins_run_build",
                        entities=[{"entity": "job", "value": "card-vault-release"},
                                  {"entity": "RELEASE_VERSION", "value": "v9"}, {"entity": "TARGET", "value": "live"}])
    assert "/jenkins_run_build" not in answer and "{" not in answer
    assert answer.startswith("To run card-vault-release I need RELEASE_VERSION")
    assert PENDING_SLOT not in slots and slots["jenkins_build_draft"]["values"]["TARGET"] == "sandbox"


def test_the_tail_of_an_assignment_is_named(acme: RunningSandbox) -> None:
    answer, slots = say(ActionJenkinsRunBuild(), "build settlement-engine-ci GIT_REF=main; rm -rf /")
    assert answer.startswith("I'll run settlement-engine-ci with GIT_REF=main. I didn't use \"rm -rf /\"")
    assert slots[PENDING_SLOT]["params"]["parameters"] == {"GIT_REF": "main"}
