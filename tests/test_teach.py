"""scripts/teach.py in a temporary copy of the project: refusals write nothing; additions are consistent."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from scripts import teach

ROOT = Path(__file__).resolve().parent.parent

EXAMPLES = [
    "when does the code freeze start?",
    "are we in a change freeze",
    "is the freeze over yet please",
    "what are the code freeze dates",
    "when is the holiday freeze",
]
ANSWER = "The year-end change freeze runs from 20 December to 3 January."


# What `teach` writes (area "custom"): a team's own taught questions. The fixture project leaves them out, so
# these tests never meet what a team has taught (e.g. their own `on_call`).
TAUGHT = {"custom.yml", "test_custom.yml", "custom.py", "test_custom_actions.py"}


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """The shipped project's Rasa files without any taught question, in a temporary folder."""
    ignore = shutil.ignore_patterns("__pycache__", *TAUGHT)
    for item in ("config.yml", "domain", "nlu", "stories", "actions"):
        source = ROOT / item
        if source.is_dir():
            shutil.copytree(source, tmp_path / item, ignore=ignore)
        else:
            shutil.copy(source, tmp_path / item)
    shutil.copytree(ROOT / "tests" / "nlu", tmp_path / "tests" / "nlu", ignore=ignore)
    shutil.copytree(ROOT / "tests" / "conversations", tmp_path / "tests" / "conversations", ignore=ignore)
    return tmp_path


def test_the_fixture_holds_no_taught_question(project: Path) -> None:
    assert not [p for p in project.rglob("*") if p.name in TAUGHT]


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def run(project: Path, *args: str) -> int:
    return teach.main(["--project", str(project), *args])


def add_args(name: str, examples: list[str], *extra: str) -> list[str]:
    args = ["add", name, "--model", "/nonexistent/model.tar.gz"]
    for example in examples:
        args += ["--example", example]
    return [*args, *extra]


@pytest.mark.parametrize(
    ("name", "examples", "extra", "reason"),
    [
        ("Deploy-Window", EXAMPLES, ["--answer", ANSWER], "not a valid intent name"),
        ("greet", EXAMPLES, ["--answer", ANSWER], "already exists"),
        ("change_freeze", EXAMPLES[:4], ["--answer", ANSWER], "at least 5"),
        ("change_freeze", [*EXAMPLES[:4], "When does the code freeze start"], ["--answer", ANSWER], "duplicate"),
        ("change_freeze", [*EXAMPLES[:4], "hello"], ["--answer", ANSWER], "already belong to another intent"),
        ("change_freeze", EXAMPLES, [], "either --answer"),
        ("change_freeze", EXAMPLES, ["--answer", ANSWER, "--action"], "either --answer"),
    ],
)
def test_refusals_write_nothing(project: Path, capsys, name, examples, extra, reason) -> None:
    before = snapshot(project)
    assert run(project, *add_args(name, examples, *extra)) == 2
    assert reason in capsys.readouterr().err
    assert snapshot(project) == before


def test_add_writes_every_place_consistently(project: Path) -> None:
    assert run(project, *add_args("change_freeze", EXAMPLES, "--answer", ANSWER)) == 0
    nlu = yaml.safe_load((project / "nlu" / "custom.yml").read_text())["nlu"]
    assert teach.parse_block(nlu[-1]["examples"]) == EXAMPLES
    domain = yaml.safe_load((project / "domain" / "custom.yml").read_text())
    assert "change_freeze" in domain["intents"]
    assert domain["responses"]["utter_change_freeze"] == [{"text": ANSWER}]
    rules = yaml.safe_load((project / "stories" / "custom.yml").read_text())["rules"]
    assert rules[-1]["steps"] == [{"intent": "change_freeze"}, {"action": "utter_change_freeze"}]
    held_out = teach.parse_block(yaml.safe_load((project / "tests" / "nlu" / "custom.yml").read_text())["nlu"][-1]
                                 ["examples"])
    assert len(held_out) == 5
    assert not {teach.normalise(x) for x in held_out} & {teach.normalise(x) for x in EXAMPLES}
    assert any(x.startswith("@opsbot") for x in held_out) and any("hey opsbot" in x for x in held_out)
    story = yaml.safe_load((project / "tests" / "conversations" / "test_custom.yml").read_text())["stories"][-1]
    assert story["steps"][0]["intent"] == "change_freeze"
    assert story["steps"][1] == {"action": "utter_change_freeze"}
    # a second, different intent goes into the same files and both survive
    assert run(project, *add_args("on_call", [f"who is on call {w}" for w in ("now", "today", "tonight",
                                                                              "this week", "for payments")],
                                  "--answer", "See the rota.")) == 0
    assert {"change_freeze", "on_call"} <= set(yaml.safe_load((project / "domain" / "custom.yml").read_text())
                                               ["intents"])


def test_the_result_passes_rasa_data_validate(project: Path) -> None:
    assert run(project, *add_args("change_freeze", EXAMPLES, "--answer", ANSWER)) == 0
    assert run(project, *add_args("restart_service", [f"restart {s} please" for s in
                                                      ("payments", "the api", "ledger", "web shop", "billing")],
                                  "--action")) == 0
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "rasa"), "data", "validate", "--data", "nlu", "stories", "--domain", "domain",
         "--config", "config.yml", "--fail-on-warnings"],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_action_scaffold_and_its_test_work_and_remove_cleans_up(project: Path) -> None:
    before = snapshot(project)
    assert run(project, *add_args("restart_service", [f"restart {s} please" for s in
                                                      ("payments", "the api", "ledger", "web shop", "billing")],
                                  "--action")) == 0
    code = (project / "actions" / "custom.py").read_text()
    assert "class ActionRestartService(Action)" in code and '"action_restart_service"' in code
    compile(code, "custom.py", "exec")
    test_code = (project / "tests" / "test_custom_actions.py").read_text()
    assert "def test_restart_service_answers" in test_code
    assert run(project, "remove", "restart_service") == 0
    after = snapshot(project)
    assert "restart_service" not in "".join(after.values())
    assert set(after) - set(before) <= {"nlu/custom.yml", "domain/custom.yml", "stories/custom.yml",
                                        "tests/nlu/custom.yml", "tests/conversations/test_custom.yml",
                                        "actions/custom.py", "tests/test_custom_actions.py"}


def test_remove_unknown_is_refused(project: Path, capsys) -> None:
    assert run(project, "remove", "no_such_intent") == 2
    assert "there is no intent" in capsys.readouterr().err


def test_list_shows_counts_and_coverage(project: Path, capsys) -> None:
    assert run(project, "list") == 0
    lines = {line.split()[0]: line.split()[1:] for line in capsys.readouterr().out.splitlines()[1:]}
    assert int(lines["greet"][0]) >= 15 and int(lines["greet"][1]) >= 5


@pytest.mark.e2e
def test_overlap_with_the_trained_model_is_reported(project: Path, capsys) -> None:
    model = ROOT / "models" / "opsbot.tar.gz"
    greetings = ["hello hello opsbot", "hi hi there", "good morning to you", "hey hey bot", "hi friend"]
    before = snapshot(project)
    assert teach.main(["--project", str(project), "add", "say_hello", "--answer", "Hello!", "--model", str(model),
                       *[x for g in greetings for x in ("--example", g)]]) == 2
    err = capsys.readouterr().err
    assert "likely overlaps" in err and "greet" in err
    assert snapshot(project) == before
