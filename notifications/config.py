"""The notification settings, from the environment, read once (the README lists the variables).

  OPSBOT_NOTIFY_DB              the SQLite file (default: TEAMS_STORE_PATH, else .opsbot/teams.db)
  OPSBOT_NOTIFY_CONSOLE         1: print notifications for conversations that are not in Teams (make demo)

Each tool's webhook secret is its wing's setting (backends/<name>/settings.py: JENKINS_WEBHOOK_SECRET,
GRAFANA_WEBHOOK_TOKEN or _USER/_PASSWORD, GITHUB_WEBHOOK_SECRET).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from common.doors import MAX_BODY

DEFAULT_DB = ".opsbot/teams.db"
MAX_BODY_BYTES = MAX_BODY["notify"]  # GitHub caps payloads at 25 MB; ours are a few KB, a runaway is refused


@dataclass(frozen=True)
class NotifySettings:
    db_path: str = DEFAULT_DB
    console: bool = False
    max_body_bytes: int = MAX_BODY_BYTES

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> NotifySettings:
        env = os.environ if env is None else env

        def value(name: str, default: str = "") -> str:
            return (env.get(name) or default).strip()

        return cls(
            db_path=db_path(env),
            console=value("OPSBOT_NOTIFY_CONSOLE").lower() in ("1", "true", "yes", "on"),
        )


def db_path(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return (env.get("OPSBOT_NOTIFY_DB") or "").strip() or (env.get("TEAMS_STORE_PATH") or "").strip() or DEFAULT_DB


@lru_cache(maxsize=1)
def notify_settings() -> NotifySettings:
    return NotifySettings.from_env()
