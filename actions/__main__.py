"""The action server, hardened: `python -m actions [--port 5055]` (what scripts/run.sh starts).

rasa_sdk's own `rasa run actions` listens on every interface and answers anyone. This one:
- listens on OPSBOT_BIND (default 127.0.0.1) only;
- refuses to start without OPSBOT_ACTIONS_TOKEN, and refuses every call to /webhook and /actions that does
  not carry it (`Authorization: Bearer <token>`, which endpoints.yml makes the Rasa server send): a forged
  tracker can no longer run an action, let alone confirm a production deploy;
- reads at most MAX_BODY["actions"] bytes, refuses compressed bodies (no decompression bombs), and never
  echoes a request or an exception back (the SDK's error handler sends both);
- installs log redaction before anything logs.
`GET /health` stays open (load balancers, `make serve`'s wait).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from common import logsafe
from common.doors import ACTIONS_TOKEN_SETTING, MAX_BODY, actions_token, bearer_matches, bind_address

logger = logging.getLogger("opsbot.actions")
OPEN_PATHS = frozenset({"/health"})


def create_app(token: str):  # -> sanic.Sanic (imported late: rasa_sdk is slow to import)
    from rasa_sdk.endpoint import create_app as sdk_app
    from sanic import response

    app = sdk_app("actions.catalog", cors_origins=None)
    app.config.REQUEST_MAX_SIZE = MAX_BODY["actions"]

    @app.middleware("request")
    async def only_with_the_token(request):
        if request.path in OPEN_PATHS:
            return None
        if not bearer_matches(request.headers.get("Authorization"), token):
            logger.warning("refused a call to %s from %s: no valid action token", request.path, request.ip)
            return response.json({"error": "unauthorized"}, status=401)
        if request.headers.get("Content-Encoding"):
            return response.json({"error": "compressed bodies are not accepted"}, status=415)
        return None

    async def quiet_errors(request, exception: Exception):
        logger.error("the action server failed on %s: %s", request.path, type(exception).__name__,
                     exc_info=exception)
        status = getattr(exception, "status_code", 500)
        return response.json({"error": "the action server could not handle this request"},
                             status=status if isinstance(status, int) and 400 <= status < 600 else 500)

    app.error_handler.add(Exception, quiet_errors)  # replaces the SDK's handler, which echoes the request
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("OPSBOT_ACTIONS_PORT", "5055")))
    args = parser.parse_args(argv)
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    logsafe.install()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    token = actions_token()
    if len(token) < 16:
        print(f"The action server needs {ACTIONS_TOKEN_SETTING} (at least 16 characters), the secret the Rasa "
              "server sends with every call (scripts/run.sh makes one for a single machine).", file=sys.stderr)
        return 2
    host = bind_address()
    app = create_app(token)
    logger.info("action server on http://%s:%d (calls need the action token)", host, args.port)
    app.run(host=host, port=args.port, workers=1, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
