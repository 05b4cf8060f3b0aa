"""A stub GitHub that answers each operation opsbot's facade calls with a body the test chooses, by default
the operation's official example (tests/contracts/github/openapi.py): so that GitHub's own examples, and
their variants, go through the facade over real HTTP exactly as live answers do."""

from __future__ import annotations

from collections import Counter
from typing import Any

from aiohttp import web

from sandbox.server import RunningSandbox
from tests.contracts.github import openapi

ROUTES = {
    "/search/issues": "search/issues-and-pull-requests",
    "/repos/{owner}/{repo}/pulls/{number}": "pulls/get",
    "/repos/{owner}/{repo}/pulls/{number}/reviews": "pulls/list-reviews",
    "/repos/{owner}/{repo}/compare/{basehead:.+}": "repos/compare-commits-with-basehead",
    "/repos/{owner}/{repo}/commits/{ref}/check-runs": "checks/list-for-ref",
    "/repos/{owner}/{repo}/commits/{ref}/status": "repos/get-combined-status-for-ref",
    "/repos/{owner}/{repo}/commits": "repos/list-commits",
    "/repos/{owner}/{repo}/actions/runs": "actions/list-workflow-runs-for-repo",
    "/repos/{owner}/{repo}/releases": "repos/list-releases",
    "/repos/{owner}/{repo}/releases/latest": "repos/get-latest-release",
    "/repos/{owner}/{repo}": "repos/get",
    "/orgs/{org}/repos": "repos/list-for-org",
    "/user/repos": "repos/list-for-authenticated-user",
    "/orgs/{org}/members": "orgs/list-members",
    "/users/{username}": "users/get-by-username",
    "/repos/{owner}/{repo}/issues/{number}": "issues/get",
    "/repos/{owner}/{repo}/labels": "issues/list-labels-for-repo",
    "/repos/{owner}/{repo}/branches": "repos/list-branches",
    "/repos/{owner}/{repo}/contributors": "repos/list-contributors",
}


def default_body(operation_id: str) -> Any:
    examples = openapi.examples(operation_id)
    return examples.get("default", next(iter(examples.values())))


class StubGitHub:
    def __init__(self) -> None:
        self.bodies: dict[str, Any] = {}
        self.asked: Counter = Counter()
        app = web.Application()
        for path, operation_id in ROUTES.items():
            app.router.add_get(path, self._handler(operation_id))
        self.server = RunningSandbox({"github": app}, "127.0.0.1", {"github": 0})

    def _handler(self, operation_id: str):
        async def answer(request: web.Request) -> web.Response:
            self.asked[operation_id] += 1
            body = self.bodies[operation_id] if operation_id in self.bodies else default_body(operation_id)
            return web.json_response(body)

        return answer

    def start(self) -> StubGitHub:
        self.server.start_in_thread()
        return self

    def stop(self) -> None:
        self.server.stop_thread()

    @property
    def url(self) -> str:
        return self.server.url("github")
