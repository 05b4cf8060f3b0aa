"""Who is speaking, beyond the ids an activity carries: the member's userPrincipalName (access rules in
access.yml may name UPNs), from the Bot Connector's members endpoint, cached per user.

In a channel the lookup names the team (`GET /v3/conversations/{teamId}/members/{userId}`): a channel thread's
id (`19:…@thread.tacv2;messageid=…`) is not a conversation the members endpoint knows. A failed lookup means
no UPN, hence the AAD object id alone (and `default_role` unless that id is listed): never a name match."""

from __future__ import annotations

import logging
from collections.abc import Callable

from connector import inbound
from connector.bot_connector import BotConnector, OutboundError
from connector.lookups import Failed, TimedLookups

logger = logging.getLogger(__name__)


def members_conversation(metadata: dict) -> str:
    """The conversation whose members endpoint knows the speaker: the team in a channel, else the chat (without
    a `;messageid=` suffix)."""
    team = str(metadata.get("team_id") or "")
    if metadata.get("conversation_type") == "channel" and team:
        return team
    return str(metadata.get("conversation_id") or "").split(";", 1)[0]


class MemberDirectory:
    """Each speaker's userPrincipalName (access rules may name UPNs; activities carry only ids and names),
    looked up with one GET per user per hour; a failed lookup is not retried for a minute."""

    def __init__(self, connector: BotConnector, clock: Callable[[], float], ttl: float = 3600.0,
                 retry_after: float = 60.0, size: int = 10_000) -> None:
        self.connector = connector
        self.lookups: TimedLookups[str | None] = TimedLookups(clock, ttl, retry_after, size)

    async def upn(self, turn: inbound.Turn) -> str | None:
        user = str(turn.metadata.get("teams_user_id") or "")
        if not user:
            return None
        return await self.lookups.get(f"{turn.metadata.get('tenant_id')}|{user}", lambda: self._lookup(turn, user))

    async def _lookup(self, turn: inbound.Turn, user: str) -> str | None:
        try:
            where = members_conversation(turn.metadata)
            try:
                account = await self.connector.member(turn.service_url, where, user)
            except OutboundError as error:
                chat = str(turn.metadata.get("conversation_id") or "").split(";", 1)[0]
                if error.status != 404 or where == chat:
                    raise
                # A shared channel's guest is not a member of the host team: ask the channel itself.
                account = await self.connector.member(turn.service_url, chat, user)
        except OutboundError as error:
            logger.info("Teams: could not look up a member (%s)", error)
            raise Failed(None) from error
        return str((account or {}).get("userPrincipalName") or "") or None
