"""Request bodies read defensively: a size cap, then JSON with a nesting cap, before anything else sees them.

`parse(body, max_bytes)` returns the JSON value or raises `BadBody` with an HTTP status (413 too large, 400
not JSON or nested deeper than MAX_JSON_DEPTH). The standard library's C parser guards its own recursion (a
depth bomb `[[[[…]]]]` raises RecursionError at once, a 400 here); the parsed value's depth is then measured
without recursion. Everything is linear in the body's size: no regular expression runs over it.
"""

from __future__ import annotations

import json
from typing import Any

from common.doors import MAX_JSON_DEPTH


class BadBody(ValueError):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def nesting_depth(value: Any, stop_above: int | None = None) -> int:
    """How deeply lists and objects nest in a parsed JSON value (a scalar: 0), measured without recursion;
    stops counting above `stop_above`."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            if stop_above is not None and deepest > stop_above:
                return deepest
            stack.extend((child, depth) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def check_size(body: bytes | None, max_bytes: int) -> bytes:
    body = body or b""
    if len(body) > max_bytes:
        raise BadBody(413, f"the body is larger than {max_bytes:,} bytes")
    return body


def parse(body: bytes | None, max_bytes: int, max_depth: int = MAX_JSON_DEPTH) -> Any:
    body = check_size(body, max_bytes)
    try:
        value = json.loads(body or b"null")
    except RecursionError as error:
        raise BadBody(400, f"the JSON is nested deeper than {max_depth} levels") from error
    except ValueError as error:  # also UnicodeDecodeError
        raise BadBody(400, "the body is not JSON") from error
    if nesting_depth(value, max_depth) > max_depth:
        raise BadBody(400, f"the JSON is nested deeper than {max_depth} levels")
    return value
