"""Fake GitHub REST API v3 (as api.github.com answers it) for the paths PyGithub and the actions use.

Served from the world's `github:` section (JSON shapes in `sandbox.github.shapes`), with GitHub's HTTP
behaviour: token auth (401 "Bad credentials"), `Link` pagination with `per_page`/`page`, `X-RateLimit-*`
headers (core 5000/hour, search 30/minute, counted), weak ETags with 304 on `If-None-Match` (a 304 does
not count), and JSON 404s.

Extra control route (tests, demo): `POST /_sandbox/github/rate-limit` with
`{"resource": "core"|"search", "remaining": 0, "reset_in": 900}` exhausts a rate limit the way GitHub
reports it (403, `X-RateLimit-Remaining: 0`, `X-RateLimit-Reset`), `{"secondary": true, "retry_after": 60}`
trips a secondary rate limit (403 with `Retry-After`), `{}` restores the limits.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from yarl import URL

from sandbox.github.shapes import GitHubWorld, Repo, Shapes, check_state, label_name, latest_verdicts, parse_iso
from sandbox.server import CONTROL_PREFIX, Credentials, base_app, bearer_ok, origin

DOCS = "https://docs.github.com/rest"
WORLD_KEY = web.AppKey("github_world", GitHubWorld)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


# -- rate limits -----------------------------------------------------------------------------------
@dataclass
class Bucket:
    limit: int
    window: int
    used: int = 0
    reset_at: float = 0.0

    def roll(self, now: float) -> None:
        if now >= self.reset_at:
            self.used, self.reset_at = 0, now + self.window

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)


@dataclass
class RateLimits:
    buckets: dict[str, Bucket] = field(default_factory=lambda: {"core": Bucket(5000, 3600), "search": Bucket(30, 60)})
    secondary_until: float = 0.0

    def headers(self, resource: str) -> dict[str, str]:
        bucket = self.buckets[resource]
        return {"X-RateLimit-Limit": str(bucket.limit), "X-RateLimit-Remaining": str(bucket.remaining),
                "X-RateLimit-Reset": str(int(bucket.reset_at)), "X-RateLimit-Used": str(bucket.used),
                "X-RateLimit-Resource": resource}

    def refusal(self, resource: str, now: float) -> web.Response | None:
        """GitHub's answer when a limit is exhausted, or None when the request may go ahead."""
        if now < self.secondary_until:
            return web.json_response(
                {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try "
                            "again. If you reach out to GitHub Support for help, please include the request ID "
                            "0000:0000:0000.", "documentation_url": f"{DOCS}/overview/rate-limits-for-the-rest-api"
                                                                   "#about-secondary-rate-limits", "status": "403"},
                status=403, headers={**self.headers(resource), "Retry-After": str(int(self.secondary_until - now) + 1)})
        bucket = self.buckets[resource]
        bucket.roll(now)
        if bucket.remaining == 0:
            return web.json_response(
                {"message": "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, "
                            "please include the request ID 0000:0000:0000.",
                 "documentation_url": f"{DOCS}/overview/rate-limits-for-the-rest-api", "status": "403"},
                status=403, headers=self.headers(resource))
        return None


LIMITS_KEY = web.AppKey("github_limits", RateLimits)


def not_found(message: str = "Not Found") -> web.Response:
    return web.json_response({"message": message, "documentation_url": DOCS, "status": "404"}, status=404)


def unprocessable(message: str) -> web.Response:
    return web.json_response({"message": message, "documentation_url": DOCS, "status": "422"}, status=422)


def _etag(body: bytes) -> str:
    return 'W/"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def github_middleware(limits: RateLimits) -> Callable:
    """Inside the shared middleware (faults, auth, counting): rate limits, JSON 404s, ETags and 304s."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        resource = "search" if request.path.startswith("/search/") else "core"
        now = time.time()
        counted = request.path != "/rate_limit"  # as on GitHub, asking for the limits is free
        if counted and (refusal := limits.refusal(resource, now)) is not None:
            return refusal
        try:
            response = await handler(request)
        except web.HTTPNotFound:
            response = not_found()
        except web.HTTPMethodNotAllowed:
            response = web.json_response({"message": "Not Found", "documentation_url": DOCS}, status=404)
        if isinstance(response, web.Response) and response.status == 200 and response.body is not None:
            tag = _etag(bytes(response.body))
            response.headers["ETag"] = tag
            given = {t.strip() for t in request.headers.get("If-None-Match", "").split(",")}
            if tag in given or tag.removeprefix("W/") in given:
                response = web.Response(status=304, headers={"ETag": tag})
                counted = False
        if counted:
            limits.buckets[resource].used += 1
        response.headers.update(limits.headers(resource))
        response.headers["X-GitHub-Media-Type"] = "github.v3; format=json"
        return response

    return middleware


# -- request helpers -------------------------------------------------------------------------------
def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def paginate(request: web.Request, items: list, wrap: Callable[[list], object] | None = None) -> web.Response:
    """One page of `items` (per_page ≤ 100, default 30) with GitHub's Link header."""
    per_page = min(max(_int(request.query.get("per_page"), 30), 1), 100)
    last = max((len(items) + per_page - 1) // per_page, 1)
    page = max(_int(request.query.get("page"), 1), 1)
    chunk = items[(page - 1) * per_page: page * per_page]
    base = URL(origin(request)).with_path(request.path)

    def link(number: int, rel: str) -> str:
        return f'<{base.with_query({**request.query, "page": str(number), "per_page": str(per_page)})}>; rel="{rel}"'

    links = []
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links += [link(1, "first"), link(page - 1, "prev")]
    headers = {"Link": ", ".join(links)} if links else {}
    return web.json_response(wrap(chunk) if wrap else chunk, headers=headers)


def _world(request: web.Request) -> GitHubWorld:
    return request.app[WORLD_KEY]


def _shapes(request: web.Request) -> Shapes:
    return Shapes(_world(request), origin(request))


def _repo(request: web.Request) -> Repo | None:
    return _world(request).repo(request.match_info["owner"], request.match_info["repo"])


def _number(request: web.Request) -> int:
    return _int(request.match_info.get("number"), -1)


def _sort(items: list[dict], request: web.Request, default: str = "created") -> list[dict]:
    key = request.query.get("sort", default)
    field_of = {"created": "at", "updated": "updated"}.get(key, "at")
    direction = request.query.get("direction", request.query.get("order", "desc"))
    return sorted(items, key=lambda x: x.get(field_of) or x["at"], reverse=direction != "asc")


# -- handlers: people and repositories ---------------------------------------------------------------
async def authenticated_user(request: web.Request) -> web.Response:
    return web.json_response(_shapes(request).user_full("opsbot"))


async def user(request: web.Request) -> web.Response:
    login = request.match_info["login"]
    world = _world(request)
    # GET /users/{username} answers a user's profile; for an organisation's login it is the same shape
    # (`public-user`, type "Organization")
    found = world.org(login) or world.user(login) or ("opsbot" if login == "opsbot" else None)
    return web.json_response(_shapes(request).user_full(found)) if found else not_found()


async def org(request: web.Request) -> web.Response:
    found = _world(request).org(request.match_info["org"])
    return web.json_response(_shapes(request).org(found)) if found else not_found()


async def org_members(request: web.Request) -> web.Response:
    world = _world(request)
    if world.org(request.match_info["org"]) is None:
        return not_found()
    shapes = _shapes(request)
    return paginate(request, [shapes.user(login) for login in world.members()])


async def user_repos(request: web.Request) -> web.Response:
    shapes = _shapes(request)
    repos = sorted(_world(request).repos.values(), key=lambda r: r.full_name.lower())
    return paginate(request, [shapes.repo(r) for r in repos])


async def org_repos(request: web.Request) -> web.Response:
    world = _world(request)
    found = world.org(request.match_info["org"])
    if found is None:
        return not_found()
    shapes = _shapes(request)
    repos = sorted((r for r in world.repos.values() if r.owner == found), key=lambda r: r.full_name.lower())
    return paginate(request, [shapes.repo(r) for r in repos])


async def repository(request: web.Request) -> web.Response:
    repo = _repo(request)
    return web.json_response(_shapes(request).repo(repo)) if repo else not_found()


async def labels(request: web.Request) -> web.Response:
    repo = _repo(request)
    return paginate(request, _shapes(request).labels(repo)) if repo else not_found()


async def branches(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/branches: `[{name, commit: {sha, url}, protected}]`, paginated."""
    repo = _repo(request)
    if not repo:
        return not_found()
    api = f"{_shapes(request).repo_url(repo)}/commits/"
    items = [{"name": name, "commit": {"sha": name, "url": api + name}, "protected": name == repo.default_branch}
             for name in sorted(repo.branches())]
    return paginate(request, items)


async def rate_limit(request: web.Request) -> web.Response:
    limits = request.app[LIMITS_KEY]
    now = time.time()
    resources = {}
    for name, bucket in limits.buckets.items():
        bucket.roll(now)
        resources[name] = {"limit": bucket.limit, "used": bucket.used, "remaining": bucket.remaining,
                           "reset": int(bucket.reset_at)}
    return web.json_response({"resources": resources, "rate": resources["core"]})


# -- handlers: pull requests ---------------------------------------------------------------------------
async def pulls(request: web.Request) -> web.Response:
    repo = _repo(request)
    if repo is None:
        return not_found()
    state = request.query.get("state", "open")
    head, base = request.query.get("head"), request.query.get("base")
    found = [p for p in repo.pulls()
             if state in ("all", p["state"])
             and (not base or p["base"] == base)
             and (not head or head == f"{p.get('fork') or repo.owner}:{p['head']}")]
    shapes = _shapes(request)
    return paginate(request, [shapes.pull(repo, p) for p in _sort(found, request)])


async def pull(request: web.Request) -> web.Response:
    repo = _repo(request)
    found = repo.pull(_number(request)) if repo else None
    return web.json_response(_shapes(request).pull(repo, found, full=True)) if found else not_found()


async def pull_reviews(request: web.Request) -> web.Response:
    repo = _repo(request)
    found = repo.pull(_number(request)) if repo else None
    return paginate(request, _shapes(request).reviews(repo, found)) if found else not_found()


async def requested_reviewers(request: web.Request) -> web.Response:
    repo = _repo(request)
    found = repo.pull(_number(request)) if repo else None
    if not found:
        return not_found()
    shapes = _shapes(request)
    return web.json_response({"users": [shapes.user(u) for u in found.get("requested_reviewers") or []],
                              "teams": []})


def _compare_side(repo: Repo, side: str, pull: dict, head: bool) -> bool:
    """Whether one side of `BASE...HEAD` names the PR's base (head=False) or head (True), as GitHub reads it:
    a branch of this repository, `OWNER:branch` (a branch of that owner's repository in the same network: the
    fork of a PR from a fork), or a commit SHA (7 characters or more)."""
    owner, colon, ref = side.rpartition(":")
    branch, sha = (pull["head"], repo.head_sha(pull)) if head else (pull["base"], None)
    branch_owner = (pull.get("fork") or repo.owner) if head else repo.owner
    if colon:
        return owner.lower() == branch_owner.lower() and ref == branch
    if sha and len(ref) >= 7 and sha.startswith(ref):
        return True
    return ref == branch and branch_owner == repo.owner  # a bare branch name is one of this repository


async def compare(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/compare/{basehead}: known for each PR's base and head (whose `behind_by` the
    world gives); anything else is 404, as GitHub answers for a ref it can't find (a fork's branch named
    without its owner)."""
    repo = _repo(request)
    basehead = request.match_info["basehead"]
    base, dots, head = basehead.partition("...")
    found = next((p for p in repo.pulls() if _compare_side(repo, base, p, False)
                  and _compare_side(repo, head, p, True)), None) if repo and dots else None
    if found is None:
        return not_found()
    behind = found.get("behind_by", 0)
    shapes = _shapes(request)
    base_commits = repo.commits_on(found["base"])
    base_commit = base_commits[0] if base_commits else {
        "sha": shapes.base_sha(repo, found), "author": repo.owner, "message": f"Tip of {found['base']}",
        "at": found["at"]}
    head_commit = {"sha": repo.head_sha(found), "author": found["user"], "message": found["title"], "at": found["at"]}
    return web.json_response({
        "url": f"{shapes.repo_url(repo)}/compare/{basehead}",
        "html_url": f"{shapes.web}/{repo.full_name}/compare/{basehead}",
        "permalink_url": f"{shapes.web}/{repo.full_name}/compare/{base_commit['sha'][:7]}...{head_commit['sha'][:7]}",
        "diff_url": f"{shapes.web}/{repo.full_name}/compare/{basehead}.diff",
        "patch_url": f"{shapes.web}/{repo.full_name}/compare/{basehead}.patch",
        "base_commit": shapes.commit(repo, base_commit), "merge_base_commit": shapes.commit(repo, base_commit),
        "status": "diverged" if behind else "ahead", "ahead_by": 1, "behind_by": behind, "total_commits": 1,
        "commits": [shapes.commit(repo, head_commit)], "files": [],
    })


# -- handlers: checks ----------------------------------------------------------------------------------
def _checks_for(repo: Repo, ref: str, shapes: Shapes) -> list[dict] | None:
    """Check runs on a commit (SHA or branch name): a PR head's checks, or the workflow runs on it."""
    for item in repo.pulls():
        if ref == repo.head_sha(item) or (ref == item["head"] and not item.get("fork")):
            return [shapes.check_run(repo, name, conclusion, repo.head_sha(item), item["at"], [item], item)
                    for name, conclusion in (item.get("checks") or {}).items()]
    runs = repo.data.get("workflow_runs") or []
    branch_commits = repo.commits_on(ref) if ref in repo.branches() else []
    sha = branch_commits[0]["sha"] if branch_commits else ref
    known = {c["sha"] for c in repo.data.get("commits") or []} | {shapes.run_sha(repo, r) for r in runs}
    if ref not in repo.branches() and sha not in known:
        return None
    latest: dict[str, dict] = {}
    for run in sorted(runs, key=lambda r: r["at"]):
        if shapes.run_sha(repo, run) == sha or (ref in repo.branches() and run["head_branch"] == ref):
            latest[run["name"]] = run
    return [shapes.check_run(repo, run["name"], run.get("conclusion") or run["status"], sha, run["at"], [])
            for run in latest.values()]


async def check_runs(request: web.Request) -> web.Response:
    repo = _repo(request)
    if repo is None:
        return not_found()
    ref = request.match_info["ref"]
    found = _checks_for(repo, ref, _shapes(request))
    if found is None:
        return unprocessable(f"No commit found for SHA: {ref}")
    name, status = request.query.get("check_name"), request.query.get("status")
    found = [c for c in found if (not name or c["name"] == name) and (not status or c["status"] == status)]
    return paginate(request, found, lambda page: {"total_count": len(found), "check_runs": page})


async def combined_status(request: web.Request) -> web.Response:
    """Legacy commit statuses. The world's CI reports through check runs only, so GitHub answers what it
    answers for such a commit: no statuses, state "pending"."""
    repo = _repo(request)
    if repo is None:
        return not_found()
    ref = request.match_info["ref"]
    shapes = _shapes(request)
    if _checks_for(repo, ref, shapes) is None:
        return unprocessable(f"No commit found for SHA: {ref}")
    return web.json_response({
        "state": "pending", "statuses": [], "sha": ref, "total_count": 0,
        "repository": shapes.repo(repo),
        "commit_url": f"{shapes.repo_url(repo)}/commits/{ref}", "url": f"{shapes.repo_url(repo)}/commits/{ref}/status",
    })


# -- handlers: issues ------------------------------------------------------------------------------------
def _all_items(repo: Repo) -> list[tuple[dict, bool]]:
    """Issues and pull requests of a repository, as the issues API lists them (PRs flagged)."""
    return [(i, False) for i in repo.issues()] + [(p, True) for p in repo.pulls()]


async def issues(request: web.Request) -> web.Response:
    repo = _repo(request)
    if repo is None:
        return not_found()
    query = request.query
    state = query.get("state", "open")
    wanted_labels = [x.strip().lower() for x in query.get("labels", "").split(",") if x.strip()]
    assignee, creator = query.get("assignee"), query.get("creator")

    def keep(item: dict) -> bool:
        names = {name.lower() for name in map(label_name, item.get("labels") or []) if name}
        assignees = [a.lower() for a in item.get("assignees") or []]
        return (state in ("all", item["state"]) and all(label in names for label in wanted_labels)
                and (assignee is None or (assignee == "none" and not assignees) or (assignee == "*" and assignees)
                     or assignee.lower() in assignees)
                and (creator is None or creator.lower() == item["user"].lower()))

    pull_numbers = {p["number"] for p in repo.pulls()}
    found = _sort([item for item, _ in _all_items(repo) if keep(item)], request)
    shapes = _shapes(request)
    return paginate(request, [shapes.issue(repo, item, item["number"] in pull_numbers) for item in found])


async def issue(request: web.Request) -> web.Response:
    repo = _repo(request)
    if repo is None:
        return not_found()
    number = _number(request)
    found = next(((item, is_pull) for item, is_pull in _all_items(repo) if item["number"] == number), None)
    return web.json_response(_shapes(request).issue(repo, *found)) if found else not_found()


# -- handlers: releases and commits ----------------------------------------------------------------------
def _releases(repo: Repo) -> list[dict]:
    return sorted(repo.data.get("releases") or [], key=lambda r: -r["at"])


async def releases(request: web.Request) -> web.Response:
    repo = _repo(request)
    if repo is None:
        return not_found()
    shapes = _shapes(request)
    return paginate(request, [shapes.release(repo, r) for r in _releases(repo)])


async def latest_release(request: web.Request) -> web.Response:
    """The most recent release that is neither a draft nor a prerelease, as GitHub defines "latest"."""
    repo = _repo(request)
    found = next((r for r in _releases(repo) if not r.get("draft") and not r.get("prerelease")), None) if repo else None
    return web.json_response(_shapes(request).release(repo, found)) if found else not_found()


async def release_by_tag(request: web.Request) -> web.Response:
    repo = _repo(request)
    tag = request.match_info["tag"]
    found = next((r for r in _releases(repo) if r["tag"] == tag), None) if repo else None
    return web.json_response(_shapes(request).release(repo, found)) if found else not_found()


def _commits_from(repo: Repo, ref: str) -> list[dict] | None:
    if ref in repo.branches():
        return repo.commits_on(ref)
    for branch in repo.branches():
        commits = repo.commits_on(branch)
        for index, commit in enumerate(commits):
            if len(ref) >= 7 and commit["sha"].startswith(ref):
                return commits[index:]
    return None


async def commits(request: web.Request) -> web.Response:
    repo = _repo(request)
    if repo is None:
        return not_found()
    query = request.query
    ref = query.get("sha") or repo.default_branch
    found = _commits_from(repo, ref)
    if found is None:
        return not_found(f"No commit found for SHA: {ref}")
    since = parse_iso(query["since"]) if query.get("since") else None
    until = parse_iso(query["until"]) if query.get("until") else None
    author = query.get("author", "").lower()
    found = [c for c in found if (since is None or c["at"] >= since) and (until is None or c["at"] <= until)
             and (not author or c["author"].lower() == author)]
    shapes = _shapes(request)
    return paginate(request, [shapes.commit(repo, c) for c in found])


async def contributors(request: web.Request) -> web.Response:
    """Authors of the default branch's commits, most commits first, each a user with `contributions`
    (GitHub answers 204 with no body for an empty repository)."""
    repo = _repo(request)
    if repo is None:
        return not_found()
    counts: dict[str, int] = {}
    for commit in repo.commits_on(repo.default_branch):
        counts[commit["author"]] = counts.get(commit["author"], 0) + 1
    if not counts:
        return web.Response(status=204)
    shapes = _shapes(request)
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0].lower()))
    return paginate(request, [{**shapes.user(login), "contributions": n} for login, n in ranked])


async def commit(request: web.Request) -> web.Response:
    repo = _repo(request)
    found = _commits_from(repo, request.match_info["ref"]) if repo else None
    return web.json_response(_shapes(request).commit(repo, found[0])) if found else not_found()


# -- handlers: GitHub Actions -------------------------------------------------------------------------------
RUN_CONCLUSIONS = {"success", "failure", "neutral", "cancelled", "skipped", "timed_out", "action_required",
                   "stale", "startup_failure"}


async def workflow_runs(request: web.Request) -> web.Response:
    repo = _repo(request)
    if repo is None:
        return not_found()
    query = request.query
    shapes = _shapes(request)
    status = query.get("status")

    def keep(run: dict) -> bool:
        if query.get("branch") and run["head_branch"] != query["branch"]:
            return False
        if query.get("event") and run["event"] != query["event"]:
            return False
        if query.get("head_sha") and shapes.run_sha(repo, run) != query["head_sha"]:
            return False
        if status in RUN_CONCLUSIONS:
            return run["status"] == "completed" and run.get("conclusion") == status
        return not status or run["status"] == status

    found = sorted((r for r in repo.data.get("workflow_runs") or [] if keep(r)), key=lambda r: -r["at"])
    runs = [shapes.workflow_run(repo, r) for r in found]
    if query.get("actor"):
        runs = [r for r in runs if r["actor"]["login"].lower() == query["actor"].lower()]
    return paginate(request, runs, lambda page: {"total_count": len(runs), "workflow_runs": page})


# -- handlers: search ---------------------------------------------------------------------------------------
# A qualifier's value may list alternatives with commas, each quoted or not: label:bug,"help wanted" (any of them).
_VALUE = r'(?:"[^"]*"|[^\s,"]+)'
_TERM = re.compile(rf'(-?)([\w-]+):({_VALUE}(?:,{_VALUE})*)|"([^"]*)"|(\S+)')
_ALTERNATIVE = re.compile(_VALUE)
_OR_QUALIFIERS = {"repo", "org", "user", "author", "assignee"}


@dataclass
class SearchQuery:
    qualifiers: dict[str, list[str]] = field(default_factory=dict)
    negated: dict[str, list[str]] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> SearchQuery:
        query = cls()
        for match in _TERM.finditer(text):
            negate, key, value, quoted, word = match.groups()
            if key:
                target = query.negated if negate else query.qualifiers
                target.setdefault(key.lower(), []).append(value if "," in value else value.strip('"'))
            else:
                query.words.append((quoted or word).lower())
        return query


def _date_matches(value: str, at: float | None) -> bool:
    """GitHub's date qualifiers: `<T`, `<=T`, `>T`, `>=T`, `T1..T2` (either side `*`) or a day `YYYY-MM-DD`;
    T is a date or an ISO 8601 date-time (`2024-05-01T09:30:00Z`). A bare date covers the whole day (UTC)."""
    if at is None:
        return False

    def moment(text: str, end_of_day: bool = False) -> float | None:
        if text == "*":
            return None
        parsed = parse_iso(text if "T" in text else f"{text}T00:00:00+00:00")
        return parsed + 86399 if parsed is not None and end_of_day and "T" not in text else parsed

    for operator, test in (("<=", lambda t: at <= t), (">=", lambda t: at >= t),
                           ("<", lambda t: at < t), (">", lambda t: at > t)):
        if value.startswith(operator):
            limit = moment(value[len(operator):], end_of_day=operator in ("<=", ">"))
            return limit is not None and test(limit)
    low, dots, high = value.partition("..")
    if dots:
        start, end = moment(low), moment(high, end_of_day=True)
        return (start is None or at >= start) and (end is None or at <= end)
    start, end = moment(value), moment(value, end_of_day=True)
    return start is not None and end is not None and start <= at <= end


def _matches(query: SearchQuery, repo: Repo, item: dict, is_pull: bool) -> bool:
    """GitHub's issue search semantics for the qualifiers opsbot and people use."""
    labels = {name.lower() for name in map(label_name, item.get("labels") or []) if name}
    reviews = {r["user"].lower() for r in item.get("reviews") or []}
    verdicts = set(latest_verdicts(item).values())
    requested = {u.lower() for u in item.get("requested_reviewers") or []}
    assignees = {a.lower() for a in item.get("assignees") or []}
    checks = check_state(list((item.get("checks") or {}).values()))

    def review(value: str) -> bool:
        """GitHub's documented review qualifiers: `none` (not reviewed), `required` (branch protection requires
        a review before merging and it has not got it), `approved` (a reviewer approved), `changes_requested`
        (a reviewer asked for changes); each reviewer's latest approval or change request counts."""
        if value == "none":
            return not reviews
        if value == "required":
            return repo.decision(item) == "required"
        if value == "approved":
            return "APPROVED" in verdicts and "CHANGES_REQUESTED" not in verdicts
        if value in ("changes_requested", "changes-requested"):
            return "CHANGES_REQUESTED" in verdicts
        return False

    def test(key: str, value: str) -> bool:
        value_l = value.lower()
        tests: dict[str, Callable[[], bool]] = {
            "is": lambda: {"pr": is_pull, "pull-request": is_pull, "issue": not is_pull,
                           "open": item["state"] == "open", "closed": item["state"] == "closed",
                           "merged": bool(item.get("merged")), "unmerged": is_pull and not item.get("merged"),
                           "draft": bool(item.get("draft"))}.get(value_l, False),
            "type": lambda: is_pull if value_l in ("pr", "pull-request") else not is_pull,
            "state": lambda: item["state"] == value_l,
            "repo": lambda: repo.full_name.lower() == value_l,
            "org": lambda: repo.owner.lower() == value_l,
            "user": lambda: repo.owner.lower() == value_l,
            "author": lambda: item["user"].lower() in (value_l, value_l.replace("app/", "", 1) + "[bot]"),
            "assignee": lambda: value_l in assignees,
            "label": lambda: any(v.strip('"').strip().lower() in labels
                                 for v in (_ALTERNATIVE.findall(value) if "," in value else [value])),
            "review-requested": lambda: value_l in requested,
            "reviewed-by": lambda: value_l in reviews,
            "review": lambda: is_pull and review(value_l),
            "status": lambda: is_pull and checks == value_l,
            "draft": lambda: is_pull and bool(item.get("draft")) == (value_l == "true"),
            "head": lambda: is_pull and item["head"] == value,
            "base": lambda: is_pull and item["base"] == value,
            "no": lambda: {"assignee": not assignees, "label": not labels}.get(value_l, True),
            "involves": lambda: value_l in {item["user"].lower(), *assignees, *requested, *reviews},
            "created": lambda: _date_matches(value, item["at"]),
        }
        check = tests.get(key)
        return True if check is None else check()

    for key, values in query.qualifiers.items():
        results = [test(key, v) for v in values]
        if not (any(results) if key in _OR_QUALIFIERS else all(results)):
            return False
    for key, values in query.negated.items():
        if any(test(key, v) for v in values):
            return False
    text = f"{item['title']} {item.get('body') or ''}".lower()
    return all(word in text for word in query.words)


def _search_item(issue: dict) -> dict:
    """An issue as search lists it: with a `score`, and no `body` when it has none (a string there, never null)."""
    item = {**issue, "score": 1.0}
    if item.get("body") is None:
        item.pop("body", None)
    return item


async def search_issues(request: web.Request) -> web.Response:
    q = request.query.get("q", "").strip()
    if not q:
        return web.json_response({"message": "Validation Failed", "errors": [
            {"resource": "Search", "field": "q", "code": "missing"}], "documentation_url": DOCS, "status": "422"},
            status=422)
    query = SearchQuery.parse(q)
    world, shapes = _world(request), _shapes(request)
    found = []
    for repo in world.repos.values():
        for item, is_pull in _all_items(repo):
            if _matches(query, repo, item, is_pull):
                found.append((repo, item, is_pull))
    sort = request.query.get("sort")
    reverse = request.query.get("order", "desc") != "asc"
    if sort == "comments":
        found.sort(key=lambda x: x[1].get("comments", 0), reverse=reverse)
    else:
        found.sort(key=lambda x: (x[1].get("closed_at") or x[1]["at"]) if sort == "updated" else x[1]["at"],
                   reverse=reverse)
    items = [_search_item(shapes.issue(repo, item, is_pull)) for repo, item, is_pull in found]
    return paginate(request, items, lambda page: {"total_count": len(items), "incomplete_results": False,
                                                  "items": page, "search_type": "lexical"})


# -- control ---------------------------------------------------------------------------------------------
def rate_limit_switch(limits: RateLimits) -> Handler:
    async def switch(request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        now = time.time()
        if not body:
            limits.buckets = RateLimits().buckets
            limits.secondary_until = 0.0
        elif body.get("secondary"):
            limits.secondary_until = now + float(body.get("retry_after", 60))
        else:
            bucket = limits.buckets[str(body.get("resource", "core"))]
            bucket.used = bucket.limit - int(body.get("remaining", 0))
            bucket.reset_at = now + float(body.get("reset_in", 900))
        return web.json_response({"rate_limit": body})

    return switch


def create_app(world: dict, credentials: Credentials) -> web.Application:
    app = base_app("github", lambda request: bearer_ok(request, credentials["GITHUB_TOKEN"], ("token", "Bearer")))
    limits = RateLimits()
    app[WORLD_KEY] = GitHubWorld(world.get("github") or {}, world.get("started_at", time.time()))
    app[LIMITS_KEY] = limits
    app.middlewares.append(github_middleware(limits))
    repo = "/repos/{owner}/{repo}"
    routes = [
        ("/user", authenticated_user), ("/user/repos", user_repos), ("/users/{login}", user),
        ("/orgs/{org}", org), ("/orgs/{org}/repos", org_repos), ("/orgs/{org}/members", org_members),
        ("/rate_limit", rate_limit), ("/search/issues", search_issues),
        (repo, repository), (f"{repo}/labels", labels), (f"{repo}/branches", branches),
        (f"{repo}/pulls", pulls), (f"{repo}/pulls/{{number}}", pull),
        (f"{repo}/pulls/{{number}}/reviews", pull_reviews),
        (f"{repo}/pulls/{{number}}/requested_reviewers", requested_reviewers),
        (f"{repo}/compare/{{basehead:.+}}", compare),
        (f"{repo}/contributors", contributors),
        (f"{repo}/commits", commits), (f"{repo}/commits/{{ref:.+}}/check-runs", check_runs),
        (f"{repo}/commits/{{ref:.+}}/status", combined_status), (f"{repo}/commits/{{ref:.+}}", commit),
        (f"{repo}/issues", issues), (f"{repo}/issues/{{number}}", issue),
        (f"{repo}/releases", releases), (f"{repo}/releases/latest", latest_release),
        (f"{repo}/releases/tags/{{tag:.+}}", release_by_tag),
        (f"{repo}/actions/runs", workflow_runs),
    ]
    for path, handler in routes:
        app.router.add_get(path, handler)
    app.router.add_post(CONTROL_PREFIX + "github/rate-limit", rate_limit_switch(limits))
    return app
