"""The benchmark's arithmetic and bookkeeping (bench/figures.py, bench/compare.py, bench/load.py): the
figures `make bench` prints and `make bench-compare` judges must be right, whatever the machine measured."""

from __future__ import annotations

from pathlib import Path

import yaml

from actions.capabilities import registry_files
from backends.registry import REGISTERED
from bench.compare import compare, verdict
from bench.figures import Figure, Run, percentile, table
from bench.load import NOT_IN_MIX, capability_examples, mix, nlu_phrases

ROOT = Path(__file__).resolve().parent.parent


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(100, 0, -1)]  # 100 .. 1, unsorted on purpose
    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None


def test_a_run_survives_its_json_file(tmp_path: Path) -> None:
    run = Run(meta={"commit": "abc1234"})
    run.add("e2e.rest.c10.p95_ms", 123.4567, "ms")
    run.add("e2e.rest.c10.msg_per_s", 21.5, "msg/s", better="higher")
    run.add("train.full_s", None, "s", note="not measured")
    run.save(tmp_path / "run.json")
    again = Run.load(tmp_path / "run.json")
    assert again.meta == {"commit": "abc1234"}
    assert again.figures["e2e.rest.c10.p95_ms"] == Figure("e2e.rest.c10.p95_ms", 123.457, "ms")
    assert again.value("e2e.rest.c10.msg_per_s") == 21.5 and again.figures["e2e.rest.c10.msg_per_s"].better == "higher"
    assert again.value("train.full_s") is None


def test_compare_judges_the_direction_and_the_noise() -> None:
    slow, slower = Figure("p95", 100.0, "ms"), Figure("p95", 130.0, "ms")
    assert verdict(slow, slower, 15) == ("+30 %", "WORSE")
    assert verdict(slower, slow, 15)[1] == "better"
    assert verdict(slow, Figure("p95", 110.0, "ms"), 15) == ("+10 %", "")  # within the noise
    fast, faster = Figure("rate", 20.0, "msg/s", "higher"), Figure("rate", 10.0, "msg/s", "higher")
    assert verdict(fast, faster, 15)[1] == "WORSE"  # throughput down
    one, two = Figure("req", 10.0, "requests"), Figure("req", 11.0, "requests")
    assert verdict(one, two, 15)[1] == "WORSE"  # a request more is never noise
    assert verdict(one, None, 15) == ("", "only in one run")


def test_the_comparison_table_lists_every_figure_of_both_runs() -> None:
    old, new = Run(), Run()
    old.add("req.jenkins_build_status.warm", 1, "requests")
    new.add("req.jenkins_build_status.warm", 2, "requests")
    new.add("req.grafana_alerts.warm", 1, "requests")
    text, worse = compare(old, new, 15)
    assert worse == 1
    lines = text.splitlines()
    assert len(lines) == 4 and len({len(line) for line in lines}) == 1  # header, rule, two rows; aligned
    assert "WORSE" in lines[2] and "only in one run" in lines[3]


def test_table_pads_columns() -> None:
    text = table(["a", "bb"], [["long value", "x"]])
    assert text.splitlines() == ["| a          | bb |", "|------------|----|", "| long value | x  |"]


def test_the_end_to_end_mix_is_every_read_only_backend_question() -> None:
    intents = {intent for intent, _example in capability_examples()}
    registry = [entry for path in registry_files() for entry in yaml.safe_load(path.read_text())]
    assert [(e["intent"], e["example"]) for e in registry] == capability_examples()
    chosen = mix()
    expected = [e["example"] for e in registry
                if e["intent"].split("_")[0] in REGISTERED and e["intent"] not in NOT_IN_MIX]
    assert chosen == expected and len(chosen) >= 5
    assert "jenkins_run_build" in intents and not any("build petclinic" in text for text in chosen)


def test_nlu_phrases_are_the_held_out_set_without_annotations() -> None:
    phrases = nlu_phrases()
    assert len(phrases) >= 50
    assert not any("](" in p or "]{" in p for p in phrases)
    annotated = next(line.strip()[2:] for path in sorted((ROOT / "tests" / "nlu").glob("*.yml"))
                     for line in path.read_text().splitlines() if line.strip().startswith("- ") and "](" in line)
    plain = annotated
    while "](" in plain:  # "[cart-api](job)" → "cart-api", one annotation at a time
        start = plain.index("[")
        middle = plain.index("](", start)
        plain = plain[:start] + plain[start + 1:middle] + plain[plain.index(")", middle) + 1:]
    assert plain in phrases
