"""Benchmark: compile-only vs compile+lint vs bare cfn-lint, side by side, with ratios.

    python bench/bench.py [--sizes 2,10,50,120,300] [--repeat 3]

For each size N a spec with N services is generated (3 of 4 behind the ALB, at
most MAX_ROUTED of them — one ALB's stack holds ~190 routes, see FC222 — all on
Service Connect, every 10th routed one with request-count autoscaling). Then, all in
this one run and on the same templates:

- compile-only   in-process: load, validate, check, build, serialize (no lint)
- compile+lint   in-process with an empty lint cache (cold): the real cost of a first compile
- re-compile     in-process with the lint cache warm: the spec built and written again
- unchanged CLI  `python -m compiler` on a spec compiled before, output in place: the
                 whole command, interpreter start included (the build record short-cuts it)
- cfn-lint CLI   the bare `cfn-lint` command on the same output files (a fresh process,
                 as a user or CI would run it), the baseline the ratios are against
- peak memory    of a fresh `python -m compiler` process (ru_maxrss of the child)

Nothing here is a test: it prints figures and ratios, and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compiler import pipeline  # noqa: E402
from compiler.lint import IGNORED_CHECKS, lint_templates  # noqa: E402


MAX_ROUTED = 150


def make_spec(n: int) -> str:
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
            f"    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/svc{i:03d}:1.0",
            f"    port: {8000 + i % 50}",
            "    connect: true",
        ]
        if i % 4 != 3 and i * 3 // 4 < MAX_ROUTED:
            lines += [f"    http: {{path: /svc{i:03d}/*}}"]
            if i % 10 == 0:
                lines += ["    count: {range: \"1-4\", cpu_percentage: 60, requests: 500}"]
    return "\n".join(lines) + "\n"


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def child_peak_mb(spec: Path, out: Path) -> float:
    """Peak RSS of a fresh compiler process (Linux reports ru_maxrss in KiB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run([sys.executable, "-m", "compiler", str(spec), "--output-dir", str(out), "--no-cache"],
                   check=True, capture_output=True, cwd=ROOT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(before, after) / 1024


def bench_size(n: int, repeat: int, work: Path) -> dict:
    spec = work / f"bench{n}.yaml"
    spec.write_text(make_spec(n))
    out = work / f"out{n}"
    cache = work / f"cache{n}"

    def compile_only():
        app, diags = pipeline.validate(str(spec))
        assert app is not None, [d.format() for d in diags]
        return {f"{s}.json": pipeline.serialize(t) for s, t in pipeline.build_templates(app)}

    files = compile_only()
    t_compile = timed(compile_only, repeat)

    def cold():
        shutil.rmtree(cache, ignore_errors=True)
        os.environ["XDG_CACHE_HOME"] = str(cache)
        result = pipeline.compile_spec(str(spec), str(out))
        assert result.status == pipeline.OK, [d.format() for d in result.diagnostics][:5]

    t_cold = timed(cold, 1)

    def warm():
        os.environ["XDG_CACHE_HOME"] = str(cache)
        pipeline.compile_spec(str(spec), str(out))

    t_warm = timed(warm, repeat)

    def unchanged_cli():
        subprocess.run([sys.executable, "-m", "compiler", str(spec), "--output-dir", str(out)],
                       check=True, capture_output=True, cwd=ROOT, env=dict(os.environ, XDG_CACHE_HOME=str(cache)))

    unchanged_cli()  # records the build (the in-process compiles above do not)
    t_unchanged = timed(unchanged_cli, repeat)

    target = out / f"bench{n}-dev"
    cfn_lint = shutil.which("cfn-lint") or "cfn-lint"
    t_cli = timed(lambda: subprocess.run(
        [cfn_lint, "--ignore-checks", *IGNORED_CHECKS, "--", *sorted(map(str, target.glob("*.json")))],
        capture_output=True, cwd=ROOT), 1)
    return {
        "n": n,
        "templates": len(files),
        "resources": sum(len(__import__("json").loads(t)["Resources"]) for t in files.values()),
        "compile": t_compile,
        "cold": t_cold,
        "warm": t_warm,
        "unchanged": t_unchanged,
        "cli": t_cli,
        "peak_mb": child_peak_mb(spec, work / f"peak{n}"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2,10,50,120,300")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}  repeat: {args.repeat} (median)")
    header = (f"{'services':>8} {'tmpl':>4} {'res':>5} {'compile':>8} {'c+lint':>8} {'recomp':>7} {'unch.CLI':>8}"
              f" {'cfn-lint':>8} {'c+lint/cfn-lint':>15} {'compile/svc':>11} {'peak MB':>7}")
    print(header)
    with tempfile.TemporaryDirectory(prefix="fc-bench-") as tmp:
        for n in sizes:
            r = bench_size(n, args.repeat, Path(tmp))
            print(f"{r['n']:>8} {r['templates']:>4} {r['resources']:>5} {r['compile']:>7.3f}s {r['cold']:>7.2f}s"
                  f" {r['warm']:>6.3f}s {r['unchanged']:>7.3f}s {r['cli']:>7.2f}s {r['cold'] / r['cli']:>15.2f}"
                  f" {1000 * r['compile'] / n:>9.2f}ms {r['peak_mb']:>7.0f}", flush=True)


if __name__ == "__main__":
    main()
