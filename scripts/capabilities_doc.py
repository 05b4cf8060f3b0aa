"""Regenerates the README's capability table from capabilities/ (`make docs`).

The table sits between the markers below; tests/test_project.py fails when it is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from actions.capabilities import capabilities

ROOT = Path(__file__).resolve().parent.parent

BEGIN = "<!-- capabilities:begin (generated from capabilities/ by `make docs`) -->"
END = "<!-- capabilities:end -->"


def table() -> str:
    rows = ["| area | what | ask for example |", "|---|---|---|"]
    rows += [f"| {c.area} | {c.title} | \"{c.example}\" |" for c in capabilities()]
    return "\n".join(rows)


def render(readme: str) -> str:
    head, _, rest = readme.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{table()}\n{END}{tail}"


def main() -> int:
    path = ROOT / "README.md"
    readme = path.read_text(encoding="utf-8")
    if BEGIN not in readme or END not in readme:
        print("README.md has no capability markers", file=sys.stderr)
        return 1
    path.write_text(render(readme), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
