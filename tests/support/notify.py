"""Test harness for notifications: a real Sanic server with the `notify` channel (notifications.channel.NotifyInput)
at /webhooks/notify/<source>, posting to the fake Bot Framework (tests/support/teams.py), on loopback.

Loaded as a pytest plugin (tests/conftest.py): fixtures `notify_env` (secrets, access file, audit log and
database in tmp) and `notify` (a factory of running servers). The server posts what Jenkins, Grafana and GitHub
send, signed with the test secrets; the payloads themselves are built by sandbox/payloads.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

if TYPE_CHECKING:
    from notifications.channel import NotifyInput
    from sandbox.botframework import FakeBotFramework

PREFIX = "/webhooks/notify"
JENKINS_SECRET = "jenkins-hook-secret-0042"
GRAFANA_TOKEN = "grafana-hook-token-0042"
GITHUB_SECRET = "github-hook-secret-0042"
OTHER_CHANNEL = "19:dev-channel@thread.tacv2"
_names = itertools.count()

ACCESS = """
roles:
  reader: [read]
  builder: [read, build, subscribe]
default_role: reader
members:
  builder: [ann.example@contoso.example, 6a1b2c3d-0000-4000-8000-00000000a001, dan, demo]
"""


class NotifyServer:
    """Sanic + NotifyInput on a free port in a background event loop (its listeners start the outbox loop)."""

    def __init__(self, channel: NotifyInput) -> None:
        from sanic import Sanic

        Sanic.test_mode = True
        self.channel = channel
        self.app = Sanic(f"notify_test_{next(_names)}", configure_logging=False)

        async def never(_message: Any) -> None:  # the notify channel never talks to Rasa
            raise AssertionError("the notify channel must not hand messages to Rasa")

        self.app.blueprint(channel.blueprint(never), url_prefix=PREFIX)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="notify-server", daemon=True)
        self._server: Any = None
        self.port = 0

    @property
    def notifier(self):
        return self.channel.notifier

    def start(self) -> NotifyServer:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        self.port = listener.getsockname()[1]

        async def start() -> None:
            self._server = await self.app.create_server(sock=listener, return_asyncio_server=True, access_log=False)
            await self._server.startup()
            await self._server.after_start()

        self.loop.run_until_complete(start())
        self._thread.start()
        return self

    def crash(self) -> None:
        """Stops serving without any shutdown work (no listener runs): what a killed process leaves behind."""
        if not self._thread.is_alive():
            return

        async def stop() -> None:
            task = self.notifier.deliverer._task
            if task is not None:
                task.cancel()
            await self._server.close()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.notifier.store.close()

    def stop(self) -> None:
        if not self._thread.is_alive():
            return

        async def stop() -> None:
            await self._server.before_stop()
            await self._server.close()
            await self._server.after_stop()

        future = asyncio.run_coroutine_threadsafe(stop(), self.loop)
        try:
            future.result(30)
        except FutureTimeout as error:
            raise AssertionError("the notify server did not stop:\n" + _stacks(self.loop)) from error
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    def url(self, source: str) -> str:
        return f"http://127.0.0.1:{self.port}{PREFIX}/{source}"

    def run(self, coroutine: Any, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def drain(self, timeout: float = 15.0) -> None:
        """Waits until nothing is being posted or due now (the outbox loop delivers; this waits for it)."""
        store = self.notifier.store
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.run(self.notifier.deliverer.drain())
            due = store.next_due()
            if not store.counts().get("sending") and (due is None or due > time.time()):
                return
            time.sleep(0.05)
        raise AssertionError(f"the outbox did not settle: {store.outbox()}")

    # -- senders ----------------------------------------------------------------------------------------
    def jenkins(self, payload: Any, token: str | None = JENKINS_SECRET, **kwargs: Any) -> requests.Response:
        params = {"token": token} if token is not None else {}
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return requests.post(self.url("jenkins"), params=params, data=data, timeout=10,
                             headers={"Content-Type": "application/json;charset=UTF-8"}, **kwargs)

    def grafana(self, payload: Any, token: str | None = GRAFANA_TOKEN, **kwargs: Any) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return requests.post(self.url("grafana"), data=json.dumps(payload).encode(), headers=headers, timeout=10,
                             **kwargs)

    def github(self, event: str, payload: Any, delivery: str | None = None, secret: str | None = GITHUB_SECRET,
               signature: str | None = None) -> requests.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", "X-GitHub-Event": event,
                   "X-GitHub-Delivery": delivery or str(uuid.uuid4()), "User-Agent": "GitHub-Hookshot/abc123"}
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        elif secret is not None:
            headers["X-Hub-Signature-256"] = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return requests.post(self.url("github"), data=body, headers=headers, timeout=10)


def _stacks(loop: asyncio.AbstractEventLoop) -> str:
    """Where every task and thread is (a hung stop says why)."""
    import io
    import sys
    import traceback

    out = io.StringIO()
    for task in asyncio.all_tasks(loop):
        out.write(f"task {task.get_name()}:\n")
        for frame in task.get_stack():
            out.write("".join(traceback.format_stack(frame, 1)))
    for thread_id, frame in sys._current_frames().items():
        out.write(f"thread {thread_id}:\n" + "".join(traceback.format_stack(frame)[-6:]))
    return out.getvalue()


# -- fixtures -------------------------------------------------------------------------------------------------
@pytest.fixture()
def notify_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Webhook secrets, the notification database, an access file and the audit log, all in tmp."""
    access = tmp_path / "access.yml"
    access.write_text(ACCESS)
    database = tmp_path / "notify.db"
    for name, value in {"JENKINS_WEBHOOK_SECRET": JENKINS_SECRET, "GRAFANA_WEBHOOK_TOKEN": GRAFANA_TOKEN,
                        "GITHUB_WEBHOOK_SECRET": GITHUB_SECRET, "OPSBOT_NOTIFY_DB": str(database),
                        "OPSBOT_ACCESS_FILE": str(access), "OPSBOT_AUDIT_LOG": str(tmp_path / "audit.jsonl")}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("OPSBOT_NOTIFY_CONSOLE", raising=False)
    return database


class NotifyFactory:
    def __init__(self, fake: FakeBotFramework, tmp_path: Path) -> None:
        self.fake = fake
        self.tmp_path = tmp_path
        self.servers: list[NotifyServer] = []

    def proactive(self, attempts: int = 3):
        """A Teams client for the fake Bot Framework that retries quickly (the real one backs off for seconds)."""
        from connector.bot_connector import BotConnector, TokenClient
        from connector.conversations import ConversationStore
        from connector.http import Http
        from connector.teams_output import Proactive
        from tests.support.teams import config_for

        config = config_for(self.fake, self.fake.base_url, self.tmp_path / "teams.db")
        http = Http(config.http_timeout)
        tokens = TokenClient(config.resolved_token_url, config.app_id, config.app_password, http)
        connector = BotConnector(tokens, http, max_attempts=attempts, base_delay=0.01, max_delay=0.05)
        return Proactive(connector, ConversationStore(config.store_path), config)

    def __call__(self, teams: bool = True, **options: Any) -> NotifyServer:
        from notifications.channel import NotifyInput
        from notifications.config import NotifySettings

        options.setdefault("poll_seconds", 0.2)
        options.setdefault("base_delay", 0.05)
        settings = NotifySettings.from_env()
        channel = NotifyInput(settings, proactive=self.proactive() if teams else None, **options)
        server = NotifyServer(channel).start()
        self.servers.append(server)
        return server

    def close(self) -> None:
        for server in self.servers:
            server.stop()


@pytest.fixture()
def notify(fake_bf: FakeBotFramework, tmp_path: Path, notify_env: Path) -> Iterator[NotifyFactory]:
    """`notify(teams=True, **deliverer_options)` → a running NotifyServer posting to `fake_bf`."""
    factory = NotifyFactory(fake_bf, tmp_path)
    yield factory
    factory.close()
