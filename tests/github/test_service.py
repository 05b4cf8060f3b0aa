"""The GitHub facade over PyGithub, against the sandbox over real HTTP: typed results, request counts,
caching with ETag revalidation, and every fault mapped to a BackendError that names GitHub."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest

from backends.faults import BackendError, Fault
from backends.github import service as github_service
from backends.github.service import IssueFilter, PullFilter, Scope
from common import settings as settings_module
from sandbox.github.app import LIMITS_KEY
from sandbox.server import RunningSandbox
from tests.support.github import fault, rate_limit, requests_made


def run(coroutine):
    return asyncio.run(coroutine)


def rate_used(sandbox: RunningSandbox) -> int:
    return sandbox.apps["github"][LIMITS_KEY].buckets["core"].used


@pytest.fixture()
def gh(pets: RunningSandbox):
    """A fresh facade (no cached names) on the Pet Clinic sandbox."""
    return github_service.service()


def spring(gh) -> github_service.Repo:
    return next(r for r in run(gh.repos()) if r.name == "spring-petclinic")


def test_repositories_are_typed_and_cached(gh, pets: RunningSandbox) -> None:
    repos = run(gh.repos())
    assert {r.full_name for r in repos} == {"petclinic/spring-petclinic", "petclinic/petclinic-infra"}
    repo = spring(gh)
    assert repo.owner == "petclinic" and repo.owner_is_org and repo.default_branch == "main"
    assert repo.web_base == pets.url("github") and repo.pushed_at > 0
    pets.state("github").counts.clear()
    run(gh.repos())
    assert requests_made(pets) == 0


def test_stale_names_are_revalidated_with_an_etag(gh, pets: RunningSandbox,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    run(gh.repos())
    monkeypatch.setattr(gh._names, "ttl", 0.0)  # the lists are stale from now on
    before_requests, before_used = requests_made(pets), rate_used(pets)
    assert len(run(gh.repos())) == 2
    assert requests_made(pets) == before_requests + 1  # asked again…
    assert rate_used(pets) == before_used  # …and answered 304, which costs no rate limit


def test_search_pulls_is_one_request_with_typed_results(gh, pets: RunningSandbox) -> None:
    repo = spring(gh)
    pets.state("github").counts.clear()
    page = run(gh.search_pulls(Scope(repos=(repo,)), PullFilter(), repo.web_base))
    assert requests_made(pets) == 1
    assert [(p.number, p.draft) for p in page.items] == [(216, True), (215, False), (212, False)]
    assert page.total == 3 and page.items[1].author == "dependabot[bot]" and page.items[0].repo == repo.full_name
    assert page.url.startswith(repo.html_url + "/pulls?q=")
    across = run(gh.search_pulls(Scope(owners=(("petclinic", True),)), PullFilter(reviewer="adam-sre"),
                                 repo.web_base))
    assert [p.number for p in across.items] == [212] and "review-requested%3Aadam-sre" in across.url


def test_search_issues_by_label_and_assignee(gh) -> None:
    repo = spring(gh)
    bugs = run(gh.search_issues(Scope(repos=(repo,)), IssueFilter(labels=("bug",)), repo.web_base))
    assert [(i.number, i.labels) for i in bugs.items] == [(209, ("bug",)), (198, ("bug", "good first issue"))]
    mine = run(gh.search_issues(Scope(owners=(("petclinic", True),)), IssueFilter(assignee="adam-sre"),
                                repo.web_base))
    assert [(i.repo, i.number) for i in mine.items] == [("petclinic/petclinic-infra", 12)]


def test_pull_detail_in_four_requests(gh, pets: RunningSandbox) -> None:
    repo = spring(gh)
    pets.state("github").counts.clear()
    detail = run(gh.pull(repo, 215))
    assert requests_made(pets) == 4  # the PR, its check runs, its commit statuses, its reviews
    assert detail.title.startswith("Bump org.springframework.boot") and detail.author == "dependabot[bot]"
    assert [c.name for c in detail.checks_in("failing")] == ["build"]
    assert [c.name for c in detail.checks_in("passed")] == ["codeql"]
    assert detail.mergeable is True and detail.mergeable_state == "unstable" and not detail.draft
    reviewed = run(gh.pull(repo, 212))
    assert [(r.login, r.state) for r in reviewed.reviews] == [("paulo-po", "APPROVED")]
    assert reviewed.requested == ["adam-sre"]
    assert run(gh.pull(repo, 999)) is None


def test_a_known_pull_request_is_revalidated_with_its_etag(gh, pets: RunningSandbox,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    repo = spring(gh)
    assert run(gh.pull_exists(repo, 212))
    monkeypatch.setattr(gh._pulls, "ttl", 0.0)  # a PR seen before is stale from now on
    before = rate_used(pets)
    pets.state("github").counts.clear()
    assert run(gh.pull_head(repo, 212)) == "feature/vet-search"
    assert requests_made(pets) == 1 and rate_used(pets) == before  # a 304


def test_behind_base_is_counted_with_one_more_request(acme: RunningSandbox) -> None:
    gh = github_service.service()
    repo = next(r for r in run(gh.repos()) if r.name == "settlement-engine")
    acme.state("github").counts.clear()
    detail = run(gh.pull(repo, 85))
    assert detail.mergeable_state == "behind" and detail.behind_by == 4
    assert requests_made(acme) == 5


def test_releases_commits_and_runs(gh) -> None:
    repo = spring(gh)
    assert run(gh.latest_release(repo)).tag == "v3.2.0"
    assert [(r.tag, r.prerelease) for r in run(gh.releases(repo))] == [
        ("v3.2.1-rc1", True), ("v3.2.0", False), ("v3.1.2", False)]
    infra = next(r for r in run(gh.repos()) if r.name == "petclinic-infra")
    assert run(gh.latest_release(infra)) is None
    commits = run(gh.commits(repo, "main", limit=2))
    assert [(c.short_sha, c.author) for c in commits] == [("77c01b3", "adam-sre"), ("3b9d0c4", "dan-dev")]
    assert run(gh.commits(repo, "no-such-branch")) is None
    assert run(gh.commits(repo, "main", since=time.time() - 60)) == []
    runs = run(gh.workflow_runs(repo, status="failure"))
    assert [(r.id, r.outcome, r.pull_numbers) for r in runs] == [(9002, "failed", (215,))]
    assert [r.outcome for r in run(gh.workflow_runs(repo, branch="fix/owner-update"))] == ["running"]


def test_display_names_and_unknown_people(gh) -> None:
    assert [p.login for p in run(gh.members("petclinic"))] == ["dan-dev", "adam-sre", "paulo-po", "santhosh-sm"]
    assert run(gh.profile("adam-sre")).login == "adam-sre"
    assert run(gh.profile("nobody-at-all")) is None


# -- faults ------------------------------------------------------------------------------------------------
def error_of(coroutine) -> BackendError:
    with pytest.raises(BackendError) as caught:
        run(coroutine)
    assert caught.value.backend == "GitHub"
    return caught.value


def test_wrong_token_is_unauthorised(pets: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_wrong")
    settings_module.reset()
    github_service.reset()
    assert error_of(github_service.service().repos()).fault == Fault.UNAUTHORISED


def test_not_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    settings_module.reset()
    with pytest.raises(BackendError) as caught:
        github_service.service()
    assert caught.value.fault == Fault.NOT_CONFIGURED
    settings_module.reset()


def test_rate_limit_carries_the_reset_time(gh, pets: RunningSandbox) -> None:
    repo = spring(gh)
    rate_limit(pets, remaining=0, reset_in=900)
    error = error_of(gh.latest_release(repo))
    assert error.fault == Fault.RATE_LIMITED
    assert abs(error.retry_at.timestamp() - (time.time() + 900)) < 5


def test_secondary_rate_limit_waits_retry_after(gh, pets: RunningSandbox) -> None:
    repo = spring(gh)
    rate_limit(pets, secondary=True, retry_after=120)
    error = error_of(gh.search_pulls(Scope(repos=(repo,)), PullFilter(), repo.web_base))
    assert error.fault == Fault.RATE_LIMITED
    assert 100 < error.retry_at.timestamp() - time.time() < 130


def test_shared_fault_switch_429_with_headers(gh, pets: RunningSandbox) -> None:
    repo = spring(gh)
    reset = int(time.time()) + 300
    fault(pets, status=403, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)})
    error = error_of(gh.releases(repo))
    assert error.fault == Fault.RATE_LIMITED and error.retry_at == datetime.fromtimestamp(reset, timezone.utc)
    fault(pets, status=429)
    assert error_of(gh.releases(repo)).fault == Fault.RATE_LIMITED


@pytest.mark.parametrize(("body", "expected"), [
    ({"status": 503}, Fault.BAD_RESPONSE),
    ({"status": 403}, Fault.FORBIDDEN),
    ({"status": 401}, Fault.UNAUTHORISED),
    ({"malformed": True}, Fault.BAD_RESPONSE),
])
def test_backend_faults(gh, pets: RunningSandbox, body: dict, expected: Fault) -> None:
    repo = spring(gh)
    fault(pets, **body)
    assert error_of(gh.workflow_runs(repo)).fault == expected


def test_missing_repository_is_not_found(gh) -> None:
    error = error_of(gh.repo("petclinic/no-such-repo"))
    assert error.fault == Fault.NOT_FOUND and "petclinic/no-such-repo" in error.detail


def test_slow_github_times_out(pets: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSBOT_HTTP_TIMEOUT", "1")
    settings_module.reset()
    github_service.reset()
    fault(pets, delay=2)
    assert error_of(github_service.service().repos()).fault == Fault.TIMED_OUT


def test_github_down_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("GITHUB_API_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_whatever")
    settings_module.reset()
    github_service.reset()
    assert error_of(github_service.service().repos()).fault == Fault.UNREACHABLE
    settings_module.reset()
    github_service.reset()


# -- concurrency -------------------------------------------------------------------------------------------
def test_calls_overlap_up_to_the_pool_size(gh, pets: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each call holds a client of its own: POOL_SIZE requests are at the sandbox together, never more."""
    repo = spring(gh)
    size = github_service.POOL_SIZE
    lock = threading.Lock()
    seen = {"inside": 0, "most": 0, "arrived_at_first_answer": None}
    real_errors = github_service.github_errors

    @contextmanager
    def counting(what: str = ""):  # entered and left while the call holds its client
        with lock:
            seen["inside"] += 1
            seen["most"] = max(seen["most"], seen["inside"])
        try:
            with real_errors(what):
                yield
        finally:
            with lock:
                if seen["arrived_at_first_answer"] is None:
                    seen["arrived_at_first_answer"] = requests_made(pets)
                seen["inside"] -= 1

    monkeypatch.setattr(github_service, "github_errors", counting)
    fault(pets, delay=1.0, paths=f"/repos/{repo.full_name}/releases")
    pets.state("github").counts.clear()

    async def together() -> list:
        return await asyncio.gather(*(gh.releases(repo) for _ in range(size + 2)))

    results = run(together())
    assert all(r == results[0] for r in results) and results[0][0].tag == "v3.2.1-rc1"
    assert requests_made(pets) == size + 2
    # every pooled client had its request at the sandbox before the first answer came back (a single
    # lock would give 1 here), and the calls beyond the pool waited for a free client
    assert seen["arrived_at_first_answer"] == size
    assert seen["most"] == size
    assert len(gh._idle) == size  # all returned to the pool


def test_pull_queries_with_an_age_and_title_words() -> None:
    repo = github_service.Repo("acme/card-vault", "card-vault", "acme", True, "https://github.com/acme/card-vault",
                               "trunk")
    created = datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc).timestamp()
    query = github_service.pull_query(Scope(repos=(repo,)), PullFilter(review="waiting", created_before=created))
    assert query == ("is:pr repo:acme/card-vault is:open -review:approved -review:changes_requested "
                     "created:<2024-05-01T09:30:00Z")
    # Words of a title stay words: nothing said becomes a qualifier or an operator.
    words = github_service.pull_query(Scope(repos=(repo,)), PullFilter(words="parquet OR author:x"))
    assert words == "is:pr repo:acme/card-vault is:open parquet author x in:title"


def test_commits_by_author_and_contributors(gh) -> None:
    repo = spring(gh)
    assert [c.short_sha for c in run(gh.commits(repo, "main", author="adam-sre"))] == ["77c01b3", "9e8d7c6"]
    assert [p.login for p in run(gh.contributors(repo))] == ["adam-sre", "dan-dev"]


def test_words_that_cannot_be_a_login_are_not_asked_about(gh, pets: RunningSandbox) -> None:
    pets.state("github").counts.clear()
    assert run(gh.profile("../../script")) is None and run(gh.profile("dan dev")) is None
    assert requests_made(pets) == 0
    assert run(gh.profile("dependabot[bot]")).login == "dependabot[bot]"
    assert run(gh.profile("adam-sre")).login == "adam-sre"
