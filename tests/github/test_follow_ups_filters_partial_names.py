"""GitHub questions as the acceptance tester asked them (Acme world): questions that follow a Jenkins answer,
filters that used to be dropped silently, partial names (PR titles, branches, workflows) and an unknown person."""

from __future__ import annotations

import pytest

from common import settings as settings_module
from sandbox.server import RunningSandbox
from tests.support.github import ask, numbers
from tests.support.sandbox import TEST_CREDENTIALS

AFTER_BUILD = {"last_question": "action_jenkins_build_status", "jenkins_job": "settlement-engine-ci",
               "jenkins_build": "912"}


@pytest.fixture()
def acme_ci(acme: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> RunningSandbox:
    """The Acme GitHub sandbox plus its Jenkins (questions that cross the two)."""
    monkeypatch.setenv("JENKINS_URL", acme.url("jenkins"))
    monkeypatch.setenv("JENKINS_USER", TEST_CREDENTIALS["JENKINS_USER"])
    monkeypatch.setenv("JENKINS_API_TOKEN", TEST_CREDENTIALS["JENKINS_API_TOKEN"])
    settings_module.reset()
    return acme


# -- 1. after a Jenkins answer ---------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["which commit did it build?", "what changed in build 912?"])
def test_commit_questions_after_a_build_answer_from_its_change_set(acme_ci: RunningSandbox, text: str) -> None:
    reply, slots, _ = ask("github_commits", text, slots=AFTER_BUILD)
    assert "#912" in reply and "d896e92" in reply and "mfernandes" in reply
    assert "/acme/settlement-engine/commit/d896e92" in reply
    assert "Last" not in reply and "commits on main" not in reply
    assert slots["github_repo"] == "acme/settlement-engine"


def test_a_named_build_wins_over_the_remembered_one(acme_ci: RunningSandbox) -> None:
    reply, _, _ = ask("github_commits", "what changed in build 911?", slots=AFTER_BUILD)
    assert "#911" in reply and "41e5d15" in reply and "d896e92" not in reply


def test_who_pushed_what_broke_it_is_the_first_red_build(acme_ci: RunningSandbox) -> None:
    reply, _, _ = ask("github_commits", "who pushed the thing that broke it?", slots=AFTER_BUILD)
    assert "d896e92" in reply and "mfernandes" in reply


def test_without_a_jenkins_answer_commits_are_github_s(acme_ci: RunningSandbox) -> None:
    reply, _, _ = ask("github_commits", "which commit did it build?",
                      slots={"github_repo": "acme/settlement-engine", "last_question": "action_github_commits"})
    assert "commits on main" in reply


def test_open_prs_for_that_repo_after_a_job_answer(acme_ci: RunningSandbox) -> None:
    reply, _, _ = ask("github_pull_requests", "and the open PRs for that repo?",
                      slots={"last_question": "action_jenkins_job_status", "jenkins_job": "card-vault-release"})
    assert "acme/card-vault" in reply and numbers(reply) == [41] and "across" not in reply


def test_that_repo_of_a_job_no_repository_matches_asks_which(acme_ci: RunningSandbox) -> None:
    reply, _, messages = ask("github_pull_requests", "and the open PRs for that repo?",
                             slots={"last_question": "action_jenkins_job_status", "jenkins_job": "fx-rates-import"})
    assert "Which repository" in reply and "across" not in reply
    assert any(m.get("buttons") for m in messages)


# -- 2. filters that used to be dropped ---------------------------------------------------------------------
def test_what_has_a_person_got_open(acme: RunningSandbox) -> None:
    reply, _, _ = ask("github_pull_requests", "what has chidi got open?")
    assert numbers(reply) == [88] and "okafor-c" in reply


def test_high_prio_only_narrows_the_bugs(acme: RunningSandbox) -> None:
    _, slots, _ = ask("github_issues", "any open bugs in settlement-engine?")
    reply, _, _ = ask("follow_up", "high prio ones only", slots={**slots, "last_question": "action_github_issues"})
    assert numbers(reply) == [86] and "priority: high" in reply, reply


def test_bugs_nobody_has_picked_up(acme: RunningSandbox) -> None:
    reply, _, _ = ask("github_issues", "bugs nobody has picked up yet in settlement-engine")
    assert "nobody assigned" in reply and 77 not in numbers(reply)


def test_anything_for_a_newcomer(acme: RunningSandbox) -> None:
    reply, _, _ = ask("github_issues", "anything for a newcomer to pick up in settlement-engine?")
    assert "good first issue" in reply and numbers(reply) == [79]


def test_runs_going_on_right_now(acme: RunningSandbox) -> None:
    reply, _, _ = ask("github_workflow_runs", "any github action runs going on right now in settlement-engine?")
    assert "running" in reply and "7304" in reply and "7301" not in reply


def test_when_was_a_version_released(acme: RunningSandbox) -> None:
    reply, _, _ = ask("github_releases", "when was 2.4.0 released?", slots={"github_repo": "acme/settlement-engine"})
    assert "v2.4.0" in reply and "v2.4.1" not in reply and "jbecker" in reply


# -- 3. partial names ----------------------------------------------------------------------------------------
def test_pr_by_some_words_of_its_title(acme: RunningSandbox) -> None:
    reply, _, _ = ask("github_pr_status", "tell me about the kotlin bump PR")
    assert "#85" in reply or "/pull/85" in reply


def test_partial_branch_name_from_the_live_branches(acme: RunningSandbox) -> None:
    reply, _, _ = ask("github_workflow_runs", "is the build workflow passing for the batch-retry branch?",
                      slots={"github_repo": "acme/settlement-engine"})
    assert "feature/batch-retry" in reply and "7303" in reply and "No workflow runs" not in reply


def test_workflow_by_name_found_beyond_the_remembered_repo(acme: RunningSandbox) -> None:
    reply, slots, _ = ask("github_workflow_runs", "how did the nightly e2e workflow do?",
                          slots={"github_repo": "acme/card-vault"})
    assert "e2e-nightly" in reply and "acme/settlement-engine" in reply and "trunk" not in reply
    assert slots["github_repo"] == "acme/settlement-engine"


# -- 4. an unknown person ------------------------------------------------------------------------------------
def test_prs_by_an_unknown_person_lists_known_people(acme: RunningSandbox) -> None:
    reply, _, messages = ask("github_pull_requests", "PRs by bob")
    assert "can't find" in reply and "jbecker" in reply
    assert any(m.get("buttons") for m in messages)


def test_a_filter_that_cant_be_applied_is_named(acme: RunningSandbox) -> None:
    reply, _, _ = ask("github_issues", "urgent bugs in settlement-engine")
    assert numbers(reply) == [86, 77]
    assert "I didn't use \"urgent\"" in reply and "priority: high" in reply  # the repository's labels are listed
    reply, _, _ = ask("github_pull_requests", "PRs in settlement-engine touching the ledger")
    assert "I didn't use \"touching ledger\"" in reply


def test_applied_filters_are_not_reported_as_unused(acme: RunningSandbox) -> None:
    for intent, text in [("github_pull_requests", "what has chidi got open?"),
                         ("github_issues", "bugs nobody has picked up yet in settlement-engine"),
                         ("github_pull_requests", "any PRs stuck on review for more than a day?"),
                         ("github_pull_requests", "how many PRs are open in total?")]:
        reply, _, _ = ask(intent, text)
        assert "didn't use" not in reply, (text, reply)


def test_the_one_before_it_after_a_build_s_commits(acme_ci: RunningSandbox) -> None:
    _, slots, _ = ask("github_commits", "which commit did it build?", slots=AFTER_BUILD)
    reply, _, _ = ask("follow_up", "and the one before it?",
                      slots={**AFTER_BUILD, **slots, "last_question": "action_github_commits"})
    assert "#911" in reply and "41e5d15" in reply and "d896e92" not in reply


def test_the_nlu_s_build_number_and_version_entities(acme_ci: RunningSandbox) -> None:
    reply, _, _ = ask("github_commits", "what changed there?", {"build_number": "911"}, slots=AFTER_BUILD)
    assert "#911" in reply and "41e5d15" in reply


def test_a_plain_github_commit_question_after_a_build_stays_github_s(acme_ci: RunningSandbox) -> None:
    reply, _, _ = ask("github_commits", "what did okafor-c push this week in settlement-engine?", slots=AFTER_BUILD)
    assert "#912" not in reply and "settlement-engine" in reply
