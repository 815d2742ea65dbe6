"""The real AWS CLI, one process per command, without paying its imports every time.

`python -m awscli ...` spends ~0.3 CPU s importing awscli and botocore before it does
anything, and the e2e deploys run it twice per deploy (package, deploy). A zygote pays
that once: one helper process (this file, run as a script) imports the modules, then
forks a child per command. The child is a process of its own, as before: it takes the
command's environment (the whole of it, nothing of the zygote's), working directory and
argv, re-runs awscli's package initialisation (it reads AWS_DATA_PATH from the
environment), runs `awscli` as `python -m awscli` does (runpy, as __main__) with stdin
from /dev/null and stdout/stderr to files, and exits with the CLI's exit code. Only the
imports are shared: every session, config file, credential and model is made and read
in the child, from its own environment.

Each command's CPU seconds are those of the child (os.wait4), reported back with its
exit code. The child is the zygote's, not the test process's: resource.RUSAGE_CHILDREN of
the test process counts them only once the zygote is reaped (stop(), which the emulator
fixture calls when it ends); until then `unreaped_cpu_seconds()` totals them
(bench/testcost.py adds it to a test's children).

`FC_E2E_AWS_CLI=subprocess` runs every command as a plain `python -m awscli` subprocess
instead (to compare the two). Where os.fork does not exist, that is the only way.
"""

from __future__ import annotations

import json
import locale
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

# What `python -m awscli cloudformation package|deploy` imports on its way (measured with
# -X importtime); importing them before the fork is what the zygote is for. A module that
# is missing is skipped: the child imports what it needs anyway.
PRELOAD = (
    "awscli.clidriver",
    "awscli.handlers",
    "awscli.customizations.cloudformation.package",
    "awscli.customizations.cloudformation.deploy",
    "awscli.customizations.cloudformation.deployer",
    "awscli.customizations.cloudformation.artifact_exporter",
    "awscli.customizations.cloudformation.yamlhelper",
    "awscli.customizations.s3uploader",
    "botocore.session",
    "botocore.client",
    "botocore.httpsession",
    "botocore.endpoint_provider",
    "botocore.regions",
    "botocore.waiter",
    "botocore.paginate",
    "botocore.parsers",
    "botocore.serialize",
    "botocore.retries.standard",
    "s3transfer.manager",
    "yaml",
)


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run(args: list[str], env: dict[str, str], cwd: Path | None, timeout: float) -> Ran:
    """`python -m awscli *args` with this environment and working directory (text output)."""
    if os.environ.get("FC_E2E_AWS_CLI") == "subprocess" or not hasattr(os, "fork"):
        done = subprocess.run([sys.executable, "-m", "awscli", *args], env=env, cwd=cwd,
                              capture_output=True, text=True, timeout=timeout)
        return Ran(done.returncode, done.stdout, done.stderr)
    return _ZYGOTE.run(args, env, cwd, timeout)


def unreaped_cpu_seconds() -> float:
    """CPU seconds (user + system) of the commands the running zygote has run: not yet in
    this process's RUSAGE_CHILDREN (they are once stop() has reaped the zygote; 0 then)."""
    return _ZYGOTE.cpu


def stop() -> None:
    """End the zygote (it starts again on the next command)."""
    _ZYGOTE.stop()


class _Zygote:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._pending = b""
        self.cpu = 0.0

    def run(self, args: list[str], env: dict[str, str], cwd: Path | None, timeout: float) -> Ran:
        with self._lock, tempfile.TemporaryDirectory(prefix="aws-cli-") as out:
            process = self._started()
            streams = {name: os.path.join(out, name) for name in ("stdout", "stderr")}
            request = {"args": list(args), "env": env, "cwd": str(cwd) if cwd else os.getcwd(), **streams}
            process.stdin.write(json.dumps(request).encode() + b"\n")
            process.stdin.flush()
            started = time.monotonic()
            forked = self._reply(started + timeout, None)
            done = forked and self._reply(started + timeout, forked["pid"])
            if done is None:
                raise subprocess.TimeoutExpired([sys.executable, "-m", "awscli", *args], timeout)
            self.cpu += done["cpu"]
            encoding = locale.getpreferredencoding(False)    # what subprocess.run(text=True) decodes with
            with open(streams["stdout"], encoding=encoding) as stdout, \
                    open(streams["stderr"], encoding=encoding) as stderr:
                return Ran(done["returncode"], stdout.read(), stderr.read())

    def _started(self) -> subprocess.Popen:
        if self._process is None:
            # The zygote's own environment has nothing of AWS in it: each command brings its own.
            env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            self._process = subprocess.Popen([sys.executable, __file__], env=env,
                                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            self._pending = b""
        return self._process

    def _reply(self, deadline: float, child: int | None) -> dict | None:
        """The zygote's next line, read from the pipe itself (a buffered reader could hold
        a line that select() would then wait for in vain); None past the deadline, when
        the child (if started) is killed and the zygote ended."""
        process = self._process
        while b"\n" not in self._pending:
            ready, _, _ = select.select([process.stdout], [], [], max(deadline - time.monotonic(), 0))
            if not ready:
                if child is not None:
                    os.kill(child, signal.SIGKILL)
                self._end()
                return None
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                code = self._end()
                raise RuntimeError(f"the AWS CLI zygote ended (exit code {code})")
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        return json.loads(line)

    def stop(self) -> None:
        with self._lock:
            self._end()

    def _end(self) -> int | None:
        """Close the zygote's input (it exits once its child, if any, has ended) and reap it."""
        if self._process is None:
            return None
        self._process.stdin.close()
        code = self._process.wait(timeout=60)
        self._process.stdout.close()
        self._process = None
        self.cpu = 0.0              # now in RUSAGE_CHILDREN, with the zygote's own
        return code


_ZYGOTE = _Zygote()


def _serve() -> None:
    """The zygote: import, then one forked child per request line on stdin."""
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)                            # never returns
        print(json.dumps({"pid": pid}), flush=True)
        _, status, usage = os.wait4(pid, 0)
        print(json.dumps({"returncode": os.waitstatus_to_exitcode(status),
                          "cpu": usage.ru_utime + usage.ru_stime}), flush=True)


def _child(request: dict) -> None:
    code = 1
    try:
        for fd, path, flags in ((0, os.devnull, os.O_RDONLY),
                                (1, request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                                (2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
            opened = os.open(path, flags, 0o600)
            os.dup2(opened, fd)
            os.close(opened)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.path[0] = os.getcwd()                      # as `python -m` sets it
        code = _run_awscli(request["args"])
    except BaseException:                              # noqa: BLE001 (reported as Python would)
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:                          # noqa: BLE001
                pass
        os._exit(code)


def _run_awscli(args: list[str]) -> int:
    """`python -m awscli *args`, in this process; its exit code."""
    import atexit
    import importlib
    import runpy

    import awscli

    importlib.reload(awscli)                           # it reads AWS_DATA_PATH from the environment
    sys.argv = ["-m", *args]                           # runpy puts the module's path first
    try:
        runpy.run_module("awscli", run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exit:
        code = _exit_code(exit.code)
    atexit._run_exitfuncs()
    return code


def _exit_code(code: object) -> int:
    """What the interpreter makes of sys.exit(code)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


if __name__ == "__main__":
    _serve()
