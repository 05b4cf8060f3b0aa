"""How Jenkins' remote API shapes a JSON answer: `depth=` and `tree=` over exported objects.

A model object's JSON holds `Ref`s where Jenkins would refer to another exported object (a job's builds,
a folder's jobs, a queue item's task). At `depth=0` a Ref shows its summary ({_class, number, url} for a
build); each extra depth level expands one more level of Refs. With `tree=` only the named fields are
returned, at any nesting, and `_class` always: `jobs[name,color,lastBuild[number,result]]{0,10}`.
A field named without sub-fields that holds objects gives objects with only their `_class`, as Jenkins does
(python-jenkins relies on this to detect folders deeper than its query).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_NAME = re.compile(r"[A-Za-z0-9_$]+")
_RANGE = re.compile(r"\{(\d*)(,?)(\d*)\}")


@dataclass
class Ref:
    """A reference to another exported object: `summary` at the depth limit, `full()` beyond it."""

    summary: dict
    full: Callable[[], dict]


@dataclass(frozen=True)
class TreeField:
    name: str
    children: tuple[TreeField, ...] | None = None
    start: int | None = None
    end: int | None = None


class TreeError(ValueError):
    """The tree= expression is malformed."""


def parse_tree(spec: str) -> tuple[TreeField, ...]:
    """`a,b[c,d]{0,5}` → fields. Raises TreeError on malformed input."""
    position = 0

    def fields() -> tuple[TreeField, ...]:
        nonlocal position
        found: list[TreeField] = []
        while True:
            match = _NAME.match(spec, position)
            if not match:
                raise TreeError(f"expected a field name at {position} in {spec!r}")
            position = match.end()
            children = None
            if spec.startswith("[", position):
                position += 1
                children = fields()
                if not spec.startswith("]", position):
                    raise TreeError(f"expected ] at {position} in {spec!r}")
                position += 1
            start = end = None
            range_match = _RANGE.match(spec, position)
            if range_match:
                low, comma, high = range_match.groups()
                start = int(low) if low else None
                if comma:
                    end = int(high) if high else None
                elif start is not None:
                    end = start + 1
                position = range_match.end()
            found.append(TreeField(match.group(), children, start, end))
            if spec.startswith(",", position):
                position += 1
                continue
            return tuple(found)

    result = fields()
    if position != len(spec):
        raise TreeError(f"unexpected {spec[position]!r} at {position} in {spec!r}")
    return result


def select(value: dict, fields: tuple[TreeField, ...]) -> dict:
    """Only the named fields of `value` (and its `_class`)."""
    out: dict = {}
    if "_class" in value:
        out["_class"] = value["_class"]
    for field in fields:
        if field.name in value:
            out[field.name] = _select_value(value[field.name], field)
    return out


def _select_value(value: Any, field: TreeField) -> Any:
    if isinstance(value, list):
        items = value[field.start:field.end] if (field.start, field.end) != (None, None) else value
        return [_select_item(item, field) for item in items]
    return _select_item(value, field)


def _select_item(value: Any, field: TreeField) -> Any:
    if isinstance(value, Ref):
        value = value.full() if field.children else value.summary
    if isinstance(value, dict):
        if field.children is None:
            return {"_class": value["_class"]} if "_class" in value else {}
        return select(value, field.children)
    return value


def expand(value: Any, depth: int = 0) -> Any:
    """The plain JSON of `value` at `depth=`: Refs beyond the depth show their summary."""
    if isinstance(value, Ref):
        return expand(value.full(), depth - 1) if depth > 0 else expand(value.summary, 0)
    if isinstance(value, dict):
        return {key: expand(item, depth) for key, item in value.items()}
    if isinstance(value, list):
        return [expand(item, depth) for item in value]
    return value


def render(value: dict, tree: str | None, depth: int = 0) -> dict:
    """The answer to `?tree=…` (if given) or `?depth=…`."""
    if tree:
        return expand(select(value, parse_tree(tree)))
    return expand(value, depth)
