"""GitHub's official example responses (openapi_subset.json), and each of their fields that the description
lets be null or absent made so one at a time, go through the facade over HTTP (a stub serves them) and the
renderers without a crash: the answer is given, naming what the example holds when the field read is there.

A crash here is what a user sees as "Sorry, something went wrong" for an answer GitHub is allowed to give."""

from __future__ import annotations

import asyncio
import dataclasses
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from backends.github import render
from backends.github import service as github_service
from backends.github.service import GitHubService, IssueFilter, PullFilter, Repo, Scope
from common import settings as settings_module
from tests.contracts.github import openapi
from tests.contracts.github.stub import ROUTES, StubGitHub, default_body

REPO = Repo("octocat/Hello-World", "Hello-World", "octocat", False, "https://github.com/octocat/Hello-World", "main")
SCOPE = Scope(repos=(REPO,))


def run(coroutine):
    return asyncio.run(coroutine)


def behind(pull: Any) -> Any:
    """The example PR, said to be behind its base, so that its status asks for the compare too."""
    return {**pull, "mergeable_state": "behind"} if isinstance(pull, dict) and "mergeable_state" in pull else pull


# -- what the facade does with each operation, and how the answer is rendered ---------------------------------
def pulls_searched(gh: GitHubService) -> list[str]:
    page = run(gh.search_pulls(SCOPE, PullFilter(review="waiting"), REPO.web_base))
    issues = run(gh.search_issues(SCOPE, IssueFilter(), REPO.web_base))
    return [render.pull_list(page, "open PRs", "in octocat/Hello-World").text,
            render.issue_list(issues, "open issues", "in octocat/Hello-World").text]


def pull_status(gh: GitHubService) -> list[str]:
    detail = run(gh.pull(REPO, 1347))
    return [render.pull_detail(detail).text, render.read_only_pull("merge", detail).text]


def runs(gh: GitHubService) -> list[str]:
    found = run(gh.workflow_runs(REPO))
    return [render.run_list(REPO, found, "recent workflow runs").text, render.ci_verdict(REPO, "main", found).text]


def releases(gh: GitHubService) -> list[str]:
    found = run(gh.releases(REPO))
    return [render.release_list(REPO, found, False).text, render.latest_release(REPO, None, found).text]


def latest(gh: GitHubService) -> list[str]:
    return [render.latest_release(REPO, run(gh.latest_release(REPO)), []).text]


def one_repo(gh: GitHubService) -> list[str]:
    repo = run(gh.repo("octocat/Hello-World"))
    return [render.release_list(repo, [], False).text, repo.full_name, repo.web_base]


def repo_list(gh: GitHubService) -> list[str]:
    """The organisation's repositories (GITHUB_ORG is set for these tests)."""
    names = [r.full_name for r in run(gh.repos())]
    return [render.unknown_repo("nothing-like-it", names, len(names)).text]


def my_repo_list(gh: GitHubService) -> list[str]:
    """Without GITHUB_ORG: the repositories the token sees."""
    return repo_list(GitHubService(dataclasses.replace(gh.config, org=""), gh.timeout))


def members(gh: GitHubService) -> list[str]:
    return [render.unknown_person("nobody", [], [p.label for p in run(gh.members("octocat"))]).text]


def profile(gh: GitHubService) -> list[str]:
    person = run(gh.profile("octocat"))
    return [person.label if person else "no such user"]


def issue(gh: GitHubService) -> list[str]:
    found = run(gh.issue(REPO, 1347))
    return [render.issue_detail(found).text if found else "no such issue"]


def commits(gh: GitHubService) -> list[str]:
    found = run(gh.commits(REPO))
    return [render.commit_list(REPO, "main", found, "", None).text]


def names(gh: GitHubService) -> list[str]:
    return [", ".join(run(gh.labels(REPO))), ", ".join(run(gh.branches(REPO))),
            ", ".join(p.login for p in run(gh.contributors(REPO)))]


# operationId → (the facade's use of it, words the default example's answer must contain)
USES: dict[str, tuple[Callable[[GitHubService], list[str]], tuple[str, ...]]] = {
    "search/issues-and-pull-requests": (pulls_searched, (
        "280 open PRs", "#132 Line Number Indexes Beyond 20 Not Displayed, by Nick3C", "[bug]")),
    "pulls/get": (pull_status, ("PR #1347 in octocat/Hello-World: Amazing new feature (open)",
                                "new-topic → master", "waiting on other_user")),
    "pulls/list-reviews": (pull_status, ("PR #1347", "approved by octocat")),
    "repos/compare-commits-with-basehead": (pull_status, ("It is 2 commits behind master",)),
    "checks/list-for-ref": (pull_status, ("PR #1347", "Checks: all 3 passed")),
    "repos/get-combined-status-for-ref": (pull_status, ("PR #1347", "Checks: all 3 passed")),
    "actions/list-workflow-runs-for-repo": (runs, ("Build on master: running", "/actions/runs/30433642")),
    "repos/list-releases": (releases, ("Only one release of octocat/Hello-World", "v1.0.0")),
    "repos/get-latest-release": (latest, ("Latest release of octocat/Hello-World: v1.0.0",)),
    "repos/get": (one_repo, ("octocat/Hello-World", "https://github.com")),
    "repos/list-for-org": (repo_list, ("octocat/Hello-World",)),
    "repos/list-for-authenticated-user": (my_repo_list, ("octocat/Hello-World",)),
    "orgs/list-members": (members, ("octocat",)),
    "users/get-by-username": (profile, ("monalisa octocat (octocat)",)),
    "issues/get": (issue, ("#1347 in octocat/Hello-World: Found a bug", "Labels: bug", "Assigned to octocat")),
    "repos/list-commits": (commits, ("6dcb09b", "Fix all the bugs", "(octocat,")),
    "issues/list-labels-for-repo": (names, ("bug, enhancement",)),
    "repos/list-branches": (names, ("master",)),
    "repos/list-contributors": (names, ("octocat",)),
}
# Served by the sandbox (tests/contracts/github/test_sandbox_contract.py) but never asked by the facade.
NOT_READ = {"pulls/list", "repos/get-release-by-tag"}


def test_every_kept_operation_is_read_by_the_facade_or_said_not_to_be() -> None:
    kept = set(openapi.description()["operations"])
    assert set(USES) | NOT_READ == kept and not set(USES) & NOT_READ
    assert set(ROUTES.values()) == set(USES)


@pytest.fixture(scope="module")
def stub() -> Iterator[StubGitHub]:
    served = StubGitHub().start()
    yield served
    served.stop()


@pytest.fixture()
def facade(stub: StubGitHub, monkeypatch: pytest.MonkeyPatch) -> Callable[[], GitHubService]:
    """A fresh facade (no cached answer) on the stub, each time it is called."""
    monkeypatch.setenv("GITHUB_API_URL", stub.url)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_contract0042")
    monkeypatch.setenv("GITHUB_ORG", "octocat")
    for name in ("GITHUB_DEFAULT_REPO", "OPSBOT_HTTP_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    settings_module.reset()

    def fresh() -> GitHubService:
        github_service.reset()
        return github_service.service()

    yield fresh
    stub.bodies.clear()
    github_service.reset()
    settings_module.reset()


def bodies_for(operation_id: str, body: Any) -> dict[str, Any]:
    """What the stub serves when `operation_id` answers `body`: the PR is behind its base (so its status asks
    the compare) unless the PR itself is the body."""
    served = {"pulls/get": behind(default_body("pulls/get"))}
    served[operation_id] = behind(body) if operation_id == "pulls/get" else body
    return served


def answer(stub: StubGitHub, facade: Callable[[], GitHubService], operation_id: str, body: Any) -> str:
    stub.bodies.clear()
    stub.bodies.update(bodies_for(operation_id, body))
    before = stub.asked[operation_id]
    text = "\n".join(USES[operation_id][0](facade()))
    assert stub.asked[operation_id] > before, f"{operation_id} was not asked"
    return text


CASES = [(operation_id, name) for operation_id in USES for name in openapi.examples(operation_id)]


@pytest.mark.parametrize(("operation_id", "example"), CASES)
def test_official_examples_and_their_variants_are_answered(stub: StubGitHub, facade, operation_id: str,
                                                            example: str) -> None:
    body = openapi.examples(operation_id)[example]
    if example == "default":
        text = answer(stub, facade, operation_id, body)
        missing = [words for words in USES[operation_id][1] if words not in text]
        assert not missing, f"{operation_id}: {missing} not in\n{text}"
    crashed = []
    count = 0
    for change, variant in openapi.variants(operation_id, body):
        count += 1
        try:
            text = answer(stub, facade, operation_id, variant)
            assert text.strip(), "an empty answer"
        except Exception:  # every crash is collected and reported together
            crashed.append(f"{change}: {traceback.format_exc(limit=-3)}")
    assert not crashed, f"{operation_id} ({example}): {len(crashed)} of {count} variants crash:\n" + "\n".join(
        crashed[:5])
