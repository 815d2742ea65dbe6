"""Import every Copilot workspace assembled from a Copilot manifest corpus and count the outcomes.

    python bench/import_report.py [--corpus DIR] [--markdown docs/import-copilot.md]

The corpus defaults to the copy the tests use, tests/data/copilot (index.tsv, manifests/).

For each workspace (see tests/copilot_workspaces.py for how the single manifests of the
corpus are grouped): `import-copilot` in-process, then the written spec compiled with
cfn-lint (our custom rules included) exactly as `fargate-compile SPEC` would, with the
${NAME} values a user would pass: an image URI for each `${<SVC>_IMAGE}` the importer
wrote for `image.build`, and made-up values for the variables Copilot's own e2e
manifests read from the environment (DOMAINNAME, ...). Each workload manifest is
counted as translated completely (no warning but carried defaults), partly (keys
reported as not imported) or refused (not a Fargate workload, or unreadable).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import copilot_workspaces as corpus  # noqa: E402

from compiler import cli, pipeline  # noqa: E402
from compiler.diagnostics import errors  # noqa: E402

# What a user would pass with --var (or the environment) for the variables the corpus uses.
VALUES = {"DOMAINNAME": "example.com", "TIMENOW": "1700000000", "AWS_REGION": "us-east-1",
          "AWS_ACCOUNT_ID": "123456789012", "IMPORTED_CERT_ARN":
          "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"}
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.0"
TYPES = ("Load Balanced Web Service", "Backend Service", "Worker Service", "Scheduled Job",
         "Request-Driven Web Service", "Static Site", "Environment")


def run(lint: bool = True):
    types = {r["file"]: r["copilot_type"] for r in corpus.rows()}
    counts: dict[str, Counter] = defaultdict(Counter)
    compiled = Counter()
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for ws in corpus.workspaces():
            root = corpus.assemble(ws, tmp / "ws")
            spec = tmp / "specs" / f"{ws.name}.yaml"
            spec.parent.mkdir(exist_ok=True)
            argv = ["import-copilot", str(root), "--output", str(spec), "--diagnostics", "json"]
            argv += ["--env", ws.env_name] if ws.env_name else []
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                code = cli.main(argv)
            warned = _warned_files(err.getvalue())
            for f in ws.workloads + ([ws.environment] if ws.environment else []):
                name = ws.placed[f]
                kind = types[f] if types[f] in TYPES else "Backend Service"   # one docs sample misspells it
                if code != 0 or (kind in ("Request-Driven Web Service", "Static Site")):
                    counts[kind]["refused"] += 1
                elif name in warned:
                    counts[kind]["partly"] += 1
                else:
                    counts[kind]["completely"] += 1
            if code != 0:
                continue
            compiled["written"] += 1
            text = spec.read_text()
            values = dict(VALUES)
            values.update({v: IMAGE for v in re.findall(r"\$\{([A-Z0-9_]+_IMAGE)\}", text)})
            result = pipeline.compile_spec(str(spec), str(tmp / "out"), lint=lint, use_cache=False,
                                           values=values)
            if result.status == pipeline.OK:
                compiled["lint-clean" if lint else "valid"] += 1
            else:
                failures.append((ws.name, [d.format() for d in errors(result.diagnostics)][:3]))
    return counts, compiled, failures


def _warned_files(stderr: str) -> set[str]:
    """Manifest file names that got an FC501 (a key not imported) warning."""
    import json

    start = stderr.find("[")
    found = json.loads(stderr[start:stderr.rfind("]") + 1]) if start >= 0 else []
    return {Path(d["file"]).resolve() for d in found if d["code"] == "FC501"}


def table(counts, compiled) -> str:
    rows = ["| Copilot manifest type | manifests | translated completely | partly (warnings) | refused |",
            "|---|---:|---:|---:|---:|"]
    total = Counter()
    for kind in TYPES:
        c = counts.get(kind, Counter())
        n = sum(c.values())
        if not n:
            continue
        total.update(c)
        rows.append(f"| {kind} | {n} | {c['completely']} | {c['partly']} | {c['refused']} |")
    rows.append(f"| **all** | {sum(total.values())} | {total['completely']} | {total['partly']} | "
                f"{total['refused']} |")
    return "\n".join(rows) + (f"\n\nSpecs written: {compiled['written']}; compiled lint-clean (cfn-lint + "
                              f"our rules): {compiled['lint-clean']} of {compiled['written']}.\n")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--markdown", help="also write the table into this file")
    p.add_argument("--no-lint", action="store_true", help="validate and build only (faster)")
    p.add_argument("--corpus", type=Path, default=corpus.CORPUS,
                   help="a corpus directory laid out as tests/data/copilot (default: that copy)")
    args = p.parse_args()
    corpus.CORPUS = args.corpus
    counts, compiled, failures = run(lint=not args.no_lint)
    text = table(counts, compiled)
    print(text)
    for name, errs in failures:
        print(f"did not compile: {name}", *errs, sep="\n  ")
    if args.markdown:
        Path(args.markdown).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
