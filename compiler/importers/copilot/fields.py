"""What every section of a Copilot manifest reads with: the manifest, the spec entry it
fills, how it reports a key it cannot translate, and Copilot's values (strings with
predefined variables, durations, commands, integers, names).

Each section is a class of its own module (image, variables, storage, sidecars, network,
count); `task.Translator` puts them together.
"""

from __future__ import annotations

import re
import shlex

from compiler.diagnostics import Locator
from compiler.importers.copilot import durations
from compiler.importers.copilot.context import RENAMED, Context, shown

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,27}$")


def spec_name(raw: str, loc: Locator, path: tuple, ctx: Context, what: str) -> str:
    """A Copilot workload name made to fit ^[a-z][a-z0-9-]{0,27}$ (said when it changes)."""
    name = str(raw)
    fixed = fixed_name(name)
    if fixed == name:
        return name
    ctx.warn(RENAMED, loc, path, f"{what} name {shown(name)} does not fit ^[a-z][a-z0-9-]{{0,27}}$: "
             f"imported as {shown(fixed)}")
    return fixed


def fixed_name(name: str) -> str:
    """The name a workload gets here (spec_name), for a reference to it (a subscribed topic's service)."""
    if _NAME.match(name):
        return name
    fixed = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    if not fixed or not fixed[0].isalpha():
        fixed = "w-" + fixed
    return fixed[:28].rstrip("-")


class Fields:
    """The manifest being read and the spec entry it fills; what every section shares."""

    def __init__(self, data: dict, loc: Locator, ctx: Context, spec_path: tuple, app: str, env: str):
        self.m, self.loc, self.ctx, self.base, self.app, self.env = data, loc, ctx, spec_path, app, env
        self.out: dict = {}
        self.done: set[str] = {"name", "type"}
        self.builds = None            # image.build as written, when Copilot built the image
        self.image_variable = None    # the ${VAR} the spec's image reads instead

    # -- reporting helpers ------------------------------------------------------------
    def drop(self, path: tuple, why: str, where: tuple = ()) -> None:
        self.ctx.untranslated(self.loc, path, why, self.base + where)

    def bad(self, path: tuple, value, expected: str, where: tuple = ()) -> None:
        self.drop(path, f"{shown(value)} is not {expected}; set it by hand", where)

    # -- values -------------------------------------------------------------------------
    def text(self, value) -> str:
        """A Copilot string, with its predefined variables resolved to the imported names."""
        s = value if isinstance(value, str) else _scalar_text(value)
        return (s.replace("${COPILOT_APPLICATION_NAME}", self.app)
                 .replace("${COPILOT_ENVIRONMENT_NAME}", self.env))

    def seconds(self, path: tuple, value, where: tuple = ()) -> int | None:
        secs = durations.whole_seconds(value)
        if secs is None:
            self.bad(path, value, "a duration such as 10s or 1m30s", where)
        return secs

    def command(self, path: tuple, value, where: tuple = ()) -> list | None:
        if isinstance(value, list):
            return [self.text(v) for v in value]
        if isinstance(value, str):
            try:
                return shlex.split(self.text(value))
            except ValueError:
                self.bad(path, value, "a command line with balanced quotes", where)
                return None
        self.bad(path, value, "a string or a list of strings", where)
        return None


def as_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.match(r"^\s*\d{1,9}\s*$", value):
        return int(value)
    return None


def _scalar_text(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)
