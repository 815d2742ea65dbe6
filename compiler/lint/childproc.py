"""Run one function in a forked child process and take back its value.

The CLI builds the templates this way while its lint workers load cfn-lint: the
child imports the compile stack (schema, checks, troposphere, awacs) and holds the
troposphere objects, then exits, so its memory is the system's again before the
lint, the longest and largest part of a compile, begins. What crosses back is
pickled: the value, or the exception the function raised (re-raised here).
Standard library only.
"""

from __future__ import annotations

import os
import pickle
import traceback
from typing import Callable, TypeVar

T = TypeVar("T")


class ChildFailed(RuntimeError):
    """The child process ended without an answer: a bug, reported like any other internal error."""


def run(fn: Callable[[], T], strip: tuple[str, ...] = ()) -> T:
    """fn() in a child process (here, where there is no fork()). `strip`: attributes of
    the value set to None before it crosses (objects the caller does not need)."""
    if not hasattr(os, "fork"):
        return fn()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer, then leave without running the parent's cleanup
        os.close(read_end)
        try:
            _answer(fn, strip, write_end)
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as answer:
            data = answer.read()
    finally:
        os.waitpid(pid, 0)
    if not data:
        raise ChildFailed("the build process exited without an answer")
    kind, value = pickle.loads(data)
    if kind == "raise":
        raise value
    return value


def _answer(fn, strip, write_end: int) -> None:
    try:
        value = fn()
        for name in strip:
            setattr(value, name, None)
        data = pickle.dumps(("value", value), pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # re-raised by the parent: its handlers decide what to say
        if os.environ.get("FARGATE_COMPILE_DEBUG"):
            traceback.print_exc()
        try:
            data = pickle.dumps(("raise", exc), pickle.HIGHEST_PROTOCOL)
            pickle.loads(data)  # some exceptions pickle but cannot be rebuilt from their args
        except Exception:  # one that cannot cross: its type and text
            data = pickle.dumps(("raise", ChildFailed(f"{type(exc).__name__}: {exc}")))
    with os.fdopen(write_end, "wb") as out:
        out.write(data)
