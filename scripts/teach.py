"""Teach opsbot a new question from example phrases, consistently across the four places Rasa needs.

    .venv/bin/python -m scripts.teach add deploy_window \\
        --example "when is the next deploy window?" --example "when can we deploy next" ... (5 or more) \\
        --answer "Deploy windows are Tuesday and Thursday, 14:00-16:00 UTC."
    .venv/bin/python -m scripts.teach add restart_service --examples-file phrases.txt --action
    .venv/bin/python -m scripts.teach list
    .venv/bin/python -m scripts.teach remove deploy_window

`add` writes, for intent NAME in area AREA (default `custom`):
  nlu/AREA.yml                         the examples
  domain/AREA.yml                      the intent, and the response utter_NAME or the action action_NAME
  stories/AREA.yml (core: rules.yml)   a rule: NAME → the answer
  tests/nlu/AREA.yml                   held-out phrases (yours via --test-example, plus robustness
                                       variants of the examples: @mention, polite wrapper, typo, lowercase)
  tests/conversations/test_AREA.yml    a conversation test
  with --action: actions/AREA.py (an Action class to fill in) and tests/test_AREA_actions.py (its test).
It refuses bad input and then writes nothing: a name that is not an identifier or exists, fewer than five
examples, duplicates, an example another intent already has, or (with a trained model) examples the model
confidently reads as another intent (--force writes anyway).
"""

from __future__ import annotations

import argparse
import keyword
import os
import re
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

ROOT = Path(__file__).resolve().parent.parent
MIN_EXAMPLES = 5
OVERLAP_CONFIDENCE = 0.8
# A closed-set classifier reads ANY new phrase as some known intent, often confidently; an overlap is
# reported only when the phrase is also worded like that intent's own examples.
OVERLAP_SIMILARITY = 85.0
NAME = re.compile(r"[a-z][a-z0-9_]{1,60}")
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


class Refused(Exception):
    """Bad input: the message says what and why; nothing has been written."""


def normalise(example: str) -> str:
    text = ANNOTATION.sub(r"\1", example).lower()
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s@#/.-]", " ", text)).strip(" .")


def yaml_rt() -> YAML:
    yaml = YAML()  # round-trip: keeps comments, order and quoting of files people edit by hand
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=2, offset=0)
    return yaml


def block(examples: Iterable[str]) -> LiteralScalarString:
    return LiteralScalarString("".join(f"- {example}\n" for example in examples))


def parse_block(text: str) -> list[str]:
    return [line.strip()[2:].strip() for line in str(text).splitlines() if line.strip().startswith("- ")]


@dataclass
class Project:
    """The Rasa project's files, by area."""

    root: Path
    pending: dict[Path, str] = field(default_factory=dict)  # path → new content, written all at once

    def nlu(self, area: str) -> Path:
        return self.root / "nlu" / f"{area}.yml"

    def domain(self, area: str) -> Path:
        return self.root / "domain" / f"{area}.yml"

    def rules(self, area: str) -> Path:
        return self.root / "stories" / ("rules.yml" if area == "core" else f"{area}.yml")

    def held_out(self, area: str) -> Path:
        return self.root / "tests" / "nlu" / f"{area}.yml"

    def conversations(self, area: str) -> Path:
        return self.root / "tests" / "conversations" / f"test_{area}.yml"

    def actions(self, area: str) -> Path:
        return self.root / "actions" / f"{area}.py"

    def action_tests(self, area: str) -> Path:
        return self.root / "tests" / f"test_{area}_actions.py"

    # -- reading -------------------------------------------------------------------------------------
    def text(self, path: Path) -> str:
        if path in self.pending:
            return self.pending[path]
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def load(self, path: Path, default: dict) -> dict:
        content = self.text(path)
        data = yaml_rt().load(content) if content.strip() else None
        return data if data is not None else default

    def stage(self, path: Path, data: dict) -> None:
        stream = StringIO()
        yaml_rt().dump(data, stream)
        self.pending[path] = stream.getvalue()

    def intents(self) -> dict[str, Path]:
        found: dict[str, Path] = {}
        for path in sorted((self.root / "domain").glob("*.yml")):
            for entry in self.load(path, {}).get("intents") or []:
                found[entry if isinstance(entry, str) else next(iter(entry))] = path
        return found

    def examples(self, folder: str = "nlu") -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for path in sorted((self.root / folder).rglob("*.yml")):
            for item in self.load(path, {}).get("nlu") or []:
                if "intent" in item:
                    found.setdefault(str(item["intent"]), []).extend(parse_block(item.get("examples", "")))
        return found

    def commit(self) -> list[Path]:
        """Write every staged file (each via a temporary file and rename)."""
        for path, content in self.pending.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(content)
            os.replace(temporary, path)
        written = list(self.pending)
        self.pending.clear()
        return written


# -- the checks -----------------------------------------------------------------------------------------
def check_name(project: Project, name: str) -> None:
    if not NAME.fullmatch(name) or keyword.iskeyword(name) or name.startswith(("utter_", "action_")):
        raise Refused(f"'{name}' is not a valid intent name: use lower_case_with_underscores, 2-61 characters, "
                      "starting with a letter (and not utter_/action_).")
    existing = project.intents()
    if name in existing:
        raise Refused(f"intent '{name}' already exists (in {existing[name].relative_to(project.root)}).")


def check_examples(project: Project, examples: list[str]) -> None:
    if len(examples) < MIN_EXAMPLES:
        raise Refused(f"give at least {MIN_EXAMPLES} example phrases (got {len(examples)}): a question needs "
                      "several ways of asking it to be recognised.")
    seen: dict[str, str] = {}
    duplicates = []
    for example in examples:
        key = normalise(example)
        if key in seen:
            duplicates.append(f"'{example}' repeats '{seen[key]}'")
        seen[key] = example
    if duplicates:
        raise Refused("duplicate examples: " + "; ".join(duplicates))
    taken = {normalise(x): intent for intent, xs in project.examples().items() for x in xs}
    clashes = [f"'{x}' (intent {taken[normalise(x)]})" for x in examples if normalise(x) in taken]
    if clashes:
        raise Refused("these examples already belong to another intent: " + ", ".join(clashes))


def model_overlaps(model: Path, name: str, examples: list[str],
                   known: dict[str, list[str]] | None = None) -> list[tuple[str, str, float]]:
    """Examples the trained model already reads, confidently, as another intent whose own examples are
    worded alike (`known`: intent → training examples; without it, confidence alone decides)."""
    if not model.exists():
        return []
    import asyncio
    import logging

    from rapidfuzz import fuzz, process

    logging.disable(logging.WARNING)
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    async def parse_all() -> list[dict]:
        return [await agent.parse_message(example) for example in examples]

    overlaps = []
    for example, parsed in zip(examples, asyncio.run(parse_all()), strict=True):
        intent = parsed.get("intent") or {}
        if intent.get("name") in (name, "nlu_fallback", None) or intent.get("confidence", 0) < OVERLAP_CONFIDENCE:
            continue
        if known is not None:
            alike = process.extractOne(normalise(example), [normalise(x) for x in known.get(intent["name"], [])],
                                       scorer=fuzz.token_set_ratio)
            if alike is None or alike[1] < OVERLAP_SIMILARITY:
                continue
        overlaps.append((example, intent["name"], float(intent["confidence"])))
    return overlaps


# -- held-out phrases -----------------------------------------------------------------------------------
def _typo(text: str) -> str:
    words = text.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) >= 4:
        middle = len(word) // 2
        words[longest] = word[: middle - 1] + word[middle] + word[middle - 1] + word[middle + 1:]
    return " ".join(words)


def robustness_variants(examples: list[str]) -> list[str]:
    """Phrasings users really type, derived from the examples (never copies of them): an @mention, a
    polite wrapper, lowercase without punctuation, a typo, a question form; more when some collide."""
    plain = [re.sub(r"[?!.]+$", "", ANNOTATION.sub(r"\1", x)).strip() for x in examples]

    def lower_first(text: str) -> str:
        return text[:1].lower() + text[1:]

    makers = [
        lambda x: f"hey opsbot, {lower_first(x)}?",
        lambda x: f"@opsbot {x}",
        lambda x: re.sub(r"[^\w\s-]", "", x.lower()) + " pls",
        lambda x: _typo(x.lower()),
        lambda x: f"could you tell me {lower_first(x)}?",
        lambda x: f"hi bot {lower_first(x)}",
        lambda x: f"quick question: {lower_first(x)}",
    ]
    return [make(plain[(i + offset) % len(plain)]) for offset in range(2) for i, make in enumerate(makers)]


# -- writing --------------------------------------------------------------------------------------------
def _class_name(name: str) -> str:
    return "Action" + "".join(part.capitalize() for part in name.split("_"))


def action_scaffold(name: str) -> str:
    return f'''

# --- taught: {name} ---
class {_class_name(name)}(Action):
    """Answers intent `{name}`. Fill in `run`: call a service facade, render a Reply, send it."""

    def name(self) -> str:
        return "action_{name}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        send(dispatcher, tracker, Reply(text="TODO: answer {name}"))
        return []
# --- end taught: {name} ---
'''


ACTIONS_HEADER = '''"""Custom answers taught with scripts/teach.py. Each class answers one intent."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from common.reply import Reply
from actions.send import send
'''

ACTION_TESTS_HEADER = '''"""Tests of the actions taught with scripts/teach.py."""

from __future__ import annotations

from tests.support import make_tracker, run_action, texts
'''


def action_test_scaffold(area: str, name: str) -> str:
    return f'''

# --- taught: {name} ---
def test_{name}_answers() -> None:
    from actions.{area} import {_class_name(name)}

    messages, _ = run_action({_class_name(name)}(), make_tracker("", "{name}"))
    assert texts(messages), "action_{name} must answer something"
# --- end taught: {name} ---
'''


def stage_add(project: Project, area: str, name: str, examples: list[str], answer: str | None,
              test_examples: list[str]) -> None:
    target = f"utter_{name}" if answer is not None else f"action_{name}"

    nlu = project.load(project.nlu(area), {"version": "3.1", "nlu": []})
    nlu.setdefault("nlu", []).append({"intent": name, "examples": block(examples)})
    project.stage(project.nlu(area), nlu)

    domain = project.load(project.domain(area), {"version": "3.1"})
    domain.setdefault("intents", []).append(name)
    if answer is not None:
        domain.setdefault("responses", {})[target] = [{"text": answer}]
    else:
        domain.setdefault("actions", []).append(target)
    project.stage(project.domain(area), domain)

    rules = project.load(project.rules(area), {"version": "3.1", "rules": []})
    rules.setdefault("rules", []).append({"rule": f"answer {name}", "steps": [{"intent": name}, {"action": target}]})
    project.stage(project.rules(area), rules)

    taken = {normalise(x) for xs in project.examples().values() for x in xs} | {normalise(x) for x in examples}
    held_out: list[str] = []
    for phrase in [*test_examples, *robustness_variants(examples)]:
        if normalise(phrase) not in taken and normalise(phrase) not in {normalise(x) for x in held_out}:
            held_out.append(phrase)
    held_out = held_out[: max(len(test_examples), 0) + 5]
    tests = project.load(project.held_out(area), {"version": "3.1", "nlu": []})
    tests.setdefault("nlu", []).append({"intent": name, "examples": block(held_out)})
    project.stage(project.held_out(area), tests)

    conversations = project.load(project.conversations(area), {"version": "3.1", "stories": []})
    conversations.setdefault("stories", []).append({
        "story": f"ask {name}",
        "steps": [{"user": LiteralScalarString(held_out[0] + "\n"), "intent": name}, {"action": target}],
    })
    project.stage(project.conversations(area), conversations)

    if answer is None:
        code = project.text(project.actions(area)) or ACTIONS_HEADER
        project.pending[project.actions(area)] = code.rstrip("\n") + "\n" + action_scaffold(name)
        test_code = project.text(project.action_tests(area)) or ACTION_TESTS_HEADER
        project.pending[project.action_tests(area)] = test_code.rstrip("\n") + "\n" + action_test_scaffold(area, name)


def _drop_marked(code: str, name: str) -> str:
    pattern = re.compile(rf"\n*# --- taught: {re.escape(name)} ---\n.*?# --- end taught: {re.escape(name)} ---\n",
                         re.DOTALL)
    return pattern.sub("\n", code)


def stage_remove(project: Project, name: str) -> None:
    intents = project.intents()
    if name not in intents:
        raise Refused(f"there is no intent '{name}'.")
    targets = {f"utter_{name}", f"action_{name}"}
    for path in sorted((project.root / "domain").glob("*.yml")):
        data = project.load(path, {})
        before = repr(data)
        if "intents" in data:
            data["intents"] = [i for i in data["intents"] if (i if isinstance(i, str) else next(iter(i))) != name]
        for target in targets:
            (data.get("responses") or {}).pop(target, None)
        if "actions" in data:
            data["actions"] = [a for a in data["actions"] if a not in targets]
        if repr(data) != before:
            project.stage(path, data)
    for folder in ("nlu", "tests/nlu"):
        for path in sorted((project.root / folder).glob("*.yml")):
            data = project.load(path, {})
            kept = [item for item in data.get("nlu") or [] if item.get("intent") != name]
            if len(kept) != len(data.get("nlu") or []):
                data["nlu"] = kept
                project.stage(path, data)
    for path in [*sorted((project.root / "stories").glob("*.yml")),
                 *sorted((project.root / "tests" / "conversations").glob("*.yml"))]:
        data = project.load(path, {})
        for key in ("rules", "stories"):
            items = data.get(key) or []
            kept = [item for item in items if not any(step.get("intent") == name for step in item.get("steps", []))]
            if len(kept) != len(items):
                data[key] = kept
                project.stage(path, data)
    for path in [*sorted((project.root / "actions").glob("*.py")), *sorted((project.root / "tests").glob("*.py"))]:
        code = project.text(path)
        if f"# --- taught: {name} ---" in code:
            project.pending[path] = _drop_marked(code, name)


def coverage(project: Project) -> list[tuple[str, int, int, int]]:
    training = project.examples("nlu")
    held_out = project.examples("tests/nlu")
    conversation_text = "\n".join(project.text(p) for p in (project.root / "tests" / "conversations").glob("*.yml"))
    rows = []
    for intent in sorted(project.intents()):
        stories = len(re.findall(rf"intent:\s*{re.escape(intent)}\s*$", conversation_text, re.MULTILINE))
        rows.append((intent, len(training.get(intent, [])), len(held_out.get(intent, [])), stories))
    return rows


# -- the command line -----------------------------------------------------------------------------------
def read_examples(inline: list[str] | None, path: str | None) -> list[str]:
    examples = [x.strip() for x in inline or [] if x.strip()]
    if path:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise Refused(f"cannot read {path}: {exc.strerror}") from exc
        examples += [line.strip().removeprefix("- ").strip() for line in lines if line.strip()]
    return examples


def add(args: argparse.Namespace, project: Project) -> int:
    if (args.answer is None) == (not args.action):
        raise Refused("say how to answer: either --answer \"fixed text\" or --action (scaffold a custom action).")
    if args.answer is not None and not args.answer.strip():
        raise Refused("the --answer text is empty.")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", args.area):
        raise Refused(f"'{args.area}' is not a valid area name (it becomes a file name).")
    examples = read_examples(args.example, args.examples_file)
    check_name(project, args.name)
    check_examples(project, examples)
    if not args.force:
        overlaps = model_overlaps(Path(args.model), args.name, examples, project.examples())
        if overlaps:
            lines = "\n".join(f"  '{x}' → {intent} ({confidence:.2f})" for x, intent, confidence in overlaps)
            raise Refused("the current model already reads these examples as other intents (likely overlaps):\n"
                          f"{lines}\nmerge them into that intent or rephrase; --force writes anyway.")
    stage_add(project, args.area, args.name, examples, args.answer, args.test_example or [])
    for path in project.commit():
        print(f"wrote {path.relative_to(project.root)}")
    print(f"Taught '{args.name}'. Next: make train, then make test (or make demo and ask it).")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.teach", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", default=str(ROOT), help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True)
    adding = commands.add_parser("add", help="teach a new intent")
    adding.add_argument("name")
    adding.add_argument("--example", action="append", help="an example phrase (repeat, at least 5)")
    adding.add_argument("--examples-file", help="a file with one example per line")
    adding.add_argument("--answer", help="the fixed answer text")
    adding.add_argument("--action", action="store_true", help="scaffold a custom action and its test instead")
    adding.add_argument("--area", default="custom", help="which files to write into (default: custom)")
    adding.add_argument("--test-example", action="append", help="a held-out test phrase (not a training one)")
    adding.add_argument("--force", action="store_true", help="write despite likely overlaps with other intents")
    adding.add_argument("--model", default=str(ROOT / "models" / "opsbot.tar.gz"), help=argparse.SUPPRESS)
    removing = commands.add_parser("remove", help="remove an intent everywhere it was written")
    removing.add_argument("name")
    commands.add_parser("list", help="intents with example counts and test coverage")
    args = parser.parse_args(argv)
    project = Project(Path(args.project))
    try:
        if args.command == "add":
            return add(args, project)
        if args.command == "remove":
            stage_remove(project, args.name)
            for path in project.commit():
                print(f"updated {path.relative_to(project.root)}")
            print(f"Removed '{args.name}'. Next: make train.")
            return 0
        print(f"{'intent':34} {'training':>8} {'held-out':>8} {'conversations':>13}")
        for intent, trained, held, stories in coverage(project):
            flag = "   <-- needs tests" if held < 5 or not stories else ""
            print(f"{intent:34} {trained:8} {held:8} {stories:13}{flag}")
        return 0
    except Refused as refusal:
        print(f"teach: refused, nothing written: {refusal}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
