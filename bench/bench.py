"""Benchmark: the fargate-compile CLI against the bare cfn-lint CLI, fresh processes on both sides.

    python bench/bench.py [--sizes 2,20,120,300,1000] [--rounds 5] [--big-rounds 1] [--baseline DIR]

For each size N a spec with N services is generated (3 of 4 behind the ALB, at
most MAX_ROUTED of them — one ALB's stack holds ~190 routes, see FC222 — all on
Service Connect, every 10th routed one with request-count autoscaling). Every
figure is a whole fresh process, as a user or CI runs it:

- cold        `python -m compiler SPEC --no-cache`: load, check, build, lint, write
- cfn-lint    `cfn-lint -i W3002 [-a compiler/lint/rules] -- <the same templates>`, the
              baseline: the same ignored check and the same custom rules as the compile
- ratio       cold / cfn-lint. The two run alternately, pair by pair, so load from
              other users of the machine hits both sides; the table shows the ratio of
              the medians and the spread (min-max) of the per-pair ratios
- compile     `--no-lint`: the compile alone
- 1 change    lint cache warm, one service's image tag changed: one template re-linted
- unchanged   the same spec again, output in place: the build record short-cuts it
- peak MB     largest single process (ru_maxrss) and, sampled every 20 ms in the first
              round, the sum of the proportional set size (PSS) of all the command's processes
- CPU         user + system seconds of all the command's processes
- floor       cfn-lint's own work, spread ideally over idle cores, in CPU seconds: a fresh
              interpreter importing cfn-lint and building its rule set (serial, one core),
              plus the rest of the bare cfn-lint run's CPU seconds divided by the cores.
              On a loaded machine compare it with the CPU columns, not the wall times

The compiler is byte-compiled first, as an install is (cfn-lint's is, being installed).
Every command runs from a small helper process that measures it (so ru_maxrss is that
command's alone); from 300 services, compile-only, warm and unchanged run once.
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
RULES_DIR = ROOT / "compiler" / "lint" / "rules"


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


def cfn_lint_script() -> str:
    """The cfn-lint console script installed beside this interpreter (the one the compile
    imports), not one found on PATH: a version manager's shim there (pyenv's) would add
    its own start-up, ~0.1 s, to the baseline."""
    beside = Path(sys.executable).with_name("cfn-lint")
    return str(beside) if beside.exists() else (shutil.which("cfn-lint") or "cfn-lint")


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


def _measure_here(cmd: list[str], cwd: str, env: dict | None, sample: bool) -> dict:
    """Run cmd once from this (fresh) process: wall and CPU seconds of all its processes,
    the largest one's peak RSS (ru_maxrss over every process waited for) and, when
    sampling, the peak of the summed PSS of the command's process group."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    sampler = Sampler(proc.pid) if sample and os.path.exists("/proc/self/smaps_rollup") else None
    _, stderr = proc.communicate()
    wall = time.perf_counter() - start
    pss = sampler.stop() if sampler else 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss / 1024, "pss": pss,
            "code": proc.returncode, "stderr": stderr.decode(errors="replace")[-2000:]}


def run(cmd: list[str], cwd: Path, env: dict | None = None, sample: bool = False, check: bool = True) -> dict:
    """Measure cmd in a fresh helper process (so ru_maxrss is this command's alone)."""
    helper = [sys.executable, __file__, "--one", json.dumps([cmd, str(cwd), env, sample])]
    out = subprocess.run(helper, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    if check and result["code"] != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{result['stderr']}")
    return result


STARTUP_SCRIPT = """
import sys
from cfnlint.config import ConfigMixIn
from cfnlint.runner import Runner
Runner(ConfigMixIn(regions=["us-east-1"], ignore_checks=["W3002"], append_rules=sys.argv[1:]))
"""


def bench_size(n: int | str, rounds: int, work: Path, baseline: Path | None, light: bool) -> dict:
    """One row: N generated services, or (n a path) a spec of the user's, copied here."""
    given = Path(n) if isinstance(n, str) else None
    spec = work / (given.name if given else f"bench{n}.yaml")
    spec.write_text(given.read_text() if given else make_spec(n))
    out = work / f"out{spec.stem}"
    env_cold = dict(os.environ, XDG_CACHE_HOME=str(work / f"nocache{n}"))
    compile_cmd = [sys.executable, "-m", "compiler", str(spec), "--output-dir", str(out)]
    only = run(compile_cmd + ["--no-lint", "--no-cache"], ROOT, env_cold)  # the templates, for cfn-lint
    (target,) = [d for d in out.iterdir() if d.is_dir()]
    files = sorted(map(str, target.glob("*.json")))
    lint_cmd = [cfn_lint_script(), "-i", "W3002", *append_rules(), "--", *files]

    cold, bare, base, loads = [], [], [], []
    for i in range(rounds):
        loads.append(os.getloadavg()[0])
        cold.append(run(compile_cmd + ["--no-cache"], ROOT, env_cold, sample=i == 0))
        bare.append(run(lint_cmd, ROOT, sample=i == 0, check=False))
        if baseline:
            base.append(run(compile_cmd + ["--no-cache"], baseline, env_cold, sample=i == 0))
    pairs = [c["wall"] / b["wall"] for c, b in zip(cold, bare)]

    def median(runs, key="wall"):
        return statistics.median(r[key] for r in runs) if runs else float("nan")

    light_rounds = 1 if light else rounds
    compile_only = median([only] + [run(compile_cmd + ["--no-lint", "--no-cache"], ROOT, env_cold)
                                    for _ in range(light_rounds - 1)])
    env_warm = dict(os.environ, XDG_CACHE_HOME=str(work / f"cache{n}"))
    run(compile_cmd, ROOT, env_warm)  # fills the lint cache and records the build
    unchanged = median([run(compile_cmd, ROOT, env_warm) for _ in range(light_rounds)])
    changed = []
    for i in range(light_rounds if not given else 0):
        spec.write_text(make_spec(n, tag=f"2.{i}"))  # a new value each time: one template not in the cache
        changed.append(run(compile_cmd, ROOT, env_warm))
    if not given:
        spec.write_text(make_spec(n))

    startup = median([run([sys.executable, "-c", STARTUP_SCRIPT, *append_rules()[1:]], ROOT) for _ in range(3)],
                     "cpu")  # CPU seconds: what an idle core takes, whatever the load now
    cores = os.cpu_count() or 1
    bare_cpu = median(bare, "cpu")
    resources = sum(len(json.loads(Path(f).read_text())["Resources"]) for f in files)
    return {
        "n": given.name if given else n, "templates": len(files), "resources": resources,
        "cold": median(cold), "bare": median(bare), "pair_min": min(pairs), "pair_max": max(pairs),
        "base": median(base), "load": statistics.median(loads),
        "cpu_cold": median(cold, "cpu"), "cpu_bare": bare_cpu,
        "compile": compile_only, "changed": median(changed), "unchanged": unchanged,
        "rss": cold[0]["rss"], "pss": cold[0]["pss"], "bare_rss": bare[0]["rss"], "bare_pss": bare[0]["pss"],
        "base_rss": base[0]["rss"] if base else 0, "base_pss": base[0]["pss"] if base else 0,
        # cfn-lint's own work on an idle machine: start, import and rule set (serial), then its
        # lint CPU time (the rest of the bare run's CPU seconds) shared by the cores.
        "floor": startup + max(0.0, bare_cpu - startup) / cores, "startup": startup,
        "lint_cpu": bare_cpu - startup, "rounds": rounds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2,20,120,300,1000")
    parser.add_argument("--specs", default="", help="comma-separated spec files benchmarked too (one row each;"
                                                     " no '1 change' figure)")
    parser.add_argument("--rounds", type=int, default=5, help="pairs per size below 300 services (default 5)")
    parser.add_argument("--big-rounds", type=int, default=1, help="pairs per size from 300 services (default 1)")
    parser.add_argument("--baseline", type=Path, help="another checkout whose CLI is timed cold too")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one command (see run())
    args = parser.parse_args()
    if args.one:
        cmd, cwd, env, sample = json.loads(args.one)
        print(json.dumps(_measure_here(cmd, cwd, env, sample)))
        return
    # Byte-compile the compiler as `pip install` does (cfn-lint's is, being installed): with
    # PYTHONDONTWRITEBYTECODE set, a source checkout would otherwise be compiled on every run.
    for tree in [ROOT] + ([args.baseline] if args.baseline else []):
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "compiler")], check=True,
                       stdout=subprocess.DEVNULL)
    print(f"machine: {machine()}")
    print(f"cfn-lint baseline: {cfn_lint_script()} -i W3002 {' '.join(append_rules())} -- <the compile's templates>")
    print()
    speed = ["| services | templates | resources | fargate-compile cold | bare cfn-lint | ratio (pairs min-max)"
             " | floor | compile only | 1 change, warm | unchanged | rounds |" + (" baseline cold |" if args.baseline else ""),
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if args.baseline else "")]
    cpu = ["| services | fargate-compile CPU (all its processes) | bare cfn-lint CPU | load average during the pairs |",
           "|---:|---:|---:|---:|"]
    memory = ["| services | fargate-compile largest process | all its processes (PSS) | bare cfn-lint |"
              + (" baseline largest process / all (PSS) |" if args.baseline else ""),
              "|---:|---:|---:|---:|" + ("---:|" if args.baseline else "")]
    with tempfile.TemporaryDirectory(prefix="fc-bench-") as tmp:
        sizes = [int(s) for s in args.sizes.split(",") if s]
        specs = [str(Path(s).resolve()) for s in args.specs.split(",") if s]
        for n in sizes + specs:
            big = isinstance(n, int) and n >= 300
            r = bench_size(n, args.big_rounds if big else args.rounds, Path(tmp), args.baseline, light=big)
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
