"""The REST channel (`POST /webhooks/rest/webhook`), hardened.

Who may use it, and who they are, is decided here and nowhere a client can write (README "Running in
production", threat model):
- With the Teams channel on (TEAMS_APP_ID set), REST is closed (403) unless OPSBOT_REST_TOKEN is set.
- With OPSBOT_REST_TOKEN set, every request needs `Authorization: Bearer <token>` (401 otherwise), and every
  sender is treated as an unknown person (access.yml's `default_role`, read-only by default), unless
  OPSBOT_REST_TRUST_SENDER=true says the one client holding the token is a trusted integration that names
  its users truthfully.
- Without a token and without Teams (`make serve` on one machine), the sender is trusted only for a request
  that comes from this machine itself: a loopback peer, a loopback Host (no DNS rebinding), no proxy's
  forwarding headers, and no browser's cross-site marks (Origin, Sec-Fetch-Site): a web page the developer
  visits cannot post as the release manager. Anything else gets `default_role`.
- OPSBOT_REST_TRUST_SENDER=true (a trusted integration) needs OPSBOT_REST_TOKEN (at least 16 characters): the
  REST channel refuses to start with one and not the other.
The conversation is `rest:<sender>`: a REST client can never write into a Teams conversation (whose ids never
start with `rest:`). Of the client's metadata only `timezone` is kept; everything else (identity,
conversation ids, a forged "your message was cut" note) is dropped. A body over MAX_BODY["rest"] is refused
with 413, JSON nested too deep with 400, before Rasa parses anything.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from common import jsonbody, logsafe
from common.doors import MAX_BODY, bearer_matches, bind_address, is_loopback
from connector.guard import admitted, cap_server_body, sanitise

CONVERSATION_PREFIX = "rest:"
MIN_TOKEN_CHARS = 16
FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")
CLIENT_METADATA_KEYS = frozenset({"timezone"})  # what a REST client may tell about itself
TRUE_WORDS = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class RestDoor:
    """The REST channel's settings, read once from the environment."""

    token: str = ""
    teams_on: bool = False
    trust_sender: bool = False
    loopback_only: bool = True

    @classmethod
    def from_env(cls) -> RestDoor:
        return cls(token=os.environ.get("OPSBOT_REST_TOKEN", "").strip(),
                   teams_on=bool(os.environ.get("TEAMS_APP_ID", "").strip()),
                   trust_sender=os.environ.get("OPSBOT_REST_TRUST_SENDER", "").strip().lower() in TRUE_WORDS,
                   loopback_only=is_loopback(bind_address()))

    @property
    def open(self) -> bool:
        return bool(self.token) or not self.teams_on

    def __post_init__(self) -> None:
        if self.token and len(self.token) < MIN_TOKEN_CHARS:
            raise ValueError(f"OPSBOT_REST_TOKEN must be at least {MIN_TOKEN_CHARS} characters")
        if self.trust_sender and not self.token:
            raise ValueError("OPSBOT_REST_TRUST_SENDER=true needs OPSBOT_REST_TOKEN: only the integration holding "
                             "the token may name its users")

    def senders_trusted(self, request: Any = None) -> bool:
        """Whether a sender id is the person (their roles apply) or just a name (default_role only)."""
        if self.token:
            return self.trust_sender
        if self.teams_on or not self.loopback_only:
            return False
        return request is None or from_this_machine(request)

    def refusal(self, request: Request) -> HTTPResponse | None:
        """The answer to a request that may not come in (None: it may)."""
        if not self.open:
            return response.json({"error": "the REST channel is closed while the Teams channel is on; an admin "
                                           "can open it for an integration with OPSBOT_REST_TOKEN"}, status=403)
        if self.token and not bearer_matches(request.headers.get("Authorization"), self.token):
            return response.json({"error": "unauthorized: send Authorization: Bearer <OPSBOT_REST_TOKEN>"},
                                 status=401)
        return None


class GuardedRestInput(RestInput):
    def __init__(self, door: RestDoor | None = None) -> None:
        logsafe.install()  # the Rasa server's entry point for our code: its logs are redacted from here on
        self.door = door or RestDoor.from_env()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(admitted(on_new_message))
        blueprint.middleware("request")(self.refuse_unwelcome)  # (Sanic ignores `middleware(f, "request")`)
        cap_server_body(blueprint)
        return blueprint

    async def refuse_unwelcome(self, request: Request) -> HTTPResponse | None:
        if not _is_rest_message(request):
            return None
        return self.door.refusal(request) or await refuse_malformed(request)

    def _extract_message(self, req: Request) -> str | None:
        text, _notes = sanitise((req.json or {}).get("message"))
        return text

    async def _extract_sender(self, req: Request) -> str | None:
        return CONVERSATION_PREFIX + str((req.json or {}).get("sender"))

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        body = request.json or {}
        supplied = body.get("metadata")
        metadata: dict[str, Any] = ({k: v for k, v in supplied.items() if k in CLIENT_METADATA_KEYS and
                                     isinstance(v, str)} if isinstance(supplied, dict) else {})
        _text, notes = sanitise(body.get("message"))
        metadata.update(notes)
        metadata.update({"user_id": str(body.get("sender")), "conversation_id": CONVERSATION_PREFIX +
                         str(body.get("sender")), "verified_identity": self.door.senders_trusted(request)})
        return metadata


def from_this_machine(request: Any) -> bool:
    """A request a process on this machine sent directly: loopback peer and Host, not forwarded by a proxy, not
    sent by a browser on behalf of a page (browsers mark cross-origin requests with Origin / Sec-Fetch-*)."""
    headers = request.headers
    peer = getattr(getattr(request, "conn_info", None), "client_ip", "") or getattr(request, "ip", "")
    try:
        host = urlsplit("//" + str(headers.get("host") or "localhost")).hostname or ""
    except ValueError:
        return False
    if not is_loopback(str(peer)) or not is_loopback(host):
        return False
    if any(headers.get(name) for name in FORWARDING_HEADERS):
        return False
    return not headers.get("origin") and headers.get("sec-fetch-site", "none") in ("none", "same-origin")


def _is_rest_message(request: Request) -> bool:
    """A POST to this channel's webhook (and not another channel's: a blueprint's middleware may see more)."""
    return request.method == "POST" and request.path.rstrip("/") == f"/webhooks/{RestInput.name()}/webhook"


async def refuse_malformed(request: Request) -> HTTPResponse | None:
    """A message must be a JSON object (at most MAX_BODY["rest"] bytes, not nested deep) with a non-empty
    string `sender`: without one, Rasa would answer every such client in one shared conversation; a body that
    isn't JSON would get Sanic's HTML page."""
    if not _is_rest_message(request):
        return None
    try:
        body = jsonbody.parse(request.body, MAX_BODY["rest"])
    except jsonbody.BadBody as error:
        reason = "the body must be JSON: {\"sender\": \"...\", \"message\": \"...\"}" \
            if error.reason == "the body is not JSON" else error.reason
        return response.json({"error": reason}, status=error.status)
    sender = body.get("sender") if isinstance(body, dict) else None
    if not isinstance(sender, str) or not sender.strip() or len(sender) > 200:
        return response.json({"error": "\"sender\" must be a non-empty string (at most 200 characters): it names "
                                       "the conversation"}, status=400)
    return None
