"""The pipeline: load -> environment -> variables -> schema -> normalize -> place -> checks
-> stacks -> lint -> write.

Every stage returns values; problems are Diagnostics. Nothing is written unless
every stage before `write` passed. The CLI decides what to print and the exit code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from compiler.spec import variables
from compiler.state import lockfile
from compiler.diagnostics import Diagnostic, errors, ordered
from compiler.lint.runner import lint_templates
from compiler.writer import compile_scope, exclusive, write_atomically

if TYPE_CHECKING:
    from troposphere import Template

    from compiler.model import App

# The stages up to `stacks` (schema, checks, troposphere...) are imported by the functions
# that run them: finish() needs none of them, and the CLI lints and writes in a process
# that never loads them (cli.py builds in a child process that exits before linting).

# Outcomes, in the order of the stages that produce them.
OK = "ok"
INVALID = "invalid"          # the spec has errors: exit 1
LINT_FAILED = "lint-failed"  # a generated template failed cfn-lint: a compiler bug, exit 3


class UnwritableOutput(Exception):
    """The output directory cannot be created or written (a path problem, not a spec problem)."""


@dataclass
class Result:
    status: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    app: App | None = None                                   # None when built in another process
    files: dict[str, str] = field(default_factory=dict)     # file name -> text
    resources: dict[str, int] = field(default_factory=dict)  # file name -> resource count
    output: Path | None = None
    stack_name: str | None = None


@dataclass
class Built:
    """The templates of a valid spec, or the reasons there are none: plain data (it crosses
    from the CLI's build process), everything finish() needs to lint and write."""

    status: str                                              # OK (to lint) or INVALID
    diagnostics: list[Diagnostic] = field(default_factory=list)
    stack_name: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    resources: dict[str, int] = field(default_factory=dict)
    placement: dict[str, Any] | None = None                  # placement.record(app), for the lock file
    secrets: dict[str, str] = field(default_factory=dict)    # values kept out of messages
    app: App | None = None                                   # dropped before crossing processes
    write_lock: bool = True         # False: the lock could not be used and is left as it is
    reset_lock: bool = False        # --reset-lock: an unreadable lock is set aside and started anew


def validate(path: str, env: str | None = None, values: Mapping[str, str] | None = None,
             output_dir: str | None = None,
             previous_record: Mapping | None = None) -> tuple[App | None, list[Diagnostic]]:
    """Load and check a spec for one environment: the model, or the reasons there is none.

    `env`: the environment to compile (None: the spec's own); `values`: what ${NAME}
    references read (the CLI passes the process environment overlaid with --var).
    Raises environments.UnknownEnvironment for an env the spec does not define.
    Services are placed where the lock file beside the spec (else the output under
    `output_dir`, else `previous_record`) says the last compile put them (placement.py).
    """
    app, _, found, _, _ = _validate(path, env, values, output_dir, previous_record)
    return app, found


def _validate(path: str, env: str | None = None, values: Mapping[str, str] | None = None,
              output_dir: str | None = None, previous_record: Mapping | None = None,
              refuse: bool = False, reset_lock: bool = False):
    """(model or None, locator, findings, secret variable values to keep out of messages, whether
    the lock may be rewritten). A lock record that cannot be used
    is replaced by the output's (or `previous_record`); without either, `refuse` raises
    lockfile.UnusableLock, else the spec alone places; `reset_lock` places without the lock."""
    from compiler import checks
    from compiler.spec import environments, loader, schema
    from compiler.spec.normalize import empty_blocks

    data, locator, found = loader.load(path)
    if errors(found):
        return None, locator, found, {}, True
    loaded, base_locator = data, locator
    data, locator, chosen = environments.select(data, locator, env)
    substituted = variables.substitute(data, locator, values or {})
    found += chosen + substituted.diagnostics
    data = empty_blocks(substituted.data)
    found += substituted.unrelated(schema.validate(data, locator))
    found += environments.other_shapes(loaded, base_locator, data.get("environment"), values or {}, found)
    if errors(found):
        return None, locator, substituted.redact(ordered(found)), substituted.secrets, True
    lock = lockfile.load(path)
    keep_lock = [True]

    def previous(stack_name: str):
        record, trouble = lock.record(stack_name)
        if record is not None:
            return record
        output = lockfile.from_output(Path(output_dir) / stack_name) if output_dir else None
        stand_in = output if output is not None else previous_record
        if trouble is None:
            return stand_in
        # Never used in part, never overwritten: another record stands in, or the compile stops.
        keep_lock[0] = reset_lock
        if reset_lock:
            found.append(lockfile.warning(lock.path, f"--reset-lock: the lock file cannot be used ({trouble}); "
                                          + ("placed as the previous output's root template records"
                                             if stand_in is not None else "placed from the spec alone")))
            return stand_in
        if stand_in is not None:
            where = f"{Path(output_dir) / stack_name}/root" if output is not None else "the other side's root template"
            found.append(lockfile.warning(lock.path, f"the lock file cannot be used: {trouble}; using the record "
                                          f"in {where} instead, and leaving the lock file as it is (restore it, "
                                          "or rewrite it from this compile with --reset-lock)"))
            return stand_in
        if refuse:
            raise lockfile.UnusableLock(lockfile.recovery(lock.path, stack_name, trouble,
                                                          Path(output_dir) if output_dir else None))
        found.append(lockfile.warning(lock.path, f"the lock file cannot be used: {trouble}; placed from the spec alone"))
        return None

    app = model_of(data, previous)
    found += checks.run(app, data, locator)
    return ((None if errors(found) else app), locator, substituted.redact(ordered(found)), substituted.secrets,
            keep_lock[0])


def model_of(data: Mapping[str, Any], previous: Callable[[str], Any] | None = None) -> App:
    """normalize -> place: the model of a spec that passed the schema, each service placed
    where `previous(stack_name)` (what the last compile of the app recorded, lockfile.py)
    put it; with no record, where a first compile puts it."""
    from compiler.spec.normalize import normalize
    from compiler.state import placement

    app = normalize(data)
    return placement.place(app, previous(app.stack_name) if previous else None)


def environment_names(path: str) -> list[str]:
    """Every environment the spec at `path` can be compiled for; [] when it cannot be loaded."""
    from compiler.spec import environments, loader

    try:
        data, _, found = loader.load(path)
    except loader.UnreadableFile:
        return []
    return [] if errors(found) else environments.names(data)


def build_templates(app: App, extension: str = "json") -> list[tuple[str, Template]]:
    """Every template of the app, root first, as (file stem, Template)."""
    from compiler.stacks import alb, endpoints, jobs, messaging, network, nlb, root, services, storage

    children = [("network", network.build(app))]
    if app.network.endpoints:
        children.append(("endpoints", endpoints.build(app)))
    if app.load_balancer:
        children.append(("alb", alb.build(app)))
    if app.nlb_services or app.network_load_balancers:
        children.append(("nlb", nlb.build(app)))
    if app.uses_managed_efs:
        children.append(("storage", storage.build(app)))
    if app.uses_messaging:
        children.append(("messaging", messaging.build(app)))
    children += services.build(app)
    if app.jobs:
        children.append(("jobs", jobs.build(app)))
    return [("root", root.build(app, children, extension))] + children


def compile_spec(path: str, output_dir: str = "templates_out", fmt: str = "json",
                 lint: bool = True, use_cache: bool = True, env: str | None = None,
                 values: Mapping[str, str] | None = None, lint_pool=None, progress=None,
                 write_lock: bool = True, reset_lock: bool = False) -> Result:
    """build() then finish(), in this process. `lint_pool`: lint workers already started
    (lint.start_pool); `progress`: see lint.Progress. After writing the templates, the
    placement is recorded in the lock file beside the spec (lockfile.py) unless
    `write_lock` is false (a harness compiling specs it does not own)."""
    with exclusive(compile_scope(path, output_dir)):
        built = build(path, output_dir, fmt, env, values, reset_lock)
        return finish(path, built, output_dir, lint=lint, use_cache=use_cache, lint_pool=lint_pool,
                      progress=progress, write_lock=write_lock)



def build(path: str, output_dir: str = "templates_out", fmt: str = "json", env: str | None = None,
          values: Mapping[str, str] | None = None, reset_lock: bool = False) -> Built:
    """load -> ... -> stacks: the serialized templates, or the spec's problems. Raises
    lockfile.UnusableLock when the lock cannot be used and no output stands in for it."""
    from compiler import checks
    from compiler.state import placement
    from compiler.writer import serialize

    app, locator, found, secrets, keep_lock = _validate(path, env, values, output_dir, refuse=True,
                                                        reset_lock=reset_lock)
    if app is None:
        return Built(INVALID, found, secrets=secrets)
    built = build_templates(app, fmt)
    files = {f"{stem}.{fmt}": serialize(t, fmt) for stem, t in built}
    resources = {f"{stem}.{fmt}": len(t.resources) for stem, t in built}
    # Services stacks are split by count; a spec with much text can still make one too big.
    oversized = checks.task_size.stack_sizes(app, {stem: len(files[f"{stem}.{fmt}"].encode())
                                                   for stem, _ in built}, locator)
    if oversized:
        return Built(INVALID, ordered(found + oversized), secrets=secrets)
    return Built(OK, found, app.stack_name, files, resources, placement.record(app), secrets, app,
                 write_lock=keep_lock, reset_lock=reset_lock)


def finish(path: str, built: Built, output_dir: str = "templates_out", lint: bool = True,
           use_cache: bool = True, lint_pool=None, progress=None, write_lock: bool = True) -> Result:
    """lint -> write (and the lock file) for what build() made."""
    found = list(built.diagnostics)
    if built.status != OK:
        return Result(built.status, found)
    done = dict(app=built.app, files=built.files, resources=built.resources, stack_name=built.stack_name)
    if lint:
        found += variables.redact(lint_templates(built.files, use_cache=use_cache, pool=lint_pool,
                                                 progress=progress), built.secrets)
        if errors(found):
            return Result(LINT_FAILED, found, **done)
    target = Path(output_dir) / built.stack_name
    try:
        write_atomically(built.files, target)
    except OSError as exc:
        raise UnwritableOutput(f"cannot write {target}: {exc.strerror or exc}") from None
    if write_lock and built.write_lock:
        found += lockfile.write(path, built.stack_name, built.placement, reset=built.reset_lock)
    return Result(OK, found, output=target, **done)
