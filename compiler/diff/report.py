"""Text and JSON views of a Diff. Pure functions: a Diff in, a string out."""

from __future__ import annotations

import json

from compiler.diff import Diff

FORMATS = ("text", "json")


def render(diff: Diff, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(diff.as_json(), indent=2) + "\n"
    return text(diff)


def _type(resource: dict) -> str:
    kind = resource.get("Type")
    return kind if isinstance(kind, str) else "?"


def _shorten(items, limit: int = 6) -> str:
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown + (f", and {len(items) - limit} more" if len(items) > limit else "")


def text(diff: Diff) -> str:
    """What a reviewer pastes into a pull request: per stack file, then the hazards.

    +  added        -  removed        ~  modified in place        -/+  replaced
    """
    changes = diff.changes
    lines = [f"fargate-compile diff: {changes.old.label} -> {changes.new.label}", ""]
    unchanged, counts = [], {"+": 0, "-": 0, "~": 0, "-/+": 0}
    for name, stack in changes.stacks.items():
        if stack.empty():
            unchanged.append(name)
            continue
        note = " (new stack)" if stack.key not in changes.old.files_by_key() else \
            " (stack removed)" if stack.key not in changes.new.files_by_key() else ""
        lines.append(f"{name}{note}")
        rows = [("+", i, _type(changes.new_resource((stack.key, i))), "") for i in stack.added]
        rows += [("-", i, _type(changes.old_resource((stack.key, i))), "") for i in stack.removed]
        for m in stack.modified:
            if m.replacement:
                detail = f"replaced: {_shorten(m.replaced_by)} changes"
                if m.follows:
                    detail += f" (follows {_shorten(changes.name(i) for i in m.follows)})"
                others = [p for p in m.properties if p not in m.replaced_by]
                if others:
                    detail += f"; also {_shorten(others)}"
            else:
                detail = _shorten(m.properties)
                if m.may_replace:
                    detail += f" (may be replaced: {_shorten(m.may_replace)} is replaced under some conditions)"
            rows.append(("-/+" if m.replacement else "~", m.id, m.type, detail))
        rows.sort(key=lambda r: r[1])
        width, kinds = max(len(r[1]) for r in rows), max(len(r[2]) for r in rows)
        for sign, logical_id, kind, detail in rows:
            counts[sign] += 1
            lines.append(f"  {sign:<3} {logical_id:<{width}}  {kind:<{kinds}}  {detail}".rstrip())
        lines.append("")
    if unchanged:
        lines += [f"unchanged: {', '.join(unchanged)}", ""]
    lines.append(f"{counts['+']} added, {counts['-']} removed, {counts['~']} modified, {counts['-/+']} replaced")
    if diff.hazards:
        lines += ["", f"{len(diff.hazards)} hazard{'s' if len(diff.hazards) != 1 else ''}:"]
        for h in diff.hazards:
            lines.append(f"  [{h.kind}] {h.stack}:{h.id}: {h.message}")
    else:
        lines.append("no hazards")
    return "\n".join(lines) + "\n"
