"""BackendError → one polite sentence that names the backend and the problem (never a stack trace)."""

from __future__ import annotations

from backends.faults import BackendError, Fault
from backends.registry import setup_hint
from common import clock
from common.reply import Reply
from common.text import clean

_SENTENCES = {
    Fault.NOT_CONFIGURED: "{b} is not configured here, so I can't answer that. {hint}",
    Fault.UNREACHABLE: "I can't reach {b} right now (connection refused or no route). Try again in a moment.",
    Fault.TIMED_OUT: "{b} didn't answer in time. It may be overloaded; try again in a moment.",
    Fault.UNAUTHORISED: "{b} rejected my credentials (401). An admin needs to check opsbot's {b} token.",
    Fault.FORBIDDEN: "{b} says I'm not allowed to see that (403).",
    Fault.NOT_FOUND: "{b} has no such thing{detail}.",
    Fault.RATE_LIMITED: "{b} is rate-limiting me{when}. Please ask again then.",
    Fault.BAD_RESPONSE: "{b} sent an answer I couldn't read{detail}. Try again in a moment.",
    Fault.REFUSED: "{b} refused: {raw}",
}



def explain(error: BackendError) -> Reply:
    when = ""
    if error.retry_at is not None:
        until = clock.local(error.retry_at)
        when = f" until {until:%H:%M} {clock.zone_label(until)}"
    detail = clean(error.detail, 300)  # may quote the backend (an HTML error page, a name)
    text = _SENTENCES[error.fault].format(
        b=error.backend,
        hint=setup_hint(error.backend),
        detail=f" ({detail})" if detail else "",
        when=when,
        raw=detail,
    )
    return Reply(text=text.strip())
