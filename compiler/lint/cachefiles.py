"""The user's cache: JSON records under $XDG_CACHE_HOME (else ~/.cache)/fargate-compile/<kind>/.

Shared by the lint cache and the build records. Standard library only (it is
imported before the heavy modules). Reading or writing never raises: a missing,
corrupt or unwritable cache reads as "nothing cached", never as a failure.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def cache_dir(kind: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "fargate-compile" / kind


def read_json(kind: str, key: str) -> Any:
    """The record stored under `key`, or None when there is none readable."""
    try:
        return json.loads((cache_dir(kind) / f"{key}.json").read_text())
    except (OSError, ValueError):
        return None


def write_json(kind: str, key: str, value: Any) -> None:
    """Store `value` under `key` atomically (a reader never sees half a record)."""
    try:
        directory = cache_dir(kind)
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / f".{key}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(value, sort_keys=True))
        os.replace(tmp, directory / f"{key}.json")
    except OSError:
        pass
