"""Import an AWS Copilot workspace (`copilot/`) as one fargate-compile spec.

yamlread (YAML 1.2 reading, positions) -> overrides (environments.<env>) ->
workload / environment (manifest -> spec data, located warnings) -> emit (YAML + comments).
"""

from __future__ import annotations

from compiler.importers.copilot.emit import dump
from compiler.importers.copilot.workspace import Imported, import_workspace  # noqa: F401


def render(result: Imported, source: str) -> str:
    """The spec as YAML text, with a header saying where it came from."""
    which = f"environments {result.env}" if ", " in result.env else f"environment {result.env}"
    header = [f"Imported from the AWS Copilot workspace {source} ({which})",
              "by fargate-compile import-copilot. Comments mark what was not imported and",
              "Copilot defaults written out explicitly; check each before deploying."]
    return dump(result.spec, result.comments, header)
