"""Skip an unchanged re-compile: same spec bytes, same options, same compiler.

Output is deterministic, so when the fingerprint of everything that decides it
(the spec's and its lock file's bytes, the options, the compiler's own source and data files, the
versions of troposphere, awacs and cfn-lint) matches a recorded compile, and the
output directory still holds exactly the files that compile wrote, there is
nothing to do. This module is imported before the heavy ones (troposphere and
jsonschema alone take ~0.3 s to import); it needs only the standard library.

Records live beside the lint cache ($XDG_CACHE_HOME/fargate-compile/builds/).
Any problem reading or writing them means "not up to date", never a failure.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from compiler.lint import cachefiles

PACKAGE = Path(__file__).resolve().parents[1]  # the whole compiler package
DEPENDENCIES = ("troposphere", "awacs", "cfn-lint", "PyYAML", "jsonschema")


CACHE_KIND = "builds"


def _installed(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "-"


def fingerprint(spec_bytes: bytes, options: dict) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps({"options": options, "deps": [_installed(d) for d in DEPENDENCIES]},
                             sort_keys=True).encode())
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix in (".py", ".json") and path.is_file():
            digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(b"spec\0" + spec_bytes)
    return digest.hexdigest()


def lock_bytes(spec: str) -> bytes | None:
    """The bytes of the lock file beside the spec (lockfile.path_for), None when unreadable."""
    from compiler.state.lockfile import path_for, read_bounded

    try:
        return read_bounded(path_for(spec))
    except (OSError, ValueError):    # absent, not a regular file (a FIFO), too large
        return None


_REFERENCED = re.compile(rb"\$\{([A-Za-z_][A-Za-z0-9_]*)")


def referenced_names(spec_bytes: bytes) -> list[str]:
    """Names a spec's ${NAME} references may read (a superset: escapes and comments count too);
    their values belong in the fingerprint (see compiler/spec/variables.py)."""
    return sorted({m.decode() for m in _REFERENCED.findall(spec_bytes)})


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def lookup(key: str, output_dir: str) -> dict | None:
    """The record of an identical compile whose output is still in place, else None."""
    try:
        record = cachefiles.read_json(CACHE_KIND, key)
        target = Path(output_dir) / record["stack_name"]
        present = sorted(p.name for p in target.iterdir())
        if present != sorted(name for name, *_ in record["files"]):
            return None
        for name, digest, _resources, _size in record["files"]:
            if _sha((target / name).read_bytes()) != digest:
                return None
        record["output"] = str(target)
        return record
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def store(key: str, stack_name: str, files: dict[str, str], resources: dict[str, int],
          diagnostics: list[dict]) -> None:
    record = {
        "stack_name": stack_name,
        # A list, not a mapping: the summary shows the files in the order they were built.
        "files": [[name, _sha(text.encode()), resources[name], len(text.encode())]
                  for name, text in files.items()],
        "diagnostics": diagnostics,
    }
    cachefiles.write_json(CACHE_KIND, key, record)
