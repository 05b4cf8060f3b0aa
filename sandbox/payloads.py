"""Webhook payloads shaped as the tools send them (Jenkins' Notification plugin, Grafana's webhook contact point,
GitHub's workflow_run, check_suite, release and pull_request events), and the conversation reference a
subscription in a Teams channel remembers: for the tests and the notification benchmark.
"""

from __future__ import annotations

from typing import Any

from sandbox.botframework import FakeBotFramework

CHANNEL = "19:ops-channel@thread.tacv2"


def jenkins_payload(job: str = "petclinic-build", number: int = 148, phase: str = "FINALIZED",
                    status: str | None = "FAILURE", base: str = "http://jenkins.example.com") -> dict[str, Any]:
    parts = job.split("/")
    relative = "".join(f"job/{p}/" for p in parts)
    build: dict[str, Any] = {"full_url": f"{base}/{relative}{number}/", "number": number, "queue_id": 4242,
                             "phase": phase, "url": f"{relative}{number}/", "duration": 252_000,
                             "scm": {"url": "https://github.com/petclinic/spring-petclinic.git",
                                     "branch": "origin/main", "commit": "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
                                     "changes": [], "culprits": ["dan"]},
                             "parameters": {}, "log": "", "notes": "", "artifacts": {},
                             "test_summary": {"total": 120, "failed": 2, "skipped": 0, "passed": 118,
                                              "failedTests": ["OwnerControllerTests.testUpdate"]}}
    if status is not None:
        build["status"] = status
    return {"name": parts[-1], "display_name": parts[-1], "url": relative, "build": build}


def grafana_payload(status: str = "firing", alertname: str = "PetClinic p95 latency above 1.5s",
                    severity: str = "warning", fingerprint: str = "c3a1b2d4e5f60718",
                    starts: str = "2025-03-01T10:00:00Z", labels: dict[str, str] | None = None,
                    base: str = "http://grafana.example.com") -> dict[str, Any]:
    all_labels = {"alertname": alertname, "grafana_folder": "PetClinic", "severity": severity,
                  "service": "petclinic", "env": "production", **(labels or {})}
    alert = {"status": status, "labels": all_labels,
             "annotations": {"summary": "p95 latency is 1.82s (threshold 1.5s)"},
             "startsAt": starts, "endsAt": "2025-03-01T10:25:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
             "generatorURL": f"{base}/alerting/grafana/petclinic-latency/view?orgId=1", "fingerprint": fingerprint,
             "silenceURL": f"{base}/alerting/silence/new", "dashboardURL": f"{base}/d/petclinic-overview?orgId=1",
             "panelURL": f"{base}/d/petclinic-overview?orgId=1&viewPanel=3", "values": {"B": 1.82, "C": 1},
             "valueString": "[ var='B' labels={} value=1.82 ]"}
    return {"receiver": "opsbot", "status": status, "orgId": 1, "alerts": [alert],
            "groupLabels": {"alertname": alertname}, "commonLabels": all_labels, "commonAnnotations": {},
            "externalURL": f"{base}/", "version": "1", "groupKey": "{}:{}", "truncatedAlerts": 0,
            "title": f"[{status.upper()}:1] {alertname}", "state": "alerting", "message": ""}


def repository(full_name: str = "petclinic/spring-petclinic") -> dict[str, Any]:
    return {"id": 101, "name": full_name.split("/")[1], "full_name": full_name,
            "html_url": f"https://github.com/{full_name}", "owner": {"login": full_name.split("/")[0]}}


def workflow_run_payload(conclusion: str = "failure", repo: str = "petclinic/spring-petclinic",
                         suite_id: int = 9001) -> dict[str, Any]:
    return {"action": "completed", "repository": repository(repo), "sender": {"login": "dan"},
            "workflow": {"id": 7, "name": "CI"},
            "workflow_run": {"id": 555, "name": "CI", "head_branch": "main", "head_sha": "abc1234def5678",
                             "status": "completed", "conclusion": conclusion, "run_number": 812, "run_attempt": 1,
                             "event": "push", "display_title": "Fix owner update", "check_suite_id": suite_id,
                             "html_url": f"https://github.com/{repo}/actions/runs/555", "actor": {"login": "dan"}}}


def check_suite_payload(conclusion: str = "failure", repo: str = "petclinic/spring-petclinic",
                        suite_id: int = 9001) -> dict[str, Any]:
    return {"action": "completed", "repository": repository(repo), "sender": {"login": "dan"},
            "check_suite": {"id": suite_id, "head_branch": "main", "head_sha": "abc1234def5678",
                            "status": "completed", "conclusion": conclusion,
                            "app": {"slug": "github-actions", "name": "GitHub Actions"}}}


def release_payload(repo: str = "petclinic/spring-petclinic", tag: str = "v3.2.1") -> dict[str, Any]:
    return {"action": "published", "repository": repository(repo), "sender": {"login": "paulo"},
            "release": {"id": 77, "tag_name": tag, "name": tag, "prerelease": False, "draft": False,
                        "html_url": f"https://github.com/{repo}/releases/tag/{tag}", "author": {"login": "paulo"}}}


def pull_request_payload(action: str = "opened", merged: bool = False, repo: str = "petclinic/spring-petclinic",
                         number: int = 216) -> dict[str, Any]:
    return {"action": action, "number": number, "repository": repository(repo), "sender": {"login": "dan"},
            "pull_request": {"number": number, "title": "Add visit reminders", "user": {"login": "dan"},
                             "html_url": f"https://github.com/{repo}/pull/{number}", "merged": merged,
                             "draft": False, "base": {"ref": "main"}, "head": {"ref": "feature/reminders"},
                             "updated_at": "2025-03-01T10:00:00Z",
                             "closed_at": "2025-03-02T10:00:00Z" if action == "closed" else None,
                             "merged_by": {"login": "paulo"} if merged else None}}


def channel_reference(fake: FakeBotFramework, channel: str = CHANNEL) -> dict[str, Any]:
    """The conversation reference a subscription made in that Teams channel remembers."""
    return {"serviceUrl": fake.service_url(), "channelId": "msteams",
            "bot": {"id": f"28:{fake.app_id}", "name": "opsbot"},
            "conversation": {"id": channel, "conversationType": "channel", "isGroup": True,
                             "tenantId": "72f988bf-0000-4000-8000-0000000000aa"}}


