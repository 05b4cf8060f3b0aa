"""`make teams-package`: the zip Teams accepts: a v1.19 manifest valid against the vendored schema (bot id,
scopes, commands from the capability registry) and icons of the right sizes and kinds."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest
from PIL import Image

from actions.capabilities import Capability, capabilities
from scripts import teams_package

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "teams" / "schema" / "MicrosoftTeams.v1.19.schema.json").read_text())
APP_ID = "8e6f3b1c-5d2a-4c7e-9f0b-0b07f0b07f00"


def package_env(app_id: str) -> dict[str, str]:
    # no .pyc files in the tree (other tests copy it)
    return {"TEAMS_APP_ID": app_id, "PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"}


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("teams") / "opsbot.zip"
    result = subprocess.run([sys.executable, "-m", "scripts.teams_package", "--out", str(out)], cwd=ROOT,
                            env=package_env(APP_ID), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return zipfile.ZipFile(out)


def test_the_zip_holds_the_manifest_and_both_icons_at_its_root(package) -> None:
    assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]


def test_the_manifest_is_valid_v1_19(package) -> None:
    manifest = json.loads(package.read("manifest.json"))
    jsonschema.Draft4Validator(SCHEMA).validate(manifest)
    assert manifest["manifestVersion"] == "1.19"
    for field in ("version", "id", "developer", "name", "description", "icons", "accentColor"):
        assert manifest[field], field


def test_the_bot_is_ours_in_every_scope(package) -> None:
    (bot,) = json.loads(package.read("manifest.json"))["bots"]
    assert bot["botId"] == APP_ID
    assert sorted(bot["scopes"]) == ["groupChat", "personal", "team"]
    assert sorted(scope for lst in bot["commandLists"] for scope in lst["scopes"]) == ["groupChat", "personal", "team"]


def test_commands_come_from_the_capability_registry(package) -> None:
    (bot,) = json.loads(package.read("manifest.json"))["bots"]
    listed = bot["commandLists"][0]["commands"]
    examples = {c.example for c in capabilities()}
    assert listed[0]["title"] == "help"
    assert all(command["title"] in examples for command in listed[1:])
    fitting = [c for c in capabilities() if len(c.example) <= 32]
    assert len(listed) == min(10, 1 + len(fitting))


def test_commands_cover_every_area_within_the_limits() -> None:
    registry = [Capability(area, f"{area}_{n}", f"{area} {n}", f"ask {area.lower()} question {n}")
                for area in ("Jenkins", "GitHub", "Grafana") for n in range(6)]
    registry.append(Capability("Jenkins", "long", "Long", "x" * 40))  # too long to be a command title
    listed = teams_package.commands(registry)
    assert len(listed) == 10
    assert {c["description"].split(":")[0] for c in listed[1:]} == {"Jenkins", "GitHub", "Grafana"}
    assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in listed)


def test_icons_are_192_colour_and_32_white_outline(package) -> None:
    colour = Image.open(io.BytesIO(package.read("color.png")))
    outline = Image.open(io.BytesIO(package.read("outline.png"))).convert("RGBA")
    assert (colour.format, colour.size) == ("PNG", (192, 192))
    assert len(set(colour.convert("RGB").getdata())) > 1
    assert (outline.size, Image.open(io.BytesIO(package.read("outline.png"))).format) == ((32, 32), "PNG")
    pixels = list(outline.getdata())
    visible = [p for p in pixels if p[3] > 0]
    assert visible and len(visible) < len(pixels) / 2  # a drawing on a transparent background
    assert all(p[:3] == (255, 255, 255) for p in visible)  # white only


@pytest.mark.parametrize(("app_id", "complaint"), [("", "GUID"), ("opsbot", "GUID")])
def test_a_missing_or_malformed_app_id_is_refused(tmp_path, app_id, complaint) -> None:
    result = subprocess.run([sys.executable, "-m", "scripts.teams_package", "--out", str(tmp_path / "x.zip")],
                            cwd=ROOT, env=package_env(app_id), capture_output=True,
                            text=True)
    assert result.returncode == 2 and complaint in result.stderr
    assert not (tmp_path / "x.zip").exists()
