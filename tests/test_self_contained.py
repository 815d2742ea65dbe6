"""The suite needs nothing outside the repository.

The repository's files (what git tracks, plus new files not yet added and not
ignored) are copied into an empty temporary folder, with nothing beside the copy,
and the suite is collected there: a test module that reads a path outside the
repository (../shared, a home directory, another checkout) at import or
parametrization fails to collect, and so fails this test. CI runs it on a clone
that has ../shared beside it, where such a path would otherwise go unnoticed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow  # a collection of the whole suite in a copy (~10 CPU s)


def repository_files() -> list[str] | None:
    try:
        run = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=ROOT, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return [name for name in run.stdout.decode().split("\0") if name and (ROOT / name).is_file()]


def test_the_suite_collects_in_a_copy_with_nothing_beside_it(tmp_path):
    files = repository_files()
    if files is None:
        pytest.skip("not a git checkout: the repository's files are unknown")
    assert "tests/test_self_contained.py" in files
    copy = tmp_path / "repo"  # tmp_path holds nothing else
    for name in files:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, copy / name)
    # Hypothesis's cache of Python's Unicode tables (not an input of any test): without it the
    # collection of tests/test_fuzz.py recomputes the UTF-8 table, ~190 MB for ~2 s.
    unicode_data = ROOT / ".hypothesis" / "unicode_data"
    if unicode_data.is_dir():
        shutil.copytree(unicode_data, copy / ".hypothesis" / "unicode_data")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "FC_E2E_"))}
    env["PYTHONPATH"] = str(copy)  # the copy's compiler, not an installed one
    # -q on top of addopts' -q: one line per test module, "tests/test_x.py: <count>".
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-n", "0", "-p", "no:cacheprovider"],
        cwd=copy, env=env, capture_output=True, text=True, timeout=300,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output  # 2: a module failed to import or collect
    modules = {line.split(": ")[0] for line in run.stdout.splitlines() if ": " in line}
    expected = {n for n in files if n.startswith("tests/") and Path(n).name.startswith("test_")
                and n.endswith(".py")}
    assert expected and modules == expected, output
