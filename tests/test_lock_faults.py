"""The lock file and the output directory under faults (#22): a damaged or unreadable lock is
never used in part and never overwritten, other environments' records are never dropped,
reading is bounded, and `<app>-<env>/` is always there whatever moment a compile is killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compiler.cli import main
from compiler.state import lockfile

ROOT = Path(__file__).resolve().parent.parent
SPEC = (ROOT / "examples" / "environments.yaml").read_text()


@pytest.fixture
def ws(tmp_path, monkeypatch):
    """A spec with two environments compiled once (both records in its lock), cwd beside it."""
    (tmp_path / "app.yaml").write_text(SPEC)
    monkeypatch.chdir(tmp_path)
    assert main(["app.yaml", "--no-lint", "--no-cache", "--all-envs"]) == 0
    return tmp_path


def lock(ws: Path) -> dict:
    return json.loads((ws / "app.lock.json").read_text())


def outputs(ws: Path) -> dict[str, bytes]:
    return {str(p.relative_to(ws)): p.read_bytes() for p in sorted((ws / "templates_out").rglob("*"))
            if p.is_file()}


def damage(ws: Path, how) -> bytes:
    data = lock(ws)
    how(data["stacks"]["store-dev"])
    text = json.dumps(data).replace('"__nan__"', "NaN")
    (ws / "app.lock.json").write_text(text)
    return text.encode()


def _services(record):
    return record["services"]


DAMAGED = {
    "services is a list": lambda r: r.update(services=[]),
    "key is a number": lambda r: next(iter(_services(r).values())).update(key=7),
    "priority is NaN": lambda r: next(e for e in _services(r).values() if "priority" in e).update(priority="__nan__"),
    "duplicate priority": lambda r: [e.update(priority=1000) for e in _services(r).values()],
    "unknown field": lambda r: r.update(extra=1),
    "subnets overlap": lambda r: r["subnets"]["zones"]["#1"].update(public=r["subnets"]["zones"]["#0"]["public"]),
}


@pytest.mark.parametrize("how", DAMAGED.values(), ids=DAMAGED.keys())
def test_a_damaged_record_falls_back_to_the_output_and_is_not_rewritten(ws, how, capsys):
    before = outputs(ws)
    text = damage(ws, how)
    capsys.readouterr()
    assert main(["app.yaml", "--no-lint", "--no-cache"]) == 0
    err = capsys.readouterr().err
    assert "warning: <lock>" in err and "using the record in templates_out/store-dev/root" in err
    assert outputs(ws) == before                            # nothing re-placed
    assert (ws / "app.lock.json").read_bytes() == text      # never overwritten


@pytest.mark.parametrize("how", DAMAGED.values(), ids=DAMAGED.keys())
def test_a_damaged_record_without_an_output_is_refused_with_the_way_back(ws, how, capsys):
    text = damage(ws, how)
    (ws / "templates_out").rename(ws / "elsewhere")
    capsys.readouterr()
    assert main(["app.yaml", "--no-lint", "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert "git checkout" in err and "get-template" in err and "--reset-lock" in err
    assert not (ws / "templates_out").exists()
    assert (ws / "app.lock.json").read_bytes() == text


UNREADABLE = {
    "conflict markers": "<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> theirs\n",
    "truncated": None,
    "empty": "",
    "a list": "[]",
    "a newer version": '{"version": 2, "stacks": {}}',
    "deep nesting": "[" * 100_000,
    "duplicate keys": '{"version": 1, "stacks": {}, "stacks": {}}',
}


@pytest.mark.parametrize("text", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_an_unreadable_lock_is_never_overwritten(ws, text, capsys):
    path = ws / "app.lock.json"
    if text is None:
        text = path.read_text()[:150]
    path.write_text(text)
    before = outputs(ws)
    assert main(["app.yaml", "--no-lint", "--no-cache", "--env", "prod"]) == 0   # the output stands in
    assert outputs(ws) == before
    assert path.read_text() == text
    (ws / "templates_out").rename(ws / "elsewhere")
    assert main(["app.yaml", "--no-lint", "--no-cache", "--env", "prod"]) == 2
    assert path.read_text() == text


def test_reading_is_bounded(ws, capsys):
    path = ws / "app.lock.json"
    (ws / "templates_out").rename(ws / "elsewhere")
    path.unlink()
    os.mkfifo(path)                      # would block a plain open() for reading
    assert main(["app.yaml", "--no-lint", "--no-cache"]) == 2
    path.unlink()
    path.symlink_to("/dev/zero")         # would read until memory runs out
    assert main(["app.yaml", "--no-lint", "--no-cache"]) == 2
    assert "not a regular file" in capsys.readouterr().err
    path.unlink()
    path.write_bytes(b" " * (lockfile.MAX_BYTES + 1))
    assert main(["app.yaml", "--no-lint", "--no-cache"]) == 2


def test_reset_lock_sets_an_unreadable_lock_aside_and_keeps_other_records(ws, capsys):
    records = lock(ws)["stacks"]
    path = ws / "app.lock.json"
    damage(ws, lambda r: r.update(services=[]))
    assert main(["app.yaml", "--no-lint", "--no-cache", "--reset-lock"]) == 0
    assert lock(ws)["stacks"] == records                     # dev rewritten, prod as it was
    path.write_text("<<<<<<<")
    assert main(["app.yaml", "--no-lint", "--no-cache", "--reset-lock"]) == 0
    assert (ws / "app.lock.json.unreadable").read_text() == "<<<<<<<"
    assert lock(ws)["stacks"] == {"store-dev": records["store-dev"]}


def test_another_environment_s_damaged_record_is_kept_as_written(ws):
    data = lock(ws)
    data["stacks"]["store-prod"] = "x"
    (ws / "app.lock.json").write_text(json.dumps(data))
    spec = (ws / "app.yaml").read_text().replace("count: 2", "count: 3", 1)
    (ws / "app.yaml").write_text(spec)
    assert main(["app.yaml", "--no-lint", "--no-cache"]) == 0
    assert lock(ws)["stacks"]["store-prod"] == "x"


# --- kills and neighbours ------------------------------------------------------------------

def _compile(ws: Path, *extra: str, kill_at: str | None = None, env: str = "dev") -> subprocess.Popen:
    environ = {**os.environ, "PYTHONPATH": str(ROOT)}
    if kill_at:
        environ["FARGATE_COMPILE_TEST_KILL_AT"] = kill_at
    return subprocess.Popen([sys.executable, "-m", "compiler", "app.yaml", "--no-lint", "--no-cache",
                             "--env", env, *extra], cwd=ws, env=environ,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _leftovers(ws: Path) -> list[str]:
    hidden = [p.name for p in (ws / "templates_out").iterdir() if p.name.startswith(".")]
    return hidden + [p.name for p in ws.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("moment", ["staged", "swapped", "lock-staged"])
def test_a_killed_compile_leaves_an_output_and_the_next_one_cleans_up(ws, moment):
    spec = (ws / "app.yaml").read_text().replace("count: 2", "count: 3", 1)
    (ws / "app.yaml").write_text(spec)
    data = lock(ws)
    del data["//"]                                           # so that the lock is rewritten too
    (ws / "app.lock.json").write_text(json.dumps(data))
    process = _compile(ws, kill_at=moment)
    assert process.wait(60) == -signal.SIGKILL
    assert (ws / "templates_out" / "store-dev" / "root.json").is_file()
    assert _leftovers(ws)                                    # what the kill left behind...
    assert _compile(ws).wait(60) == 0
    assert _leftovers(ws) == []                              # ...is gone after the next compile
    assert set(lock(ws)["stacks"]) == {"store-dev", "store-prod"}


def test_two_environments_compiled_at_once_keep_both_records(ws):
    (ws / "app.lock.json").unlink()
    for _ in range(3):
        both = [_compile(ws, env="dev"), _compile(ws, env="prod")]
        assert [p.wait(120) for p in both] == [0, 0], [p.stderr.read() for p in both]
        assert set(lock(ws)["stacks"]) == {"store-dev", "store-prod"}
        assert _leftovers(ws) == []


def test_a_compile_waits_while_a_neighbour_holds_the_lock(ws):
    """The advisory lock (writer.exclusive) on the spec's directory: a compile waits for it."""
    from compiler.writer import compile_scope, exclusive

    before = (ws / "templates_out" / "store-dev" / "root.json").stat().st_mtime_ns
    (ws / "app.yaml").write_text(SPEC.replace("count: 2", "count: 3", 1))
    with exclusive(compile_scope(ws / "app.yaml", ws / "elsewhere")):
        waiting = _compile(ws)
        time.sleep(3)
        assert waiting.poll() is None
        assert (ws / "templates_out" / "store-dev" / "root.json").stat().st_mtime_ns == before
    assert waiting.wait(60) == 0
    assert (ws / "templates_out" / "store-dev" / "root.json").stat().st_mtime_ns != before


def test_a_deployed_root_template_s_record_is_read_whole_or_not_at_all(ws):
    """lockfile.from_template: what a deploy command or a user rebuilding a lost lock reads
    from `get-template` of the root stack."""
    template = json.loads((ws / "templates_out" / "store-dev" / "root.json").read_text())
    assert lockfile.from_template(template) == lock(ws)["stacks"]["store-dev"]
    damaged = json.loads(json.dumps(template))
    next(iter(damaged["Metadata"]["fargate-compile"]["services"].values()))["stack"] = 7
    assert lockfile.from_template(damaged) is None
    assert lockfile.from_template({"Resources": {}}) is None
