"""`python -m notifications [--host OPSBOT_BIND] [--port 5006] [--console]`: the webhook receivers and the
delivery loop without Rasa, at the same paths as the Rasa channel (/webhooks/notify/jenkins|grafana|github).

`make demo` runs it beside the shell chat (which opens no other channel) with --console, so a build the
chat triggered comes back as a notification printed in the terminal. Settings: notifications/config.py;
with TEAMS_APP_ID set it posts to Teams like the Rasa channel does.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import replace

from aiohttp import web

from common import logsafe
from common.doors import bind_address
from notifications.config import notify_settings
from notifications.service import Notifier, teams_credentials_from_env

PREFIX = "/webhooks/notify"


def create_app(notifier: Notifier) -> web.Application:
    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})  # public: the outbox's counts are not anyone's business

    async def webhook(request: web.Request) -> web.Response:
        body = await request.read()
        answer = await notifier.receiver.handle(request.match_info["source"], request.headers,
                                                dict(request.query), body)
        return web.json_response(answer.body, status=answer.status)

    async def start(_app: web.Application) -> None:
        await notifier.start()

    async def stop(_app: web.Application) -> None:
        await notifier.stop()

    app = web.Application(client_max_size=notifier.settings.max_body_bytes + 1)
    app.router.add_get(PREFIX + "/", health)
    app.router.add_post(PREFIX + "/{source}", webhook)
    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m notifications", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=bind_address(), help="default: OPSBOT_BIND, else 127.0.0.1")
    parser.add_argument("--port", type=int, default=5006)
    parser.add_argument("--console", action="store_true", help="print notifications for non-Teams conversations")
    parser.add_argument("--concurrency", type=int, default=16, help="posts in flight at once (default 16)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    logsafe.install()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = notify_settings()
    if args.console:
        settings = replace(settings, console=True)
    notifier = Notifier(settings, teams_credentials_from_env(), concurrency=args.concurrency)
    web.run_app(create_app(notifier), host=args.host, port=args.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
