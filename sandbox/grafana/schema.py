"""The `grafana:` section of a world file: what the fake Grafana serves."""

from __future__ import annotations

import re
from typing import Any

from sandbox.schema import DURATION, STR_MAP, WorldError, opt, req

# A panel's made-up history: sine(low, high), ramp(start, end), steps(low, high), or none (no samples at all).
# The generated series always ends at the panel's `current` value at "now".
SERIES_SPEC = re.compile(r"^\s*(?:(sine|ramp|steps)\(\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\)|(none))\s*$")


def _series_spec(value: Any, where: str) -> None:
    if not isinstance(value, str) or not SERIES_SPEC.match(value):
        raise WorldError(f"{where}: expected sine(a, b), ramp(a, b), steps(a, b) or none, got {value!r}")


def _dashboard_variables(value: Any, where: str) -> None:
    """`variables: {env: [production, staging]}`: a dashboard's custom template variables, current value first."""
    if not isinstance(value, dict) or not all(
        isinstance(name, str) and isinstance(values, list) and values and all(isinstance(v, str) for v in values)
        for name, values in value.items()
    ):
        raise WorldError(f"{where}: expected a mapping of variable names to non-empty lists of values")


SCHEMA = {
    "version": opt(str),
    "folders": opt([str]),
    "dashboards": req([{
        "uid": req(str), "title": req(str), "folder": opt(str), "tags": opt([str]),
        "variables": opt(_dashboard_variables),
        "panels": opt([{
            "id": req(int), "title": req(str), "unit": opt(str), "current": req((int, float)),
            "series": opt(_series_spec), "type": opt(str), "description": opt(str), "expr": opt(str),
            "decimals": opt(int),
        }]),
    }]),
    "alert_rules": opt([{
        "uid": req(str), "title": req(str), "state": req(str, ("firing", "pending", "normal", "inactive")),
        "severity": opt(str), "since": opt(DURATION), "labels": opt(STR_MAP), "value": opt((int, float)),
        "threshold": opt((int, float)), "dashboard": opt(str), "panel": opt(int), "summary": opt(str),
        "folder": opt(str), "group": opt(str),
    }]),
    "annotations": opt([{"dashboard": opt(str), "panel": opt(int), "ago": req(DURATION), "text": req(str),
                         "tags": opt([str])}]),
}

