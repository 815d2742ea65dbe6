"""`fargate-compile diff OLD NEW`: what updating a deployed app from OLD to NEW does.

OLD and NEW are output directories (templates_out/<app>-<env>/) or spec files (compiled
in memory: no lint, nothing written). The report goes to stdout; spec problems to stderr.
Exit status: 0 no hazard, 4 at least one hazard, 1 a spec is invalid, 2 usage error or an
unreadable side, 3 an internal error.
"""

from __future__ import annotations

import os
import sys

from compiler.cli import EXIT_OK, EXIT_USAGE, Parser, print_diagnostics, report_invalid

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
    p.add_argument("--diagnostics", choices=("text", "json"), default="text",
                   help="how spec problems are printed on stderr")
    return p


def _side(path: str, style: str):
    """(TemplateSet, None) or (None, exit code) after printing why."""
    from compiler.diff import templates
    from compiler.loader import UnreadableFile

    if os.path.isdir(path):
        try:
            return templates.from_directory(path), None
        except templates.Unreadable as exc:
            print(f"fargate-compile diff: error: {exc}", file=sys.stderr)
            return None, EXIT_USAGE
    try:
        side, found = templates.from_spec(path)
    except UnreadableFile as exc:
        print(f"fargate-compile diff: error: {exc}", file=sys.stderr)
        return None, EXIT_USAGE
    print_diagnostics(found, style)
    if side is None:
        return None, report_invalid(path, found, style, "nothing was compared")
    return side, None


def main(argv: list[str]) -> int:
    from compiler.diff import compute
    from compiler.diff.providers import MissingSchemas
    from compiler.diff.report import render

    args = parser().parse_args(argv)
    old, failed = _side(args.old, args.diagnostics)
    if old is None:
        return failed
    new, failed = _side(args.new, args.diagnostics)
    if new is None:
        return failed
    try:
        result = compute(old, new)
    except MissingSchemas as exc:
        print(f"fargate-compile diff: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(render(result, args.format))
    return EXIT_HAZARD if result.hazards else EXIT_OK
