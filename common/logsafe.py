"""Secrets never reach a log line: every log record is redacted as it is created.

Installed explicitly, once per process, by each entry point (the action server `python -m actions`, the
Rasa server's channels when Rasa loads them, the notifier); tests/test_log_redaction.py starts each one and
checks. What is a secret is derived from the settings, not listed by hand: the value of every variable a
settings class declares secret (common/settings.py: `setting(..., secret=True)`, `declare_secret`), and, as a
safety net for settings read elsewhere (Rasa's own), of every environment variable whose name ends in TOKEN,
PASSWORD, SECRET or KEY; and anything shaped like a bearer token, a JWT or a GitHub/Grafana token. Each is
replaced by `***` in the message, its arguments, the traceback and any `extra` field of the record.
"""

from __future__ import annotations

import logging
import os
import re
import traceback

from common.settings import secret_variables

# (pattern, replacement): an Authorization header keeps its scheme; JWTs and known token shapes vanish.
_PATTERNS = [
    (re.compile(r"(?i)(authorization:?\s*['\"]?(?:bearer|token|basic)\s+)[A-Za-z0-9._~+/=-]+"), r"\1***"),
    (re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"), "***"),
    (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{8,}|glsa_[A-Za-z0-9_]{8,})\b"), "***"),
]
# A setting holds a secret when its name says so (the one rule every opsbot setting follows).
SECRET_NAME = re.compile(r"(?:TOKEN|PASSWORD|SECRET|_KEY)$")
_installed = False
# A LogRecord's own attributes; anything else on a record came from `extra=` and is redacted too.
_STANDARD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def is_secret_setting(name: str) -> bool:
    return name in secret_variables() or bool(SECRET_NAME.search(name.upper()))


def configured_secrets() -> list[str]:
    """The values of every secret setting in the environment (longest first, so none is half-replaced)."""
    values = {value for name, raw in os.environ.items()
              if is_secret_setting(name) and len(value := raw.strip()) >= 4}
    return sorted(values, key=len, reverse=True)


def redact(text: str) -> str:
    for secret in configured_secrets():
        text = text.replace(secret, "***")
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def install() -> None:
    """Wrap the log record factory so that message, arguments and traceback are redacted. Idempotent."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the record as it is
            return record
        cleaned = redact(message)
        if record.exc_info:
            cleaned_trace = redact("".join(traceback.format_exception(*record.exc_info)))
            record.exc_info = None
            record.exc_text = cleaned_trace.rstrip("\n")
        record.msg, record.args = cleaned, ()
        return record

    logging.setLogRecordFactory(factory)
    make_record = logging.Logger.makeRecord

    def make_record_without_secrets(self, *args, **kwargs) -> logging.LogRecord:
        record = make_record(self, *args, **kwargs)  # `extra` fields are set after the factory ran
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_FIELDS and isinstance(value, str):
                setattr(record, key, redact(value))
        return record

    logging.Logger.makeRecord = make_record_without_secrets  # type: ignore[method-assign]
    _installed = True
