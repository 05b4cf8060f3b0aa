"""NLU quality gate: reads Rasa's intent_report.json, prints the per-intent table, and fails when the
weighted F1 is under 0.95 or any intent is under 0.85.

Usage: python -m scripts.nlu_gate results/nlu/intent_report.json [--min-weighted 0.95] [--min-intent 0.85]
"""

from __future__ import annotations

import argparse
import json
import sys

SUMMARY_ROWS = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("report")
    parser.add_argument("--min-weighted", type=float, default=0.95)
    parser.add_argument("--min-intent", type=float, default=0.85)
    parser.add_argument("--report-only", action="store_true", help="print the table, never fail")
    args = parser.parse_args(argv)

    with open(args.report, encoding="utf-8") as handle:
        report = json.load(handle)
    intents = {name: row for name, row in report.items() if name not in SUMMARY_ROWS and isinstance(row, dict)}
    print(f"{'intent':34} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>4}")
    for name, row in sorted(intents.items(), key=lambda item: item[1]["f1-score"]):
        flag = "  <-- under the bar" if row["f1-score"] < args.min_intent else ""
        print(f"{name:34} {row['precision']:9.3f} {row['recall']:7.3f} {row['f1-score']:6.3f} {row['support']:4}{flag}")
    weighted = report["weighted avg"]["f1-score"]
    print(f"{'weighted avg':34} {'':9} {'':7} {weighted:6.3f}")
    failures = []
    if weighted < args.min_weighted:
        failures.append(f"weighted F1 {weighted:.3f} < {args.min_weighted}")
    weak = [name for name, row in intents.items() if row["f1-score"] < args.min_intent]
    if weak:
        failures.append(f"intents under {args.min_intent}: {', '.join(sorted(weak))}")
    if failures and args.report_only:
        print("below the bar: " + "; ".join(failures))
        return 0
    if failures:
        print("NLU gate FAILED: " + "; ".join(failures))
        return 1
    print(f"NLU gate passed: weighted F1 {weighted:.3f}, every intent >= {args.min_intent}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
