"""FC223: spec values are literal; a `${AWS::Region}`-like reference would never be substituted."""

# The compiler copies spec strings into the templates as they are written, outside
# Fn::Sub, so CloudFormation never replaces `${AWS::AccountId}` or `${VpcId}` in them
# (and cfn-lint's E1029 refuses them). `${NAME}` is the compiler's own variable syntax
# (compiler/spec/variables.py substitutes it before this check runs); what reaches this check
# is `${AWS::Region}`-like text and the escaped `$${...}`. Shell-style `${HOME}` or
# `${port}` written as `$${HOME}` is left alone: it cannot name a pseudo parameter, an
# attribute or one of the PascalCase logical IDs and parameters the compiler generates.

from __future__ import annotations

import re
from typing import Any, Iterator

from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App

CODE = "FC223"

_REFERENCE = re.compile(r"\$\{([A-Za-z0-9_:.]+)\}")       # cfn-lint E1029's pattern
_TEMPLATE_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*$")


def looks_like_reference(name: str) -> bool:
    return "::" in name or "." in name or bool(_TEMPLATE_NAME.match(name))


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    for path, text, is_key in _strings(data, ()):
        names = [n for n in _REFERENCE.findall(text) if looks_like_reference(n)]
        if names:
            shown = text if len(text) <= 60 else text[:57] + "..."
            found.append(locator.error(
                CODE, path,
                f"'{shown}' contains ${{{names[0]}}}, which CloudFormation would read as a "
                "reference, but spec values are copied literally and never substituted",
                hint="write the value itself (the account, region or name)", key=is_key))
    return found


def _strings(node: Any, path: tuple) -> Iterator[tuple[tuple, str, bool]]:
    """Every string key and value in the spec, with its path."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str):
                yield path + (key,), key, True
            yield from _strings(value, path + (key,))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _strings(item, path + (index,))
    elif isinstance(node, str):
        yield path, node, False
