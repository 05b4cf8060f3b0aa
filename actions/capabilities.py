"""Reads the capability registry (`capabilities/*.yml`, one file per area), the one source for help, Teams
commands and docs. The registered backends' files come first, in the registry's order, then the others by name
with the team's own questions (`custom.yml`) last: a new backend's examples appear by adding its file."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from backends.registry import REGISTERED

# The reference world's (Pet Clinic's) names, filled into the examples the docs and the Teams package show.
REFERENCE: dict[str, str] = {"job": "petclinic-build", "repo": "spring-petclinic", "panel": "error rate"}
_SLOT = re.compile(r"\{(job|repo|panel)\}")
REGISTRY = Path(__file__).resolve().parent.parent / "capabilities"


@dataclass(frozen=True)
class Capability:
    """`template` may name live things as {job}, {repo} or {panel}; `example` is it with the reference
    world's names (docs, the Teams package), `say(names)` with the user's own (the help answer)."""

    area: str
    intent: str
    title: str
    template: str

    def say(self, names: Mapping[str, str]) -> str:
        """The example with `names` filled in; a kind with no name shows as ‹job› (a slot to fill)."""
        return _SLOT.sub(lambda m: names.get(m.group(1)) or f"‹{m.group(1)}›", self.template)

    @property
    def example(self) -> str:
        return self.say(REFERENCE)


@lru_cache(maxsize=1)
def capabilities(folder: Path = REGISTRY) -> tuple[Capability, ...]:
    entries = [entry for path in registry_files(folder)
               for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []]
    return tuple(Capability(entry["area"], entry["intent"], entry["title"], entry["example"]) for entry in entries)


def registry_files(folder: Path = REGISTRY) -> list[Path]:
    """The area files in order: registered backends first (registry order), the rest by name, custom last."""
    files = {path.stem: path for path in folder.glob("*.yml")}
    wings = [files.pop(name) for name in REGISTERED if name in files]
    custom = [files.pop("custom")] if "custom" in files else []
    return [*wings, *(files[name] for name in sorted(files)), *custom]


def by_area() -> dict[str, list[Capability]]:
    grouped: dict[str, list[Capability]] = {}
    for capability in capabilities():
        grouped.setdefault(capability.area, []).append(capability)
    return grouped
