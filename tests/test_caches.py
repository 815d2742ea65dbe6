"""The lint cache and the unchanged-recompile shortcut: they make compiles faster,
never different, and a broken cache never fails a compile."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from compiler.lint import runner as lint
from compiler.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "public-tasks.yaml"

GOOD = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
BAD = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"Nope": 1}}}})


@pytest.fixture()
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture()
def count_lint_runs(monkeypatch):
    runs = []
    real = lint.lint_text

    def counting(text):
        runs.append(text)
        return real(text)

    monkeypatch.setattr(lint, "lint_text", counting)
    return runs


def test_lint_results_are_cached_by_content(cache_home, count_lint_runs):
    first = lint.lint_templates({"a.json": GOOD, "b.json": BAD}, jobs=1)
    second = lint.lint_templates({"a.json": GOOD, "b.json": BAD}, jobs=1)
    assert first == second
    assert [d.code for d in first] == ["E3002"]  # the bad property, found both times
    assert len(count_lint_runs) == 2  # each content linted once
    lint.lint_templates({"c.json": GOOD + " "}, jobs=1)  # new content: linted again
    assert len(count_lint_runs) == 3


def test_no_cache_lints_every_time(cache_home, count_lint_runs):
    lint.lint_templates({"a.json": GOOD}, use_cache=False, jobs=1)
    lint.lint_templates({"a.json": GOOD}, use_cache=False, jobs=1)
    assert len(count_lint_runs) == 2
    assert not cache_home.exists()


def test_corrupt_cache_entries_are_ignored(cache_home, count_lint_runs):
    lint.lint_templates({"b.json": BAD}, jobs=1)
    for entry in (cache_home / "fargate-compile" / "lint").glob("*.json"):
        entry.write_text("{not json")
    found = lint.lint_templates({"b.json": BAD}, jobs=1)
    assert [d.code for d in found] == ["E3002"]
    assert len(count_lint_runs) == 2


def test_unwritable_cache_never_fails(tmp_path, monkeypatch, count_lint_runs):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert [d.code for d in lint.lint_templates({"b.json": BAD}, jobs=1)] == ["E3002"]


def test_parallel_lint_finds_the_same_as_serial(cache_home):
    texts = {"a.json": GOOD, "b.json": BAD, "c.json": BAD.replace("Topic", "Other")}
    assert lint.lint_templates(texts, use_cache=False, jobs=2) == lint.lint_templates(texts, use_cache=False, jobs=1)


def test_unchanged_recompile_is_skipped_and_any_change_recompiles(cache_home, tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    shutil.copy(EXAMPLE, spec)
    out = tmp_path / "out"
    assert main([str(spec), "--output-dir", str(out)]) == 0
    assert ": compiled," in capsys.readouterr().out
    written = {p.name: p.read_bytes() for p in (out / "demo-dev").iterdir()}

    assert main([str(spec), "--output-dir", str(out)]) == 0
    assert "unchanged since" in capsys.readouterr().out
    assert {p.name: p.read_bytes() for p in (out / "demo-dev").iterdir()} == written

    (out / "demo-dev" / "alb.json").write_text("edited by hand")  # output changed: rebuild
    assert main([str(spec), "--output-dir", str(out)]) == 0
    assert "unchanged since" not in capsys.readouterr().out
    assert (out / "demo-dev" / "alb.json").read_bytes() == written["alb.json"]

    spec.write_text(spec.read_text().replace("port: 80", "port: 8080"))  # spec changed: rebuild
    assert main([str(spec), "--output-dir", str(out)]) == 0
    assert "unchanged since" not in capsys.readouterr().out
    assert (out / "demo-dev" / "services.json").read_bytes() != written["services.json"]

    assert main([str(spec), "--output-dir", str(out), "--no-cache"]) == 0
    assert "unchanged since" not in capsys.readouterr().out


def test_other_options_are_not_mistaken_for_an_unchanged_compile(cache_home, tmp_path, capsys):
    out = tmp_path / "out"
    assert main([str(EXAMPLE), "--output-dir", str(out), "--no-lint"]) == 0
    capsys.readouterr()
    assert main([str(EXAMPLE), "--output-dir", str(out)]) == 0  # now with lint: a real compile
    assert "unchanged since" not in capsys.readouterr().out
