"""The PostgreSQL database opsbot's Rasa servers share when more than one runs (see README "Running in
production"): its settings, and a connection for the small stores that live beside the conversations.

The settings are the OPSBOT_DB_* variables, the same ones endpoints.scale.yml hands to Rasa's SQL tracker
store, so one set of variables moves trackers, Teams conversation references (connector/conversations.py) and
notification subscriptions to the same database. Unset OPSBOT_DB_HOST = no database: each store keeps its
local SQLite file.

psycopg2 is blocking: call `Database.run` from a thread (`asyncio.to_thread`), never on the event loop.
"""

from __future__ import annotations

import os
import threading
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

CONNECT_TIMEOUT_SECONDS = 10
STATEMENT_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class DatabaseSettings:
    host: str
    port: int = 5432
    name: str = "opsbot"
    user: str = "opsbot"
    password: str = field(default="", repr=False)
    sslmode: str = "prefer"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DatabaseSettings | None:
        """The database from OPSBOT_DB_HOST, _PORT, _NAME, _USER, _PASSWORD, _SSLMODE; None when no host is set."""
        env = os.environ if env is None else env

        def value(name: str, default: str) -> str:
            return (env.get(f"OPSBOT_DB_{name}") or "").strip() or default

        host = value("HOST", "")
        if not host:
            return None
        return cls(host=host, port=int(value("PORT", "5432")), name=value("NAME", "opsbot"),
                   user=value("USER", "opsbot"), password=(env.get("OPSBOT_DB_PASSWORD") or ""),
                   sslmode=value("SSLMODE", "prefer"))

    @property
    def where(self) -> str:
        """For log lines: no user, no password."""
        return f"postgresql://{self.host}:{self.port}/{self.name}"

    def connect_kwargs(self) -> dict[str, Any]:
        return {"host": self.host, "port": self.port, "dbname": self.name, "user": self.user,
                "password": self.password, "sslmode": self.sslmode, "connect_timeout": CONNECT_TIMEOUT_SECONDS,
                "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}", "application_name": "opsbot"}


class Database:
    """One autocommit connection, used by one thread at a time, opened on first use (its schema created
    then, under an advisory lock so that servers starting together don't race) and reopened once when
    the server dropped it (a database restart or fail-over)."""

    def __init__(self, settings: DatabaseSettings, schema: str) -> None:
        self.settings = settings
        self.schema = schema
        self._connection: Any = None
        self._lock = threading.Lock()

    def _connect(self) -> Any:
        import psycopg2

        connection = psycopg2.connect(**self.settings.connect_kwargs())
        try:
            with connection, connection.cursor() as cursor:  # one transaction: lock, create, commit
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", (zlib.crc32(self.schema.encode()),))
                cursor.execute(self.schema)
            connection.autocommit = True
        except Exception:
            connection.close()
            raise
        return connection

    def run(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple]:
        """One statement (psycopg2 placeholders: %s); the rows it returned, if any."""
        import psycopg2

        with self._lock:
            for attempt in (1, 2):
                if self._connection is None or self._connection.closed:
                    self._connection = self._connect()
                try:
                    with self._connection.cursor() as cursor:
                        cursor.execute(sql, tuple(parameters))
                        return cursor.fetchall() if cursor.description else []
                except (psycopg2.OperationalError, psycopg2.InterfaceError):
                    self._close()
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")

    def _close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None

    def close(self) -> None:
        with self._lock:
            self._close()
