"""Deterministic serialization, an all-or-nothing write into the output directory, and the
advisory lock that serialises compiles sharing a lock file or an output directory."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

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

    The files are written to a temporary directory beside `target`, then swapped with the
    old output in one step (renameat2 RENAME_EXCHANGE, Linux), so `target` is always there,
    old or new, whenever the process is killed; where the exchange is not available, two
    renames. What an interrupted write leaves (`.<name>.*` beside `target`) is removed by
    the next write (callers hold `exclusive()`, so no other compile is using it).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _clean_leftovers(target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        # mkdtemp makes the directory 0700; the output is an ordinary directory (0777 minus
        # the umask, like mkdir), readable by CI users and containers as the files are.
        os.chmod(staging, 0o777 & ~_umask())
        for name, text in sorted(files.items()):
            (staging / name).write_text(text, encoding="utf-8")
        kill_point("staged")
        if target.exists():
            if _exchange(staging, target):          # staging now holds the old output
                kill_point("swapped")
                shutil.rmtree(staging, ignore_errors=True)
                return
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, old / target.name)
            os.replace(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories atomically; False when the system cannot (then nothing moved)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    import errno

    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _existing(path: Path) -> str:
    while not path.is_dir() and path != path.parent:
        path = path.parent
    return str(path)


def _clean_leftovers(target: Path) -> None:
    """Remove the staging and old directories an interrupted write of `target` left; if it was
    killed between the two renames of the fallback swap (no `target`), put the old output back."""
    for path in sorted(target.parent.glob(f".{target.name}.*")):
        if not path.is_dir() or path.is_symlink():
            continue
        kept = path / target.name
        if path.name.startswith(f".{target.name}.old.") and kept.is_dir() and not target.exists():
            os.replace(kept, target)
        shutil.rmtree(path, ignore_errors=True)


def kill_point(moment: str) -> None:
    """FARGATE_COMPILE_TEST_KILL_AT=<moment>: the process kills itself there (tests of what a
    kill leaves; see tests/test_writer.py). Moments: staged, swapped, lock-staged."""
    if os.environ.get("FARGATE_COMPILE_TEST_KILL_AT") == moment:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def compile_scope(spec: str | Path, output_dir: str | Path) -> list[Path]:
    """What a compile holds exclusive() on: the spec's directory (its lock file) and the output
    directory, so compiles sharing either run one after the other."""
    return [Path(os.path.realpath(spec)).parent, Path(output_dir)]


@contextlib.contextmanager
def exclusive(paths: Iterable[Path]) -> Iterator[None]:
    """Hold an advisory lock (flock) on each directory of `paths` (the spec's, where its lock
    file lives, and the output directory; one not made yet: its nearest existing parent), in
    one order, so that compiles sharing a lock file or an output directory run one after the
    other. Directories are locked, not files: nothing is created, and a lock dies with its
    process (a kill leaves none)."""
    import fcntl

    held = []
    try:
        for path in sorted({_existing(Path(os.path.realpath(p))) for p in paths}):
            try:
                fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
            except OSError:
                continue                 # not there (yet): the write reports what matters
            held.append(fd)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        for fd in reversed(held):
            os.close(fd)
