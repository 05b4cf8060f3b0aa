"""Reads the capability registry (`capabilities.yml`), the one source for help, Teams commands and docs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

# The reference world's (Pet Clinic's) names, filled into the examples the docs and the Teams package show.
REFERENCE: dict[str, str] = {"job": "petclinic-build", "repo": "spring-petclinic", "panel": "error rate"}
_SLOT = re.compile(r"\{(job|repo|panel)\}")
REGISTRY = Path(__file__).resolve().parent.parent / "capabilities.yml"


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
def capabilities(path: Path = REGISTRY) -> tuple[Capability, ...]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return tuple(Capability(entry["area"], entry["intent"], entry["title"], entry["example"]) for entry in entries)


def by_area() -> dict[str, list[Capability]]:
    grouped: dict[str, list[Capability]] = {}
    for capability in capabilities():
        grouped.setdefault(capability.area, []).append(capability)
    return grouped
