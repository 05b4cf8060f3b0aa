"""The audit log: one JSON line per action that changed something (or was refused), append-only.

Path: OPSBOT_AUDIT_LOG (default .opsbot/audit.jsonl). Entries carry who, where, what, parameters,
decision, result and time. Values that look like configured secrets are redacted before writing.
"""

from __future__ import annotations

import json
import os
import threading
from collections import deque
from pathlib import Path
from typing import Any

from common import clock
from common.logsafe import redact

DEFAULT_AUDIT_LOG = Path(__file__).resolve().parent.parent / ".opsbot" / "audit.jsonl"
_lock = threading.Lock()


def audit_path() -> Path:
    return Path(os.environ.get("OPSBOT_AUDIT_LOG") or DEFAULT_AUDIT_LOG)


def record(
    *,
    who: str,
    where: str,
    what: str,
    parameters: dict[str, Any] | None = None,
    decision: str,
    result: str = "",
    channel: str = "",
) -> dict[str, Any]:
    """Append one entry. `decision`: allowed / refused / confirmed / cancelled / expired."""
    entry = {
        "time": clock.now(clock.UTC).isoformat(timespec="seconds"),  # UTC, whatever the machine's zone
        "who": who,
        "where": where,
        "channel": channel,
        "what": what,
        "parameters": parameters or {},
        "decision": decision,
        "result": result,
    }
    line = redact(json.dumps(entry, ensure_ascii=False, sort_keys=True))
    path = audit_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock:
        # O_APPEND: each write lands at the end, even with several processes appending.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
        finally:
            os.close(fd)
    return json.loads(line)


def last_entries(count: int = 20) -> list[dict[str, Any]]:
    path = audit_path()
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        lines = deque(handle, maxlen=count)
    entries = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return entries


def format_entries(entries: list[dict[str, Any]]) -> str:
    if not entries:
        return "The audit log is empty."
    rows = []
    for e in entries:
        params = ", ".join(f"{k}={v}" for k, v in (e.get("parameters") or {}).items())
        rows.append(f"{e.get('time', '?')}  {e.get('who', '?')} in {e.get('where', '?')}: {e.get('what', '?')}"
                    f"{' (' + params + ')' if params else ''} → {e.get('decision', '?')}"
                    f"{': ' + e['result'] if e.get('result') else ''}")
    return "\n".join(rows)


if __name__ == "__main__":  # `make audit`
    import sys

    print(format_entries(last_entries(int(sys.argv[1]) if len(sys.argv) > 1 else 20)))
