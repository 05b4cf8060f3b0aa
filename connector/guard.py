"""What every channel does to an incoming message before Rasa sees it (Teams and REST alike).

Control characters go (newlines and tabs become spaces), and a message over MAX_MESSAGE_CHARS is cut at
a word boundary: it is still answered, but only its beginning is interpreted, and the metadata says so.
"""

from __future__ import annotations

import re
import unicodedata

MAX_MESSAGE_CHARS = 2000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


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
