"""Is this webhook request from the tool it claims to be? One check per tool, each constant-time.

- Jenkins: the Notification plugin sends no custom headers, so the shared secret travels as the `token`
  query parameter (keep the whole URL in a Jenkins "secret text" credential) or as the password of
  `https://opsbot:SECRET@host/...` (the plugin turns URL user info into Basic auth). Other senders may
  use `Authorization: Bearer SECRET` or `X-Opsbot-Token: SECRET`.
- Grafana: the webhook contact point's "Authorization header" (`<scheme> <credentials>`, Bearer by
  default) carrying the token, or its HTTP basic auth user and password.
- GitHub: `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with the webhook secret, hex>`.
A secret that is not configured refuses everything: a receiver is never open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping


def same(given: str, expected: str) -> bool:
    """Constant-time equality; an empty expected value never matches."""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def _authorization(headers: Mapping[str, str]) -> tuple[str, str]:
    scheme, _, credentials = (headers.get("authorization") or "").strip().partition(" ")
    return scheme.lower(), credentials.strip()


def basic_credentials(headers: Mapping[str, str]) -> tuple[str, str] | None:
    scheme, credentials = _authorization(headers)
    if scheme != "basic" or not credentials:
        return None
    try:
        user, _, password = base64.b64decode(credentials, validate=True).decode().partition(":")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return user, password


def jenkins_ok(headers: Mapping[str, str], query: Mapping[str, str], secret: str) -> bool:
    if not secret:
        return False
    scheme, credentials = _authorization(headers)
    basic = basic_credentials(headers)
    candidates = [query.get("token") or "", headers.get("x-opsbot-token") or "",
                  credentials if scheme == "bearer" else "", basic[1] if basic else ""]
    # every candidate is compared (no early exit on which one was given)
    return sum(same(candidate, secret) for candidate in candidates) > 0


def grafana_ok(headers: Mapping[str, str], token: str, user: str, password: str) -> bool:
    scheme, credentials = _authorization(headers)
    if token and scheme and scheme != "basic" and same(credentials, token):
        return True
    basic = basic_credentials(headers)
    if user and password and basic is not None:
        return same(basic[0], user) & same(basic[1], password)
    return False


def github_signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def github_ok(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    given = (headers.get("x-hub-signature-256") or "").strip()
    return bool(secret) and given.startswith("sha256=") and same(given, github_signature(body, secret))
