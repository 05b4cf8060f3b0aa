"""Whether a message asks for a change in so many words: opsbot proposes a change (a build, a deploy, a
cancellation, a stop) only when the message says one with a verb, or a button asks for it, never because the
NLU read a bare name ("petclinic-build?", "the staging deploy?") as a request. A bare name means "how is that
thing doing".

The names in the message (a job called `card-vault-release` or `petclinic-build`) are not verbs: the caller
passes their words, and they are left out before the verbs are looked for. Pure function of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Verbs (and phrasal verbs) that ask for something to be started, repeated, shipped or stopped.
_CHANGE = re.compile(
    r"\b(?:re-?)?(?:run|build|start|trigger|launch|deploy|release|execute|kick|queue|ship|promote|cancel|abort"
    r"|stop|kill|retry|redo|restart|redeploy|rollout)(?:s|ed|ing)?\b"
    r"|\broll(?:s|ed|ing)?\s+(?:\w+\s+){0,4}?out\b|\bfire\s+(?:\w+\s+){0,4}?off\b|\bpush\s+(?:\w+\s+){0,4}?out\b"
    r"|\bspin\s+up\b|\bgo\s+ahead\b|\bagain\b|\brehears\w*|\bdry\s+run\b|\bgive\s+it\s+a\s+(?:go|run|spin)\b",
    re.IGNORECASE,
)
# "I'd like to …", "let's …", "can you …": a request for whatever follows, unless what follows only reads.
_WANT = re.compile(
    r"\b(?:i\s*(?:would|'?d)\s+like\s+to|i\s+(?:want|need)\s+to|we\s+(?:want|need)\s+to|let\s*'?s|lets|can\s+(?:we|you|u)"
    r"|could\s+(?:we|you|u)|would\s+you|please|pls|plz)\s+(?!(?:check|look|see|tell|show|find|know|say|list|confirm"
    r"|verify|explain|what|which|who|whether|if|is|are|was|did|do\s+you|the|a|an|my|our|this|that|these|those)\b)"
    r"[a-z]",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z0-9]+", re.IGNORECASE)


# Words before an imperative that don't change it ("hey bot, please deploy ...").
_LEAD = frozenset({"please", "pls", "plz", "can", "could", "would", "will", "you", "u", "hey", "hi", "bot", "opsbot",
                   "ok", "okay", "now", "then", "and", "so", "lets", "let's", "let", "us", "go", "just", "kindly"})


def _flat(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def without_names(text: str, names: Iterable[str]) -> str:
    """The text without the names it mentions. A name written out ("petclinic-build", "petclinic build") is
    taken out whole; a name only alluded to ("the staging deploy" for petclinic-deploy-staging) loses its
    words, except a first word that gives an order ("deploy it to staging")."""
    names = [n for n in names if n]
    flat = f" {_flat(text)} "
    written = False
    for name in sorted({_flat(n) for n in names} | {_flat(n.rsplit("/", 1)[-1]) for n in names}, key=len,
                       reverse=True):
        if name and f" {name} " in flat:
            flat, written = flat.replace(f" {name} ", " "), True
    words = flat.split()
    if written:
        return " ".join(words)
    name_words = {w for n in names for w in _WORD.findall(n.lower())}
    first = next((i for i, w in enumerate(words) if w not in _LEAD), None)
    return " ".join(w for i, w in enumerate(words) if i == first or w not in name_words)


def asks_for_change(text: str, names: Iterable[str] = ()) -> bool:
    """Whether `text`, its names aside, asks for a change with a verb; a button's payload ("/intent{...}")
    always does (a click is an explicit request)."""
    if text.lstrip().startswith("/"):
        return True
    rest = without_names(text, list(names))
    return bool(_CHANGE.search(rest) or _WANT.search(rest))


# Verbs that ask for a change opsbot does not make: answered with a plain "I can't", never turned into another one.
_UNSUPPORTED = re.compile(
    r"\b(delete|remove|disable|enable|rename|archive|wipe|purge|uninstall|reconfigure|configure|edit|move|copy"
    r"|merge|close|reopen|revert|approve|unlock|lock)(?:s|d|ed|ing)?\b", re.IGNORECASE)
# A question is never a "yes" ("is everything ok?" read as affirm): it ends with "?" or opens like one.
_QUESTION = re.compile(r"\?\s*$|^\s*(?:is|are|was|were|does|do|did|what|whats|what's|why|how|when|where|who|which"
                       r"|anything|everything|any)\b", re.IGNORECASE)


def unsupported_change(text: str, names: Iterable[str] = ()) -> str | None:
    """The verb of a change opsbot does not make ("delete", "disable", "merge"), names aside; None if none."""
    if text.lstrip().startswith("/"):
        return None
    found = _UNSUPPORTED.search(without_names(text, list(names)))
    return found.group(1).lower() if found else None


def is_question(text: str) -> bool:
    """Whether a message reads as a question (a button's payload never does)."""
    return not text.lstrip().startswith("/") and bool(_QUESTION.search(text))
