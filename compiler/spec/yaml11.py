"""YAML 1.1 implicit conversions that surprise: `10:30` is the base-60 number 630, `1.10` the
number 1.1, `yes` the boolean true, `0x1F` the number 31, `1_000` the number 1000. The spec
is read as YAML 1.1 (PyYAML), so each is a warning (FC014) that says what the value became
and to quote it; plain numbers (`8080`, `0.5`) and `true`/`false` are what they look like."""

from __future__ import annotations

import re

_PLAIN_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_PLAIN_BOOL = {"true", "false", "True", "False", "TRUE", "FALSE"}


def surprise(tag: str, text: str, value) -> str | None:
    """Why reading `text` as `value` (of YAML tag `tag`) may not be what was meant, or None."""
    kind = tag.rsplit(":", 1)[-1]
    if kind == "bool" and text not in _PLAIN_BOOL:
        return f"{text} is read as the boolean {str(value).lower()} (YAML 1.1)"
    if kind == "int" and not _PLAIN_INT.match(text):
        how = ("a base-60 number" if ":" in text else "a hexadecimal number" if "x" in text.lower()
               else "a binary number" if "b" in text.lower() else "an octal number"
               if re.match(r"^[-+]?0[0-7_]", text) else "a number")
        return f"{text} is read as {how}: {value} (YAML 1.1)"
    written = re.sub(r"^([-+]?)\.", r"\g<1>0.", text.lower().lstrip("+"))
    if kind == "float" and (":" in text or "_" in text or repr(value) != written):
        return f"{text} is read as the number {value!r} (YAML 1.1)"
    return None
