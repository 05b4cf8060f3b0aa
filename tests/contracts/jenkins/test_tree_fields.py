"""The Jenkins facade asks real Jenkins only for fields it exports: every field of every `tree=` the facade sends
has a row in tree_fields.yaml (the Jenkins class that exports it, and the source that was read), and every row is
still asked for. The trees are the ones the facade really sends (recorded on its HTTP session while each of its
calls runs against the sandbox), and every tree constant of backends/jenkins/service.py must be among them."""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import yaml

from backends.jenkins import service as service_module
from sandbox.jenkins.tree import TreeError, TreeField, parse_tree
from sandbox.server import RunningSandbox
from tests.support.jenkins import fresh_facade, point_jenkins_at

TABLE = Path(__file__).with_name("tree_fields.yaml")
SERVICE = Path(service_module.__file__)


def table() -> dict:
    return yaml.safe_load(TABLE.read_text(encoding="utf-8"))


def rows() -> dict[tuple[str, str], dict]:
    """(the object or field a field sits under, the field) → its row."""
    found: dict[tuple[str, str], dict] = {}
    for group in table()["objects"]:
        for under in group["under"]:
            for name, row in group["fields"].items():
                found[(under, name)] = row
    return found


def root_of(path: str) -> str:
    """What a request asks for, by its path: the name the table uses for the answer's top level."""
    parts = [unquote(p) for p in path.split("/") if p]
    if parts[-2:] != ["api", "json"]:
        raise AssertionError(f"a tree= on {path}, which is not an api/json")
    parts = parts[:-2]
    if not parts:
        return "jenkins"
    if parts == ["computer"]:
        return "computers"
    if parts[-1] == "testReport":
        return "testReport"
    return "build" if parts[-1].isdigit() or parts[-1].startswith("last") else "job"


def pairs(under: str, fields: tuple[TreeField, ...]) -> Iterator[tuple[str, str]]:
    for field in fields:
        yield under, field.name
        if field.children:
            yield from pairs(field.name, field.children)


def tree_constants() -> dict[str, str]:
    """The module's `_NAME = "…"` constants that are `tree=` expressions (more than one bare field name)."""
    found = {}
    for node in ast.parse(SERVICE.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            value = getattr(service_module, name, None)
            if not (name.startswith("_") and name.upper() == name and isinstance(value, str)):
                continue
            try:
                parse_tree(value)
            except TreeError:
                continue
            if "," in value or "[" in value:
                found[name] = value
    return found


@pytest.fixture(scope="module")
def sent_trees(petclinic_sandbox: RunningSandbox) -> list[tuple[str, str]]:
    """(path, tree) of every `tree=` request the facade makes, each of its calls run once against the sandbox."""
    monkeypatch = pytest.MonkeyPatch()
    point_jenkins_at(petclinic_sandbox, monkeypatch)
    fresh_facade()
    service = service_module.service()
    sent: list[tuple[str, str]] = []

    def record(response, *args, **kwargs):  # a requests response hook
        url = urlsplit(response.request.url)
        for tree in parse_qs(url.query).get("tree", []):
            sent.append((url.path, tree))
        return response

    service._client._session.hooks["response"].append(record)

    async def every_call() -> None:
        await service.jobs()
        await service.job("petclinic-build")
        build = await service.build("petclinic-build", 147)  # failed tests: the test report is asked for too
        await service.history("petclinic-build")
        await service.history("petclinic-deploy-prod", parameters=True)
        await service.failure(build, pipeline=True)
        await service.agents()
        await service.activity()

    try:
        asyncio.run(every_call())
    finally:
        fresh_facade()
        monkeypatch.undo()
    return sent


def test_the_table_names_a_class_and_a_source_for_every_field() -> None:
    sources = table()["sources"]
    for (under, name), row in rows().items():
        assert row.get("class") and row.get("exported"), f"{under}[{name}]: which class exports it, and how?"
        for source in str(row["source"]).split("; "):
            repo = "core" if source.startswith("core/") else source.split(" ", 1)[0]
            assert repo in sources and ":" in source, f"{under}[{name}]: {source!r} is not a file:line of a source"


def test_every_tree_constant_of_the_facade_is_sent(sent_trees: list[tuple[str, str]]) -> None:
    constants = tree_constants()
    assert {"_BUILD", "_BUILD_DETAIL", "_LIST", "_JOB", "_AGENTS", "_TESTS"} <= set(constants)
    unsent = [name for name, value in constants.items() if not any(value in tree for _, tree in sent_trees)]
    assert not unsent, f"tree constants this test never saw sent (add their call to sent_trees): {unsent}"


def test_every_field_the_facade_asks_jenkins_for_is_one_jenkins_exports(sent_trees: list[tuple[str, str]]) -> None:
    known = rows()
    asked = {pair for path, tree in sent_trees for pair in pairs(root_of(path), parse_tree(tree))}
    assert len(asked) > 60  # every kind of request was made
    missing = sorted(f"{under}[{name}]" for under, name in asked - set(known))
    assert not missing, ("fields asked for in a tree= without a row in tests/contracts/jenkins/tree_fields.yaml "
                         f"(check the Jenkins class that exports each, then add it): {missing}")


def test_every_row_is_still_asked_for(sent_trees: list[tuple[str, str]]) -> None:
    asked = {pair for path, tree in sent_trees for pair in pairs(root_of(path), parse_tree(tree))}
    stale = sorted(f"{under}[{name}]" for under, name in set(rows()) - asked)
    assert not stale, f"rows of tree_fields.yaml that no tree= asks for any more: {stale}"


def test_a_field_not_in_the_table_is_caught() -> None:
    """The check itself: a field Jenkins does not export (here a made-up one) has no row."""
    invented = set(pairs("build", parse_tree("number,actions[causes[shortDescription,origin]]")))
    assert invented - set(rows()) == {("causes", "origin")}
