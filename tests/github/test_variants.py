"""GitHub as it really varies (sandbox/worlds/github-variants.yaml, issue #18 items 2, 7 and 8), each item on
both of its variants: a repository with and without branch protection that requires reviews, a PR behind its
base from a fork and from the repository itself, and the null or absent fields GitHub's description allows
next to the same fields present."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import requests

from backends.github import service as github_service
from backends.github.service import IssueFilter, PullFilter, Repo, Scope
from sandbox.server import RunningSandbox
from tests.support.github import ask, fault, numbers, requests_made
from tests.support.sandbox import TEST_CREDENTIALS

LUMEN = Scope(owners=(("lumen", True),))


def run(coroutine):
    return asyncio.run(coroutine)


def served(sandbox: RunningSandbox, path: str, **params: str) -> Any:
    """What the fake GitHub answers, as JSON (to show the variant is really in the answer)."""
    response = requests.get(sandbox.url("github") + path, params=params, timeout=10,
                            headers={"Authorization": f"token {TEST_CREDENTIALS['GITHUB_TOKEN']}"})
    return response.status_code, response.json()


def searched(sandbox: RunningSandbox, query: str) -> list[int]:
    status, body = served(sandbox, "/search/issues", q=query, sort="created", order="desc")
    assert status == 200
    return [item["number"] for item in body["items"]]


def repo(name: str) -> Repo:
    return next(r for r in run(github_service.service().repos()) if r.name == name)


# -- item 2: "waiting on review" ------------------------------------------------------------------------------
def test_waiting_on_review_where_branch_protection_requires_reviews(variants: RunningSandbox) -> None:
    text, _, _ = ask("github_pull_requests", "which PRs are waiting on review in ledger?")
    # 56: nobody asked yet, 53: only commented on, 51: a reviewer requested; not 52 (approved), 55 (changes
    # requested: the author's move) or 54 (a draft)
    assert numbers(text) == [56, 53, 51] and "3 open PRs waiting on review in lumen/ledger" in text


def test_waiting_on_review_where_no_review_is_required(variants: RunningSandbox) -> None:
    text, _, _ = ask("github_pull_requests", "which PRs are waiting on review in webapp?")
    assert numbers(text) == [14, 12] and "2 open PRs waiting on review in lumen/webapp" in text
    assert "No open PRs" not in text  # what `review:required` made opsbot say here


def test_review_required_is_githubs_branch_protection_qualifier(variants: RunningSandbox) -> None:
    # GitHub: `review:required` "matches pull requests that require a review before they can be merged"
    assert searched(variants, "is:pr is:open draft:false review:required repo:lumen/webapp") == []
    assert searched(variants, "is:pr is:open draft:false review:required repo:lumen/ledger") == [56, 53, 51]
    # `review:none`: not reviewed at all (53 was commented on); `review:approved`: a reviewer approved
    assert searched(variants, "is:pr is:open review:none repo:lumen/ledger") == [56, 54, 51]
    assert searched(variants, "is:pr is:open review:approved org:lumen") == [13, 52]
    assert searched(variants, "is:pr is:open review:changes_requested org:lumen") == [55]
    waiting = "is:pr is:open draft:false -review:approved -review:changes_requested org:lumen"
    assert searched(variants, waiting) == [56, 14, 53, 51, 12]


def test_the_question_asks_what_every_repository_can_answer(variants: RunningSandbox) -> None:
    gh = github_service.service()
    web = repo("ledger").web_base
    page = run(gh.search_pulls(LUMEN, PullFilter(review="waiting", draft=False), web))
    assert "review:required" not in page.query and "-review:approved -review:changes_requested" in page.query
    assert [p.number for p in page.items] == [56, 14, 53, 51, 12]
    # a conversation's filters from before say "required": the same question
    legacy = run(gh.search_pulls(LUMEN, PullFilter(review="required", draft=False), web))
    assert legacy.query == page.query


def test_unreviewed_means_not_reviewed_at_all(variants: RunningSandbox) -> None:
    text, slots, _ = ask("github_pull_requests", "unreviewed PRs in ledger")
    assert numbers(text) == [56, 51] and "not reviewed yet" in text  # 53 has a review (a comment), 54 is a draft
    assert slots["github_filters"]["review"] == "none"


# -- item 7: behind its base, from a fork and from the repository ------------------------------------------
@pytest.mark.parametrize(("name", "number", "branches", "behind"), [
    ("ledger", 53, "fix-rounding → main", 3),  # from outside-contrib's fork
    ("webapp", 14, "chore/react-19 → main", 2),  # a branch of the repository
])
def test_a_pr_behind_its_base_is_counted(variants: RunningSandbox, name: str, number: int, branches: str,
                                         behind: int) -> None:
    text, _, _ = ask("github_pr_status", f"status of PR {number} in {name}")
    assert f"PR #{number} in lumen/{name}" in text and branches in text
    assert f"It is {behind} commits behind main and needs updating." in text


def test_a_forks_branch_is_compared_by_its_owner(variants: RunningSandbox) -> None:
    status, head = served(variants, "/repos/lumen/ledger/pulls/53")
    assert head["head"]["label"] == "outside-contrib:fix-rounding" and head["head"]["repo"]["fork"] is True
    # what opsbot asked before: the fork's branch by its bare name, which the base repository doesn't have
    assert served(variants, "/repos/lumen/ledger/compare/main...fix-rounding")[0] == 404
    status, body = served(variants, "/repos/lumen/ledger/compare/lumen:main...outside-contrib:fix-rounding")
    assert status == 200 and body["behind_by"] == 3
    status, body = served(variants, f"/repos/lumen/ledger/compare/main...{head['head']['sha']}")
    assert status == 200 and body["behind_by"] == 3
    pull = run(github_service.service().pull(repo("ledger"), 53))
    assert pull.mergeable_state == "behind" and pull.behind_by == 3


@pytest.mark.parametrize(("name", "number"), [("ledger", 53), ("webapp", 14)])
def test_a_failed_compare_leaves_behind_unknown(variants: RunningSandbox, name: str, number: int) -> None:
    fault(variants, status=502, paths=f"/repos/lumen/{name}/compare/")
    detail = run(github_service.service().pull(repo(name), number))
    assert detail.mergeable_state == "behind" and detail.behind_by is None
    text, _, _ = ask("github_pr_status", f"status of PR {number} in {name}")
    assert text.startswith(f"PR #{number} in lumen/{name}") and "Checks: all 1 passed." in text
    assert "It is behind main and needs updating." in text and "commits behind" not in text


# -- item 8: fields GitHub's description lets be null or absent ------------------------------------------------
def test_an_issue_whose_author_is_gone(variants: RunningSandbox) -> None:
    assert served(variants, "/repos/lumen/ledger/issues/40")[1]["user"] is None
    text, _, _ = ask("github_issues", "open issues in ledger")
    assert "#40 Ledger totals drift after midnight [bug], opened by ghost" in text
    assert "#41 Document the posting API [needs triage], opened by kofi-qa" in text
    text, _, _ = ask("github_issues", "issue 40 in ledger")
    assert "Issue #40 in lumen/ledger" in text and "Opened by ghost" in text


def test_a_label_without_a_name(variants: RunningSandbox) -> None:
    _, body = served(variants, "/search/issues", q="repo:lumen/ledger is:issue is:open")
    forty = next(item for item in body["items"] if item["number"] == 40)
    assert [label.get("name") for label in forty["labels"]] == ["bug", None] and "name" not in forty["labels"][1]
    page = run(github_service.service().search_issues(Scope(repos=(repo("ledger"),)), IssueFilter(), ""))
    assert [(i.number, i.author, i.labels) for i in page.items] == [
        (41, "kofi-qa", ("needs triage",)), (40, "ghost", ("bug",))]


def test_a_pr_without_requested_reviewers(variants: RunningSandbox) -> None:
    assert "requested_reviewers" not in served(variants, "/repos/lumen/ledger/pulls/56")[1]
    gh = github_service.service()
    assert run(gh.pull(repo("ledger"), 56)).requested == []
    assert run(gh.pull(repo("ledger"), 51)).requested == ["tomas-ops"]
    text, _, _ = ask("github_pr_status", "status of PR 56 in ledger")
    assert "Reviews: none yet, and no reviewer requested." in text
    assert "Mergeable into main but blocked (required reviews or checks missing)." in text


def test_runs_with_null_pull_requests_and_without_a_name_take_one_request(variants: RunningSandbox) -> None:
    _, body = served(variants, "/repos/lumen/ledger/actions/runs")
    raw = {r["id"]: r for r in body["workflow_runs"]}
    assert raw[8101]["pull_requests"] is None and "name" not in raw[8102] and raw[8103]["name"] == "CI"
    ledger = repo("ledger")
    variants.state("github").counts.clear()
    found = {r.id: r for r in run(github_service.service().workflow_runs(ledger))}
    assert requests_made(variants) == 1  # no run is fetched again for its name
    assert found[8101].pull_numbers == () and found[8101].name == "CI"
    assert found[8102].name == "nightly-reconcile.yml" and found[8102].outcome == "failed"
    text, _, _ = ask("github_workflow_runs", "CI runs in ledger")
    assert "nightly-reconcile.yml on main: failed" in text and "CI on main: passed" in text


def test_a_fork_prs_runs_are_found_by_its_branch(variants: RunningSandbox) -> None:
    _, body = served(variants, "/repos/lumen/ledger/actions/runs", branch="fix-rounding")
    assert [r["pull_requests"] for r in body["workflow_runs"]] == [[]]  # GitHub lists no PR from a fork there
    text, _, _ = ask("github_workflow_runs", "CI runs for PR 53 in ledger")
    assert "on fix-rounding (PR #53) in lumen/ledger" in text and "/actions/runs/8103" in text


def test_a_check_run_without_a_check_suite(variants: RunningSandbox) -> None:
    _, pull = served(variants, "/repos/lumen/ledger/pulls/51")
    _, checks = served(variants, f"/repos/lumen/ledger/commits/{pull['head']['sha']}/check-runs")
    assert [c["check_suite"] for c in checks["check_runs"]] == [None, None]
    text, _, _ = ask("github_pr_status", "status of PR 51 in ledger")
    assert "Checks: 1 failing (lint), 1 passed." in text and "Reviews: waiting on tomas-ops." in text
    _, pull = served(variants, "/repos/lumen/ledger/pulls/52")
    _, checks = served(variants, f"/repos/lumen/ledger/commits/{pull['head']['sha']}/check-runs")
    assert checks["check_runs"][0]["check_suite"]["id"] > 0
    text, _, _ = ask("github_pr_status", "status of PR 52 in ledger")
    assert "Checks: all 1 passed." in text and "approved by kofi-qa" in text
