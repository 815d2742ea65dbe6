"""`fargate-compile check SPEC...`: validate specs, the fast path for editors, pre-commit and CI.

Every spec given (files or glob patterns, `**` included) is loaded, checked against
the JSON Schema and the cross-field checks, and every problem of every file reported.
Nothing is built, nothing is written and cfn-lint is never imported. Every environment a
spec defines is checked (`--all-envs`, the default), or the one `--env NAME` names.
Exit status: 0 every spec valid (warnings allowed), 1 a spec has an error, 2 usage
error, a pattern matching no file, or an unreadable file.
"""

from __future__ import annotations

import glob
import re
import sys

from compiler.cli.options import (EXIT_INVALID, EXIT_OK, EXIT_USAGE, Parser, add_diagnostics_arguments,
                          add_environment_arguments, print_diagnostics, variable_values)

_MAGIC = set("*?[")


def parser() -> Parser:
    p = Parser(prog="fargate-compile check",
               description="Validate spec files (schema and cross-field checks) without building, "
                           "writing or linting anything. Reports every problem of every file.")
    p.add_argument("specs", nargs="+", metavar="SPEC", help="spec files or glob patterns (quoted: 'apps/**/*.yaml')")
    add_diagnostics_arguments(p, "problems")
    add_environment_arguments(p, all_envs=True)
    return p


def expand(patterns: list[str]) -> tuple[list[str], list[str]]:
    """(files in the order given, each once; patterns that matched nothing)."""
    files, unmatched, seen = [], [], set()
    for pattern in patterns:
        if _MAGIC & set(pattern):
            matches = sorted(glob.glob(pattern, recursive=True))
            if not matches:
                unmatched.append(pattern)
        else:
            matches = [pattern]
        for match in matches:
            if match not in seen:
                seen.add(match)
                files.append(match)
    return files, unmatched


_IN_ENVIRONMENT = re.compile(r" \(in environment [a-z][a-z0-9-]*\)$")


def _same(d):
    """What makes two findings the same problem, whichever environment reported it."""
    return (d.file, d.line, d.col, d.code, d.path, d.severity, _IN_ENVIRONMENT.sub("", d.message))


def main(argv: list[str]) -> int:
    from compiler import pipeline
    from compiler.spec.environments import UnknownEnvironment
    from compiler.spec.loader import UnreadableFile

    args = parser().parse_args(argv)
    files, unmatched = expand(args.specs)
    values = variable_values(args)
    status = EXIT_OK
    for pattern in unmatched:
        print(f"fargate-compile check: error: no file matches {pattern}", file=sys.stderr)
        status = EXIT_USAGE
    found, invalid = [], 0
    for path in files:
        # Every environment the spec defines (a spec without any: as written), unless --env
        # names one: pre-commit runs `check`, and an environment nobody compiles today is
        # deployed tomorrow. --all-envs says the same explicitly.
        envs = [args.env] if args.env is not None else (pipeline.environment_names(path) or [None])
        seen = set()
        for env in envs:
            try:
                app, diags = pipeline.validate(path, env, values)
            except UnreadableFile as exc:
                print(f"fargate-compile check: error: {exc}", file=sys.stderr)
                status = EXIT_USAGE
                break
            except UnknownEnvironment as exc:
                print(f"fargate-compile check: error: {path}: {exc}", file=sys.stderr)
                status = EXIT_USAGE
                break
            # A problem shared by environments, once: an override's shape error is also reported,
            # "(in environment NAME)", by the compiles of the other environments.
            fresh = [d for d in diags if _same(d) not in seen]
            seen.update(map(_same, fresh))
            found += fresh
            if app is None:
                invalid += 1
    print_diagnostics(found, args.diagnostics, args.diagnostics_file)
    if args.diagnostics == "text" or args.diagnostics_file:
        errors = sum(1 for d in found if d.severity == "error")
        warnings = len(found) - errors
        checked = "invalid" if args.env is not None else "invalid environments"
        print(f"fargate-compile check: {len(files)} spec{'s' if len(files) != 1 else ''} checked, "
              f"{invalid} {checked}; {errors} error{'s' if errors != 1 else ''}, "
              f"{warnings} warning{'s' if warnings != 1 else ''}", file=sys.stderr)
    return max(status, EXIT_INVALID) if invalid else status
