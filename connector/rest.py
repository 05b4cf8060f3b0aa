"""The REST channel (`POST /webhooks/rest/webhook`), hardened: messages pass through `guard.sanitise`,
the channel name cannot be spoofed, identity fields in client-supplied metadata are dropped (on REST the
sender id is the identity; run REST only where its clients are trusted), and only senders who may use
opsbot (access.yml, `guard.admitted`) reach Rasa."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connector.guard import admitted, sanitise

IDENTITY_KEYS = {"user_id", "user_name", "user_principal_name", "tenant_id", "aad_groups", "team_id",
                 "channel_id", "conversation_type", "conversation_reference"}


class GuardedRestInput(RestInput):
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(admitted(on_new_message))
        blueprint.middleware(refuse_malformed, "request")
        return blueprint

    def _extract_message(self, req: Request) -> str | None:
        text, _notes = sanitise((req.json or {}).get("message"))
        return text

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        body = request.json or {}
        supplied = body.get("metadata")
        metadata = {k: v for k, v in supplied.items() if k not in IDENTITY_KEYS} if isinstance(supplied, dict) else {}
        _text, notes = sanitise(body.get("message"))
        metadata.update(notes)
        return metadata or None


async def refuse_malformed(request: Request) -> HTTPResponse | None:
    """A message must be a JSON object with a non-empty string `sender`: without one, Rasa would answer every
    such client in one shared conversation ("default"); a body that isn't JSON would get Sanic's HTML page."""
    if request.method != "POST" or not request.path.endswith("/webhook"):
        return None
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return response.json({"error": "the body must be JSON: {\"sender\": \"...\", \"message\": \"...\"}"},
                             status=400)
    sender = body.get("sender") if isinstance(body, dict) else None
    if not isinstance(sender, str) or not sender.strip():
        return response.json({"error": "\"sender\" must be a non-empty string: it names the conversation"},
                             status=400)
    return None
