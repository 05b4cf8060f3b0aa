"""GitHub's official OpenAPI description (the subset opsbot uses, openapi_subset.json; its source, version and
licence are in that file's `x-source` and LICENSE.openapi) as JSON Schema validators, and the variants of a
response that the description allows: each nullable field made null and each optional field left out, one at
a time.

OpenAPI 3.0 schemas are JSON Schema (draft 5 era) plus `nullable`; `nullable: true` is turned into JSON Schema
here (`type: [T, "null"]`, `null` added to an `enum`, `anyOf [..., {type: null}]` around a composition), and
`format` is not asserted, as GitHub's own validators don't."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

HERE = Path(__file__).resolve().parent
SUBSET = HERE / "openapi_subset.json"


@cache
def description() -> dict:
    return json.loads(SUBSET.read_text())


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 `nullable` → JSON Schema, everywhere in `node` (a copy)."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items() if key not in ("nullable", "example",
                                                                                       "examples")}
    if not node.get("nullable"):
        return converted
    if "enum" in converted and None not in converted["enum"]:
        converted["enum"] = [*converted["enum"], None]
    if isinstance(converted.get("type"), str):
        converted["type"] = [converted["type"], "null"]
        return converted
    return {"anyOf": [converted, {"type": "null"}]}


@cache
def _root() -> dict:
    return {"components": {"schemas": _json_schema(description()["components"]["schemas"])}}


def operation(operation_id: str) -> dict:
    return description()["operations"][operation_id]


@cache
def validator(operation_id: str) -> jsonschema.Draft7Validator:
    schema = _json_schema(operation(operation_id)["schema"])
    resolver = jsonschema.RefResolver.from_schema(_root())
    return jsonschema.Draft7Validator(schema, resolver=resolver)


def errors(operation_id: str, body: Any, limit: int = 5) -> list[str]:
    """Where `body` breaks the operation's 200 schema ('' when it doesn't): 'items.0.user: None is not …'."""
    found = []
    for error in validator(operation_id).iter_errors(body):
        where = ".".join(str(p) for p in error.absolute_path) or "(body)"
        found.append(f"{where}: {error.message[:200]}")
        if len(found) >= limit:
            break
    return found


def examples(operation_id: str) -> dict[str, Any]:
    """The operation's official example responses, by name."""
    spec = description()
    found = {}
    for name, example in operation(operation_id)["examples"].items():
        while "$ref" in example or "$ref" in (example.get("value") or {}):  # the example, or its value, by reference
            ref = example["$ref"] if "$ref" in example else example["value"]["$ref"]
            example = spec["components"]["examples"][ref.split("/")[-1]]
        found[name] = copy.deepcopy(example["value"])
    return found


# -- variants: each nullable field null, each optional field absent, one at a time ---------------------------
def _resolve(schema: dict) -> dict:
    """A schema with its $ref followed and an allOf merged (enough for walking properties)."""
    while "$ref" in schema:
        schema = description()["components"]["schemas"][schema["$ref"].split("/")[-1]]
    if "allOf" in schema:
        merged: dict = {"properties": {}, "required": []}
        for part in schema["allOf"]:
            part = _resolve(part)
            merged["properties"].update(part.get("properties") or {})
            merged["required"] += part.get("required") or []
        return {**schema, **merged}
    return schema


def _is_nullable(schema: dict) -> bool:
    seen = schema
    while True:
        if seen.get("nullable"):
            return True
        if "$ref" not in seen:
            return False
        seen = description()["components"]["schemas"][seen["$ref"].split("/")[-1]]


def _object_schema(schema: dict, value: dict) -> dict | None:
    """The object schema that describes `value` (the first of a oneOf/anyOf with its properties)."""
    schema = _resolve(schema)
    if "properties" in schema:
        return schema
    for option in schema.get("oneOf") or schema.get("anyOf") or []:
        option = _resolve(option)
        if "properties" in option:
            return option
    return None


def _paths(schema: dict, value: Any, path: tuple) -> Iterator[tuple[tuple, str]]:
    """(path, 'null' | 'absent') for every field of `value` the schema lets be null or absent. Lists: the first
    item stands for all."""
    if isinstance(value, list):
        items = _resolve(schema).get("items")
        if value and isinstance(items, dict):
            yield from _paths(items, value[0], (*path, 0))
        return
    if not isinstance(value, dict):
        return
    described = _object_schema(schema, value)
    if described is None:
        return
    required = set(described.get("required") or [])
    for key, child in (described.get("properties") or {}).items():
        if key not in value:
            continue
        if key not in required:
            yield (*path, key), "absent"
        if _is_nullable(child) and value[key] is not None:
            yield (*path, key), "null"
        if value[key] is not None:
            yield from _paths(child, value[key], (*path, key))


def variants(operation_id: str, body: Any) -> Iterator[tuple[str, Any]]:
    """('items.0.user=null', changed copy) for each nullable or optional field of `body`, one at a time."""
    for path, how in _paths(operation(operation_id)["schema"], body, ()):
        changed = copy.deepcopy(body)
        node = changed
        for step in path[:-1]:
            node = node[step]
        if how == "null":
            node[path[-1]] = None
        else:
            del node[path[-1]]
        yield ".".join(map(str, path)) + ("=null" if how == "null" else " absent"), changed
