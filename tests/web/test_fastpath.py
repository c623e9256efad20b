"""The fast path's table: every cache of the app is in it, and all use the one helper."""

from __future__ import annotations

import ast
from pathlib import Path

import assessment
from assessment.web import fastpath

PACKAGE = Path(assessment.__file__).parent
FASTPATH = Path(fastpath.__file__).parent
#: What makes a cache: the helper, and what the helper replaced.
MAKERS = {"LRUCache", "cached", "lru_cache", "cache", "OrderedDict"}
HELPER = {"LRUCache", "cached"}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else None


def _dotted(path: Path) -> str:
    """A module's name as the table writes it: from the fast path's package if in it,
    else from ``assessment``."""
    base = FASTPATH if FASTPATH in path.parents else PACKAGE
    return ".".join(path.relative_to(base).with_suffix("").parts)


def cache_sites() -> dict[str, set[str]]:
    """Each place that makes a cache, as ``module.top_level_name``, with its makers."""
    sites: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "lru.py":  # the helper itself
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for statement in tree.body:
            if isinstance(statement, ast.FunctionDef | ast.ClassDef):
                owner = statement.name
            elif isinstance(statement, ast.Assign | ast.AnnAssign):
                targets = statement.targets if isinstance(statement, ast.Assign) else []
                target = targets[0] if targets else getattr(statement, "target", None)
                owner = _name(target) if target is not None else None
            else:
                continue
            found = {
                name
                for node in ast.walk(statement)
                if isinstance(node, ast.Call | ast.Name | ast.Attribute)
                and (name := _name(node)) in MAKERS
                and not (
                    isinstance(node, ast.Name) and name == "cache" and not _decorates(tree, node)
                )
            }
            if found and owner:
                sites.setdefault(f"{_dotted(path)}.{owner}", set()).update(found)
    return sites


def _decorates(tree: ast.Module, node: ast.Name) -> bool:
    """``cache`` as a bare name counts only as a decorator (functools.cache)."""
    return any(
        node in getattr(definition, "decorator_list", ())
        for definition in ast.walk(tree)
        if isinstance(definition, ast.FunctionDef)
    )


def test_the_sites_are_found():
    sites = cache_sites()
    assert sites["answer_page._compiled_page"] == {"LRUCache"}
    assert sites["csrf_tokens._signed"] == {"cached"}
    assert sites["report.pdf.font_config"] == {"lru_cache"}


def test_every_cache_of_the_app_is_in_the_table():
    table = fastpath.__doc__
    missing = [site for site in cache_sites() if f"``{site}``" not in table and site not in table]
    assert missing == [], "add these caches to the table in web/fastpath/__init__.py"


def test_every_cache_uses_the_one_helper_but_values_computed_once():
    """functools.lru_cache only for the values computed once per process that the table
    names as not caches; OrderedDict nowhere (the helper is the one LRU)."""
    not_caches = fastpath.__doc__.split("Not caches", 1)[1]
    others = {
        site: makers - HELPER
        for site, makers in cache_sites().items()
        if makers - HELPER and f"``{site}``" not in not_caches
    }
    assert others == {}


def test_every_module_of_the_fast_path_is_described():
    for path in FASTPATH.glob("*.py"):
        if path.stem != "__init__":
            assert f"``{path.stem}``" in fastpath.__doc__, path.stem
