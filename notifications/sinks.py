"""Where rendered notifications go: Teams (through the connector's Bot Connector client and the stored
conversation references), or the console (`make demo`, whose chat is not in Teams).

A sink raises `NoRoute` when the conversation cannot be reached (no Teams address for it yet: a REST or
shell conversation), and `DeliveryError` when posting failed; `retryable` says whether trying later may
help (429, 5xx, no answer) or not (403 bot removed, 404 conversation gone, 413 too large).
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import sys
from collections.abc import Callable
from typing import Any, Protocol, TextIO

from common.reply import Reply
from connector.bot_connector import BotConnector, MessageTooLarge, OutboundError, TokenError
from connector.conversations import ConversationStore
from connector.teams_cards import card_activity
from connector.teams_output import addressed
from notifications.store import AsyncNotifyStore

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({0, 408, 412, 429, 500, 502, 503, 504})
SUMMARY_CHARACTERS = 250  # Teams shows an activity's summary in the notification feed


class NoRoute(Exception):
    """No way to reach this conversation (yet)."""


class DeliveryError(Exception):
    def __init__(self, message: str, status: int = 0, retryable: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class Sink(Protocol):
    async def post(self, conversation: str, reply: Reply, thread_of: str | None = None) -> str | None:
        """Posts the reply; Teams' activity id when there is one. `thread_of`: a message to follow."""

    async def update(self, conversation: str, activity_id: str, reply: Reply) -> None:
        """Replaces an earlier message."""


def activity_for(reply: Reply) -> dict[str, Any]:
    """A Teams message with the card (or the text when there is no card) and a summary for the feed."""
    if reply.card is None:
        return {"type": "message", "text": reply.text, "textFormat": "markdown"}
    activity = card_activity(reply.card)
    activity["summary"] = reply.text[:SUMMARY_CHARACTERS]
    return activity


def wire(activity: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    """`activity` addressed with the SDK's rules (connector.teams_output.addressed). The SDK's serializer costs
    ~1.5 ms per card, and an event fans out to every subscribed conversation: the addressing is computed
    once per conversation (it depends on the reference only) and the card is added to it."""
    envelope = _envelope(str(activity["type"]), json.dumps(reference, sort_keys=True))
    return {**copy.deepcopy(envelope), **{key: value for key, value in activity.items() if key != "type"}}


@functools.lru_cache(maxsize=2048)
def _envelope(kind: str, reference: str) -> dict[str, Any]:
    return addressed({"type": kind}, json.loads(reference))


def _classified(error: OutboundError) -> DeliveryError:
    if isinstance(error, MessageTooLarge):
        return DeliveryError(str(error), 413, retryable=False)
    if isinstance(error, TokenError):  # the identity platform is down, or the app's secret is wrong: try later
        return DeliveryError(str(error), error.status, retryable=True)
    return DeliveryError(str(error), error.status, retryable=error.status in RETRYABLE_STATUSES)


class TeamsSink:
    """Posts to the conversation reference remembered at subscribe time (notify_addresses), else to the one
    the Teams channel stored for that conversation (connector/conversations.py). Channel posts are new threads;
    following a message in a channel means replying in its thread."""

    def __init__(self, connector: BotConnector, store: AsyncNotifyStore,
                 conversations: ConversationStore | None = None,
                 allowed: Callable[[str], bool] = lambda _url: True) -> None:
        self.connector = connector
        self.store = store
        self.conversations = conversations
        self.allowed = allowed  # the bot's token goes only to the Teams service URLs the channel trusts

    async def reference(self, conversation: str) -> dict[str, Any]:
        reference = await self.store.address(conversation)
        if reference is None and self.conversations is not None:
            stored = await self.conversations.get(conversation)
            reference = stored.reference if stored else None
        if not reference or not reference.get("serviceUrl") or not (reference.get("conversation") or {}).get("id"):
            raise NoRoute(f"no Teams conversation is known for {conversation!r}")
        if not self.allowed(str(reference["serviceUrl"])):
            raise DeliveryError(f"the service URL of {conversation!r} is not an allowed Teams service URL",
                                retryable=False)
        return reference

    async def post(self, conversation: str, reply: Reply, thread_of: str | None = None) -> str | None:
        reference = await self.reference(conversation)
        conversation_id = str(reference["conversation"]["id"])
        if thread_of and reference["conversation"].get("conversationType") == "channel":
            conversation_id = f"{conversation_id.split(';')[0]};messageid={thread_of}"
            reference = {**reference, "conversation": {**reference["conversation"], "id": conversation_id}}
        body = wire(activity_for(reply), reference)
        try:
            return await self.connector.send(str(reference["serviceUrl"]), conversation_id, body)
        except OutboundError as error:
            raise _classified(error) from error

    async def update(self, conversation: str, activity_id: str, reply: Reply) -> None:
        reference = await self.reference(conversation)
        try:
            await self.connector.update(str(reference["serviceUrl"]), str(reference["conversation"]["id"]),
                                        activity_id, wire(activity_for(reply), reference))
        except OutboundError as error:
            raise _classified(error) from error


class ConsoleSink:
    """Prints the text of each notification (the `make demo` chat runs in a terminal, not in Teams)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    async def post(self, conversation: str, reply: Reply, thread_of: str | None = None) -> str | None:
        stream = self.stream or sys.stdout
        print(f"\n🔔 opsbot notification for {conversation}: {reply.text}", file=stream, flush=True)
        if reply.buttons:
            print("   next: " + " · ".join(f"{b.title} ({b.payload})" for b in reply.buttons), file=stream,
                  flush=True)
        return None

    async def update(self, conversation: str, activity_id: str, reply: Reply) -> None:
        return None
