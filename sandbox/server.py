"""What the fake services share: credentials, auth checks, request counting, fault switches, and
starting/stopping them together on loopback.

Every service app gets these extra routes (never used by opsbot itself, only by tests, bench and demo):
  GET  /_sandbox/health   → {"status": "ok", "service": name}
  GET  /_sandbox/stats    → {"requests": total, "by_path": {...}}   DELETE resets the counters
  POST /_sandbox/fault    → {"status": 503|401|..., "delay": seconds, "malformed": bool, "paths": prefix}
                            makes matching requests fail that way; {} clears it
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from aiohttp import web

CONTROL_PREFIX = "/_sandbox/"



@dataclass(frozen=True)
class Credentials:
    """What the fake services accept, by the variable opsbot reads it from (JENKINS_API_TOKEN, GITHUB_TOKEN...):
    the sandbox accepts the same variables opsbot sends, so one environment configures both sides. Each
    wing's sandbox declares its variables and demo values (sandbox/<name>/__init__.py: CREDENTIALS)."""

    values: Mapping[str, str] = field(default_factory=dict)

    def __getitem__(self, variable: str) -> str:
        return self.values[variable]


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def basic_auth_ok(request: web.Request, user: str, password: str) -> bool:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return False
    try:
        given_user, _, given_password = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return _same(given_user, user) and _same(given_password, password)


def bearer_ok(request: web.Request, token: str, schemes: tuple[str, ...] = ("Bearer",)) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme in schemes and _same(given.strip(), token)


@dataclass
class Fault:
    status: int = 0
    delay: float = 0.0
    malformed: bool = False
    paths: str = "/"
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return bool(self.status or self.delay or self.malformed)


@dataclass
class ServiceState:
    name: str
    counts: Counter = field(default_factory=Counter)
    fault: Fault = field(default_factory=Fault)


Unauthorised = Callable[[web.Request], web.StreamResponse]
AuthCheck = Callable[[web.Request], bool]

STATE_KEY = web.AppKey("sandbox_state", ServiceState)


def base_app(name: str, auth: AuthCheck, unauthorised: Unauthorised | None = None) -> web.Application:
    """An aiohttp app with the shared middleware (faults, auth, counting) and control routes."""
    state = ServiceState(name)

    @web.middleware
    async def middleware(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]):
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        state.counts[request.path] += 1
        fault = state.fault
        if fault.active and request.path.startswith(fault.paths):
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status:
                return web.json_response({"message": "sandbox fault"}, status=fault.status, headers=fault.headers)
            if fault.malformed:
                return web.Response(text='{"broken": ', content_type="application/json")
        if not auth(request):
            if unauthorised is not None:
                return unauthorised(request)
            return web.json_response({"message": "Bad credentials"}, status=401)
        return await handler(request)

    app = web.Application(middlewares=[middleware])
    app[STATE_KEY] = state

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "service": name})

    async def stats(request: web.Request) -> web.Response:
        if request.method == "DELETE":
            state.counts.clear()
        return web.json_response({"requests": sum(state.counts.values()), "by_path": dict(state.counts)})

    async def set_fault(request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        state.fault = Fault(
            status=int(body.get("status", 0)),
            delay=float(body.get("delay", 0)),
            malformed=bool(body.get("malformed", False)),
            paths=str(body.get("paths", "/")),
            headers={str(k): str(v) for k, v in (body.get("headers") or {}).items()},
        )
        return web.json_response({"fault": body})

    app.router.add_get(CONTROL_PREFIX + "health", health)
    app.router.add_route("*", CONTROL_PREFIX + "stats", stats)
    app.router.add_post(CONTROL_PREFIX + "fault", set_fault)
    return app


def origin(request: web.Request) -> str:
    """The base URL the client used (http://127.0.0.1:8081), for absolute URLs in answers."""
    return f"{request.scheme}://{request.host}"


class RunningSandbox:
    """All services started on one event loop in a background thread (tests, bench) or the main thread."""

    def __init__(self, apps: dict[str, web.Application], host: str, ports: dict[str, int]) -> None:
        self.apps = apps
        self.host = host
        self.requested_ports = ports
        self.ports: dict[str, int] = {}
        self._runners: list[web.AppRunner] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def url(self, service: str) -> str:
        return f"http://{self.host}:{self.ports[service]}"

    async def start(self) -> None:
        for service, app in self.apps.items():
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, self.host, self.requested_ports.get(service, 0))
            await site.start()
            sockets = site._server.sockets if site._server else []  # type: ignore[attr-defined]
            self.ports[service] = sockets[0].getsockname()[1]
            self._runners.append(runner)

    async def stop(self) -> None:
        for runner in self._runners:
            await runner.cleanup()
        self._runners.clear()

    def state(self, service: str) -> ServiceState:
        return self.apps[service][STATE_KEY]

    # -- in a background thread -------------------------------------------------------------------
    def start_in_thread(self) -> RunningSandbox:
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            try:
                self._loop.run_until_complete(self.start())
            except BaseException as exc:  # reported to the caller below
                errors.append(exc)
                ready.set()
                return
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self.stop())
            self._loop.close()

        self._thread = threading.Thread(target=run, name="sandbox", daemon=True)
        self._thread.start()
        ready.wait(30)
        if errors:
            raise errors[0]
        return self

    def stop_thread(self) -> None:
        if self._loop and self._thread:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
