"""The outbox loop: posts due outbox rows, each once, and keeps trying those that could not go yet.

Started with the server (notifications/channel.py or `python -m notifications`): first the rows a crash left
behind (`recover`), then whatever is due, then it sleeps until woken by a new event (`wake`), until the
next retry is due, or `poll_seconds` (rows written by another process). Per row:
  posted                  → sent (with Teams' activity id, so a resolved alert can update its message)
  Teams said 429/5xx/none → pending again after an exponential backoff (the Bot Connector client has
                            already retried a few times, honouring Retry-After); failed after max_attempts
  403/404/413             → failed (the bot was removed, the conversation is gone, the card is too big)
  no Teams address        → the fallback sink (console) if there is one, else held and looked at again
                            later: the conversation may be reached in Teams one day
Rows are posted concurrently (`concurrency`); the client keeps each conversation's posts in order and
paced under Teams' per-conversation limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable

from backends.events import THREAD_CLOSED, Event
from backends.registry import sources
from common.reply import Reply
from notifications.sinks import DeliveryError, NoRoute, Sink
from notifications.store import AsyncNotifyStore, NotifyStore, OutboxRow

logger = logging.getLogger(__name__)


def render(event: Event, now: float | None = None) -> Reply:
    """What a conversation sees of an event: its tool's card (backends/<name>/source.py)."""
    return sources()[event.source].render(event, time.time() if now is None else now)

RETENTION_SECONDS = 14 * 86400
PRUNE_EVERY_SECONDS = 3600.0


class Deliverer:
    def __init__(
        self,
        store: NotifyStore,
        sink: Sink | None,
        fallback: Sink | None = None,
        *,
        concurrency: int = 16,
        batch: int = 200,
        poll_seconds: float = 5.0,
        max_attempts: int = 8,
        base_delay: float = 15.0,
        max_delay: float = 1800.0,
        hold_seconds: float = 600.0,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.store = AsyncNotifyStore(store)
        self.sink = sink
        self.fallback = fallback
        self.concurrency = concurrency
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.hold_seconds = hold_seconds
        self.clock = clock
        self.jitter = jitter
        self.delivered = 0
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._held_logged: set[str] = set()
        self._stopping = False
        self._pruned_at = 0.0

    # -- lifecycle --------------------------------------------------------------------------------------
    async def start(self) -> None:
        recovered = await self.store.recover()
        if recovered:
            logger.info("Notifications: %d delivery(ies) interrupted by a restart will be posted again", recovered)
        self._wake = asyncio.Event()
        self._stopping = False
        self._task = asyncio.create_task(self._loop(), name="notifications-outbox")

    def wake(self) -> None:
        """New outbox rows: deliver now (call from the server's event loop)."""
        if self._wake is not None:
            self._wake.set()

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self.wake()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        assert self._wake is not None
        while not self._stopping:
            try:
                await self._prune_now_and_then()
                if await self.run_once():
                    continue
                next_due = await self.store.next_due()
                wait = self.poll_seconds if next_due is None else min(max(next_due - self.clock(), 0.05),
                                                                       self.poll_seconds)
            except asyncio.CancelledError:
                raise
            except Exception:  # the loop must outlive a bad row or a locked database
                logger.exception("Notifications: the outbox loop hit an error; retrying shortly")
                wait = self.poll_seconds
            await self._sleep(wait)

    async def _sleep(self, seconds: float) -> None:
        """Until woken or `seconds` passed. (Not asyncio.wait_for: on Python 3.10 it can swallow the
        cancellation that stops the loop, when the wake-up and the cancel come together.)"""
        assert self._wake is not None
        waiter = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({waiter}, timeout=seconds)
        finally:
            waiter.cancel()
        self._wake.clear()

    async def _prune_now_and_then(self) -> None:
        if self.clock() - self._pruned_at >= PRUNE_EVERY_SECONDS:
            self._pruned_at = self.clock()
            await self.store.prune(RETENTION_SECONDS)

    # -- delivering -------------------------------------------------------------------------------------
    async def run_once(self) -> int:
        """Delivers the rows due now (one batch); how many were taken."""
        rows = await self.store.claim_due(self.batch)
        if rows:
            limit = asyncio.Semaphore(self.concurrency)

            async def one(row: OutboxRow) -> None:
                async with limit:
                    await self.deliver(row)

            await asyncio.gather(*(one(row) for row in rows))
        return len(rows)

    async def drain(self, rounds: int = 100) -> None:
        """Delivers until nothing is due now (tests, benchmarks)."""
        for _ in range(rounds):
            if not await self.run_once():
                return

    async def deliver(self, row: OutboxRow) -> None:
        try:
            reply = render(row.event, self.clock())
        except Exception as error:  # an event we cannot show will not improve by waiting
            logger.error("Notifications: cannot render %s: %s", row.event.key, type(error).__name__)
            await self.store.mark_failed(row, f"render: {type(error).__name__}")
            return
        try:
            activity_id = await self._post(row, reply, self.sink)
        except NoRoute as no_route:
            await self._no_route(row, reply, str(no_route))
        except DeliveryError as error:
            await self._failed(row, error)
        except Exception as error:
            logger.exception("Notifications: posting %s to %s failed unexpectedly", row.event.key, row.conversation)
            await self._failed(row, DeliveryError(type(error).__name__))
        else:
            await self.store.mark_sent(row, activity_id)
            self.delivered += 1

    async def _post(self, row: OutboxRow, reply, sink: Sink | None) -> str | None:
        if sink is None:
            raise NoRoute("Teams is not configured")
        if row.event.kind == THREAD_CLOSED and row.thread:
            firing = await self.store.thread_message(row.conversation, row.thread)
            if firing:
                await self._best_effort(sink.update(row.conversation, firing, reply), row)
            return await sink.post(row.conversation, reply, thread_of=firing)
        return await sink.post(row.conversation, reply)

    @staticmethod
    async def _best_effort(call: Awaitable[None], row: OutboxRow) -> None:
        try:
            await call
        except DeliveryError as error:  # the follow-up message still tells them
            logger.info("Notifications: could not update the firing message in %s (%s)", row.conversation, error)

    async def _no_route(self, row: OutboxRow, reply, why: str) -> None:
        if self.fallback is not None:
            activity_id = await self.fallback.post(row.conversation, reply)
            await self.store.mark_sent(row, activity_id)
            self.delivered += 1
            return
        if row.conversation not in self._held_logged:
            self._held_logged.add(row.conversation)
            logger.info("Notifications: held for %s until it can be reached in Teams (%s)", row.conversation, why)
        await self.store.mark_held(row, self.hold_seconds, why)

    async def _failed(self, row: OutboxRow, error: DeliveryError) -> None:
        attempts = row.attempts + 1
        if error.retryable and attempts < self.max_attempts:
            delay = min(self.base_delay * 2 ** (attempts - 1), self.max_delay) * (0.5 + self.jitter() / 2)
            logger.warning("Notifications: posting to %s failed (%s); attempt %d of %d again in %.0f s",
                           row.conversation, error, attempts, self.max_attempts, delay)
            await self.store.mark_retry(row, delay, str(error))
        else:
            logger.error("Notifications: gave up posting %s to %s: %s", row.event.key, row.conversation, error)
            await self.store.mark_failed(row, str(error))
