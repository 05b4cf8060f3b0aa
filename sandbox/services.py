"""The fake services of the registered backends (backends/registry.py) that have a sandbox (sandbox/<name>/),
and how to build them all from one world, with their credentials and the environment that points opsbot at them.

What each wing's sandbox package (sandbox/<name>/__init__.py) gives: `create_app(world, credentials)`, the
SCHEMA of its section in a world file (sandbox/world.py), its well-known PORT, the CREDENTIALS it accepts
(variable → demo value), `environment(url, credentials)` (the settings that point opsbot at it) and
`demo_hooks(notify_base, environ)` (the settings with which it sends its webhooks to opsbot in `make demo`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

from aiohttp import web

from backends.registry import WINGS
from sandbox.server import Credentials, RunningSandbox


def wing_sandboxes() -> dict[str, ModuleType]:
    """name → the sandbox package of each registered backend that has one, in registration order."""
    return {w.name: import_module(f"sandbox.{w.name}") for w in WINGS if find_spec(f"sandbox.{w.name}") is not None}


def default_ports() -> dict[str, int]:
    return {name: module.PORT for name, module in wing_sandboxes().items()}


def credentials_from_env(environ: Mapping[str, str] | None = None) -> Credentials:
    """What the sandboxes accept: the variables opsbot sends, else each wing's demo values."""
    environ = os.environ if environ is None else environ
    return Credentials({variable: environ.get(variable) or demo
                        for module in wing_sandboxes().values() for variable, demo in module.CREDENTIALS.items()})


def build_apps(world: dict, credentials: Credentials) -> dict[str, web.Application]:
    return {name: module.create_app(world, credentials) for name, module in wing_sandboxes().items() if name in world}


def sandbox_for(
    world: dict,
    credentials: Credentials,
    host: str = "127.0.0.1",
    ports: dict[str, int] | None = None,
) -> RunningSandbox:
    """A sandbox not yet started. `ports` defaults to the well-known ones; pass 0s for free ports."""
    return RunningSandbox(build_apps(world, credentials), host, dict(default_ports() if ports is None else ports))


def environment(urls: Mapping[str, str], credentials: Credentials) -> dict[str, str]:
    """The settings that point opsbot at the sandboxes served at `urls` (name → base URL)."""
    modules = wing_sandboxes()
    return {k: v for name, url in urls.items() if name in modules
            for k, v in modules[name].environment(url, credentials).items()}


def demo_hooks(notify_base: str, environ: Mapping[str, str] | None = None,
               names: Iterable[str] | None = None) -> dict[str, str]:
    """The webhook secrets and targets with which the sandboxes (`names`; default all) post their events to
    opsbot's notifier."""
    environ = os.environ if environ is None else environ
    wanted = None if names is None else set(names)
    return {k: v for name, module in wing_sandboxes().items() if wanted is None or name in wanted
            for k, v in module.demo_hooks(notify_base, environ).items()}
