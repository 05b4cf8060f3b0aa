"""Talking back to Teams: the bot's access token, and posting activities to the Bot Connector API.

- `TokenClient`: client-credentials token from the Microsoft identity platform (configurable URL, so it
  works against the sandbox; MSAL refuses non-https authorities). Cached, refreshed 5 minutes before it
  expires, fetched by one request at a time (an asyncio lock), dropped once when the service says 401.
- `BotConnector`: POST/PUT/DELETE on `{serviceUrl}/v3/conversations/{id}/activities[/{activityId}]` with
  percent-encoded ids; 429/412/502/503/504 and connection errors retried with exponential backoff and
  jitter, honouring Retry-After; calls to one conversation are serial (order kept) and paced under Teams'
  per-thread limit (7 per second); 413 raises `MessageTooLarge` so the caller can send something shorter.
- `Typing`: the "opsbot is typing…" indicator, sent only when the reply is not there after a short delay,
  then every few seconds until the reply (an instant answer spends none of the 7 posts per second).
Tokens never reach a log line.
"""

from __future__ import annotations

import asyncio
import collections
import email.utils
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp
from yarl import URL

from connector.config import service_base as _parsed_service_base
from connector.http import Http

logger = logging.getLogger(__name__)

SCOPE = "https://api.botframework.com/.default"
REFRESH_MARGIN_SECONDS = 300.0
RETRY_STATUSES = frozenset({412, 429, 502, 503, 504})

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


class OutboundError(Exception):
    """Posting to Teams failed for good (after retries). `status` is the last HTTP status (0: no answer)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class MessageTooLarge(OutboundError):
    """413 MessageSizeTooBig: the activity is over Teams' size limit."""


class TokenError(OutboundError):
    """The identity platform refused to issue a token (wrong app id/password/tenant) or did not answer."""


class TokenClient:
    def __init__(
        self,
        url: str,
        app_id: str,
        app_password: str,
        http: Http,
        *,
        clock: Clock = time.monotonic,
        margin: float = REFRESH_MARGIN_SECONDS,
        scope: str = SCOPE,
    ) -> None:
        self.url = url
        self.scope = scope
        self.app_id = app_id
        self._password = app_password
        self.http = http
        self.clock = clock
        self.margin = margin
        self.fetches = 0
        self._token: str | None = None
        self._refresh_at = 0.0
        self._lock: asyncio.Lock | None = None

    def _fresh(self) -> bool:
        return self._token is not None and self.clock() < self._refresh_at

    async def get(self) -> str:
        if self._fresh():
            return self._token  # type: ignore[return-value]
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:  # concurrent senders wait for one fetch
            if not self._fresh():
                await self._fetch()
            return self._token  # type: ignore[return-value]

    def invalidate(self, token: str) -> None:
        """The service said 401 to `token`: fetch a new one next time (unless another call already did)."""
        if self._token == token:
            self._token = None

    async def _fetch(self) -> None:
        form = {"grant_type": "client_credentials", "client_id": self.app_id, "client_secret": self._password,
                "scope": self.scope}
        self.fetches += 1
        try:
            async with self.http.session().post(self.url, data=form) as answer:
                body = await answer.json(content_type=None)
                status = answer.status
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise TokenError(f"token endpoint unreachable or unreadable ({type(error).__name__})") from error
        if status != 200 or not isinstance(body, dict) or not body.get("access_token"):
            code = body.get("error") if isinstance(body, dict) else None
            raise TokenError(f"token endpoint answered {status} ({code or 'no token'})", status)
        lifetime = float(body.get("expires_in") or 3600)
        self._token = str(body["access_token"])
        # Refresh early: 5 minutes before expiry, or halfway for short-lived tokens.
        self._refresh_at = self.clock() + max(lifetime - min(self.margin, lifetime / 2), 0.0)


@dataclass
class _Lane:
    """One conversation's queue: a FIFO lock and the times of its recent sends."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    sent: collections.deque = field(default_factory=collections.deque)
    users: int = 0


class Pacer:
    """Serialises calls per conversation (asyncio locks are FIFO) and keeps each under `per_second`."""

    def __init__(self, per_second: int, clock: Clock, sleep: Sleep) -> None:
        self.per_second = per_second
        self.clock = clock
        self.sleep = sleep
        self._lanes: dict[str, _Lane] = {}

    @asynccontextmanager
    async def lane(self, key: str) -> AsyncIterator[Callable[[], Awaitable[None]]]:
        lane = self._lanes.setdefault(key, _Lane())
        lane.users += 1
        try:
            async with lane.lock:
                yield lambda: self._wait_turn(lane)
        finally:
            lane.users -= 1
            if not lane.users and (not lane.sent or self.clock() - lane.sent[-1] > 1.0):
                self._lanes.pop(key, None)

    async def _wait_turn(self, lane: _Lane) -> None:
        if len(lane.sent) >= self.per_second:
            wait = lane.sent[0] + 1.0 - self.clock()
            if wait > 0:
                await self.sleep(wait)
        lane.sent.append(self.clock())
        while len(lane.sent) > self.per_second:
            lane.sent.popleft()


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent/unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


def service_base(service_url: str) -> str:
    """The Bot Connector base, rebuilt from the service URL's parsed parts; OutboundError when it isn't plain."""
    try:
        return _parsed_service_base(service_url)
    except ValueError as error:
        raise OutboundError("the conversation's service URL is not a plain https URL") from error


def activities_url(service_url: str, conversation_id: str, activity_id: str | None = None) -> URL:
    """`{serviceUrl}/v3/conversations/{id}/activities[/{activityId}]`, ids percent-encoded (Teams ids hold
    `:`, `;`, `@` and `=`)."""
    url = f"{service_base(service_url)}v3/conversations/{quote(conversation_id, safe='')}/activities"
    if activity_id:
        url += "/" + quote(activity_id, safe="")
    return URL(url, encoded=True)


class BotConnector:
    def __init__(
        self,
        tokens: TokenClient,
        http: Http,
        *,
        sends_per_second: int = 7,
        max_attempts: int = 5,
        base_delay: float = 1.0,
        max_delay: float = 60.0,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.tokens = tokens
        self.http = http
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep
        self.jitter = jitter
        self.pacer = Pacer(sends_per_second, clock, sleep)

    async def send(
        self,
        service_url: str,
        conversation_id: str,
        activity: dict[str, Any],
        reply_to_id: str | None = None,
        *,
        attempts: int | None = None,
    ) -> str | None:
        """Posts `activity` as a reply to `reply_to_id` (or a new message); the new activity's id."""
        answer = await self._call("POST", service_url, conversation_id, activities_url(service_url, conversation_id,
                                  reply_to_id), activity, attempts)
        return str(answer.get("id")) if isinstance(answer, dict) and answer.get("id") else None

    async def update(self, service_url: str, conversation_id: str, activity_id: str,
                     activity: dict[str, Any]) -> None:
        body = {**activity, "id": activity_id}
        await self._call("PUT", service_url, conversation_id,
                         activities_url(service_url, conversation_id, activity_id), body, None)

    async def delete(self, service_url: str, conversation_id: str, activity_id: str) -> None:
        await self._call("DELETE", service_url, conversation_id,
                         activities_url(service_url, conversation_id, activity_id), None, None)

    async def member(self, service_url: str, conversation_id: str, member_id: str) -> dict[str, Any] | None:
        """GET the member's TeamsChannelAccount (name, aadObjectId, userPrincipalName, email); one attempt."""
        url = URL(f"{service_base(service_url)}v3/conversations/{quote(conversation_id, safe='')}/members/"
                  f"{quote(member_id, safe='')}", encoded=True)
        answer = await self._call("GET", service_url, conversation_id, url, None, 1, paced=False)
        return answer if isinstance(answer, dict) else None

    async def _call(
        self,
        method: str,
        service_url: str,
        conversation_id: str,
        url: URL,
        body: dict[str, Any] | None,
        attempts: int | None,
        paced: bool = True,
    ) -> Any:
        attempts = attempts or self.max_attempts
        refreshed = False
        status = 0
        lane = f"{service_url}|{conversation_id}" if paced else f"read|{url}"  # reads are not posts: no queue
        async with self.pacer.lane(lane) as wait_turn:
            attempt = 0
            while attempt < attempts:
                token = await self.tokens.get()
                if paced:
                    await wait_turn()
                delay: float | None = None
                try:
                    async with self.http.session().request(
                        method, url, json=body, headers={"Authorization": f"Bearer {token}"}
                    ) as answer:
                        status = answer.status
                        if 200 <= status < 300:
                            return await answer.json(content_type=None) if answer.content_length != 0 else None
                        delay = retry_after(answer.headers.get("Retry-After"))
                except (aiohttp.ClientConnectionError, asyncio.TimeoutError) as error:
                    status = 0
                    logger.info("Teams: %s %s failed (%s); retrying", method, url.path, type(error).__name__)
                except ValueError:  # a 2xx with an unreadable body: delivered all the same
                    return None
                if status == 401 and not refreshed:
                    refreshed = True
                    self.tokens.invalidate(token)
                    continue  # once, at once, with a new token; does not count as an attempt
                if status == 413:
                    raise MessageTooLarge(f"{method} {url.path}: 413 message too large", 413)
                attempt += 1
                if status and status not in RETRY_STATUSES:
                    break
                if attempt < attempts:
                    await self.sleep(self._backoff(attempt, delay))
        raise OutboundError(f"{method} {url.path} failed with status {status or 'no answer'}", status)

    def _backoff(self, attempt: int, retry_after_seconds: float | None) -> float:
        if retry_after_seconds is not None:
            return min(retry_after_seconds, self.max_delay)
        exponential = self.base_delay * 2 ** (attempt - 1)
        return min(exponential * (0.5 + self.jitter() / 2), self.max_delay)  # "equal jitter"


class Typing:
    """Sends typing once `delay` seconds have passed without `stop()`, then every `interval` seconds until
    `stop()` (a reply that comes sooner goes without one; `delay` 0: at once). stop waits for an in-flight
    indicator, so it always reaches Teams before the reply."""

    def __init__(self, post: Callable[[], Awaitable[Any]], interval: float, delay: float = 0.0) -> None:
        self.post = post
        self.interval = interval
        self.delay = delay
        self._stopped = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self) -> Typing:
        self._task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        if self.delay > 0:
            try:
                await asyncio.wait_for(self._stopped.wait(), self.delay)
                return  # answered before the delay: no indicator at all
            except asyncio.TimeoutError:
                pass
        while True:  # the answer is late: show typing now and every `interval` until the reply
            try:
                await self.post()
            except Exception as error:  # best effort: a lost typing indicator is no reason to fail
                logger.debug("Teams: typing indicator not sent (%s)", type(error).__name__)
            try:
                await asyncio.wait_for(self._stopped.wait(), self.interval)
                return
            except asyncio.TimeoutError:
                continue

    async def stop(self) -> None:
        self._stopped.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
