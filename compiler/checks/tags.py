"""FC218: user tags fit AWS tag rules and leave room for the tags the compiler adds."""

from __future__ import annotations

import unicodedata

from compiler.diagnostics import WARNING, Diagnostic, Locator
from compiler.model import App

CODE = "FC218"

KEY_LENGTH, VALUE_LENGTH, TAGS_PER_RESOURCE = 128, 256, 50
COMPILER_PREFIX = "fargate-compile:"
# Every tag the builders add to a resource at most (services' resources get all four).
COMPILER_TAGS = ("Name", "fargate-compile:application", "fargate-compile:environment",
                 "fargate-compile:service")
_EXTRA_CHARS = set("_.:/=+-@")


def _bad_chars(text: str) -> str:
    """What AWS's tag pattern [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]* refuses: a space is fine, a line break not."""
    return "".join(sorted({c for c in text if not (
        c.isalnum() or unicodedata.category(c).startswith("Z") or c in _EXTRA_CHARS)}))


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    room = TAGS_PER_RESOURCE - len(COMPILER_TAGS)
    own = [key for key, _ in app.tags if key not in COMPILER_TAGS]   # those replace, not add
    if len(own) > room:
        found.append(locator.error(
            CODE, ("tags",),
            f"{len(own)} tags; AWS allows {TAGS_PER_RESOURCE} per resource and the "
            f"compiler adds up to {len(COMPILER_TAGS)}, so give at most {room}"))
    for key, value in app.tags:
        path = ("tags", key)
        if key.lower().startswith("aws:"):
            found.append(locator.error(
                CODE, path, f"tag key '{key}': the prefix aws: is reserved for AWS", key=True))
        elif key.startswith(COMPILER_PREFIX):
            found.append(locator.error(
                CODE, path,
                f"tag key '{key}': the prefix {COMPILER_PREFIX} is reserved for the compiler's "
                "own tags", key=True))
        elif key == "Name":
            found.append(locator.error(
                CODE, path,
                "tag key 'Name' is set per resource by the compiler and replaces yours",
                severity=WARNING, key=True))
        if not 1 <= len(key) <= KEY_LENGTH:
            found.append(locator.error(
                CODE, path, f"tag key '{key}' must be 1-{KEY_LENGTH} characters", key=True))
        if len(value) > VALUE_LENGTH:
            found.append(locator.error(
                CODE, path,
                f"the value of tag {key} is {len(value)} characters; at most {VALUE_LENGTH}"))
        for what, text in (("key", key), ("value", value)):
            bad = _bad_chars(text)
            if bad:
                found.append(locator.error(
                    CODE, path,
                    f"tag {what} '{text}' has characters AWS tags do not take ({bad!r}); use "
                    "letters, digits, spaces and _ . : / = + - @", key=what == "key"))
    return found
