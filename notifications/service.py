"""One process's notifications: the webhook receiver, the store and the delivery loop, wired together with
the Teams sink (and the console one for `make demo`). Used by the Rasa channel (notifications/channel.py) and by
the standalone server (`python -m notifications`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from connector.teams_output import Proactive
from notifications.config import NotifySettings
from notifications.deliver import Deliverer
from notifications.receiver import Receiver
from notifications.sinks import ConsoleSink, Sink, TeamsSink
from notifications.store import AsyncNotifyStore, open_notify_store

logger = logging.getLogger(__name__)

# credentials.teams.yml's TeamsInput entry, read from the same variables.
TEAMS_VARIABLES = {"app_id": "TEAMS_APP_ID", "app_password": "TEAMS_APP_PASSWORD", "tenant_id": "TEAMS_TENANT_ID",
                   "openid_metadata_url": "TEAMS_OPENID_METADATA_URL", "token_url": "TEAMS_TOKEN_URL",
                   "graph_url": "TEAMS_GRAPH_URL",
                   "allowed_service_urls": "TEAMS_ALLOWED_SERVICE_URLS",
                   "allowed_tenants": "TEAMS_ALLOWED_TENANTS", "store_path": "TEAMS_STORE_PATH"}


def teams_credentials_from_env(env: Mapping[str, str] | None = None) -> dict[str, str] | None:
    env = os.environ if env is None else env
    if not (env.get("TEAMS_APP_ID") or "").strip():
        return None
    return {key: env.get(variable, "") for key, variable in TEAMS_VARIABLES.items()}


class Notifier:
    """The receiver, the store and the delivery loop for one server process (Rasa's or the standalone one)."""

    def __init__(self, settings: NotifySettings, teams: Mapping[str, Any] | None = None,
                 proactive: Proactive | None = None, **deliverer_options: Any) -> None:
        """`teams`: the Teams channel's credentials entry (None: Teams is not configured); or a ready
        `proactive` (tests pass one with a quick-retrying client)."""
        self.settings = settings
        self.store = open_notify_store(settings.db_path)  # PostgreSQL when OPSBOT_DB_HOST is set
        if proactive is None and teams:
            proactive = Proactive.from_credentials(dict(teams))
        self.proactive = proactive
        sink: Sink | None = None
        if proactive is not None:
            sink = TeamsSink(proactive.connector, AsyncNotifyStore(self.store), proactive.store,
                             proactive.config.service_url_allowed)
        fallback = ConsoleSink() if settings.console else None
        self.deliverer = Deliverer(self.store, sink, fallback, **deliverer_options)
        self.receiver = Receiver(settings, self.store, self.deliverer.wake)

    async def start(self) -> None:
        await self.deliverer.start()
        where = "Teams" if self.proactive else ("the console" if self.settings.console else "nowhere yet (held)")
        logger.info("Notifications: receiving webhooks; delivering to %s; store %s", where, self.store.where)

    async def stop(self) -> None:
        await self.deliverer.stop()
        if self.proactive is not None:
            await self.proactive.connector.http.close()
            self.proactive.store.close()
        self.store.close()


