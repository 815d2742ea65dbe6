"""Every compiler module can be the first one imported: no import cycle hides behind import order.

A cycle shows only when a module on it is imported before the others (the whole suite once
passed while `pytest tests/test_stack_services.py` alone failed). One child interpreter
imports each module from a clean slate of `compiler.*` modules.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


def test_every_module_imports_first():
    modules = _modules()
    assert "compiler.stacks.services" in modules and "compiler.checks" in modules
    run = subprocess.run([sys.executable, "-c", _IMPORT_EACH, *modules], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "", run.stdout
