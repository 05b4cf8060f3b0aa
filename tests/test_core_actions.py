"""Help comes from the capability registry; the fallback says what it did not understand."""

from __future__ import annotations

from pathlib import Path

import yaml

from actions.capabilities import capabilities
from actions.core import ActionExplainFallback, ActionHelp
from tests.support import make_tracker, run_action, texts

ROOT = Path(__file__).resolve().parent.parent


def domain_intents() -> set[str]:
    intents: set[str] = set()
    for path in (ROOT / "domain").glob("*.yml"):
        for entry in yaml.safe_load(path.read_text()).get("intents", []):
            intents.add(entry if isinstance(entry, str) else next(iter(entry)))
    return intents


def test_every_registry_entry_names_a_real_intent() -> None:
    missing = {c.intent for c in capabilities()} - domain_intents()
    assert not missing, f"capabilities.yml names intents the domain lacks: {missing}"


def test_help_lists_every_capability_example_on_rest() -> None:
    messages, _ = run_action(ActionHelp(), make_tracker("what can you do?", "help"))
    answer = texts(messages)
    for capability in capabilities():
        assert capability.example in answer
    assert not any("custom" in m and m["custom"] for m in messages)


def test_help_is_an_adaptive_card_in_teams() -> None:
    messages, _ = run_action(ActionHelp(), make_tracker("help", "help", channel="teams"))
    assert len(messages) == 1
    card = messages[0]["custom"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    shown = str(card)
    assert all(c.example in shown for c in capabilities())


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
