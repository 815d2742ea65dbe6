"""`fargate-compile diff OLD NEW`: what updating a deployed app from OLD to NEW does.

OLD and NEW are output directories (templates_out/<app>-<env>/) or spec files (compiled
in memory: no lint, nothing written; `--env`/`--var` apply to both spec sides). The report goes to stdout; spec problems to stderr.
Exit status: 0 no hazard, 4 at least one hazard, 1 a spec is invalid, 2 usage error or an
unreadable side, 3 an internal error.
"""

from __future__ import annotations

import os
import sys

from compiler.cli.options import (EXIT_INVALID, EXIT_OK, EXIT_USAGE, Parser, add_diagnostics_arguments,
                          add_environment_arguments, print_diagnostics, unknown_environment, variable_values)

EXIT_HAZARD = 4


def parser() -> Parser:
    from compiler.diff.report import FORMATS

    p = Parser(prog="fargate-compile diff",
               description="Compare two compiled apps (output directories or spec files): resources added, "
                           "removed, modified or replaced per stack, and the hazards of the update. "
                           "Exit status 4 when there is a hazard.")
    p.add_argument("old", help="the deployed side: templates_out/<app>-<env>/ or a spec file")
    p.add_argument("new", help="the side to deploy: an output directory or a spec file")
    p.add_argument("--format", choices=FORMATS, default="text", help="report format on stdout (default: text)")
    add_diagnostics_arguments(p, "spec problems (and, as SARIF, the hazards)")
    add_environment_arguments(p)  # for the sides that are spec files
    return p


def _side(path: str, found: list, env: str | None, values: dict, previous=None):
    """A TemplateSet, or an exit status after saying why there is none. Spec findings go to `found`."""
    from compiler.diff import templates
    from compiler.spec.environments import UnknownEnvironment
    from compiler.spec.loader import UnreadableFile

    if os.path.isdir(path):
        try:
            return templates.from_directory(path)
        except templates.Unreadable as exc:
            print(f"fargate-compile diff: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
    try:
        side, diags = templates.from_spec(path, env, values, previous)
    except UnreadableFile as exc:
        print(f"fargate-compile diff: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UnknownEnvironment as exc:
        return unknown_environment(f"fargate-compile diff: {path}", exc)
    found += diags
    return EXIT_INVALID if side is None else side


def _findings(result, new):
    from compiler.diff.hazards import describe
    from compiler.diff.locate import locate
    from compiler.cli.sarif import Finding, Rule

    out = []
    for hazard in result.hazards:
        file, line, col = locate(new, hazard.stack, hazard.id)
        rule = Rule(f"diff/{hazard.kind}", describe(hazard.kind), describe(hazard.kind, full=True))
        out.append(Finding(rule, f"{hazard.stack}:{hazard.id}: {hazard.message}", file, line, col))
    return out


def main(argv: list[str]) -> int:
    from compiler.diff import compute
    from compiler.diff.providers import MissingSchemas
    from compiler.diff.report import render

    args = parser().parse_args(argv)
    found: list = []
    values = variable_values(args)
    from compiler.diff.templates import TemplateSet, placement_record

    old = _side(args.old, found, args.env, values)
    # A NEW spec without a lock of its own is placed as a compile after OLD would place it.
    previous = placement_record(old) if isinstance(old, TemplateSet) else None
    sides = [old, _side(args.new, found, args.env, values, previous)]
    failed = [s for s in sides if isinstance(s, int)]
    if failed:
        print_diagnostics(found, args.diagnostics, args.diagnostics_file)
        if args.diagnostics == "text" and EXIT_INVALID in failed:
            errors = sum(1 for d in found if d.severity == "error")
            print(f"fargate-compile diff: {errors} error{'s' if errors != 1 else ''}; nothing was compared",
                  file=sys.stderr)
        return max(failed)
    old, new = sides
    try:
        result = compute(old, new)
    except MissingSchemas as exc:
        print(f"fargate-compile diff: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    extra = _findings(result, new) if args.diagnostics == "sarif" else ()
    print_diagnostics(found, args.diagnostics, args.diagnostics_file, extra)
    sys.stdout.write(render(result, args.format))
    return EXIT_HAZARD if result.hazards else EXIT_OK
