"""One webhook request → stored events and outbox rows → an HTTP answer, without any web framework (the
Rasa channel and the standalone server both call `Receiver.handle`).

Order matters: size, then authentication (401, nothing stored), then parsing (400 for a body that is not
JSON or not the tool's payload, nothing stored), then one transaction that stores the events and their
outbox rows. Only then the answer: 202 with what was queued, or 200 for a duplicate or an event nobody
subscribes to. Posting to Teams happens afterwards, in the delivery loop (`on_queued` wakes it).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from backends.events import PayloadError
from backends.registry import sources
from common import jsonbody
from common.jsonbody import BadBody
from notifications.config import NotifySettings
from notifications.store import AsyncNotifyStore, NotifyStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any] = field(default_factory=dict)


class Receiver:
    def __init__(self, settings: NotifySettings, store: NotifyStore,
                 on_queued: Callable[[], None] = lambda: None) -> None:
        self.settings = settings
        self.store = AsyncNotifyStore(store)
        self.on_queued = on_queued

    async def handle(self, source: str, headers: Mapping[str, str], query: Mapping[str, str],
                     body: bytes) -> Answer:
        known = sources()
        if source not in known:
            return Answer(404, {"error": f"no webhook {source!r}; try one of {', '.join(known)}"})
        tool = known[source]
        if len(body) > self.settings.max_body_bytes:
            return Answer(413, {"error": "payload too large"})
        headers = {str(k).lower(): str(v) for k, v in headers.items()}
        if not tool.authentic(headers, query, body):
            logger.warning("Notifications: refused a %s webhook (bad or missing secret/signature)", source)
            return Answer(401, {"error": "unauthorized"})
        try:
            parsed = _json(tool.json_body(headers, body))
        except BadBody as error:
            return Answer(error.status, {"error": error.reason})
        except ValueError:
            return Answer(400, {"error": "the body is not JSON"})
        if (handshake := tool.handshake(headers)) is not None:
            return Answer(200, handshake)
        try:
            events = tool.events(headers, parsed)
        except PayloadError as error:
            return Answer(400, {"error": f"not a {source} notification: {error}"})
        if not events:
            return Answer(200, {"ok": True, "ignored": "no event anyone can subscribe to"})
        delivery = tool.delivery_id(headers)
        try:
            receipt = await self.store.receive(events, f"{source}|{delivery}" if delivery else "")
        except sqlite3.Error as error:  # the sender retries; nothing was acknowledged
            logger.error("Notifications: could not store a %s event: %s", source, error)
            return Answer(503, {"error": "could not store the event; try again"})
        if receipt.queued:
            self.on_queued()
        answer = {"events": receipt.events, "duplicates": receipt.duplicates, "queued": receipt.queued}
        if receipt.duplicate_delivery:
            answer["duplicate_delivery"] = True
        return Answer(202 if receipt.events else 200, answer)


def _json(body: bytes) -> Any:
    """The JSON payload, nested at most MAX_JSON_DEPTH deep."""
    return jsonbody.parse(body, len(body) + 1)
