"""The "no subscriptions" hint names this Jenkins' and GitHub's own things (UAT finding 14): in the Acme world
it used to suggest "notify this channel when petclinic-build fails", which fails there. Each example it gives
must work when said back."""

from __future__ import annotations

import re
from pathlib import Path

import requests

from actions.subscriptions import ActionListSubscriptions, ActionSubscribe
from common import settings as settings_module
from sandbox.server import RunningSandbox
from sandbox.world import load_world
from tests.support.sandbox import WORLDS
from tests.support.subscriptions import fresh_services, rest, store

ACME = load_world(WORLDS / "acme.yaml")


def job_names(entries: list[dict], folder: str = "") -> set[str]:
    """Full names of the world's jobs ("treasury/iban-validator-build")."""
    names: set[str] = set()
    for entry in entries:
        if "folder" in entry:
            names |= job_names(entry.get("jobs") or [], f"{folder}{entry['folder']}/")
        else:
            names.add(folder + entry["name"])
    return names


JOBS = job_names(ACME["jenkins"]["jobs"])


def examples(answer: str) -> list[str]:
    return re.findall(r'"([^"]+)"', answer.partition("Try ")[2])


def test_the_hint_uses_live_names_and_each_example_subscribes(acme: RunningSandbox,
                                                              notify_env: Path) -> None:
    answer, _, _ = rest(ActionListSubscriptions(), "what are we subscribed to?", sender="u22")
    assert "no notifications set up" in answer and "petclinic" not in answer.lower()
    said = examples(answer)
    repos = {repo["full_name"].split("/")[1] for repo in ACME["github"]["repos"]}
    assert any(any(f" {job} " in f" {e} " for job in JOBS) for e in said), said
    assert any(any(e.endswith(f" {repo}") for repo in repos) for e in said), said
    for example in said:
        rest(ActionSubscribe(), example, sender="demo")
    assert len(store(notify_env).subscriptions("demo")) == len(said) == 3


def test_a_tool_that_is_down_drops_its_example_not_the_answer(acme: RunningSandbox,
                                                              notify_env: Path) -> None:
    requests.post(acme.url("jenkins") + "/_sandbox/fault", json={"status": 503}, timeout=5)
    try:
        answer, _, _ = rest(ActionListSubscriptions(), "list subscriptions", sender="u22")
    finally:
        requests.post(acme.url("jenkins") + "/_sandbox/fault", json={}, timeout=5)
    said = examples(answer)
    assert "no notifications set up" in answer and len(said) == 2
    assert not any(job in answer for job in JOBS)


def test_with_no_tool_configured_the_hint_is_generic(notify_env: Path, monkeypatch) -> None:
    for name in ("JENKINS_URL", "GITHUB_TOKEN", "GITHUB_API_URL", "GRAFANA_URL"):
        monkeypatch.delenv(name, raising=False)
    settings_module.reset()
    fresh_services()
    try:
        answer, _, _ = rest(ActionListSubscriptions(), "list subscriptions", sender="u22")
    finally:
        settings_module.reset()
    assert "no notifications set up" in answer and "[job name]" in answer and "petclinic" not in answer
