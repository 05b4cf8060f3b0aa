"""Test harness for the Teams channel: the fake Bot Framework (sandbox/botframework.py) and a real Sanic
server with `TeamsInput` mounted at /webhooks/teams/webhook, both on loopback in background threads, so
every test sends real HTTP to the endpoint. A `Bot` stands in for Rasa: it records each UserMessage and
answers through the message's output channel, as Rasa's processor does.

Loaded as a pytest plugin (tests/conftest.py): fixtures `fake_bf` and `teams`.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

if TYPE_CHECKING:  # imported where used: every pytest session loads this module (conftest), keep it light
    from rasa.core.channels.channel import UserMessage

    from connector.config import TeamsConfig
    from connector.teams import TeamsInput
    from sandbox.botframework import FakeBotFramework
    from sandbox.server import RunningSandbox

WEBHOOK = "/webhooks/teams/webhook"
_app_names = itertools.count()

Reply = Callable[["UserMessage"], Awaitable[None]]


async def echo(message: UserMessage) -> None:
    await message.output_channel.send_response(message.sender_id, {"text": f"echo: {message.text}"})


class Bot:
    """Rasa's stand-in: records messages (thread-safe) and replies with `reply`."""

    def __init__(self, reply: Reply = echo) -> None:
        self.reply = reply
        self.messages: list[UserMessage] = []
        self._changed = threading.Condition()

    async def __call__(self, message: UserMessage) -> None:
        with self._changed:
            self.messages.append(message)
            self._changed.notify_all()
        await self.reply(message)

    def wait(self, count: int = 1, timeout: float = 20.0) -> list[UserMessage]:
        with self._changed:
            self._changed.wait_for(lambda: len(self.messages) >= count, timeout)
        return list(self.messages)


class TeamsServer:
    """Sanic + TeamsInput on a free port in a background event loop."""

    def __init__(self, channel: TeamsInput, bot: Bot) -> None:
        from sanic import Sanic

        Sanic.test_mode = True  # several apps start in one process: keep Sanic's touch-up re-runnable
        self.channel = channel
        self.bot = bot
        self.app = Sanic(f"teams_test_{next(_app_names)}", configure_logging=False)
        self.app.blueprint(channel.blueprint(bot), url_prefix="/webhooks/teams")
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="teams-server", daemon=True)
        self._server: Any = None
        self.port = 0

    def start(self) -> TeamsServer:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))  # Sanic reads port 0 as "the default, 8000": bind a free port here
        self.port = listener.getsockname()[1]

        async def start() -> None:
            self._server = await self.app.create_server(sock=listener, return_asyncio_server=True,
                                                        access_log=False)
            await self._server.startup()

        self.loop.run_until_complete(start())
        self._thread.start()
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return

        async def stop() -> None:
            await self.channel.drain()
            await self._server.before_stop()
            await self._server.close()
            await self._server.after_stop()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{WEBHOOK}"

    def run(self, coroutine: Awaitable[Any], timeout: float = 30) -> Any:
        """Runs a coroutine on the server's loop (where the channel's session and locks live)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def drain(self) -> None:
        self.run(self.channel.drain())

    def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None, **token_options: Any
             ) -> requests.Response:
        fake = self.fake
        if headers is None:
            headers = fake.headers(activity, **token_options)
        return requests.post(self.url, json=activity, headers=headers, timeout=15)

    fake: FakeBotFramework  # set by the fixture


def config_for(fake: FakeBotFramework, base_url: str, database: Path, **overrides: Any) -> TeamsConfig:
    from connector.config import TeamsConfig

    return TeamsConfig.from_credentials(credentials_for(fake, base_url, database, **overrides))


def credentials_for(fake: FakeBotFramework, base_url: str, database: Path, **overrides: Any) -> dict[str, Any]:
    """The credentials-file entry that points the channel at the fake Bot Framework."""
    from sandbox.botframework import METADATA_PATH

    credentials: dict[str, Any] = {
        "app_id": fake.app_id,
        "app_password": fake.app_password,
        "tenant_id": fake.tenant_id,
        "openid_metadata_url": base_url + METADATA_PATH,
        "token_url": base_url + "/{tenant}/oauth2/v2.0/token",
        "graph_url": base_url,
        "allowed_service_urls": base_url,
        "store_path": str(database),
        "typing_interval": 3,
    }
    credentials.update(overrides)
    return credentials


@pytest.fixture(scope="session")
def _fake_bf_running() -> Iterator[tuple[FakeBotFramework, RunningSandbox]]:
    from sandbox.botframework import FakeBotFramework
    from sandbox.server import RunningSandbox

    fake = FakeBotFramework()
    running = RunningSandbox({"botframework": fake.app()}, "127.0.0.1", {"botframework": 0}).start_in_thread()
    fake.base_url = running.url("botframework")
    yield fake, running
    running.stop_thread()


@pytest.fixture()
def fake_bf(_fake_bf_running: tuple[FakeBotFramework, RunningSandbox]) -> Iterator[FakeBotFramework]:
    """The fake Bot Framework, with recordings, scripts, counters and faults cleared; one signing key."""
    from sandbox.server import Fault

    fake, running = _fake_bf_running
    fake.reset()
    fake.keys = fake.keys[:1]
    fake.tenant_id = ""
    state = running.state("botframework")
    state.counts.clear()
    state.fault = Fault()
    yield fake
    fake.reset()


class TeamsFactory:
    def __init__(self, fake: FakeBotFramework, tmp_path: Path) -> None:
        self.fake = fake
        self.tmp_path = tmp_path
        self.servers: list[TeamsServer] = []

    def __call__(self, reply: Reply = echo, *, sleep: Any = None, clock: Any = None, **credentials: Any
                 ) -> TeamsServer:
        from connector.teams import TeamsInput

        config = config_for(self.fake, self.fake.base_url, self.tmp_path / "teams.db", **credentials)
        options: dict[str, Any] = {}
        if sleep is not None:
            options["sleep"] = sleep
        if clock is not None:
            options["clock"] = clock
        server = TeamsServer(TeamsInput(config, **options), Bot(reply))
        server.fake = self.fake
        self.servers.append(server.start())
        return server

    def close(self) -> None:
        for server in self.servers:
            server.stop()


@pytest.fixture()
def teams(fake_bf: FakeBotFramework, tmp_path: Path) -> Iterator[TeamsFactory]:
    """`teams(reply, **credentials)` → a running TeamsServer talking to `fake_bf`."""
    factory = TeamsFactory(fake_bf, tmp_path)
    yield factory
    factory.close()
