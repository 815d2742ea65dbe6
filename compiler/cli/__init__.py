"""The command line: argv in, stdout/stderr and an exit code out. Nothing else prints.

One module per command (compile, check, diff, plan, import_copilot, schema, deploy, lock), each with
parser() and main(argv) or run(args); options.py holds what they share, sarif.py the SARIF
reporter (it describes every stage's codes, so it sits with the commands, above them all).

Exit status: 0 compiled and lint-clean; 1 the spec is invalid; 2 usage error, unreadable
spec or unwritable output directory; 3 a generated template failed cfn-lint, or any other
internal error (a compiler bug, reported as such, never as a traceback); 4 (`diff`, `deploy`) the
update has a hazard; 5 and 6 (`deploy` only) the deploy failed (rolled back; rollback failed too).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from compiler.cli.options import EXIT_BUG, EXIT_USAGE, UnwritableReport


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv[:1] and argv[0] in SUBCOMMANDS:
            return _subcommand(argv[0])(argv[1:])
        from compiler.cli import compile as command

        return command.run(command.parser().parse_args(argv))
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
    "check": "compiler.cli.check",
    "deploy": "compiler.cli.deploy",
    "diff": "compiler.cli.diff",
    "import-copilot": "compiler.cli.import_copilot",
    "lock": "compiler.cli.lock",
    "plan": "compiler.cli.plan",
    "schema": "compiler.cli.schema",
}


def _subcommand(name: str):
    import importlib

    return importlib.import_module(SUBCOMMANDS[name]).main


def parser_for(argv: list[str]) -> tuple[argparse.ArgumentParser, list[str]]:
    """The parser that reads `argv`, and the arguments it reads (for tools and tests)."""
    import importlib

    if argv[:1] and argv[0] in SUBCOMMANDS:
        return importlib.import_module(SUBCOMMANDS[argv[0]]).parser(), argv[1:]
    from compiler.cli import compile as command

    return command.parser(), argv

