"""`fargate-compile schema`: print the spec's JSON Schema, the one this installed version validates with.

Editors and CI point at its output (`fargate-compile schema > spec.schema.json`) rather
than at a path inside site-packages. Its `$id` is the URN urn:fargate-compile:spec:v1, an
identifier, not a location: the file lives in the package (compiler/data/spec.schema.json)
and in the repository (schemas/spec.schema.json).
"""

from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path

from compiler.cli.options import EXIT_OK, Parser


def parser() -> Parser:
    return Parser(prog="fargate-compile schema",
                  description="Print the JSON Schema of the spec (draft 2020-12) on stdout.")


def main(argv: list[str]) -> int:
    parser().parse_args(argv)
    sys.stdout.write(text())
    return EXIT_OK


def text() -> str:
    """The packaged schema file's text as it is (the same file compiler.spec.schema validates with)."""
    packaged = files("compiler").joinpath("data", "spec.schema.json")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parents[2] / "schemas" / "spec.schema.json").read_text(encoding="utf-8")
