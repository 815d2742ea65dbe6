"""FC209: names stay inside the output directory, map to distinct logical IDs, fit AWS limits."""

from __future__ import annotations

from compiler.state import naming
from compiler.checks._util import pascal_clashes, svc
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App

CODE = "FC209"

_UNSAFE = ("/", "\\", "..", "\0")


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    for path, value in (("app",), app.app), (("environment",), app.environment):
        if _unsafe(value):
            found.append(locator.error(
                CODE, path,
                f"'{value}' cannot name a directory under the output directory; "
                "use lowercase letters, digits and '-'"))
    for s in app.services:
        if _unsafe(s.name):
            found.append(locator.error(
                CODE, svc(s.name),
                f"service name '{s.name}' cannot be used in file and resource names; "
                "use lowercase letters, digits and '-'", key=True))
    for earlier, name, logical in pascal_clashes(s.name for s in app.services):
        found.append(locator.error(
            CODE, svc(name),
            f"services {earlier} and {name} both become the logical ID prefix "
            f"'{logical}'; rename one (names differing only in '-' collide)", key=True))
    found += _lengths(app, locator)
    return found


def _unsafe(name: str) -> bool:
    return not name or any(part in name for part in _UNSAFE)


# (what, name, AWS limit) for every physical name the compiler sets.
def _generated(app: App):
    yield "cluster name", naming.cluster_name(app.app, app.environment), 255


def _lengths(app: App, locator: Locator) -> list[Diagnostic]:
    return [
        locator.error(
            CODE, ("app",),
            f"the generated {what} '{name}' is {len(name)} characters; AWS allows {limit}; "
            "shorten app or environment")
        for what, name, limit in _generated(app)
        if len(name) > limit
    ]
