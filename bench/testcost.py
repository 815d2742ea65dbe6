"""Where the test suite's time and memory go: CPU seconds and memory per test and per file.

As a pytest plugin (bench/ on PYTHONPATH), every test process (each xdist worker) appends
one line per test phase to TESTCOST_OUT (JSON lines): the test, its phase (setup, call,
teardown: a module fixture's cost lands in its first test's setup), the wall seconds, the
CPU seconds of the process itself and of the children it waited for (checkov, lint pools,
`compiler deploy`; the e2e tests' AWS CLI commands, which a zygote forks, as it reports
them: tests/e2e/aws_cli.py), and the process's RSS after it:

    TESTCOST_OUT=/tmp/cost.jsonl PYTHONPATH=.:bench python -m pytest -p testcost
    python bench/testcost.py /tmp/cost.jsonl          # per file, most CPU first
    python bench/testcost.py /tmp/cost.jsonl --tests  # per test phase, the 40 costliest

On a loaded machine compare CPU seconds, not wall seconds. TESTCOST_TRIM=1 runs the garbage
collector and glibc's malloc_trim after every test before measuring: RSS that this brings
down was garbage or free heap, not state a test keeps.
"""
from __future__ import annotations

import json
import os
import resource
import sys
import time

import pytest


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The e2e tests' AWS CLI commands are children of a zygote (tests/e2e/aws_cli.py), counted
    # in RUSAGE_CHILDREN only when it is reaped: until then it reports them itself.
    aws_cli = sys.modules.get("aws_cli")
    unreaped = aws_cli.unreaped_cpu_seconds() if hasattr(aws_cli, "unreaped_cpu_seconds") else 0.0
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime + unreaped


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    yield from _measured(item, "setup")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    yield from _measured(item, "call")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    yield from _measured(item, "teardown")


def _measured(item, phase):
    out = os.environ.get("TESTCOST_OUT")
    wall, (own, kids) = time.monotonic(), _cpu()
    yield
    if not out:
        return
    if os.environ.get("TESTCOST_TRIM") and phase == "teardown":
        import ctypes, gc
        gc.collect()
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    own2, kids2 = _cpu()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    line = {"test": item.nodeid, "phase": phase, "worker": worker, "wall": round(time.monotonic() - wall, 3),
            "cpu": round(own2 - own, 3), "children_cpu": round(kids2 - kids, 3), "rss_mb": round(_rss_mb())}
    with open(out, "a") as f:
        f.write(json.dumps(line) + "\n")


def main(argv: list[str]) -> None:
    rows = [json.loads(line) for line in open(argv[0])]
    if "--tests" in argv:
        rows.sort(key=lambda r: -(r["cpu"] + r["children_cpu"]))
        for r in rows[:40]:
            print(f"{r['cpu'] + r['children_cpu']:7.1f} cpu {r['wall']:7.1f} wall {r['rss_mb']:5} MB "
                  f"{r['worker']} {r['phase']} {r['test']}")
        return
    files: dict[str, dict] = {}
    for r in rows:
        f = files.setdefault(r["test"].split("::")[0], {"cpu": 0.0, "kids": 0.0, "wall": 0.0, "rss": 0, "n": 0})
        f["cpu"] += r["cpu"]; f["kids"] += r["children_cpu"]; f["wall"] += r["wall"]
        f["rss"] = max(f["rss"], r["rss_mb"]); f["n"] += r["phase"] == "call"
    total = sum(f["cpu"] + f["kids"] for f in files.values())
    print(f"{'cpu s':>7} {'own':>7} {'kids':>7} {'wall s':>7} {'maxRSS':>6} tests file   (total {total:.0f} cpu s)")
    for name, f in sorted(files.items(), key=lambda kv: -(kv[1]["cpu"] + kv[1]["kids"])):
        print(f"{f['cpu'] + f['kids']:7.1f} {f['cpu']:7.1f} {f['kids']:7.1f} {f['wall']:7.1f} {f['rss']:6} {f['n']:5} {name}")


if __name__ == "__main__":
    main(sys.argv[1:])
