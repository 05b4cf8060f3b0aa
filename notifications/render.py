"""An `Event` → what a conversation sees: a complete text line (with the link) and an Adaptive Card 1.5 with
the link and buttons for the natural next step. The buttons are Rasa payloads naming the job, build,
repository or PR exactly, so a click works as a follow-up in the conversation that got the card (and in a
Teams channel thread, whose tracker has never heard of it). Pure functions.

Everything in an event came from a webhook body (job and branch names, titles, logins, alert names and
summaries, URLs): it is shown through common.text (`clean`, `safe_url`); facts are cleaned in
`_reply`, names in titles and summaries where they are put in.
"""

from __future__ import annotations

import time

from common import cards
from common.reply import Button, Reply, payload
from common.text import ago, clean, duration, safe_url
from notifications.events import (
    ALERT_RESOLVED,
    BUILD_STARTED,
    CI_COMPLETED,
    FAILED_CONCLUSIONS,
    FAILED_RESULTS,
    GITHUB,
    GRAFANA,
    PR_CLOSED,
    PR_MERGED,
    PR_OPENED,
    PR_READY,
    PR_REOPENED,
    RELEASE_PUBLISHED,
    Event,
    parse_time,
)

_RESULT_WORDS = {"SUCCESS": "succeeded", "FAILURE": "failed", "UNSTABLE": "is unstable", "ABORTED": "was aborted",
                 "NOT_BUILT": "was not built"}
_CONCLUSION_WORDS = {"success": "passed", "failure": "failed", "timed_out": "timed out", "cancelled": "was cancelled",
                     "startup_failure": "failed to start", "skipped": "was skipped", "neutral": "finished",
                     "action_required": "needs action", "stale": "went stale"}
_PR_WORDS = {PR_OPENED: "opened", PR_REOPENED: "reopened", PR_READY: "ready for review", PR_MERGED: "merged",
             PR_CLOSED: "closed without merging"}
_HIDDEN_LABELS = {"alertname", "grafana_folder", "severity", "__alert_rule_uid__", "__name__"}
WHATS_FIRING = Button("What else is firing?", payload("grafana_alerts"))
NAME = 100


def render(event: Event, now: float | None = None) -> Reply:
    if event.source == GRAFANA:
        return _alert(event, time.time() if now is None else now)
    if event.source == GITHUB:
        return _github(event)
    return _build(event)


def _reply(title: str, status: str, summary: str, facts: list[tuple[str, str]], link: tuple[str, str],
           buttons: list[Button]) -> Reply:
    facts = [(name, clean(value, 200)) for name, value in facts if value]
    url = safe_url(link[1])
    text = " ".join(part for part in (f"{title}.", summary, url) if part)
    card = cards.status_card(title, status, summary, facts, (link[0], url) if url else None, buttons)
    return Reply(text=text, card=card, buttons=buttons)


# -- Jenkins ---------------------------------------------------------------------------------------------------
def _build(event: Event) -> Reply:
    data = event.data
    job, number = str(data["job"]), data["number"]
    build = {"job": job, "build_number": str(number)}
    shown = f"{clean(job, NAME)} #{clean(number, 12)}"
    if event.kind == BUILD_STARTED:
        title = f"{shown} started"
        buttons = [Button("How is it going?", payload("jenkins_build_status", **build))]
    else:
        result = str(data.get("result") or "")
        title = f"{shown} {_RESULT_WORDS.get(result, 'finished')}"
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
    return _reply(title, event.status, summary[:1].upper() + summary[1:], facts, ("Open build", event.url), buttons)


# -- Grafana ---------------------------------------------------------------------------------------------------
def _alert(event: Event, now: float) -> Reply:
    data = event.data
    name = clean(str(data.get("alertname") or event.subject), 120)
    labels = ", ".join(f"{clean(k, 40)}={clean(v, 60)}" for k, v in sorted(event.labels.items())
                       if k not in _HIDDEN_LABELS)
    started = parse_time(str(data.get("starts_at") or ""))
    if event.kind == ALERT_RESOLVED:
        ended = parse_time(str(data.get("ends_at") or "")) or now
        lasted = duration(ended - started) if started else ""
        title = f"Resolved: {name}"
        facts = [("Severity", str(data.get("severity") or "")), ("Labels", labels),
                 ("Was firing for", lasted)]
        summary = clean(str(data.get("summary") or ""), 300)
        return _reply(title, "ok", summary, facts, ("Open in Grafana", event.url), [WHATS_FIRING])
    title = f"Firing: {name}"
    facts = [("Severity", str(data.get("severity") or "")), ("Labels", labels),
             ("Since", ago(started, now) if started else ""), ("Value", clean(str(data.get("value") or ""), 200))]
    summary = clean(" ".join(p for p in (str(data.get("summary") or ""), str(data.get("description") or "")) if p),
                    400)
    return _reply(title, event.status, summary, facts, ("Open in Grafana", event.url), [WHATS_FIRING])


# -- GitHub ----------------------------------------------------------------------------------------------------
def _github(event: Event) -> Reply:
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
        return _reply(title, event.status, summary, facts, ("Open run", event.url), buttons)
    if event.kind == RELEASE_PUBLISHED:
        tag = str(data.get("tag") or "")
        kind = "pre-release" if data.get("prerelease") else "release"
        title = f"New {kind} of {short}: {clean(str(data.get('name') or tag), 120)}"
        facts = [("Repository", repo), ("Tag", tag), ("Published by", str(data.get("author") or ""))]
        return _reply(title, "ok", "", facts, ("Open release", event.url),
                      [Button("Releases", payload("github_releases", github_repo=repo))])
    number = str(data.get("number") or "")
    title = f"Pull request #{clean(number, 12)} {_PR_WORDS.get(event.kind, 'updated')} in {short}"
    summary = clean(str(data.get("title") or ""), 300)
    facts = [("Repository", repo), ("Author", str(data.get("author") or "")),
             ("Branch", f"{data.get('head')} → {data.get('base')}" if data.get("head") else ""),
             ("Merged by", str(data.get("merged_by") or "") if event.kind == PR_MERGED else "")]
    return _reply(title, event.status, summary, facts, ("Open pull request", event.url),
                  [Button("PR status", payload("github_pr_status", github_repo=repo, github_number=number))])
