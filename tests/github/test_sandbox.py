"""The GitHub sandbox answers as api.github.com does: paths, JSON shapes, filters, search, pagination,
ETags, rate limits and auth, over real HTTP."""

from __future__ import annotations

import time

import pytest
import requests

from sandbox.server import RunningSandbox
from sandbox.world import WORLD as WORLD_SCHEMA
from sandbox.world import WorldError, validate
from tests.support.sandbox import TEST_CREDENTIALS

AUTH = {"Authorization": f"token {TEST_CREDENTIALS['GITHUB_TOKEN']}"}
REPO = "/repos/petclinic/spring-petclinic"


@pytest.fixture()
def api(petclinic: RunningSandbox):
    base = petclinic.url("github")
    requests.post(f"{base}/_sandbox/github/rate-limit", json={}, timeout=5)

    def get(path: str, headers: dict | None = None, **params):
        return requests.get(base + path, params=params, headers={**AUTH, **(headers or {})}, timeout=5)

    get.base = base  # type: ignore[attr-defined]
    yield get
    requests.post(f"{base}/_sandbox/github/rate-limit", json={}, timeout=5)


def numbers(items: list[dict]) -> list[int]:
    return [item["number"] for item in items]


def test_token_auth_as_github(api) -> None:
    wrong = requests.get(api.base + "/user", headers={"Authorization": "token nope"}, timeout=5)
    assert wrong.status_code == 401 and wrong.json()["message"] == "Bad credentials"
    bearer = requests.get(api.base + "/user", headers={"Authorization": f"Bearer {TEST_CREDENTIALS['GITHUB_TOKEN']}"},
                          timeout=5)
    assert bearer.status_code == 200 and bearer.json()["login"]


def test_repository_and_lists_of_repositories(api) -> None:
    repo = api(REPO).json()
    assert repo["full_name"] == "petclinic/spring-petclinic" and repo["default_branch"] == "main"
    assert repo["owner"]["login"] == "petclinic" and repo["owner"]["type"] == "Organization"
    assert repo["html_url"] == f"{api.base}/petclinic/spring-petclinic" and repo["url"] == api.base + REPO
    assert [r["full_name"] for r in api("/orgs/petclinic/repos").json()] == [
        "petclinic/petclinic-infra", "petclinic/spring-petclinic"]
    assert len(api("/user/repos").json()) == 2
    missing = api("/repos/petclinic/nope")
    assert missing.status_code == 404 and missing.json()["message"] == "Not Found"
    assert api("/orgs/nobody/repos").status_code == 404


def test_pull_request_list_filters_and_single_pr_fields(api) -> None:
    assert numbers(api(f"{REPO}/pulls").json()) == [216, 215, 212]
    assert numbers(api(f"{REPO}/pulls", state="closed").json()) == [210, 208]
    assert numbers(api(f"{REPO}/pulls", head="petclinic:feature/vet-search").json()) == [212]
    assert numbers(api(f"{REPO}/pulls", base="develop").json()) == []
    listed = api(f"{REPO}/pulls").json()[0]
    assert "mergeable" not in listed and listed["draft"] is True and listed["user"]["login"] == "dan-dev"
    pull = api(f"{REPO}/pulls/215").json()
    assert pull["mergeable"] is True and pull["mergeable_state"] == "unstable" and pull["draft"] is False
    assert pull["html_url"] == f"{api.base}/petclinic/spring-petclinic/pull/215"
    assert pull["head"]["ref"] == "dependabot/maven/spring-boot-3.3.4" and len(pull["head"]["sha"]) == 40
    assert api(f"{REPO}/pulls/216").json()["mergeable_state"] == "draft"
    assert [u["login"] for u in api(f"{REPO}/pulls/212").json()["requested_reviewers"]] == ["adam-sre"]
    assert api(f"{REPO}/pulls/212/requested_reviewers").json()["users"][0]["login"] == "adam-sre"
    reviews = api(f"{REPO}/pulls/212/reviews").json()
    assert [(r["user"]["login"], r["state"]) for r in reviews] == [("paulo-po", "APPROVED")]
    assert api(f"{REPO}/pulls/999").status_code == 404


def test_check_runs_and_combined_status_of_a_pr_head(api) -> None:
    sha = api(f"{REPO}/pulls/215").json()["head"]["sha"]
    runs = api(f"{REPO}/commits/{sha}/check-runs").json()
    assert runs["total_count"] == 2
    assert {(r["name"], r["status"], r["conclusion"]) for r in runs["check_runs"]} == {
        ("build", "completed", "failure"), ("codeql", "completed", "success")}
    pending = api(f"{REPO}/commits/fix/owner-update/check-runs").json()["check_runs"]
    assert [(r["name"], r["status"], r["conclusion"]) for r in pending] == [("build", "in_progress", None)]
    status = api(f"{REPO}/commits/{sha}/status").json()
    assert status["state"] == "pending" and status["total_count"] == 0 and status["statuses"] == []
    assert api(f"{REPO}/commits/0000000/check-runs").status_code == 422


def test_issues_list_returns_prs_too_with_filters(api) -> None:
    everything = api(f"{REPO}/issues").json()
    assert set(numbers(everything)) == {216, 215, 212, 209, 205, 198}
    assert all(("pull_request" in i) == (i["number"] in (216, 215, 212)) for i in everything)
    assert numbers(api(f"{REPO}/issues", labels="bug").json()) == [209, 198]
    assert numbers(api(f"{REPO}/issues", labels="bug,good first issue").json()) == [198]
    assert numbers(api(f"{REPO}/issues", assignee="dan-dev").json()) == [209]
    assert 190 in numbers(api(f"{REPO}/issues", state="closed").json())
    assert api(f"{REPO}/issues/209").json()["assignees"][0]["login"] == "dan-dev"


def test_releases_and_latest_excludes_prereleases(api) -> None:
    assert [r["tag_name"] for r in api(f"{REPO}/releases").json()] == ["v3.2.1-rc1", "v3.2.0", "v3.1.2"]
    latest = api(f"{REPO}/releases/latest").json()
    assert latest["tag_name"] == "v3.2.0" and latest["prerelease"] is False
    assert api("/repos/petclinic/petclinic-infra/releases/latest").status_code == 404
    assert api(f"{REPO}/releases/tags/v3.2.1-rc1").json()["prerelease"] is True


def test_commits_by_branch_and_since(api) -> None:
    shas = [c["sha"][:7] for c in api(f"{REPO}/commits").json()]
    assert shas == ["77c01b3", "3b9d0c4", "9e8d7c6"]
    recent = api(f"{REPO}/commits", since=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 86400)))
    assert [c["sha"][:7] for c in recent.json()] == ["77c01b3"]
    head = api(f"{REPO}/commits", sha="fix/owner-update").json()
    assert head[0]["commit"]["message"] == "Fix owner update validation" and head[0]["author"]["login"] == "dan-dev"
    assert api(f"{REPO}/commits", sha="no-such-branch").status_code == 404


def test_workflow_runs_filters(api) -> None:
    def ids(**params) -> list[int]:
        data = api(f"{REPO}/actions/runs", **params).json()
        assert data["total_count"] == len(data["workflow_runs"])
        return [r["id"] for r in data["workflow_runs"]]

    assert ids() == [9003, 9001, 9004, 9002]
    assert ids(branch="main") == [9001, 9004]
    assert ids(status="failure") == [9002]
    assert ids(status="in_progress") == [9003]
    assert ids(event="schedule") == [9004]
    run = api(f"{REPO}/actions/runs", status="failure").json()["workflow_runs"][0]
    assert run["pull_requests"][0]["number"] == 215 and run["conclusion"] == "failure"
    assert run["html_url"] == f"{api.base}/petclinic/spring-petclinic/actions/runs/9002"


@pytest.mark.parametrize(("query", "expected"), [
    ("is:pr is:open repo:petclinic/spring-petclinic", [216, 215, 212]),
    ("is:pr is:open org:petclinic", [216, 34, 215, 212]),
    ("is:pr is:open review-requested:adam-sre", [212]),
    ("is:pr author:dan-dev", [216, 212, 210]),
    ("is:pr is:open status:failure org:petclinic", [215]),
    # GitHub's `review:required` needs branch protection that requires reviews: Pet Clinic has none
    ("is:pr is:open review:required draft:false org:petclinic", []),
    ("is:pr is:open draft:false -review:approved -review:changes_requested org:petclinic", [215]),
    ("is:pr is:open review:none org:petclinic", [216, 215]),
    ("is:pr is:open review:approved", [212]),
    ("is:pr is:open review:changes_requested", [34]),
    ("is:pr author:app/dependabot", [215]),
    ('is:issue is:open label:"good first issue"', [198]),
    ("is:issue is:open label:bug repo:petclinic/spring-petclinic", [209, 198]),
    # a comma list is any of the labels, each quoted or not; two label: qualifiers are both
    ('is:issue is:open label:"good first issue",bug repo:petclinic/spring-petclinic', [209, 198]),
    ('is:issue is:open label:bug label:"good first issue" repo:petclinic/spring-petclinic', [198]),
    ("is:issue no:assignee is:open org:petclinic", [205, 198]),
    ("is:issue is:open owner search", [198]),
])
def test_search_issues_qualifiers(api, query: str, expected: list[int]) -> None:
    result = api("/search/issues", q=query, sort="created", order="desc").json()
    assert numbers(result["items"]) == expected and result["total_count"] == len(expected)
    assert result["incomplete_results"] is False


def test_search_items_are_issue_shaped_with_pull_request_key(api) -> None:
    item = api("/search/issues", q="is:pr repo:petclinic/spring-petclinic is:draft").json()["items"][0]
    assert item["number"] == 216 and item["draft"] is True and "pull_request" in item
    assert item["repository_url"] == api.base + REPO and "score" in item
    assert api("/search/issues").status_code == 422


def test_pagination_with_link_headers(api) -> None:
    first = api("/search/issues", q="is:pr org:petclinic", per_page=2)
    links = requests.utils.parse_header_links(first.headers["Link"])
    rels = {link["rel"]: link["url"] for link in links}
    assert set(rels) == {"next", "last"} and len(first.json()["items"]) == 2
    assert rels["next"].startswith(api.base + "/search/issues?") and "page=2" in rels["next"]
    last = requests.get(rels["last"], headers=AUTH, timeout=5)
    last_rels = {link["rel"] for link in requests.utils.parse_header_links(last.headers["Link"])}
    assert last_rels == {"first", "prev"}
    seen = numbers(first.json()["items"])
    page = rels["next"]
    while page:
        response = requests.get(page, headers=AUTH, timeout=5)
        seen += numbers(response.json()["items"])
        page = {x["rel"]: x["url"] for x in requests.utils.parse_header_links(response.headers.get("Link", ""))
                }.get("next")
    assert sorted(seen) == [34, 208, 210, 212, 215, 216]
    assert "Link" not in api(f"{REPO}/pulls").headers


def test_etag_gives_304_that_does_not_count_against_the_rate_limit(api) -> None:
    first = api(REPO)
    tag = first.headers["ETag"]
    remaining = int(first.headers["X-RateLimit-Remaining"])
    again = api(REPO, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert int(again.headers["X-RateLimit-Remaining"]) == remaining
    assert api(REPO).headers["X-RateLimit-Remaining"] == str(remaining - 1)
    assert api(f"{REPO}/pulls", headers={"If-None-Match": tag}).status_code == 200


def test_rate_limit_headers_and_endpoint(api) -> None:
    response = api(REPO)
    assert response.headers["X-RateLimit-Limit"] == "5000" and response.headers["X-RateLimit-Resource"] == "core"
    assert int(response.headers["X-RateLimit-Reset"]) > time.time()
    search = api("/search/issues", q="is:pr")
    assert search.headers["X-RateLimit-Resource"] == "search" and search.headers["X-RateLimit-Limit"] == "30"
    limits = api("/rate_limit").json()
    assert limits["resources"]["core"]["limit"] == 5000 and limits["rate"] == limits["resources"]["core"]


def test_exhausted_rate_limit_answers_403_as_github(api) -> None:
    reset_in = 600
    requests.post(api.base + "/_sandbox/github/rate-limit", json={"remaining": 0, "reset_in": reset_in}, timeout=5)
    refused = api(REPO)
    assert refused.status_code == 403 and refused.json()["message"].startswith("API rate limit exceeded")
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert abs(int(refused.headers["X-RateLimit-Reset"]) - (time.time() + reset_in)) < 5
    assert api("/search/issues", q="is:pr").status_code == 200  # the search limit is separate
    requests.post(api.base + "/_sandbox/github/rate-limit", json={"secondary": True, "retry_after": 30}, timeout=5)
    secondary = api("/search/issues", q="is:pr")
    assert secondary.status_code == 403 and "secondary rate limit" in secondary.json()["message"]
    assert 0 < int(secondary.headers["Retry-After"]) <= 31
    requests.post(api.base + "/_sandbox/github/rate-limit", json={}, timeout=5)
    assert api(REPO).status_code == 200


def test_users_members_and_display_names(api) -> None:
    assert [m["login"] for m in api("/orgs/petclinic/members").json()] == [
        "dan-dev", "adam-sre", "paulo-po", "santhosh-sm"]
    adam = api("/users/adam-sre").json()
    assert adam["login"] == "adam-sre" and adam["type"] == "User" and "name" in adam
    assert api("/users/dependabot[bot]").json()["type"] == "Bot"
    assert api("/users/nobody-at-all").status_code == 404


def test_world_github_users_accept_logins_and_display_names() -> None:
    world = {"name": "w", "github": {"users": ["adam-sre", {"login": "jdoe", "name": "Jane Doe"}], "repos": []}}
    validate(world, WORLD_SCHEMA)
    with pytest.raises(WorldError, match=r"github.users\[0\].login"):
        validate({"name": "w", "github": {"users": [{"name": "No Login"}], "repos": []}}, WORLD_SCHEMA)


def test_contributors_of_the_default_branch_most_commits_first(api) -> None:
    found = api(f"{REPO}/contributors").json()
    assert [(c["login"], c["contributions"]) for c in found] == [("adam-sre", 2), ("dan-dev", 1)]
    assert found[0]["type"] == "User" and found[0]["html_url"] == f"{api.base}/adam-sre"
    assert api("/repos/petclinic/nope/contributors").status_code == 404


@pytest.mark.parametrize(("qualifier", "expected"), [
    ("created:<{day_and_half_ago}", [215, 212]),
    ("created:>={day_and_half_ago}", [216, 34]),
    ("created:*..{day_and_half_ago}", [215, 212]),
    ("created:{day_and_half_ago}..*", [216, 34]),
])
def test_search_by_creation_time_as_github(api, qualifier: str, expected: list[int]) -> None:
    moment = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 36 * 3600))
    query = "is:pr is:open org:petclinic " + qualifier.format(day_and_half_ago=moment)
    assert numbers(api("/search/issues", q=query, sort="created", order="desc").json()["items"]) == expected
