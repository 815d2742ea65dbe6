"""The compiles a spec stands for: one per environment it defines, with the values it needs.

A spec that needs values from outside says so in a comment line,

    # compile with: --var IMAGE_TAG=2026.11.27-4f2a9c1 --var OTHER=x

and a spec with `environments:` is compiled once for its own environment (no
--env) and once with --env for each other one. Golden templates of a build live
in tests/golden/<build id>/: the spec's stem, plus `--<env>` for --env builds.
Used by tests/test_examples.py and tests/e2e/test_deploy.py.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from compiler.pipeline import environment_names

COMPILE_WITH = re.compile(r"^# compile with: (.*)$", re.MULTILINE)


@dataclass(frozen=True)
class Build:
    spec: Path
    env: str | None = None
    values: dict = field(default_factory=dict, hash=False)

    @property
    def id(self) -> str:
        return self.spec.stem + (f"--{self.env}" if self.env else "")

    def __str__(self) -> str:
        return self.id


def builds(spec: Path) -> list[Build]:
    text = spec.read_text(encoding="utf-8", errors="replace")
    values: dict[str, str] = {}
    for line in COMPILE_WITH.findall(text):
        words = shlex.split(line)
        for flag, value in zip(words, words[1:]):
            if flag == "--var":
                name, _, val = value.partition("=")
                values[name] = val
    names = environment_names(str(spec))
    own = _own_environment(spec, names)
    return [Build(spec, None, values)] + [Build(spec, n, values) for n in names if n != own]


def _own_environment(spec: Path, names: list[str]) -> str | None:
    from compiler.spec import environments, loader

    data, _, _ = loader.load(str(spec))
    return environments.base_environment(data) if data is not None else None


def all_builds(specs: list[Path]) -> list[Build]:
    return [b for spec in specs for b in builds(spec)]
