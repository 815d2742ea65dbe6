"""Every example compiles, passes cfn-lint with zero errors, and matches its golden templates.

Golden files live in tests/golden/<example>/ and are regenerated only on
purpose: `UPDATE_GOLDEN=1 python -m pytest tests/test_examples.py`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from compiler.pipeline import OK, compile_spec

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))

GOLDEN = ROOT / "tests" / "golden"
UPDATE = bool(os.environ.get("UPDATE_GOLDEN"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example_compiles_lint_clean_and_matches_golden(example, tmp_path):
    result = compile_spec(str(example), str(tmp_path))
    assert result.status == OK, "\n".join(d.format() for d in result.diagnostics)
    assert [d for d in result.diagnostics if d.severity == "error"] == []
    written = {p.name: p.read_text() for p in result.output.iterdir()}
    assert written == result.files
    golden = GOLDEN / example.stem
    if UPDATE:
        golden.mkdir(parents=True, exist_ok=True)
        for old in golden.iterdir():
            old.unlink()
        for name, text in written.items():
            (golden / name).write_text(text)
    expected = {p.name: p.read_text() for p in golden.iterdir()} if golden.exists() else {}
    assert sorted(written) == sorted(expected), "templates differ from golden set (UPDATE_GOLDEN=1 to accept)"
    for name in written:
        assert written[name] == expected[name], f"{example.stem}/{name} differs from its golden file"


def test_examples_cover_every_networking_pattern():
    names = {p.stem for p in EXAMPLES}
    assert {"complete", "private-endpoints", "private-nat", "public-tasks"} <= names


def _compile_in_subprocess(example: Path, out: Path, seed: str) -> dict[str, bytes]:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    subprocess.run(
        [sys.executable, "-m", "compiler", str(example), "--output-dir", str(out), "--no-lint"],
        check=True, env=env, cwd=ROOT, capture_output=True,
    )
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", ["complete", "event-driven"])
def test_output_is_byte_for_byte_deterministic(tmp_path, name):
    """Two compiles in fresh interpreters with different hash seeds give identical bytes."""
    example = ROOT / "examples" / f"{name}.yaml"
    first = _compile_in_subprocess(example, tmp_path / "a", "1")
    second = _compile_in_subprocess(example, tmp_path / "b", "2")
    assert first and first == second
