"""The notification settings, from the environment, read once (the README lists the variables).

  JENKINS_WEBHOOK_SECRET        the shared secret the Jenkins Notification plugin sends (?token=…)
  GRAFANA_WEBHOOK_TOKEN         the Grafana contact point's Authorization header credentials (Bearer …)
  GRAFANA_WEBHOOK_USER/PASSWORD or its basic auth user and password
  GITHUB_WEBHOOK_SECRET         the GitHub webhook secret (X-Hub-Signature-256)
  OPSBOT_NOTIFY_DB              the SQLite file (default: TEAMS_STORE_PATH, else .opsbot/teams.db)
  OPSBOT_NOTIFY_CONSOLE         1: print notifications for conversations that are not in Teams (make demo)
  JENKINS_URL                   makes a relative build URL absolute when Jenkins has no root URL set
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from common.doors import MAX_BODY

DEFAULT_DB = ".opsbot/teams.db"
MAX_BODY_BYTES = MAX_BODY["notify"]  # GitHub caps payloads at 25 MB; ours are a few KB, a runaway is refused


@dataclass(frozen=True)
class NotifySettings:
    jenkins_secret: str = field(default="", repr=False)
    grafana_token: str = field(default="", repr=False)
    grafana_user: str = ""
    grafana_password: str = field(default="", repr=False)
    github_secret: str = field(default="", repr=False)
    db_path: str = DEFAULT_DB
    console: bool = False
    jenkins_url: str = ""
    max_body_bytes: int = MAX_BODY_BYTES

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> NotifySettings:
        env = os.environ if env is None else env

        def value(name: str, default: str = "") -> str:
            return (env.get(name) or default).strip()

        return cls(
            jenkins_secret=value("JENKINS_WEBHOOK_SECRET"),
            grafana_token=value("GRAFANA_WEBHOOK_TOKEN"),
            grafana_user=value("GRAFANA_WEBHOOK_USER"),
            grafana_password=value("GRAFANA_WEBHOOK_PASSWORD"),
            github_secret=value("GITHUB_WEBHOOK_SECRET"),
            db_path=db_path(env),
            console=value("OPSBOT_NOTIFY_CONSOLE").lower() in ("1", "true", "yes", "on"),
            jenkins_url=value("JENKINS_URL").rstrip("/"),
        )


def db_path(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return (env.get("OPSBOT_NOTIFY_DB") or "").strip() or (env.get("TEAMS_STORE_PATH") or "").strip() or DEFAULT_DB


@lru_cache(maxsize=1)
def notify_settings() -> NotifySettings:
    return NotifySettings.from_env()
