"""The lock file: what the last successful compile decided, kept next to the spec.

`<spec stem>.lock.json` beside `<spec stem>.yaml` records, per deployed app
(`<app>-<environment>`, so one spec compiled for several environments keeps one lock),
each service's logical-ID key, services stack, automatic listener-rule priority and queue
names, and the names earlier queues had (placement.record). The next compile reads it and keeps every existing service where
it was; it is rewritten after each successful compile, only when it changed. Commit
it with the spec: a fresh checkout then compiles the same bytes.

Without a lock file, the previous output's root template (it carries the same record
in its Metadata) stands in; without either, placement is a pure function of the spec.
A lock that cannot be read is a warning (FC301) and is treated as absent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from compiler.diagnostics import WARNING, Diagnostic

CODE = "FC301"
VERSION = 1
METADATA_KEY = "fargate-compile"
NOTE = ("Written by fargate-compile after each successful compile: which stack, logical IDs and "
        "listener-rule priorities each service has. Commit it with the spec; see docs/decisions.md.")


def path_for(spec: str | Path) -> Path:
    spec = Path(spec)
    return spec.with_name(spec.stem + ".lock.json")


def read(spec: str | Path) -> tuple[dict[str, Any], list[Diagnostic]]:
    """{stack name: record} from the lock beside `spec` ({} when there is none)."""
    path = path_for(spec)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, []
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [_warning(path, f"cannot read the lock file: {exc}")]
    try:
        data = json.loads(text)
    except ValueError as exc:
        return {}, [_warning(path, f"the lock file is not JSON ({exc})")]
    stacks = data.get("stacks") if isinstance(data, dict) else None
    if not isinstance(stacks, dict) or data.get("version") != VERSION:
        return {}, [_warning(path, f"the lock file is not a version-{VERSION} fargate-compile lock")]
    return stacks, []


def from_output(directory: Path) -> dict[str, Any] | None:
    """The record in a previous output's root template, if there is one."""
    for name in ("root.json", "root.yaml"):
        try:
            text = (directory / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        try:
            if name.endswith(".json"):
                template = json.loads(text)
            else:
                from cfn_flip import load_yaml

                template = load_yaml(text)
            found = template["Metadata"][METADATA_KEY]
        except (ValueError, KeyError, TypeError, AttributeError, Exception):  # noqa: BLE001 - any bad file: none
            continue
        return found if isinstance(found, dict) else None
    return None


def write(spec: str | Path, stack_name: str, record: dict[str, Any]) -> list[Diagnostic]:
    """Store `record` for `stack_name`, keeping the other apps' records; a warning if it cannot."""
    path = path_for(spec)
    stacks, _ = read(spec)
    stacks = dict(stacks)
    stacks[stack_name] = record
    text = json.dumps({"//": NOTE, "version": VERSION, "stacks": stacks}, indent=2, sort_keys=True) + "\n"
    try:
        if path.exists() and path.read_text(encoding="utf-8") == text:
            return []
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except (OSError, UnicodeDecodeError) as exc:
        return [_warning(path, f"cannot write the lock file ({exc}); the next compile cannot keep "
                               "services where this one put them unless the output directory is kept")]
    return []


def _warning(path: Path, message: str) -> Diagnostic:
    return Diagnostic(str(path), 1, 1, CODE, "<lock>", message, WARNING)
