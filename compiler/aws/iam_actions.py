"""Known IAM actions: the service authorization reference as cfn-lint ships it.

cfn-lint's `data/AdditionalSpecs/Policies.json` (pinned with cfn-lint) lists every
service prefix and its actions, in lowercase (IAM matches actions case-insensitively).
The spelling shown in a "did you mean" comes from awacs, whose modules define each
action as AWS writes it (`awacs.s3.GetObject`); the lowercase name is the fallback.
"""

from __future__ import annotations

import difflib
import importlib
import json
from functools import lru_cache

from compiler.aws import cfnlint_data


@lru_cache(maxsize=1)
def _services() -> dict[str, frozenset[str]]:
    path = cfnlint_data.data_dir() / "AdditionalSpecs" / "Policies.json"  # read, cfn-lint not imported
    found = json.loads(path.read_text(encoding="utf-8"))
    return {prefix: frozenset(spec.get("Actions", {})) for prefix, spec in found.items()}


@lru_cache(maxsize=None)
def _spellings(prefix: str) -> dict[str, str]:
    """lowercase action -> AWS's spelling, from the awacs module of `prefix` (may be empty)."""
    from awacs.aws import Action

    try:
        module = importlib.import_module("awacs." + prefix.replace("-", "_"))
    except ImportError:
        return {}
    return {
        value.action.lower(): value.action
        for value in vars(module).values()
        if isinstance(value, Action) and getattr(value, "prefix", None) == prefix
    }


def problem(action: str) -> tuple[str, str]:
    """("", "") for a known `service:Action`; else (why, did-you-mean hint)."""
    prefix, _, name = action.partition(":")
    services = _services()
    known = services.get(prefix.lower())
    if known is None:
        close = difflib.get_close_matches(prefix.lower(), list(services), n=1)
        hint = f"did you mean '{close[0]}:{name}'?" if close else ""
        return f"'{prefix}' is not an IAM service prefix", hint
    if name.lower() in known:
        return "", ""
    close = difflib.get_close_matches(name.lower(), sorted(known), n=1, cutoff=0.6)
    hint = ""
    if close:
        hint = f"did you mean '{prefix}:{_spellings(prefix.lower()).get(close[0], close[0])}'?"
    return f"'{name}' is not an action of {prefix}", hint
