"""The layout stays true: floors import only downwards, backends never import each other, the shared code
never names a backend, and nothing edits sys.path (README "How it fits together")."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from backends.registry import REGISTERED, WINGS

ROOT = Path(__file__).resolve().parent.parent
# Bottom to top. A module may import modules of its own floor or of floors below it, never above.
FLOORS = ("common", "backends", "connector", "notifications", "actions", "sandbox", "scripts", "bench", "tests")
# The backends floor's shared modules (the wing contract and what wings share): they import no wing.
WING_SHARED = ("backends.events", "backends.faults", "backends.facade", "backends.wing", "backends.cache",
               "backends.webhook_auth")


def modules() -> Iterator[tuple[str, Path]]:
    for floor in FLOORS:
        for path in sorted((ROOT / floor).rglob("*.py")):
            yield ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"), path


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) of every import of one of our packages, wherever it is in the file (functions too)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in FLOORS:
                yield node.lineno, name


def floor_of(module: str) -> int:
    return FLOORS.index(module.split(".")[0])


def test_no_import_runs_upward() -> None:
    upward = [f"{path.relative_to(ROOT)}:{line} imports {name}"
              for module, path in modules() for line, name in imports(path) if floor_of(name) > floor_of(module)]
    assert not upward, "imports that run upward:\n" + "\n".join(upward)


def test_a_backend_imports_no_other_backend_and_the_shared_wing_code_imports_none() -> None:
    wrong = []
    for module, path in modules():
        parts = module.split(".")
        if parts[0] != "backends" or module == "backends.registry":
            continue
        own = parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in REGISTERED) else None
        for line, name in imports(path):
            other = name.split(".")[1] if name.startswith("backends.") else None
            if other in REGISTERED and other != own:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
            if module in WING_SHARED and name == "backends.registry":
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports the registry")
    assert not wrong, "\n".join(wrong)


def test_the_floor_imports_nothing_of_ours_above_it() -> None:
    assert all(name.startswith("common") for module, path in modules() if module.startswith("common")
               for _, name in imports(path))


def _code_strings_and_names(path: Path) -> Iterator[tuple[int, str]]:
    """String constants (not docstrings) and identifiers in a module's code."""
    tree = ast.parse(path.read_text())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value
        elif isinstance(node, ast.Name):
            yield node.lineno, node.id


@pytest.mark.parametrize("floor", ["notifications", "connector", "common"])
def test_shared_code_never_names_a_backend(floor: str) -> None:
    """The notifier, the channels and the floor iterate over the registered wings: no `if source == "jenkins"`."""
    names = {w.name for w in WINGS} | {w.name.upper() for w in WINGS} | {w.title for w in WINGS}
    found = [f"{path.relative_to(ROOT)}:{line} {value!r}" for path in sorted((ROOT / floor).rglob("*.py"))
             for line, value in _code_strings_and_names(path) if value in names]
    assert not found, "\n".join(found)


def test_every_registered_backend_is_one_wing_with_a_sandbox() -> None:
    for wing in WINGS:
        assert (ROOT / "backends" / wing.name / "settings.py").is_file()
        assert (ROOT / "backends" / wing.name / "service.py").is_file()
        assert (ROOT / "sandbox" / wing.name / "__init__.py").is_file()
        assert wing.setup_hint and wing.title


def test_nothing_edits_sys_path() -> None:
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        if any(part in (".venv", "models", "results", "node_modules") for part in path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Attribute) and node.attr == "path" and isinstance(node.value, ast.Name)
                    and node.value.id == "sys"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, "sys.path is edited in: " + ", ".join(offenders)


def test_test_modules_import_no_other_test_module() -> None:
    """Shared test helpers live in the helper package (tests/support/) and fixtures in conftest.py files, never
    in a test_*.py that another test imports."""
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {name}" for path in sorted((ROOT / "tests").rglob("test_*.py"))
             for line, name in imports(path) if name.split(".")[-1].startswith("test_")
             or any(part.startswith("test_") for part in name.split(".")[1:])]
    assert not wrong, "\n".join(wrong)
