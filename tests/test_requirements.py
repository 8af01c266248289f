"""Every package the product imports is installed by requirements.txt, which `make run` and the Docker image
install: CI installs the development tools too, so a runtime import of a tool's package (scikit-image was one)
passed every test and failed on a fresh machine. Reads the imports of webapp/, search/, catalog/ and matching/
and the distributions requirements.txt brings in, with their own dependencies."""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("webapp", "search", "catalog", "matching")


def imported_modules() -> dict[str, str]:
    """Top-level modules the product imports (not its own, not the standard library), each with a file importing it."""
    found: dict[str, str] = {}
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in PRODUCT:
                        found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def installed_by_requirements() -> set[str]:
    """The distributions requirements.txt names, with everything they require (their requested extras too)."""
    lines = (line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines())
    todo = [Requirement(line) for line in lines if line and not line.startswith("-")]
    seen: set[str] = set()
    while todo:
        wanted = todo.pop()
        name = canonicalize_name(wanted.name)
        if name in seen:
            continue
        seen.add(name)
        for text in metadata.requires(wanted.name) or []:
            needed = Requirement(text)
            extras = [{"extra": extra} for extra in wanted.extras] or [{"extra": ""}]
            if needed.marker is None or any(needed.marker.evaluate(environment) for environment in extras):
                todo.append(needed)
    return seen


def test_every_package_the_product_imports_is_a_runtime_requirement():
    distributions = metadata.packages_distributions()
    runtime = installed_by_requirements()
    missing = {
        module: where
        for module, where in imported_modules().items()
        if not {canonicalize_name(name) for name in distributions.get(module, [module])} & runtime
    }
    assert missing == {}, f"imported by the product but not installed by requirements.txt: {missing}"
