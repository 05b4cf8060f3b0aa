"""Subscriptions, delivery addresses, events and the outbox, in SQLite (kept across restarts), or in the
PostgreSQL the Rasa servers share when OPSBOT_DB_HOST is set (`open_notify_store`, `PostgresNotifyStore`).

By default the same file as the Teams conversation references (OPSBOT_NOTIFY_DB, else TEAMS_STORE_PATH,
else .opsbot/teams.db); both the action server (subscriptions) and the Rasa server (webhooks, delivery)
open it, so it is in WAL mode with a busy timeout.

Tables:
  notify_subscriptions   one row per (conversation, source, target, condition)
  notify_addresses       conversation → the Bot Framework conversation reference to post to
  notify_deliveries      webhook delivery ids seen (X-GitHub-Delivery): a redelivery is a duplicate
  notify_events          one row per event key: the same build or alert sent twice is one event
  notify_outbox          one row per (event, conversation): the idempotency key of a delivery.
                         state: pending → sending → sent | failed; held (no Teams address yet)
Receiving an event writes the event and its outbox rows in one transaction, before the webhook is
answered: what was acknowledged is never lost; the same event or delivery id received twice (by one
server or two) is one row (a unique key, ON CONFLICT DO NOTHING). A row is claimed (sending, with the
claimer's id and time: a lease) before it is posted and marked sent with Teams' activity id after; in
PostgreSQL claims take the rows FOR UPDATE SKIP LOCKED, so two servers never claim the same row. A row still
`sending` when its lease expired (LEASE_SECONDS: its claimer died mid-post) is claimed and posted again,
and so, at once, is one whose claimer was a store of this process that has been closed (a restart in
process) or a process on this host that is gone (a crash, then a restart: `recover`); a live claimer's rows
are never taken from it. So delivery is at least once, and exactly once
unless a process dies inside that one request.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from backends.events import THREAD_CLOSED, THREAD_OPENED, Event
from common.database import Database, DatabaseSettings
from notifications.match import Subscription, matches

T = TypeVar("T")
logger = logging.getLogger(__name__)

LEASE_SECONDS = 300.0  # a claim older than this is abandoned: its row is posted again

SCHEMA = """
CREATE TABLE IF NOT EXISTS notify_subscriptions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation TEXT NOT NULL,
    source       TEXT NOT NULL,
    target       TEXT NOT NULL,
    condition    TEXT NOT NULL,
    label        TEXT NOT NULL DEFAULT '',
    target_url   TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL DEFAULT '',
    channel      TEXT NOT NULL DEFAULT '',
    created_at   REAL NOT NULL,
    UNIQUE (conversation, source, target, condition)
);
CREATE INDEX IF NOT EXISTS notify_subscriptions_source ON notify_subscriptions (source);
CREATE TABLE IF NOT EXISTS notify_addresses (
    conversation TEXT PRIMARY KEY,
    reference    TEXT NOT NULL,
    updated_at   REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS notify_deliveries (
    delivery    TEXT PRIMARY KEY,
    received_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS notify_events (
    key         TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    body        TEXT NOT NULL,
    received_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS notify_outbox (
    event_key    TEXT NOT NULL,
    conversation TEXT NOT NULL,
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      REAL NOT NULL,
    thread       TEXT NOT NULL DEFAULT '',
    kind         TEXT NOT NULL DEFAULT '',
    activity_id  TEXT,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   REAL NOT NULL,
    updated_at   REAL NOT NULL,
    claimed_by   TEXT NOT NULL DEFAULT '',
    claimed_at   REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (event_key, conversation)
);
CREATE INDEX IF NOT EXISTS notify_outbox_due ON notify_outbox (state, next_at);
CREATE INDEX IF NOT EXISTS notify_outbox_thread ON notify_outbox (conversation, thread);
"""

PENDING, SENDING, SENT, FAILED, HELD = "pending", "sending", "sent", "failed", "held"
_LEASE_COLUMNS = (("claimed_by", "TEXT NOT NULL DEFAULT ''"), ("claimed_at", "REAL NOT NULL DEFAULT 0"))
_SUBSCRIPTION_COLUMNS = ("id, conversation, source, target, condition, label, target_url, created_by, channel, "
                         "created_at")


@dataclass(frozen=True)
class Receipt:
    """What one webhook request added: events new to the store, duplicates, outbox rows queued."""

    events: int = 0
    duplicates: int = 0
    queued: int = 0
    duplicate_delivery: bool = False


@dataclass(frozen=True)
class OutboxRow:
    event: Event
    conversation: str
    attempts: int
    thread: str
    state: str = SENDING
    claimed_by: str = ""  # the claim this row was taken with: a row re-claimed since is not marked by us

    @property
    def key(self) -> tuple[str, str]:
        return self.event.key, self.conversation


# Claimer ids of the stores this process made: True while open, False once closed (their claims are abandoned).
_CLAIMERS: dict[str, bool] = {}


def _pid_namespace() -> str:
    """This process's PID namespace ("" where /proc does not say): pids mean something only within one."""
    try:
        return os.readlink("/proc/self/ns/pid").strip("pid:[]")
    except OSError:
        return ""


def claimer_id() -> str:
    """`host:pid:random:pid-namespace` for a new store's claims."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}:{_pid_namespace()}"


def _dead_here(claimer: str) -> bool:
    """A claimer on this host and in this PID namespace whose process is gone: it crashed mid-post, so its rows
    need not wait for their lease. (In a container the new process may have the dead one's pid: a pid that is
    ours but an id this process never made is dead too.) Containers that share a host name but not a PID
    namespace cannot tell each other's pids: their claims wait for the lease."""
    parts = claimer.split(":")
    if len(parts) != 4 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    if not parts[3] or parts[3] != _pid_namespace():
        return False
    pid_text = parts[1]
    pid = int(pid_text)
    if pid == os.getpid():
        return claimer not in _CLAIMERS
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


class NotifyStore:
    _SEQ = "rowid"  # insertion order, the tie-break among rows received at the same time
    _LOCK_DUE = ""  # SQLite: BEGIN IMMEDIATE already makes one claimer at a time

    def __init__(self, path: str | Path, clock: Callable[[], float] = time.time,
                 lease_seconds: float = LEASE_SECONDS) -> None:
        self.path = Path(path)
        self.where = str(self.path)
        self.clock = clock
        self.lease_seconds = lease_seconds
        self.claimer = claimer_id()
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    # -- plumbing ---------------------------------------------------------------------------------------
    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None,
                                         timeout=10.0)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA busy_timeout=10000")
            # WAL + NORMAL: a commit survives the process dying (what the outbox is for); only a power cut
            # may lose the last few, and it saves an fsync per delivery.
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(SCHEMA)
            have = {row[1] for row in connection.execute("PRAGMA table_info(notify_outbox)")}
            for name, definition in _LEASE_COLUMNS:  # a database made before leases
                if name not in have:
                    connection.execute(f"ALTER TABLE notify_outbox ADD COLUMN {name} {definition}")
            self._connection = connection
        return self._connection

    def _read(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db().execute(sql, parameters).fetchall()

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work` inside BEGIN IMMEDIATE … COMMIT (rolled back if it raises)."""
        with self._lock:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                result = work(db)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            return result

    def close(self) -> None:
        if self.claimer in _CLAIMERS:
            _CLAIMERS[self.claimer] = False
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    # -- subscriptions ----------------------------------------------------------------------------------
    def subscribe(self, conversation: str, source: str, target: str, condition: str, *, label: str = "",
                  target_url: str = "", created_by: str = "", channel: str = "") -> tuple[Subscription, bool]:
        """The subscription, and whether it is new (an identical one is kept as it is)."""

        def work(db: sqlite3.Connection) -> tuple[Subscription, bool]:
            cursor = db.execute(
                "INSERT INTO notify_subscriptions (conversation, source, target, condition, label, "
                "target_url, created_by, channel, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (conversation, source, target, condition, label, target_url, created_by, channel, self.clock()))
            row = db.execute(f"SELECT {_SUBSCRIPTION_COLUMNS} FROM notify_subscriptions WHERE conversation = ? AND "
                             "source = ? AND target = ? AND condition = ?",
                             (conversation, source, target, condition)).fetchone()
            return Subscription(*row), cursor.rowcount == 1

        return self._transaction(work)

    def subscriptions(self, conversation: str | None = None) -> list[Subscription]:
        if conversation is None:
            rows = self._read(f"SELECT {_SUBSCRIPTION_COLUMNS} FROM notify_subscriptions ORDER BY id")
        else:
            rows = self._read(f"SELECT {_SUBSCRIPTION_COLUMNS} FROM notify_subscriptions WHERE conversation = ? "
                              "ORDER BY id", (conversation,))
        return [Subscription(*row) for row in rows]

    def unsubscribe(self, conversation: str, ids: Iterable[int]) -> list[Subscription]:
        """Removes those of `ids` that belong to `conversation`; the removed ones."""
        wanted = {int(i) for i in ids}

        def work(db: sqlite3.Connection) -> list[Subscription]:
            rows = db.execute(f"SELECT {_SUBSCRIPTION_COLUMNS} FROM notify_subscriptions WHERE conversation = ?",
                              (conversation,)).fetchall()
            removed = [Subscription(*row) for row in rows if row[0] in wanted]
            db.executemany("DELETE FROM notify_subscriptions WHERE id = ?", [(s.id,) for s in removed])
            return removed

        return self._transaction(work)

    # -- where to post ------------------------------------------------------------------------------------
    def remember_address(self, conversation: str, reference: dict[str, Any]) -> None:
        self._read("INSERT INTO notify_addresses VALUES (?, ?, ?) ON CONFLICT(conversation) DO UPDATE SET "
                   "reference = excluded.reference, updated_at = excluded.updated_at",
                   (conversation, json.dumps(reference, sort_keys=True), self.clock()))

    def address(self, conversation: str) -> dict[str, Any] | None:
        rows = self._read("SELECT reference FROM notify_addresses WHERE conversation = ?", (conversation,))
        return json.loads(rows[0][0]) if rows else None

    # -- receiving ------------------------------------------------------------------------------------------
    def receive(self, events: list[Event], delivery: str = "") -> Receipt:
        """Stores new events with an outbox row per matching conversation, in one transaction."""
        now = self.clock()

        def work(db: sqlite3.Connection) -> Receipt:
            if delivery and db.execute("INSERT INTO notify_deliveries VALUES (?, ?) ON CONFLICT DO NOTHING",
                                       (delivery, now)).rowcount == 0:
                return Receipt(duplicates=len(events), duplicate_delivery=True)
            new = duplicates = queued = 0
            subscriptions: dict[str, list[Subscription]] = {}
            for event in events:
                if db.execute("INSERT INTO notify_events VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                              (event.key, event.source, event.to_json(), now)).rowcount == 0:
                    duplicates += 1
                    continue
                new += 1
                if event.source not in subscriptions:
                    subscriptions[event.source] = [Subscription(*row) for row in db.execute(
                        f"SELECT {_SUBSCRIPTION_COLUMNS} FROM notify_subscriptions WHERE source = ?",
                        (event.source,))]
                for conversation in self._recipients(db, event, subscriptions[event.source]):
                    queued += db.execute(
                        "INSERT INTO notify_outbox (event_key, conversation, state, next_at, thread, kind, "
                        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                        (event.key, conversation, PENDING, now, event.thread, event.kind, now, now)).rowcount
            return Receipt(new, duplicates, queued)

        return self._transaction(work)

    @staticmethod
    def _recipients(db: sqlite3.Connection, event: Event, subscriptions: list[Subscription]) -> list[str]:
        conversations = sorted({s.conversation for s in subscriptions if matches(s, event)})
        if event.kind != THREAD_CLOSED:
            return conversations
        # a resolution follows its firing message: only where that alert was posted (or is about to be)
        told = {row[0] for row in db.execute(
            "SELECT conversation FROM notify_outbox WHERE thread = ? AND kind = ? AND state != ?",
            (event.thread, THREAD_OPENED, FAILED))}
        return [c for c in conversations if c in told]

    # -- delivering -----------------------------------------------------------------------------------------
    def recover(self) -> int:
        """At start-up: rows left `sending` by a crash whose lease expired (or whose claimer was a closed store
        of this process) are due again, and so is everything waiting (a restart often follows the fix of what
        made them wait). Rows another live server is posting are left to it. How many were interrupted."""
        now = self.clock()

        def work(db: sqlite3.Connection) -> int:
            interrupted = db.execute("UPDATE notify_outbox SET state = ?, next_at = ? WHERE state = ? AND "
                                     "claimed_at <= ?", (PENDING, now, SENDING, now - self.lease_seconds)).rowcount
            claimers = [row[0] for row in db.execute(
                "SELECT DISTINCT claimed_by FROM notify_outbox WHERE state = ?", (SENDING,)).fetchall()]
            for claimer in claimers:
                if _CLAIMERS.get(claimer) is False or _dead_here(claimer):  # nothing is posting its rows any more
                    interrupted += db.execute("UPDATE notify_outbox SET state = ?, next_at = ? WHERE state = ? "
                                              "AND claimed_by = ?", (PENDING, now, SENDING, claimer)).rowcount
            db.execute("UPDATE notify_outbox SET next_at = ? WHERE state IN (?, ?)", (now, PENDING, HELD))
            return interrupted

        return self._transaction(work)

    def claim_due(self, limit: int = 100) -> list[OutboxRow]:
        """Due rows (pending or held, and sending ones whose lease expired; oldest first), marked `sending` with
        this store's claimer id so they are taken once."""
        now = self.clock()
        _CLAIMERS[self.claimer] = True

        def work(db: sqlite3.Connection) -> list[OutboxRow]:
            rows = db.execute(
                "SELECT o.event_key, o.conversation, o.attempts, o.thread, e.body FROM notify_outbox o "
                "JOIN notify_events e ON e.key = o.event_key WHERE ((o.state IN (?, ?) AND o.next_at <= ?) "
                f"OR (o.state = ? AND o.claimed_at <= ?)) ORDER BY o.created_at, o.{self._SEQ} LIMIT ?"
                f"{self._LOCK_DUE}",
                (PENDING, HELD, now, SENDING, now - self.lease_seconds, limit)).fetchall()
            db.executemany("UPDATE notify_outbox SET state = ?, claimed_by = ?, claimed_at = ?, updated_at = ? "
                           "WHERE event_key = ? AND conversation = ?",
                           [(SENDING, self.claimer, now, now, row[0], row[1]) for row in rows])
            return [OutboxRow(Event.from_json(body), conversation, attempts, thread, claimed_by=self.claimer)
                    for _key, conversation, attempts, thread, body in rows]

        return self._transaction(work)

    def next_due(self) -> float | None:
        rows = self._read("SELECT MIN(next_at) FROM notify_outbox WHERE state IN (?, ?)", (PENDING, HELD))
        return rows[0][0] if rows and rows[0][0] is not None else None

    def _set(self, row: OutboxRow, **values: Any) -> None:
        values["updated_at"] = self.clock()
        assignments = ", ".join(f"{name} = ?" for name in values)
        where, key = "event_key = ? AND conversation = ?", row.key
        if row.claimed_by:  # our claim only: a row whose lease expired may have been re-claimed since
            where, key = where + " AND claimed_by = ?", (*key, row.claimed_by)
        self._read(f"UPDATE notify_outbox SET {assignments} WHERE {where}", (*values.values(), *key))

    def mark_sent(self, row: OutboxRow, activity_id: str | None) -> None:
        self._set(row, state=SENT, activity_id=activity_id, attempts=row.attempts + 1, last_error="")

    def mark_retry(self, row: OutboxRow, delay: float, error: str) -> None:
        self._set(row, state=PENDING, attempts=row.attempts + 1, next_at=self.clock() + delay, last_error=error)

    def mark_held(self, row: OutboxRow, delay: float, why: str) -> None:
        self._set(row, state=HELD, next_at=self.clock() + delay, last_error=why)

    def mark_failed(self, row: OutboxRow, error: str) -> None:
        self._set(row, state=FAILED, attempts=row.attempts + 1, last_error=error)

    def thread_message(self, conversation: str, thread: str) -> str | None:
        """The Teams activity id of the firing message an alert's resolution follows."""
        rows = self._read("SELECT activity_id FROM notify_outbox WHERE conversation = ? AND thread = ? AND kind = ? "
                          "AND state = ? AND activity_id IS NOT NULL ORDER BY created_at DESC LIMIT 1",
                          (conversation, thread, THREAD_OPENED, SENT))
        return rows[0][0] if rows else None

    def counts(self) -> dict[str, int]:
        return dict(self._read("SELECT state, COUNT(*) FROM notify_outbox GROUP BY state"))

    def outbox(self, conversation: str | None = None) -> list[dict[str, Any]]:
        """The outbox rows (tests, diagnostics)."""
        where, parameters = ("WHERE conversation = ?", (conversation,)) if conversation else ("", ())
        rows = self._read("SELECT event_key, conversation, state, attempts, activity_id, last_error FROM notify_outbox "
                          f"{where} ORDER BY created_at, {self._SEQ}", parameters)
        names = ("event_key", "conversation", "state", "attempts", "activity_id", "last_error")
        return [dict(zip(names, row, strict=True)) for row in rows]

    def prune(self, older_than_seconds: float) -> int:
        """Forgets finished deliveries, events and delivery ids older than that (and held rows too old to matter)."""
        cutoff = self.clock() - older_than_seconds

        def work(db: sqlite3.Connection) -> int:
            removed = db.execute("DELETE FROM notify_outbox WHERE created_at < ? AND state IN (?, ?, ?)",
                                 (cutoff, SENT, FAILED, HELD)).rowcount
            db.execute("DELETE FROM notify_events WHERE received_at < ? AND key NOT IN "
                       "(SELECT event_key FROM notify_outbox)", (cutoff,))
            db.execute("DELETE FROM notify_deliveries WHERE received_at < ?", (cutoff,))
            return removed

        return self._transaction(work)


class AsyncNotifyStore:
    """The same store for asyncio code: every call in a worker thread (sqlite3 blocks)."""

    def __init__(self, store: NotifyStore) -> None:
        self.sync = store

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.sync, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await asyncio.to_thread(method, *args, **kwargs)

        return call


# -- PostgreSQL, when the Rasa servers share a database (OPSBOT_DB_HOST; see common/database.py) ----------
POSTGRES_SCHEMA = """
CREATE TABLE IF NOT EXISTS notify_subscriptions (
    id           BIGSERIAL PRIMARY KEY,
    conversation TEXT NOT NULL,
    source       TEXT NOT NULL,
    target       TEXT NOT NULL,
    condition    TEXT NOT NULL,
    label        TEXT NOT NULL DEFAULT '',
    target_url   TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL DEFAULT '',
    channel      TEXT NOT NULL DEFAULT '',
    created_at   DOUBLE PRECISION NOT NULL,
    UNIQUE (conversation, source, target, condition)
);
CREATE INDEX IF NOT EXISTS notify_subscriptions_source ON notify_subscriptions (source);
CREATE TABLE IF NOT EXISTS notify_addresses (
    conversation TEXT PRIMARY KEY,
    reference    TEXT NOT NULL,
    updated_at   DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS notify_deliveries (
    delivery    TEXT PRIMARY KEY,
    received_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS notify_events (
    key         TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    body        TEXT NOT NULL,
    received_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS notify_outbox (
    event_key    TEXT NOT NULL,
    conversation TEXT NOT NULL,
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      DOUBLE PRECISION NOT NULL,
    thread       TEXT NOT NULL DEFAULT '',
    kind         TEXT NOT NULL DEFAULT '',
    activity_id  TEXT,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   DOUBLE PRECISION NOT NULL,
    updated_at   DOUBLE PRECISION NOT NULL,
    claimed_by   TEXT NOT NULL DEFAULT '',
    claimed_at   DOUBLE PRECISION NOT NULL DEFAULT 0,
    seq          BIGSERIAL,
    PRIMARY KEY (event_key, conversation)
);
CREATE INDEX IF NOT EXISTS notify_outbox_due ON notify_outbox (state, next_at);
CREATE INDEX IF NOT EXISTS notify_outbox_thread ON notify_outbox (conversation, thread);
"""


def _pg(sql: str) -> str:
    """The store's statements use sqlite3's placeholders (?); psycopg2's are %s."""
    return sql.replace("?", "%s")


class _Result:
    """What sqlite3's cursor offers the store's transactions: rowcount and the rows (read at once)."""

    def __init__(self, cursor: Any) -> None:
        self.rowcount = cursor.rowcount
        self._rows: list[tuple] = cursor.fetchall() if cursor.description else []

    def fetchone(self) -> tuple | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[tuple]:
        return self._rows

    def __iter__(self) -> Iterator[tuple]:
        return iter(self._rows)


class _PostgresTransaction:
    """The part of sqlite3.Connection the store's `work` functions use, on a psycopg2 cursor."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> _Result:
        self._cursor.execute(_pg(sql), tuple(parameters))
        return _Result(self._cursor)

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        for parameters in rows:
            self.execute(sql, parameters)


class _TransactionalDatabase(Database):
    """common.database.Database (one connection, schema created under an advisory lock, one reconnect),
    plus a transaction of several statements."""

    def transaction(self, work: Callable[[Any], T]) -> T:
        """`work` inside BEGIN … COMMIT (rolled back if it raises). When the server dropped the connection,
        the whole transaction runs once more on a new one (it was rolled back)."""
        import psycopg2

        with self._lock:
            for attempt in (1, 2):
                if self._connection is None or self._connection.closed:
                    self._connection = self._connect()
                try:
                    with self._connection.cursor() as cursor:
                        cursor.execute("BEGIN")
                        try:
                            result = work(_PostgresTransaction(cursor))
                        except BaseException:
                            with contextlib.suppress(psycopg2.Error):
                                cursor.execute("ROLLBACK")
                            raise
                        cursor.execute("COMMIT")
                        return result
                except (psycopg2.OperationalError, psycopg2.InterfaceError):
                    self._close()
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")


class PostgresNotifyStore(NotifyStore):
    """The same store in PostgreSQL, shared by every Rasa server (and the action server's subscriptions):
    same tables, same statements (placeholders translated); due rows are claimed FOR UPDATE SKIP LOCKED."""

    _SEQ = "seq"
    _LOCK_DUE = " FOR UPDATE OF o SKIP LOCKED"

    def __init__(self, database: DatabaseSettings, clock: Callable[[], float] = time.time,
                 lease_seconds: float = LEASE_SECONDS) -> None:
        super().__init__(database.where, clock, lease_seconds)
        self.where = database.where
        self._database = _TransactionalDatabase(database, POSTGRES_SCHEMA)

    def _read(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        return self._database.run(_pg(sql), parameters)

    def _transaction(self, work: Callable[[Any], T]) -> T:
        return self._database.transaction(work)

    def close(self) -> None:
        if self.claimer in _CLAIMERS:
            _CLAIMERS[self.claimer] = False
        self._database.close()


def open_notify_store(path: str | Path, clock: Callable[[], float] = time.time) -> NotifyStore:
    """The notifications store: PostgreSQL when OPSBOT_DB_HOST is set (then `path` is not used), else SQLite
    at `path`. Nothing is opened before first use."""
    database = DatabaseSettings.from_env()
    if database is None:
        return NotifyStore(path, clock)
    logger.info("Notifications: store in %s", database.where)
    return PostgresNotifyStore(database, clock)
