"""Dependencies run one way: the core never imports the web layer or the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "outreach_map"
FORBIDDEN = ("flask", "outreach_map.web", "outreach_map.cli", "click")
CORE = sorted(p for p in PACKAGE.rglob("*.py") if p.name not in {"cli.py", "__main__.py"} and "web" not in p.parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                module = "outreach_map." + module if module else "outreach_map"
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_module_does_not_import_web_or_cli(path: Path) -> None:
    bad = {name for name in _imports(path) for f in FORBIDDEN if name == f or name.startswith(f + ".")}
    assert not bad, f"{path.name} imports {sorted(bad)}"
