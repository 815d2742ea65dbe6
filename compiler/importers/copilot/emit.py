"""Spec data + comments -> YAML text, in the order given, each comment above its key."""

from __future__ import annotations

import yaml


def dump(data: dict, comments: dict, header: list[str]) -> str:
    lines = [f"# {h}" if h else "#" for h in header]
    placed: dict[tuple, list[str]] = {}
    for path, texts in comments.items():
        where = _nearest(data, path)
        if where == ():
            lines += [f"# {t}" for t in texts]     # about nothing the spec holds: in the header
            continue
        bucket = placed.setdefault(where, [])
        bucket += [t for t in texts if t not in bucket]
    _mapping(data, (), 0, placed, lines)
    return "\n".join(lines) + "\n"


def _scalar(value) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10**9, allow_unicode=True)
    text = text.strip()
    if text.endswith("\n..."):
        text = text[:-4].strip()
    elif text.endswith("..."):
        text = text[:-3].strip()
    return text


def _comment(lines, comments, path, indent):
    for text in comments.get(path, ()):
        for part in str(text).splitlines() or [""]:
            lines.append(" " * indent + "# " + part)


def _mapping(data: dict, path: tuple, indent: int, comments, lines) -> None:
    pad = " " * indent
    for key, value in data.items():
        here = path + (key,)
        _comment(lines, comments, here, indent)
        k = _scalar(str(key))
        if isinstance(value, dict) and value:
            lines.append(f"{pad}{k}:")
            _mapping(value, here, indent + 2, comments, lines)
        elif isinstance(value, list) and value and any(isinstance(v, (dict, list)) for v in value):
            lines.append(f"{pad}{k}:")
            for i, item in enumerate(value):
                _comment(lines, comments, here + (i,), indent + 2)
                if isinstance(item, dict) and item:
                    first = True
                    for ik, iv in item.items():
                        prefix = f"{pad}  - " if first else f"{pad}    "
                        first = False
                        if isinstance(iv, (dict, list)) and iv:
                            lines.append(f"{prefix}{_scalar(str(ik))}:")
                            if isinstance(iv, dict):
                                _mapping(iv, here + (i, ik), indent + 6, comments, lines)
                            else:
                                lines.append(f"{pad}      {_scalar(iv)}")
                        else:
                            lines.append(f"{prefix}{_scalar(str(ik))}: {_scalar(iv)}")
                else:
                    lines.append(f"{pad}  - {_scalar(item)}")
        else:
            lines.append(f"{pad}{k}: {_scalar(value)}")


def _nearest(data, path: tuple) -> tuple:
    """The longest prefix of `path` that the data holds (a comment about a key that was not
    written goes above the closest key that was)."""
    node, found = data, ()
    for part in path:
        if isinstance(node, dict) and part in node:
            node, found = node[part], found + (part,)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node, found = node[part], found + (part,)
        else:
            break
    return found


nearest = _nearest  # allenvs.py places each environment's comments with it
