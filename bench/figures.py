"""What a benchmark run produces: named figures, kept in a JSON file, printed as one table, compared.

A figure is one number with a stable key ("e2e.teams.c10.p95_ms"), so `make bench-compare` can line up
two runs; which way is better is part of the figure (lower latency, higher throughput).
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Figure:
    key: str
    value: float | None  # None: not measured in this run
    unit: str
    better: str = "lower"  # lower, higher, or "" (information, e.g. an answer's first words)
    note: str = ""


@dataclass
class Run:
    meta: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)  # e.g. each question's answer, for a human

    def add(self, key: str, value: float | None, unit: str, better: str = "lower", note: str = "") -> None:
        self.figures[key] = Figure(key, None if value is None else round(float(value), 3), unit, better, note)

    def value(self, key: str) -> float | None:
        figure = self.figures.get(key)
        return figure.value if figure else None

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"meta": self.meta, "figures": [asdict(f) for f in self.figures.values()], "details": self.details}
        path.write_text(json.dumps(data, indent=1) + "\n")

    @classmethod
    def load(cls, path: Path) -> Run:
        data = json.loads(Path(path).read_text())
        figures = {f["key"]: Figure(**f) for f in data.get("figures", [])}
        return cls(data.get("meta", {}), figures, data.get("details", {}))


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}"


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table with aligned columns."""
    rows = [list(header), *[list(r) for r in rows]]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)) + " |"

    return "\n".join([line(rows[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows[1:])])
