"""Notifications from Jenkins: the Notification plugin's webhook (JSON format) → build events → cards.

- Verify: the plugin sends no custom headers, so the shared secret (JENKINS_WEBHOOK_SECRET) travels as the
  `token` query parameter (keep the whole URL in a Jenkins "secret text" credential) or as the password of
  `https://opsbot:SECRET@host/...` (the plugin turns URL user info into Basic auth). Other senders may use
  `Authorization: Bearer SECRET` or `X-Opsbot-Token: SECRET`.
- Parse: `name`, `url` (the job's, relative: job/a/job/b/), `build` with `number`, `phase` (QUEUED, STARTED,
  COMPLETED, FINALIZED), `status` (SUCCESS, FAILURE, UNSTABLE, ABORTED, NOT_BUILT), `full_url`, `url`,
  `duration`, `scm` {url, branch, commit, changes, culprits}, `parameters`, `test_summary`. COMPLETED and
  FINALIZED are the same "finished" event (the first wins).
- Match: a job's full name; "fails" (FAILURE or UNSTABLE), "finishes", "starts".
- Render: the same words as the answers (backends/jenkins/render.py: "passed", "failed", ...), with
  buttons for the natural next step (why did it fail, rebuild, build details).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urljoin, urlparse

from backends.events import Event, PayloadError, mapping, text
from backends.jenkins.render import CARD_STATUS, WORDS
from backends.jenkins.settings import jenkins_settings
from backends.webhook_auth import authorization, basic_credentials, same
from backends.wing import Source
from common.cards import status_reply
from common.reply import Button, Reply, payload
from common.text import clean, duration

JENKINS = "jenkins"
BUILD_STARTED, BUILD_FINISHED = "build_started", "build_finished"
FAILED_RESULTS = frozenset({"FAILURE", "UNSTABLE"})
NAME = 100


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
    notification = mapping(body, "the notification")
    build = mapping(notification.get("build"), "build")
    name = text(notification.get("name"))
    try:
        number = int(build.get("number"))
    except (TypeError, ValueError) as error:
        raise PayloadError("build.number is missing or not a number") from error
    phase = text(build.get("phase")).upper()
    if not name or not phase:
        raise PayloadError("name or build.phase is missing")
    if phase not in ("STARTED", "COMPLETED", "FINALIZED"):
        return None
    job = _job_full_name(text(notification.get("url")), text(build.get("url")), name)
    url = text(build.get("full_url"))
    if not url and jenkins_url and build.get("url"):
        url = urljoin(jenkins_url.rstrip("/") + "/", text(build.get("url")))
    scm = build.get("scm") if isinstance(build.get("scm"), dict) else {}
    tests = build.get("test_summary") if isinstance(build.get("test_summary"), dict) else {}
    finished = phase != "STARTED"
    result = text(build.get("status")).upper() if finished else ""
    data = {
        "job": job, "number": number, "result": result, "phase": phase,
        "display_name": text(build.get("display_name")) or f"#{number}",
        "branch": text(scm.get("branch")).removeprefix("origin/"), "commit": text(scm.get("commit")),
        "culprits": [str(c) for c in scm.get("culprits") or []][:5],
        "duration_ms": build.get("duration") if isinstance(build.get("duration"), int | float) else None,
        "failed_tests": int(tests.get("failed") or 0) if str(tests.get("failed") or "0").isdigit() else 0,
    }
    kind = BUILD_FINISHED if finished else BUILD_STARTED
    status = CARD_STATUS.get(result, "neutral") if finished else "running"
    return Event(JENKINS, kind, f"jenkins|{job}|{number}|{'finished' if finished else 'started'}", job, url,
                 status, data=data)


def webhook_ok(headers: Mapping[str, str], query: Mapping[str, str], secret: str) -> bool:
    if not secret:
        return False
    scheme, credentials = authorization(headers)
    basic = basic_credentials(headers)
    candidates = [query.get("token") or "", headers.get("x-opsbot-token") or "",
                  credentials if scheme == "bearer" else "", basic[1] if basic else ""]
    # every candidate is compared (no early exit on which one was given)
    return sum(same(candidate, secret) for candidate in candidates) > 0


def render_build(event: Event) -> Reply:
    data = event.data
    job, number = str(data["job"]), data["number"]
    build = {"job": job, "build_number": str(number)}
    shown = f"{clean(job, NAME)} #{clean(number, 12)}"
    if event.kind == BUILD_STARTED:
        title = f"{shown} started"
        buttons = [Button("How is it going?", payload("jenkins_build_status", **build))]
    else:
        result = str(data.get("result") or "")
        title = f"{shown} {WORDS.get(result, 'finished')}"
        if result in FAILED_RESULTS:
            buttons = [Button("Why did it fail?", payload("jenkins_why_failed", **build)),
                       Button("Rebuild", payload("jenkins_run_build", job=job))]
        elif result == "ABORTED":
            buttons = [Button("Build details", payload("jenkins_build_status", **build)),
                       Button("Rebuild", payload("jenkins_run_build", job=job))]
        else:
            buttons = [Button("Build details", payload("jenkins_build_status", **build))]
    took = duration(data["duration_ms"] / 1000) if data.get("duration_ms") else ""
    commit = clean(str(data.get("commit") or "")[:7], 7)
    where = f"on {clean(data['branch'], NAME)}" if data.get("branch") else ""
    summary = " ".join(p for p in (where, f"at {commit}" if commit else "", f"after {took}" if took else "") if p)
    failed_tests = int(data.get("failed_tests") or 0)
    facts = [("Result", str(data.get("result") or "").title()), ("Branch", str(data.get("branch") or "")),
             ("Commit", commit), ("Duration", took), ("Failed tests", str(failed_tests) if failed_tests else ""),
             ("Changes by", ", ".join(data.get("culprits") or []))]
    # Upper-case the first letter only: branch names and commits keep their case.
    return status_reply(title, event.status, summary[:1].upper() + summary[1:], facts, ("Open build", event.url),
                        buttons)


class JenkinsSource(Source):
    name = JENKINS
    title = "Jenkins"
    conditions = {"failed": "fails", "finished": "finishes", "started": "starts"}
    default_condition = "failed"
    called = "jenkins"

    def authentic(self, headers: Mapping[str, str], query: Mapping[str, str], body: bytes) -> bool:
        return webhook_ok(headers, query, jenkins_settings().webhook_secret)

    def events(self, headers: Mapping[str, str], payload: Any) -> list[Event]:
        event = jenkins_event(payload, jenkins_settings().url)
        return [event] if event else []

    def condition_matches(self, condition: str, event: Event) -> bool:
        kind, result = event.kind, str(event.data.get("result") or "")
        return {"failed": kind == BUILD_FINISHED and result in FAILED_RESULTS,
                "finished": kind == BUILD_FINISHED, "started": kind == BUILD_STARTED}.get(condition, False)

    def describe(self, target: str, condition: str) -> str:
        return f"{target or 'any Jenkins job'} {self.condition_words(condition)}"

    def render(self, event: Event, now: float) -> Reply:
        return render_build(event)
