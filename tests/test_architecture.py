"""The house rules: dependencies run one way, and functions stay short enough to read.

- The core never imports the web layer, the CLI, Flask or click.
- Within the core, each layer imports only from the layers below it
  (:data:`NEVER`): the solver knows nothing of published timetables, the
  published timetable nothing of the timetabling pipeline that makes it.
- No function outside the tests is longer than :data:`MAX_FUNCTION_LINES`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "outreach_map"
FORBIDDEN = ("flask", "outreach_map.web", "outreach_map.cli", "click")
CORE = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__main__.py" and not {"web", "cli"} & set(p.parts))
#: What each part of the core must never import (directly): the layers above it.
NEVER = {
    "outreach_map/errors.py": ("outreach_map.",),
    "outreach_map/clock.py": ("outreach_map.config", "outreach_map.planner", "outreach_map.published"),
    "outreach_map/config.py": ("outreach_map.planner", "outreach_map.published", "outreach_map.timetabling"),
    "outreach_map/planner": ("outreach_map.published", "outreach_map.timetabling", "outreach_map.exports",
                             "outreach_map.maps", "outreach_map.coverage", "outreach_map.openreferral"),
    "outreach_map/published": ("outreach_map.timetabling", "outreach_map.exports", "outreach_map.maps",
                               "outreach_map.openreferral", "outreach_map.publicjson"),
    "outreach_map/timetabling": ("outreach_map.exports", "outreach_map.maps", "outreach_map.openreferral",
                                 "outreach_map.publicjson"),
    "outreach_map/openreferral": ("outreach_map.published", "outreach_map.timetabling", "outreach_map.exports",
                                  "outreach_map.publicjson"),
}  # fmt: skip
#: The longest function allowed outside the tests.
MAX_FUNCTION_LINES = 80
#: Alembic revisions are declarations of tables, one statement per table, not logic: they are not measured.
MEASURED = sorted(
    p
    for p in [*PACKAGE.rglob("*.py"), *(ROOT / "benchmarks").glob("*.py"), *(ROOT / "data").glob("*.py")]
    if "versions" not in p.relative_to(PACKAGE.parent).parts
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            module = (f"{base}.{node.module}" if node.module else base) if node.level else node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_module_does_not_import_web_or_cli(path: Path) -> None:
    bad = {name for name in _imports(path) for f in FORBIDDEN if name == f or name.startswith(f + ".")}
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_the_layering_test_sees_every_package_of_the_core() -> None:
    packages = {p.parent.name for p in CORE if p.name == "__init__.py"}
    assert {"outreach_map", "planner", "published", "timetabling", "openreferral"} <= packages


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_each_layer_imports_only_from_below(path: Path) -> None:
    rules = [never for where, never in NEVER.items() if _name(path) == where or _name(path).startswith(where + "/")]
    own = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    bad = {name for name in _imports(path) for prefix in (p for r in rules for p in r)
           if name.startswith(prefix) and not name.startswith(own)}  # fmt: skip
    assert not bad, f"{_name(path)} imports {sorted(bad)}, a layer above it"


def test_imports_are_read_with_their_package() -> None:
    """The reader itself: ``from ..errors import X`` in ``outreach_map/planner/`` is ``outreach_map.errors``."""
    names = _imports(PACKAGE / "planner" / "engine.py")
    assert "outreach_map.errors.ProblemError" in names and "outreach_map.planner.problem" in names


def _functions(path: Path) -> list[tuple[str, int, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.name, node.lineno, (node.end_lineno or node.lineno) - node.lineno + 1)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


@pytest.mark.parametrize("path", MEASURED, ids=_name)
def test_no_function_is_longer_than_80_lines(path: Path) -> None:
    long = [f"{name} (line {line}: {n} lines)" for name, line, n in _functions(path) if n > MAX_FUNCTION_LINES]
    assert not long, f"{_name(path)}: {', '.join(long)}; expected at most {MAX_FUNCTION_LINES} lines"


def test_function_length_is_measured_from_def_to_last_line(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def short():\n    return 1\n\n\ndef longer():\n" + "    x = 1\n" * 81, encoding="utf-8")
    assert _functions(sample) == [("short", 1, 2), ("longer", 5, 82)]


#: Raw SQL: text(), driver-level execution, DB-API cursors. Only the SQLite pragmas (constants) are allowed.
RAW_SQL = ("sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.literal_column")
RAW_CALLS = ("exec_driver_sql", "executescript", "cursor")
RAW_SQL_ALLOWED = {"outreach_map/db/engine.py": {"cursor"}}


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=_name)
def test_sql_goes_through_the_orm_only(path: Path) -> None:
    """No string of SQL anywhere: every query is built with SQLAlchemy's ORM and expressions, so nothing a user
    typed can become SQL."""
    raw = {name for name in _imports(path) if name in RAW_SQL}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = {
        node.func.attr for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in RAW_CALLS
    }  # fmt: skip
    calls -= RAW_SQL_ALLOWED.get(_name(path), set())
    assert not raw and not calls, f"{_name(path)} runs SQL text: {sorted(raw | calls)}"


def _error_classes(path: Path) -> list[str]:
    """Names of classes in ``path`` whose bases name an ``...Error`` (the project's errors derive from one)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            bases = [ast.unparse(b) for b in node.bases]
            if any(b.split(".")[-1].endswith("Error") and b.split(".")[-1] != "Exception" for b in bases):
                found.append(node.name)
    return found


@pytest.mark.parametrize("path", MEASURED, ids=_name)
def test_every_project_error_is_defined_in_errors_py(path: Path) -> None:
    if path == PACKAGE / "errors.py":
        assert "OutreachError" in path.read_text(encoding="utf-8")
        return
    assert _error_classes(path) == [], f"{_name(path)} defines error classes outside outreach_map/errors.py"


def test_error_classes_are_found_by_their_bases(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("class A(errors.DataError):\n    pass\nclass B(Exception):\n    pass\n", encoding="utf-8")
    assert _error_classes(sample) == ["A"]
