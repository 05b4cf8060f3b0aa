"""Which Azure AD groups the speaker is in, for access.yml's `groups:` roles: looked up in Microsoft Graph
(`GET /v1.0/users/{aadObjectId}/transitiveMemberOf/microsoft.graph.group?$select=id`, nested groups included),
never read from the activity (Teams sends no groups, and a field in a message is not a proof).

Only when access.yml names groups. The bot's app registration needs the Graph application permission
`GroupMember.Read.All` with admin consent; its token comes from the same client-credentials flow as the Bot
Connector's, with Graph's scope. One lookup per user per hour (simultaneous first messages share it); a failed
lookup (no permission, Graph down) means no groups, hence the roles members and default_role give, and is not
retried for a minute. Pages (`@odata.nextLink`) are followed up to MAX_PAGES.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from urllib.parse import quote

import aiohttp

from connector.bot_connector import TokenClient, TokenError
from connector.config import TeamsConfig
from connector.http import Http
from connector.lookups import Failed, TimedLookups

logger = logging.getLogger(__name__)
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
MAX_PAGES = 10


class GroupLookupError(Exception):
    pass


class GroupDirectory:
    def __init__(self, config: TeamsConfig, http: Http, clock: Callable[[], float], ttl: float = 3600.0,
                 retry_after: float = 60.0, size: int = 10_000) -> None:
        self.graph_url = config.graph_url.rstrip("/")
        self.http = http
        self.tokens = TokenClient(config.resolved_token_url, config.app_id, config.app_password, http,
                                  scope=GRAPH_SCOPE)
        self.lookups: TimedLookups[tuple[str, ...]] = TimedLookups(clock, ttl, retry_after, size)

    async def groups(self, tenant_id: str, user_id: str) -> tuple[str, ...]:
        """The ids of the groups `user_id` (an AAD object id) is in, directly or through other groups."""
        if not user_id:
            return ()
        return await self.lookups.get(f"{tenant_id}|{user_id}", lambda: self._lookup(user_id))

    async def _lookup(self, user_id: str) -> tuple[str, ...]:
        try:
            return await self._fetch(user_id)
        except (GroupLookupError, TokenError) as error:
            logger.warning("Teams: could not look up a user's groups in Microsoft Graph (%s); only members and "
                           "default_role apply to them", error)
            raise Failed(()) from error

    async def _fetch(self, user_id: str) -> tuple[str, ...]:
        url: str | None = (f"{self.graph_url}/v1.0/users/{quote(user_id, safe='')}/transitiveMemberOf/"
                           "microsoft.graph.group?$select=id&$top=999")
        ids: list[str] = []
        for _page in range(MAX_PAGES):
            if url is None:
                break
            if not url.startswith(self.graph_url + "/"):
                raise GroupLookupError("a next page outside Microsoft Graph")
            token = await self.tokens.get()
            try:
                async with self.http.session().get(url, headers={"Authorization": f"Bearer {token}"}) as answer:
                    status = answer.status
                    body = await answer.json(content_type=None) if status == 200 else None
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                raise GroupLookupError(type(error).__name__) from error
            if status == 401:
                self.tokens.invalidate(token)
            if status != 200 or not isinstance(body, dict) or not isinstance(body.get("value"), list):
                raise GroupLookupError(f"HTTP {status}")
            ids.extend(str(item["id"]) for item in body["value"] if isinstance(item, dict) and item.get("id"))
            next_link = body.get("@odata.nextLink")
            url = str(next_link) if next_link else None
        return tuple(dict.fromkeys(ids))
