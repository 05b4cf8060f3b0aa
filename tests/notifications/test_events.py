"""Webhook payloads → events, matching and rendering: pure functions, no server."""

from __future__ import annotations

import json

import pytest

from backends.events import Event, PayloadError
from backends.github import source as github_source
from backends.github.source import CI_COMPLETED, PR_MERGED, RELEASE_PUBLISHED, github_event
from backends.grafana import source as grafana_source
from backends.grafana.source import ALERT_FIRING, ALERT_RESOLVED, grafana_events
from backends.jenkins import source as jenkins_source
from backends.jenkins.source import BUILD_FINISHED, BUILD_STARTED, jenkins_event
from notifications.deliver import render
from notifications.match import Subscription, describe, matches
from sandbox.payloads import (
    check_suite_payload,
    grafana_payload,
    jenkins_payload,
    pull_request_payload,
    release_payload,
    workflow_run_payload,
)


def test_jenkins_folder_job_gets_its_full_name_and_completed_finalized_are_one_event() -> None:
    completed = jenkins_event(jenkins_payload("platform/terraform-plan", 31, "COMPLETED", "FAILURE"))
    finalized = jenkins_event(jenkins_payload("platform/terraform-plan", 31, "FINALIZED", "FAILURE"))
    assert completed is not None and finalized is not None
    assert completed.subject == "platform/terraform-plan"
    assert completed.kind == BUILD_FINISHED and completed.status == "failed"
    assert completed.key == finalized.key
    assert completed.data["branch"] == "main" and completed.data["failed_tests"] == 2
    started = jenkins_event(jenkins_payload("platform/terraform-plan", 31, "STARTED", None))
    assert started is not None and started.kind == BUILD_STARTED and started.key != completed.key
    assert jenkins_event(jenkins_payload(phase="QUEUED", status=None)) is None


def test_jenkins_relative_build_url_is_made_absolute_with_the_jenkins_url() -> None:
    payload = jenkins_payload("web-shop", 7)
    del payload["build"]["full_url"]
    event = jenkins_event(payload, "https://ci.acme.test")
    assert event is not None and event.url == "https://ci.acme.test/job/web-shop/7/"


@pytest.mark.parametrize("payload", [{"name": "x"}, {"name": "x", "build": {"phase": "COMPLETED"}}, [1, 2], "text"])
def test_jenkins_payload_without_its_fields_is_refused(payload: object) -> None:
    with pytest.raises(PayloadError):
        jenkins_event(payload)


def test_grafana_gives_one_event_per_alert_and_the_resolution_shares_the_thread() -> None:
    firing = grafana_events(grafana_payload("firing"))
    resolved = grafana_events(grafana_payload("resolved"))
    assert [e.kind for e in firing] == [ALERT_FIRING] and [e.kind for e in resolved] == [ALERT_RESOLVED]
    assert firing[0].thread == resolved[0].thread and firing[0].key != resolved[0].key
    assert firing[0].labels["severity"] == "warning" and firing[0].status == "warning"
    assert firing[0].url.endswith("viewPanel=3")
    two = grafana_payload("firing")
    two["alerts"].append({**two["alerts"][0], "fingerprint": "ffff000011112222",
                          "labels": {**two["alerts"][0]["labels"], "severity": "critical"}})
    events = grafana_events(two)
    assert len(events) == 2 and events[1].status == "failed"
    with pytest.raises(PayloadError):
        grafana_events({"status": "firing"})


def test_github_workflow_run_and_its_check_suite_are_one_event() -> None:
    run = github_event("workflow_run", workflow_run_payload())
    suite = github_event("check_suite", check_suite_payload())
    assert run is not None and suite is not None
    assert run.kind == suite.kind == CI_COMPLETED and run.key == suite.key
    assert run.url.endswith("/actions/runs/555") and suite.url.endswith("/commit/abc1234def5678/checks")
    assert github_event("workflow_run", {**workflow_run_payload(), "action": "requested"}) is None
    assert github_event("push", workflow_run_payload()) is None


def test_github_pull_requests_and_releases() -> None:
    merged = github_event("pull_request", pull_request_payload("closed", merged=True))
    assert merged is not None and merged.kind == PR_MERGED and merged.data["merged_by"] == "paulo"
    assert github_event("pull_request", pull_request_payload("labeled")) is None
    release = github_event("release", release_payload())
    assert release is not None and release.kind == RELEASE_PUBLISHED and release.data["tag"] == "v3.2.1"
    assert github_event("release", {**release_payload(), "action": "created"}) is None
    with pytest.raises(PayloadError):
        github_event("release", {"action": "published", "release": {}})


def _subscription(source: str, target: str, condition: str) -> Subscription:
    return Subscription(1, "c", source, target, condition, target)


def test_matching_by_target_and_condition() -> None:
    failed = jenkins_event(jenkins_payload("petclinic-build", status="FAILURE"))
    passed = jenkins_event(jenkins_payload("petclinic-build", status="SUCCESS"))
    assert failed is not None and passed is not None
    assert matches(_subscription("jenkins", "petclinic-build", "failed"), failed)
    assert not matches(_subscription("jenkins", "petclinic-build", "failed"), passed)
    assert matches(_subscription("jenkins", "petclinic-build", "finished"), passed)
    assert matches(_subscription("jenkins", "", "failed"), failed)
    assert not matches(_subscription("jenkins", "petclinic-nightly", "failed"), failed)
    assert not matches(_subscription("github", "petclinic-build", "ci_failed"), failed)
    alert = grafana_events(grafana_payload(severity="critical"))[0]
    assert matches(_subscription("grafana", "severity=critical", "firing"), alert)
    assert matches(_subscription("grafana", "env=production,severity=critical", "firing"), alert)
    assert not matches(_subscription("grafana", "severity=warning", "firing"), alert)
    release = github_event("release", release_payload())
    assert release is not None
    assert matches(_subscription("github", "petclinic/spring-petclinic", "releases"), release)
    assert not matches(_subscription("github", "petclinic/spring-petclinic", "ci_failed"), release)
    assert describe(_subscription("jenkins", "petclinic-build", "failed")) == "petclinic-build fails"


def test_a_failed_build_card_has_the_link_and_follow_up_buttons() -> None:
    event = jenkins_event(jenkins_payload("petclinic-build", 148, status="FAILURE"))
    assert event is not None
    reply = render(Event.from_json(event.to_json()))
    assert reply.text.startswith("petclinic-build #148 failed.") and event.url in reply.text
    card = reply.card or {}
    assert card["version"] == "1.5" and card["body"][0]["color"] == "Attention"
    actions = card["actions"]
    assert actions[0] == {"type": "Action.OpenUrl", "title": "Open build", "url": event.url}
    payloads = [a["data"]["rasa_payload"] for a in actions[1:]]
    assert payloads == ['/jenkins_why_failed{"job":"petclinic-build","build_number":"148"}',
                        '/jenkins_run_build{"job":"petclinic-build"}']


def test_alert_and_github_cards() -> None:
    resolved = render(grafana_events(grafana_payload("resolved"))[0])
    assert resolved.text.startswith("Resolved: PetClinic p95 latency") and "25 min" in json.dumps(resolved.card)
    run = render(github_event("workflow_run", workflow_run_payload()))  # type: ignore[arg-type]
    assert run.text.startswith("CI failed on main (spring-petclinic)")
    assert run.buttons[0].payload == '/github_workflow_runs{"github_repo":"petclinic/spring-petclinic","branch":"main"}'
    pull = render(github_event("pull_request", pull_request_payload()))  # type: ignore[arg-type]
    assert pull.buttons[0].payload == \
        '/github_pr_status{"github_repo":"petclinic/spring-petclinic","github_number":"216"}'


def test_signatures_and_secrets() -> None:
    body = b'{"zen": "Keep it logically awesome."}'
    good = github_source.signature(body, "s3cret")
    assert github_source.webhook_ok({"x-hub-signature-256": good}, body, "s3cret")
    assert not github_source.webhook_ok({"x-hub-signature-256": good}, body + b" ", "s3cret")
    assert not github_source.webhook_ok({"x-hub-signature-256": good.replace("sha256=", "sha1=")}, body, "s3cret")
    assert not github_source.webhook_ok({"x-hub-signature-256": good}, body, "")  # no secret configured: closed
    assert jenkins_source.webhook_ok({}, {"token": "t0ken"}, "t0ken")
    assert jenkins_source.webhook_ok({"authorization": "Basic b3BzYm90OnQwa2Vu"}, {}, "t0ken")  # opsbot:t0ken
    assert not jenkins_source.webhook_ok({}, {"token": "t0ken"}, "")
    assert grafana_source.webhook_ok({"authorization": "Bearer abc"}, "abc", "", "")
    assert not grafana_source.webhook_ok({"authorization": "Bearer abd"}, "abc", "", "")
    assert grafana_source.webhook_ok({"authorization": "Basic Z3JhZmFuYTpwdw=="}, "", "grafana", "pw")
