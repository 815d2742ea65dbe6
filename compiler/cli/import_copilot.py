"""`fargate-compile import-copilot WORKSPACE_DIR`: an AWS Copilot app -> one spec of ours.

Writes the spec to --output (default stdout); every manifest key that could not be
translated, and every Copilot default carried over explicitly, is a located warning
on stderr (MANIFEST:LINE:COL: warning: KEY: ...) and a comment in the spec.
With --all-envs every environment goes into one spec (environments.NAME overrides); with
--images FILE, what CI must build and push for each `image.build` is written as JSON.
Exit 0 when a spec was written, 1 when the workspace cannot be read, 2 for usage.
"""

from __future__ import annotations

import os
import sys
import tempfile

from compiler.cli.options import EXIT_INVALID, EXIT_OK, EXIT_USAGE, Parser, add_diagnostics_arguments, print_diagnostics


def _parser() -> Parser:
    p = Parser(prog="fargate-compile import-copilot",
               description="Read an AWS Copilot workspace and write one fargate-compile spec.")
    p.add_argument("workspace", metavar="WORKSPACE_DIR", help="the directory holding copilot/ (or copilot/ itself)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--env", help="the Copilot environment to import (needed when the workspace has several)")
    which.add_argument("--all-envs", action="store_true",
                       help="import every environment into one spec: the common part, and one "
                       "environments.NAME override each")
    p.add_argument("--images", metavar="FILE.json",
                   help="also write what CI must build and push for each image Copilot built (image.build)")
    p.add_argument("--output", "-o", metavar="SPEC.yaml", help="where to write the spec (default: stdout)")
    add_diagnostics_arguments(p, "warnings and errors")
    return p


def main(argv: list[str]) -> int:
    from compiler.diagnostics import ordered
    from compiler.importers.copilot import render
    from compiler.importers.copilot.allenvs import import_all
    from compiler.importers.copilot.workspace import (
        UsageError,
        WorkspaceError,
        import_workspace,
    )

    args = _parser().parse_args(argv)
    try:
        result = import_all(args.workspace) if args.all_envs else import_workspace(args.workspace, args.env)
    except UsageError as exc:
        print(f"fargate-compile import-copilot: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except WorkspaceError as exc:
        print_diagnostics(ordered(exc.args[0]), args.diagnostics, args.diagnostics_file)
        if args.diagnostics == "text":
            print(f"{args.workspace}: the workspace cannot be read; no spec was written", file=sys.stderr)
        return EXIT_INVALID
    text = render(result, args.workspace)
    print_diagnostics(ordered(result.diagnostics), args.diagnostics, args.diagnostics_file)
    writes = [(args.output, text)] if args.output else []
    if args.images:
        writes.append((args.images, _images(result)))
    for path, content in writes:
        try:
            _write(path, content)
        except OSError as exc:
            print(f"fargate-compile import-copilot: error: cannot write {path}: {exc.strerror or exc}",
                  file=sys.stderr)
            return EXIT_USAGE
    if args.output:
        if args.diagnostics == "text":
            counts = {}
            for outcome in result.outcome.values():
                counts[outcome] = counts.get(outcome, 0) + 1
            summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
            print(f"{args.output}: written ({summary}; environment {result.env})", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _images(result) -> str:
    import json

    from compiler.importers.copilot.images import listing

    workloads = {**result.spec.get("services", {}), **result.spec.get("jobs", {})}
    platforms = {name: w.get("platform", "linux/x86_64") for name, w in workloads.items()}
    return json.dumps(listing(result.spec["app"], result.builds, platforms), indent=2) + "\n"


def _write(path: str, text: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".import-", suffix=".yaml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


parser = _parser  # every command module exposes parser() (cli.parser_for)
