"""Shared test setup: the lint cache goes to a per-session temporary directory,
so every test run really runs cfn-lint once per template content."""

from __future__ import annotations

import os
import pytest


@pytest.fixture(scope="session", autouse=True)
def _isolated_lint_cache(tmp_path_factory):
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if old is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = old
