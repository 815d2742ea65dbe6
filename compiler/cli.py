"""The command line: argv in, stdout/stderr and an exit code out. Nothing else prints.

Exit status: 0 compiled and lint-clean; 1 the spec is invalid; 2 usage error, unreadable
spec or unwritable output directory; 3 a generated template failed cfn-lint, or any other
internal error (a compiler bug, reported as such, never as a traceback); 4 (`diff` only) the
update has a hazard.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback

from compiler import __version__

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3


class Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own exit code is 2 as well; keep the message short
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _compile_parser() -> argparse.ArgumentParser:
    p = Parser(prog="fargate-compile", description="Compile a Fargate app spec into nested CloudFormation templates.",
                epilog="Other commands: 'fargate-compile check SPEC...' validates without building; "
                      "'plan SPEC' shows cost, deploy time and a diagram; 'diff OLD NEW' shows what an "
                      "update changes and its hazards; 'schema' prints the spec's JSON Schema; "
                      "'import-copilot DIR' writes a spec from an AWS Copilot workspace.")
    p.add_argument("spec", help="the YAML spec file")
    p.add_argument("--output-dir", default="templates_out", help="where <app>-<environment>/ is written (default: templates_out)")
    p.add_argument("--no-lint", action="store_true", help="skip cfn-lint (not recommended)")
    p.add_argument("--no-cache", action="store_true", help="do not use or fill the cfn-lint result cache")
    p.add_argument("--format", choices=("json", "yaml"), default="json", help="template format (default: json)")
    add_diagnostics_arguments(p)
    add_environment_arguments(p, all_envs=True)
    p.add_argument("--progress", action="store_true",
                   help="show lint progress on stderr even when it is not a terminal (shown on a terminal by default "
                        "when linting takes over a second)")
    p.add_argument("--version", action="version", version=f"fargate-compile {__version__}")
    return p


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
    from compiler.variables import parse_assignment

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
        from compiler import sarif

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


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv[:1] and argv[0] in SUBCOMMANDS:
            return _subcommand(argv[0])(argv[1:])
        args = _compile_parser().parse_args(argv)
        if args.all_envs:
            return _compile_all(args)
        return _compile(args)
    except SystemExit as exit_:  # argparse: --help, --version, usage errors
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    except UnwritableReport as exc:
        print(f"fargate-compile: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `fargate-compile ... | head`: the reader left; not our bug
        sys.stderr.close()
        return 141
    except Exception:  # a compiler bug: say so, without a traceback unless asked
        if os.environ.get("FARGATE_COMPILE_DEBUG"):
            traceback.print_exc()
        kind, value, _ = sys.exc_info()
        print(f"fargate-compile: internal error: {kind.__name__}: {value} "
              "(a compiler bug; set FARGATE_COMPILE_DEBUG=1 for details and please report it)", file=sys.stderr)
        return EXIT_BUG


# Commands other than compiling: name -> module with main(argv) -> exit status, imported only when used.
SUBCOMMANDS = {
    "check": "compiler.check_cli",
    "diff": "compiler.diff_cli",
    "import-copilot": "compiler.import_cli",
    "plan": "compiler.plan_cli",
    "schema": "compiler.schema_cli",
}


def _subcommand(name: str):
    import importlib

    return importlib.import_module(SUBCOMMANDS[name]).main


def parser_for(argv: list[str]) -> tuple[argparse.ArgumentParser, list[str]]:
    """The parser that reads `argv`, and the arguments it reads (for tools and tests)."""
    import importlib

    if argv[:1] and argv[0] in SUBCOMMANDS:
        return importlib.import_module(SUBCOMMANDS[argv[0]]).parser(), argv[1:]
    return _compile_parser(), argv


def _compile_all(args) -> int:
    """Every environment of the spec, one after the other; the worst exit status."""
    from compiler.pipeline import environment_names

    names = environment_names(args.spec)
    if not names:  # unreadable or broken: the plain compile reports it
        return _compile(args)
    worst = EXIT_OK
    for name in names:
        print(f"fargate-compile: environment {name}", file=sys.stderr)
        args.env = name
        worst = max(worst, _compile(args))
    return worst


def _compile(args) -> int:
    from compiler import buildcache

    values = variable_values(args)
    spec_bytes = None
    options: dict = {}
    if not args.no_cache:
        try:
            spec_bytes = open(args.spec, "rb").read(1 << 21)
        except OSError:
            spec_bytes = None  # the loader reports it properly below
        if spec_bytes is not None:
            # The values of the variables the spec may use decide the output too (hashed, never stored).
            used = {name: values.get(name) for name in buildcache.referenced_names(spec_bytes)}
            options = {"format": args.format, "lint": not args.no_lint, "env": args.env, "variables": used}
        # The lock beside the spec decides placement too; without one the previous output
        # does, and the compile must (re)write the lock: no shortcut then.
        lock_bytes = buildcache.lock_bytes(args.spec)
        if spec_bytes is not None and lock_bytes is not None:
            key = buildcache.fingerprint(spec_bytes + b"\0lock\0" + lock_bytes, options)
            record = buildcache.lookup(key, args.output_dir)
            if record is not None:  # an identical compile's output is in place: nothing to do
                from compiler.diagnostics import Diagnostic

                print_diagnostics([Diagnostic(**d) for d in record["diagnostics"]], args.diagnostics,
                                  args.diagnostics_file)
                _summary(record["stack_name"], record["output"],
                         [(name, res, size) for name, _sha, res, size in record["files"]],
                         unchanged=True)
                return EXIT_OK

    # The lint workers load cfn-lint on the other cores while this process compiles.
    from compiler import lint

    pool = None if args.no_lint else lint.start_pool()
    try:
        from compiler import childproc, pipeline
        from compiler.environments import UnknownEnvironment
        from compiler.errors import UnreadableFile

        def build():
            return pipeline.build(args.spec, args.output_dir, args.format, env=args.env, values=values)

        try:
            # With workers to wait for, the build runs in a child process: its memory (the
            # compile stack, troposphere's objects) is returned before the lint starts.
            built = childproc.run(build, strip=("app",)) if pool is not None else build()
            result = pipeline.finish(args.spec, built, args.output_dir, lint=not args.no_lint,
                                     use_cache=not args.no_cache, lint_pool=pool,
                                     progress=_progress_printer(args.progress))
        except (UnreadableFile, pipeline.UnwritableOutput) as exc:
            print(f"fargate-compile: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except UnknownEnvironment as exc:
            return unknown_environment("fargate-compile", exc)
    finally:
        if pool is not None:
            pool.close()

    print_diagnostics(result.diagnostics, args.diagnostics, args.diagnostics_file)
    if result.status == pipeline.INVALID:
        return report_invalid(args.spec, result.diagnostics, args.diagnostics, "nothing was written")
    if result.status == pipeline.LINT_FAILED:
        if args.diagnostics == "text" or args.diagnostics_file:
            print("fargate-compile: a generated template failed cfn-lint: this is a compiler bug, "
                  "please report it; nothing was written", file=sys.stderr)
        return EXIT_BUG
    # Filed under the lock this compile left: compiling with it gives the same output
    # (placement keeps what the lock says), so the next unchanged compile is skipped.
    lock_bytes = buildcache.lock_bytes(args.spec) if spec_bytes is not None else None
    if lock_bytes is not None:
        key = buildcache.fingerprint(spec_bytes + b"\0lock\0" + lock_bytes, options)
        buildcache.store(key, result.stack_name, result.files, result.resources,
                         [vars(d) for d in result.diagnostics])
    _summary(result.stack_name, result.output,
             [(name, result.resources[name], len(text.encode())) for name, text in result.files.items()])
    return EXIT_OK


def _progress_printer(forced: bool):
    """Lint progress on stderr: on a terminal once linting has taken a second (one line,
    redrawn, erased at the end); with --progress always, one line per change when stderr
    is not a terminal (CI logs); never otherwise."""
    tty = sys.stderr.isatty()
    if not (forced or tty):
        return None
    import time

    start = time.monotonic()
    shown = [""]

    def show(done: int, total: int, running: list[str]) -> None:
        if not forced and time.monotonic() - start < 1.0:
            return
        now = f"linting {', '.join(running)}" if running and done < total else "linted"
        line = f"{now}: {done} of {total} templates done"
        if line == shown[0]:
            return
        shown[0] = line
        if tty:
            end = "\r\x1b[K" if done == total else ""
            sys.stderr.write(f"\r\x1b[K{line}{end}")
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    return show


def _summary(stack_name: str, output, rows, unchanged: bool = False) -> None:
    """rows: (file name, resource count, size in bytes)."""
    what = "unchanged since the last identical compile" if unchanged else "compiled"
    print(f"{stack_name}: {what}, in {output}/")
    for name, resources, size in rows:
        print(f"  {name:<22} {resources:>4} resources  {size / 1024:>8.1f} KiB")
