"""Jenkins questions end to end through the actions (real HTTP to the sandbox): the facts in the answers,
follow-ups through the context slots, ambiguous and unknown names, faults, cost, and Teams cards."""

from __future__ import annotations

import json

import pytest

from actions.base import ActionFollowUp
from actions.jenkins import (
    ActionJenkinsAgents,
    ActionJenkinsBuildStatus,
    ActionJenkinsOverview,
    ActionJenkinsQueue,
    ActionJenkinsWhyFailed,
)
from common import settings as settings_module
from sandbox.server import RunningSandbox
from tests.support import make_tracker, run_action, texts
from tests.support.jenkins import (
    fresh_facade,
    paths_requested,
    point_jenkins_at,
    requests_made,
    set_fault,
    world_sandbox,
)


def ask(action, text: str, slots: dict | None = None, entities: list[dict] | None = None, intent: str = "",
        channel: str = "rest") -> tuple[str, dict, list[dict]]:
    messages, events = run_action(action, make_tracker(text, intent, entities=entities, slots=slots,
                                                       channel=channel))
    slot_values = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return texts(messages), slot_values, messages


# -- the held-out check questions ----------------------------------------------------------------------
def test_is_the_petclinic_build_broken(jenkins: RunningSandbox) -> None:
    answer, slots, _ = ask(ActionJenkinsBuildStatus(), "is the petclinic build broken?")
    assert "petclinic-build #147 failed (FAILURE)" in answer
    assert "Started by GitHub push by dan" in answer and "a41f9e2 Fix owner update validation" in answer
    assert jenkins.url("jenkins") + "/job/petclinic-build/147/" in answer
    assert (slots["jenkins_job"], slots["jenkins_build"]) == ("petclinic-build", "147")


def test_did_the_nightly_pass_last_night(jenkins: RunningSandbox) -> None:
    answer, _, _ = ask(ActionJenkinsBuildStatus(), "did the nightly pass last night")
    assert "petclinic-nightly #301 passed (SUCCESS)" in answer and "Started by timer" in answer


def test_why_did_petclinic_build_fail(jenkins: RunningSandbox) -> None:
    answer, slots, _ = ask(ActionJenkinsWhyFailed(), "why did petclinic-build fail")
    assert "petclinic-build #147 failed (FAILURE)" in answer and "in stage Test" in answer
    assert "OwnerControllerTests.testProcessUpdateOwnerFormSuccess" in answer
    assert "[ERROR] BUILD FAILURE" in answer and "/job/petclinic-build/147/console" in answer
    assert slots["jenkins_build"] == "147"


def test_anything_stuck_in_the_queue(jenkins: RunningSandbox) -> None:
    answer, _, _ = ask(ActionJenkinsQueue(), "anything stuck in the queue?")
    assert "Queued: petclinic-deploy-staging (VERSION=latest)" in answer
    assert "waiting for an executor on agent-linux-1" in answer
    assert "Running: petclinic-integration-tests #89" in answer and "of ~15 min" in answer


def test_which_build_agents_are_down(jenkins: RunningSandbox) -> None:
    answer, _, _ = ask(ActionJenkinsAgents(), "which build agents are down")
    assert "1 of 3 build agents is offline: agent-linux-2" in answer
    assert "Disk space is too low" in answer and "/computer/" in answer


# -- more everyday questions ---------------------------------------------------------------------------
def test_a_given_build(jenkins: RunningSandbox) -> None:
    answer, slots, _ = ask(ActionJenkinsBuildStatus(), "what happened in build 144 of petclinic-build?",
                           entities=[{"entity": "build_number", "value": "144"}, {"entity": "job",
                                                                                  "value": "petclinic-build"}])
    assert "petclinic-build #144 failed (FAILURE)" in answer and "took 2 min" in answer
    assert slots["jenkins_build"] == "144"


def test_the_staging_deploy_and_its_queued_successor(jenkins: RunningSandbox) -> None:
    answer, _, _ = ask(ActionJenkinsBuildStatus(), "how did the staging deploy go?")
    assert "petclinic-deploy-staging #58 passed (SUCCESS)" in answer and "VERSION=3.2.1-rc1" in answer
    assert "Another run is queued: Waiting for next available executor on agent-linux-1" in answer


def test_a_running_build_shows_progress_and_the_last_result(jenkins: RunningSandbox) -> None:
    answer, _, _ = ask(ActionJenkinsBuildStatus(), "how are the integration tests going")
    assert "petclinic-integration-tests #89 is running" in answer and "of ~15 min (6" in answer
    assert "The last finished build #88 is unstable (UNSTABLE)" in answer


def test_folder_jobs_by_everyday_name(jenkins: RunningSandbox) -> None:
    answer, slots, _ = ask(ActionJenkinsBuildStatus(), "is terraform plan ok?")
    assert "platform/terraform-plan #12 passed (SUCCESS)" in answer
    assert "/job/platform/job/terraform-plan/12/" in answer and slots["jenkins_job"] == "platform/terraform-plan"


def test_which_jobs_are_failing(jenkins: RunningSandbox) -> None:
    answer, _, _ = ask(ActionJenkinsOverview(), "which jobs are failing?")
    assert answer.startswith("2 of 8 jobs are failing:")
    assert "petclinic-build #147 failed (FAILURE)" in answer and "petclinic-integration-tests #88" in answer
    assert "petclinic-nightly" not in answer


def test_jobs_of_a_folder(jenkins: RunningSandbox) -> None:
    answer, _, _ = ask(ActionJenkinsOverview(), "list the jobs in the platform folder")
    assert answer.startswith("2 jobs in platform")
    assert "platform/ansible-patching #7 was aborted (ABORTED)" in answer and "/job/platform/" in answer
    assert "petclinic-build" not in answer


def test_status_of_all_jobs(jenkins: RunningSandbox) -> None:
    answer, _, _ = ask(ActionJenkinsOverview(), "status of all jobs")
    assert "8 jobs, 2 failing" in answer and "artifactory-cleanup: disabled" in answer
    assert "petclinic-nightly #301 passed" in answer


def test_why_the_nightly_failed_when_it_has_passed_since(jenkins: RunningSandbox) -> None:
    answer, _, _ = ask(ActionJenkinsWhyFailed(), "show me the log of the nightly failure")
    assert "petclinic-nightly #299 failed (FAILURE)" in answer and "in stage Dependency audit" in answer
    assert "CVE-2026-21345" in answer and "Since then, petclinic-nightly #301 passed" in answer


def test_unstable_builds_list_their_failed_tests(jenkins: RunningSandbox) -> None:
    answer, _, _ = ask(ActionJenkinsWhyFailed(), "why are the integration tests unstable")
    assert "#88 is unstable (UNSTABLE)" in answer
    assert "VisitsIT.addVisitForNewPet" in answer and "VetsIT.listVetsAsJson" in answer


def test_a_job_that_never_failed(jenkins: RunningSandbox) -> None:
    answer, _, _ = ask(ActionJenkinsWhyFailed(), "why did the staging deploy fail")
    assert "petclinic-deploy-staging has no failed builds" in answer and "#58 passed" in answer


# -- follow-ups ----------------------------------------------------------------------------------------
def test_show_me_its_log_uses_the_build_talked_about(jenkins: RunningSandbox) -> None:
    context = {"jenkins_job": "petclinic-build", "jenkins_build": "144"}
    answer, _, _ = ask(ActionJenkinsWhyFailed(), "show me its log", slots=context)
    assert "petclinic-build #144 failed (FAILURE)" in answer and "in stage Compile" in answer
    assert "VetController.java:[41,8] cannot find symbol" in answer


def test_why_did_it_fail_after_a_passing_build_explains_the_last_failure(jenkins: RunningSandbox) -> None:
    context = {"jenkins_job": "petclinic-nightly", "jenkins_build": "301"}
    answer, _, _ = ask(ActionJenkinsWhyFailed(), "why did it fail?", slots=context)
    assert "petclinic-nightly #299 failed (FAILURE)" in answer and "Since then, petclinic-nightly #301 passed" in answer
    log, _, _ = ask(ActionJenkinsWhyFailed(), "show me its log", slots=context)
    assert log.startswith("petclinic-nightly #301 passed (SUCCESS)") and "Finished: SUCCESS" in log


def test_follow_up_with_another_job_reruns_the_last_question(jenkins: RunningSandbox) -> None:
    context = {"last_question": "action_jenkins_build_status", "jenkins_job": "petclinic-build",
               "jenkins_build": "147"}
    answer, slots, _ = ask(ActionFollowUp(), "and the integration tests?", slots=context, intent="follow_up")
    assert "petclinic-integration-tests #89 is running" in answer
    assert slots["jenkins_job"] == "petclinic-integration-tests"


def test_how_is_it_going_uses_the_job_talked_about(jenkins: RunningSandbox) -> None:
    answer, _, _ = ask(ActionJenkinsBuildStatus(), "how is it going?",
                       slots={"jenkins_job": "petclinic-integration-tests", "jenkins_build": "89"})
    assert "petclinic-integration-tests #89 is running" in answer


# -- names ---------------------------------------------------------------------------------------------
def test_ambiguous_names_ask_which_with_buttons(jenkins: RunningSandbox) -> None:
    answer, _, messages = ask(ActionJenkinsBuildStatus(), "and the deploy?")
    assert answer.startswith("Which job do you mean?")
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert '/jenkins_build_status{"job":"petclinic-deploy-staging"}' in payloads
    assert '/jenkins_build_status{"job":"petclinic-deploy-prod"}' in payloads


def test_the_other_words_decide_when_the_entity_is_vague(jenkins: RunningSandbox) -> None:
    answer, _, _ = ask(ActionJenkinsBuildStatus(), "did the prod deploy pass",
                       entities=[{"entity": "job", "value": "deploy"}])
    assert "petclinic-deploy-prod #21 passed (SUCCESS)" in answer


def test_a_button_payload_names_the_job_exactly(jenkins: RunningSandbox) -> None:
    answer, _, _ = ask(ActionJenkinsBuildStatus(), '/jenkins_build_status{"job":"petclinic-deploy-prod"}',
                       entities=[{"entity": "job", "value": "petclinic-deploy-prod"}])
    assert "petclinic-deploy-prod #21 passed (SUCCESS)" in answer


def test_unknown_names_get_suggestions_and_no_request_with_them(jenkins: RunningSandbox) -> None:
    answer, _, messages = ask(ActionJenkinsBuildStatus(), "is petclinic-payroll green",
                              entities=[{"entity": "job", "value": "petclinic-payroll"}])
    assert answer.startswith('I can\'t find a job "petclinic-payroll". Did you mean petclinic-')
    assert messages[0]["buttons"][0]["payload"].startswith('/jenkins_build_status{"job":"petclinic-')
    assert not any("payroll" in path for path in paths_requested(jenkins))


def test_typos_in_names_still_find_the_job(jenkins: RunningSandbox) -> None:
    answer, _, _ = ask(ActionJenkinsBuildStatus(), "is the nigthly green",
                       entities=[{"entity": "job", "value": "nigthly"}])
    assert "petclinic-nightly #301" in answer


def test_no_job_named_and_none_talked_about(jenkins: RunningSandbox) -> None:
    answer, _, messages = ask(ActionJenkinsBuildStatus(), "is it green?")
    assert answer.startswith("Which job do you mean?") and len(messages[0]["buttons"]) == 6


# -- cost ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("action", "text", "fact", "most"),
    [(ActionJenkinsBuildStatus, "is the petclinic build broken?", "#147 failed", 1),
     (ActionJenkinsWhyFailed, "why did petclinic-build fail", "in stage Test", 4),
     (ActionJenkinsOverview, "which jobs are failing?", "2 of 8 jobs", 1),
     (ActionJenkinsQueue, "what's in the queue?", "petclinic-deploy-staging", 2),
     (ActionJenkinsAgents, "are any agents offline?", "agent-linux-2", 1)],
)
def test_each_question_costs_a_few_requests(jenkins: RunningSandbox, monkeypatch: pytest.MonkeyPatch, action,
                                             text: str, fact: str, most: int) -> None:
    ask(ActionJenkinsBuildStatus(), "is the nightly green")  # warm: the client's crumb and the job-name cache
    monkeypatch.setattr("backends.jenkins.service.FRESH_MAX_AGE", 0.0)  # as if asked a while later
    jenkins.state("jenkins").counts.clear()
    answer, _, _ = ask(action(), text)
    assert fact in answer
    assert 1 <= requests_made(jenkins) <= most


# -- faults --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fault", "words"),
    [({"status": 401}, "Jenkins rejected my credentials (401)"), ({"status": 403}, "Jenkins says I'm not allowed"),
     ({"status": 503}, "Jenkins sent an answer I couldn't read"), ({"malformed": True}, "couldn't read")],
)
def test_faults_are_polite_and_name_jenkins(jenkins: RunningSandbox, fault: dict, words: str) -> None:
    set_fault(jenkins, **fault)
    answer, _, _ = ask(ActionJenkinsBuildStatus(), "is the petclinic build broken?")
    assert words in answer


def test_a_slow_jenkins_is_answered_within_the_budget(jenkins: RunningSandbox,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSBOT_HTTP_TIMEOUT", "0.5")
    settings_module.reset()
    set_fault(jenkins, delay=3)
    answer, _, _ = ask(ActionJenkinsQueue(), "what's running?")
    assert "Jenkins didn't answer in time" in answer


# -- Teams ---------------------------------------------------------------------------------------------
def test_teams_gets_an_adaptive_card_with_link_and_next_steps(jenkins: RunningSandbox) -> None:
    _, _, messages = ask(ActionJenkinsBuildStatus(), "is the petclinic build broken?", channel="teams")
    card = messages[0]["custom"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert card["body"][0]["color"] == "Attention"
    kinds = {a["type"]: a for a in card["actions"]}
    assert kinds["Action.OpenUrl"]["url"].endswith("/job/petclinic-build/147/")
    payloads = [a["data"]["rasa_payload"] for a in card["actions"] if a["type"] == "Action.Submit"]
    assert payloads[0].startswith("/jenkins_why_failed{")
    assert json.loads(payloads[0][payloads[0].index("{"):]) == {"job": "petclinic-build", "build_number": "147"}


# -- a Jenkins whose names were never in the training data ---------------------------------------------
def test_acme_broken_build(acme: RunningSandbox) -> None:
    answer, _, _ = ask(ActionJenkinsBuildStatus(), "is the settlement build broken?")
    assert "settlement-engine-ci #912 failed (FAILURE)" in answer and "d896e92" in answer
    assert "2 failed tests of 312" in answer


def test_acme_nightly(acme: RunningSandbox) -> None:
    answer, _, _ = ask(ActionJenkinsBuildStatus(), "did the reconciliation nightly pass last night")
    assert "reconciliation-nightly #77 passed (SUCCESS)" in answer


def test_acme_why_failed(acme: RunningSandbox) -> None:
    answer, _, _ = ask(ActionJenkinsWhyFailed(), "why did settlement-engine-ci fail")
    assert "in stage Unit tests" in answer and "BatchImporterTest.rejectsDuplicateBatchIds" in answer
    assert "BatchImporterTest.keepsBatchOrder" in answer


def test_acme_queue_and_agents(acme: RunningSandbox) -> None:
    queue, _, _ = ask(ActionJenkinsQueue(), "anything stuck in the queue?")
    assert "treasury/payout-scheduler-deploy-uat (APP_VERSION=2.5.0-rc.2)" in queue
    assert "waiting for an executor on acme-linux-03" in queue and "chargeback-desk-e2e #230" in queue
    agents, _, _ = ask(ActionJenkinsAgents(), "which build agents are down")
    assert "offline: acme-mac-01" in agents and "macOS upgrade" in agents


def test_acme_folder_and_failing(acme: RunningSandbox) -> None:
    folder, _, _ = ask(ActionJenkinsOverview(), "what's in the treasury folder")
    assert "2 jobs in treasury" in folder and "treasury/iban-validator-build #48 passed" in folder
    failing, _, _ = ask(ActionJenkinsOverview(), "which jobs are red")
    assert "settlement-engine-ci #912" in failing and "chargeback-desk-e2e #229" in failing


# -- acceptance findings on the Acme world ------------------------------------------------------------------
def test_a_bare_number_after_a_build_question_is_that_jobs_build(acme: RunningSandbox) -> None:
    _, slots, _ = ask(ActionJenkinsBuildStatus(), "how did build 911 of settlement-engine-ci go?",
                      entities=[{"entity": "build_number", "value": "911"},
                                {"entity": "job", "value": "settlement-engine-ci"}])
    assert slots["jenkins_build"] == "911"
    context = {**slots, "last_question": "action_jenkins_build_status"}
    answer, slots, _ = ask(ActionFollowUp(), "and 910?", slots=context, intent="follow_up")
    assert answer.startswith("settlement-engine-ci #910 passed (SUCCESS)") and slots["jenkins_build"] == "910"


def test_a_named_job_beats_the_one_talked_about(acme: RunningSandbox) -> None:
    context = {"jenkins_job": "settlement-engine-ci", "jenkins_build": "912"}
    answer, slots, _ = ask(ActionJenkinsBuildStatus(), "how's the deploy job doing?", slots=context,
                           entities=[{"entity": "job", "value": "deploy"}])
    assert answer.startswith("treasury/payout-scheduler-deploy-uat #15 passed (SUCCESS)")
    assert slots["jenkins_build"] == "15"


def test_a_named_job_that_fits_several_asks_which(jenkins: RunningSandbox) -> None:
    answer, _, messages = ask(ActionJenkinsBuildStatus(), "how's the deploy job doing?",
                              slots={"jenkins_job": "petclinic-build", "jenkins_build": "147"},
                              entities=[{"entity": "job", "value": "deploy"}])
    assert answer.startswith("Which job do you mean?")
    assert {b["title"] for b in messages[0]["buttons"]} == {"petclinic-deploy-staging", "petclinic-deploy-prod"}


def test_a_name_whose_words_fit_different_jobs_is_no_job(acme: RunningSandbox) -> None:
    answer, _, _ = ask(ActionJenkinsWhyFailed(), "why did e2e-nightly fail?",
                       entities=[{"entity": "job", "value": "e2e-nightly"}])
    assert answer.startswith('I can\'t find a job "e2e-nightly".') and "#76" not in answer


def test_who_broke_it_when_no_commit_did(acme: RunningSandbox) -> None:
    context = {"jenkins_job": "reconciliation-nightly", "jenkins_build": "76"}
    answer, slots, _ = ask(ActionJenkinsWhyFailed(), "who broke it?", slots=context)
    assert answer.startswith("reconciliation-nightly first failed in #76, 1 day")
    assert "It built no code changes (Started by timer), so no commit broke it." in answer
    assert "Since then, reconciliation-nightly #77 passed (SUCCESS)" in answer and slots["jenkins_build"] == "76"


def test_show_me_its_log_for_a_job_that_never_failed(acme: RunningSandbox) -> None:
    answer, _, _ = ask(ActionJenkinsWhyFailed(), "show me its log", slots={"jenkins_job": "card-vault-release"})
    assert answer.startswith("card-vault-release #64 passed (SUCCESS)") and "Full log:" in answer


def test_a_failure_talked_about_says_when_it_passed_since(acme: RunningSandbox) -> None:
    answer, _, _ = ask(ActionJenkinsWhyFailed(), "show me its log",
                       slots={"jenkins_job": "reconciliation-nightly", "jenkins_build": "76"})
    assert answer.startswith("reconciliation-nightly #76 failed") and "Since then, reconciliation-nightly #77 passed" \
        in answer


def test_why_did_the_build_fail_asks_only_about_failing_jobs(acme: RunningSandbox) -> None:
    answer, _, messages = ask(ActionJenkinsWhyFailed(), "why did the build fail")
    assert {b["title"] for b in messages[0]["buttons"]} == {"settlement-engine-ci", "chargeback-desk-e2e"}
    assert "fx-rates-import" not in answer


# -- a small world: a run of failures with commits by different people, and one failing job ----------------
def test_who_broke_it_names_the_authors_of_the_first_failing_build(streak: RunningSandbox) -> None:
    answer, slots, messages = ask(ActionJenkinsWhyFailed(), "who broke it?",
                                  slots={"jenkins_job": "ledger-api-build", "jenkins_build": "13"})
    assert answer.startswith("ledger-api-build first failed in #11, ")  # #12 was aborted: it says nothing
    assert "It built 1 change by alice: a1a1a1a Switch to the new ledger schema (alice)." in answer
    assert "bob" not in answer and "Since then, ledger-api-build #13 failed (FAILURE)" in answer
    assert slots["jenkins_build"] == "11" and answer.rstrip().endswith("/job/ledger-api-build/11/")
    assert messages[0]["buttons"][0]["payload"] == '/jenkins_why_failed{"job":"ledger-api-build","build_number":"11"}'


def test_why_did_the_build_fail_with_one_failing_job_answers_it(streak: RunningSandbox) -> None:
    answer, slots, _ = ask(ActionJenkinsWhyFailed(), "why did the build fail")
    assert answer.startswith("ledger-api-build #13 failed (FAILURE)") and slots["jenkins_job"] == "ledger-api-build"


BRANCHES = """
name: branches
jenkins:
  version: "2.479.3"
  jobs:
    - name: ledger-ci
      type: pipeline
      parameters:
        - {name: GIT_REF, type: string, default: main, description: Branch or tag to build}
      builds:
        - {number: 914, result: SUCCESS, ago: 5m, duration: 300, cause: "Started by user Dan",
           parameters: {GIT_REF: hotfix/jpy-rounding}}
        - {number: 913, result: SUCCESS, ago: 20m, duration: 300, cause: "Started by user Dan",
           parameters: {GIT_REF: feature/batch-retry}}
        - {number: 912, result: FAILURE, ago: 40m, duration: 300, cause: "Started by GitHub push by maria",
           parameters: {GIT_REF: main}}
    - name: vault-release
      type: pipeline
      parameters:
        - {name: RELEASE_VERSION, type: string, default: "", description: Version tag to release}
        - {name: DRY_RUN, type: boolean, default: false, description: Only print the plan}
      builds:
        - {number: 65, result: SUCCESS, ago: 10m, duration: 60, parameters: {RELEASE_VERSION: v1.9.0, DRY_RUN: "true"}}
        - {number: 64, result: FAILURE, ago: 2d, duration: 60, parameters: {RELEASE_VERSION: v1.8.0, DRY_RUN: "false"}}
    - name: docs-site
      type: freestyle
      parameters:
        - {name: BRANCH, type: string, default: main, description: Git branch}
      builds:
        - {number: 3, result: SUCCESS, ago: 2h, duration: 20, parameters: {BRANCH: main}}
"""


@pytest.fixture(scope="module")
def branches_sandbox(tmp_path_factory: pytest.TempPathFactory):
    sandbox = world_sandbox(tmp_path_factory.mktemp("branches"), BRANCHES)
    yield sandbox
    sandbox.stop_thread()


@pytest.fixture()
def branches(branches_sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch):
    fresh_facade()
    point_jenkins_at(branches_sandbox, monkeypatch)
    yield branches_sandbox
    fresh_facade()
    settings_module.reset()


def test_a_status_says_when_the_last_build_was_not_of_the_default_branch(branches: RunningSandbox) -> None:
    answer, slots, _ = ask(ActionJenkinsBuildStatus(), "is ledger-ci ok?", entities=[{"entity": "job",
                                                                                       "value": "ledger-ci"}])
    assert answer.startswith("ledger-ci #914 passed (SUCCESS)")
    assert "#914 ran on hotfix/jpy-rounding, not the default; the last build of main, #912, failed (FAILURE)" in answer
    assert slots["jenkins_build"] == "914"
    answer, _, _ = ask(ActionJenkinsBuildStatus(), "did the vault release pass?",
                       entities=[{"entity": "job", "value": "vault-release"}])
    assert "#65 ran with DRY_RUN=true, not the default; the last build with DRY_RUN=false, #64, failed" in answer
    # a build of the default branch says nothing more
    answer, _, _ = ask(ActionJenkinsBuildStatus(), "is docs-site green?", entities=[{"entity": "job",
                                                                                      "value": "docs-site"}])
    assert "not the default" not in answer and "#3 passed" in answer


def test_an_overview_gives_the_default_branchs_last_result_too(branches: RunningSandbox) -> None:
    answer, _, _ = ask(ActionJenkinsOverview(), "status of all jobs")
    assert "ledger-ci #914 on hotfix/jpy-rounding passed (SUCCESS)" in answer
    assert "the last build of main, #912, failed (FAILURE)" in answer
    assert "vault-release #65 with DRY_RUN=true passed (SUCCESS)" in answer
    assert "docs-site #3 passed" in answer


def test_how_long_has_it_been_waiting_after_a_queue_answer_is_about_the_queued_item(acme: RunningSandbox) -> None:
    answer, slots, _ = ask(ActionJenkinsQueue(), "is there a backlog of builds waiting?")
    assert "Queued: treasury/payout-scheduler-deploy-uat" in answer
    assert slots["jenkins_job"] == "treasury/payout-scheduler-deploy-uat" and slots["jenkins_queue_item"]
    assert slots["jenkins_build"] is None
    answer, after, _ = ask(ActionJenkinsBuildStatus(), "how long has it been waiting?", slots=slots)
    assert "Which job" not in answer
    assert answer.startswith("treasury/payout-scheduler-deploy-uat hasn't started yet (queue item "
                             f"{slots['jenkins_queue_item']}, waiting for ")
    assert "executor" in answer and after["jenkins_queue_item"] == slots["jenkins_queue_item"]
