"""Conversation references in SQLite, so opsbot can post to a conversation later without a new message
(notifications, reminders, Rasa's trigger_intent).

One row per conversation: the Rasa sender id whose tracker it is, the tenant, and the Bot Framework
ConversationReference (serviceUrl, conversation, bot, user; no activityId: a later post is a new message,
not a reply). Looked up by sender id or conversation id. The path is configurable (TEAMS_STORE_PATH,
default .opsbot/teams.db); the file is created on first use. sqlite3 is blocking, so calls run in a thread;
unchanged references are not rewritten. With OPSBOT_DB_HOST set, the same table lives in the PostgreSQL the
Rasa servers share (`open_store`, `PostgresConversationStore`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.database import Database, DatabaseSettings

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversation_references (
    conversation_id   TEXT PRIMARY KEY,
    sender_id         TEXT NOT NULL,
    tenant_id         TEXT NOT NULL DEFAULT '',
    conversation_type TEXT NOT NULL DEFAULT '',
    reference         TEXT NOT NULL,
    updated_at        REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS conversation_references_sender ON conversation_references (sender_id, updated_at);
"""


@dataclass(frozen=True)
class StoredConversation:
    conversation_id: str
    sender_id: str
    tenant_id: str
    conversation_type: str
    reference: dict[str, Any]


class ConversationStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._written: dict[str, str] = {}  # conversation id → the row last written (skip identical writes)

    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(SCHEMA)
            self._connection = connection
        return self._connection

    def _run(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db().execute(sql, parameters).fetchall()

    # -- synchronous API (any thread) -----------------------------------------------------------------
    @staticmethod
    def _row(sender_id: str, reference: dict[str, Any]) -> tuple[str, dict[str, Any], str]:
        reference = {k: v for k, v in reference.items() if k != "activityId"}
        return str((reference.get("conversation") or {})["id"]), reference, json.dumps([sender_id, reference],
                                                                                      sort_keys=True)

    def _unchanged(self, sender_id: str, reference: dict[str, Any]) -> bool:
        conversation_id, _, row = self._row(sender_id, reference)
        return self._written.get(conversation_id) == row

    def save_sync(self, sender_id: str, reference: dict[str, Any]) -> None:
        conversation_id, reference, row = self._row(sender_id, reference)
        conversation = reference.get("conversation") or {}
        if self._written.get(conversation_id) == row:
            return
        self._run(
            "INSERT INTO conversation_references VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(conversation_id) DO UPDATE "
            "SET sender_id=excluded.sender_id, tenant_id=excluded.tenant_id, "
            "conversation_type=excluded.conversation_type, reference=excluded.reference, "
            "updated_at=excluded.updated_at",
            (conversation_id, sender_id, str(conversation.get("tenantId") or ""),
             str(conversation.get("conversationType") or ""), json.dumps(reference), time.time()),
        )
        self._written[conversation_id] = row

    def get_sync(self, key: str) -> StoredConversation | None:
        """By conversation id, else the most recent conversation of that Rasa sender id."""
        rows = self._run("SELECT * FROM conversation_references WHERE conversation_id = ?", (key,)) or self._run(
            "SELECT * FROM conversation_references WHERE sender_id = ? ORDER BY updated_at DESC LIMIT 1", (key,))
        return _stored(rows[0]) if rows else None

    def delete_sync(self, conversation_id: str) -> None:
        self._run("DELETE FROM conversation_references WHERE conversation_id = ?", (conversation_id,))
        self._written.pop(conversation_id, None)

    def all_sync(self) -> list[StoredConversation]:
        return [_stored(row) for row in self._run("SELECT * FROM conversation_references ORDER BY updated_at")]

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    # -- asyncio API ------------------------------------------------------------------------------------
    async def save(self, sender_id: str, reference: dict[str, Any]) -> None:
        if not self._unchanged(sender_id, reference):  # most messages: nothing to write, no thread hop
            await asyncio.to_thread(self.save_sync, sender_id, reference)

    async def get(self, key: str) -> StoredConversation | None:
        return await asyncio.to_thread(self.get_sync, key)

    async def delete(self, conversation_id: str) -> None:
        await asyncio.to_thread(self.delete_sync, conversation_id)

    async def all(self) -> list[StoredConversation]:
        return await asyncio.to_thread(self.all_sync)


def _stored(row: tuple) -> StoredConversation:
    conversation_id, sender_id, tenant_id, conversation_type, reference, _ = row
    return StoredConversation(conversation_id, sender_id, tenant_id, conversation_type, json.loads(reference))


# -- PostgreSQL, when the Rasa servers share a database (OPSBOT_DB_HOST; see common/database.py) ----------
POSTGRES_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversation_references (
    conversation_id   TEXT PRIMARY KEY,
    sender_id         TEXT NOT NULL,
    tenant_id         TEXT NOT NULL DEFAULT '',
    conversation_type TEXT NOT NULL DEFAULT '',
    reference         TEXT NOT NULL,
    updated_at        DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS conversation_references_sender ON conversation_references (sender_id, updated_at);
"""


class PostgresConversationStore(ConversationStore):
    """The same store in PostgreSQL: every Rasa server (and a notifier) sees every conversation, whichever
    server the message came through. Same table, same statements (placeholders translated)."""

    def __init__(self, database: DatabaseSettings) -> None:
        super().__init__(database.where)
        self._database = Database(database, POSTGRES_SCHEMA)

    def _run(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        return self._database.run(sql.replace("?", "%s"), parameters)

    def close(self) -> None:
        self._database.close()


def open_store(path: str | Path) -> ConversationStore:
    """The conversation store: PostgreSQL when OPSBOT_DB_HOST is set (then `path` is not used), else SQLite
    at `path`."""
    database = DatabaseSettings.from_env()
    if database is None:
        return ConversationStore(path)
    logger.info("Teams: conversation references in %s", database.where)
    return PostgresConversationStore(database)
