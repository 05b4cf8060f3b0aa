"""What the sandbox's webhook senders share: posting like the tools do, and knowing the sandbox's own address
(absolute URLs in webhooks). Each tool's sender is in its wing (sandbox/jenkins/hooks.py, sandbox/grafana/hooks.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from aiohttp import web

from sandbox.server import origin

logger = logging.getLogger("sandbox.hooks")
TIMEOUT_SECONDS = 10.0
ORIGIN_KEY = web.AppKey("sandbox_origin", dict)


async def post_json(url: str, body: dict[str, Any], headers: dict[str, str] | None = None,
                    attempts: int = 3) -> int:
    """POSTs like the tools do (a few tries, as the plugin's `retries`); the last status, 0 if unreachable."""
    status = 0
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)) as session:
        for attempt in range(attempts):
            try:
                async with session.post(url, json=body, headers=headers or {}) as answer:
                    status = answer.status
                    if status < 500:
                        return status
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                logger.info("sandbox: webhook to %s failed (%s)", url.split("?")[0], type(error).__name__)
            await asyncio.sleep(0.5 * (attempt + 1))
    return status


def remember_origin(app: web.Application) -> None:
    """Absolute URLs in webhooks need the sandbox's address: the one clients use, seen on each request."""
    app[ORIGIN_KEY] = {}

    async def remember(request: web.Request, _response: web.StreamResponse) -> None:
        request.app[ORIGIN_KEY]["origin"] = origin(request)

    app.on_response_prepare.append(remember)


