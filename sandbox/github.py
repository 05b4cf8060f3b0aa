"""Fake GitHub REST API v3 (as api.github.com answers it) for the paths PyGithub and the actions use."""

from __future__ import annotations

from aiohttp import web

from sandbox.server import Credentials, base_app, bearer_ok


def create_app(world: dict, credentials: Credentials) -> web.Application:
    app = base_app("github", lambda request: bearer_ok(request, credentials.github_token, ("token", "Bearer")))
    return app
