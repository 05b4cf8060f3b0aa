"""`make bench-compare OLD=a.json NEW=b.json`: two `make bench` runs side by side, figure by figure.

A change is flagged "worse" when it goes the wrong way by more than the tolerance (default 15 %, and for
backend request counts any increase): latency up, throughput down, more requests. Timing figures on a shared
machine move by 10–20 % between runs on their own; request counts do not.

    .venv/bin/python -m bench.compare OLD.json NEW.json [--tolerance 15] [--fail-on-worse]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.figures import Figure, Run, fmt, table

ROOT = Path(__file__).resolve().parent.parent


def verdict(old: Figure | None, new: Figure | None, tolerance: float) -> tuple[str, str]:
    """(change, verdict) for one figure."""
    if old is None or new is None or old.value is None or new.value is None:
        return "", "only in one run" if (old is None) != (new is None) else ""
    if old.value == new.value:
        return "0", ""
    change = (new.value - old.value) / abs(old.value) * 100 if old.value else float("inf")
    text = f"{change:+.0f} %" if old.value else f"+{fmt(new.value)}"
    better = (new.value < old.value) if new.better == "lower" else (new.value > old.value)
    if not new.better:
        return text, ""
    exact = new.unit in ("requests", "messages")  # counts: any change in the wrong direction matters
    if better:
        return text, "better" if exact or abs(change) > tolerance else ""
    return text, "WORSE" if exact or abs(change) > tolerance else ""


def compare(old: Run, new: Run, tolerance: float) -> tuple[str, int]:
    rows = []
    worse = 0
    for key in [*old.figures, *(k for k in new.figures if k not in old.figures)]:
        before, after = old.figures.get(key), new.figures.get(key)
        change, judged = verdict(before, after, tolerance)
        worse += judged == "WORSE"
        unit = (after or before).unit  # type: ignore[union-attr]
        rows.append([key, fmt(before.value if before else None, 1), fmt(after.value if after else None, 1), unit,
                     change, judged])
    return table(["figure", "old", "new", "unit", "change", ""], rows), worse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--tolerance", type=float, default=15.0, help="percent; timing noise below it is ignored")
    parser.add_argument("--fail-on-worse", action="store_true", help="exit 1 when a figure got worse")
    args = parser.parse_args(argv)
    old, new = Run.load(args.old), Run.load(args.new)
    for name, run in (("old", old), ("new", new)):
        meta = run.meta
        print(f"{name}: {meta.get('started', '?')}, commit {meta.get('commit', '?')}, load "
              f"{meta.get('load_average_1m', '?')} at start{', quick' if meta.get('quick') else ''}")
    text, worse = compare(old, new, args.tolerance)
    print(text)
    print(f"{worse} figure(s) worse beyond {args.tolerance:.0f} % (counts: any increase)")
    return 1 if worse and args.fail_on_worse else 0


if __name__ == "__main__":
    sys.exit(main())
