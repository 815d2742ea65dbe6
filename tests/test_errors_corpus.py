"""The bad-spec corpus: every file in tests/bad_specs/ is refused with located errors.

Each spec names what it must produce in a header comment,

    # expect: CODE DOTTED.PATH LINE [a fragment of the message or hint]

(several lines when a mistake has several consequences); files that cannot carry
a comment (empty, not UTF-8) are listed in bad_specs/EXPECTED.tsv instead. Every
file goes through the command line in-process (`compiler.cli.main`, what
`python -m compiler` runs) and must exit 1 with `FILE:LINE:COL: error: PATH: MESSAGE`
lines on stderr, the expected finding among them, no traceback, and nothing
under the output directory. A few run as `python -m compiler` subprocesses too,
to prove that the entry point behaves the same. Hostile inputs that are better
made than committed (a 1.5 MiB file, a directory, a missing file, odd path
characters) are generated here.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from compiler import checks
from compiler.spec import environments, loader, schema, variables
from compiler.cli import main
from compiler.diagnostics import Diagnostic

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "bad_specs"
TABLE = CORPUS / "EXPECTED.tsv"
HEADER = re.compile(r"^# expect: (?P<code>FC\d{3}) (?P<path>\S+) (?P<line>\d+)(?: (?P<fragment>.*))?$")
# FILE:LINE:COL: SEVERITY: PATH: MESSAGE, where PATH quotes keys with spaces: services["a b"].port
LINE = re.compile(r'^.+:\d+:\d+: (error|warning): (?:[^\s"]|"(?:[^"\\]|\\.)*")+: .+$')


@dataclass(frozen=True)
class Expect:
    code: str
    path: str
    line: int
    fragment: str = ""


def _from_header(path: Path) -> list[Expect]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    found = []
    for line in text.splitlines():
        match = HEADER.match(line)
        if match:
            found.append(Expect(match["code"], match["path"], int(match["line"]), match["fragment"] or ""))
    return found


def _from_table() -> dict[str, list[Expect]]:
    table: dict[str, list[Expect]] = {}
    for row in TABLE.read_text(encoding="utf-8").splitlines():
        if not row.strip() or row.startswith("#"):
            continue
        name, code, path, line, *fragment = row.split("\t")
        table.setdefault(name, []).append(Expect(code, path, int(line), fragment[0] if fragment else ""))
    return table


def corpus() -> list[tuple[Path, list[Expect]]]:
    table = _from_table()
    return [(path, _from_header(path) + table.get(path.name, [])) for path in sorted(CORPUS.glob("*.yaml"))]


CASES = corpus()


def run(argv: list[str]) -> tuple[int, str, str]:
    """`python -m compiler ARGV`, in-process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def formatted(d: dict) -> str:
    """A JSON diagnostic as the text reporter prints it."""
    return Diagnostic(d["file"], d["line"], d["column"], d["code"], d["path"], d["message"],
                      d["severity"], d["hint"]).format()


def assert_refused(spec: Path, tmp_path: Path, expected: list[Expect]) -> list[dict]:
    """Both reporters: exit 1, located and exactly formatted findings, nothing written (the
    JSON one as a compile runs, the text one with --no-lint: both ways find the same)."""
    out_dir = tmp_path / "out"
    status, stdout, err = run([str(spec), "--output-dir", str(out_dir), "--no-cache", "--diagnostics", "json"])
    assert status == 1, err
    assert "Traceback" not in err and "internal error" not in err
    found = json.loads(err)
    assert found and any(d["severity"] == "error" for d in found)
    for d in found:
        assert d["file"] == str(spec)
        assert d["line"] >= 1 and d["column"] >= 1 and d["path"] and d["message"]
    located = {(d["code"], d["path"], d["line"]) for d in found}
    for want in expected:
        hits = [d for d in found if (d["code"], d["path"], d["line"]) == (want.code, want.path, want.line)]
        assert hits, f"{spec.name}: expected {want}, got {sorted(located)}"
        assert any(want.fragment in f"{d['message']} ({d['hint']})" for d in hits), (want, hits)

    # The text reporter, on the path without lint workers (the build in this process): it must
    # print exactly the findings of the run above, whose build ran in a child (lint/childproc.py).
    status, stdout, err = run([str(spec), "--output-dir", str(out_dir), "--no-cache", "--no-lint"])
    assert status == 1 and stdout == ""
    lines = err.splitlines()
    errors = [d for d in found if d["severity"] == "error"]
    assert lines[:-1] == [formatted(d) for d in found]
    assert lines[-1] == f"{spec}: {len(errors)} error{'s' if len(errors) != 1 else ''}; nothing was written"
    for line in lines[:-1]:
        assert line.startswith(f"{spec}:") and LINE.match(line), line
    assert not out_dir.exists()
    return found


# --- the committed corpus -------------------------------------------------------------------

def test_corpus_is_large_and_every_file_has_an_expectation():
    assert len(CASES) >= 50
    assert [path.name for path, expected in CASES if not expected] == []
    listed = set(_from_table())
    assert listed <= {path.name for path, _ in CASES}, "EXPECTED.tsv names a file that does not exist"


def test_corpus_covers_every_rule():
    codes = {e.code for _, expected in CASES for e in expected} | {"FC003"}  # FC003 is made below
    warning_only = {"FC220", "FC262"}  # never fail a compile, so no bad spec can show them
    assert {rule.CODE for rule in checks.RULES} - warning_only <= codes
    assert set(loader.CODES) - {"FC014"} <= codes   # FC014 is a warning: tests/test_loader.py
    assert set(schema.CODES) <= codes
    # FC293 (a control character in a ${NAME}'s value) needs a value from --var or the process
    # environment: no spec file alone can show it (tests/test_feature_fixes.py does).
    assert (set(variables.CODES) - {"FC293"}) | set(environments.CODES) <= codes


@pytest.mark.parametrize("spec, expected", CASES, ids=[path.name for path, _ in CASES])
def test_bad_spec_is_refused_with_located_errors(spec, expected, tmp_path):
    assert_refused(spec, tmp_path, expected)


# --- hostile inputs made at test time ---------------------------------------------------------

def test_oversized_file_is_refused_before_parsing(tmp_path):
    spec = tmp_path / "huge.yaml"
    valid = (CORPUS / "typo-service-key.yaml").read_bytes()
    spec.write_bytes(valid + b"#" * (3 * 1024 * 1024 // 2))   # 1.5 MiB
    assert_refused(spec, tmp_path, [Expect("FC003", "<root>", 1, "larger than")])


@pytest.mark.parametrize("name", ["with space.yaml", "ünïcödé spec.yaml", "colon:in:name.yaml",
                                  "-dash-first.yaml", "semi;quote'.yaml"])
def test_unusual_file_names_are_reported_as_given(name, tmp_path):
    source = CORPUS / "fc201-memory.yaml"
    spec = tmp_path / name
    shutil.copyfile(source, spec)
    assert_refused(spec, tmp_path, _from_header(source))


@pytest.mark.parametrize("make", ["missing", "directory", "dangling-link"])
def test_unreadable_spec_exits_2_naming_it(make, tmp_path):
    spec = tmp_path / "spec.yaml"
    if make == "directory":
        spec.mkdir()
    elif make == "dangling-link":
        spec.symlink_to(tmp_path / "nowhere.yaml")
    status, stdout, err = run([str(spec), "--output-dir", str(tmp_path / "out")])
    assert status == 2
    assert err.startswith("fargate-compile: error: cannot read ") and str(spec) in err
    assert "Traceback" not in err and stdout == ""
    assert not (tmp_path / "out").exists()


def test_unwritable_output_directory_exits_2(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    spec = ROOT / "examples" / "public-tasks.yaml"
    status, _, err = run([str(spec), "--output-dir", str(blocker), "--no-lint"])
    assert status == 2 and "cannot write" in err and "Traceback" not in err
    assert blocker.read_text() == "not a directory"


# --- the same through `python -m compiler` ---------------------------------------------------

SUBPROCESS_SAMPLE = ["typo-healthcheck.yaml", "fc201-memory.yaml", "yaml-billion-laughs.yaml",
                     "latin1.yaml", "empty.yaml"]


@pytest.mark.slow
@pytest.mark.parametrize("name", SUBPROCESS_SAMPLE)
def test_python_dash_m_behaves_like_the_in_process_run(name, tmp_path):
    spec = CORPUS / name
    argv = [str(spec), "--output-dir", str(tmp_path / "out"), "--no-cache"]
    proc = subprocess.run([sys.executable, "-m", "compiler", *argv], capture_output=True, text=True,
                          cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == run(argv)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_odd_keys_give_unambiguous_one_line_paths(tmp_path):
    spec = tmp_path / "odd.yaml"
    spec.write_text('app: shop\n"odd key": 1\n"": 2\nservices:\n  web: {image: nginx, port: 80, "multi\\nline": 1}\n')
    found = assert_refused(spec, tmp_path, [Expect("FC100", '["odd key"]', 2), Expect("FC100", '[""]', 3),
                                            Expect("FC100", 'services.web["multi\\nline"]', 5)])
    assert len(found) == 3


def test_a_line_break_in_a_value_stays_on_the_finding_line(tmp_path):
    spec = tmp_path / "break.yaml"
    spec.write_text('app: shop\ntags: {note: "two\\nlines"}\nservices:\n  web: {image: nginx, port: 80}\n')
    [found] = assert_refused(spec, tmp_path, [Expect("FC218", "tags.note", 2, "two\nlines")])
    assert "\n" in found["message"]    # the JSON keeps the value; the text line escapes it
