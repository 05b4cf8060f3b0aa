"""Shared by the GitHub tests: pointing a fresh GitHub facade at a sandbox, switching the sandbox's faults and
rate limits and counting its requests, and asking a GitHub question through its action (`ask`).
The GitHub tests' fixtures (`acme`, `pets`) are in tests/github/conftest.py."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from actions.base import ActionFollowUp
from actions.github import (
    ActionGithubCommits,
    ActionGithubIssues,
    ActionGithubPrStatus,
    ActionGithubPullRequests,
    ActionGithubReleases,
    ActionGithubWorkflowRuns,
)
from backends.github import service as github_service
from common import settings as settings_module
from sandbox.server import Fault, RunningSandbox
from tests.support import make_tracker, run_action, texts
from tests.support.sandbox import TEST_CREDENTIALS


def point_github_at(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only GitHub: a world may have no Jenkins or Grafana section."""
    monkeypatch.setenv("GITHUB_API_URL", sandbox.url("github"))
    monkeypatch.setenv("GITHUB_TOKEN", TEST_CREDENTIALS["GITHUB_TOKEN"])
    for name in ("GITHUB_ORG", "GITHUB_DEFAULT_REPO", "OPSBOT_HTTP_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    settings_module.reset()
    github_service.reset()


def restore(sandbox: RunningSandbox) -> None:
    """No fault, full rate limits, counters at zero."""
    state = sandbox.state("github")
    state.fault = Fault()
    requests.post(sandbox.url("github") + "/_sandbox/github/rate-limit", json={}, timeout=5)
    state.counts.clear()


def requests_made(sandbox: RunningSandbox) -> int:
    return sum(sandbox.state("github").counts.values())


def fault(sandbox: RunningSandbox, **body) -> None:
    requests.post(sandbox.url("github") + "/_sandbox/fault", json=body, timeout=5)


def rate_limit(sandbox: RunningSandbox, **body) -> None:
    requests.post(sandbox.url("github") + "/_sandbox/github/rate-limit", json=body, timeout=5)


ACTIONS = {cls.intent: cls for cls in (ActionGithubPullRequests, ActionGithubPrStatus, ActionGithubIssues,
                                       ActionGithubReleases, ActionGithubCommits, ActionGithubWorkflowRuns)}


def ask(intent: str, text: str, entities: dict[str, str] | None = None, slots: dict[str, Any] | None = None,
        channel: str = "rest") -> tuple[str, dict[str, Any], list[dict]]:
    """(reply text, slots set, messages) for `text` classified as `intent`, answered by its action (a
    follow-up by the shared follow-up action, which asks the last question again)."""
    found = [{"entity": name, "value": value} for name, value in (entities or {}).items()]
    tracker = make_tracker(text, intent, found, slots or {}, channel=channel)
    handler = ActionFollowUp() if intent == "follow_up" else ACTIONS[intent]()
    messages, events = run_action(handler, tracker)
    slots_set = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return texts(messages), slots_set, messages


def numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"#(\d+)", text)]
