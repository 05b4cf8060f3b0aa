"""Request bodies read defensively: a size cap, then JSON with a nesting cap, before anything else sees them.

`parse(body, max_bytes)` returns the JSON value or raises `BadBody` with an HTTP status (413 too large, 400
not JSON or nested deeper than MAX_JSON_DEPTH). The depth is measured on the raw bytes first, so a depth
bomb (`[[[[…]]]]` a million deep) never reaches a recursive parser.
"""

from __future__ import annotations

import json
import re
from typing import Any

from common.doors import MAX_JSON_DEPTH


class BadBody(ValueError):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def nesting_depth(body: bytes, stop_above: int | None = None) -> int:
    """The deepest nesting of [ and { outside strings, without parsing (stops counting above `stop_above`)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_above is not None and deepest > stop_above:
                    break
        else:
            depth -= 1
    return deepest


def check_size(body: bytes | None, max_bytes: int) -> bytes:
    body = body or b""
    if len(body) > max_bytes:
        raise BadBody(413, f"the body is larger than {max_bytes:,} bytes")
    return body


def parse(body: bytes | None, max_bytes: int, max_depth: int = MAX_JSON_DEPTH) -> Any:
    body = check_size(body, max_bytes)
    if nesting_depth(body, max_depth) > max_depth:
        raise BadBody(400, f"the JSON is nested deeper than {max_depth} levels")
    try:
        return json.loads(body or b"null")
    except (ValueError, RecursionError) as error:
        raise BadBody(400, "the body is not JSON") from error
