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


def _numbers(value: Any, where: str) -> None:
    if not isinstance(value, list) or not value or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        raise WorldError(f"{where}: expected a list of numbers, got {value!r}")


# How a panel names its data source in the saved dashboard JSON: `uid` ({"type", "uid"}, Grafana 8.3 and later),
# `name` (the data source's name, as dashboards saved before 8.3 do), `null` (JSON null: the default data source)
# or `variable` ("$ds": the dashboard's data source variable, whose saved value is a name).
DATASOURCE_REFS = ("uid", "name", "null", "variable")
# A rule's condition as its definition holds it: `classic` (classic_conditions: data query A, condition B with an
# evaluator), `threshold` (A, B reduce last, C threshold expression), `math` (A, B reduce, C math "$B > 90").
CONDITIONS = ("classic", "threshold", "math")
EVALUATORS = ("gt", "lt", "gte", "lte", "eq", "ne", "within_range", "outside_range", "within_range_included",
              "outside_range_included")

SCHEMA = {
    "version": opt(str),
    # The data sources /api/datasources lists; without them, one default Prometheus (uid "prometheus").
    "datasources": opt([{"name": req(str), "uid": req(str), "type": opt(str), "default": opt(bool)}]),
    # Grafana's feature toggle datasourceQueryMultiStatus: a query with a failing refId answers 207, not 400.
    "multi_status": opt(bool),
    "folders": opt([str]),
    "dashboards": req([{
        "uid": req(str), "title": req(str), "folder": opt(str), "tags": opt([str]),
        "variables": opt(_dashboard_variables),
        # The dashboard JSON's schemaVersion; below 33 (saved before Grafana 8.3) panels name data sources by name.
        "schema_version": opt(int),
        # The data source (by name) that the dashboard's `$ds` data source variable currently selects.
        "ds_variable": opt(str),
        "panels": opt([{
            "id": req(int), "title": req(str), "unit": opt(str), "current": req((int, float)),
            "series": opt(_series_spec), "type": opt(str), "description": opt(str), "expr": opt(str),
            "decimals": opt(int),
            "datasource": opt(str),  # the data source's name (default: the default data source)
            "datasource_ref": opt(str, DATASOURCE_REFS),
            "error": opt(str),  # the data source fails this panel's query with this reason
        }]),
    }]),
    "alert_rules": opt([{
        "uid": req(str), "title": req(str),
        "state": req(str, ("firing", "pending", "recovering", "normal", "inactive")),
        "severity": opt(str), "since": opt(DURATION), "labels": opt(STR_MAP), "value": opt((int, float)),
        "threshold": opt((int, float)), "dashboard": opt(str), "panel": opt(int), "summary": opt(str),
        "folder": opt(str), "group": opt(str),
        "condition": opt(str, CONDITIONS), "evaluator": opt(str, EVALUATORS), "params": opt(_numbers),
    }]),
    "annotations": opt([{"dashboard": opt(str), "panel": opt(int), "ago": req(DURATION), "text": req(str),
                         "tags": opt([str])}]),
}

