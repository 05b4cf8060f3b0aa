"""The world file's schema language: a field spec (`req`, `opt`), durations, and `validate`, which names a bad
field by its path (`jenkins.jobs[0].builds[1].result`). Each backend's sandbox declares its section's schema
with it (sandbox/<name>/schema.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


class WorldError(ValueError):
    """The world file is malformed; the message names the file and the field."""


def parse_duration(value: Any, where: str = "") -> int:
    """'1d2h' → 93600. Plain numbers are seconds."""
    if isinstance(value, bool):
        raise WorldError(f"{where}: expected a duration like 1h05m, got {value!r}")
    if isinstance(value, int | float):
        return int(value)
    match = _DURATION.match(str(value).strip())
    if not match or not any(match.groups()):
        raise WorldError(f"{where}: expected a duration like 2d, 1h05m or 35m, got {value!r}")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


# --- a small schema language: dict of field → Spec; lists as [Spec]; callables for special cases ----------
@dataclass(frozen=True)
class Spec:
    kind: Any  # a type, a tuple of types, a dict (nested schema), a list [item spec] or a callable
    required: bool = False
    choices: tuple = ()


def req(kind: Any, choices: tuple = ()) -> Spec:
    return Spec(kind, True, choices)


def opt(kind: Any, choices: tuple = ()) -> Spec:
    return Spec(kind, False, choices)


DURATION = "duration"
STR_MAP = "str_map"

def _type_name(kind: Any) -> str:
    if isinstance(kind, tuple):
        return " or ".join(_type_name(k) for k in kind)
    return {str: "text", int: "a whole number", float: "a number", bool: "true/false"}.get(kind, str(kind))


def _check(value: Any, spec: Spec | Any, where: str) -> None:
    kind = spec.kind if isinstance(spec, Spec) else spec
    if kind == DURATION:
        parse_duration(value, where)
    elif kind == STR_MAP:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise WorldError(f"{where}: expected a mapping of names to values, got {value!r}")
    elif isinstance(kind, dict):
        validate(value, kind, where)
    elif isinstance(kind, list):
        if not isinstance(value, list):
            raise WorldError(f"{where}: expected a list, got {type(value).__name__}")
        for index, item in enumerate(value):
            _check(item, kind[0], f"{where}[{index}]")
    elif isinstance(kind, Callable) and not isinstance(kind, type):
        kind(value, where)
    else:
        ok = isinstance(value, kind) and not (isinstance(value, bool) and kind in (int, float, (int, float)))
        if not ok:
            raise WorldError(f"{where}: expected {_type_name(kind)}, got {value!r}")
    if isinstance(spec, Spec) and spec.choices and value not in spec.choices:
        raise WorldError(f"{where}: expected one of {', '.join(map(str, spec.choices))}, got {value!r}")


def validate(data: Any, schema: dict, where: str = "") -> None:
    if not isinstance(data, dict):
        raise WorldError(f"{where or 'world'}: expected a mapping, got {type(data).__name__}")
    prefix = f"{where}." if where else ""
    for key in data:
        if key not in schema:
            raise WorldError(f"{prefix}{key}: unknown field (known here: {', '.join(schema)})")
    for key, spec in schema.items():
        if key not in data or data[key] is None:
            if isinstance(spec, Spec) and spec.required:
                raise WorldError(f"{prefix}{key}: required field is missing")
            continue
        _check(data[key], spec, f"{prefix}{key}")


