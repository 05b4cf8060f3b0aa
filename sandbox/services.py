"""The list of fake services and how to build them all from one world."""

from __future__ import annotations

from aiohttp import web

from sandbox.github import app as github
from sandbox.grafana import app as grafana
from sandbox.jenkins import app as jenkins
from sandbox.server import DEFAULT_PORTS, Credentials, RunningSandbox

FACTORIES = {"jenkins": jenkins.create_app, "github": github.create_app, "grafana": grafana.create_app}


def build_apps(world: dict, credentials: Credentials) -> dict[str, web.Application]:
    return {name: factory(world, credentials) for name, factory in FACTORIES.items() if name in world}


def sandbox_for(
    world: dict,
    credentials: Credentials,
    host: str = "127.0.0.1",
    ports: dict[str, int] | None = None,
) -> RunningSandbox:
    """A sandbox not yet started. `ports` defaults to the well-known ones; pass 0s for free ports."""
    return RunningSandbox(build_apps(world, credentials), host, dict(DEFAULT_PORTS if ports is None else ports))
