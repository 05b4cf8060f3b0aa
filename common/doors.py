"""Who may knock on which door: the settings every opsbot server shares about listening and trust.

- OPSBOT_BIND: the address every server listens on (default 127.0.0.1: nothing is reachable from another
  machine unless configured so). The Teams webhook is the one endpoint meant to be public, behind a proxy.
- OPSBOT_ACTIONS_TOKEN: the shared secret between the Rasa server(s) and the action server(s); the action
  server refuses every call without it (`Authorization: Bearer …`). It also keys the signatures of pending
  offers (actions.confirm), so every action server of one deployment must have the same.
- OPSBOT_REST_TOKEN, OPSBOT_REST_TRUST_SENDER: the REST channel's door (connector.rest).
- OPSBOT_ACTION_ENDPOINT_URL: where the Rasa server finds the action server (to tell a user when it is down).

Body limits per endpoint, checked before anything is parsed, live here too so that each door states its own.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os

DEFAULT_BIND = "127.0.0.1"
ACTIONS_TOKEN_SETTING = "OPSBOT_ACTIONS_TOKEN"
DEFAULT_ACTION_ENDPOINT = "http://127.0.0.1:5055/webhook"

# The largest body each endpoint reads (bytes). A Teams activity is a message of at most ~28 KB plus its
# envelope; a REST message is cut at 2,000 characters anyway; GitHub caps webhook payloads at 25 MB but
# opsbot's events are a few KB (larger ones are refused with 413, which GitHub shows in its delivery log).
MAX_BODY = {"rest": 64 * 1024, "teams": 256 * 1024, "notify": 5 * 1024 * 1024, "actions": 16 * 1024 * 1024}
# The largest body any endpoint of the Rasa server reads: Sanic refuses more before reading it.
MAX_SERVER_BODY = max(MAX_BODY["rest"], MAX_BODY["teams"], MAX_BODY["notify"])
MAX_JSON_DEPTH = 64


def bind_address() -> str:
    return os.environ.get("OPSBOT_BIND", "").strip() or DEFAULT_BIND


def is_loopback(address: str) -> bool:
    if address in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def actions_token() -> str:
    return os.environ.get(ACTIONS_TOKEN_SETTING, "").strip()


def action_endpoint() -> str:
    return os.environ.get("OPSBOT_ACTION_ENDPOINT_URL", "").strip() or DEFAULT_ACTION_ENDPOINT


def bearer_matches(header: str | None, secret: str) -> bool:
    """True when `header` is `Bearer <secret>` (the scheme in any case; the secret compared in constant time);
    never for an empty secret."""
    scheme, _, given = (header or "").partition(" ")
    if not secret or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8", "replace"), secret.encode("utf-8"))


def derived_key(purpose: str) -> bytes:
    """A key for `purpose` derived from OPSBOT_OFFER_KEY (held by the action servers alone), else from the actions
    token; empty when there is neither."""
    token = os.environ.get("OPSBOT_OFFER_KEY", "").strip() or actions_token()
    return hmac.new(token.encode(), purpose.encode(), hashlib.sha256).digest() if token else b""
