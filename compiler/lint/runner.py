"""cfn-lint over every generated template: cached, on every core, started early.

Findings come back as Diagnostics (file = the template's name). Results are
cached per template content: the key is sha256 of the template text, the
cfn-lint version, our rules (compiler/lint/rules/) and the rule settings, stored
under $XDG_CACHE_HOME (else ~/.cache)/fargate-compile/lint/. A corrupt or
unwritable cache is ignored: it can make a compile slower, never make it fail.

Work sharing (every rule still runs on every template): the CLI starts a pool of
processes (lintpool.py) before it compiles; templates go to its workers. When
one template is more than a worker's share, it is linted as shards that together
equal one whole run. Most of cfn-lint's time is E1001's JSON-schema walk, and
most of that is E3001's walk of each resource (E3002 Properties and the keyword
rules under it): shard 0 runs every rule on the whole template but walks only
its own resources, and each further shard runs only E1001 over its own
resources. Resources that a stateful keyword rule compares with each other
(subnets, endpoints...) stay together in shard 0, in template order. Findings
are merged and de-duplicated. Pool tasks also set aside the keyword rules bound
to resource types the template lacks (type_bound_rules). tests/test_lint.py
checks all of this gives exactly the findings of a whole serial run on every
example, with errors planted in every resource.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import math
from typing import Callable

from compiler.lint import cachefiles, pool as lintpool, speed as lintspeed
from compiler.diagnostics import ERROR, WARNING, Diagnostic
from compiler.lint.rules import RULES_DIR, rules_digest

# W3002: local TemplateURLs are exactly what `aws cloudformation package` expects.
IGNORED_CHECKS = ("W3002",)
REGIONS = ("us-east-1",)
CACHE_FORMAT = 1
CACHE_KIND = "lint"
PARALLEL_MIN_BYTES = 300_000  # without a started pool: below this, forking costs more than it saves

SCHEMA_RULE = "E1001"     # the JSON-schema walk of the whole template
RESOURCES_RULE = "E3001"  # its walk of each resource (E3002 Properties and the rules under it)
KEYWORD_RULE = "E1101"    # calls the keyword rules where the walk's path equals their keyword
SHARD_OVERHEAD = 0.03      # shard 0 also runs every rule outside the walk: about this share of the work


def cache_key(text: str) -> str:
    from importlib.metadata import version  # not at import: the CLI imports this module before it forks

    settings = json.dumps(
        {"cfn-lint": version("cfn-lint"), "ignore": IGNORED_CHECKS, "regions": REGIONS,
         "format": CACHE_FORMAT, "rules": rules_digest()},
        sort_keys=True,
    )
    return hashlib.sha256((settings + "\0" + text).encode()).hexdigest()


def _read_cache(key: str) -> list[dict] | None:
    found = cachefiles.read_json(CACHE_KIND, key)
    return found if isinstance(found, list) and all(isinstance(f, dict) for f in found) else None


@functools.lru_cache(maxsize=1)
def _runner():
    """One cfn-lint Runner per process: building it (loading every rule) costs ~0.25 s after the import."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    return Runner(ConfigMixIn(regions=list(REGIONS), ignore_checks=list(IGNORED_CHECKS),
                              append_rules=[RULES_DIR]))  # our own rules, compiler/lint/rules/


def prepare() -> None:
    """Import cfn-lint and build the rule set with the cyclic collector paused (it would
    only walk objects that live as long as the process: ~25% of this step's time), then
    keep the collector off them for good (gc.freeze; forked workers share them).
    lintspeed's two changes (a lazy sympy, cached validator classes) apply from here."""
    lintspeed.lazy_sympy()
    _frozen(_runner, lintspeed.cache_validator_classes)
    lintspeed.guard()


def _frozen(*steps: Callable[[], object]) -> None:
    """Run `steps` with the cyclic collector paused, then keep it off what they made
    for good: gc.freeze, so a forked worker's collections never write to (and copy)
    the pages it shares with the others."""
    gc.disable()
    try:
        for step in steps:
            step()
    finally:
        gc.enable()
    gc.freeze()


def _plain(matches) -> list[dict]:
    return [_finding(match) for match in matches]


def _finding(match) -> dict:
    """A cfn-lint Match as plain data. Matches from the parser (E0000: the template could
    not be decoded) carry no path and may lack a position; they are still findings."""
    rule = getattr(match, "rule", None)
    return {
        "rule": getattr(rule, "id", None) or "E0000",
        "line": getattr(match, "linenumber", None) or 1,
        "col": getattr(match, "columnnumber", None) or 1,
        "message": str(getattr(match, "message", "") or match),
        "path": "/".join(str(p) for p in (getattr(match, "path", None) or [])),
    }


def lint_text(text: str) -> list[dict]:
    """cfn-lint one template; findings as plain dicts (picklable, cacheable)."""
    from cfnlint.decode.decode import decode_str

    template, matches = decode_str(text)
    if template is not None and not matches:
        return _sympy_safe(template, lambda: _plain(_runner().validate_template(template)))
    return _plain(matches)


def lint_shard(text: str, resources: frozenset[str] | None = None, schema_only: bool = False) -> list[dict]:
    """What the pool runs: one template, or one shard of it (see the module docstring):
    E3001 walks only `resources` (None: all); with `schema_only`, E1001's walk is the only
    rule run. Rules that cannot fire on the template's resource types are set aside
    (type_bound_rules)."""
    from cfnlint.decode.decode import decode_str

    template, matches = decode_str(text)
    if template is None or matches:
        return _plain(matches) if not schema_only else []  # parse errors: reported once, by shard 0
    return _sympy_safe(template, lambda: _lint_decoded(template, resources, schema_only))


def _sympy_safe(template, lint: Callable[[], list[dict]]) -> list[dict]:
    """lint() with sympy complete when cfn-lint will need it (lintspeed.py): before a
    template with conditions, and again, whole, if the guard stopped a late import."""
    if uses_conditions(template):
        lintspeed.complete_sympy()  # cfn-lint's condition solver builds sympy expressions
    trips = lintspeed.guard_trips()
    findings = lint()
    if lintspeed.guard_trips() != trips:  # sympy was needed after all (lintspeed._Guard)
        lintspeed.complete_sympy()
        findings = lint()
    return findings


def _json_or_none(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return None  # a parse error: shard 0 reports it


def uses_conditions(template) -> bool:
    """Whether cfn-lint will solve conditions on this template (a Conditions or Rules section)."""
    return isinstance(template, dict) and ("Conditions" in template or "Rules" in template)


def _lint_decoded(template, resources: frozenset[str] | None, schema_only: bool) -> list[dict]:
    runner = _runner()
    everything, keyword_rules = runner.rules.data, runner.rules.data[KEYWORD_RULE]
    all_children = keyword_rules.child_rules
    present = {body.get("Type") for body in (template.get("Resources") or {}).values() if isinstance(body, dict)}
    idle = {rule_id for rule_id, types in type_bound_rules().items() if not types & present}
    rules = {rule_id: rule for rule_id, rule in everything.items() if rule_id not in idle}
    validators = rules[RESOURCES_RULE].validators
    walk = validators["patternProperties"]

    def pattern_properties(validator, patterns, instance, schema):
        if list(validator.context.path.path) == ["Resources"] and isinstance(instance, dict):
            instance = {name: body for name, body in instance.items() if name in resources}
        return walk(validator, patterns, instance, schema)

    silenced = [rule for rule_id, rule in rules.items() if rule_id != SCHEMA_RULE] if schema_only else []
    runner.rules.data = rules
    keyword_rules.child_rules = {rule_id: rule for rule_id, rule in all_children.items() if rule_id not in idle}
    if resources is not None:
        validators["patternProperties"] = pattern_properties
    for rule in silenced:
        rule.matchall = rule.matchall_resource_properties = _nothing
    try:
        return _plain(runner.validate_template(template))
    finally:
        runner.rules.data = everything
        keyword_rules.child_rules = all_children
        validators["patternProperties"] = walk
        for rule in silenced:
            del rule.matchall, rule.matchall_resource_properties


def _nothing(*args, **kwargs) -> list:
    return []


def run_task(task: tuple):
    """A pool task: ("whole", text), ("shard", text, resources, schema_only), or the setup
    ("setup", conditions): the first worker completes sympy first when any template has
    conditions, before its siblings are forked (so they share it), and answers stateful_types()."""
    if task[0] == "whole":
        return lint_shard(task[1])
    if task[0] == "setup":
        if task[1]:
            _frozen(lintspeed.complete_sympy)  # shared by the siblings forked after this task
        return stateful_types()
    _, text, resources, schema_only = task
    return lint_shard(text, resources, schema_only)


@functools.lru_cache(maxsize=1)
def type_bound_rules() -> dict[str, frozenset[str]]:
    """Rules that can fire only while E1001's walk is inside a resource of given types:
    {rule id: those types}. These are keyword rules (CfnLintKeyword: called by E1101 alone,
    when the walk's path equals one of their keywords) whose every keyword starts with
    Resources/<a concrete type>, that no other rule calls and that have no check of their
    own over the template. The walk's path names the type of the resource it is in, so on a
    template without those types they cannot fire; tests/test_lint.py checks the findings
    are the same on every example."""
    from cfnlint.rules import CloudFormationLintRule

    rules = _runner().rules.data
    called = {child for rule_id, rule in rules.items() if rule_id != KEYWORD_RULE for child in rule.child_rules}
    own_checks = ("match", "matchall", "match_resource_properties", "matchall_resource_properties")
    bound = {}
    for rule_id, rule in rules.items():
        keywords = getattr(rule, "keywords", None)
        if not keywords or list(rule.parent_rules) != [KEYWORD_RULE] or rule_id in called:
            continue
        if any(getattr(type(rule), name) is not getattr(CloudFormationLintRule, name) for name in own_checks):
            continue
        types = set()
        for keyword in keywords:
            parts = keyword.split("/")
            if len(parts) < 2 or parts[0] != "Resources" or "::" not in parts[1] or "*" in parts[1]:
                break
            types.add(parts[1])
        else:
            bound[rule_id] = frozenset(types)
    return bound


@functools.lru_cache(maxsize=1)
def stateful_types() -> frozenset[str] | None:
    """Resource types whose keyword rules keep state across resources (they compare a
    resource with the ones walked before it); None if such a rule is not tied to types."""
    from cfnlint.rules import CloudFormationLintRule

    types = set()
    for rule in _runner().rules.data.values():
        if type(rule).initialize is CloudFormationLintRule.initialize or not getattr(rule, "keywords", None):
            continue
        for keyword in rule.keywords:
            parts = keyword.split("/")
            if len(parts) < 2 or parts[0] != "Resources" or "::" not in parts[1]:
                return None
            types.add(parts[1])
    return frozenset(types)


def shard_tasks(text: str, shards: int, pinned: frozenset[str]) -> list[tuple]:
    """Split one template into `shards` tasks balanced by resource size; resources of
    `pinned` types stay in shard 0, the one that runs every rule."""
    resources = _parse(text).get("Resources") or {}
    load = [len(text) * SHARD_OVERHEAD] + [0.0] * (shards - 1)
    members: list[set[str]] = [set() for _ in range(shards)]
    sizes = {name: len(json.dumps(body)) for name, body in resources.items()}
    for name in sorted(resources, key=lambda n: (-sizes[n], n)):
        body = resources[name]
        kind = body.get("Type") if isinstance(body, dict) else None
        i = 0 if kind in pinned else min(range(shards), key=lambda k: (load[k], k))
        members[i].add(str(name))
        load[i] += sizes[name]
    return [("shard", text, frozenset(m), i > 0) for i, m in enumerate(members)]


def _parse(text: str) -> dict:
    """A template's body, JSON or YAML (`--format yaml`: short-form tags such as !Ref)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        from cfnlint.decode.decode import decode_str

        template, _ = decode_str(text)
        return dict(template or {})


def _merge(parts: list[list[dict]]) -> list[dict]:
    seen = {}
    for part in parts:
        for finding in part:
            seen.setdefault(json.dumps(finding, sort_keys=True), finding)
    return sorted(seen.values(), key=lambda f: (f["line"], f["col"], f["rule"], f["path"], f["message"]))


def plan(texts: dict[str, str], jobs: int, pinned: frozenset[str] | None) -> list[tuple[str, tuple]]:
    """(template name, task) pairs, biggest first. A template bigger than one worker's
    share is split into shards (unless `pinned` is None: then nothing is split)."""
    total = sum(len(t) for t in texts.values())
    share = total / jobs
    planned = []
    for name, text in texts.items():
        shards = math.ceil(len(text) / share) if jobs > 1 and pinned is not None else 1
        if shards > 1:
            tasks = shard_tasks(text, shards, pinned)
            planned += [(name, t, len(text) / shards) for t in tasks]
        else:
            planned.append((name, ("whole", text), len(text)))
    planned.sort(key=lambda p: -p[2])
    return [(name, task) for name, task, _ in planned]


def start_pool(jobs: int | None = None) -> lintpool.Pool | None:
    """Start the lint workers now (they load cfn-lint while the caller does other work)."""
    jobs = jobs or lintpool.usable_cores()
    return lintpool.start(_prepare_worker, run_task, jobs) if jobs > 1 else None


def _prepare_worker() -> None:
    prepare()
    stateful_types()
    type_bound_rules()


def _severity(rule: str) -> str:
    return ERROR if rule.startswith("E") else WARNING


Progress = Callable[[int, int, list[str]], None]  # (templates done, templates to lint, names in work)


def lint_templates(texts: dict[str, str], use_cache: bool = True, jobs: int | None = None,
                   pool: lintpool.Pool | None = None, progress: Progress | None = None) -> list[Diagnostic]:
    """Lint {filename: template text}; return every finding as a Diagnostic.

    With `pool` (started early by the CLI), the work goes to its workers. Without one,
    small inputs (or jobs=1) are linted in this process and big ones in a pool started here."""
    found: dict[str, list[dict]] = {}
    todo: list[str] = []
    keys = {name: cache_key(text) for name, text in texts.items()}
    for name in texts:
        cached = _read_cache(keys[name]) if use_cache else None
        if cached is None:
            todo.append(name)
        else:
            found[name] = cached
    own_pool = None
    if pool is None and todo and jobs != 1:
        big_enough = sum(len(texts[n]) for n in todo) >= PARALLEL_MIN_BYTES
        if big_enough or (jobs or 0) > 1:
            _runner()  # built here once, inherited by the forked workers
            pool = own_pool = start_pool(jobs)
    try:
        if pool is not None and todo:
            found.update(_lint_in_pool({n: texts[n] for n in todo}, pool, progress))
        else:
            for i, name in enumerate(todo):
                if progress:
                    progress(i, len(todo), [name])
                found[name] = lint_text(texts[name])
    finally:
        if own_pool is not None:
            own_pool.close()
    if use_cache:
        for name in todo:
            cachefiles.write_json(CACHE_KIND, keys[name], found[name])
    return sorted(
        Diagnostic(name, f["line"], f["col"], f["rule"], f["path"] or "template", f["message"],
                   _severity(f["rule"]))
        for name in texts
        for f in found[name]
    )


def _lint_in_pool(texts: dict[str, str], pool: lintpool.Pool, progress: Progress | None) -> dict[str, list[dict]]:
    conditions = any(uses_conditions(_json_or_none(text)) for text in texts.values())
    pinned = pool.setup(("setup", conditions))  # asked of a worker: this process need not load cfn-lint
    planned = plan(texts, pool.size, pinned)
    remaining = {name: 0 for name in texts}
    for name, _ in planned:
        remaining[name] += 1
    running: dict[int, str] = {}
    done = [0]

    def report():
        if progress:
            progress(done[0], len(texts), sorted(set(running.values())))

    def started(i):
        running[i] = planned[i][0]
        report()

    def finished(i):
        name = running.pop(i)
        remaining[name] -= 1
        done[0] += remaining[name] == 0
        report()

    results = pool.run([task for _, task in planned], started, finished, report)
    parts: dict[str, list[list[dict]]] = {name: [] for name in texts}
    for (name, _), result in zip(planned, results):
        parts[name].append(result)
    return {name: (found[0] if len(found) == 1 else _merge(found)) for name, found in parts.items()}
