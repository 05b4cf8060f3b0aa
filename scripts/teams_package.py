"""`make teams-package`: the Teams app package (a zip to side-load or upload to your org's app catalogue).

    TEAMS_APP_ID=<your bot's Microsoft App ID> .venv/bin/python -m scripts.teams_package [--out FILE]

The zip holds `manifest.json` (schema v1.19, from teams/manifest.template.json: the bot id from
TEAMS_APP_ID, scopes personal/team/groupChat, the command list generated from capabilities/ via
actions/capabilities.py), a 192x192 colour icon and a 32x32 white-on-transparent outline icon, both drawn
here with Pillow. Optional: TEAMS_APP_VERSION (semver, default 1.0.0), TEAMS_APP_WEBSITE (https URL shown
as the developer's site; privacy and terms pages are under it).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from actions.capabilities import Capability, capabilities

ROOT = Path(__file__).resolve().parent.parent

TEMPLATE = ROOT / "teams" / "manifest.template.json"
DEFAULT_OUT = ROOT / ".opsbot" / "teams" / "opsbot-teams.zip"
SCOPES = ("personal", "team", "groupChat")
MAX_COMMANDS = 10  # per command list (manifest schema)
MAX_TITLE = 32
MAX_DESCRIPTION = 128
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
ACCENT = (31, 111, 178, 255)  # #1F6FB2, the manifest's accentColor
WHITE = (255, 255, 255, 255)
HELP_COMMAND = {"title": "help", "description": "What opsbot can answer, with an example for each"}


class PackageError(ValueError):
    pass


def commands(registry: Sequence[Capability]) -> list[dict[str, str]]:
    """`help`, then capabilities taken in turn from each area (so every backend shows), as the question
    to type: Teams puts a command's title in the compose box, so it must be something opsbot answers."""
    by_area: dict[str, list[Capability]] = {}
    for capability in registry:
        if len(capability.example) <= MAX_TITLE:
            by_area.setdefault(capability.area, []).append(capability)
    chosen: list[dict[str, str]] = [HELP_COMMAND]
    queues = list(by_area.values())
    while len(chosen) < MAX_COMMANDS and any(queues):
        for queue in queues:
            if queue and len(chosen) < MAX_COMMANDS:
                capability = queue.pop(0)
                description = f"{capability.area}: {capability.title}"
                chosen.append({"title": capability.example, "description": description[:MAX_DESCRIPTION]})
    return chosen


def manifest(app_id: str, registry: Sequence[Capability], version: str = "1.0.0",
             website: str = "https://www.example.com/opsbot") -> dict:
    if not GUID.match(app_id or ""):
        raise PackageError(f"TEAMS_APP_ID must be the bot's Microsoft App ID (a GUID), got {app_id!r}")
    if not SEMVER.match(version):
        raise PackageError(f"TEAMS_APP_VERSION must be semver like 1.0.0, got {version!r}")
    if not website.startswith("https://"):
        raise PackageError(f"TEAMS_APP_WEBSITE must be an https URL, got {website!r}")
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in {"app_id": app_id, "version": version, "website": website.rstrip("/")}.items():
        text = text.replace("{{" + name + "}}", value)
    result = json.loads(text)
    listed = commands(registry)
    result["bots"][0]["commandLists"] = [{"scopes": [scope], "commands": listed} for scope in SCOPES]
    return result


def _bubble(draw: ImageDraw.ImageDraw, size: int, inset: float, fill, outline, width: int) -> None:
    """A chat bubble with a tail, scaled to `size` (filled, or as an outline with an open tail)."""
    left, top, right, bottom = size * inset, size * inset, size * (1 - inset), size * 0.74
    draw.rounded_rectangle((left, top, right, bottom), radius=size * 0.16, fill=fill, outline=outline, width=width)
    base_left, tip, base_right = (size * 0.30, bottom), (size * 0.27, size * 0.92), (size * 0.48, bottom)
    if fill:
        draw.polygon([(base_left[0], bottom - 1), tip, (base_right[0], bottom - 1)], fill=fill)
        return
    clear = (0, 0, 0, 0)  # open the bubble's bottom edge where the tail joins it
    draw.rectangle((base_left[0] + 1, bottom - width + 1, base_right[0] - 1, bottom), fill=clear)
    draw.line([base_left, tip, base_right], fill=outline, width=width)


def _prompt(draw: ImageDraw.ImageDraw, size: int, colour, width: int) -> None:
    """`>_`: opsbot is a chat that runs ops questions."""
    mid = size * 0.44
    draw.line([(size * 0.30, mid - size * 0.12), (size * 0.42, mid), (size * 0.30, mid + size * 0.12)],
              fill=colour, width=width, joint="curve")
    draw.line([(size * 0.50, mid + size * 0.12), (size * 0.70, mid + size * 0.12)], fill=colour, width=width)


def colour_icon() -> Image.Image:
    image = Image.new("RGBA", (192, 192), ACCENT)
    draw = ImageDraw.Draw(image)
    _bubble(draw, 192, 0.14, WHITE, None, 1)
    _prompt(draw, 192, ACCENT, 14)
    return image


def outline_icon() -> Image.Image:
    """White on transparent only, as Teams requires (no anti-aliasing: every pixel is white or clear)."""
    image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    _bubble(draw, 32, 0.06, None, WHITE, 2)
    _prompt(draw, 32, WHITE, 2)
    return image


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def build(out: Path, app_id: str, version: str = "1.0.0", website: str = "https://www.example.com/opsbot") -> Path:
    document = manifest(app_id, capabilities(), version, website)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(document, indent=2, ensure_ascii=False))
        package.writestr(document["icons"]["color"], _png(colour_icon()))
        package.writestr(document["icons"]["outline"], _png(outline_icon()))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.teams_package", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    try:
        out = build(args.out, os.environ.get("TEAMS_APP_ID", "").strip(),
                    os.environ.get("TEAMS_APP_VERSION", "1.0.0").strip() or "1.0.0",
                    os.environ.get("TEAMS_APP_WEBSITE", "").strip() or "https://www.example.com/opsbot")
    except PackageError as error:
        print(f"teams-package: {error}", file=sys.stderr)
        return 2
    print(f"teams-package: wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}; side-load it in "
          "Teams (Apps → Manage your apps → Upload an app) or upload it to your org's app catalogue.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
