"""GitHub facade: PyGithub (unmodified) pointed at GITHUB_API_URL, exactly as at GitHub Enterprise.

Typed results in, typed results out; no Rasa. Every call runs in a thread (`in_thread`) with PyGithub's
exceptions mapped to `BackendError` (rate limits carry `retry_at`, the reset time). Lists of pull
requests and issues use the search API: one request whatever the number of repositories. Name lists
(repositories, members, labels) are cached for a minute and then revalidated with ETags (a 304 costs no
rate limit); a pull request is revalidated with its ETag (`PullRequest.update()`), never served stale.

PyGithub's client keeps one HTTP connection whose request and response are separate steps, so calls on
one client must not interleave. The service keeps a small pool of clients (POOL_SIZE, each with its own
connection, created when first needed): every call borrows one for its whole duration, so up to POOL_SIZE
calls run in parallel and no client is used by two threads at once. The caches are shared by the pool and
hold plain data (a pull request's raw JSON and ETag), never a PyGithub object bound to one client.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar

from backends.cache import Coalesced, TTLCache
from backends.facade import Facade
from backends.faults import BackendError, Fault, in_thread
from backends.github.settings import GitHubSettings, github_settings

BACKEND = "GitHub"
NAMES_TTL = 60.0  # repositories, members, labels: names change rarely
PROFILE_TTL = 3600.0  # display names change even more rarely
FRESH_SECONDS = 5.0  # a pull request fetched this recently is not asked again (probe, then detail)
SEARCH_TTL = 30.0  # an identical search (same words, same scope) within this is answered from the last one
MAX_PAGES = 10
POOL_SIZE = 4  # PyGithub clients (connections) per service: calls beyond this wait for a free one
# A GitHub login: letters, digits, hyphens (Enterprise Managed Users add "_shortcode"), at most 39; apps' bots
# end in "[bot]".
LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,38}(?:\[bot\])?")
T = TypeVar("T")


# -- results ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Repo:
    full_name: str
    name: str
    owner: str
    owner_is_org: bool
    html_url: str
    default_branch: str
    description: str = ""
    pushed_at: float = 0.0

    @property
    def web_base(self) -> str:
        """https://github.com (or the Enterprise host) as seen in this repository's own link."""
        return self.html_url[: -len(self.full_name) - 1] if self.html_url.endswith(self.full_name) else self.html_url


@dataclass(frozen=True)
class Person:
    login: str
    name: str = ""
    html_url: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.login})" if self.name and self.name != self.login else self.login


@dataclass(frozen=True)
class PullSummary:
    repo: str
    number: int
    title: str
    author: str
    url: str
    draft: bool
    created_at: float
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class IssueSummary:
    repo: str
    number: int
    title: str
    author: str
    url: str
    state: str
    created_at: float
    labels: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    comments: int = 0
    closed_at: float | None = None
    is_pull: bool = False


@dataclass(frozen=True)
class SearchPage:
    """One page of search results: `total` may exceed `len(items)`; `url` opens the same search on GitHub."""

    items: list
    total: int
    query: str
    url: str


@dataclass(frozen=True)
class Check:
    name: str
    state: str  # passed | failing | pending | skipped
    url: str = ""


@dataclass(frozen=True)
class Review:
    login: str
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED
    url: str = ""


@dataclass(frozen=True)
class PullDetail:
    repo: str
    number: int
    title: str
    author: str
    url: str
    state: str
    draft: bool
    merged: bool
    mergeable: bool | None
    mergeable_state: str
    base: str
    head: str
    created_at: float
    checks: list[Check] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)
    behind_by: int | None = None
    merged_by: str = ""

    def checks_in(self, state: str) -> list[Check]:
        return [c for c in self.checks if c.state == state]


@dataclass(frozen=True)
class Release:
    tag: str
    name: str
    url: str
    prerelease: bool
    draft: bool
    published_at: float
    author: str


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    message: str
    author: str
    date: float
    url: str

    @property
    def short_sha(self) -> str:
        return self.sha[:7]


@dataclass(frozen=True)
class Run:
    id: int
    name: str
    branch: str
    event: str
    status: str
    conclusion: str
    url: str
    created_at: float
    title: str = ""
    pull_numbers: tuple[int, ...] = ()

    @property
    def outcome(self) -> str:
        """passed | failed | running | cancelled | skipped: what a person would say about the run."""
        if self.status != "completed":
            return "running"
        return {"success": "passed", "failure": "failed", "timed_out": "failed", "startup_failure": "failed",
                "cancelled": "cancelled", "skipped": "skipped", "neutral": "passed",
                "action_required": "failed"}.get(self.conclusion, self.conclusion or "unknown")


# -- search queries ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """Where to search: some repositories, or everything of some owners (organisations or users)."""

    repos: tuple[Repo, ...] = ()
    owners: tuple[tuple[str, bool], ...] = ()  # (login, is an organisation)

    def qualifiers(self) -> list[str]:
        if self.repos:
            return [f"repo:{r.full_name}" for r in self.repos]
        return [f"{'org' if is_org else 'user'}:{login}" for login, is_org in self.owners]


@dataclass(frozen=True)
class PullFilter:
    state: str = "open"  # open | closed | merged | all
    author: str = ""
    reviewer: str = ""  # review requested from
    reviewed_by: str = ""
    review: str = ""  # required | approved | changes_requested
    checks: str = ""  # failure | success | pending
    draft: bool | None = None
    labels: tuple[str, ...] = ()
    created_before: float | None = None  # opened before this time ("stuck for more than a day")
    words: str = ""  # words of the title ("the parquet PR")


@dataclass(frozen=True)
class IssueFilter:
    state: str = "open"  # open | closed | all
    labels: tuple[str, ...] = ()
    assignee: str = ""
    unassigned: bool = False
    author: str = ""


def _author(login: str) -> str:
    """GitHub search names an app's bot account `app/NAME` (dependabot[bot] → app/dependabot)."""
    return f"app/{login[:-5]}" if login.endswith("[bot]") else login


def _label(name: str) -> str:
    return f'label:"{name}"' if " " in name else f"label:{name}"


def pull_query(scope: Scope, wanted: PullFilter) -> str:
    parts = ["is:pr", *scope.qualifiers()]
    parts += {"open": ["is:open"], "closed": ["is:closed"], "merged": ["is:merged"]}.get(wanted.state, [])
    parts += [f"author:{_author(wanted.author)}"] if wanted.author else []
    parts += [f"review-requested:{wanted.reviewer}"] if wanted.reviewer else []
    parts += [f"reviewed-by:{wanted.reviewed_by}"] if wanted.reviewed_by else []
    parts += [f"review:{wanted.review}"] if wanted.review else []
    parts += [f"status:{wanted.checks}"] if wanted.checks else []
    parts += [f"draft:{str(wanted.draft).lower()}"] if wanted.draft is not None else []
    parts += [_label(name) for name in wanted.labels]
    parts += [f"created:<{_search_time(wanted.created_before)}"] if wanted.created_before is not None else []
    parts += [*_search_words(wanted.words), "in:title"] if _search_words(wanted.words) else []
    return " ".join(parts)


def _search_words(text: str) -> list[str]:
    """Plain words only: nothing the user says becomes a qualifier or an operator of the query."""
    return [w for w in re.findall(r"[^\W_]+", text) if w.upper() not in ("AND", "OR", "NOT")][:5]


def _search_time(timestamp: float) -> str:
    """Search qualifiers take ISO 8601 dates with an optional time: 2024-05-01T09:30:00Z."""
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def issue_query(scope: Scope, wanted: IssueFilter) -> str:
    parts = ["is:issue", *scope.qualifiers()]
    parts += {"open": ["is:open"], "closed": ["is:closed"]}.get(wanted.state, [])
    parts += [_label(name) for name in wanted.labels]
    parts += [f"assignee:{wanted.assignee}"] if wanted.assignee else []
    parts += ["no:assignee"] if wanted.unassigned else []
    parts += [f"author:{_author(wanted.author)}"] if wanted.author else []
    return " ".join(parts)


def search_url(scope: Scope, query: str, kind: str, web_base: str) -> str:
    """The same search on GitHub's web UI: the repository's list page, or the global search."""
    if len(scope.repos) == 1:
        repo = scope.repos[0]
        rest = " ".join(part for part in query.split(" ") if not part.startswith("repo:"))
        page = "pulls" if kind == "pullrequests" else "issues"
        return f"{repo.html_url}/{page}?q={urllib.parse.quote(rest)}"
    return f"{web_base}/search?q={urllib.parse.quote(query)}&type={kind}"


# -- errors ------------------------------------------------------------------------------------------
def _retry_at(headers: dict[str, Any] | None) -> datetime:
    headers = {str(k).lower(): v for k, v in (headers or {}).items()}
    now = time.time()
    if str(headers.get("x-ratelimit-remaining", "")) == "0" and str(headers.get("x-ratelimit-reset", "")).isdigit():
        return datetime.fromtimestamp(int(headers["x-ratelimit-reset"]), timezone.utc)
    retry_after = str(headers.get("retry-after", ""))
    seconds = int(retry_after) if retry_after.isdigit() else 60  # secondary limits: GitHub says wait a minute
    return datetime.fromtimestamp(now + seconds, timezone.utc)


@contextmanager
def github_errors(what: str = "") -> Iterator[None]:
    """PyGithub's exceptions → BackendError. `what` names the thing asked for, for a 404."""
    from github import GithubException
    from github.GithubException import BadCredentialsException, RateLimitExceededException, UnknownObjectException

    try:
        yield
    except RateLimitExceededException as exc:
        raise BackendError(BACKEND, Fault.RATE_LIMITED, retry_at=_retry_at(exc.headers)) from exc
    except BadCredentialsException as exc:
        raise BackendError(BACKEND, Fault.UNAUTHORISED) from exc
    except UnknownObjectException as exc:
        raise BackendError(BACKEND, Fault.NOT_FOUND, what) from exc
    except GithubException as exc:
        headers = {str(k).lower(): v for k, v in (exc.headers or {}).items()}
        limited = str(headers.get("x-ratelimit-remaining", "")) == "0" or "retry-after" in headers
        if exc.status == 429 or (exc.status == 403 and limited):
            raise BackendError(BACKEND, Fault.RATE_LIMITED, retry_at=_retry_at(headers)) from exc
        if exc.status == 401:
            raise BackendError(BACKEND, Fault.UNAUTHORISED) from exc
        if exc.status == 403:
            raise BackendError(BACKEND, Fault.FORBIDDEN) from exc
        if exc.status in (404, 422):
            raise BackendError(BACKEND, Fault.NOT_FOUND, what) from exc
        raise BackendError(BACKEND, Fault.BAD_RESPONSE, f"HTTP {exc.status}") from exc


# -- conversions ---------------------------------------------------------------------------------------
def _ts(value: datetime | str | None) -> float:
    if value is None:
        return 0.0
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    return value.replace(tzinfo=value.tzinfo or timezone.utc).timestamp()


def _repo_of(raw: dict) -> Repo:
    owner = raw.get("owner") or {}
    return Repo(
        full_name=raw["full_name"], name=raw["name"], owner=owner.get("login", raw["full_name"].split("/")[0]),
        owner_is_org=owner.get("type") == "Organization", html_url=raw.get("html_url") or "",
        default_branch=raw.get("default_branch") or "main", description=raw.get("description") or "",
        pushed_at=_ts(raw.get("pushed_at")),
    )


def _repo_from_api_url(url: str) -> str:
    """…/repos/OWNER/NAME → OWNER/NAME (search results name their repository only by URL)."""
    return "/".join(url.rstrip("/").split("/")[-2:])


def _check_state(status: str, conclusion: str | None) -> str:
    if status != "completed":
        return "pending"
    if conclusion in ("success", "neutral"):
        return "passed"
    if conclusion == "skipped":
        return "skipped"
    return "failing"


_STATUS_STATE = {"success": "passed", "failure": "failing", "error": "failing", "pending": "pending"}


def latest_reviews(reviews: Sequence[Review]) -> list[Review]:
    """Each reviewer's latest verdict; a comment does not undo an approval or a change request."""
    latest: dict[str, Review] = {}
    for review in reviews:
        if review.state == "COMMENTED" and review.login in latest:
            continue
        latest[review.login] = review
    return list(latest.values())


class GitHubService:
    """One GitHub (or Enterprise) as configured. Create via `service()`; no client exists before first use."""

    def __init__(self, config: GitHubSettings, timeout: float) -> None:
        self.config = config
        self.timeout = max(1, round(timeout))
        self._idle: list[Any] = []  # clients not in use
        self._created = 0
        self._available = threading.Condition()
        self._held = threading.local()  # the client the current thread has borrowed
        # Shared by every thread and client. Lists are revalidated with their ETag once stale; PRs keep their
        # raw JSON and headers (data, not a client's object) and are revalidated after FRESH_SECONDS.
        self._names: TTLCache[list[dict]] = TTLCache(NAMES_TTL)
        self._profiles: TTLCache[Person | None] = TTLCache(PROFILE_TTL)
        self._pulls: TTLCache[tuple[dict, dict]] = TTLCache(FRESH_SECONDS, max_entries=64)
        # Searches cost GitHub's search quota (30 a minute): identical ones share a call and its answer briefly.
        self._searches: Coalesced[SearchPage] = Coalesced(SEARCH_TTL)

    # -- plumbing -------------------------------------------------------------------------------------
    def _new_client(self):
        from github import Auth, Github

        return Github(
            auth=Auth.Token(self.config.token), base_url=self.config.api_url, timeout=self.timeout,
            user_agent="opsbot", per_page=30, retry=None, seconds_between_requests=None,
            seconds_between_writes=None, lazy=True,
        )

    @contextmanager
    def _borrowed(self) -> Iterator[Any]:
        """A client for this thread alone until the block ends (the same one again when nested)."""
        held = getattr(self._held, "client", None)
        if held is not None:
            yield held
            return
        with self._available:
            while not self._idle and self._created >= POOL_SIZE:
                self._available.wait()
            client = self._idle.pop() if self._idle else None
            if client is None:
                self._created += 1
        try:
            if client is None:
                client = self._new_client()
        except BaseException:
            with self._available:
                self._created -= 1
                self._available.notify()
            raise
        self._held.client = client
        try:
            yield client
        finally:
            self._held.client = None
            with self._available:
                self._idle.append(client)
                self._available.notify()

    def _github(self):
        """The client the current call has borrowed (only inside `_call`)."""
        client = getattr(self._held, "client", None)
        if client is None:
            raise RuntimeError("GitHub client used outside GitHubService._call")
        return client

    async def _call(self, what: str, function: Callable[..., T], *args: Any) -> T:
        def borrowing() -> T:
            with self._borrowed(), github_errors(what):
                return function(*args)

        return await in_thread(BACKEND, borrowing)

    def _get_all(self, path: str, params: dict[str, Any] | None = None) -> list[dict]:
        """Every page of a list endpoint. The first page is asked conditionally (ETag) when cached."""
        fresh = self._names.fresh(path)
        if fresh is not None:
            return fresh.value
        cached = self._names.entry(path)
        requester = self._github().requester
        conditional = {"If-None-Match": cached.tag} if cached is not None and cached.tag else {}
        headers, data = requester.requestJsonAndCheck("GET", path, parameters={"per_page": 100, **(params or {})},
                                                      headers=conditional)
        if data is None and cached is not None:  # 304 Not Modified
            self._names.touch(path)
            return cached.value
        items = list(data or [])
        next_url = _next_link(headers)
        for _ in range(MAX_PAGES - 1):
            if not next_url:
                break
            headers, page = requester.requestJsonAndCheck("GET", next_url)
            items.extend(page or [])
            next_url = _next_link(headers)
        return self._names.put(path, items, tag=headers.get("etag") if not next_url else None)

    # -- names ----------------------------------------------------------------------------------------
    async def repos(self) -> list[Repo]:
        """The repositories to resolve names against: the organisation's (GITHUB_ORG) or all the token sees."""
        org = self.config.org
        path = f"/orgs/{urllib.parse.quote(org)}/repos" if org else "/user/repos"
        raw = await self._call(f"organisation {org}" if org else "repository list", self._get_all, path)
        return [_repo_of(r) for r in raw if not r.get("archived")]

    async def repo(self, full_name: str) -> Repo:
        """One repository by its exact name (GITHUB_DEFAULT_REPO outside the listed ones)."""
        def fetch() -> Repo:
            _headers, data = self._github().requester.requestJsonAndCheck("GET", f"/repos/{full_name}")
            return _repo_of(data)

        return await self._call(f"repository {full_name}", fetch)

    async def members(self, org: str) -> list[Person]:
        raw = await self._call(f"organisation {org}", self._get_all, f"/orgs/{urllib.parse.quote(org)}/members")
        return [Person(r["login"], "", r.get("html_url") or "") for r in raw]

    async def contributors(self, repo: Repo) -> list[Person]:
        """The people with commits in the repository (outside contributors and bots included; organisation
        members who never committed are not). Cached like the other name lists."""
        raw = await self._call(f"repository {repo.full_name}", self._get_all,
                               f"/repos/{repo.full_name}/contributors")
        return [Person(r["login"], "", r.get("html_url") or "") for r in raw or [] if r.get("login")]

    async def profiles(self, logins: Sequence[str]) -> list[Person]:
        """Display names (one request per login, cached an hour; asked together, not one after another): only
        asked when a name isn't a login. GitHub's REST API has no call for several users at once."""
        people = await asyncio.gather(*(self.profile(login) for login in logins))
        return [p for p in people if p is not None]

    async def profile(self, login: str) -> Person | None:
        """The user `login`, or None. Words that can't be a login ("../../x", "a b") are not asked about: they
        would otherwise become a path on the GitHub host."""
        if not LOGIN.fullmatch(login):
            return None
        cached = self._profiles.fresh(login.lower())
        if cached is not None:
            return cached.value

        def fetch() -> Person | None:
            from github import GithubException

            try:
                _headers, data = self._github().requester.requestJsonAndCheck(
                    "GET", f"/users/{urllib.parse.quote(login, safe='[]')}")
            except GithubException as exc:
                if exc.status == 404:
                    return None
                raise
            return Person(data["login"], data.get("name") or "", data.get("html_url") or "")

        return self._profiles.put(login.lower(), await self._call(f"user {login}", fetch))

    async def labels(self, repo: Repo) -> list[str]:
        raw = await self._call(f"repository {repo.full_name}", self._get_all, f"/repos/{repo.full_name}/labels")
        return [r["name"] for r in raw]

    async def branches(self, repo: Repo) -> list[str]:
        """The repository's branch names (live: "the batch-retry branch" → feature/batch-retry)."""
        raw = await self._call(f"repository {repo.full_name}", self._get_all, f"/repos/{repo.full_name}/branches")
        return [r["name"] for r in raw]

    # -- pull requests and issues --------------------------------------------------------------------------
    async def search_pulls(self, scope: Scope, wanted: PullFilter, web_base: str, limit: int = 10) -> SearchPage:
        query = pull_query(scope, wanted)

        def fetch() -> SearchPage:
            results = self._github().search_issues(query, sort="created", order="desc")
            items = [PullSummary(
                repo=_repo_from_api_url(i.repository_url), number=i.number, title=i.title, author=i.user.login,
                url=i.html_url, draft=bool(i.draft),
                created_at=_ts(i.created_at), labels=tuple(label.name for label in i.labels),
            ) for i in results.get_page(0)[:limit]]
            return SearchPage(items, results.totalCount, query, search_url(scope, query, "pullrequests", web_base))

        return await self._searches.get(("pulls", query, limit, web_base), lambda: self._call("search", fetch))

    async def search_issues(self, scope: Scope, wanted: IssueFilter, web_base: str, limit: int = 10) -> SearchPage:
        query = issue_query(scope, wanted)

        def fetch() -> SearchPage:
            results = self._github().search_issues(query, sort="created", order="desc")
            items = [_issue_summary(i, False) for i in results.get_page(0)[:limit]]
            return SearchPage(items, results.totalCount, query, search_url(scope, query, "issues", web_base))

        return await self._searches.get(("issues", query, limit, web_base), lambda: self._call("search", fetch))

    async def issue(self, repo: Repo, number: int) -> IssueSummary | None:
        def fetch() -> IssueSummary | None:
            from github import UnknownObjectException

            try:
                _headers, data = self._github().requester.requestJsonAndCheck(
                    "GET", f"/repos/{repo.full_name}/issues/{number}")
            except UnknownObjectException:
                return None
            return IssueSummary(
                repo=repo.full_name, number=data["number"], title=data["title"], author=data["user"]["login"],
                url=data["html_url"], state=data["state"], created_at=_ts(data.get("created_at")),
                labels=tuple(label["name"] for label in data.get("labels") or []),
                assignees=tuple(a["login"] for a in data.get("assignees") or []), comments=data.get("comments", 0),
                closed_at=_ts(data["closed_at"]) if data.get("closed_at") else None,
                is_pull="pull_request" in data,
            )

        return await self._call(f"repository {repo.full_name}", fetch)

    def _pull_object(self, repo: str, number: int):
        """The PR, revalidated with its ETag if seen before (304: unchanged, no rate limit spent).

        The cache keeps the raw JSON and headers; the object is rebuilt on the client this call holds, so
        its later requests (reviews, updates) never go through another thread's connection."""
        from github import UnknownObjectException
        from github.PullRequest import PullRequest

        key = (repo.lower(), number)
        fresh = self._pulls.fresh(key)
        if fresh is not None:  # just fetched: not asked again (its fetch time stays)
            return self._github().create_from_raw_data(PullRequest, *fresh.value)
        known = self._pulls.entry(key)
        try:
            if known is not None:
                pull = self._github().create_from_raw_data(PullRequest, *known.value)
                pull.update()
            else:
                pull = self._github().get_repo(repo).get_pull(number)
                pull.complete()
        except UnknownObjectException:
            self._pulls.forget(key)
            return None
        self._pulls.put(key, (pull.raw_data, pull.raw_headers))
        return pull

    async def pull_exists(self, repo: Repo, number: int) -> bool:
        return await self._call(f"repository {repo.full_name}", self._pull_object, repo.full_name, number) is not None

    async def pull_head(self, repo: Repo, number: int) -> str | None:
        """The head branch of a PR (for its workflow runs), or None when there is no such PR."""
        def fetch() -> str | None:
            pull = self._pull_object(repo.full_name, number)
            return pull.head.ref if pull is not None else None

        return await self._call(f"repository {repo.full_name}", fetch)

    async def pull(self, repo: Repo, number: int) -> PullDetail | None:
        """Everything "what's the status of PR 215?" needs: the PR, its checks and commit statuses, its
        reviews, and how far it is behind its base when GitHub says it is behind. 4–5 requests."""
        def fetch() -> PullDetail | None:
            pull = self._pull_object(repo.full_name, number)
            if pull is None:
                return None
            gh_repo = self._github().get_repo(repo.full_name)
            commit = gh_repo.get_commit(pull.head.sha)
            checks = [Check(run.name, _check_state(run.status, run.conclusion), run.html_url or "")
                      for run in commit.get_check_runs()]
            combined = commit.get_combined_status()
            if combined.total_count:  # with no statuses GitHub still says "pending": ignore that
                checks += [Check(s.context, _STATUS_STATE.get(s.state, s.state), s.target_url or "")
                           for s in combined.statuses]
            reviews = latest_reviews([Review(r.user.login if r.user else "ghost", r.state, r.html_url or "")
                                      for r in pull.get_reviews()])
            behind = None
            if pull.mergeable_state == "behind":
                behind = gh_repo.compare(pull.base.ref, pull.head.ref).behind_by
            return PullDetail(
                repo=repo.full_name, number=pull.number, title=pull.title, author=pull.user.login,
                url=pull.html_url, state=pull.state, draft=bool(pull.draft), merged=bool(pull.merged),
                mergeable=pull.mergeable, mergeable_state=pull.mergeable_state or "unknown",
                base=pull.base.ref, head=pull.head.ref, created_at=_ts(pull.created_at), checks=checks,
                reviews=reviews, requested=[u.login for u in pull.requested_reviewers], behind_by=behind,
                merged_by=pull.merged_by.login if pull.merged and pull.merged_by else "",
            )

        return await self._call(f"repository {repo.full_name}", fetch)

    # -- releases, commits, workflow runs ----------------------------------------------------------------------
    async def latest_release(self, repo: Repo) -> Release | None:
        """GitHub's "latest": the newest release that is neither a draft nor a prerelease."""
        def fetch() -> Release | None:
            from github import UnknownObjectException

            try:
                return _release(self._github().get_repo(repo.full_name).get_latest_release().complete())
            except UnknownObjectException:
                return None

        return await self._call(f"repository {repo.full_name}", fetch)

    async def releases(self, repo: Repo, limit: int = 10) -> list[Release]:
        def fetch() -> list[Release]:
            return [_release(r) for r in self._github().get_repo(repo.full_name).get_releases().get_page(0)[:limit]]

        return await self._call(f"repository {repo.full_name}", fetch)

    async def commits(self, repo: Repo, branch: str = "", since: float | None = None, until: float | None = None,
                      limit: int = 10, author: str = "") -> list[CommitInfo] | None:
        """Newest first (by `author`, a login, when given); None when the branch does not exist."""
        def fetch() -> list[CommitInfo] | None:
            from github import GithubException

            args: dict[str, Any] = {}
            if branch:
                args["sha"] = branch
            if author:
                args["author"] = author
            if since is not None:
                args["since"] = datetime.fromtimestamp(since, timezone.utc)
            if until is not None:
                args["until"] = datetime.fromtimestamp(until, timezone.utc)
            try:
                page = self._github().get_repo(repo.full_name).get_commits(**args).get_page(0)
            except GithubException as exc:
                if exc.status in (404, 409, 422) and branch:
                    return None
                raise
            return [_commit(c) for c in page[:limit]]

        return await self._call(f"repository {repo.full_name}", fetch)

    async def workflow_runs(self, repo: Repo, branch: str = "", status: str = "", event: str = "",
                            limit: int = 30) -> list[Run]:
        def fetch() -> list[Run]:
            args = {k: v for k, v in {"branch": branch, "status": status, "event": event}.items() if v}
            runs = self._github().get_repo(repo.full_name).get_workflow_runs(**args).get_page(0)
            return [Run(
                id=r.id, name=r.name, branch=r.head_branch or "", event=r.event, status=r.status,
                conclusion=r.conclusion or "", url=r.html_url, created_at=_ts(r.created_at),
                title=r.display_title or "", pull_numbers=tuple(p.number for p in r.pull_requests),
            ) for r in runs[:limit]]

        return await self._call(f"repository {repo.full_name}", fetch)


def _next_link(headers: dict[str, Any]) -> str | None:
    for part in str(headers.get("link") or "").split(","):
        url, _, rel = part.partition(";")
        if 'rel="next"' in rel:
            return url.strip().strip("<>")
    return None


def _issue_summary(item: Any, is_pull: bool) -> IssueSummary:
    return IssueSummary(
        repo=_repo_from_api_url(item.repository_url), number=item.number, title=item.title,
        author=item.user.login, url=item.html_url, state=item.state, created_at=_ts(item.created_at),
        labels=tuple(label.name for label in item.labels), assignees=tuple(a.login for a in item.assignees),
        comments=item.comments, closed_at=_ts(item.closed_at) if item.closed_at else None, is_pull=is_pull,
    )


def _release(release: Any) -> Release:
    return Release(
        tag=release.tag_name, name=release.name or release.tag_name, url=release.html_url,
        prerelease=bool(release.prerelease), draft=bool(release.draft),
        published_at=_ts(release.published_at or release.created_at),
        author=release.author.login if release.author else "",
    )


def _commit(commit: Any) -> CommitInfo:
    git = commit.commit
    author = commit.author.login if commit.author else (git.author.name if git.author else "")
    return CommitInfo(sha=commit.sha, message=(git.message or "").splitlines()[0] if git.message else "",
                      author=author, date=_ts(git.author.date if git.author else None), url=commit.html_url)


# -- the service for the current settings ---------------------------------------------------------------------
facade: Facade[GitHubService] = Facade(BACKEND, github_settings, GitHubService)


def service() -> GitHubService:
    """The GitHub service for the current settings (created on first use, never at import time)."""
    return facade.service()


reset = facade.reset
