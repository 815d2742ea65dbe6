"""cfn-lint over every generated template, in-process, cached, in parallel.

Findings come back as Diagnostics (file = the template's name). Results are
cached per template content: the key is sha256 of the template text, the
cfn-lint version and the rule settings, stored under $XDG_CACHE_HOME
(else ~/.cache)/fargate-compile/lint/. A corrupt or unwritable cache is
ignored: it can make a compile slower, never make it fail.
"""

from __future__ import annotations

import functools
import hashlib
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import version

from compiler import cachefiles
from compiler.diagnostics import ERROR, WARNING, Diagnostic
from compiler.rules import RULES_DIR, rules_digest

# W3002: local TemplateURLs are exactly what `aws cloudformation package` expects.
IGNORED_CHECKS = ("W3002",)
REGIONS = ("us-east-1",)
CACHE_FORMAT = 1
CACHE_KIND = "lint"
PARALLEL_MIN_BYTES = 300_000  # below this, forking costs more than it saves


def cache_key(text: str) -> str:
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
    """One cfn-lint Runner per process: building it (loading every rule) costs ~0.8 s."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    return Runner(ConfigMixIn(regions=list(REGIONS), ignore_checks=list(IGNORED_CHECKS),
                              append_rules=[RULES_DIR]))  # our own rules, compiler/rules/


def lint_text(text: str) -> list[dict]:
    """cfn-lint one template; findings as plain dicts (picklable, cacheable)."""
    from cfnlint.decode.decode import decode_str

    template, matches = decode_str(text)
    if template is not None and not matches:
        matches = list(_runner().validate_template(template))
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


def _severity(rule: str) -> str:
    return ERROR if rule.startswith("E") else WARNING


def lint_templates(texts: dict[str, str], use_cache: bool = True, jobs: int | None = None) -> list[Diagnostic]:
    """Lint {filename: template text}; return every finding as a Diagnostic."""
    found: dict[str, list[dict]] = {}
    todo: list[str] = []
    keys = {name: cache_key(text) for name, text in texts.items()}
    for name in texts:
        cached = _read_cache(keys[name]) if use_cache else None
        if cached is None:
            todo.append(name)
        else:
            found[name] = cached
    todo.sort(key=lambda n: -len(texts[n]))  # biggest first: better balance
    if jobs is None:
        # Forking pays off only when there is enough to lint; rules load once, in the parent.
        big_enough = sum(len(texts[n]) for n in todo) >= PARALLEL_MIN_BYTES
        jobs = min(len(todo), os.cpu_count() or 1) if big_enough else 1
    if jobs > 1:
        _runner()  # built once here, inherited by the forked workers

        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            results = pool.map(lint_text, [texts[n] for n in todo])
            found.update(zip(todo, results))
    else:
        found.update((n, lint_text(texts[n])) for n in todo)
    if use_cache:
        for name in todo:
            cachefiles.write_json(CACHE_KIND, keys[name], found[name])
    return sorted(
        Diagnostic(name, f["line"], f["col"], f["rule"], f["path"] or "template", f["message"],
                   _severity(f["rule"]))
        for name in texts
        for f in found[name]
    )
