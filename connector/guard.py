"""What every channel does to an incoming message before Rasa sees it (Teams and REST alike).

Control characters go (newlines and tabs become spaces), and a message over MAX_MESSAGE_CHARS is cut at
a word boundary: it is still answered, but only its beginning is interpreted; the metadata says so, and so
does a line after the answer (`admitted`).

Then `admitted` checks that the speaker may use opsbot at all (access.yml, permission `read`: everyone of an
allowed tenant with a `default_role`, or a listed member). Someone who may not is answered politely, saying
what is missing and which roles have it, and Rasa never hears the message. Changing something is checked
again, per change, by the actions (actions.confirm.gate). When Rasa answered nothing because the action
server is down (or refuses the Rasa server's token), the user is told so instead of getting silence.

`cap_server_body` makes the Rasa server refuse any body over MAX_SERVER_BODY before reading it (Sanic's
default is 100 MB); each channel then checks its own, smaller limit before parsing.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import unicodedata
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from common.access import AccessFileError, Identity, policy, refusal_text
from common.doors import MAX_SERVER_BODY, action_endpoint, actions_token

if TYPE_CHECKING:  # inbound.py imports this module for `sanitise`: keep it light
    from rasa.core.channels.channel import OutputChannel, UserMessage
    from sanic import Blueprint

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
TRUNCATED = ("(Your message was {length:,} characters long; I read only its first {limit:,}. Ask one thing at a "
             "time, or paste long logs as a link.)")
NO_ACTION_SERVER = ("Sorry, I can't reach my action server right now, so I can't answer that. Nothing was changed; "
                    "please try again in a minute (an opsbot admin can check `make serve`'s actions log).")
HEALTH_SECONDS = 5.0  # how long one probe of the action server is believed
BROKEN_ACCESS_FILE = ("Sorry, I can't check who may use opsbot: its access file is missing or broken, so I answer "
                      "nobody until an opsbot admin fixes it.")

OnNewMessage = Callable[["UserMessage"], Awaitable[Any]]


def sanitise(text: object) -> tuple[str, dict]:
    """(clean text, metadata notes). Never raises, whatever it is given."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = unicodedata.normalize("NFC", text)
    text = " ".join(_CONTROL.sub(" ", text).split())
    notes: dict = {}
    if len(text) > MAX_MESSAGE_CHARS:
        notes["truncated_from"] = len(text)
        cut = text[:MAX_MESSAGE_CHARS]
        text = cut.rsplit(" ", 1)[0] if " " in cut[-200:] else cut
    return text, notes


def refusal_for(sender_id: str, metadata: dict[str, Any] | None, channel: str = "") -> str | None:
    """None when this speaker may use opsbot (permission `read`); else what to answer them. A broken access
    file refuses everyone (fail closed, as for changes)."""
    try:
        decision = policy().check(Identity.from_metadata(sender_id, metadata or {}, channel), "read")
    except AccessFileError as error:
        logger.error("access file: %s", error)
        return BROKEN_ACCESS_FILE
    return None if decision.allowed else refusal_text(decision, "answer you here")


def admitted(on_new_message: OnNewMessage) -> OnNewMessage:
    """`on_new_message` for people who may use opsbot (and a note after the answer when their message was cut);
    everyone else gets the polite refusal instead."""

    async def handle(message: UserMessage) -> Any:
        refusal = refusal_for(message.sender_id, message.metadata, message.input_channel or "")
        if refusal is not None:
            logger.info("refused a message from %s on %s: no read permission", message.sender_id,
                        message.input_channel)
            await message.output_channel.send_text_message(message.sender_id, refusal)
            return None
        output = message.output_channel
        counted = message.output_channel = _Counting(output)
        answered = await on_new_message(message)
        if not counted.sent and not await action_server.reachable():
            await output.send_text_message(message.sender_id, NO_ACTION_SERVER)
        length = (message.metadata or {}).get("truncated_from")
        if isinstance(length, int):
            await message.output_channel.send_text_message(
                message.sender_id, TRUNCATED.format(length=length, limit=MAX_MESSAGE_CHARS))
        return answered

    return handle


class _Counting:
    """An output channel that counts what is sent through it (any `send_*` call) and passes everything on."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    def name(self) -> str:
        return self.inner.name()

    def __getattr__(self, attribute: str) -> Any:
        found = getattr(self.inner, attribute)
        if not attribute.startswith("send_") or not callable(found):
            return found

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.sent += 1
            return await found(*args, **kwargs)

        return counted


class ActionServerProbe:
    """Whether the action server answers the Rasa server (with its token), probed at most every HEALTH_SECONDS."""

    def __init__(self) -> None:
        self._checked_at = -HEALTH_SECONDS
        self._reachable = True

    async def reachable(self) -> bool:
        if time.monotonic() - self._checked_at < HEALTH_SECONDS:
            return self._reachable
        import aiohttp

        url = action_endpoint().rsplit("/webhook", 1)[0] + "/actions"
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session, \
                    session.get(url, headers={"Authorization": f"Bearer {actions_token()}"}) as answer:
                self._reachable = answer.status == 200
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError):
            self._reachable = False
        self._checked_at = time.monotonic()
        if not self._reachable:
            logger.error("the action server at %s does not answer (or refuses this server's token)", url)
        return self._reachable


action_server = ActionServerProbe()


def cap_server_body(blueprint: Blueprint) -> None:
    """The Rasa server reads no body larger than MAX_SERVER_BODY (Sanic refuses it with 413 as it arrives)."""

    @blueprint.listener("before_server_start")
    async def cap(app: Any, _loop: Any) -> None:
        app.config.REQUEST_MAX_SIZE = min(int(app.config.REQUEST_MAX_SIZE), MAX_SERVER_BODY)
        app.config.FALLBACK_ERROR_FORMAT = "json"  # a 413 or 404 is JSON for API clients, not an HTML page
