"""The CI and editor surface: `check`, `schema`, `--diagnostics sarif` on every command.

SARIF output is validated against the official SARIF 2.1.0 JSON Schema (OASIS, shipped in
tests/data/, see tests/data/README.md), and every result must sit on the line and column
the text diagnostics give.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from compiler import __version__
from compiler.cli import main

ROOT = Path(__file__).resolve().parent.parent
COMPLETE = ROOT / "examples" / "complete.yaml"
SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
TEXT_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<level>error|warning): (?P<rest>.+)$")

# Schema mistakes on three lines: an enum, a type, an unknown key.
SEVERAL_ERRORS = """\
app: shop
network:
  nat: singel
services:
  web:
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1
    port: true
    http:
      helthcheck: {path: /}
"""
# Cross-field mistakes (checked once the schema passes): a cpu/memory pair, http without an ALB.
CROSS_FIELD_ERRORS = """\
app: shop
services:
  web:
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1
    port: 80
    http: {path: /}
  api:
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1
    port: 80
    cpu: 256
    memory: 4096
"""
EXPECTED_CODES = {SEVERAL_ERRORS: {3: "FC103", 7: "FC101", 9: "FC100"},
                  CROSS_FIELD_ERRORS: {6: "FC207", 11: "FC201"}}


def sarif_errors(log: dict) -> list[str]:
    validator = jsonschema.Draft4Validator(SARIF_SCHEMA)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]


def write(tmp_path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def text_diagnostics(capsys, argv) -> list[dict]:
    main(argv + ["--diagnostics", "text"])
    found = []
    for line in capsys.readouterr().err.splitlines():
        m = TEXT_LINE.match(line)
        if m:
            found.append(m.groupdict())
    return found


def test_the_shipped_sarif_schema_is_the_official_one():
    jsonschema.Draft4Validator.check_schema(SARIF_SCHEMA)
    assert SARIF_SCHEMA["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    # A log the schema must refuse: proof that validation below is not vacuous.
    assert sarif_errors({"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": []}]})
    assert sarif_errors({"version": "2.2", "runs": []})


@pytest.mark.parametrize("command", [[], ["plan"], ["check"]])
@pytest.mark.parametrize("text", [SEVERAL_ERRORS, CROSS_FIELD_ERRORS], ids=["schema", "cross-field"])
def test_sarif_of_a_spec_with_several_errors(tmp_path, capsys, monkeypatch, command, text):
    monkeypatch.chdir(tmp_path)  # results use paths relative to the working directory, as in CI
    spec = write(tmp_path, "specs/app.yaml", text)
    assert main(command + [str(spec), "--diagnostics", "sarif"]) == 1
    captured = capsys.readouterr()
    log = json.loads(captured.err)  # nothing but the log on stderr
    assert sarif_errors(log) == []
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("fargate-compile", __version__)
    rules = driver["rules"]
    assert len({r["id"] for r in rules}) == len(rules)
    assert all(r["shortDescription"]["text"] and r["help"]["text"] for r in rules)

    expected = text_diagnostics(capsys, command + [str(spec)])
    assert len(expected) >= len(EXPECTED_CODES[text])
    results = run["results"]
    assert [(r["locations"][0]["physicalLocation"]["region"]["startLine"],
             r["locations"][0]["physicalLocation"]["region"]["startColumn"], r["level"]) for r in results] == [
        (int(e["line"]), int(e["col"]), e["level"]) for e in expected]
    for result in results:
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "specs/app.yaml"
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    lines = {r["locations"][0]["physicalLocation"]["region"]["startLine"]: r["ruleId"] for r in results}
    assert {line: lines.get(line) for line in EXPECTED_CODES[text]} == EXPECTED_CODES[text]
    fc201 = next(r for r in rules if r["id"] == "FC201")
    assert "Fargate" in fc201["shortDescription"]["text"]


def test_sarif_of_a_valid_spec_is_an_empty_log_and_can_go_to_a_file(tmp_path, capsys):
    report = tmp_path / "results.sarif"
    assert main(["check", str(COMPLETE), "--diagnostics", "sarif", "--diagnostics-file", str(report)]) == 0
    log = json.loads(report.read_text())
    assert sarif_errors(log) == [] and log["runs"][0]["results"] == []
    assert main(["check", str(COMPLETE), "--diagnostics-file", str(tmp_path / "missing" / "x.sarif"),
                 "--diagnostics", "sarif"]) == 2


def test_sarif_of_diff_hazards_points_at_the_service(tmp_path, capsys):
    text = COMPLETE.read_text()
    added = text.replace("services:                      # required",
                         "services:\n  aaa:\n    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/a:1\n"
                         "    port: 80\n    http: {path: /aaa/*}\n  #", 1)
    new = write(tmp_path, "new.yaml", added)
    code = main(["diff", str(COMPLETE), str(new), "--diagnostics", "sarif"])
    log = json.loads(capsys.readouterr().err)
    assert sarif_errors(log) == []
    results = log["runs"][0]["results"]
    # Whether adding a service is hazard-free depends on how the compiler assigns rule priorities;
    # the SARIF must agree with the exit status either way.
    assert (code == 4) == bool(results)
    for result in results:
        assert result["ruleId"].startswith("diff/")
        region = result["locations"][0]["physicalLocation"]["region"]
        if "AaaListenerRule" in result["message"]["text"]:
            assert region["startLine"] == added.splitlines().index("  aaa:") + 1


# --- check -----------------------------------------------------------------------------------

def test_check_takes_many_files_and_globs_reports_all_and_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "apps/a/spec.yaml", COMPLETE.read_text())
    write(tmp_path, "apps/b/spec.yaml", SEVERAL_ERRORS)
    write(tmp_path, "apps/c/spec.yaml", "app: shop\nservices: {}\n")
    before = sorted(p for p in tmp_path.rglob("*"))
    assert main(["check", "apps/**/*.yaml"]) == 1
    err = capsys.readouterr().err
    assert "apps/b/spec.yaml:3:" in err and "apps/c/spec.yaml:2:" in err and "apps/a/" not in err
    assert "3 specs checked, 2 invalid" in err
    assert sorted(p for p in tmp_path.rglob("*")) == before
    assert main(["check", "apps/a/spec.yaml", "apps/a/*.yaml"]) == 0  # the same file once
    assert "1 spec checked, 0 invalid" in capsys.readouterr().err
    assert main(["check", "apps/a/spec.yaml", "nothing/*.yaml"]) == 2
    assert "no file matches nothing/*.yaml" in capsys.readouterr().err
    assert main(["check", "apps/missing.yaml"]) == 2


def test_check_never_imports_cfn_lint_nor_builds_templates():
    code = (
        "import sys\n"
        "from compiler.cli import main\n"
        f"rc = main(['check', {str(COMPLETE)!r}])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('cfnlint', 'troposphere'))\n"
        "print(rc, loaded[:3])\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert run.stdout.split("\n")[0].startswith("0 "), run.stderr
    assert "cfnlint" not in run.stdout, run.stdout


# --- schema ----------------------------------------------------------------------------------

def test_schema_prints_the_schema_the_compiler_validates_with(capsys):
    assert main(["schema"]) == 0
    out = capsys.readouterr().out
    assert out == (ROOT / "schemas" / "spec.schema.json").read_text(encoding="utf-8")
    schema = json.loads(out)
    assert schema["$id"] == "urn:fargate-compile:spec:v1"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_sarif_of_import_copilot_warnings(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    manifest = tmp_path / "ws" / "copilot" / "web" / "manifest.yml"
    manifest.parent.mkdir(parents=True)
    (tmp_path / "ws" / "copilot" / ".workspace").write_text("application: shop\n")
    manifest.write_text("name: web\ntype: Load Balanced Web Service\nimage:\n  location: public.ecr.aws/nginx/nginx:1.27\n"
                        "  port: 80\nhttp:\n  path: '/'\n  no_such_key: 1\nnetwork:\n  vpc:\n    placement: private\n")
    assert main(["import-copilot", "ws", "--diagnostics", "sarif", "--output", "spec.yaml"]) == 0
    log = json.loads(capsys.readouterr().err)
    assert sarif_errors(log) == []
    results = log["runs"][0]["results"]
    assert results and all(r["level"] == "warning" for r in results)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert "ws/copilot/web/manifest.yml" in uris
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert all(r["ruleId"] in rules and rules[r["ruleId"]]["shortDescription"]["text"] != r["ruleId"]
               for r in results)


ENVIRONMENTS = ROOT / "examples" / "environments.yaml"


def test_check_and_diff_take_environments(tmp_path, capsys):
    assert main(["check", str(ENVIRONMENTS), "--all-envs"]) == 0
    assert "1 spec checked, 0 invalid environments" in capsys.readouterr().err
    assert main(["check", str(ENVIRONMENTS), "--env", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
    # Both sides compiled for prod: the same templates.
    assert main(["diff", str(ENVIRONMENTS), str(ENVIRONMENTS), "--env", "prod", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert all(not s["added"] and not s["removed"] and not s["modified"] for s in report["stacks"].values())
