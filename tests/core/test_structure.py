"""The shape of the package: no import circles, and a pure core.

Both tests read the source with ``ast`` (every import statement counts, including those
inside functions or under ``TYPE_CHECKING``: an import moved into a function to dodge a
circle at load time still ties the two modules together).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent.parent / "assessment"

#: The pure core: the questionnaire model, what an answer is, the engine, the playbook and
#: the vocabularies. Neither they nor any module of the package they import may use these.
PURE_CORE = ("assessment.questionnaire", "assessment.answers", "assessment.scoring")
PURE_CORE += ("assessment.playbook", "assessment.vocab", "assessment.perception")
PURE_CORE += ("assessment.evidence",)
FORBIDDEN = ("flask", "flask_babel", "flask_login", "flask_wtf", "wtforms", "werkzeug")
FORBIDDEN += ("sqlite3", "sqlite_utils", "weasyprint", "click")

#: Import circles tolerated for now (none: the last two, db → results → store → db and
#: factory → cli → server → factory, went with issue 15). A circle that goes away must be
#: taken off this list (the test says so), and no other may appear.
KNOWN_CIRCLES: tuple[frozenset[str], ...] = ()


@cache
def modules() -> dict[str, tuple[Path, bool]]:
    """Every module of the package by dotted name: (file, whether it is a package)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found[".".join(parts)] = (path, is_package)
    return found


@cache
def imports(name: str) -> tuple[frozenset[str], frozenset[str]]:
    """(modules of the package, top-level names of other packages) that ``name`` imports.

    ``from .x import y`` is an import of module ``x.y`` when there is one, else of ``x``."""
    path, is_package = modules()[name]
    package = name if is_package else name.rpartition(".")[0]
    inside: set[str] = set()
    outside: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "assessment":
                    inside.add(alias.name)
                else:
                    outside.add(alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "assessment":
                outside.add(target.split(".")[0])
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                inside.add(sub if sub in modules() else target)
    unknown = inside - set(modules())
    assert not unknown, f"{name} imports modules that do not exist: {sorted(unknown)}"
    inside.discard(name)
    return frozenset(inside), frozenset(outside)


def circles() -> list[frozenset[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    graph = {name: imports(name)[0] for name in modules()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(frozenset(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_walk_sees_relative_lazy_and_package_imports():
    assert modules()["assessment.questionnaire"][1] is True
    answers_inside, answers_outside = imports("assessment.answers")
    assert "assessment.questionnaire" in answers_inside
    assert "math" in answers_outside
    # `from ..answers import in_own_words` inside report/, `from .. import vocab` in base
    assert "assessment.answers" in imports("assessment.report.data")[0]
    assert "assessment.vocab" in imports("assessment.questionnaire.base")[0]
    # an import inside a function counts (store.responses reads rounds lazily, too)
    assert "assessment.store.rounds" in imports("assessment.store.responses")[0]


def test_no_import_circle_among_the_packages_modules():
    found = circles()
    new = [sorted(group) for group in found if group not in KNOWN_CIRCLES]
    assert not new, f"modules that import each other, directly or around a circle: {new}"
    gone = [sorted(group) for group in KNOWN_CIRCLES if group not in found]
    assert not gone, f"these circles are gone: take them off KNOWN_CIRCLES: {gone}"


@cache
def reached(start: str) -> frozenset[str]:
    """``start`` and every module of the package it imports, directly or not."""
    seen = {start}
    todo = [start]
    while todo:
        for other in imports(todo.pop())[0]:
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return frozenset(seen)


def _core_modules() -> list[str]:
    return sorted(
        name
        for name in modules()
        if any(name == core or name.startswith(core + ".") for core in PURE_CORE)
    )


@pytest.mark.parametrize("module", _core_modules())
def test_the_pure_core_imports_no_web_database_pdf_or_cli_code(module):
    offenders = {
        f"{other} imports {name}"
        for other in reached(module)
        for name in imports(other)[1]
        if name in FORBIDDEN
    }
    assert not offenders, sorted(offenders)
    assert not any(other.startswith("assessment.web") for other in reached(module))


def test_the_pure_core_loads_without_them():
    code = (
        "import sys\n"
        f"for name in {PURE_CORE!r}: __import__(name)\n"
        f"print(sorted(m for m in {FORBIDDEN!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


#: Background work and mail run in the worker, with no request and no web app: neither
#: they nor anything they import may use the web layer, the factory or the commands.
BACKGROUND = ("assessment.jobs", "assessment.mail")


def _background_modules() -> list[str]:
    return sorted(
        name
        for name in modules()
        if any(name == part or name.startswith(part + ".") for part in BACKGROUND)
    )


@pytest.mark.parametrize("module", _background_modules())
def test_background_work_and_mail_import_no_web_factory_or_cli_code(module):
    offenders = sorted(
        other
        for other in reached(module)
        if other == "assessment" or other.startswith(("assessment.web", "assessment.cli"))
    )
    assert not offenders, f"{module} reaches {offenders}"


def test_the_background_rule_covers_the_modules_it_names():
    names = _background_modules()
    assert "assessment.jobs.queue" in names and "assessment.mail.kinds" in names
    assert "assessment.web.rounds" in reached("assessment.web.rounds")  # the walk's own start


# --- the layers, as a table -----------------------------------------------------------------

#: Every module of the package belongs to one layer, by its first name under ``assessment``
#: (a new module fails ``test_every_module_has_a_layer`` until it is placed here).
LAYERS: dict[str, tuple[str, ...]] = {
    # pure: the questionnaire model, answers, the engine, vocabularies, leaves
    "core": (
        "questionnaire",
        "answers",
        "scores",
        "scoring",
        "perception",
        "playbook",
        "anonymity",
        "vocab",
        "figures",
        "colours",
        "review_calendar",
        "alert_formats",
        "evidence",
        "currencies",
        "branding",
        "sso_settings",
        "lru",
        "clock",
        "paths",
        "passwords",
    ),
    # rows: one module per kind of record; nothing of the engine
    "store": ("sqlite", "migrations", "store"),
    # store → engine: what a round, the portfolio, an export or an upgrade show
    "results": (
        "results",
        "portfolio",
        "closing",
        "library",
        "review_rounds",
        "exports",
        "respondent_import",
        "backup",
        "upgrade",
        "schema",
        "invoice_import",
        "round_evidence",
    ),
    "report": ("report",),
    "mail": ("mail",),
    # work that writes reports or mail: alerts, the leadership pack, the demo
    "workflows": ("alerts", "pack_jobs", "demo"),
    "db": ("db",),  # the connection of an app context
    "jobs": ("jobs",),
    "web": ("web",),
    "cli": ("cli",),
    "factory": ("__init__", "__main__", "server", "settings"),
}

#: Who may import whom (besides its own layer).
MAY_IMPORT: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "store": frozenset({"core"}),
    "results": frozenset({"core", "store"}),
    "report": frozenset({"core", "store", "results"}),
    "mail": frozenset({"core", "store", "results"}),
    "workflows": frozenset({"core", "store", "results", "report", "mail"}),
    "db": frozenset({"core", "store"}),
    "jobs": frozenset({"core", "store", "results", "report", "mail", "workflows", "db"}),
    "web": frozenset({"core", "store", "results", "report", "mail", "workflows", "db", "jobs"}),
    "cli": frozenset(
        {"core", "store", "results", "report", "mail", "workflows", "db", "jobs", "factory"}
    ),
    "factory": frozenset(LAYERS) - {"factory"},
}

#: Within the store layer, nothing of the engine: the store reads and writes rows (its
#: records and the floors' defaults come from ``answers`` and ``vocab``).
STORE_MAY_USE_OF_CORE = frozenset(
    {"answers", "questionnaire", "scores", "vocab", "review_calendar", "clock", "lru", "passwords"}
) | {"evidence", "currencies"}  # the Invoice and Incident records the evidence store keeps


def layer_of(name: str) -> str:
    first = "__init__" if name == "assessment" else name.split(".")[1]
    for layer, heads in LAYERS.items():
        if first in heads:
            return layer
    raise LookupError(f"{name} belongs to no layer: add it to LAYERS in {__file__}")


def test_every_module_has_a_layer():
    unplaced = []
    for name in modules():
        try:
            layer_of(name)
        except LookupError:
            unplaced.append(name)
    assert not unplaced, unplaced


def test_the_layer_table_is_kept():
    broken = sorted(
        f"{name} ({layer_of(name)}) imports {other} ({layer_of(other)})"
        for name in modules()
        for other in imports(name)[0]
        if layer_of(other) != layer_of(name) and layer_of(other) not in MAY_IMPORT[layer_of(name)]
    )
    assert not broken, broken


def test_the_store_imports_nothing_of_the_engine():
    broken = sorted(
        f"{name} imports {other}"
        for name in modules()
        if layer_of(name) == "store"
        for other in imports(name)[0]
        if layer_of(other) == "core" and other.split(".")[1] not in STORE_MAY_USE_OF_CORE
    )
    assert not broken, broken


def test_report_and_mail_need_neither_settings_nor_web():
    """A PDF or a message is made from the command line or the worker: no request, no web
    app, no settings module (paths come from the ``paths`` leaf)."""
    for name in modules():
        if layer_of(name) in ("report", "mail"):
            reach = reached(name)
            assert "assessment.settings" not in reach, name
            assert not any(m.startswith("assessment.web") for m in reach), name
