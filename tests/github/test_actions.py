"""GitHub questions end to end through the actions, against the sandbox over real HTTP: the check questions
on both worlds, follow-ups, names never seen in training, ambiguity, faults, cards and request counts."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sandbox.server import RunningSandbox
from tests.support.github import ask, fault, numbers, rate_limit, requests_made


# -- the check questions, and their equivalents in a world the NLU never saw -----------------------------
def test_open_prs_on_a_repo(pets: RunningSandbox) -> None:
    text, slots, _ = ask("github_pull_requests", "show me open PRs on spring-petclinic",
                         {"github_repo": "spring-petclinic"})
    assert numbers(text) == [216, 215, 212]
    assert "[draft]" in text.splitlines()[1] and "dependabot[bot]" in text
    assert "/petclinic/spring-petclinic/pull/215" in text
    assert slots["github_repo"] == "petclinic/spring-petclinic"


def test_open_prs_on_a_repo_acme(acme: RunningSandbox) -> None:
    text, _, _ = ask("github_pull_requests", "show me open PRs on settlement-engine")
    assert numbers(text) == [88, 87, 85] and "[draft]" in text.splitlines()[1]
    assert "/acme/settlement-engine/pull/87" in text


def test_whats_going_on_with_a_pr(pets: RunningSandbox) -> None:
    text, slots, _ = ask("github_pr_status", "what's going on with PR 215", {"github_number": "215"})
    assert "failing" in text and "build" in text and "codeql" not in text.split("failing")[1].split(")")[0]
    assert "petclinic/spring-petclinic" in text and "/pull/215" in text
    assert slots == {"github_repo": "petclinic/spring-petclinic", "github_pr": "215",
                     "last_question": "action_github_pr_status"}


def test_whats_going_on_with_a_pr_acme(acme: RunningSandbox) -> None:
    text, _, _ = ask("github_pr_status", "what's going on with PR 87")
    assert "2 failing (unit-tests and integration (postgres))" in text and "waiting on mfernandes" in text
    assert "acme/settlement-engine/pull/87" in text


def test_open_bugs(pets: RunningSandbox) -> None:
    text, _, _ = ask("github_issues", "any open bugs in spring-petclinic?")
    assert numbers(text) == [209, 198] and "assigned to dan-dev" in text


def test_open_bugs_acme(acme: RunningSandbox) -> None:
    text, _, _ = ask("github_issues", "any open bugs in settlement-engine?", {"github_repo": "settlement-engine"})
    assert numbers(text) == [86, 77]


def test_latest_release_is_not_a_prerelease(pets: RunningSandbox) -> None:
    text, _, _ = ask("github_releases", "latest release of spring-petclinic")
    assert text.startswith("Latest release of petclinic/spring-petclinic: v3.2.0")
    assert "v3.2.1-rc1" in text and "pre-release" in text and "/releases/tag/v3.2.0" in text


def test_latest_release_acme_skips_drafts_and_rcs(acme: RunningSandbox) -> None:
    text, _, _ = ask("github_releases", "latest release of settlement-engine")
    assert text.startswith("Latest release of acme/settlement-engine: v2.4.1")
    assert "v2.6.0" not in text  # a draft is not published


# -- pull requests: people, filters, "mine" ----------------------------------------------------------------
def test_prs_by_author_across_the_org(pets: RunningSandbox) -> None:
    text, slots, _ = ask("github_pull_requests", "dan's PRs", {"person": "dan"})
    assert numbers(text) == [216, 212] and "by dan-dev across petclinic" in text
    assert slots["github_filters"]["author"] == "dan-dev"


def test_waiting_on_review_from_a_person(pets: RunningSandbox) -> None:
    text, _, _ = ask("github_pull_requests", "which PRs are waiting on review from adam")
    assert numbers(text) == [212] and "waiting on review from adam-sre" in text


def test_waiting_on_review_without_a_person(pets: RunningSandbox) -> None:
    text, _, _ = ask("github_pull_requests", "which PRs are waiting on review?")
    assert numbers(text) == [215] and "216" not in text  # drafts aren't waiting on anyone


def test_failing_checks(pets: RunningSandbox) -> None:
    text, _, _ = ask("github_pull_requests", "open PRs with failing checks")
    assert numbers(text) == [215] and "failing checks" in text


def test_display_names_resolve_to_logins(acme: RunningSandbox) -> None:
    text, _, _ = ask("github_pull_requests", "Jonas's PRs", {"person": "Jonas"})
    assert numbers(text) == [87] and "jbecker" in text
    text, _, _ = ask("github_pull_requests", "which PRs are waiting on Chidi?")
    assert numbers(text) == [41] and "okafor-c" in text
    text, _, _ = ask("github_pull_requests", "which PRs is Chidi supposed to review")
    assert numbers(text) == [41] and "waiting on review from okafor-c" in text


def test_bots_are_people_too(acme: RunningSandbox) -> None:
    text, _, _ = ask("github_pull_requests", "PRs by renovate")
    assert numbers(text) == [85] and "renovate[bot]" in text


def test_mine_is_answered_politely_without_inventing_a_login(pets: RunningSandbox) -> None:
    text, slots, _ = ask("github_pull_requests", "which PRs are waiting on my review?")
    assert "don't know your GitHub login" in text and "#" not in text
    assert "github_filters" not in slots


def test_unknown_person(acme: RunningSandbox) -> None:
    text, _, _ = ask("github_pull_requests", "PRs from kowalski")
    assert "can't find a GitHub user \"kowalski\"" in text


# -- one PR ---------------------------------------------------------------------------------------------
def test_pr_status_reviews_and_behind_base(acme: RunningSandbox) -> None:
    text, _, _ = ask("github_pr_status", "status of PR 85 in settlement-engine")
    assert "all 2 passed" in text and "approved by jbecker" in text and "4 commits behind main" in text
    text, _, _ = ask("github_pr_status", "who reviewed PR 41")
    assert "commented on by lwei" in text and "waiting on okafor-c and jbecker" in text
    assert "acme/card-vault" in text


def test_draft_pr_with_pending_checks(pets: RunningSandbox) -> None:
    text, _, _ = ask("github_pr_status", "is #216 mergeable?", {"github_number": "#216"})
    assert "(draft)" in text and "1 pending (build)" in text and "ready for review" in text


def test_follow_ups_on_a_pr_use_the_context(pets: RunningSandbox) -> None:
    _, slots, _ = ask("github_pr_status", "what's the status of PR 212?")
    text, _, _ = ask("github_pr_status", "who reviewed it?", slots=slots)
    assert "PR #212" in text and "approved by paulo-po" in text and "waiting on adam-sre" in text
    text, _, _ = ask("follow_up", "and its checks?", slots=slots)
    assert "PR #212" in text and "all 2 passed" in text
    text, _, _ = ask("follow_up", "same for petclinic-infra", slots=slots)
    assert "no pull request #212 in petclinic/petclinic-infra" in text


def test_a_pr_that_does_not_exist(pets: RunningSandbox) -> None:
    text, _, _ = ask("github_pr_status", "PR 999 in spring-petclinic")
    assert "There's no pull request #999 in petclinic/spring-petclinic" in text
    text, _, _ = ask("github_pr_status", "PR 999")
    assert "can't find PR #999" in text and "petclinic-infra" in text


def test_no_number_asks_which(pets: RunningSandbox) -> None:
    text, _, _ = ask("github_pr_status", "is it approved yet?")
    assert text.startswith("Which pull request?")


def test_pr_number_in_a_list_question_answers_the_pr(pets: RunningSandbox) -> None:
    text, _, _ = ask("github_pull_requests", "show me pull request #34")
    assert "PR #34 in petclinic/petclinic-infra" in text and "changes requested by dan-dev" in text


# -- issues ---------------------------------------------------------------------------------------------------
def test_good_first_issues_and_assignees(pets: RunningSandbox) -> None:
    text, _, _ = ask("github_issues", "good first issues")
    assert numbers(text) == [198] and "good first issue" in text
    text, _, _ = ask("github_issues", "issues assigned to adam")
    assert "petclinic-infra#12" in text and "assigned to adam-sre" in text


def test_labels_of_the_repo_are_read_live(acme: RunningSandbox) -> None:
    text, slots, _ = ask("github_issues", "high priority bugs in settlement-engine")
    assert numbers(text) == [86] and slots["github_filters"]["labels"] == ["bug", "priority: high"]
    text, _, _ = ask("github_issues", "what's on Maria's plate?")
    assert numbers(text) == [86]


def test_same_for_another_repo_keeps_the_filters(pets: RunningSandbox) -> None:
    _, slots, _ = ask("github_issues", "any open bugs in spring-petclinic?")
    text, _, _ = ask("follow_up", "same for petclinic-infra", slots=slots)
    assert text.startswith("No open bugs in petclinic/petclinic-infra")


def test_one_issue_by_number(pets: RunningSandbox) -> None:
    text, _, _ = ask("github_issues", "what's issue 209 about in spring-petclinic")
    assert "Issue #209" in text and "Assigned to dan-dev" in text and "3 comments" in text


# -- releases, commits, GitHub Actions ---------------------------------------------------------------------------
def test_release_candidates_and_lists(acme: RunningSandbox) -> None:
    text, _, _ = ask("github_releases", "is there a release candidate for settlement-engine?")
    assert text.startswith("Yes: 2 pre-releases") and "v2.5.0-rc.2" in text and "v2.4.1" not in text
    text, _, _ = ask("github_releases", "is there an rc for card-vault")
    assert text.startswith("No release candidate")
    text, _, _ = ask("github_releases", "list releases of settlement-engine")
    assert "v2.4.0" in text and "v2.6.0" not in text


def test_no_repo_named_picks_the_most_active_and_says_so(pets: RunningSandbox) -> None:
    text, _, messages = ask("github_releases", "is there a release candidate?")
    assert "v3.2.1-rc1" in text and "I picked petclinic/spring-petclinic" in text
    assert [b["title"] for b in messages[0]["buttons"]] == ["Same for petclinic-infra"]


def test_last_commits_and_a_time_window(acme: RunningSandbox) -> None:
    text, _, _ = ask("github_commits", "last 2 commits on settlement-engine")
    assert text.startswith("Last 2 commits on main in acme/settlement-engine")
    assert "d896e92" in text and "41e5d15" in text and "4842de5" not in text
    text, _, _ = ask("github_commits", "commits on card-vault this week", {"time_range": "this week"})
    assert "trunk" in text and "acme/card-vault" in text


def test_what_changed_today_always_names_the_last_commit(pets: RunningSandbox) -> None:
    # Whether 5 h 45 min ago was still today depends on the clock: either way the answer names it.
    text, _, _ = ask("github_commits", "what changed on main today?", {"branch": "main", "time_range": "today"})
    assert "77c01b3" in text and "on main in petclinic/spring-petclinic" in text


def test_follow_up_to_another_repo_uses_its_default_branch(acme: RunningSandbox) -> None:
    _, slots, _ = ask("github_workflow_runs", "is CI green on main?", {"branch": "main"})
    text, _, _ = ask("follow_up", "same for card-vault", slots=slots)
    assert text.startswith("Yes: CI is green on trunk in acme/card-vault")
    _, slots, _ = ask("github_commits", "last 2 commits on settlement-engine")
    text, _, _ = ask("follow_up", "and for the chargeback repo?", slots=slots)
    assert "acme/chargeback-desk" in text and "0a91d06" in text


def test_configured_org_and_default_repo(pets: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    from backends.github import service as github_service
    from common import settings as settings_module

    monkeypatch.setenv("GITHUB_ORG", "petclinic")
    monkeypatch.setenv("GITHUB_DEFAULT_REPO", "petclinic/petclinic-infra")
    settings_module.reset()
    github_service.reset()
    text, _, _ = ask("github_releases", "latest release?")
    assert text.startswith("petclinic/petclinic-infra has no published release yet") and "I picked" not in text
    text, _, _ = ask("github_pull_requests", "open pull requests")
    assert numbers(text) == [216, 34, 215, 212] and "across petclinic" in text
    text, _, _ = ask("github_pr_status", "what's the status of PR 34")
    assert "PR #34 in petclinic/petclinic-infra" in text
    assert pets.state("github").counts["/orgs/petclinic/repos"] == 1


def test_unknown_branch(pets: RunningSandbox) -> None:
    text, _, _ = ask("github_commits", "commits on spring-petclinic", {"branch": "nope"})
    assert "There's no branch \"nope\" in petclinic/spring-petclinic" in text


def test_is_ci_green(pets: RunningSandbox) -> None:
    text, _, _ = ask("github_workflow_runs", "is CI green on main?", {"branch": "main"})
    assert text.startswith("Yes: CI is green on main in petclinic/spring-petclinic")
    assert "CodeQL" in text and "/actions/runs/9001" in text


def test_is_ci_green_acme_is_red(acme: RunningSandbox) -> None:
    text, _, _ = ask("github_workflow_runs", "is CI green on main?")
    assert text.startswith("No: e2e-nightly is red on main in acme/settlement-engine")
    text, _, _ = ask("github_workflow_runs", "is ci green on trunk in card-vault")
    assert text.startswith("Yes: CI is green on trunk in acme/card-vault")


def test_failed_runs_and_runs_of_a_pr(acme: RunningSandbox) -> None:
    text, _, _ = ask("github_workflow_runs", "which workflow runs failed?")
    assert "2 failed workflow runs" in text and "7303" in text and "7302" in text and "(PR #87)" in text
    text, slots, _ = ask("github_workflow_runs", "CI runs for PR 88")
    assert "okafor/parquet-export" in text and "running" in text and slots["github_pr"] == "88"


# -- names: ambiguity, unknown, buttons -----------------------------------------------------------------------------
def test_ambiguous_repo_asks_which_with_buttons(pets: RunningSandbox) -> None:
    text, _, messages = ask("github_releases", "latest release", {"github_repo": "petclinic"})
    assert text.startswith("Which repository do you mean?")
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads == ['/github_releases{"github_repo":"petclinic/spring-petclinic"}',
                        '/github_releases{"github_repo":"petclinic/petclinic-infra"}'] or sorted(payloads) == sorted(
        ['/github_releases{"github_repo":"petclinic/spring-petclinic"}',
         '/github_releases{"github_repo":"petclinic/petclinic-infra"}'])


def test_a_click_on_which_repository_answers_the_original_question(pets: RunningSandbox) -> None:
    text, slots, messages = ask("github_issues", "open bugs in petclinic", {"github_repo": "petclinic"})
    assert text.startswith("Which repository do you mean?")
    click = next(b["payload"] for b in messages[0]["buttons"] if "spring-petclinic" in b["payload"])
    text, _, _ = ask("github_issues", click, {"github_repo": "petclinic/spring-petclinic"}, slots=slots)
    assert numbers(text) == [209, 198] and "open bugs in petclinic/spring-petclinic" in text


def test_same_for_another_repo_button_keeps_the_question(pets: RunningSandbox) -> None:
    text, slots, messages = ask("github_releases", "is there a release candidate?")
    click = messages[0]["buttons"][0]["payload"]
    text, _, _ = ask("github_releases", click, {"github_repo": "petclinic/petclinic-infra"}, slots=slots)
    assert text.startswith("No release candidate or other pre-release of petclinic/petclinic-infra")


def test_the_org_name_means_the_whole_org(pets: RunningSandbox) -> None:
    text, _, _ = ask("github_pull_requests", "open PRs across petclinic")
    assert numbers(text) == [216, 34, 215, 212]


def test_unknown_repo_suggests(acme: RunningSandbox) -> None:
    text, _, _ = ask("github_pull_requests", "open PRs on settlment-engin", {"github_repo": "settlment-engin"})
    assert numbers(text) == [88, 87, 85]  # a typo still resolves
    text, _, _ = ask("github_releases", "latest release of ledgerbook", {"github_repo": "ledgerbook"})
    assert text.startswith("I can't find a repository \"ledgerbook\"") and "v1.8.0" not in text


def test_a_button_click_answers_exactly(acme: RunningSandbox) -> None:
    text, _, _ = ask("github_pr_status", '/github_pr_status{"github_repo":"acme/card-vault","github_number":"41"}',
                     {"github_repo": "acme/card-vault", "github_number": "41"})
    assert "PR #41 in acme/card-vault" in text


def test_teams_gets_an_adaptive_card_with_a_link_and_next_steps(pets: RunningSandbox) -> None:
    _, _, messages = ask("github_pr_status", "status of PR 215", channel="teams")
    card = messages[0]["custom"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert card["body"][0]["color"] == "Attention"
    kinds = [a["type"] for a in card["actions"]]
    assert kinds[0] == "Action.OpenUrl" and card["actions"][0]["url"].endswith("/petclinic/spring-petclinic/pull/215")
    assert "Action.Submit" in kinds
    submit = next(a for a in card["actions"] if a["type"] == "Action.Submit")
    assert submit["data"]["rasa_payload"].startswith("/github_workflow_runs{")


# -- faults ------------------------------------------------------------------------------------------------------------
def test_rate_limit_says_when_it_resets(pets: RunningSandbox) -> None:
    rate_limit(pets, resource="search", remaining=0, reset_in=900)
    text, _, _ = ask("github_pull_requests", "open PRs on spring-petclinic")
    assert "GitHub is rate-limiting me until" in text and re.search(r"\d\d:\d\d", text)


def test_github_down_or_refusing(pets: RunningSandbox) -> None:
    fault(pets, status=401)
    text, _, _ = ask("github_issues", "open bugs in spring-petclinic")
    assert "GitHub rejected my credentials" in text
    fault(pets, status=503)
    text, _, _ = ask("github_releases", "latest release of spring-petclinic")
    assert text.startswith("GitHub sent an answer I couldn't read")
    fault(pets, malformed=True)
    text, _, _ = ask("github_commits", "last commits on spring-petclinic")
    assert text.startswith("GitHub sent an answer I couldn't read")


# -- cost --------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("intent", "text", "most"), [
    ("github_pull_requests", "show me open PRs on spring-petclinic", 1),
    ("github_pull_requests", "which PRs are waiting on review from adam", 1),
    ("github_issues", "any open bugs in spring-petclinic?", 1),
    ("github_pr_status", "what's going on with PR 215", 5),
    ("github_pr_status", "status of PR 212 in spring-petclinic", 4),
    ("github_releases", "latest release of spring-petclinic", 2),
    ("github_releases", "is there a release candidate for spring-petclinic", 1),
    ("github_commits", "last 5 commits on spring-petclinic", 1),
    ("github_workflow_runs", "is CI green on main?", 1),
    ("github_workflow_runs", "CI runs of PR 215 in spring-petclinic", 2),
])
def test_requests_per_question_once_names_are_known(pets: RunningSandbox, intent: str, text: str,
                                                   most: int) -> None:
    ask("github_issues", "open bugs in spring-petclinic")  # warms the name caches (repos, members, labels)
    ask("github_pull_requests", "PRs by adam")
    from backends.github import service as github_service

    github_service.service()._searches.cache.clear()  # an identical search within 30 s would cost nothing
    pets.state("github").counts.clear()
    ask(intent, text)
    assert 1 <= requests_made(pets) <= most


# -- acceptance findings (Acme world) ------------------------------------------------------------------------------
def turn(intent: str, text: str, slots: dict[str, Any], entities: dict[str, str] | None = None
         ) -> tuple[str, dict[str, Any], list[dict]]:
    """One turn of a conversation: the reply, the conversation's slots after it, the messages."""
    reply, slots_set, messages = ask(intent, text, entities, slots=dict(slots))
    return reply, {**slots, **slots_set}, messages


def test_pr_follow_ups_stay_on_the_pr(acme: RunningSandbox) -> None:
    # Finding 8: the NLU reads "who … review it" as the PR list; with a PR in context it is that PR's status.
    _, slots, _ = turn("github_pr_status", "whats up with PR 87", {})
    text, slots, _ = turn("github_pull_requests", "who still needs to review it?", slots)
    assert text.startswith("PR #87 in acme/settlement-engine") and "waiting on mfernandes" in text
    assert "#41" not in text and slots["last_question"] == "action_github_pr_status"
    text, slots, _ = turn("follow_up", "and its checks?", slots)
    assert text.startswith("PR #87") and "2 failing (unit-tests and integration (postgres))" in text


def test_a_list_question_after_a_pr_is_still_a_list(acme: RunningSandbox) -> None:
    _, slots, _ = turn("github_pr_status", "whats up with PR 87", {})
    text, slots, _ = turn("github_pull_requests", "which PRs are waiting on review?", slots)
    assert numbers(text) == [87, 41] and slots["github_pr"] is None
    text, _, _ = turn("github_pull_requests", "who still needs to review it?", slots)
    assert "PR #87 in" not in text  # after a list of two, "it" is no longer one PR


def test_ci_runs_for_it_are_the_prs_runs(acme: RunningSandbox) -> None:
    _, slots, _ = turn("github_pr_status", "pr 41 in card-vault?", {})
    text, _, messages = turn("github_workflow_runs", "CI runs for it", slots)
    assert text.startswith("No recent workflow runs on hsm-key-rotation (PR #41) in acme/card-vault")
    assert "trunk" not in text and messages[0]["buttons"][0]["title"] == "Status of #41"
    _, slots, _ = turn("github_pr_status", "status of PR 87", {})
    text, slots, _ = turn("github_workflow_runs", "CI runs for it", slots)
    assert "/runs/7303" in text and "/runs/7301" not in text and slots["github_pr"] == "87"


def test_the_parquet_pr_is_found_by_its_title(acme: RunningSandbox) -> None:
    _, slots, _ = turn("github_pr_status", "pr 41 in card-vault?", {})
    text, slots, _ = turn("github_pr_status", "and the parquet PR?", slots)
    assert text.startswith("PR #88 in acme/settlement-engine: Export ledger entries as Parquet")
    text, _, _ = turn("github_workflow_runs", "CI runs for the parquet PR", slots)
    assert "okafor/parquet-export (PR #88)" in text and "/runs/7304" in text
    text, _, _ = turn("github_pr_status", "the PR about quantum teleportation", {})
    assert text.startswith('No open PRs about "quantum teleportation" across acme')
    text, _, _ = turn("github_pr_status", "what's the status of the renovate PR?", {})  # no title: its author
    assert text.startswith("PR #85 in acme/settlement-engine")


def test_commits_by_a_person(acme: RunningSandbox) -> None:
    # Finding 9: the author is resolved (display name or login) and filters the commits.
    text, slots, _ = turn("github_commits", "commits by jonas", {"github_repo": "acme/settlement-engine"})
    assert text.startswith("Last 2 commits by jbecker on main in acme/settlement-engine")
    assert "41e5d15" in text and "a248b8b" in text and "d896e92" not in text and "author=jbecker" in text
    text, _, _ = turn("follow_up", "same for card-vault", slots)
    assert text.startswith("No commits by jbecker on trunk in acme/card-vault") and "451598b" not in text
    text, _, _ = turn("github_commits", "what did okafor-c push in the last 3 days?",
                      {"github_repo": "acme/settlement-engine"}, {"time_range": "last 3 days"})
    assert text.startswith("1 commit by okafor-c on main") and "4842de5" in text and "41e5d15" not in text
    text, _, _ = turn("github_commits", "commits by kowalski", {})
    assert text.startswith('I can\'t find a GitHub user "kowalski"') and "commit" not in text.split(".")[1:2][0]


def test_commit_authors_include_contributors_outside_the_org(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Someone who commits but isn't an organisation member is still found, by a part of their login.
    from tests.support.github import point_github_at
    from tests.support.sandbox import start_sandbox

    world = tmp_path / "ledger.yaml"
    world.write_text("""
name: ledger
github:
  org: books
  users: [{login: ana-dev, name: Ana Souza}]
  repos:
    - full_name: books/ledger-tools
      default_branch: main
      commits:
        - {sha: 1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, author: kpark-contrib, message: "Parse CAMT.053", ago: 2h}
        - {sha: 2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb, author: ana-dev, message: "First commit", ago: 3d}
""")
    sandbox = start_sandbox(world)
    try:
        point_github_at(sandbox, monkeypatch)
        text, _, _ = ask("github_commits", "commits by kpark")
        assert text.startswith("Latest commit by kpark-contrib on main in books/ledger-tools") and "1111111" in text
        assert "2222222" not in text
    finally:
        sandbox.stop_thread()


def test_the_other_repo_asks_which_of_several(acme: RunningSandbox) -> None:
    # Finding 16: two other repositories → which one (buttons); the click answers the list question there.
    _, slots, _ = turn("github_pull_requests", "what PRs are open in settlement-engine?", {})
    text, slots, messages = turn("follow_up", "and the other repo?", slots)
    assert text.startswith("Which repository do you mean? card-vault, chargeback-desk?")
    click = messages[0]["buttons"][0]["payload"]
    assert click == '/github_pull_requests{"github_repo":"acme/card-vault"}'
    text, _, _ = turn("github_pull_requests", click, slots, {"github_repo": "acme/card-vault"})
    assert numbers(text) == [41] and "open PR in acme/card-vault" in text


def test_the_other_repo_when_there_is_one(pets: RunningSandbox) -> None:
    _, slots, _ = turn("github_pull_requests", "show me open PRs on spring-petclinic", {})
    text, _, _ = turn("follow_up", "and the other repo?", slots)
    assert numbers(text) == [34] and "in petclinic/petclinic-infra" in text


def test_same_for_after_an_issue_number_lists_that_repos_issues(acme: RunningSandbox) -> None:
    # Finding 16: an issue number belongs to its repository, and the list before it was left behind.
    _, slots, _ = turn("github_issues", "what's assigned to chidi?", {})
    _, slots, _ = turn("github_issues", "issue 86", slots)
    text, _, _ = turn("follow_up", "same for card-vault", slots)
    assert text.startswith("1 open issue in acme/card-vault") and numbers(text) == [39] and "okafor-c" not in text[:60]


def test_merge_is_refused_plainly_with_the_prs_mergeability(acme: RunningSandbox) -> None:
    # Finding 17: never an answer that reads as if it merged.
    text, _, _ = ask("github_pr_status", "merge PR 85")
    lines = text.splitlines()
    assert lines[0] == "I can't merge pull requests: opsbot only reads GitHub, so nothing was changed."
    assert "Mergeable into main. It is 4 commits behind main and needs updating." in text
    assert "approved by jbecker" in text and lines[-1].endswith("/acme/settlement-engine/pull/85")
    _, slots, _ = turn("github_pr_status", "status of #41", {})
    text, _, _ = turn("github_pull_requests", "please merge it", slots)
    assert text.startswith("I can't merge pull requests") and "PR #41 in acme/card-vault" in text
    text, _, _ = ask("github_issues", "close issue 86")
    assert text.startswith("I can't close issues") and "/acme/settlement-engine/issues/86" in text


@pytest.mark.parametrize(("text", "entities", "said"), [
    ("show me PRs in ../../etc/passwd", {}, "../../etc/passwd"),
    ("open PRs in payments-api", {"github_repo": "payments-api"}, "payments-api"),
    ("open PRs in payments-api", {}, "payments-api"),
])
def test_an_unknown_repository_is_said_with_the_ones_there_are(acme: RunningSandbox, text: str,
                                                                 entities: dict[str, str], said: str) -> None:
    # Finding 17 (and 13 for repositories): not silently the whole organisation, and never a bare "which one?".
    reply, _, messages = ask("github_pull_requests", text, entities)
    assert reply.startswith(f'I can\'t find a repository "{said}"') and "#88" not in reply
    assert "settlement-engine, card-vault and chargeback-desk" in reply
    assert messages[0]["buttons"][0]["payload"] == '/github_pull_requests{"github_repo":"acme/settlement-engine"}'


def test_a_members_login_where_a_repo_could_go_is_a_person(acme: RunningSandbox) -> None:
    text, _, _ = ask("github_pull_requests", "PRs for okafor-c")
    assert numbers(text) == [88] and "by okafor-c" in text


def test_prs_stuck_on_review_for_more_than_a_day(acme: RunningSandbox) -> None:
    # Finding 20: age and review state filter; drafts are not stuck.
    text, _, _ = ask("github_pull_requests", "any PRs stuck on review for more than a day?")
    assert numbers(text) == [41] and "waiting on review opened more than a day ago" in text
    text, _, _ = ask("github_pull_requests", "PRs older than 2 days in settlement-engine")
    assert numbers(text) == [85]
    text, _, _ = ask("github_pull_requests", "any PRs stuck for more than an hour?")
    assert numbers(text) == [87, 41, 85] and "not counting drafts" in text


def test_a_single_release_is_not_latest_1(acme: RunningSandbox) -> None:
    text, _, _ = ask("github_releases", "list releases of card-vault")
    assert text.startswith("Only one release of acme/card-vault:") and "v1.8.0" in text
