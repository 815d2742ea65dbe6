"""`import-copilot --all-envs`: every environment of the workspace in one spec.

Each environment is imported exactly as `--env NAME` imports it (its manifest, every
workload's `environments.NAME` block); the results are then folded into one spec:

    base     what every environment's import has in common (mappings key by key;
             a list or a scalar only where every environment has the same one)
    environments.NAME   what that environment's import adds to the base

Our overrides merge mappings key by key and replace lists and scalars, and the base
only ever holds what each import holds, so the base with environments.NAME applied is
that environment's import, key for key (tests/test_import_copilot_envs.py compiles
both and compares the templates).
"""

from __future__ import annotations

from compiler.importers.copilot.emit import nearest
from compiler.importers.copilot.workspace import Imported, environment_names, import_workspace

_WORST = ("refused", "partial", "complete")


def import_all(root: str) -> Imported:
    names = environment_names(root)
    per = [import_workspace(root, name) for name in names]
    specs = [r.spec for r in per]
    common = _common(specs)
    base = {"app": common.pop("app"), "environment": specs[0]["environment"], **common}
    overrides = {}
    for r in per:
        added = _added(base, r.spec)
        added.pop("environment", None)
        overrides[r.spec["environment"]] = added
    spec = dict(base)
    spec["environments"] = overrides
    comments: dict[tuple, list[str]] = {}
    for r in per:
        env = r.spec["environment"]
        for path, texts in r.comments.items():
            # above the value it is about: in the environment's override when only that holds it
            deeper = len(nearest(overrides[env], path)) > len(nearest(base, path))
            where = ("environments", env) + path if deeper else path
            bucket = comments.setdefault(where, [])
            bucket += [t for t in texts if t not in bucket]
    seen, diagnostics = set(), []
    for r in per:
        for d in r.diagnostics:
            if d not in seen:
                seen.add(d)
                diagnostics.append(d)
    result = Imported(spec, comments, diagnostics, ", ".join(names))
    for r in per:
        result.types.update(r.types)
        for name, outcome in r.outcome.items():
            known = result.outcome.get(name, "complete")
            result.outcome[name] = min(known, outcome, key=_WORST.index)
    result.builds = [b for r in per for b in r.builds]
    return result


def _common(specs: list[dict]) -> dict:
    """The keys every spec has, recursively; a non-mapping value only where all are equal."""
    first = specs[0]
    out = {}
    for key, value in first.items():
        values = [s[key] for s in specs if key in s]
        if len(values) != len(specs):
            continue
        if all(isinstance(v, dict) for v in values):
            out[key] = _common(values)
        elif all(v == value for v in values):
            out[key] = value
    return out


def _added(base: dict, spec: dict) -> dict:
    """What `spec` holds beyond `base` (which holds only what `spec` holds)."""
    out = {}
    for key, value in spec.items():
        if key not in base:
            out[key] = value
        elif isinstance(value, dict) and isinstance(base[key], dict):
            more = _added(base[key], value)
            if more:
                out[key] = more
    return out
