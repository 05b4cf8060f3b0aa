"""Webhook payloads → typed `Event`s, as the tools send them. Pure functions; no I/O.

- Jenkins, Notification plugin (JSON format): `name`, `url` (the job's, relative: job/a/job/b/), `build`
  with `number`, `phase` (QUEUED, STARTED, COMPLETED, FINALIZED), `status` (SUCCESS, FAILURE, UNSTABLE,
  ABORTED, NOT_BUILT), `full_url`, `url`, `duration`, `scm` {url, branch, commit, changes, culprits},
  `parameters`, `test_summary`. COMPLETED and FINALIZED are the same "finished" event (the first wins).
- Grafana, webhook contact point: `status`, `alerts[]` (status, labels, annotations, startsAt, endsAt,
  generatorURL, fingerprint, silenceURL, dashboardURL, panelURL, values, valueString), `groupLabels`,
  `commonLabels`, `externalURL`: one event per alert and state.
- GitHub: `workflow_run` and `check_suite` (completed), `pull_request` (opened, reopened, ready_for_review,
  closed), `release` (published); other events and actions are ignored. A workflow run and its check
  suite are one event (same key), so a repository that sends both posts once.

Each event has a `key` that names it independently of how often it is delivered: the store keeps one event
per key, so the same build or alert sent twice is posted once per conversation.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urljoin, urlparse

JENKINS, GRAFANA, GITHUB = "jenkins", "grafana", "github"
SOURCES = (JENKINS, GRAFANA, GITHUB)

# Event kinds.
BUILD_STARTED, BUILD_FINISHED = "build_started", "build_finished"
ALERT_FIRING, ALERT_RESOLVED = "alert_firing", "alert_resolved"
CI_COMPLETED = "ci_completed"
PR_OPENED, PR_REOPENED, PR_READY = "pr_opened", "pr_reopened", "pr_ready"
PR_MERGED, PR_CLOSED = "pr_merged", "pr_closed"
RELEASE_PUBLISHED = "release_published"

FAILED_RESULTS = frozenset({"FAILURE", "UNSTABLE"})
FAILED_CONCLUSIONS = frozenset({"failure", "timed_out", "startup_failure"})
_BUILD_STATUS = {"SUCCESS": "ok", "FAILURE": "failed", "UNSTABLE": "warning", "ABORTED": "neutral",
                 "NOT_BUILT": "neutral"}
_CONCLUSION_STATUS = {"success": "ok", "failure": "failed", "timed_out": "failed", "startup_failure": "failed",
                      "cancelled": "neutral", "skipped": "neutral", "neutral": "neutral", "stale": "neutral",
                      "action_required": "warning"}


_FRACTION = re.compile(r"\.\d+")


class PayloadError(ValueError):
    """The body is JSON but not the payload this webhook expects (the message says what is missing)."""


@dataclass(frozen=True)
class Event:
    """One thing that happened. `subject` is what subscriptions match on (a job's full name, a repository's
    full name, an alert's name); `thread` ties an alert's resolution to its firing message."""

    source: str
    kind: str
    key: str
    subject: str
    url: str
    status: str = "neutral"  # ok | failed | warning | running | neutral: the card's colour
    labels: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    thread: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Event:
        raw = json.loads(text)
        return cls(**{name: raw[name] for name in cls.__dataclass_fields__ if name in raw})


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"{what} is missing or not an object")
    return value


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _strings(value: Any) -> dict[str, str]:
    return {str(k): _text(v) for k, v in value.items()} if isinstance(value, dict) else {}


# -- Jenkins ------------------------------------------------------------------------------------------------
def _job_full_name(job_url: str, build_url: str, name: str) -> str:
    """job/platform/job/terraform-plan/ → platform/terraform-plan (the plugin's `name` is the short name)."""
    for url in (job_url, build_url):
        parts = [unquote(p) for p in urlparse(url).path.split("/") if p]
        names = [parts[i + 1] for i in range(len(parts) - 1) if parts[i] == "job"]
        if names:
            return "/".join(names)
    return name


def jenkins_event(body: Any, jenkins_url: str = "") -> Event | None:
    """A Notification plugin payload → a build event; None for phases nobody subscribes to (QUEUED)."""
    payload = _mapping(body, "the notification")
    build = _mapping(payload.get("build"), "build")
    name = _text(payload.get("name"))
    try:
        number = int(build.get("number"))
    except (TypeError, ValueError) as error:
        raise PayloadError("build.number is missing or not a number") from error
    phase = _text(build.get("phase")).upper()
    if not name or not phase:
        raise PayloadError("name or build.phase is missing")
    if phase not in ("STARTED", "COMPLETED", "FINALIZED"):
        return None
    job = _job_full_name(_text(payload.get("url")), _text(build.get("url")), name)
    url = _text(build.get("full_url"))
    if not url and jenkins_url and build.get("url"):
        url = urljoin(jenkins_url.rstrip("/") + "/", _text(build.get("url")))
    scm = build.get("scm") if isinstance(build.get("scm"), dict) else {}
    tests = build.get("test_summary") if isinstance(build.get("test_summary"), dict) else {}
    finished = phase != "STARTED"
    result = _text(build.get("status")).upper() if finished else ""
    data = {
        "job": job, "number": number, "result": result, "phase": phase,
        "display_name": _text(build.get("display_name")) or f"#{number}",
        "branch": _text(scm.get("branch")).removeprefix("origin/"), "commit": _text(scm.get("commit")),
        "culprits": [str(c) for c in scm.get("culprits") or []][:5],
        "duration_ms": build.get("duration") if isinstance(build.get("duration"), int | float) else None,
        "failed_tests": int(tests.get("failed") or 0) if str(tests.get("failed") or "0").isdigit() else 0,
    }
    kind = BUILD_FINISHED if finished else BUILD_STARTED
    status = _BUILD_STATUS.get(result, "neutral") if finished else "running"
    return Event(JENKINS, kind, f"jenkins|{job}|{number}|{'finished' if finished else 'started'}", job, url,
                 status, data=data)


# -- Grafana ------------------------------------------------------------------------------------------------
def _fingerprint(labels: dict[str, str]) -> str:
    canonical = json.dumps(sorted(labels.items()), separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def grafana_events(body: Any) -> list[Event]:
    """A webhook contact point notification → one event per alert (firing or resolved)."""
    payload = _mapping(body, "the notification")
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError("alerts is missing or not a list")
    external = _text(payload.get("externalURL"))
    events = []
    for raw in alerts:
        alert = _mapping(raw, "an alert")
        labels = _strings(alert.get("labels"))
        annotations = _strings(alert.get("annotations"))
        status = _text(alert.get("status") or payload.get("status")).lower()
        if status not in ("firing", "resolved"):
            raise PayloadError(f"alert status {status!r} is neither firing nor resolved")
        name = labels.get("alertname") or _text(payload.get("title")) or "Grafana alert"
        fingerprint = _text(alert.get("fingerprint")) or _fingerprint(labels)
        starts = _text(alert.get("startsAt"))
        url = next((u for u in (_text(alert.get("panelURL")), _text(alert.get("dashboardURL")),
                                _text(alert.get("generatorURL")), external) if u), "")
        data = {
            "alertname": name, "severity": labels.get("severity", ""),
            "summary": annotations.get("summary") or annotations.get("description") or "",
            "description": annotations.get("description", "") if annotations.get("summary") else "",
            "starts_at": starts, "ends_at": _text(alert.get("endsAt")),
            "value": _text(alert.get("valueString")), "values": alert.get("values") or {},
            "rule_url": _text(alert.get("generatorURL")), "silence_url": _text(alert.get("silenceURL")),
        }
        kind = ALERT_FIRING if status == "firing" else ALERT_RESOLVED
        colour = "ok" if kind == ALERT_RESOLVED else ("failed" if data["severity"].lower() in
                                                       ("critical", "page", "high", "error") else "warning")
        events.append(Event(GRAFANA, kind, f"grafana|{fingerprint}|{status}|{starts}", name, url, colour,
                            labels=labels, data=data, thread=f"grafana|{fingerprint}|{starts}"))
    return events


# -- GitHub -------------------------------------------------------------------------------------------------
def _repo(payload: dict[str, Any]) -> tuple[str, str]:
    repository = _mapping(payload.get("repository"), "repository")
    full_name = _text(repository.get("full_name"))
    if not full_name:
        raise PayloadError("repository.full_name is missing")
    return full_name, _text(repository.get("html_url"))


def _login(value: Any) -> str:
    return _text(value.get("login")) if isinstance(value, dict) else ""


def _ci(repo: str, suite_id: Any, conclusion: str, url: str, data: dict[str, Any]) -> Event:
    data = {**data, "repo": repo, "conclusion": conclusion}
    return Event(GITHUB, CI_COMPLETED, f"github|{repo}|suite|{suite_id}|{conclusion}", repo, url,
                 _CONCLUSION_STATUS.get(conclusion, "neutral"), data=data)


def _workflow_run(payload: dict[str, Any], repo: str) -> Event | None:
    run = _mapping(payload.get("workflow_run"), "workflow_run")
    if payload.get("action") != "completed":
        return None
    workflow = _text(run.get("name")) or _text((payload.get("workflow") or {}).get("name")) or "workflow"
    data = {"workflow": workflow, "branch": _text(run.get("head_branch")), "sha": _text(run.get("head_sha")),
            "run_number": run.get("run_number"), "event": _text(run.get("event")),
            "title": _text(run.get("display_title")), "actor": _login(run.get("actor"))}
    return _ci(repo, run.get("check_suite_id") or f"run-{run.get('id')}", _text(run.get("conclusion")),
               _text(run.get("html_url")), data)


def _check_suite(payload: dict[str, Any], repo: str, repo_url: str) -> Event | None:
    suite = _mapping(payload.get("check_suite"), "check_suite")
    if payload.get("action") != "completed":
        return None
    app = suite.get("app") if isinstance(suite.get("app"), dict) else {}
    sha = _text(suite.get("head_sha"))
    data = {"workflow": _text(app.get("name")) or "checks", "branch": _text(suite.get("head_branch")), "sha": sha,
            "run_number": None, "event": "", "title": "", "actor": ""}
    url = f"{repo_url}/commit/{sha}/checks" if repo_url and sha else repo_url
    return _ci(repo, suite.get("id"), _text(suite.get("conclusion")), url, data)


_PR_KINDS = {"opened": PR_OPENED, "reopened": PR_REOPENED, "ready_for_review": PR_READY}


def _pull_request(payload: dict[str, Any], repo: str) -> Event | None:
    pull = _mapping(payload.get("pull_request"), "pull_request")
    action = _text(payload.get("action"))
    if action == "closed":
        kind = PR_MERGED if pull.get("merged") else PR_CLOSED
    elif action in _PR_KINDS:
        kind = _PR_KINDS[action]
    else:
        return None
    number = pull.get("number") or payload.get("number")
    when = _text(pull.get("closed_at")) if action == "closed" else _text(pull.get("updated_at"))
    data = {"repo": repo, "number": number, "title": _text(pull.get("title")), "author": _login(pull.get("user")),
            "base": _text((pull.get("base") or {}).get("ref")), "head": _text((pull.get("head") or {}).get("ref")),
            "draft": bool(pull.get("draft")), "merged_by": _login(pull.get("merged_by"))}
    status = {PR_MERGED: "ok", PR_CLOSED: "neutral"}.get(kind, "running")
    key = f"github|{repo}|pr|{number}|{kind}" + (f"|{when}" if kind != PR_OPENED else "")
    return Event(GITHUB, kind, key, repo, _text(pull.get("html_url")), status, data=data)


def _release(payload: dict[str, Any], repo: str) -> Event | None:
    release = _mapping(payload.get("release"), "release")
    if payload.get("action") != "published":
        return None
    tag = _text(release.get("tag_name"))
    data = {"repo": repo, "tag": tag, "name": _text(release.get("name")) or tag,
            "prerelease": bool(release.get("prerelease")), "author": _login(release.get("author"))}
    return Event(GITHUB, RELEASE_PUBLISHED, f"github|{repo}|release|{release.get('id') or tag}", repo,
                 _text(release.get("html_url")), "ok", data=data)


GITHUB_EVENTS = ("workflow_run", "check_suite", "pull_request", "release")


def github_event(event_name: str, body: Any) -> Event | None:
    """An event GitHub sent (X-GitHub-Event) → an Event; None for events and actions nobody subscribes to."""
    if event_name not in GITHUB_EVENTS:
        return None
    payload = _mapping(body, "the event")
    repo, repo_url = _repo(payload)
    if event_name == "workflow_run":
        return _workflow_run(payload, repo)
    if event_name == "check_suite":
        return _check_suite(payload, repo, repo_url)
    if event_name == "pull_request":
        return _pull_request(payload, repo)
    return _release(payload, repo)


def parse_time(value: str) -> float | None:
    """RFC 3339 (Grafana's startsAt) → Unix seconds; None for Go's zero time or nonsense."""
    if not value or value.startswith("0001-"):
        return None
    value = _FRACTION.sub(lambda m: "." + m.group(0)[1:7].ljust(6, "0"), value.replace("Z", "+00:00"))
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None
