"""Fake Grafana 11 HTTP API for the paths the actions use, from the world file."""

from __future__ import annotations

from aiohttp import web

from sandbox.server import Credentials, base_app, bearer_ok


def create_app(world: dict, credentials: Credentials) -> web.Application:
    app = base_app("grafana", lambda request: bearer_ok(request, credentials.grafana_token))
    return app
