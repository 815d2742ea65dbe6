"""Lint processes started before the compile needs them, one per core.

Most of a cold compile is cfn-lint: importing it (~0.35 s), building its rule set
(~0.25 s), then linting. `start()` forks one process as the command starts; it
imports cfn-lint and builds the rule set on the second core while this process
loads, checks and builds the templates, then forks one sibling per further core
(copy-on-write, so the rule set is built once) and each lints the pieces it is
sent. The first task (Pool.setup) is served by the first worker before it forks the
others, so what that task prepares is shared too. Standard library only: the CLI
imports this before the heavy modules.

A worker serves one task at a time over its own pipe, so the parent hands the
next piece to whichever worker finishes first. Workers leave when their pipe
closes, so none outlives the command.
"""

from __future__ import annotations

import os
import signal
from multiprocessing.connection import Connection, Pipe, wait
from typing import Any, Callable

TICK = 0.25  # seconds between progress calls while waiting for a worker


class WorkerFailed(RuntimeError):
    """A lint worker raised or died: a bug, reported like any other internal error."""


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class Pool:
    def __init__(self, pid: int, conns: list[Connection]):
        self._pid = pid
        self._conns = conns
        self._used = False
        self._failed = False

    @property
    def size(self) -> int:
        return len(self._conns)

    def setup(self, task: Any) -> Any:
        """The first task, served by the first worker before it forks its siblings (so
        what it prepares is theirs too); call it once, before run()."""
        return self.run([task])[0]

    def run(self, tasks: list[Any], started: Callable[[int], None] = lambda i: None,
            finished: Callable[[int], None] = lambda i: None,
            tick: Callable[[], None] = lambda: None) -> list[Any]:
        """Every task's result, in task order; tasks go out in list order to the first idle worker."""
        self._used = True
        try:
            return self._run(tasks, started, finished, tick)
        except BaseException:
            self._failed = True
            raise

    def _run(self, tasks, started, finished, tick) -> list[Any]:
        results: list[Any] = [None] * len(tasks)
        idle = list(self._conns)
        busy: dict[Connection, int] = {}
        nxt = 0
        while nxt < len(tasks) or busy:
            while idle and nxt < len(tasks):
                conn = idle.pop(0)
                started(nxt)
                conn.send(tasks[nxt])
                busy[conn] = nxt
                nxt += 1
            ready = wait(list(busy), timeout=TICK)
            if not ready:
                tick()
            for conn in ready:
                try:
                    status, value = conn.recv()
                except (EOFError, OSError):
                    raise WorkerFailed("a lint worker exited unexpectedly") from None
                if status != "ok":
                    raise WorkerFailed(f"lint worker: {value}")
                index = busy.pop(conn)
                results[index] = value
                idle.append(conn)
                finished(index)
        return results

    def close(self) -> None:
        """Let the workers go. One that was never given work, or that may be mid-task
        after a failure, is stopped at once."""
        for conn in self._conns:
            conn.close()  # an idle worker reads end-of-file and leaves
        if not self._used or self._failed:
            try:
                os.kill(self._pid, signal.SIGKILL)  # its siblings, if any, see end-of-file
            except OSError:
                pass
        try:
            os.waitpid(self._pid, 0)
        except ChildProcessError:
            pass


def start(prepare: Callable[[], None], serve: Callable[[Any], Any], jobs: int | None = None) -> Pool | None:
    """Fork the workers: `prepare()` once in the first (its state is shared by the
    rest), then `serve(task)` for every task. None where there is no fork()."""
    if not hasattr(os, "fork"):
        return None
    jobs = max(1, jobs or usable_cores())
    pipes = [Pipe() for _ in range(jobs)]  # (parent end, worker end)
    pid = os.fork()
    if pid == 0:
        _first_worker(pipes, prepare, serve)  # never returns
    for _, worker_end in pipes:
        worker_end.close()
    return Pool(pid, [parent_end for parent_end, _ in pipes])


def _first_worker(pipes, prepare, serve) -> None:
    status = 1
    try:
        for parent_end, _ in pipes:
            parent_end.close()
        prepare()
        first = pipes[0][1]
        if not _serve_one(first, serve):  # the setup task (Pool.setup), before the siblings exist
            return
        siblings = []
        for i in range(1, len(pipes)):
            pid = os.fork()
            if pid == 0:
                _exit_after(lambda: _serve(_only(pipes, i), serve))
            siblings.append(pid)
        for _, worker_end in pipes[1:]:
            worker_end.close()
        _serve(pipes[0][1], serve)
        for pid in siblings:
            os.waitpid(pid, 0)
        status = 0
    except BaseException:  # Ctrl-C reaches the whole process group: leave quietly
        pass
    finally:
        os._exit(status)  # never run the parent's cleanup or flush its buffers twice


def _only(pipes, i: int) -> Connection:
    for j, (_, worker_end) in enumerate(pipes):
        if j != i:
            worker_end.close()
    return pipes[i][1]


def _exit_after(fn) -> None:
    status = 1
    try:
        fn()
        status = 0
    except BaseException:
        pass
    finally:
        os._exit(status)


def _serve(conn: Connection, serve) -> None:
    while _serve_one(conn, serve):
        pass


def _serve_one(conn: Connection, serve) -> bool:
    """Serve one task; False when the pipe is closed."""
    try:
        task = conn.recv()
    except (EOFError, OSError):
        return False
    try:
        reply = ("ok", serve(task))
    except Exception as exc:  # reported by the parent as an internal error
        reply = ("error", f"{type(exc).__name__}: {exc}")
    try:
        conn.send(reply)
    except OSError:
        return False
    return True
