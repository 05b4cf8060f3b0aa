"""GitHub facade: PyGithub (unmodified) pointed at GITHUB_API_URL, exactly as at GitHub Enterprise.

Typed results in, typed results out; no Rasa. PyGithub's requester makes every request (auth, base URL,
timeouts, its exceptions); the answers are read as the JSON GitHub's OpenAPI description allows, by the pure
functions under "conversions" (`pull_summary`, `issue_summary`, `check_of`, `run_of`, ...), never through
PyGithub's lazy objects: those fetch an object again for a field the answer leaves out (a workflow run
without `name`), and some crash on a null the description allows (a check run's `check_suite`). A field the
description lets be null or absent is read as unknown, never as a crash (tests/contracts/github).

Every call runs in a thread (`in_thread`) with PyGithub's exceptions mapped to `BackendError` (rate limits
carry `retry_at`, the reset time). Lists of pull requests and issues use the search API: one request whatever
the number of repositories. Name lists (repositories, members, labels) are cached for a minute and then
revalidated with ETags (a 304 costs no rate limit); a pull request is revalidated with its ETag, never
served stale.

PyGithub's client keeps one HTTP connection whose request and response are separate steps, so calls on
one client must not interleave. The service keeps a small pool of clients (POOL_SIZE, each with its own
connection, created when first needed): every call borrows one for its whole duration, so up to POOL_SIZE
calls run in parallel and no client is used by two threads at once. The caches are shared by the pool and
hold plain data (a pull request's JSON and ETag), never a PyGithub object bound to one client.
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
    # waiting (on review: not approved, no change requested) | none (not reviewed at all) | approved |
    # changes_requested | required (what filters saved before said for "waiting": read as waiting)
    review: str = ""
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
    parts += REVIEW_QUALIFIERS.get(wanted.review, [f"review:{wanted.review}"] if wanted.review else [])
    parts += [f"status:{wanted.checks}"] if wanted.checks else []
    parts += [f"draft:{str(wanted.draft).lower()}"] if wanted.draft is not None else []
    parts += [_label(name) for name in wanted.labels]
    parts += [f"created:<{_search_time(wanted.created_before)}"] if wanted.created_before is not None else []
    parts += [*_search_words(wanted.words), "in:title"] if _search_words(wanted.words) else []
    return " ".join(parts)


# "Waiting on review" is what a person means, not GitHub's `review:required`: that one only matches PRs into a
# branch whose protection requires reviews, so on a repository without it GitHub finds nothing. Not approved
# and no change requested (the author's move) is the same question on every repository; `draft:false` is added
# by the question (a draft asks nobody). Qualifiers: docs.github.com "Searching issues and pull requests".
REVIEW_QUALIFIERS = {
    "waiting": ["-review:approved", "-review:changes_requested"],
    "none": ["review:none"],
    "approved": ["review:approved"],
    "changes_requested": ["review:changes_requested"],
    "required": ["-review:approved", "-review:changes_requested"],  # what older conversations' filters say
}


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


# -- conversions: GitHub's JSON → typed results -------------------------------------------------------
# Each reads only what GitHub's OpenAPI description promises and treats a field it lets be null or absent as
# unknown ("", 0, ()). A deleted account is GitHub's "ghost", as its web pages show it.
GHOST = "ghost"


def _ts(value: datetime | str | None) -> float:
    if value is None or value == "":
        return 0.0
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return 0.0
    return value.replace(tzinfo=value.tzinfo or timezone.utc).timestamp()


def _obj(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _login(user: Any, missing: str = GHOST) -> str:
    """A user object's login; `missing` for null (a deleted account) or a user without one."""
    return _text(_obj(user).get("login")) or missing


def _logins(users: Any) -> tuple[str, ...]:
    return tuple(login for login in (_login(u, "") for u in _list(users)) if login)


def _label_names(labels: Any) -> tuple[str, ...]:
    """Label names: the issues API may give a label as its name or as an object without a name."""
    names = (label if isinstance(label, str) else _text(_obj(label).get("name")) for label in _list(labels))
    return tuple(name for name in names if name)


def _repo_of(raw: dict) -> Repo:
    owner = _obj(raw.get("owner"))
    full_name = raw["full_name"]
    return Repo(
        full_name=full_name, name=_text(raw.get("name")) or full_name.split("/")[-1],
        owner=_text(owner.get("login")) or full_name.split("/")[0],
        owner_is_org=owner.get("type") == "Organization", html_url=_text(raw.get("html_url")),
        default_branch=_text(raw.get("default_branch")) or "main", description=_text(raw.get("description")),
        pushed_at=_ts(raw.get("pushed_at")),
    )


def _repo_from_api_url(url: str) -> str:
    """…/repos/OWNER/NAME → OWNER/NAME (search results name their repository only by URL)."""
    return "/".join(url.rstrip("/").split("/")[-2:])


def person_of(raw: dict) -> Person:
    return Person(_login(raw, ""), _text(raw.get("name")), _text(raw.get("html_url")))


def pull_summary(item: dict) -> PullSummary:
    """A pull request as search lists it (`issue-search-result-item`)."""
    return PullSummary(
        repo=_repo_from_api_url(_text(item.get("repository_url"))), number=item["number"],
        title=_text(item.get("title")), author=_login(item.get("user")), url=_text(item.get("html_url")),
        draft=bool(item.get("draft")), created_at=_ts(item.get("created_at")),
        labels=_label_names(item.get("labels")),
    )


def issue_summary(item: dict, repo: str = "", is_pull: bool | None = None) -> IssueSummary:
    """An issue as search or the issues API gives it (`issue-search-result-item`, `issue`)."""
    return IssueSummary(
        repo=repo or _repo_from_api_url(_text(item.get("repository_url"))), number=item["number"],
        title=_text(item.get("title")), author=_login(item.get("user")), url=_text(item.get("html_url")),
        state=_text(item.get("state")), created_at=_ts(item.get("created_at")),
        labels=_label_names(item.get("labels")), assignees=_logins(item.get("assignees")),
        comments=item.get("comments") if isinstance(item.get("comments"), int) else 0,
        closed_at=_ts(item["closed_at"]) if item.get("closed_at") else None,
        is_pull=bool(item.get("pull_request")) if is_pull is None else is_pull,
    )


def _check_state(status: str | None, conclusion: str | None) -> str:
    if status != "completed":
        return "pending"
    if conclusion in ("success", "neutral"):
        return "passed"
    if conclusion == "skipped":
        return "skipped"
    return "failing"


_STATUS_STATE = {"success": "passed", "failure": "failing", "error": "failing", "pending": "pending"}


def check_of(run: dict) -> Check:
    """A check run (`check-run`); its `check_suite`, `app` and the like are not read."""
    return Check(_text(run.get("name")) or "check", _check_state(run.get("status"), run.get("conclusion")),
                 _text(run.get("html_url")) or _text(run.get("details_url")))


def status_check(status: dict) -> Check:
    """A commit status (`simple-commit-status`) as a check."""
    state = _text(status.get("state"))
    return Check(_text(status.get("context")) or "status", _STATUS_STATE.get(state, state or "pending"),
                 _text(status.get("target_url")))


def review_of(raw: dict) -> Review:
    return Review(_login(raw.get("user")), _text(raw.get("state")), _text(raw.get("html_url")))


def latest_reviews(reviews: Sequence[Review]) -> list[Review]:
    """Each reviewer's latest verdict; a comment does not undo an approval or a change request."""
    latest: dict[str, Review] = {}
    for review in reviews:
        if review.state == "COMMENTED" and review.login in latest:
            continue
        latest[review.login] = review
    return list(latest.values())


def pull_detail(repo: str, raw: dict, checks: Sequence[Check], reviews: Sequence[Review],
                behind_by: int | None) -> PullDetail:
    """One PR (`pull-request`) with its checks, reviews and how far it is behind (None: not known)."""
    merged = bool(raw.get("merged"))
    mergeable = raw.get("mergeable")
    return PullDetail(
        repo=repo, number=raw["number"], title=_text(raw.get("title")), author=_login(raw.get("user")),
        url=_text(raw.get("html_url")), state=_text(raw.get("state")), draft=bool(raw.get("draft")), merged=merged,
        mergeable=mergeable if isinstance(mergeable, bool) else None,
        mergeable_state=_text(raw.get("mergeable_state")) or "unknown",
        base=_text(_obj(raw.get("base")).get("ref")), head=_text(_obj(raw.get("head")).get("ref")),
        created_at=_ts(raw.get("created_at")), checks=list(checks), reviews=latest_reviews(reviews),
        requested=list(_logins(raw.get("requested_reviewers"))), behind_by=behind_by,
        merged_by=_login(raw.get("merged_by"), "") if merged else "",
    )


def compare_basehead(raw: dict) -> str:
    """`BASE...HEAD` for how far a PR is behind its base. A head in another repository (a fork) is named
    `OWNER:branch`, as the compare API asks (`USERNAME:BASE...USERNAME:HEAD`); one whose repository is gone
    by its commit SHA, which the API compares across the repository network too."""
    base, head = _obj(raw.get("base")), _obj(raw.get("head"))
    base_repo, head_repo = _obj(base.get("repo")), _obj(head.get("repo"))
    if head_repo and head_repo.get("full_name") == base_repo.get("full_name"):
        return f"{_text(base.get('ref'))}...{_text(head.get('ref'))}"
    if head_repo and _text(head.get("label")):
        return f"{_text(base.get('label')) or _text(base.get('ref'))}...{_text(head.get('label'))}"
    return f"{_text(base.get('ref'))}...{_text(head.get('sha'))}"


def release_of(raw: dict) -> Release:
    tag = _text(raw.get("tag_name"))
    return Release(
        tag=tag, name=_text(raw.get("name")) or tag, url=_text(raw.get("html_url")),
        prerelease=bool(raw.get("prerelease")), draft=bool(raw.get("draft")),
        published_at=_ts(raw.get("published_at") or raw.get("created_at")), author=_login(raw.get("author"), ""),
    )


def commit_of(raw: dict) -> CommitInfo:
    git = _obj(raw.get("commit"))
    git_author = _obj(git.get("author"))
    message = _text(git.get("message"))
    return CommitInfo(sha=_text(raw.get("sha")), message=message.splitlines()[0] if message else "",
                      author=_login(raw.get("author"), "") or _text(git_author.get("name")),
                      date=_ts(git_author.get("date")), url=_text(raw.get("html_url")))


def run_of(raw: dict) -> Run:
    """A workflow run (`workflow-run`). Its `name` may be absent or null (then its workflow file's name) and
    its `pull_requests` null; neither is fetched again."""
    path = _text(raw.get("path"))
    name = _text(raw.get("name")) or path.rsplit("/", 1)[-1] or "workflow"
    conclusion = _text(raw.get("conclusion"))
    return Run(
        id=raw["id"], name=name, branch=_text(raw.get("head_branch")), event=_text(raw.get("event")),
        status=_text(raw.get("status")) or ("completed" if conclusion else ""), conclusion=conclusion,
        url=_text(raw.get("html_url")), created_at=_ts(raw.get("created_at")), title=_text(raw.get("display_title")),
        pull_numbers=tuple(p["number"] for p in _list(raw.get("pull_requests"))
                           if isinstance(_obj(p).get("number"), int)),
    )


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

    def _get(self, path: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
             ) -> tuple[dict[str, Any], Any]:
        """(headers, JSON) of one GET through the borrowed client's requester (PyGithub's exceptions)."""
        return self._github().requester.requestJsonAndCheck("GET", path, parameters=params, headers=headers)

    def _pages(self, path: str, params: dict[str, Any] | None = None, key: str = "") -> list[dict]:
        """Every item of a list endpoint, 100 a page, at most MAX_PAGES pages (`key`: the list's field when
        the answer wraps it, as check runs and workflow runs are). Anything not an object is left out."""
        headers, data = self._get(path, {"per_page": 100, **(params or {})})
        items, _headers = self._with_next_pages(headers, data, key)
        return items

    def _with_next_pages(self, headers: dict[str, Any], data: Any, key: str = "") -> tuple[list[dict], dict]:
        """The items of a first page and of the pages its `Link` header leads to (at most MAX_PAGES in all),
        and the last page's headers."""
        items: list[dict] = []
        for page in range(MAX_PAGES):
            found = _obj(data).get(key) if key else data
            items.extend(item for item in _list(found) if isinstance(item, dict))
            next_url = _next_link(headers)
            if not next_url or page == MAX_PAGES - 1:
                break
            headers, data = self._get(next_url)
        return items, headers

    def _get_all(self, path: str, params: dict[str, Any] | None = None) -> list[dict]:
        """Every page of a list endpoint. The first page is asked conditionally (ETag) when cached."""
        fresh = self._names.fresh(path)
        if fresh is not None:
            return fresh.value
        cached = self._names.entry(path)
        conditional = {"If-None-Match": cached.tag} if cached is not None and cached.tag else {}
        headers, data = self._get(path, {"per_page": 100, **(params or {})}, conditional)
        if data is None and cached is not None:  # 304 Not Modified
            self._names.touch(path)
            return cached.value
        items, _last = self._with_next_pages(headers, data)
        # Only a list that fits on one page is revalidated with its ETag (a later page may have changed).
        return self._names.put(path, items, tag=headers.get("etag") if not _next_link(headers) else None)

    # -- names ----------------------------------------------------------------------------------------
    async def repos(self) -> list[Repo]:
        """The repositories to resolve names against: the organisation's (GITHUB_ORG) or all the token sees."""
        org = self.config.org
        path = f"/orgs/{urllib.parse.quote(org)}/repos" if org else "/user/repos"
        raw = await self._call(f"organisation {org}" if org else "repository list", self._get_all, path)
        return [_repo_of(r) for r in raw if isinstance(r, dict) and r.get("full_name") and not r.get("archived")]

    async def repo(self, full_name: str) -> Repo:
        """One repository by its exact name (GITHUB_DEFAULT_REPO outside the listed ones)."""
        def fetch() -> Repo:
            _headers, data = self._get(f"/repos/{full_name}")
            return _repo_of(data)

        return await self._call(f"repository {full_name}", fetch)

    async def members(self, org: str) -> list[Person]:
        raw = await self._call(f"organisation {org}", self._get_all, f"/orgs/{urllib.parse.quote(org)}/members")
        return [Person(_login(r, ""), "", _text(r.get("html_url"))) for r in raw if _login(r, "")]

    async def contributors(self, repo: Repo) -> list[Person]:
        """The people with commits in the repository (outside contributors and bots included; organisation
        members who never committed are not). Cached like the other name lists."""
        raw = await self._call(f"repository {repo.full_name}", self._get_all,
                               f"/repos/{repo.full_name}/contributors")
        return [Person(_login(r, ""), "", _text(r.get("html_url"))) for r in raw or [] if _login(r, "")]

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
                _headers, data = self._get(f"/users/{urllib.parse.quote(login, safe='[]')}")
            except GithubException as exc:
                if exc.status == 404:
                    return None
                raise
            person = person_of(_obj(data))
            return person if person.login else None

        return self._profiles.put(login.lower(), await self._call(f"user {login}", fetch))

    async def labels(self, repo: Repo) -> list[str]:
        raw = await self._call(f"repository {repo.full_name}", self._get_all, f"/repos/{repo.full_name}/labels")
        return list(_label_names(raw))

    async def branches(self, repo: Repo) -> list[str]:
        """The repository's branch names (live: "the batch-retry branch" → feature/batch-retry)."""
        raw = await self._call(f"repository {repo.full_name}", self._get_all, f"/repos/{repo.full_name}/branches")
        return [_text(r.get("name")) for r in raw if _text(r.get("name"))]

    # -- pull requests and issues --------------------------------------------------------------------------
    def _search(self, query: str, limit: int) -> tuple[list[dict], int]:
        """(the first `limit` items, total_count) of an issue search, newest first: one request."""
        _headers, data = self._get("/search/issues", {"q": query, "sort": "created", "order": "desc",
                                                      "per_page": max(1, min(limit, 100))})
        items = [item for item in _list(_obj(data).get("items")) if isinstance(item, dict)][:limit]
        total = _obj(data).get("total_count")
        return items, total if isinstance(total, int) else len(items)

    async def search_pulls(self, scope: Scope, wanted: PullFilter, web_base: str, limit: int = 10) -> SearchPage:
        query = pull_query(scope, wanted)

        def fetch() -> SearchPage:
            items, total = self._search(query, limit)
            return SearchPage([pull_summary(i) for i in items], total, query,
                              search_url(scope, query, "pullrequests", web_base))

        return await self._searches.get(("pulls", query, limit, web_base), lambda: self._call("search", fetch))

    async def search_issues(self, scope: Scope, wanted: IssueFilter, web_base: str, limit: int = 10) -> SearchPage:
        query = issue_query(scope, wanted)

        def fetch() -> SearchPage:
            items, total = self._search(query, limit)
            return SearchPage([issue_summary(i, is_pull=False) for i in items], total, query,
                              search_url(scope, query, "issues", web_base))

        return await self._searches.get(("issues", query, limit, web_base), lambda: self._call("search", fetch))

    async def issue(self, repo: Repo, number: int) -> IssueSummary | None:
        def fetch() -> IssueSummary | None:
            from github import UnknownObjectException

            try:
                _headers, data = self._get(f"/repos/{repo.full_name}/issues/{number}")
            except UnknownObjectException:
                return None
            return issue_summary(_obj(data), repo.full_name, is_pull="pull_request" in _obj(data))

        return await self._call(f"repository {repo.full_name}", fetch)

    def _pull_raw(self, repo: str, number: int) -> dict | None:
        """The PR's JSON, revalidated with its ETag if seen before (304: unchanged, no rate limit spent).

        The cache keeps the JSON and its ETag (plain data, shared by the pool's clients); a PR fetched less than
        FRESH_SECONDS ago is not asked again."""
        from github import UnknownObjectException

        key = (repo.lower(), number)
        fresh = self._pulls.fresh(key)
        if fresh is not None:  # just fetched: not asked again (its fetch time stays)
            return fresh.value[0]
        known = self._pulls.entry(key)
        conditional = {"If-None-Match": str(known.value[1])} if known is not None and known.value[1] else {}
        try:
            headers, data = self._get(f"/repos/{repo}/pulls/{number}", headers=conditional)
        except UnknownObjectException:
            self._pulls.forget(key)
            return None
        if data is None and known is not None:  # 304 Not Modified
            data = known.value[0]
        if not isinstance(data, dict) or not isinstance(data.get("number"), int):
            raise BackendError(BACKEND, Fault.BAD_RESPONSE, f"pull request {repo}#{number}")
        self._pulls.put(key, (data, str(headers.get("etag") or "")))
        return data

    async def pull_exists(self, repo: Repo, number: int) -> bool:
        return await self._call(f"repository {repo.full_name}", self._pull_raw, repo.full_name, number) is not None

    async def pull_head(self, repo: Repo, number: int) -> str | None:
        """The head branch of a PR (for its workflow runs), or None when there is no such PR."""
        def fetch() -> str | None:
            raw = self._pull_raw(repo.full_name, number)
            return _text(_obj(raw.get("head")).get("ref")) if raw is not None else None

        return await self._call(f"repository {repo.full_name}", fetch)

    def _behind_by(self, repo: str, raw: dict) -> int | None:
        """How many commits the PR's head lacks of its base; None when GitHub can't say (the compare fails: a
        fork's branch gone, a force-push, a rate limit): "behind" is then said without a number."""
        import requests
        from github import GithubException

        basehead = urllib.parse.quote(compare_basehead(raw), safe="/:")
        try:
            _headers, data = self._get(f"/repos/{repo}/compare/{basehead}", {"per_page": 1})
        except (GithubException, ValueError, requests.RequestException):  # a slow compare costs only the number
            return None
        behind = _obj(data).get("behind_by")
        return behind if isinstance(behind, int) else None

    async def pull(self, repo: Repo, number: int) -> PullDetail | None:
        """Everything "what's the status of PR 215?" needs: the PR, its checks and commit statuses, its
        reviews, and how far it is behind its base when GitHub says it is behind. 4–5 requests."""
        def fetch() -> PullDetail | None:
            raw = self._pull_raw(repo.full_name, number)
            if raw is None:
                return None
            base = f"/repos/{repo.full_name}"
            sha = _text(_obj(raw.get("head")).get("sha"))
            checks = [check_of(run) for run in self._pages(f"{base}/commits/{sha}/check-runs", key="check_runs")]
            _headers, combined = self._get(f"{base}/commits/{sha}/status", {"per_page": 100})
            if _obj(combined).get("total_count"):  # with no statuses GitHub still says "pending": ignore that
                checks += [status_check(s) for s in _list(_obj(combined).get("statuses")) if isinstance(s, dict)]
            reviews = [review_of(r) for r in self._pages(f"{base}/pulls/{number}/reviews")]
            behind = self._behind_by(repo.full_name, raw) if raw.get("mergeable_state") == "behind" else None
            return pull_detail(repo.full_name, raw, checks, reviews, behind)

        return await self._call(f"repository {repo.full_name}", fetch)

    # -- releases, commits, workflow runs ----------------------------------------------------------------------
    async def latest_release(self, repo: Repo) -> Release | None:
        """GitHub's "latest": the newest release that is neither a draft nor a prerelease."""
        def fetch() -> Release | None:
            from github import UnknownObjectException

            try:
                _headers, data = self._get(f"/repos/{repo.full_name}/releases/latest")
            except UnknownObjectException:
                return None
            return release_of(_obj(data))

        return await self._call(f"repository {repo.full_name}", fetch)

    async def releases(self, repo: Repo, limit: int = 10) -> list[Release]:
        def fetch() -> list[Release]:
            _headers, data = self._get(f"/repos/{repo.full_name}/releases", {"per_page": max(1, min(limit, 100))})
            return [release_of(r) for r in _list(data) if isinstance(r, dict)][:limit]

        return await self._call(f"repository {repo.full_name}", fetch)

    async def commits(self, repo: Repo, branch: str = "", since: float | None = None, until: float | None = None,
                      limit: int = 10, author: str = "") -> list[CommitInfo] | None:
        """Newest first (by `author`, a login, when given); None when the branch does not exist."""
        def fetch() -> list[CommitInfo] | None:
            from github import GithubException

            args: dict[str, Any] = {"per_page": max(1, min(limit, 100))}
            if branch:
                args["sha"] = branch
            if author:
                args["author"] = author
            if since is not None:
                args["since"] = _search_time(since)
            if until is not None:
                args["until"] = _search_time(until)
            try:
                _headers, data = self._get(f"/repos/{repo.full_name}/commits", args)
            except GithubException as exc:
                if exc.status in (404, 409, 422) and branch:
                    return None
                raise
            return [commit_of(c) for c in _list(data) if isinstance(c, dict)][:limit]

        return await self._call(f"repository {repo.full_name}", fetch)

    async def workflow_runs(self, repo: Repo, branch: str = "", status: str = "", event: str = "",
                            limit: int = 30) -> list[Run]:
        """Newest first. One request: the runs' JSON is read as it is (PyGithub would fetch a run again for
        a field it leaves out, and each of them again for `name`)."""
        def fetch() -> list[Run]:
            args = {k: v for k, v in {"branch": branch, "status": status, "event": event}.items() if v}
            _headers, data = self._get(f"/repos/{repo.full_name}/actions/runs",
                                       {**args, "per_page": max(1, min(limit, 100))})
            runs = [r for r in _list(_obj(data).get("workflow_runs")) if isinstance(r, dict)
                    and isinstance(r.get("id"), int)]
            return [run_of(r) for r in runs[:limit]]

        return await self._call(f"repository {repo.full_name}", fetch)


def _next_link(headers: dict[str, Any]) -> str | None:
    for part in str(headers.get("link") or "").split(","):
        url, _, rel = part.partition(";")
        if 'rel="next"' in rel:
            return url.strip().strip("<>")
    return None


# -- the service for the current settings ---------------------------------------------------------------------
facade: Facade[GitHubService] = Facade(BACKEND, github_settings, GitHubService)


def service() -> GitHubService:
    """The GitHub service for the current settings (created on first use, never at import time)."""
    return facade.service()


reset = facade.reset
