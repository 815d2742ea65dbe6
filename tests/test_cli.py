"""The command line: exit codes, the error format, and nothing written on failure."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from compiler.cli import main

ROOT = Path(__file__).resolve().parent.parent

ERROR_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): error: (?P<path>\S+): (?P<msg>.+)$")

BAD_SPEC = """\
app: shop
network:
  nat: singel
services:
  web:
    image: nginx
    port: true
    http:
      helthcheck: {path: /}
"""


def _tree(path):
    return sorted(str(p.relative_to(path)) for p in path.rglob("*")) if path.exists() else None


def test_invalid_spec_reports_every_error_located_and_writes_nothing(tmp_path, capsys):
    spec = tmp_path / "bad.yaml"
    spec.write_text(BAD_SPEC)
    out = tmp_path / "out"
    assert main([str(spec), "--output-dir", str(out)]) == 1
    err = capsys.readouterr().err
    lines = [ERROR_LINE.match(line) for line in err.splitlines() if ": error: " in line]
    assert all(lines), err
    found = {(m["path"], int(m["line"])) for m in lines}
    assert ("network.nat", 3) in found
    assert ("services.web.port", 7) in found
    assert ("services.web.http.helthcheck", 9) in found
    assert "did you mean 'healthcheck'" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_failure_leaves_an_existing_output_untouched(tmp_path, capsys):
    out = tmp_path / "out"
    (out / "shop-dev").mkdir(parents=True)
    (out / "shop-dev" / "root.json").write_text("previous")
    spec = tmp_path / "bad.yaml"
    spec.write_text(BAD_SPEC)
    assert main([str(spec), "--output-dir", str(out)]) == 1
    assert _tree(out) == ["shop-dev", "shop-dev/root.json"]
    assert (out / "shop-dev" / "root.json").read_text() == "previous"


def test_json_diagnostics(tmp_path, capsys):
    spec = tmp_path / "bad.yaml"
    spec.write_text(BAD_SPEC)
    assert main([str(spec), "--diagnostics", "json", "--output-dir", str(tmp_path / "o")]) == 1
    found = json.loads(capsys.readouterr().err)
    assert {"code", "severity", "file", "line", "column", "path", "message"} <= set(found[0])
    assert {d["path"] for d in found} >= {"network.nat", "services.web.port"}
    assert all(d["file"] == str(spec) for d in found)


@pytest.mark.parametrize("argv", [[], ["--format", "xml", "x.yaml"], ["--bogus", "x.yaml"]])
def test_usage_errors_exit_2(argv, capsys):
    assert main(argv) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_unreadable_file_exits_2(tmp_path, capsys):
    assert main([str(tmp_path / "missing.yaml")]) == 2
    err = capsys.readouterr().err
    assert "missing.yaml" in err and "Traceback" not in err


def test_success_prints_summary_and_writes_templates(tmp_path, capsys):
    out = tmp_path / "out"
    assert main([str(ROOT / "examples" / "public-tasks.yaml"), "--output-dir", str(out)]) == 0
    stdout = capsys.readouterr().out
    files = _tree(out / "demo-dev")
    assert files == ["alb.json", "network.json", "root.json", "services.json"]
    for name in files:
        assert re.search(rf"{re.escape(name)}\s+\d+ resources\s+[\d.]+ KiB", stdout)


def test_yaml_format_writes_yaml_with_matching_template_urls(tmp_path, capsys):
    out = tmp_path / "out"
    assert main([str(ROOT / "examples" / "public-tasks.yaml"), "--output-dir", str(out),
                 "--format", "yaml", "--no-lint"]) == 0
    root = (out / "demo-dev" / "root.yaml").read_text()
    assert "TemplateURL: ./network.yaml" in root
    assert (out / "demo-dev" / "network.yaml").exists()


def test_python_dash_m_is_the_same_program(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text(BAD_SPEC)
    proc = subprocess.run([sys.executable, "-m", "compiler", str(spec)], capture_output=True, text=True,
                          cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 1
    assert "services.web.port" in proc.stderr and "Traceback" not in proc.stderr


def test_internal_error_is_reported_without_traceback(monkeypatch, tmp_path, capsys):
    from compiler import pipeline

    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(pipeline, "build", boom)  # with lint on, raised in the build process
    monkeypatch.delenv("FARGATE_COMPILE_DEBUG", raising=False)
    for lint in ([], ["--no-lint"]):
        assert main([str(ROOT / "examples" / "complete.yaml"), "--output-dir", str(tmp_path), *lint]) == 3
        err = capsys.readouterr().err
        assert "internal error" in err and "kaboom" in err and "Traceback" not in err
    assert not any(tmp_path.iterdir())  # nothing written


def test_bare_optional_blocks_mean_all_defaults(tmp_path, capsys):
    """`load_balancer:` or `http:` with every setting commented out is the block with its defaults."""
    spec = tmp_path / "bare.yaml"
    spec.write_text(
        "app: bare\n"
        "network:\n  vpc:\n    # cidr: 10.1.0.0/16\n  nat: single\n"
        "load_balancer:\n  # public: false\n"
        "services:\n  web:\n    image: nginx:1.27\n    port: 80\n    http:\n    variables:\n"
    )
    out = tmp_path / "out"
    assert main([str(spec), "--output-dir", str(out), "--no-lint"]) == 0, capsys.readouterr().err
    alb = json.loads((out / "bare-dev" / "alb.json").read_text())
    listener = alb["Resources"]["HttpListener"]["Properties"]
    assert listener["DefaultActions"][0]["Type"] == "forward"  # web took the default route "/"
    network = json.loads((out / "bare-dev" / "network.json").read_text())
    assert network["Resources"]["Vpc"]["Properties"]["CidrBlock"] == "10.0.0.0/16"
