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

from builds import all_builds
from compiler.pipeline import OK, compile_spec

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
BUILDS = all_builds(EXAMPLES)

GOLDEN = ROOT / "tests" / "golden"
UPDATE = bool(os.environ.get("UPDATE_GOLDEN"))


@pytest.mark.parametrize("build", BUILDS, ids=str)
def test_example_compiles_and_matches_golden(build, tmp_path):
    result = compile_spec(str(build.spec), str(tmp_path), env=build.env, values=build.values, lint=False)
    assert result.status == OK, "\n".join(d.format() for d in result.diagnostics)
    assert [d for d in result.diagnostics if d.severity == "error"] == []
    written = {p.name: p.read_text() for p in result.output.iterdir()}
    assert written == result.files
    golden = GOLDEN / build.id
    if UPDATE:
        golden.mkdir(parents=True, exist_ok=True)
        for old in golden.iterdir():
            old.unlink()
        for name, text in written.items():
            (golden / name).write_text(text)
    expected = {p.name: p.read_text() for p in golden.iterdir()} if golden.exists() else {}
    assert sorted(written) == sorted(expected), "templates differ from golden set (UPDATE_GOLDEN=1 to accept)"
    for name in written:
        assert written[name] == expected[name], f"{build.id}/{name} differs from its golden file"


@pytest.mark.slow  # cfn-lint over every example's templates: ~15 CPU s of a cold run
@pytest.mark.parametrize("build", BUILDS, ids=str)
def test_example_is_lint_clean(build, tmp_path):
    """The same compile with cfn-lint and our rules (the golden templates, by the test above)."""
    result = compile_spec(str(build.spec), str(tmp_path), env=build.env, values=build.values)
    assert result.status == OK, "\n".join(d.format() for d in result.diagnostics)
    assert [d for d in result.diagnostics if d.severity == "error"] == []


def test_examples_cover_every_networking_pattern():
    names = {p.stem for p in EXAMPLES}
    assert {"complete", "private-endpoints", "private-nat", "public-tasks"} <= names


def test_examples_cover_environments_and_outside_values():
    """environments.yaml is compiled for dev and prod; ci-image-tag.yaml with its --var."""
    ids = {b.id: b for b in BUILDS}
    assert {"environments", "environments--prod", "ci-image-tag"} <= set(ids)
    assert ids["ci-image-tag"].values == {"IMAGE_TAG": "2026.11.27-4f2a9c1"}


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
