"""Replies to Teams, the Rasa side: rendering a Rasa bot message (render.py), addressing it with the SDK's
conversation reference, and posting it (outbound.py). `TeamsOutput` answers within a turn (after the typing
indicator); `Proactive` and `ProactiveOutput` post to a stored conversation later (notifications, Rasa's
trigger_intent and reminders). Failures are logged, never raised into Rasa: a 413 becomes a short note.
"""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ConversationReference
from rasa.core.channels.channel import OutputChannel

from connector import teams_cards as render
from connector.bot_connector import BotConnector, MessageTooLarge, OutboundError, TokenClient, Typing
from connector.config import TeamsConfig
from connector.conversations import ConversationStore, open_store
from connector.http import Http

logger = logging.getLogger(__name__)

CHANNEL_NAME = "teams"
TOO_LARGE = "That answer is too large to show in Teams. Please ask a narrower question."
SORRY = "Sorry, something went wrong on my side while answering. It's logged; please try again."


def addressed(activity: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    """`activity` with the delivery fields of `reference` (the SDK's apply_conversation_reference: from = bot,
    recipient = user, conversation, serviceUrl, channelId, locale, replyToId), as JSON for the wire."""
    typed = TurnContext.apply_conversation_reference(Activity.deserialize(activity),
                                                    ConversationReference.deserialize(reference))
    wire = typed.serialize()
    if (reference.get("conversation") or {}).get("tenantId"):
        wire.setdefault("conversation", {})["tenantId"] = reference["conversation"]["tenantId"]
    return wire


class Poster:
    """Renders Rasa messages and posts them to one conversation (a reply when the reference has an
    activityId, else a new message); what goes wrong is logged, never raised into Rasa."""

    def __init__(self, connector: BotConnector, reference: dict[str, Any], config: TeamsConfig) -> None:
        self.connector = connector
        self.reference = reference
        self.config = config

    @property
    def personal(self) -> bool:
        return (self.reference.get("conversation") or {}).get("conversationType") == "personal"

    def _conversation(self) -> tuple[str, str]:
        return str(self.reference["serviceUrl"]), str(self.reference["conversation"]["id"])

    async def post_message(self, message: dict[str, Any]) -> None:
        try:
            activities = render.activities_for(message, personal=self.personal,
                                               max_text_bytes=self.config.max_text_bytes)
        except render.RenderError as error:
            logger.error("Teams: a response could not be rendered: %s", error)
            activities = render.text_activities(message.get("text") or SORRY)
        for activity in activities:
            await self.post(activity)

    async def post(self, activity: dict[str, Any]) -> str | None:
        service_url, conversation_id = self._conversation()
        wire = addressed(activity, self.reference)
        try:
            return await self.connector.send(service_url, conversation_id, wire, wire.get("replyToId"))
        except MessageTooLarge:
            logger.warning("Teams: a reply to %s was over the size limit (413); sent a short note instead",
                           conversation_id)
            short = addressed({"type": "message", "text": TOO_LARGE}, self.reference)
            try:
                return await self.connector.send(service_url, conversation_id, short, short.get("replyToId"))
            except OutboundError as error:
                logger.error("Teams: could not post to %s: %s", conversation_id, error)
        except OutboundError as error:
            logger.error("Teams: could not post to %s: %s", conversation_id, error)
        return None

    async def typing(self) -> None:
        service_url, conversation_id = self._conversation()
        wire = addressed({"type": "typing"}, self.reference)
        await self.connector.send(service_url, conversation_id, wire, wire.get("replyToId"), attempts=1)

    async def update(self, activity_id: str, activity: dict[str, Any]) -> None:
        service_url, conversation_id = self._conversation()
        await self.connector.update(service_url, conversation_id, activity_id, addressed(activity, self.reference))

    async def delete(self, activity_id: str) -> None:
        service_url, conversation_id = self._conversation()
        await self.connector.delete(service_url, conversation_id, activity_id)


class _TeamsOutputBase(OutputChannel):
    """Rasa's OutputChannel calls, all through `send_response` (one rendering path)."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:  # pragma: no cover
        raise NotImplementedError

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"image": image})

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"attachment": attachment})

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})

    async def send_quick_replies(self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]],
                                 **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text, "quick_replies": quick_replies})

    async def send_elements(self, recipient_id: str, elements: Any, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"elements": list(elements)})

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"custom": json_message})


class TeamsOutput(_TeamsOutputBase):
    """Replies within one turn: to the conversation the message came from, after the typing indicator."""

    def __init__(self, poster: Poster, typing: Typing | None = None) -> None:
        self.poster = poster
        self.typing = typing

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        if self.typing is not None:
            await self.typing.stop()
        await self.poster.post_message(dict(message))


class Proactive:
    """Posts to a stored conversation without an inbound message: `await proactive.send(key, message)`,
    `key` a Rasa sender id or a Teams conversation id, `message` a Rasa bot message dict ({"text": ...},
    buttons, custom Adaptive Card...) or plain text. Works in any process that can read the store, e.g.
    `Proactive.from_credentials(yaml_mapping)` in a notifier."""

    def __init__(self, connector: BotConnector, store: ConversationStore, config: TeamsConfig) -> None:
        self.connector = connector
        self.store = store
        self.config = config

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any]) -> Proactive:
        config = TeamsConfig.from_credentials(credentials)
        http = Http(config.http_timeout)
        tokens = TokenClient(config.resolved_token_url, config.app_id, config.app_password, http)
        return cls(BotConnector(tokens, http, sends_per_second=config.sends_per_second),
                   open_store(config.store_path), config)

    async def poster(self, key: str) -> Poster | None:
        stored = await self.store.get(key)
        return Poster(self.connector, stored.reference, self.config) if stored else None

    async def send(self, key: str, message: dict[str, Any] | str) -> bool:
        poster = await self.poster(key)
        if poster is None:
            logger.warning("Teams: no stored conversation for %r; the bot must be installed there first", key)
            return False
        await poster.post_message({"text": message} if isinstance(message, str) else dict(message))
        return True


class ProactiveOutput(_TeamsOutputBase):
    """What `get_output_channel()` gives Rasa: replies for `recipient_id` (the tracker's sender id) go to
    the conversation stored for it."""

    def __init__(self, proactive: Proactive) -> None:
        self.proactive = proactive

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        await self.proactive.send(recipient_id, dict(message))
