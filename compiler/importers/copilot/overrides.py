"""A manifest's `environments.<env>` override applied the way Copilot applies it.

Mappings merge key by key; lists and scalars replace. Positions follow the data:
a value that comes from the override is located inside the override, so a warning
about it names the line the user wrote.
"""

from __future__ import annotations

from compiler.diagnostics import Locator


def apply(data: dict, loc: Locator, env: str | None) -> tuple[dict, Locator]:
    base = {k: v for k, v in data.items() if k != "environments"}
    overrides = data.get("environments")
    if env is None or not isinstance(overrides, dict) or not isinstance(overrides.get(env), dict):
        return base, loc
    prefix = ("environments", env)
    values, keys = dict(loc.values), dict(loc.keys)
    for table, source in ((values, loc.values), (keys, loc.keys)):
        for path, pos in source.items():
            if path[:2] == prefix and len(path) > 2:
                table[path[2:]] = pos
    return _merge(base, overrides[env]), Locator(loc.file, values, keys)


# Keys that exclude each other, as Copilot's transformers treat them: an override that sets
# one clears the other (an image built in prod is no longer pulled from `location`).
_EXCLUSIVE = (("build", "location"), ("location", "build"))


def _merge(base, override):
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, other in _EXCLUSIVE:
            if key in override and other in out and other not in override:
                del out[other]
        for key, value in override.items():
            if value is None:  # an empty override (`alias:` with only comments) changes nothing
                continue
            out[key] = _merge(base[key], value) if key in base else value
        return out
    return override
