"""`fargate-compile plan SPEC`: inventory, monthly cost, egress advice, deploy time and a diagram.

Nothing is compiled to disk and nothing is linted. Spec problems are reported as the
compile command reports them (exit 1); usage errors, an unreadable file and a region
the price table lacks exit 2. Only `--diagram-dir` writes files: <app>-<env>.dot, and
<app>-<env>.svg when Graphviz's `dot` is on PATH.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from compiler.cli.options import (EXIT_OK, EXIT_USAGE, Parser, add_diagnostics_arguments, add_environment_arguments,
                          print_diagnostics, report_invalid, unknown_environment, variable_values)
from compiler.plan import cost, diagram, make_plan, prices, report


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, not {text}")
    return value


def _parser() -> argparse.ArgumentParser:
    defaults = cost.Assumptions()
    p = Parser(prog="fargate-compile plan",
                description="What a spec would create and cost, how long a deployment takes, and a diagram. "
                            "Writes no templates and runs no lint.")
    p.add_argument("spec", help="the YAML spec file")
    p.add_argument("--format", choices=report.FORMATS, default="text", help="report format (default: text)")
    p.add_argument("--traffic-gb", type=_non_negative, default=defaults.traffic_gb, metavar="N",
                   help=f"GB/month between the private tasks and outside the VPC (default: {defaults.traffic_gb:g})")
    p.add_argument("--region", default=prices.DEFAULT_REGION,
                   help=f"the region whose prices to use (default: {prices.DEFAULT_REGION})")
    p.add_argument("--diagram-dir", metavar="DIR", help="write <app>-<env>.dot (and .svg with Graphviz) here")
    add_diagnostics_arguments(p, "spec problems")
    add_environment_arguments(p)
    return p


def main(argv: list[str]) -> int:
    from compiler import pipeline
    from compiler.spec.environments import UnknownEnvironment
    from compiler.spec.loader import UnreadableFile

    args = _parser().parse_args(argv)
    table = prices.load()
    try:
        table.region(args.region)
    except prices.UnknownRegion as exc:
        print(f"fargate-compile plan: error: {exc}", file=sys.stderr)
        return EXIT_USAGE

    try:
        app, found = pipeline.validate(args.spec, args.env, variable_values(args))
    except UnreadableFile as exc:
        print(f"fargate-compile plan: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UnknownEnvironment as exc:
        return unknown_environment("fargate-compile plan", exc)
    print_diagnostics(found, args.diagnostics, args.diagnostics_file)
    if app is None:
        return report_invalid(args.spec, found, args.diagnostics, "nothing was planned")

    plan = make_plan(app, args.spec, pipeline.build_templates(app), table, args.region,
                     cost.Assumptions(traffic_gb=args.traffic_gb))
    written: tuple[str, ...] = ()
    if args.diagram_dir:
        try:
            written = _write_diagram(plan, Path(args.diagram_dir))
        except OSError as exc:
            print(f"fargate-compile plan: error: cannot write the diagram: {exc}", file=sys.stderr)
            return EXIT_USAGE
    sys.stdout.write(report.render(plan, args.format, written))
    return EXIT_OK


def _write_diagram(plan, directory: Path) -> tuple[str, ...]:
    directory.mkdir(parents=True, exist_ok=True)
    dot_path = directory / f"{plan.app.stack_name}.dot"
    dot_path.write_text(plan.dot, encoding="utf-8")
    written = [str(dot_path)]
    binary = shutil.which("dot")
    if binary:
        try:
            svg = diagram.render_svg(plan.dot, binary)
        except (OSError, subprocess.SubprocessError) as exc:
            print(f"fargate-compile plan: warning: Graphviz failed, no SVG written: {exc}", file=sys.stderr)
        else:
            svg_path = dot_path.with_suffix(".svg")
            svg_path.write_text(svg, encoding="utf-8")
            written.append(str(svg_path))
    return tuple(written)


parser = _parser  # every command module exposes parser() (cli.parser_for)
