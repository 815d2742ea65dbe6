"""`fargate-compile SPEC`: build the templates (in a child process when linting), lint
them, write them and the lock file; a build cache skips an identical compile."""

from __future__ import annotations

import sys

from compiler import __version__
from compiler.cli.options import (EXIT_BUG, EXIT_OK, EXIT_USAGE, Parser, add_diagnostics_arguments,
                                  add_environment_arguments, print_diagnostics, report_invalid,
                                  unknown_environment, variable_values)


def parser() -> Parser:
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
    p.add_argument("--reset-lock", action="store_true",
                   help="place without a lock file that cannot be used (damaged, unreadable, a newer "
                        "version) and rewrite it from this compile (an unreadable one is kept as "
                        "<lock>.unreadable); only for a stack that is not deployed, or after checking "
                        "the output against the deployed templates with 'diff'")
    p.add_argument("--version", action="version", version=f"fargate-compile {__version__}")
    return p



def run(args) -> int:
    """The compile command for parsed arguments: every environment with --all-envs."""
    return _compile_all(args) if args.all_envs else _compile(args)


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
    """One environment, holding the advisory lock on the spec's and the output's directories
    (a neighbour compiling the same lock file or output directory waits)."""
    from compiler.writer import compile_scope, exclusive

    with exclusive(compile_scope(args.spec, args.output_dir)):
        return _compile_locked(args)


def _compile_locked(args) -> int:
    from compiler.lint import buildcache

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
        if spec_bytes is not None and lock_bytes is not None and not args.reset_lock:
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
    from compiler.lint import runner as lint

    pool = None if args.no_lint else lint.start_pool()
    try:
        from compiler import pipeline
        from compiler.lint import childproc
        from compiler.spec.environments import UnknownEnvironment
        from compiler.errors import UnreadableFile

        def build():
            return pipeline.build(args.spec, args.output_dir, args.format, env=args.env, values=values,
                                  reset_lock=args.reset_lock)

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

