"""Fake Jenkins 2.4xx: the JSON API paths python-jenkins and opsbot's actions use, from the world file."""

from __future__ import annotations

from aiohttp import web

from sandbox.server import Credentials, base_app, basic_auth_ok


def create_app(world: dict, credentials: Credentials) -> web.Application:
    app = base_app(
        "jenkins", lambda request: basic_auth_ok(request, credentials.jenkins_user, credentials.jenkins_token)
    )
    return app
