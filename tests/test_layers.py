"""The import rules between layers, checked by parsing every module's imports."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Modules of engine/ that wrap SpiffWorkflow and must stay free of Flask and SQLAlchemy.
ENGINE_CORE = ("engine/sandbox.py", "engine/bundle.py", "engine/workflow.py", "engine/errors.py", "engine/clock.py")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules_under(folder: str):
    return sorted((ROOT / folder).rglob("*.py"))


def offending(paths, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in paths:
        for name in imported_modules(path):
            if any(name == prefix or name.startswith(prefix + ".") for prefix in forbidden):
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


def test_engine_core_imports_neither_flask_nor_sqlalchemy():
    paths = [ROOT / name for name in ENGINE_CORE if (ROOT / name).exists()]
    assert offending(paths, ("flask", "flask_sqlalchemy", "sqlalchemy", "web", "storage")) == []


def test_engine_services_never_touch_requests_or_templates():
    paths = modules_under("engine/services")
    assert paths
    found = []
    for path in paths:
        source = path.read_text()
        for needle in ("flask.request", "from flask import request", "render_template", "flask.session"):
            if needle in source:
                found.append(f"{path.relative_to(ROOT)} uses {needle}")
    assert found == []
    assert offending(paths, ("web",)) == []


def test_forms_imports_neither_web_nor_storage():
    assert offending(modules_under("forms"), ("web", "storage", "engine")) == []


def test_storage_imports_neither_web_nor_engine():
    assert offending(modules_under("storage"), ("web", "engine", "forms")) == []


@pytest.mark.parametrize("module", ["SpiffWorkflow", "RestrictedPython"])
def test_web_never_imports_the_engine_library(module):
    assert offending(modules_under("web"), (module,)) == []
