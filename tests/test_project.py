"""Project hygiene that a newcomer relies on: pins, telemetry off everywhere, held-out NLU data."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _examples(path: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for block in (yaml.safe_load(path.read_text()) or {}).get("nlu", []):
        if "intent" not in block:
            continue
        lines = [line[2:].strip() for line in block["examples"].splitlines() if line.strip().startswith("- ")]
        # drop entity annotations: [text](entity) → text
        lines = [re.sub(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}", lambda m: m.group(1) or m.group(2), x)
                 for x in lines]
        found.setdefault(block["intent"], []).extend(lines)
    return found


def _merge(paths) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for path in paths:
        for intent, examples in _examples(path).items():
            merged.setdefault(intent, []).extend(examples)
    return merged


def test_requirements_are_pinned_exactly() -> None:
    lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    requirements = [line for line in lines if line]
    assert requirements, "requirements.txt is empty"
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][A-Za-z0-9.]*", r) for r in requirements), requirements
    names = {r.split("==")[0].lower() for r in requirements}
    assert {"rasa", "rasa-sdk", "botbuilder-core", "aiohttp", "python-jenkins", "pygithub", "pytest"} <= names
    assert "botbuilder-integration-aiohttp" not in names


def test_telemetry_is_disabled_in_every_entry_point() -> None:
    entry_points = [ROOT / "Makefile", *sorted((ROOT / "scripts").glob("*.sh")), ROOT / ".ci" / "run"]
    for path in entry_points:
        assert "RASA_TELEMETRY_ENABLED" in path.read_text() and "false" in path.read_text(), path


def test_held_out_nlu_set_is_not_copied_from_training() -> None:
    training = _merge((ROOT / "nlu").rglob("*.yml"))
    held_out = _merge((ROOT / "tests" / "nlu").glob("*.yml"))
    seen = {x.lower().strip() for examples in training.values() for x in examples}
    copied = [x for examples in held_out.values() for x in examples if x.lower().strip() in seen]
    assert not copied, f"held-out phrases copied from training: {copied}"


def test_held_out_set_covers_every_trained_intent_five_times() -> None:
    training = _merge((ROOT / "nlu").rglob("*.yml"))
    held_out = _merge((ROOT / "tests" / "nlu").glob("*.yml"))
    thin = {intent: len(held_out.get(intent, [])) for intent in training if len(held_out.get(intent, [])) < 5}
    assert not thin, f"intents with fewer than 5 held-out phrases: {thin}"


def test_readme_capability_table_is_generated_from_the_registry() -> None:
    from scripts import capabilities_doc

    readme = (ROOT / "README.md").read_text()
    assert capabilities_doc.render(readme) == readme, "README capability table is stale: run `make docs`"
