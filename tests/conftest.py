"""Shared test setup.

- The lint cache goes to a temporary directory of this run (shared by its xdist
  workers), so every test run really runs cfn-lint once per template content.
- Every test under tests/e2e/ is marked `e2e` (deploys into the local emulator):
  `python -m pytest -m "not e2e and not slow"` is the quick loop (the costliest other
  tests carry the `slow` mark themselves: README, "Tests"). Under pytest-xdist they all run on
  one worker (group "e2e"): the emulator is moto in the worker's process (~250 MB once
  it has served a deploy), so one worker holds it, not every worker. The tests that
  start a big process (checkov, a collection of the suite: BEFORE_E2E) join that group
  and run first in it, before moto is loaded, rather than beside it on the other worker.
- Under pytest-xdist (`--dist loadgroup`, see pyproject.toml), the tests that share a
  module- or session-scoped fixture of their own module run on one worker, so that
  fixture (a deploy, checkov over every example, the Copilot corpus imported) is built
  once per run, not once per worker; a module fixture with parameters (one deploy per
  spec in tests/e2e/test_deploy.py) makes one group per parameter.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

import planted_lints as planted

TESTS = Path(__file__).resolve().parent
E2E = TESTS / "e2e"
# Tests that start a process of a few hundred MB: checkov (~300 MB) and a collection of the
# whole suite (~140 MB). They run first on the e2e worker (group "e2e"), before its first
# deploy loads moto there (~400 MB more), not on the other worker beside it: together they
# took the suite's summed peak over 1 GB.
BEFORE_E2E = {TESTS / "test_security.py", TESTS / "test_self_contained.py"}
SHARED_SCOPES = {"module", "session", "package"}


@pytest.fixture(scope="session", autouse=True)
def _isolated_lint_cache(request, tmp_path_factory):
    base = tmp_path_factory.getbasetemp()
    # An xdist worker's basetemp is <run's basetemp>/popen-gwN: the cache sits beside them.
    worker = hasattr(request.config, "workerinput")
    cache = (base.parent if worker else base) / "xdg-cache"
    cache.mkdir(exist_ok=True)
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(cache)
    yield
    if old is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = old


@pytest.fixture(scope="session")
def planted_lints(tmp_path_factory) -> planted.PlantedLints:
    """Every golden template with planted errors, linted by stock cfn-lint and by a lint worker,
    once per run: tests/test_lint.py and tests/test_lintspeed.py read it (group "planted-lints")."""
    return planted.run(tmp_path_factory.mktemp("planted-lints"))


def pytest_collection_finish(session):
    """What collection made (modules, test items) lives to the end of the process: gc.freeze
    keeps the collector off it, so full collections come as often as the tests' own garbage
    asks (a cfn-lint rule set left by each cfnlint.api.lint() call, ~55 MB, in reference
    cycles) and cost little, instead of waiting for the heap to grow by a quarter."""
    gc.collect()
    gc.freeze()


def _shared_fixture_group(item: pytest.Item) -> str | None:
    """The xdist group of a test that uses a module/session fixture defined in its own module.
    No "@" or "]" in the name: xdist reads the group as what follows the last "@" after any "]"."""
    info = getattr(item, "_fixtureinfo", None)
    module = item.nodeid.split("::")[0]
    if info is None:
        return None
    for name in sorted(item.fixturenames):
        defs = info.name2fixturedefs.get(name)
        if not defs or defs[-1].scope not in SHARED_SCOPES or defs[-1].baseid != module:
            continue
        callspec = getattr(item, "callspec", None)
        if callspec is not None and name in callspec.indices:
            return f"{module}:{name}:{callspec.indices[name]}"
        return f"{module}:{name}"
    return None


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    paths = {id(item): Path(str(item.path)).resolve() for item in items}
    items.sort(key=lambda item: paths[id(item)] not in BEFORE_E2E)  # stable: first, same order
    for item in items:
        path = paths[id(item)]
        if path in BEFORE_E2E:
            item.add_marker(pytest.mark.xdist_group("e2e"))
        if E2E in path.parents:
            item.add_marker(pytest.mark.e2e)
            if not item.get_closest_marker("xdist_group"):
                item.add_marker(pytest.mark.xdist_group("e2e"))
        group = _shared_fixture_group(item)
        if group and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(group))
