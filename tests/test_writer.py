"""The output directory is an ordinary directory: 0777 minus the umask, like mkdir
(it used to be mkdtemp's 0700, unreadable to other users and CI containers)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from compiler.cli import main
from compiler.writer import write_atomically

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def umask():
    old = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask, directory, file", [(0o022, 0o755, 0o644), (0o027, 0o750, 0o640),
                                                   (0o002, 0o775, 0o664)])
def test_output_directory_follows_the_umask(mask, directory, file, umask, tmp_path):
    umask(mask)
    target = tmp_path / "out" / "app-dev"
    write_atomically({"root.json": "{}\n"}, target)
    assert (_mode(target), _mode(target / "root.json")) == (directory, file)
    write_atomically({"root.json": "{}\n"}, target)  # replacing an earlier output: the same
    assert _mode(target) == directory


def test_compiled_output_is_readable_by_others(umask, tmp_path):
    out = tmp_path / "out"
    assert main([str(ROOT / "examples" / "public-tasks.yaml"), "--output-dir", str(out), "--no-lint"]) == 0
    assert _mode(out / "demo-dev") == 0o755
    assert all(_mode(p) == 0o644 for p in (out / "demo-dev").iterdir())
