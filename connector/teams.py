"""The Rasa channel `teams`: POST /webhooks/teams/webhook, loaded from the credentials file as
`connector.teams.TeamsInput` (see credentials.teams.yml and the README for the TEAMS_* variables).

A request is authenticated in full (auth.py; 401/403 and Rasa never hears of it), de-duplicated, routed
(inbound.py) and acknowledged at once; Rasa handles the message in a background task while a typing
indicator runs, and the replies are posted to Teams as they come (render.py → outbound.py). Someone who may
not use opsbot (access.yml; guard.admitted, after the UPN lookup) gets a polite refusal instead. The
conversation reference is stored (store.py) so that `get_output_channel()` (Rasa's trigger_intent,
reminders) and `Proactive` (notifications; output.py) can post later without a new message.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from common import jsonbody, logsafe
from common.access import policy_names_groups
from common.doors import MAX_BODY
from connector import inbound
from connector.auth import Authenticator, AuthError, KeySet
from connector.bot_connector import BotConnector, Sleep, TokenClient, Typing
from connector.config import TeamsConfig
from connector.conversations import ConversationStore, open_store
from connector.groups import GroupDirectory
from connector.guard import admitted, cap_server_body
from connector.http import Http
from connector.members import MemberDirectory
from connector.teams_output import CHANNEL_NAME, SORRY, Poster, Proactive, ProactiveOutput, TeamsOutput

__all__ = ["Proactive", "TeamsInput", "TeamsOutput"]  # Proactive: the notifications API, re-exported here

logger = logging.getLogger(__name__)

class TurnQueue:
    """Turns of one tracker run one after another in arrival order (asyncio locks are FIFO), so replies
    keep the order of the questions even when a lookup before Rasa takes longer for the first one."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: collections.Counter[str] = collections.Counter()

    @contextlib.asynccontextmanager
    async def turn(self, sender_id: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(sender_id, asyncio.Lock())
        self._waiting[sender_id] += 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[sender_id] -= 1
            if not self._waiting[sender_id]:
                del self._waiting[sender_id]
                self._locks.pop(sender_id, None)


class TeamsInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TeamsInput:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(TeamsConfig.from_credentials(credentials))

    def __init__(
        self,
        config: TeamsConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        store: ConversationStore | None = None,
    ) -> None:
        """No network here: keys, tokens, the HTTP session and the database open on first use."""
        logsafe.install()  # the Rasa server's entry point for our code: its logs are redacted from here on
        self.config = config
        self.http = Http(config.http_timeout)
        self.keys = KeySet(config.openid_metadata_url, self.http, clock=clock)
        self.authenticator = Authenticator(config, self.keys)
        self.tokens = TokenClient(config.resolved_token_url, config.app_id, config.app_password, self.http,
                                  clock=clock)
        self.connector = BotConnector(self.tokens, self.http, sends_per_second=config.sends_per_second,
                                      sleep=sleep, clock=clock)
        self.store = store or open_store(config.store_path)
        self.proactive = Proactive(self.connector, self.store, config)
        self.recent = inbound.RecentActivities()
        self.members = MemberDirectory(self.connector, clock)
        self.groups = GroupDirectory(config, self.http, clock)
        self.turns = TurnQueue()
        self.tasks: set[asyncio.Task] = set()

    def get_output_channel(self) -> OutputChannel:
        return ProactiveOutput(self.proactive)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        teams = Blueprint("teams_webhook", __name__)
        cap_server_body(teams)
        on_new_message = admitted(on_new_message)  # only people who may use opsbot reach Rasa

        @teams.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @teams.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            status, body = await self.handle(request.headers.get("Authorization"), request.body, on_new_message)
            return response.json(body, status=status) if body is not None else response.empty(status=status)

        @teams.listener("after_server_stop")
        async def close(_app: Any, _loop: Any) -> None:
            await self.close()

        return teams

    async def handle(
        self, auth_header: str | None, body: bytes, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> tuple[int, dict[str, Any] | None]:
        """One webhook request → (HTTP status, JSON body). Acknowledges before Rasa runs. In this order: the
        size (413), the token (401/403, before the body is parsed), the body (400: not JSON, nested too deep, not
        an activity), the activity against the token (401/403)."""
        if not (auth_header or "").startswith("Bearer "):
            return 401, {"error": "unauthorized"}
        if len(body or b"") > MAX_BODY["teams"]:
            return 413, {"error": "the activity is too large"}
        try:
            claims = await self.authenticator.verify_token(auth_header)
            try:
                activity = jsonbody.parse(body, MAX_BODY["teams"])
            except jsonbody.BadBody as error:
                return error.status, {"error": error.reason}
            if not isinstance(activity, dict):
                return 400, {"error": "the body is not an activity"}
            self.authenticator.check_activity(claims, activity)
        except AuthError as error:
            logger.warning("Teams: refused a request (%d): %s", error.status, error.reason)
            return error.status, {"error": "unauthorized" if error.status == 401 else "forbidden"}
        if await asyncio.to_thread(self.recent.seen_before, activity):  # Redis, when shared, is a network call
            return 200, None
        routed = inbound.route(activity, self.config)
        if routed.ignored:
            logger.debug("Teams: ignored %s", routed.ignored)
        await self._remember(routed)
        if routed.turn is not None:
            self._spawn(self._process(routed.turn, on_new_message))
        return routed.status, routed.body

    async def _remember(self, routed: inbound.Routed) -> None:
        try:
            if routed.store == "save":
                await self.store.save(routed.sender_id, routed.reference)
            elif routed.store == "delete":
                await self.store.delete(str(routed.reference["conversation"]["id"]))
        except Exception as error:  # the reply matters more than the stored reference
            logger.error("Teams: could not update the conversation store: %s", error)

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _process(self, turn: inbound.Turn, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        async with self.turns.turn(turn.sender_id):
            await self._answer(turn, on_new_message)

    async def _answer(self, turn: inbound.Turn, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        poster = Poster(self.connector, turn.reference, self.config)
        typing = Typing(poster.typing, self.config.typing_interval, self.config.typing_delay).start()
        output = TeamsOutput(poster, typing)
        try:
            if self.config.member_lookup:
                upn = await self.members.upn(turn)
                if upn:
                    turn.metadata["user_principal_name"] = upn
            if turn.metadata.get("verified_identity") is True and policy_names_groups():
                groups = await self.groups.groups(str(turn.metadata.get("tenant_id") or ""),
                                                  str(turn.metadata.get("user_id") or ""))
                turn.metadata["aad_groups"] = list(groups)
            await on_new_message(UserMessage(turn.text, output, turn.sender_id, input_channel=CHANNEL_NAME,
                                             message_id=turn.message_id, metadata=turn.metadata))
        except Exception:
            logger.exception("Teams: handling a message in %s failed", turn.conversation_id)
            await typing.stop()
            await poster.post_message({"text": SORRY})
        finally:
            await typing.stop()

    async def drain(self) -> None:
        """Waits for the messages being handled (tests, shutdown)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)

    async def close(self) -> None:
        await self.drain()
        await self.http.close()
        self.store.close()
