"""Help comes from the capability registry; the fallback says what it did not understand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from actions.capabilities import REFERENCE, capabilities
from actions.core import ActionExplainFallback, ActionHelp
from common import settings as settings_module
from sandbox.server import RunningSandbox
from sandbox.world import load_world
from tests.support import make_tracker, run_action, texts
from tests.support.sandbox import WORLDS, point_settings_at, start_sandbox

ROOT = Path(__file__).resolve().parent.parent


def domain_intents() -> set[str]:
    intents: set[str] = set()
    for path in (ROOT / "domain").glob("*.yml"):
        for entry in yaml.safe_load(path.read_text()).get("intents", []):
            intents.add(entry if isinstance(entry, str) else next(iter(entry)))
    return intents


def test_every_registry_entry_names_a_real_intent() -> None:
    missing = {c.intent for c in capabilities()} - domain_intents()
    assert not missing, f"capabilities/ names intents the domain lacks: {missing}"


def test_help_lists_every_capability_example_on_rest(petclinic: RunningSandbox) -> None:
    messages, _ = run_action(ActionHelp(), make_tracker("what can you do?", "help"))
    answer = texts(messages)
    for capability in capabilities():
        assert capability.example in answer
    assert not any("custom" in m and m["custom"] for m in messages)


def test_help_is_an_adaptive_card_in_teams(petclinic: RunningSandbox) -> None:
    messages, _ = run_action(ActionHelp(), make_tracker("help", "help", channel="teams"))
    assert len(messages) == 1
    card = messages[0]["custom"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    shown = str(card)
    assert all(c.example in shown for c in capabilities())


def test_help_examples_name_the_connected_backends_own_things(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Jenkins/GitHub/Grafana with other names than Pet Clinic's: the examples name what exists there."""
    world = load_world(WORLDS / "acme.yaml")
    sandbox = start_sandbox(WORLDS / "acme.yaml")
    try:
        point_settings_at(sandbox, monkeypatch)
        messages, _ = run_action(ActionHelp(), make_tracker("what can you do?", "help"))
    finally:
        sandbox.stop_thread()
    answer = texts(messages)
    assert not any(name in answer for name in REFERENCE.values())
    jobs = set(_names(world["jenkins"]["jobs"]))
    said_job = re.search(r'"is (\S+) green\?"', answer)
    assert said_job and said_job.group(1).split("/")[-1] in jobs
    repos = {repo["full_name"].split("/")[-1] for repo in world["github"]["repos"]}
    said_repo = re.search(r'"open bugs in (\S+)"', answer)
    assert said_repo and said_repo.group(1) in repos


def _names(jobs: list[dict]) -> list[str]:
    """Every job name in a world's (possibly nested) job list."""
    return [name for job in jobs for name in [job.get("name") or job.get("folder"), *_names(job.get("jobs") or [])]]


def test_help_without_reachable_backends_shows_slots_not_foreign_names(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("JENKINS_URL", "GITHUB_TOKEN", "GRAFANA_URL"):
        monkeypatch.delenv(variable, raising=False)
    settings_module.reset()
    messages, _ = run_action(ActionHelp(), make_tracker("help", "help"))
    answer = texts(messages)
    assert '"is ‹job› green?"' in answer and '"open bugs in ‹repo›"' in answer
    assert not any(name in answer for name in REFERENCE.values())


def test_fallback_quotes_the_message_and_offers_help() -> None:
    messages, _ = run_action(ActionExplainFallback(), make_tracker("asdf qwerty", "nlu_fallback"))
    assert '"asdf qwerty"' in messages[0]["text"]
    assert messages[0]["buttons"] == [{"title": "What can you do?", "payload": "/help"}]


def test_fallback_neutralises_control_characters_and_bounds_length() -> None:
    hostile = "\x1b[31mred\x00" + "x" * 500
    messages, _ = run_action(ActionExplainFallback(), make_tracker(hostile, "nlu_fallback"))
    text = messages[0]["text"]
    assert "\x1b" not in text and "\x00" not in text
    assert len(text) < 400


def test_help_about_one_area_shows_that_area(petclinic: RunningSandbox) -> None:
    messages, _ = run_action(ActionHelp(), make_tracker("what can I ask about Grafana?", "help"))
    answer = texts(messages)
    grafana = [c for c in capabilities() if c.area == "Grafana"]
    others = [c for c in capabilities() if c.area != "Grafana"]
    assert all(c.example in answer for c in grafana)
    assert not any(c.example in answer for c in others)
