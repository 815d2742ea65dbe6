"""Where a hazard shows in the files a reviewer has: the new template's resource, or the
spec's service it comes from (for SARIF results and code-scanning annotations)."""

from __future__ import annotations

import re
from pathlib import Path

from compiler.diff.templates import TemplateSet
from compiler.state.naming import pascal


def in_directory(side: TemplateSet, file: str, logical_id: str) -> tuple[str, int, int]:
    path = Path(side.directory) / file
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return str(path), 1, 1
    # JSON as the writer indents it ("    "Id": {"), or YAML block style ("  Id:").
    pattern = re.compile(r'^(\s*)"?' + re.escape(logical_id) + r'"?\s*:', re.MULTILINE)
    for match in pattern.finditer(text):
        if len(match.group(1)) in (2, 4):
            line = text.count("\n", 0, match.start()) + 1
            return str(path), line, len(match.group(1)) + 1
    return str(path), 1, 1


# Where the resources of a stack that belongs to no service come from in the spec.
_SECTIONS = {"network": ("network",), "endpoints": ("network", "endpoints"), "alb": ("load_balancer",)}


def in_spec(spec: str, logical_id: str, stack: str = "") -> tuple[str, int, int]:
    """The `services.NAME` (or `jobs.NAME`) key whose logical ID prefix starts `logical_id`, else the
    spec section its stack comes from (network, load_balancer), else the top."""
    from compiler.spec import loader

    try:
        data, locator, _ = loader.load(spec)
    except loader.UnreadableFile:
        return spec, 1, 1
    best = None
    if isinstance(data, dict):
        for section in ("services", "jobs"):
            for name in data.get(section) or {}:
                prefix = pascal(str(name))
                if logical_id.startswith(prefix) and (best is None or len(prefix) > len(best[1])):
                    best = ((section, name), prefix)
    if best is None:
        section = _SECTIONS.get(stack.split(".")[0])
        if section is None or not isinstance(data, dict):
            return spec, 1, 1
        line, col = locator.position(section, key=True)
        return spec, line, col
    line, col = locator.position(best[0], key=True)
    return spec, line, col


def locate(side: TemplateSet, file: str, logical_id: str) -> tuple[str, int, int]:
    if side.directory is not None:
        return in_directory(side, file, logical_id)
    return in_spec(side.label, logical_id, file)
