"""Copilot's duration strings (Go's time.ParseDuration: "10s", "1m30s", "250ms", "1.5h") -> seconds."""

from __future__ import annotations

import re
from fractions import Fraction

_UNITS = {"ns": Fraction(1, 10**9), "us": Fraction(1, 10**6), "µs": Fraction(1, 10**6),
          "μs": Fraction(1, 10**6), "ms": Fraction(1, 1000), "s": Fraction(1), "m": Fraction(60),
          "h": Fraction(3600)}
_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")


def seconds(text) -> Fraction | None:
    """The duration in seconds, exactly; None when `text` is not a Go duration.

    A bare number is not a Go duration, but Copilot's integer fields (a health check
    `interval: 10`) mean seconds, so a number is taken as seconds.
    """
    if isinstance(text, bool):
        return None
    if isinstance(text, (int, float)):
        return Fraction(text) if text >= 0 else None
    if not isinstance(text, str):
        return None
    s = text.strip()
    if s in ("0", "+0"):
        return Fraction(0)
    if s.startswith("+"):
        s = s[1:]
    if not s or s.startswith("-"):
        return None
    total, pos = Fraction(0), 0
    while pos < len(s):
        m = _PART.match(s, pos)
        if not m or m.group(1) in ("", "."):
            return None
        total += Fraction(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    return total


def whole_seconds(text) -> int | None:
    """Seconds rounded up to a whole second (AWS settings take whole seconds); None when invalid."""
    value = seconds(text)
    if value is None:
        return None
    return -(-value.numerator // value.denominator)
