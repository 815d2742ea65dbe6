"""Per-environment overrides: `environments: {<name>: {<top-level keys>}}` applied to the spec.

A stage on the loaded data, before variables and validation:
(data, locator, env) -> the spec of that environment, and a Locator under which
every overridden value points at its own line inside `environments.<name>`, so
schema and cross-field errors in an override name the override's line.

Merge rule (the one Copilot users know): mappings merge key by key; lists and
scalars replace; a null in an override changes nothing when the base holds a
mapping there (a bare `http:` is no override), and replaces anything else.
`app` and `environments` cannot be overridden (the schema says so); `environment`
is the environment's name and may only repeat it. The `environments` block stays
in the result, untouched, so the schema still checks its shape.

With no env asked for, the spec's own `environment` (default "dev") is used, and
its entry of `environments`, if there is one, is applied: `fargate-compile spec.yaml`
and `fargate-compile spec.yaml --env dev` are the same compile.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from compiler.diagnostics import Diagnostic, Locator

CODES = {
    "FC292": "an override's `environment` differs from the environment's name",
}

DEFAULT_ENVIRONMENT = "dev"          # also normalize's default; kept equal by a test
NOT_OVERRIDABLE = ("app", "environments", "environment")


class UnknownEnvironment(Exception):
    """--env names an environment the spec does not define (a usage error, exit 2)."""

    def __init__(self, env: str, known: list[str]):
        self.env, self.known = env, known
        listed = ", ".join(known) if known else "none"
        super().__init__(f"environment {env!r} is not defined in the spec; it defines: {listed}")

    def __reduce__(self):  # pickled back from the CLI's build process
        return type(self), (self.env, self.known)


def overrides(data: Any) -> dict:
    """The `environments` mapping as written, or {} when absent or not a mapping."""
    found = data.get("environments") if isinstance(data, dict) else None
    return found if isinstance(found, dict) else {}


def base_environment(data: Any) -> str:
    env = data.get("environment", DEFAULT_ENVIRONMENT) if isinstance(data, dict) else DEFAULT_ENVIRONMENT
    return env if isinstance(env, str) else DEFAULT_ENVIRONMENT


def names(data: Any) -> list[str]:
    """Every environment a spec can be compiled for: its own, then its overrides, sorted."""
    return sorted({base_environment(data), *(k for k in overrides(data) if isinstance(k, str))})


def select(data: Any, locator: Locator, env: str | None = None) -> tuple[Any, Locator, list[Diagnostic]]:
    """The spec of environment `env` (None: the spec's own), its Locator, and findings."""
    if not isinstance(data, dict):
        return data, locator, []
    chosen = env if env is not None else base_environment(data)
    table = overrides(data)
    if chosen not in table:
        if env is not None and env != base_environment(data):
            raise UnknownEnvironment(env, names(data))
        return data, locator, []
    override = table[chosen] if isinstance(table[chosen], dict) else {}
    where = ("environments", chosen)
    found: list[Diagnostic] = []
    written = override.get("environment", chosen)
    if written != chosen:
        found.append(locator.error(
            "FC292", where + ("environment",),
            f"{written!r} differs from the environment's name {chosen!r}",
            hint=f"an override is named by its key; remove environment: or write environment: {chosen}"))
    merger = _Merger(locator)
    merged = dict(data)
    for key, value in override.items():
        if key in NOT_OVERRIDABLE:
            continue
        merged[key] = merger.merge(data.get(key, _ABSENT), value, (key,), where + (key,))
    merged["environment"] = chosen
    return merged, merger.locator(where), found


_ABSENT = object()


class _Merger:
    """Merges values and remembers, per replaced path, the override path it now comes from."""

    def __init__(self, locator: Locator):
        self.base = locator
        self.moved: dict[tuple, tuple] = {}   # spec path -> override path whose positions it takes

    def merge(self, base: Any, over: Any, path: tuple, source: tuple) -> Any:
        if isinstance(base, dict) and over is None:
            return base
        if isinstance(base, dict) and isinstance(over, dict):
            out = dict(base)
            for key, value in over.items():
                out[key] = self.merge(base.get(key, _ABSENT), value, path + (key,), source + (key,))
            return out
        self.moved[path] = source
        return over

    def locator(self, env_key: tuple) -> Locator:
        """Positions of the merged spec: the base's, except under every replaced path, which
        take the positions of the override they come from; `environment` points at env_key."""
        def replaced(path: tuple) -> bool:
            return any(path[:n] in self.moved for n in range(1, len(path) + 1))

        values = {p: pos for p, pos in self.base.values.items() if not replaced(p)}
        keys = {p: pos for p, pos in self.base.keys.items() if not replaced(p)}
        target = {source: path for path, source in self.moved.items()}
        for table, out in ((self.base.values, values), (self.base.keys, keys)):
            for p, pos in table.items():
                if p[:len(env_key)] != env_key:
                    continue
                for n in range(len(p), len(env_key), -1):   # the innermost replaced source holding p
                    if p[:n] in target:
                        out[target[p[:n]] + p[n:]] = pos
                        break
        where = self.base.keys.get(env_key) or self.base.position(env_key)
        values[("environment",)] = where
        keys[("environment",)] = where
        return Locator(self.base.file, values, keys)


def other_shapes(loaded: Any, locator: Locator, selected: Any, values: Mapping[str, str],
                 found: list[Diagnostic]) -> list[Diagnostic]:
    """Schema errors of every environment but the selected one: an override pasted one level
    too far out (`environments.extra.image`) is an error of every compile, not only of the
    compile of that environment. Problems `found` (the selected environment's) already
    shows are not repeated; a ${NAME} without a value there is not a problem of this compile
    (`check` validates every environment whole)."""
    from compiler.spec import schema, variables
    from compiler.spec.normalize import empty_blocks

    seen = {(d.line, d.col, d.message) for d in found}
    extra: list[Diagnostic] = []
    for name in names(loaded):
        if name == selected:
            continue
        data, where, chosen = select(loaded, locator, name)
        substituted = variables.substitute(data, where, values)
        for d in chosen + substituted.unrelated(schema.validate(empty_blocks(substituted.data), where)):
            if d.severity == "error" and (d.line, d.col, d.message) not in seen:
                seen.add((d.line, d.col, d.message))
                extra.append(replace(d, message=f"{d.message} (in environment {name})"))
        extra = substituted.redact(extra)
    return extra
