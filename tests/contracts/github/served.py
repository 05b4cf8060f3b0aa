"""Every request the GitHub facade can make of the sandbox for a world, with the operation of GitHub's
description that answers it: what tests/contracts/github/test_sandbox_contract.py validates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import requests

from sandbox.github import create_app
from sandbox.server import RunningSandbox
from sandbox.world import load_world
from tests.support.sandbox import TEST_CREDENTIALS


def serve(world_file: Path) -> RunningSandbox:
    """The world's GitHub alone (no other service), on a free loopback port."""
    app = create_app(load_world(world_file), TEST_CREDENTIALS)
    return RunningSandbox({"github": app}, "127.0.0.1", {"github": 0}).start_in_thread()


SEARCHES = [
    "is:pr is:open", "is:pr is:closed", "is:pr is:merged", "is:issue is:open", "is:issue is:closed",
    "is:pr is:open draft:false -review:approved -review:changes_requested", "is:pr review:none",
    "is:pr review:required", "is:pr review:approved", "is:issue no:assignee", "is:pr status:failure",
]


def requests_for(world: dict) -> Iterator[tuple[str, str, dict]]:
    """(operationId, path, query) for each thing of the world's `github:` section."""
    section = world.get("github") or {}
    owners = sorted({r["full_name"].split("/")[0] for r in section.get("repos") or []})
    for owner in owners:
        yield "repos/list-for-org", f"/orgs/{owner}/repos", {}
        yield "orgs/list-members", f"/orgs/{owner}/members", {}
        for query in SEARCHES:
            yield "search/issues-and-pull-requests", "/search/issues", {"q": f"{query} org:{owner}"}
    yield "repos/list-for-authenticated-user", "/user/repos", {}
    logins = {u if isinstance(u, str) else u["login"] for u in section.get("users") or []}
    for repo in section.get("repos") or []:
        full = repo["full_name"]
        base = f"/repos/{full}"
        yield "repos/get", base, {}
        yield "issues/list-labels-for-repo", f"{base}/labels", {}
        yield "repos/list-branches", f"{base}/branches", {}
        yield "repos/list-contributors", f"{base}/contributors", {}
        yield "repos/list-commits", f"{base}/commits", {}
        yield "repos/list-releases", f"{base}/releases", {}
        yield "repos/get-latest-release", f"{base}/releases/latest", {}
        for release in repo.get("releases") or []:
            yield "repos/get-release-by-tag", f"{base}/releases/tags/{release['tag']}", {}
        yield "actions/list-workflow-runs-for-repo", f"{base}/actions/runs", {}
        yield "pulls/list", f"{base}/pulls", {"state": "all"}
        for pull in repo.get("pulls") or []:
            number = pull["number"]
            logins.update([pull["user"], *(pull.get("requested_reviewers") or [])])
            yield "pulls/get", f"{base}/pulls/{number}", {}
            yield "pulls/list-reviews", f"{base}/pulls/{number}/reviews", {}
            yield "issues/get", f"{base}/issues/{number}", {}
        for issue in repo.get("issues") or []:
            yield "issues/get", f"{base}/issues/{issue['number']}", {}
        for commit in repo.get("commits") or []:
            yield "checks/list-for-ref", f"{base}/commits/{commit['sha']}/check-runs", {}
            yield "repos/get-combined-status-for-ref", f"{base}/commits/{commit['sha']}/status", {}
    for login in sorted(logins):
        yield "users/get-by-username", f"/users/{login}", {}


def pull_refs(sandbox: RunningSandbox, world: dict) -> Iterator[tuple[str, str, dict]]:
    """The requests that need a PR's served head: its check runs, statuses and compare with its base."""
    url = sandbox.url("github")
    headers = {"Authorization": f"token {TEST_CREDENTIALS['GITHUB_TOKEN']}"}
    for repo in (world.get("github") or {}).get("repos") or []:
        base = f"/repos/{repo['full_name']}"
        for pull in repo.get("pulls") or []:
            served = requests.get(f"{url}{base}/pulls/{pull['number']}", headers=headers, timeout=10).json()
            head, into = served["head"], served["base"]
            yield "checks/list-for-ref", f"{base}/commits/{head['sha']}/check-runs", {}
            yield "repos/get-combined-status-for-ref", f"{base}/commits/{head['sha']}/status", {}
            for basehead in (f"{into['label']}...{head['label']}", f"{into['ref']}...{head['sha']}"):
                yield "repos/compare-commits-with-basehead", f"{base}/compare/{quote(basehead, safe='/:')}", {}
