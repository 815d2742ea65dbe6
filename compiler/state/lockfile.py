"""The lock file: what the last successful compile decided, kept next to the spec.

`<spec stem>.lock.json` beside `<spec stem>.yaml` records, per deployed app
(`<app>-<environment>`, so one spec compiled for several environments keeps one lock),
each service's logical-ID key, services stack, automatic listener-rule priority and queue
names, each job's key (state/jobs.py), what each access point was created with, the names
earlier queues had, and the carved subnet layout (placement.record). The
next compile reads it and keeps every existing service and subnet where it was; it is
rewritten after each successful compile, only when it changed. Commit it with the spec: a
fresh checkout then compiles the same bytes.

The lock is the user's state, so it never lies silently:
- It is read bounded: a regular file (a FIFO or a device is refused), at most MAX_BYTES,
  strict JSON (no NaN, no duplicate keys, nesting that cannot exhaust the stack).
- A record is used whole or not at all (records.problems). A damaged record, or a lock
  that cannot be read at all (conflict markers, truncated, empty, a newer version), is
  replaced by the previous output's record (the root template's Metadata) with a warning
  (FC301); without one the compile stops (UnusableLock, exit 2) and says how to recover.
- A lock that cannot be read is never overwritten (unless `--reset-lock`, which keeps a
  copy); other environments' records are written back as they were, damaged or not.

`from_output(directory)` and `from_template(template)` read the record of an output or of a
(deployed) root template: what `deploy` or a user rebuilding a lost lock starts from.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compiler.diagnostics import WARNING, Diagnostic
from compiler.errors import UnreadableFile
from compiler.state import records, subnets
from compiler.writer import kill_point

CODE = "FC301"
VERSION = 1
MAX_BYTES = 8 << 20    # 8 MiB: a 1,000-service lock is ~200 KiB
METADATA_KEY = "fargate-compile"
NOTE = ("Written by fargate-compile after each successful compile: which stack, logical IDs and "
        "listener-rule priorities each service has. Commit it with the spec; see docs/decisions.md.")


class UnusableLock(UnreadableFile):
    """The lock's record for this environment cannot be used and nothing can stand in for it."""


@dataclass
class Lock:
    """The lock file as read: `stacks` (every record, as written, damaged or not) when it
    could be read; `trouble` says why it cannot be used at all (None: fine, or absent)."""

    path: Path
    exists: bool = False
    stacks: dict[str, Any] = field(default_factory=dict)
    trouble: str | None = None

    def record(self, stack_name: str) -> tuple[dict[str, Any] | None, str | None]:
        """(the record for `stack_name` or None, why it cannot be used or None)."""
        if self.trouble:
            return None, self.trouble
        if stack_name not in self.stacks:
            return None, None
        found = records.problems(self.stacks[stack_name])
        if found:
            return None, f"its record for {stack_name} is damaged: " + "; ".join(found[:5])
        return self.stacks[stack_name], None


def path_for(spec: str | Path) -> Path:
    spec = Path(spec)
    return spec.with_name(spec.stem + ".lock.json")


def read_bounded(path: Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of regular file `path`, at most `limit`; OSError (FileNotFoundError when
    there is none) or ValueError (not a regular file, too large)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError("it is not a regular file")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:
        raise ValueError(f"it is larger than {limit >> 20} MiB")
    return b"".join(chunks)


def parse_json(data: bytes) -> Any:
    """Strict JSON: ValueError for NaN/Infinity, a key given twice, or nesting too deep."""
    def constant(name: str):
        raise ValueError(f"{name} is not a JSON value")

    def pairs(items):
        seen: dict = {}
        for k, v in items:
            if k in seen:
                raise ValueError(f"the key {k!r} is given twice")
            seen[k] = v
        return seen

    try:
        return json.loads(data.decode("utf-8"), parse_constant=constant, object_pairs_hook=pairs)
    except RecursionError:
        raise ValueError("it is nested too deeply") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"it is not UTF-8 ({exc.reason})") from None


def load(spec: str | Path) -> Lock:
    """The lock beside `spec`, never raising: a Lock whose `trouble` says what is wrong."""
    path = path_for(spec)
    try:
        raw = read_bounded(path)
    except FileNotFoundError:
        return Lock(path)
    except (OSError, ValueError) as exc:
        return Lock(path, True, trouble=f"it cannot be read ({getattr(exc, 'strerror', None) or exc})")
    try:
        data = parse_json(raw)
    except ValueError as exc:
        return Lock(path, True, trouble=f"it is not valid JSON: {exc}")
    if not isinstance(data, dict) or not isinstance(data.get("stacks"), dict):
        return Lock(path, True, trouble="it is not a fargate-compile lock ({version, stacks})")
    version = data.get("version")
    if version != VERSION:
        newer = isinstance(version, int) and not isinstance(version, bool) and version > VERSION
        return Lock(path, True, trouble=(f"it was written by a newer fargate-compile (version {version})"
                                         if newer else f"its version is {version!r}, not {VERSION}"))
    return Lock(path, True, data["stacks"])


def read(spec: str | Path) -> tuple[dict[str, Any], list[Diagnostic]]:
    """{stack name: record} of the usable records of the lock beside `spec`, and a warning
    for each record (or the whole file) that cannot be used."""
    lock = load(spec)
    if lock.trouble:
        return {}, [warning(lock.path, f"the lock file cannot be used: {lock.trouble}")]
    usable, found = {}, []
    for name in lock.stacks:
        record, trouble = lock.record(name)
        if trouble:
            found.append(warning(lock.path, f"the lock file cannot be used: {trouble}"))
        else:
            usable[name] = record
    return usable, found


def from_template(template: Any) -> dict[str, Any] | None:
    """The placement record in a root template's Metadata (a dict, as parsed), if it holds a
    usable one: what a deployed root stack's template says (GetTemplate), or an output's."""
    try:
        found = template["Metadata"][METADATA_KEY]
    except (KeyError, TypeError, IndexError):
        return None
    return found if not records.problems(found) else None


def from_output(directory: Path) -> dict[str, Any] | None:
    """The record in a previous output's root template, if there is a usable one."""
    template = _output_template(directory, "root")
    return from_template(template) if template is not None else None


def with_layout(record: dict[str, Any] | None, directory: Path | None) -> dict[str, Any] | None:
    """`record`, with the subnet layout of the previous output's network template when the
    record has none (written before layouts were recorded): the first compile after the
    upgrade then keeps the subnets where they are even when it also adds a zone, instead of
    re-carving them all for the new zone count."""
    if record is None or "subnets" in record or directory is None:
        return record
    template = _output_template(directory, "network")
    layout = subnets.layout_of_template(template) if template is not None else None
    return {**record, "subnets": layout} if layout is not None else record


def _output_template(directory: Path, stem: str) -> Any:
    """The parsed `<stem>.json` (or `.yaml`) of an output directory; None without a readable one."""
    for name in (f"{stem}.json", f"{stem}.yaml"):
        try:
            data = read_bounded(Path(directory) / name, 64 << 20)
            if name.endswith(".json"):
                template = parse_json(data)
            else:
                from cfn_flip import load_yaml

                template = load_yaml(data.decode("utf-8"))
        except FileNotFoundError:
            continue
        except Exception:  # noqa: BLE001 - any unreadable or malformed template: no record
            continue
        return template
    return None


def write(spec: str | Path, stack_name: str, record: dict[str, Any],
          reset: bool = False) -> list[Diagnostic]:
    """Store `record` for `stack_name`, keeping every other record as it is; a warning if it
    cannot. A lock that cannot be read is left alone, unless `reset` (--reset-lock): then
    its bytes are kept beside it as `<lock>.unreadable` and it starts anew."""
    path = path_for(spec)
    lock = load(spec)
    found = []
    if lock.trouble:
        if not reset:
            return [warning(path, f"the lock file was not rewritten: {lock.trouble}; fix it (see above) "
                                  "or rewrite it from this compile with --reset-lock")]
        try:
            os.replace(path, path.with_name(path.name + ".unreadable"))
        except OSError as exc:
            return [warning(path, f"cannot set the unreadable lock aside ({exc.strerror or exc}); not rewritten")]
        found.append(warning(path, f"--reset-lock: the unreadable lock is kept as {path.name}.unreadable; "
                                   "the new lock holds only this environment's record"))
    stacks = dict(lock.stacks)
    stacks[stack_name] = record
    text = json.dumps({"//": NOTE, "version": VERSION, "stacks": stacks}, indent=2, sort_keys=True) + "\n"
    try:
        for leftover in leftovers(spec):     # an interrupted write's (callers hold writer.exclusive)
            leftover.unlink()
        if not lock.trouble and path.exists() and read_bounded(path) == text.encode():
            return found
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        kill_point("lock-staged")
        os.replace(tmp, path)
    except (OSError, ValueError) as exc:
        return found + [warning(path, f"cannot write the lock file ({exc}); the next compile cannot keep "
                                      "services where this one put them unless the output directory is kept")]
    return found


def leftovers(spec: str | Path) -> list[Path]:
    """Temporary files an interrupted write of the lock left beside it."""
    path = path_for(spec)
    try:
        return sorted(p for p in path.parent.glob(f".{path.name}.*.tmp") if p.is_file())
    except OSError:
        return []


def recovery(path: Path, stack_name: str, trouble: str, output: Path | None = None) -> str:
    """What a user can do when the lock cannot be used and no output stands in for it."""
    where = output / stack_name / "root.json" if output is not None else f"{stack_name}/root.json"
    return (f"{path}: the lock file cannot be used: {trouble}. Without it (and without the previous "
            f"output {where}) the services would be re-placed: new logical IDs and "
            "listener priorities that clash with the deployed ones. Recover it: `git checkout -- "
            f"{path.name}` (or resolve the merge), or rebuild it from the deployed root stack's "
            f"template (its Metadata '{METADATA_KEY}' is the record: `aws cloudformation get-template "
            f"--stack-name {stack_name}`), or, for a stack that is not deployed, rerun with --reset-lock")


def warning(path: Path, message: str) -> Diagnostic:
    return Diagnostic(str(path), 1, 1, CODE, "<lock>", message, WARNING)
