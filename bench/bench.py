"""Benchmark: the fargate-compile CLI against the bare cfn-lint CLI, fresh processes on both sides.

    python bench/bench.py [--sizes 2,20,120,300,1000] [--rounds 5] [--big-rounds 1] [--baseline DIR]

For each size N a spec with N services is generated (3 of 4 behind the ALB, at
most MAX_ROUTED of them — one ALB's stack holds ~190 routes, see FC222 — all on
Service Connect, every 10th routed one with request-count autoscaling). Every
figure is a whole fresh process, as a user or CI runs it:

- cold        `python -m compiler SPEC --no-cache`: load, check, build, lint, write
- cfn-lint    `cfn-lint -i W3002 [-a compiler/rules] -- <the same templates>`, the
              baseline: the same ignored check and the same custom rules as the compile
- ratio       cold / cfn-lint. The two run alternately, pair by pair, so load from
              other users of the machine hits both sides; the table shows the ratio of
              the medians and the spread (min-max) of the per-pair ratios
- compile     `--no-lint`: the compile alone
- 1 change    lint cache warm, one service's image tag changed: one template re-linted
- unchanged   the same spec again, output in place: the build record short-cuts it
- peak MB     largest single process (ru_maxrss) and, sampled every 20 ms, the sum of
              the proportional set size (PSS) of all the command's processes
- floor       a fresh interpreter importing cfn-lint and building its rule set (serial,
              one core), plus cfn-lint's own lint CPU time on these templates divided by
              the cores: no compile+lint on this machine can beat it

`--baseline DIR` also times another checkout's CLI cold (e.g. the previous version).
Nothing here is a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_ROUTED = 150
RULES_DIR = ROOT / "compiler" / "rules"


def make_spec(n: int, tag: str = "1.0") -> str:
    lines = [
        f"app: bench{n}",
        "network:",
        "  vpc: {cidr: 10.0.0.0/16, azs: 2}",
        "  nat: single",
        "load_balancer: {public: true}",
        "services:",
    ]
    for i in range(n):
        lines += [
            f"  svc{i:03d}:",
            f"    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/svc{i:03d}:{tag if i == 0 else '1.0'}",
            f"    port: {8000 + i % 50}",
            "    connect: true",
        ]
        if i % 4 != 3 and i * 3 // 4 < MAX_ROUTED:
            lines += [f"    http: {{path: /svc{i:03d}/*}}"]
            if i % 10 == 0:
                lines += ["    count: {range: \"1-4\", cpu_percentage: 60, requests: 500}"]
    return "\n".join(lines) + "\n"


def machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}; load average at start {load:.1f}")


def append_rules() -> list[str]:
    """Our own cfn-lint rules, when there are any: the bare cfn-lint gets them too."""
    has_rules = RULES_DIR.is_dir() and any(p.name != "__init__.py" for p in RULES_DIR.glob("*.py"))
    return ["-a", str(RULES_DIR)] if has_rules else []


class Sampler:
    """Peak summed PSS of a process group, sampled from /proc."""

    def __init__(self, pgid: int):
        self.pgid, self.peak_kb, self._stop = pgid, 0, threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self):
        while not self._stop.is_set():
            total = 0
            for entry in os.listdir("/proc"):
                if not entry.isdigit():
                    continue
                try:
                    if os.getpgid(int(entry)) != self.pgid:
                        continue
                    for line in open(f"/proc/{entry}/smaps_rollup"):
                        if line.startswith("Pss:"):
                            total += int(line.split()[1])
                except (OSError, ValueError):
                    continue
            self.peak_kb = max(self.peak_kb, total)
            self._stop.wait(0.02)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_kb / 1024


CPU = [0.0]  # CPU seconds (user + system, all processes) of the last run()


def run(cmd: list[str], cwd: Path, env: dict | None = None, sample: bool = False) -> tuple[float, float, float]:
    """(wall seconds, peak RSS MB of the largest process, peak summed PSS MB or 0)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    sampler = Sampler(proc.pid) if sample and os.path.exists("/proc/self/smaps_rollup") else None
    _, stderr = proc.communicate()
    wall = time.perf_counter() - start
    pss = sampler.stop() if sampler else 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # max over every process waited for so far
    CPU[0] = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
    if proc.returncode not in (0,) and "cfn-lint" not in cmd[0]:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{stderr.decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024, pss


def peak_rss(cmd: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """ru_maxrss is a running maximum over all children, so measure in a fresh helper process."""
    code = ("import json,subprocess,sys,resource\n"
            "sys.path.insert(0, sys.argv[1]); import bench\n"
            "_, rss, pss = bench.run(json.loads(sys.argv[2]), sys.argv[3], sample=True)\n"
            "print(json.dumps([rss, pss]))\n")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT / "bench"), json.dumps(cmd), str(cwd)],
                         env=env, capture_output=True, text=True, check=True)
    return tuple(json.loads(out.stdout))


FLOOR_SCRIPT = """
import glob, sys, time
from cfnlint.config import ConfigMixIn
from cfnlint.decode.decode import decode_str
from cfnlint.runner import Runner
rules = sys.argv[2:]  # "-" as the directory: nothing to lint
runner = Runner(ConfigMixIn(regions=["us-east-1"], ignore_checks=["W3002"], append_rules=rules))
start = time.process_time()
for path in sorted(glob.glob(sys.argv[1] + "/*.json")):
    template, _ = decode_str(open(path).read())
    list(runner.validate_template(template))
print(time.process_time() - start)
"""


def bench_size(n: int, rounds: int, work: Path, baseline: Path | None) -> dict:
    spec = work / f"bench{n}.yaml"
    spec.write_text(make_spec(n))
    out = work / f"out{n}"
    env_cold = dict(os.environ, XDG_CACHE_HOME=str(work / f"nocache{n}"))
    compile_cmd = [sys.executable, "-m", "compiler", str(spec), "--output-dir", str(out)]
    run(compile_cmd + ["--no-lint", "--no-cache"], ROOT, env_cold)  # the templates, for cfn-lint
    target = out / f"bench{n}-dev"
    files = sorted(map(str, target.glob("*.json")))
    lint_cmd = [shutil.which("cfn-lint") or "cfn-lint", "-i", "W3002", *append_rules(), "--", *files]

    cold, bare, pairs, base, cpu_cold, cpu_bare, loads = [], [], [], [], [], [], []
    for _ in range(rounds):
        loads.append(os.getloadavg()[0])
        c = run(compile_cmd + ["--no-cache"], ROOT, env_cold)[0]
        cpu_cold.append(CPU[0])
        b = run(lint_cmd, ROOT)[0]
        cpu_bare.append(CPU[0])
        cold.append(c)
        bare.append(b)
        pairs.append(c / b)
        if baseline:
            base.append(run(compile_cmd + ["--no-cache"], baseline, env_cold)[0])

    compile_only = statistics.median(run(compile_cmd + ["--no-lint", "--no-cache"], ROOT, env_cold)[0]
                                     for _ in range(rounds))
    env_warm = dict(os.environ, XDG_CACHE_HOME=str(work / f"cache{n}"))
    run(compile_cmd, ROOT, env_warm)  # fills the lint cache and records the build
    unchanged = statistics.median(run(compile_cmd, ROOT, env_warm)[0] for _ in range(rounds))
    changed = []
    for i in range(rounds):
        spec.write_text(make_spec(n, tag=f"2.{i}"))  # a new value each time: one template not in the cache
        changed.append(run(compile_cmd, ROOT, env_warm)[0])
    spec.write_text(make_spec(n))

    rss, pss = peak_rss(compile_cmd + ["--no-cache"], ROOT, env_cold)
    bare_rss, bare_pss = peak_rss(lint_cmd, ROOT, dict(os.environ))
    base_rss, base_pss = peak_rss(compile_cmd + ["--no-cache"], baseline, env_cold) if baseline else (0, 0)

    startup = statistics.median(run([sys.executable, "-c", FLOOR_SCRIPT, "-", *append_rules()[1:]], ROOT)[0]
                                for _ in range(3))  # "-": no templates, so only start, import, rules
    lint_cpu = float(subprocess.run([sys.executable, "-c", FLOOR_SCRIPT, str(target), *append_rules()[1:]],
                                    capture_output=True, text=True, check=True).stdout)
    cores = os.cpu_count() or 1
    resources = sum(len(json.loads(Path(f).read_text())["Resources"]) for f in files)
    return {
        "n": n, "templates": len(files), "resources": resources,
        "cold": statistics.median(cold), "bare": statistics.median(bare),
        "pair_min": min(pairs), "pair_max": max(pairs), "load": statistics.median(loads),
        "cpu_cold": statistics.median(cpu_cold), "cpu_bare": statistics.median(cpu_bare),
        "base": statistics.median(base) if base else None,
        "compile": compile_only, "changed": statistics.median(changed), "unchanged": unchanged,
        "rss": rss, "pss": pss, "bare_rss": bare_rss, "bare_pss": bare_pss, "base_rss": base_rss, "base_pss": base_pss,
        "floor": startup + lint_cpu / cores, "startup": startup, "lint_cpu": lint_cpu, "rounds": rounds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2,20,120,300,1000")
    parser.add_argument("--rounds", type=int, default=5, help="pairs per size below 300 services (default 5)")
    parser.add_argument("--big-rounds", type=int, default=1, help="pairs per size from 300 services (default 1)")
    parser.add_argument("--baseline", type=Path, help="another checkout whose CLI is timed cold too")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"cfn-lint baseline: cfn-lint -i W3002 {' '.join(append_rules())} -- <the compile's templates>")
    print()
    speed = ["| services | templates | resources | fargate-compile cold | bare cfn-lint | ratio (pairs min-max)"
             " | floor | compile only | 1 change, warm | unchanged | rounds |" + (" baseline cold |" if args.baseline else ""),
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if args.baseline else "")]
    cpu = ["| services | fargate-compile CPU (all its processes) | bare cfn-lint CPU | load average during the pairs |",
           "|---:|---:|---:|---:|"]
    memory = ["| services | fargate-compile largest process | all its processes (PSS) | bare cfn-lint |"
              + (" baseline largest / PSS |" if args.baseline else ""),
              "|---:|---:|---:|---:|" + ("---:|" if args.baseline else "")]
    with tempfile.TemporaryDirectory(prefix="fc-bench-") as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            r = bench_size(n, args.rounds if n < 300 else args.big_rounds, Path(tmp), args.baseline)
            row = (f"| {r['n']} | {r['templates']} | {r['resources']} | {r['cold']:.2f} s | {r['bare']:.2f} s"
                   f" | **{r['cold'] / r['bare']:.2f}** ({r['pair_min']:.2f}-{r['pair_max']:.2f})"
                   f" | {r['floor']:.2f} s | {r['compile']:.2f} s | {r['changed']:.2f} s | {r['unchanged']:.2f} s"
                   f" | {r['rounds']} |" + (f" {r['base']:.2f} s |" if args.baseline else ""))
            speed.append(row)
            cpu.append(f"| {r['n']} | {r['cpu_cold']:.2f} s | {r['cpu_bare']:.2f} s | {r['load']:.1f} |")
            memory.append(f"| {r['n']} | {r['rss']:.0f} MB | {r['pss']:.0f} MB | {r['bare_rss']:.0f} MB |"
                          + (f" {r['base_rss']:.0f} / {r['base_pss']:.0f} MB |" if args.baseline else ""))
            print(row, f"  [floor: start+import+rules {r['startup']:.2f} s, lint CPU {r['lint_cpu']:.2f} s;"
                  f" CPU s all processes: compile {r['cpu_cold']:.2f}, cfn-lint {r['cpu_bare']:.2f};"
                  f" load average {r['load']:.1f}]", flush=True)
    print()
    print("\n".join(speed))
    print()
    print("\n".join(cpu))
    print()
    print("\n".join(memory))


if __name__ == "__main__":
    main()
