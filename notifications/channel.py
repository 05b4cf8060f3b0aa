"""The Rasa channel `notify`: webhook receivers for Jenkins, Grafana and GitHub on the Rasa server, and the
loop that posts their events to subscribed Teams conversations (the `notifications` package does the work).

  POST /webhooks/notify/jenkins   Jenkins Notification plugin (JSON), ?token=JENKINS_WEBHOOK_SECRET
  POST /webhooks/notify/grafana   Grafana webhook contact point, Authorization: Bearer GRAFANA_WEBHOOK_TOKEN
                                  (or basic auth GRAFANA_WEBHOOK_USER/PASSWORD)
  POST /webhooks/notify/github    GitHub webhook, X-Hub-Signature-256 with GITHUB_WEBHOOK_SECRET
  GET  /webhooks/notify/          health (no outbox counts: it is public)

Loaded from the credentials file as `notifications.channel.NotifyInput` (no settings needed there: the secrets
come from the environment). It posts through its own Bot Connector client with the Teams channel's
settings (the entry's `teams:` mapping, else the same TEAMS_* variables credentials.teams.yml reads);
without TEAMS_APP_ID it still receives and stores, and holds deliveries (or prints them with
OPSBOT_NOTIFY_CONSOLE=1). Rasa itself never hears of these requests: `on_new_message` is not called.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from common import logsafe
from connector.guard import cap_server_body
from notifications.config import NotifySettings
from notifications.service import Notifier, teams_credentials_from_env

CHANNEL_NAME = "notify"


class NotifyInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> NotifyInput:
        credentials = credentials or {}
        return cls(NotifySettings.from_env(), credentials.get("teams") or teams_credentials_from_env())

    def __init__(self, settings: NotifySettings, teams: Mapping[str, Any] | None = None, **options: Any) -> None:
        """No network and no database here: both open when the server starts."""
        logsafe.install()
        self.notifier = Notifier(settings, teams, **options)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        notify = Blueprint("notify_webhook", __name__)
        notifier = self.notifier
        cap_server_body(notify)

        @notify.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})  # public: the outbox's counts are not anyone's business

        @notify.route("/<source>", methods=["POST"])
        async def webhook(request: Request, source: str) -> HTTPResponse:
            query = {name: values[0] for name, values in request.args.items() if values}
            answer = await notifier.receiver.handle(source, request.headers, query, request.body or b"")
            return response.json(answer.body, status=answer.status)

        @notify.listener("after_server_start")
        async def start(_app: Any, _loop: Any) -> None:
            await notifier.start()

        @notify.listener("before_server_stop")
        async def stop(_app: Any, _loop: Any) -> None:
            await notifier.stop()

        return notify
