"""Reads the capability registry (`capabilities.yml`), the one source for help, Teams commands and docs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

REGISTRY = Path(__file__).resolve().parent.parent / "capabilities.yml"


@dataclass(frozen=True)
class Capability:
    area: str
    intent: str
    title: str
    example: str


@lru_cache(maxsize=1)
def capabilities(path: Path = REGISTRY) -> tuple[Capability, ...]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return tuple(Capability(**entry) for entry in entries)


def by_area() -> dict[str, list[Capability]]:
    grouped: dict[str, list[Capability]] = {}
    for capability in capabilities():
        grouped.setdefault(capability.area, []).append(capability)
    return grouped
