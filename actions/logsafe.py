"""Secrets never reach a log line: every log record is redacted as it is created.

Installed once per process by `install()` (the action server does it on import of `actions`). The
configured tokens and passwords (actions.settings, and any TEAMS_APP_PASSWORD) and anything shaped like a
bearer token or a JWT are replaced by `***`.
"""

from __future__ import annotations

import logging
import os
import re
import traceback

# (pattern, replacement): an Authorization header keeps its scheme; JWTs and known token shapes vanish.
_PATTERNS = [
    (re.compile(r"(?i)(authorization:?\s*['\"]?(?:bearer|token|basic)\s+)[A-Za-z0-9._~+/=-]+"), r"\1***"),
    (re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"), "***"),
    (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{8,}|glsa_[A-Za-z0-9_]{8,})\b"), "***"),
]
_SECRET_VARIABLES = ("JENKINS_API_TOKEN", "GITHUB_TOKEN", "GRAFANA_TOKEN", "TEAMS_APP_PASSWORD",
                     "OPSBOT_WEBHOOK_SECRET", "JENKINS_WEBHOOK_SECRET", "GRAFANA_WEBHOOK_TOKEN",
                     "GITHUB_WEBHOOK_SECRET")
_installed = False


def configured_secrets() -> list[str]:
    return [value for name in _SECRET_VARIABLES if len(value := os.environ.get(name, "").strip()) >= 4]


def redact(text: str) -> str:
    for secret in configured_secrets():
        text = text.replace(secret, "***")
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def install() -> None:
    """Wrap the log record factory so that message, arguments and traceback are redacted."""
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
    _installed = True
