"""What every command shares: exit codes, the argument parser, --env/--var, and how
Diagnostics are printed (text, JSON or SARIF) and an invalid spec is reported."""

from __future__ import annotations

import argparse
import json
import os
import sys

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3


class Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own exit code is 2 as well; keep the message short
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def add_environment_arguments(p: argparse.ArgumentParser, all_envs: bool = False) -> None:
    """--env and --var (and, for commands that can, --all-envs): every command that reads a spec."""
    group = p.add_mutually_exclusive_group() if all_envs else p
    group.add_argument("--env", metavar="NAME",
                       help="compile for this environment: the spec with its environments.NAME overrides "
                            "(default: the spec's own environment)")
    if all_envs:
        group.add_argument("--all-envs", action="store_true",
                           help="compile every environment the spec defines, each into <app>-<env>/")
    p.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", type=_assignment,
                   help="a value for ${NAME} in the spec (repeatable; overrides the process environment)")


def _assignment(text: str) -> tuple[str, str]:
    from compiler.spec.variables import parse_assignment

    try:
        return parse_assignment(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def variable_values(args) -> dict[str, str]:
    """What ${NAME} reads: the process environment, overlaid with --var NAME=VALUE."""
    return {**os.environ, **dict(args.var)}


def unknown_environment(prog: str, exc) -> int:
    print(f"{prog}: error: {exc}", file=sys.stderr)
    return EXIT_USAGE


def report_invalid(spec: str, diags, style: str, outcome: str) -> int:
    """The closing line of an invalid spec's report (text style only); the exit code."""
    if style == "text":
        n = sum(1 for d in diags if d.severity == "error")
        print(f"{spec}: {n} error{'s' if n != 1 else ''}; {outcome}", file=sys.stderr)
    return EXIT_INVALID


DIAGNOSTIC_STYLES = ("text", "json", "sarif")


def add_diagnostics_arguments(p: argparse.ArgumentParser, what: str = "findings") -> None:
    """--diagnostics and --diagnostics-file: the same on every command that reports Diagnostics."""
    p.add_argument("--diagnostics", choices=DIAGNOSTIC_STYLES, default="text",
                   help=f"how {what} are reported: text lines, a JSON list, or a SARIF 2.1.0 log "
                        "for code scanning (default: text)")
    p.add_argument("--diagnostics-file", metavar="PATH",
                   help=f"write the {what} to PATH instead of stderr (e.g. results.sarif)")


def print_diagnostics(diags, style: str, to: str | None = None, extra=()) -> None:
    """Diagnostics on stderr, or into the file `to`. `extra`: sarif.Finding results of a command's own.

    A SARIF or JSON report is always written, even empty: an upload of an empty SARIF log
    is how code scanning learns that earlier alerts are fixed.
    """
    if style == "sarif":
        from compiler.cli import sarif

        text = json.dumps(sarif.log(diags, extra), indent=2) + "\n"
    elif style == "json":
        text = json.dumps([d.as_json() for d in diags], indent=2) + "\n"
    else:
        text = "".join(d.format() + "\n" for d in diags)
    if to is None:
        sys.stderr.write(text)
        return
    try:
        with open(to, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:
        raise UnwritableReport(f"cannot write {to}: {exc.strerror or exc}") from None


class UnwritableReport(Exception):
    """--diagnostics-file cannot be written (a usage error, exit 2)."""

