"""The checks webhook sources share: constant-time comparison and the Authorization header's parts."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping


def same(given: str, expected: str) -> bool:
    """Constant-time equality; an empty expected value never matches."""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def authorization(headers: Mapping[str, str]) -> tuple[str, str]:
    """(scheme in lower case, credentials) of the Authorization header; ("", "") without one."""
    scheme, _, credentials = (headers.get("authorization") or "").strip().partition(" ")
    return scheme.lower(), credentials.strip()


def basic_credentials(headers: Mapping[str, str]) -> tuple[str, str] | None:
    scheme, credentials = authorization(headers)
    if scheme != "basic" or not credentials:
        return None
    try:
        user, _, password = base64.b64decode(credentials, validate=True).decode().partition(":")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return user, password
