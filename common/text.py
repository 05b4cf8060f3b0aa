"""Small text helpers shared by every renderer: times, durations, lists, and THE escaping of outside text.

Everything a backend (or a user) supplies and a reply echoes goes through `clean` (inline text), `safe_url`
(a link's target), `link` (a markdown link in a card) or `code_block` (log excerpts). They hold for both
renderings of a reply: the plain text (REST; Teams shows it as markdown) and the Adaptive Card (markdown in
TextBlocks and facts). `scrub` is the last line of defence for a whole reply (actions.send.send).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from urllib.parse import quote, urlsplit

# Characters that move or hide text or break a line: C0/C1 controls, zero-width space, direction marks,
# embeddings/overrides/isolates (which can make "gpj.exe" read "exe.jpg"), line/paragraph separators, BOM.
# (Zero-width joiners stay: emoji sequences and some scripts need them.)
_OTHER_INVISIBLE = "\x7f-\x9f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff"
_CONTROL = re.compile(f"[\x00-\x1f{_OTHER_INVISIBLE}]")
_CONTROL_EXCEPT_NEWLINE = re.compile(f"[\x00-\x09\x0b-\x1f{_OTHER_INVISIBLE}]")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]")
_SPACES = re.compile(r"\s+")
# Markdown that could mislead in Teams (links, emphasis, code spans, strike-through, headings) and HTML.
_EMPHASIS_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_DOUBLE_TILDE = re.compile(r"~(?=~)|(?<=~)~")
_HEADING = re.compile(r"^#+(?=\s|$)")
_FENCE = re.compile(r"`{3,}")
_TAG = re.compile(r"<(/?[A-Za-z!?][^<>\n]*)>|<(?=/?[A-Za-z!?])")
_LOOKALIKE = str.maketrans({"<": "\u2039", ">": "\u203a", "*": "\u2217", "`": "\u02cb"})
_URL_SAFE = "/:?#[]@!$&*+,;=%-._~"  # what stays as it is in a URL; ( ) < > " ' ` and spaces are %-encoded


def ago(timestamp: float, now: float | None = None) -> str:
    """'5 min ago', '3 h ago', '2 days ago' for a Unix timestamp in seconds."""
    seconds = max(0, int((now if now is not None else time.time()) - timestamp))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        hours, minutes = divmod(seconds // 60, 60)
        return f"{hours} h {minutes} min ago" if minutes and hours < 6 else f"{hours} h ago"
    days = seconds // 86400
    return "1 day ago" if days == 1 else f"{days} days ago"


def duration(seconds: float) -> str:
    """'45 s', '6 min 52 s', '1 h 5 min'."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        minutes, rest = divmod(seconds, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, rest = divmod(seconds // 60, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def plural(count: int, noun: str, many: str | None = None) -> str:
    return f"{count} {noun if count == 1 else (many or noun + 's')}"


def join_names(names: Iterable[str], conjunction: str = "and") -> str:
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def clean(text: object, limit: int = 200) -> str:
    """Outside text (a name, a title, a message) made safe to echo inline in any channel, text or card: one
    line (control and direction characters and newlines become spaces), no HTML tags or Teams `<at>` mentions
    (angle brackets become ‹ ›), no markdown that could mislead (links `](` are broken up, `*` emphasis,
    `_` emphasis at word edges, `~~`, code backticks and a leading heading `#` become look-alikes), and at
    most `limit` characters. Letters of any script, emoji, quotes, `../` and `%2F` stay as they are."""
    text = _SPACES.sub(" ", _CONTROL.sub(" ", "" if text is None else str(text))).strip()
    text = text.translate(_LOOKALIKE).replace("](", "] (")
    text = _EMPHASIS_UNDERSCORE.sub("\uff3f", _DOUBLE_TILDE.sub("\u223c", text))
    text = _HEADING.sub(lambda match: "\uff03" * len(match.group()), text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def cleaned(values: Iterable[object], limit: int = 80) -> list[str]:
    """`clean` for each of several names (logins, labels, check names)."""
    return [clean(value, limit) for value in values]


def safe_url(url: object) -> str:
    """A backend-supplied link target: kept when it is an absolute http(s) URL (with the characters that
    could end a markdown link or an attribute %-encoded), else "" (javascript:, data:, relative...)."""
    text = "" if url is None else str(url).strip()
    if not text or _CONTROL.search(text):
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return quote(text, safe=_URL_SAFE)


def link(label: object, url: object, limit: int = 100) -> str:
    """A markdown link for a card, `[label](url)`, with the label escaped (no brackets that could end it
    early); just the escaped label when the URL is not a safe one."""
    shown = clean(label, limit).replace("[", "(").replace("]", ")")
    target = safe_url(url)
    return f"[{shown}]({target})" if target and shown else shown


def log_line(line: object, limit: int = 200) -> str:
    """One log line for monospace display: its characters kept, but no terminal colour codes, no control
    characters, and no run of backticks that could close the code block around it."""
    text = _CONTROL.sub(" ", _ANSI.sub("", "" if line is None else str(line).expandtabs(4))).rstrip()
    text = _FENCE.sub(lambda match: "\u02cb" * len(match.group()), text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def code_block(lines: Sequence[object], limit: int = 200) -> str:
    """Log lines as a fenced code block for the text reply (Teams renders it monospace; nothing inside can
    break out of it)."""
    return "```\n" + "\n".join(log_line(line, limit) for line in lines) + "\n```"


def scrub(text: str, keep_newlines: bool = True) -> str:
    """The last line of defence for a whole reply, whoever wrote it: no control or direction characters
    (newlines kept where the layout has them) and no HTML tag or `<at>` mention can open. Markdown is left
    alone: the bot's own links and emphasis live there; outside text was `clean`ed where it was put in."""
    pattern = _CONTROL_EXCEPT_NEWLINE if keep_newlines else _CONTROL
    return _TAG.sub(lambda match: f"\u2039{match.group(1)}\u203a" if match.group(1) else "\u2039",
                    pattern.sub(" ", text))
