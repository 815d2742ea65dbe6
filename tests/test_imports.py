"""Every compiler module can be the first one imported: no import cycle hides behind import order.

A cycle shows only when a module on it is imported before the others (the whole suite once
passed while `pytest tests/test_stack_services.py` alone failed). One child interpreter
imports each module from a clean slate of `compiler.*` modules.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

_IMPORT_EACH = """\
import importlib, sys, traceback
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "compiler" or m.startswith("compiler.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception:
        failed.append(name + ": " + traceback.format_exc(limit=0).strip())
print("\\n".join(failed))
"""


def _modules() -> list[str]:
    names = []
    for path in sorted((ROOT / "compiler").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


@pytest.mark.slow
def test_every_module_imports_first():
    modules = _modules()
    assert "compiler.stacks.services" in modules and "compiler.checks" in modules
    run = subprocess.run([sys.executable, "-c", _IMPORT_EACH, *modules], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "", run.stdout


# The stages, lowest first. A package may import its own modules and any package of a
# lower layer, never one of its own layer or above: so the tree reads as the data flows,
# and a stage can be understood (and tested) without the ones that consume it.
LAYERS = (
    {"model", "diagnostics", "errors", "writer"},  # the ground every stage shares
    {"aws"},                                       # facts about AWS
    {"state"},                                     # lock file, placement, subnets, routing, naming
    {"spec", "stacks"},                            # spec front end; model -> troposphere
    {"checks", "lint"},                            # cross-field rules (they ask stacks for names); cfn-lint
    {"pipeline"},                                  # load -> ... -> write, composed
    {"diff", "plan", "importers"},                 # what reads specs and templates whole
    {"deploy"},                                    # to AWS (the only boto3 user): reads diff's results
    {"cli"},                                       # the commands
    {"__main__"},                                  # python -m compiler
)


def _imports_by_package(root: Path = ROOT) -> dict[tuple[str, str], set[str]]:
    """(package, module path) -> the compiler packages it imports, at any depth of the file
    (function-level imports count: they are dependencies all the same)."""
    import ast

    found: dict[tuple[str, str], set[str]] = {}
    for path in sorted((root / "compiler").rglob("*.py")):
        parts = path.relative_to(root / "compiler").with_suffix("").parts
        if parts == ("__init__",):
            continue
        package = parts[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module == "compiler":
                    targets |= {alias.name for alias in node.names} - {"__version__"}
                elif node.module.startswith("compiler."):
                    targets.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                targets |= {a.name.split(".")[1] for a in node.names if a.name.startswith("compiler.")}
        found[(package, str(path.relative_to(root)))] = targets - {package}
    return found


def test_no_package_imports_one_above_it():
    layer = {package: depth for depth, packages in enumerate(LAYERS) for package in packages}
    imports = _imports_by_package()
    unknown = {package for package, _ in imports} - set(layer)
    assert not unknown, f"add these packages to LAYERS: {sorted(unknown)}"
    upward = [f"{path} imports compiler.{target} ({package} is layer {layer[package]}, "
              f"{target} layer {layer[target]})"
              for (package, path), targets in imports.items() for target in sorted(targets)
              if layer[target] >= layer[package]]
    assert upward == [], "\n".join(upward)


def test_the_layer_check_sees_a_late_import(tmp_path):
    """The check above can fail: a function-level import of the pipeline from state is seen."""
    (tmp_path / "compiler" / "state").mkdir(parents=True)
    (tmp_path / "compiler" / "state" / "x.py").write_text("def f():\n    from compiler import pipeline\n")
    assert _imports_by_package(tmp_path) == {("state", "compiler/state/x.py"): {"pipeline"}}
