"""Two changes to how cfn-lint runs in our lint workers that change its speed, never its findings.

1. `lazy_sympy()`: cfn-lint imports five logic classes, `Symbol` and `Dummy` from the top of
   sympy, and `import sympy` runs the package's `__init__`, which imports all of
   sympy (polynomials, matrices, printing...): ~0.1 s and ~21 MB of every lint
   worker, used only by cfn-lint's condition solver. Before cfn-lint is imported,
   `sympy` is registered as its own package with the `__init__` not yet run:
   submodules import as usual, and the names cfn-lint imports come from the
   submodules that define them (sympy's `__init__` re-exports those very objects;
   the test checks they are identical). Any other attribute asked of the package,
   and `complete_sympy()`, run the real `__init__` into it. lint.py completes sympy
   before linting a template with Conditions or Rules (the solver builds sympy
   expressions, whose code imports more of sympy as it goes), in the first worker
   before the others fork when any template has them; on a template without them
   the guard (`_Guard`) stops any late sympy import, and lint.py lints it again
   with sympy complete if that ever happened.

2. `cache_validator_classes()`: `Validator.extend()` (cfn-lint's JSON-schema
   walk, called by most rules for every resource and property they check) builds a
   new dataclass each call from the same handful of inputs: ~0.5 ms each, 700 times
   for a 20-service template, a quarter of its lint time. The class is a function
   of its inputs alone (the keyword functions, the function filter's settings and
   the intrinsic-function resolvers), so equal inputs get the class made the first
   time.

tests/test_lintspeed.py checks both against stock cfn-lint in a separate process:
the same findings on every example's templates, with errors planted in every
resource and conditions for the solver. Both are applied by lint.prepare() only, so
a process that never lints never imports cfn-lint or sympy because of this module.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import sys
from typing import Any

# The names cfn-lint imports from the top of sympy (`from sympy import ...` in
# cfnlint/conditions and cfnlint/context/conditions), by the submodule defining them.
SYMPY_NAMES = {
    "And": "sympy.logic.boolalg",
    "Equivalent": "sympy.logic.boolalg",
    "Implies": "sympy.logic.boolalg",
    "Not": "sympy.logic.boolalg",
    "Or": "sympy.logic.boolalg",
    "Dummy": "sympy.core.symbol",
    "Symbol": "sympy.core.symbol",
}


class _Sympy:
    """The state of the deferred sympy: its spec and package, and the guard."""

    spec: Any = None
    package: Any = None
    trips = 0  # imports the guard stopped (see guard())


def lazy_sympy() -> bool:
    """Register sympy with its `__init__` deferred (see the module docstring). False
    when sympy is already imported or not found: then nothing changes."""
    if "sympy" in sys.modules:
        return False
    spec = importlib.util.find_spec("sympy")
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return False
    package = importlib.util.module_from_spec(spec)

    def __getattr__(name: str) -> Any:
        home = SYMPY_NAMES.get(name)
        if home is not None and "__getattr__" in package.__dict__:
            try:
                importlib.import_module("sympy.core")  # first, as sympy's __init__ does: its modules import in a cycle
                value = getattr(importlib.import_module(home), name)
            except Exception:  # a sympy laid out otherwise than the one pinned: the whole of it
                complete_sympy()
                return getattr(package, name)
            setattr(package, name, value)
            return value
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # import machinery probing dunders: not a use of sympy
        complete_sympy()
        return getattr(package, name)

    package.__getattr__ = __getattr__
    _Sympy.spec, _Sympy.package = spec, package
    sys.modules["sympy"] = package
    return True


class _Guard:
    """First on sys.meta_path once cfn-lint is loaded: while sympy is incomplete, stops
    (and counts) the import of any sympy module not loaded yet. sympy's modules import
    each other in an order its `__init__` sets; one imported later from inside a
    function (as sympy does when it builds a logic expression) would meet them
    half-made. lint_shard() completes sympy before any template with conditions, so
    the guard never stops an import there; if it does, the template is linted again
    with sympy complete."""

    @staticmethod
    def find_spec(fullname, path=None, target=None):
        if fullname.startswith("sympy.") and fullname not in sys.modules and not is_sympy_complete():
            _Sympy.trips += 1
            raise ImportError(f"{fullname}: sympy is not complete yet (fargate-compile lintspeed)")
        return None


def guard() -> None:
    """Stop late imports of sympy modules until complete_sympy() (see _Guard)."""
    if _Sympy.package is not None and not is_sympy_complete() and _Guard not in sys.meta_path:
        sys.meta_path.insert(0, _Guard)


def complete_sympy() -> None:
    """Run sympy's own `__init__` into the package (once): all of sympy, as `import sympy`."""
    package = _Sympy.package
    if package is None or package.__dict__.pop("__getattr__", None) is None:
        return
    while _Guard in sys.meta_path:
        sys.meta_path.remove(_Guard)
    _Sympy.spec.loader.exec_module(package)


def guard_trips() -> int:
    """How many late sympy imports the guard has stopped in this process."""
    return _Sympy.trips


def is_sympy_complete() -> bool:
    """Whether sympy's whole `__init__` has run (or sympy was never deferred)."""
    module = sys.modules.get("sympy")
    return module is None or "__getattr__" not in module.__dict__


# Entries kept by cache_validator_classes, oldest out first. A template's lint makes ~13; our
# one rule set per process needs ~15 in all (40 golden templates linted in one process: 15
# entries, the process flat). Each entry keeps its inputs alive, and with them the rule set
# whose bound methods they are: a process that builds more rule sets after prepare() (each
# cfnlint.api.lint() call builds one, ~55 MB) keeps at most ~3 of them, not every one.
MAX_VALIDATOR_CLASSES = 32


def cache_validator_classes() -> None:
    """Make cfn-lint's validator-class factory return one class per distinct input (see
    the module docstring). Idempotent."""
    from cfnlint.jsonschema import validators

    if getattr(validators.create, "_fargate_compile_cached", False):
        return
    make = validators.create
    made: dict[tuple, tuple] = {}

    def create(validators=None, function_filter=None, fn_resolvers=None):
        key = (_mapping_key(validators), _filter_key(function_filter), _mapping_key(fn_resolvers))
        if key[1] is None:  # a filter we cannot compare by value: no cache
            return make(validators, function_filter, fn_resolvers)
        entry = made.get(key)
        if entry is None:
            if len(made) >= MAX_VALIDATOR_CLASSES:  # the oldest goes, its inputs with it
                del made[next(iter(made))]
            # the inputs are kept with the class: the ids in the key stay theirs
            entry = made[key] = (make(validators, function_filter, fn_resolvers),
                                 validators, function_filter, fn_resolvers)
        return entry[0]

    create._fargate_compile_cached = True
    validators.create = create  # extend() calls the module's create()


def _callable_key(value: Any) -> tuple:
    """Identity, except that two bound methods of one object and one function are one
    (getattr(rule, name) makes a new bound-method object each time)."""
    owner, function = getattr(value, "__self__", None), getattr(value, "__func__", None)
    if owner is not None and function is not None:
        return ("method", id(owner), id(function))
    return ("object", id(value))


def _mapping_key(mapping) -> tuple:
    return tuple((name, _callable_key(value)) for name, value in (mapping or {}).items())


def _filter_key(function_filter) -> tuple | None:
    """A function filter by value: its type and every field (they are plain settings).
    None when it is not a dataclass of hashable-by-value fields."""
    if function_filter is None:
        return ("none",)
    if not dataclasses.is_dataclass(function_filter):
        return None
    values = []
    for field in dataclasses.fields(function_filter):
        value = getattr(function_filter, field.name)
        if isinstance(value, (list, tuple)):
            value = tuple(value)
        try:
            hash(value)
        except TypeError:
            return None
        values.append((field.name, value))
    return (type(function_filter), tuple(values))

