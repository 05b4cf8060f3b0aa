"""The world loader: validation that names the bad field, and relative times."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sandbox.world import DEFAULT_WORLD, WorldError, load_world, parse_duration

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1h05m", 3900), ("2d", 172800), ("1d2h", 93600), ("35m", 2100), ("90s", 90), (412, 412)],
)
def test_durations(text: str | int, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["soon", "5x", "", True])
def test_bad_duration_is_named(bad: object) -> None:
    with pytest.raises(WorldError, match="duration"):
        parse_duration(bad, "jenkins.queue[0].ago")


def test_reference_world_loads_with_absolute_times() -> None:
    world = load_world(DEFAULT_WORLD, now=NOW)
    build = world["jenkins"]["jobs"][0]["builds"][0]
    assert build["number"] == 147
    assert build["at"] == NOW - 3900  # ago: 1h05m
    alert = world["grafana"]["alert_rules"][0]
    assert alert["since_at"] == NOW - 35 * 60
    # flow-style series values must survive as whole strings (the reference file quotes them)
    assert world["grafana"]["dashboards"][0]["panels"][0]["series"] == "sine(35, 50)"


def _write_variant(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(DEFAULT_WORLD.read_text())
    change(data)
    path = tmp_path / "world.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda w: w["jenkins"]["jobs"][0]["builds"][1].update(result="FAILED"),
         r"jenkins\.jobs\[0\]\.builds\[1\]\.result: expected one of"),
        (lambda w: w["jenkins"]["jobs"][0].pop("name"), r"jenkins\.jobs\[0\]\.name: required"),
        (lambda w: w["github"]["repos"][0]["pulls"][0].update(numbr=1), r"pulls\[0\]\.numbr: unknown field"),
        (lambda w: w["grafana"]["dashboards"][1]["panels"][0].update(current="fast"),
         r"dashboards\[1\]\.panels\[0\]\.current: expected"),
        (lambda w: w["jenkins"]["queue"][0].update(ago="yesterday"), r"queue\[0\]\.ago"),
    ],
)
def test_bad_field_is_named(tmp_path: Path, change, message: str) -> None:
    with pytest.raises(WorldError, match=message):
        load_world(_write_variant(tmp_path, change))


def test_unreadable_and_invalid_yaml(tmp_path: Path) -> None:
    with pytest.raises(WorldError, match="cannot read"):
        load_world(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed")
    with pytest.raises(WorldError, match="not valid YAML"):
        load_world(broken)


def test_every_shipped_world_loads() -> None:
    for path in sorted(DEFAULT_WORLD.parent.glob("*.yaml")):
        assert load_world(path)["name"]
