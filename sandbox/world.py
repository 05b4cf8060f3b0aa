"""The world file: the state of a team's tools that the sandbox serves, one section per registered backend
with a sandbox (`jenkins:`, `github:`, `grafana:`, ...; each section's schema is its wing's: sandbox/<name>/schema.py).

`load_world(path)` reads the YAML, validates every field (an error names the bad field by its path, e.g.
`jenkins.jobs[0].builds[1].result`) and resolves relative times against the moment of loading: a field
`ago: 1h05m` gains a sibling `at` (Unix seconds), `since: 35m` gains `since_at`, `closed_ago` gains
`closed_at`. Durations are `2d`, `1d2h`, `1h05m`, `35m`, `90s` or plain seconds.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml

from sandbox.schema import WorldError, opt, parse_duration, req, validate
from sandbox.services import wing_sandboxes

DEFAULT_WORLD = Path(__file__).resolve().parent / "worlds" / "petclinic.yaml"
_RELATIVE_FIELDS = {"ago": "at", "since": "since_at", "closed_ago": "closed_at"}

WORLD = {
    "name": req(str),
    "title": opt(str),
    **{name: opt(module.SCHEMA) for name, module in wing_sandboxes().items()},
}
__all__ = ["DEFAULT_WORLD", "WORLD", "WorldError", "load_world", "parse_duration", "validate"]


def _resolve_times(node: Any, now: float) -> None:
    if isinstance(node, dict):
        for field, target in _RELATIVE_FIELDS.items():
            if field in node and node[field] is not None:
                node[target] = now - parse_duration(node[field])
        for key in ("duration", "estimated_duration"):
            if key in node and node[key] is not None:
                node[key] = parse_duration(node[key])
        for value in node.values():
            _resolve_times(value, now)
    elif isinstance(node, list):
        for item in node:
            _resolve_times(item, now)


def load_world(path: str | Path = DEFAULT_WORLD, now: float | None = None) -> dict:
    """Read, validate and time-resolve a world file. Raises WorldError naming the file and field."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise WorldError(f"{path}: cannot read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise WorldError(f"{path}: not valid YAML ({exc})") from exc
    try:
        validate(data, WORLD)
    except WorldError as exc:
        raise WorldError(f"{path.name}: {exc}") from None
    _resolve_times(data, time.time() if now is None else now)
    data["started_at"] = time.time() if now is None else now
    return data
