"""Notifications from GitHub: repository or organisation webhooks → events → cards.

- Verify: `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with GITHUB_WEBHOOK_SECRET, hex>`.
- Parse: `workflow_run` and `check_suite` (completed), `pull_request` (opened, reopened, ready_for_review,
  closed), `release` (published); other events and actions are ignored. A workflow run and its check suite
  are one event (same key), so a repository that sends both posts once. The body may be form-encoded
  (`payload=<json>`); a `ping` is answered without an event; `X-GitHub-Delivery` recognises redeliveries.
- Match: a repository's full name; "CI fails", "CI finishes", pull requests, releases.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from backends.events import Event, PayloadError, mapping, text
from backends.github.settings import github_settings
from backends.webhook_auth import same
from backends.wing import Source
from common.cards import status_reply
from common.reply import Button, Reply, payload
from common.text import clean

GITHUB = "github"
CI_COMPLETED = "ci_completed"
PR_OPENED, PR_REOPENED, PR_READY = "pr_opened", "pr_reopened", "pr_ready"
PR_MERGED, PR_CLOSED = "pr_merged", "pr_closed"
RELEASE_PUBLISHED = "release_published"
FAILED_CONCLUSIONS = frozenset({"failure", "timed_out", "startup_failure"})
GITHUB_EVENTS = ("workflow_run", "check_suite", "pull_request", "release")
_PULL_KINDS = frozenset({PR_OPENED, PR_REOPENED, PR_READY, PR_MERGED, PR_CLOSED})
_PR_KINDS = {"opened": PR_OPENED, "reopened": PR_REOPENED, "ready_for_review": PR_READY}
_CONCLUSION_STATUS = {"success": "ok", "failure": "failed", "timed_out": "failed", "startup_failure": "failed",
                      "cancelled": "neutral", "skipped": "neutral", "neutral": "neutral", "stale": "neutral",
                      "action_required": "warning"}
_CONCLUSION_WORDS = {"success": "passed", "failure": "failed", "timed_out": "timed out", "cancelled": "was cancelled",
                     "startup_failure": "failed to start", "skipped": "was skipped", "neutral": "finished",
                     "action_required": "needs action", "stale": "went stale"}
_PR_WORDS = {PR_OPENED: "opened", PR_REOPENED: "reopened", PR_READY: "ready for review", PR_MERGED: "merged",
             PR_CLOSED: "closed without merging"}
NAME = 100


def _repo(event: dict[str, Any]) -> tuple[str, str]:
    repository = mapping(event.get("repository"), "repository")
    full_name = text(repository.get("full_name"))
    if not full_name:
        raise PayloadError("repository.full_name is missing")
    return full_name, text(repository.get("html_url"))


def _login(value: Any) -> str:
    return text(value.get("login")) if isinstance(value, dict) else ""


def _ci(repo: str, suite_id: Any, conclusion: str, url: str, data: dict[str, Any]) -> Event:
    data = {**data, "repo": repo, "conclusion": conclusion}
    return Event(GITHUB, CI_COMPLETED, f"github|{repo}|suite|{suite_id}|{conclusion}", repo, url,
                 _CONCLUSION_STATUS.get(conclusion, "neutral"), data=data)


def _workflow_run(event: dict[str, Any], repo: str) -> Event | None:
    run = mapping(event.get("workflow_run"), "workflow_run")
    if event.get("action") != "completed":
        return None
    workflow = text(run.get("name")) or text((event.get("workflow") or {}).get("name")) or "workflow"
    data = {"workflow": workflow, "branch": text(run.get("head_branch")), "sha": text(run.get("head_sha")),
            "run_number": run.get("run_number"), "event": text(run.get("event")),
            "title": text(run.get("display_title")), "actor": _login(run.get("actor"))}
    return _ci(repo, run.get("check_suite_id") or f"run-{run.get('id')}", text(run.get("conclusion")),
               text(run.get("html_url")), data)


def _check_suite(event: dict[str, Any], repo: str, repo_url: str) -> Event | None:
    suite = mapping(event.get("check_suite"), "check_suite")
    if event.get("action") != "completed":
        return None
    app = suite.get("app") if isinstance(suite.get("app"), dict) else {}
    sha = text(suite.get("head_sha"))
    data = {"workflow": text(app.get("name")) or "checks", "branch": text(suite.get("head_branch")), "sha": sha,
            "run_number": None, "event": "", "title": "", "actor": ""}
    url = f"{repo_url}/commit/{sha}/checks" if repo_url and sha else repo_url
    return _ci(repo, suite.get("id"), text(suite.get("conclusion")), url, data)


def _pull_request(event: dict[str, Any], repo: str) -> Event | None:
    pull = mapping(event.get("pull_request"), "pull_request")
    action = text(event.get("action"))
    if action == "closed":
        kind = PR_MERGED if pull.get("merged") else PR_CLOSED
    elif action in _PR_KINDS:
        kind = _PR_KINDS[action]
    else:
        return None
    number = pull.get("number") or event.get("number")
    when = text(pull.get("closed_at")) if action == "closed" else text(pull.get("updated_at"))
    data = {"repo": repo, "number": number, "title": text(pull.get("title")), "author": _login(pull.get("user")),
            "base": text((pull.get("base") or {}).get("ref")), "head": text((pull.get("head") or {}).get("ref")),
            "draft": bool(pull.get("draft")), "merged_by": _login(pull.get("merged_by"))}
    status = {PR_MERGED: "ok", PR_CLOSED: "neutral"}.get(kind, "running")
    key = f"github|{repo}|pr|{number}|{kind}" + (f"|{when}" if kind != PR_OPENED else "")
    return Event(GITHUB, kind, key, repo, text(pull.get("html_url")), status, data=data)


def _release(event: dict[str, Any], repo: str) -> Event | None:
    release = mapping(event.get("release"), "release")
    if event.get("action") != "published":
        return None
    tag = text(release.get("tag_name"))
    data = {"repo": repo, "tag": tag, "name": text(release.get("name")) or tag,
            "prerelease": bool(release.get("prerelease")), "author": _login(release.get("author"))}
    return Event(GITHUB, RELEASE_PUBLISHED, f"github|{repo}|release|{release.get('id') or tag}", repo,
                 text(release.get("html_url")), "ok", data=data)


def github_event(event_name: str, body: Any) -> Event | None:
    """An event GitHub sent (X-GitHub-Event) → an Event; None for events and actions nobody subscribes to."""
    if event_name not in GITHUB_EVENTS:
        return None
    event = mapping(body, "the event")
    repo, repo_url = _repo(event)
    if event_name == "workflow_run":
        return _workflow_run(event, repo)
    if event_name == "check_suite":
        return _check_suite(event, repo, repo_url)
    if event_name == "pull_request":
        return _pull_request(event, repo)
    return _release(event, repo)


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_ok(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    given = (headers.get("x-hub-signature-256") or "").strip()
    return bool(secret) and given.startswith("sha256=") and same(given, signature(body, secret))


def render_github(event: Event) -> Reply:
    data = event.data
    repo = str(data.get("repo") or event.subject)
    short = clean(repo.rsplit("/", 1)[-1], NAME)
    if event.kind == CI_COMPLETED:
        conclusion = str(data.get("conclusion") or "")
        branch = str(data.get("branch") or "")
        title = f"{clean(data.get('workflow') or 'CI', NAME)} {_CONCLUSION_WORDS.get(conclusion, 'finished')}" + \
                (f" on {clean(branch, NAME)}" if branch else "") + f" ({short})"
        sha = str(data.get("sha") or "")[:7]
        summary = clean(" · ".join(p for p in (repo, sha, str(data.get("title") or "")) if p), 300)
        buttons = [Button("CI status", payload("github_workflow_runs", github_repo=repo,
                                               **({"branch": branch} if branch else {})))]
        if conclusion in FAILED_CONCLUSIONS:
            buttons.append(Button("What changed?", payload("github_commits", github_repo=repo,
                                                           **({"branch": branch} if branch else {}))))
        facts = [("Repository", repo), ("Branch", branch), ("Commit", sha), ("Run", str(data.get("run_number") or "")),
                 ("Triggered by", str(data.get("actor") or ""))]
        return status_reply(title, event.status, summary, facts, ("Open run", event.url), buttons)
    if event.kind == RELEASE_PUBLISHED:
        tag = str(data.get("tag") or "")
        kind = "pre-release" if data.get("prerelease") else "release"
        title = f"New {kind} of {short}: {clean(str(data.get('name') or tag), 120)}"
        facts = [("Repository", repo), ("Tag", tag), ("Published by", str(data.get("author") or ""))]
        return status_reply(title, "ok", "", facts, ("Open release", event.url),
                            [Button("Releases", payload("github_releases", github_repo=repo))])
    number = str(data.get("number") or "")
    title = f"Pull request #{clean(number, 12)} {_PR_WORDS.get(event.kind, 'updated')} in {short}"
    summary = clean(str(data.get("title") or ""), 300)
    facts = [("Repository", repo), ("Author", str(data.get("author") or "")),
             ("Branch", f"{data.get('head')} → {data.get('base')}" if data.get("head") else ""),
             ("Merged by", str(data.get("merged_by") or "") if event.kind == PR_MERGED else "")]
    return status_reply(title, event.status, summary, facts, ("Open pull request", event.url),
                        [Button("PR status", payload("github_pr_status", github_repo=repo, github_number=number))])


class GitHubSource(Source):
    name = GITHUB
    title = "GitHub"
    conditions = {"ci_failed": "CI fails", "ci": "CI finishes", "pull_requests": "pull requests open, merge or close",
                  "releases": "a release is published"}
    default_condition = "ci_failed"
    called = "github"

    def authentic(self, headers: Mapping[str, str], query: Mapping[str, str], body: bytes) -> bool:
        return webhook_ok(headers, body, github_settings().webhook_secret)

    def json_body(self, headers: Mapping[str, str], body: bytes) -> bytes:
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return (parse_qs(body.decode("utf-8")).get("payload") or [""])[0].encode("utf-8")
        return body

    def handshake(self, headers: Mapping[str, str]) -> dict[str, Any] | None:
        return {"ok": True, "pong": True} if headers.get("x-github-event") == "ping" else None

    def delivery_id(self, headers: Mapping[str, str]) -> str:
        return headers.get("x-github-delivery", "")

    def events(self, headers: Mapping[str, str], payload: Any) -> list[Event]:
        event = github_event(headers.get("x-github-event", ""), payload)
        return [event] if event else []

    def condition_matches(self, condition: str, event: Event) -> bool:
        kind, conclusion = event.kind, str(event.data.get("conclusion") or "")
        return {"ci_failed": kind == CI_COMPLETED and conclusion in FAILED_CONCLUSIONS, "ci": kind == CI_COMPLETED,
                "pull_requests": kind in _PULL_KINDS, "releases": kind == RELEASE_PUBLISHED}.get(condition, False)

    def describe(self, target: str, condition: str) -> str:
        where = target or "any repository"
        if condition == "releases":
            return f"a release of {where} is published"
        if condition == "pull_requests":
            return f"pull requests in {where} open, merge or close"
        return f"{self.condition_words(condition)} on {where}"

    def render(self, event: Event, now: float) -> Reply:
        return render_github(event)
