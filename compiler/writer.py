"""Deterministic serialization, and an all-or-nothing write into the output directory."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # serialize() only calls the template's to_dict()
    from troposphere import Template


def serialize(template: Template, fmt: str = "json") -> str:
    """Stable bytes: sorted keys, fixed indentation, trailing newline."""
    data = template.to_dict()
    if fmt == "yaml":
        from cfn_flip import dump_yaml  # troposphere's own dependency

        return dump_yaml(data, clean_up=False, long_form=False)
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it; put it straight back
    os.umask(mask)
    return mask


def write_atomically(files: dict[str, str], target: Path) -> None:
    """Replace directory `target` with exactly `files`, or change nothing.

    The files are written to a temporary directory beside `target` and renamed
    into place; an earlier output is swapped out only after that succeeded.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        # mkdtemp makes the directory 0700; the output is an ordinary directory (0777 minus
        # the umask, like mkdir), readable by CI users and containers as the files are.
        os.chmod(staging, 0o777 & ~_umask())
        for name, text in sorted(files.items()):
            (staging / name).write_text(text, encoding="utf-8")
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, old / target.name)
            os.replace(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
