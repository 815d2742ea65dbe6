"""The quick loop, `python -m pytest -m "not e2e and not slow"` (README, "Tests"), stays the suite.

It leaves out the e2e deploys and the tests marked `slow`, and nothing else: every test file
outside tests/e2e/ keeps at least one test in it, except the files listed here whose every
test is slow on purpose. Marking a whole file slow, or a marker expression that selects
nothing, fails this test, so the quick loop cannot shrink silently. The selection is made by
pytest itself (a collection in this process), so what is checked is what the command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QUICK = "not e2e and not slow"
ENTIRELY_SLOW = {"tests/test_self_contained.py"}   # a collection of the suite in a copy, and nothing else


class _Selection:
    """What a collection selects and deselects, by test file."""

    def __init__(self):
        self.selected: list[str] = []
        self.deselected: list[str] = []

    def pytest_deselected(self, items):
        self.deselected += [item.nodeid for item in items]

    def pytest_collection_finish(self, session):
        self.selected = [item.nodeid for item in session.items]


def _collect(marker: str) -> _Selection:
    """The tests a run with `-m MARKER` selects: the project's settings, none of this run's."""
    selection = _Selection()
    path = list(sys.path)
    try:
        status = pytest.main(["--collect-only", "-qq", "-p", "no:cacheprovider", "-o", "addopts=",
                              "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"),
                              "-m", marker, str(ROOT / "tests")], plugins=[selection])
    finally:
        sys.path[:] = path
    assert status == pytest.ExitCode.OK, status
    return selection


def _file(nodeid: str) -> str:
    return nodeid.split("::")[0]


def test_the_quick_loop_keeps_a_test_of_every_file_but_the_entirely_slow_ones(monkeypatch):
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    quick = _collect(QUICK)
    files = {path.relative_to(ROOT).as_posix() for path in (ROOT / "tests").rglob("test_*.py")
             if "e2e" not in path.relative_to(ROOT / "tests").parts}
    kept = {_file(n) for n in quick.selected}
    assert kept <= files                                   # no e2e test in it
    assert files - kept == ENTIRELY_SLOW, "a file lost every test from the quick loop (README, Tests)"
    left_out = {_file(n) for n in quick.deselected}
    assert any(f.startswith("tests/e2e/") for f in left_out) and left_out & files  # e2e and slow ones left out
    # Most of the suite's tests outside tests/e2e/ stay in the quick loop.
    outside = [n for n in quick.selected + quick.deselected if not n.startswith("tests/e2e/")]
    assert len(quick.selected) > 0.8 * len(outside), (len(quick.selected), len(outside))
