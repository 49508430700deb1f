"""The layout the project promises a newcomer: no import cycles, ``core`` standing on nothing else of the
project, and every registered source complete in its own folder (so that adding one is adding a folder)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from ingestion.core import config
from ingestion.sources import SOURCES

PACKAGE = config.PROJECT_ROOT / "ingestion"


def module_imports() -> dict[str, set[str]]:
    """Each module of the package and the project modules it imports at module level (imports inside
    functions are deferred on purpose: heavy libraries, or a task's own code)."""
    modules: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:  # Alembic revision scripts are loaded by path, not imported
            continue
        name = ".".join(path.relative_to(config.PROJECT_ROOT).with_suffix("").parts).removesuffix(".__init__")
        found: set[str] = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ingestion"):
                found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
            elif isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names if alias.name.startswith("ingestion")}
        modules[name] = found
    return {name: {d for d in deps if d in modules and d != name} for name, deps in modules.items()}


def test_no_module_imports_itself_through_others():
    graph = module_imports()
    cycles = []

    def visit(module: str, path: list[str], done: set[str]) -> None:
        for dependency in sorted(graph[module]):
            if dependency in path:
                cycles.append(" → ".join(path[path.index(dependency) :] + [dependency]))
            elif dependency not in done:
                done.add(dependency)
                visit(dependency, [*path, dependency], done)

    for module in sorted(graph):
        visit(module, [module], set())
    assert not cycles, cycles[:5]


def test_core_stands_on_nothing_else_of_the_project():
    for module, deps in module_imports().items():
        if module.startswith("ingestion.core"):
            assert all(d.startswith("ingestion.core") for d in deps), (module, deps)


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_every_source_is_complete_in_its_folder(source):
    folder = PACKAGE / "sources" / source.name
    assert (folder / "contract.py").is_file() and (folder / "pipeline.py").is_file()
    assert list((folder / "migrations").glob("*.py")), "its raw tables are a migration in its folder"
    pipeline = source.module()
    for function in ("find_new", "process", "delivery_paths", "checksum"):
        assert callable(getattr(pipeline, function)), function
    assert len(inspect.signature(pipeline.process).parameters) == 4  # item, landing, run_id, url
    assert source.has_precheck == callable(getattr(pipeline, "precheck", None))
    assert all(table.split(".")[0] == "raw" for table in source.raw_tables)
    # the DAG file needs nothing per source: it builds one DAG per registry entry
    assert source.name not in {p.stem for p in (config.PROJECT_ROOT / "dags").glob("*.py")}


def test_the_registry_names_each_source_once_and_in_landing_order():
    names = [s.name for s in SOURCES]
    assert len(set(names)) == len(names)
    assert names[0] == "agreement_register"  # forms are checked against the register: it loads first
    assert {p.name for p in (config.PROJECT_ROOT / "examples" / "landing").iterdir() if p.is_dir()} == set(names)
    assert Path(config.PROJECT_ROOT / "dags" / "sources.py").is_file()
