"""An authenticated Teams activity → what Rasa should hear (a `Turn`), and what to answer Teams at once.

Routing (`route`):
  message with text         → the text, the bot's own @mention removed (other mentions become plain names),
                              made safe like every channel's (connector/guard.py: control characters, length)
  message with `value`      → a card submit: `value.rasa_payload` becomes the text (a Rasa payload such as
                              /intent{"job":"x"} or plain words), the other fields go to metadata
                              (`card_value`); without `rasa_payload`: the configured submit intent, else ignored
  invoke adaptiveCard/action (Action.Execute) → same with `value.action.data`, answered with an invoke
                              response 200 at once
  conversationUpdate adding the bot → the conversation reference is stored (and the welcome intent, if set);
  removing it (or installationUpdate remove) → the reference is deleted
  anything else             → 200, ignored (receivers must accept unknown types)

Trackers (`sender_id`): a 1:1 chat is the user's (aadObjectId, else from.id); a channel thread or group
chat is the conversation's (configurable), so its context is shared and separate from each 1:1 chat. The
speaker is always in the metadata (user_id, user_name), with tenant, team, channel, conversation type, ids
and the conversation reference.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from common.once import Once
from connector.auth import tenant_of
from connector.config import TeamsConfig
from connector.guard import sanitise

logger = logging.getLogger(__name__)

INVOKE_CARD_ACTION = "adaptiveCard/action"
INVOKE_OK = {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": "OK"}
_SPACES = re.compile(r"[ \t\u00a0]{2,}")


@dataclass
class Turn:
    """One thing for Rasa to process."""

    text: str
    sender_id: str
    metadata: dict[str, Any]
    reference: dict[str, Any]
    message_id: str | None

    @property
    def conversation_id(self) -> str:
        return str(self.reference["conversation"]["id"])

    @property
    def service_url(self) -> str:
        return str(self.reference["serviceUrl"])

    @property
    def reply_to_id(self) -> str | None:
        return self.reference.get("activityId")

    @property
    def personal(self) -> bool:
        return self.metadata.get("conversation_type") == "personal"


@dataclass
class Routed:
    """The outcome of one request: the HTTP answer, maybe a turn, and what to do with the stored reference."""

    turn: Turn | None = None
    status: int = 200
    body: dict[str, Any] | None = None
    store: str | None = None  # "save" | "delete" | None
    reference: dict[str, Any] = field(default_factory=dict)
    sender_id: str = ""
    ignored: str = ""


class RecentActivities:
    """(conversation id, activity id) seen in the last DEDUP_SECONDS: Teams retries deliveries, and behind a
    load balancer a retry may reach another server; each is handled once (common.once: Redis when several
    servers share the work, else this process's memory)."""

    DEDUP_SECONDS = 3600.0

    def __init__(self, size: int = 4096, once: Once | None = None) -> None:
        self.once = once or Once(size)

    def seen_before(self, activity: dict[str, Any]) -> bool:
        activity_id = activity.get("id")
        if not activity_id:
            return False
        conversation = activity.get("conversation")
        conversation = str(conversation.get("id") if isinstance(conversation, dict) else "")
        return not self.once.first(f"teams-activity|{conversation}|{activity_id}", self.DEDUP_SECONDS)


def _is_bot(member_id: str | None, recipient_id: str, app_id: str) -> bool:
    return bool(member_id) and (member_id == recipient_id or member_id.split(":", 1)[-1] == app_id)


def strip_mentions(text: str, entities: list[dict[str, Any]], recipient_id: str, app_id: str
                   ) -> tuple[str, list[dict[str, str]]]:
    """The text without the bot's `<at>…</at>`; other users' mentions kept as their plain names."""
    others: list[dict[str, str]] = []
    for entity in entities:
        if str(entity.get("type", "")).lower() != "mention":
            continue
        mentioned = entity.get("mentioned") or {}
        name = str(mentioned.get("name") or "")
        markup = str(entity.get("text") or f"<at>{name}</at>")
        if _is_bot(mentioned.get("id"), recipient_id, app_id):
            text = re.sub(re.escape(markup), " ", text)
        else:
            others.append({"id": str(mentioned.get("id") or ""), "name": name})
            text = re.sub(re.escape(markup), name or re.sub(r"</?at>", "", markup), text)
    return _SPACES.sub(" ", text).strip(), others


def sender_for(activity: dict[str, Any], config: TeamsConfig) -> str:
    conversation = activity.get("conversation") or {}
    sender = activity.get("from") or {}
    user = str(sender.get("aadObjectId") or sender.get("id") or "")
    if _conversation_type(activity) != "personal" and config.group_sender == "conversation":
        return str(conversation.get("id") or user)
    return user


def _conversation_type(activity: dict[str, Any]) -> str:
    conversation = activity.get("conversation") or {}
    kind = conversation.get("conversationType")
    if kind:
        return str(kind)
    return "groupChat" if conversation.get("isGroup") else "personal"


def reference_of(activity: dict[str, Any]) -> dict[str, Any]:
    """The SDK's ConversationReference (serialized), keeping conversation.tenantId which the SDK drops."""
    reference = TurnContext.get_conversation_reference(Activity.deserialize(activity)).serialize()
    tenant = tenant_of(activity)
    if tenant:
        reference.setdefault("conversation", {})["tenantId"] = tenant
    return reference


def user_timezone(activity: dict[str, Any]) -> str:
    """The sender's IANA time zone as Teams sends it (`localTimezone`, or the `clientInfo` entity's
    `timezone`), "" when absent. Answers speak in it (common.clock); an unknown name is ignored there."""
    zone = activity.get("localTimezone")
    if not zone:
        entities = [e for e in activity.get("entities") or [] if isinstance(e, dict)]
        zone = next((e.get("timezone") for e in entities if e.get("type") == "clientInfo"), None)
    return zone[:64] if isinstance(zone, str) else ""


def metadata_for(activity: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    sender = activity.get("from") or {}
    conversation = activity.get("conversation") or {}
    channel_data = activity.get("channelData") if isinstance(activity.get("channelData"), dict) else {}
    metadata: dict[str, Any] = {
        "user_id": str(sender.get("aadObjectId") or sender.get("id") or ""),
        "user_name": str(sender.get("name") or ""),
        "teams_user_id": str(sender.get("id") or ""),
        "tenant_id": tenant_of(activity),
        "team_id": str((channel_data.get("team") or {}).get("id") or ""),
        "channel_id": str((channel_data.get("channel") or {}).get("id") or ""),
        "conversation_type": _conversation_type(activity),
        "conversation_id": str(conversation.get("id") or ""),
        "service_url": str(activity.get("serviceUrl") or ""),
        "locale": str(activity.get("locale") or ""),
        "timezone": user_timezone(activity),
        "activity_id": str(activity.get("id") or ""),
        "reply_to_id": str(activity.get("replyToId") or ""),
        "conversation_reference": reference,
        "verified_identity": bool(sender.get("aadObjectId")),  # from a signed activity (auth.py)
    }
    # Group membership never comes from the activity (Teams sends none, and a field is not a proof): the
    # channel looks it up in Microsoft Graph when access.yml names groups (connector/groups.py).
    attachments = [a for a in activity.get("attachments") or [] if (a or {}).get("contentType") != "text/html"]
    if attachments:
        metadata["attachments"] = attachments
    return metadata


def _turn(activity: dict[str, Any], text: str, config: TeamsConfig, extra: dict[str, Any] | None = None
          ) -> Turn | None:
    """A turn for Rasa, its text made safe as on every channel (connector/guard.py); None if nothing is left."""
    text, notes = sanitise(text)
    if not text:
        return None
    reference = reference_of(activity)
    metadata = metadata_for(activity, reference)
    metadata.update(extra or {})
    metadata.update(notes)
    return Turn(text, sender_for(activity, config), metadata, reference, activity.get("id"))


def _submit(activity: dict[str, Any], value: dict[str, Any], config: TeamsConfig) -> Turn | None:
    payload = value.get("rasa_payload")
    rest = {k: v for k, v in value.items() if k != "rasa_payload"}
    if isinstance(payload, str) and payload.strip():
        return _turn(activity, payload, config, {"card_value": rest})
    if config.submit_intent:
        return _turn(activity, f"/{config.submit_intent}", config, {"card_value": rest})
    return None


def _members(activity: dict[str, Any], key: str) -> list[str]:
    return [str((m or {}).get("id") or "") for m in activity.get(key) or []]


def route(activity: dict[str, Any], config: TeamsConfig) -> Routed:
    try:
        routed = _route(activity, config)
    except (AttributeError, TypeError, KeyError, ValueError, IndexError):
        # A field of an unexpected shape (a list where an object belongs...): refuse it, never crash.
        return Routed(status=400, body={"error": "malformed activity"}, ignored="malformed activity")
    conversation = activity.get("conversation")
    if routed.store and isinstance(conversation, dict) and conversation.get("id"):
        routed.reference = routed.turn.reference if routed.turn else reference_of(activity)
        routed.sender_id = routed.turn.sender_id if routed.turn else sender_for(activity, config)
    elif routed.store:
        routed.store = None
    return routed


def _route(activity: dict[str, Any], config: TeamsConfig) -> Routed:
    kind = activity.get("type")
    recipient_id = str((activity.get("recipient") or {}).get("id") or "")
    if kind == "message":
        value = activity.get("value")
        text = activity.get("text") or ""
        if isinstance(value, dict) and not text.strip():
            turn = _submit(activity, value, config)
            return Routed(turn, store="save") if turn else Routed(ignored="card submit without rasa_payload")
        text, mentions = strip_mentions(text, activity.get("entities") or [], recipient_id, config.app_id)
        turn = _turn(activity, text, config, {"mentions": mentions} if mentions else None)
        return Routed(turn, store="save") if turn else Routed(ignored="empty message")
    if kind == "invoke" and activity.get("name") == INVOKE_CARD_ACTION:
        data = ((activity.get("value") or {}).get("action") or {}).get("data") or {}
        turn = _submit(activity, data, config) if isinstance(data, dict) else None
        return Routed(turn, body=INVOKE_OK, store="save" if turn else None)
    if kind == "conversationUpdate":
        if any(_is_bot(m, recipient_id, config.app_id) for m in _members(activity, "membersRemoved")):
            return Routed(store="delete")
        if any(_is_bot(m, recipient_id, config.app_id) for m in _members(activity, "membersAdded")):
            turn = _turn(activity, f"/{config.welcome_intent}", config) if config.welcome_intent else None
            return Routed(turn, store="save")
        return Routed(ignored="conversationUpdate about others")
    if kind == "installationUpdate":
        return Routed(store="delete" if activity.get("action") == "remove" else "save")
    if kind == "invoke":
        return Routed(body={"statusCode": 200}, ignored=f"invoke {activity.get('name')}")
    return Routed(ignored=f"activity type {kind!r}")
