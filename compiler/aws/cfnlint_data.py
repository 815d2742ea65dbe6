"""cfn-lint's bundled data files (resource schemas, IAM actions), read without importing
cfn-lint: importing it costs ~0.4 s and ~70 MB, and the checks, `plan`, `check` and
`diff` only need its JSON files."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path


class MissingData(Exception):
    """cfn-lint's data files are not installed where expected."""


@functools.cache
def data_dir() -> Path:
    """cfn-lint's `data/` directory (found, not imported)."""
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        raise MissingData("cfn-lint is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"
