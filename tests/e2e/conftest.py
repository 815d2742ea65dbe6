"""Session fixture: the emulator (see emulator.py), started once, stopped at the end.

Once the last e2e test of the run is done, the worker lets go of what the emulator left
(release_emulator): the worker goes on with other tests until the run ends.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import os
from pathlib import Path

import pytest

import aws_cli
import moto_compat
from emulator import REGION, Emulator

HERE = Path(__file__).resolve().parent
_STARTED: list[Emulator] = []  # the session's emulator, once started


@pytest.fixture(scope="session")
def emulator(tmp_path_factory) -> Emulator:
    skip = [name for name in os.environ.get("MOTO_COMPAT_SKIP", "").split(",") if name]
    moto_compat.apply(skip)
    from moto.server import ThreadedMotoServer

    # The server logs every request; keep failures only.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    config_dir = tmp_path_factory.mktemp("aws-config")
    (config_dir / "config").write_text(
        f"[default]\nregion = {REGION}\noutput = json\ns3 =\n    addressing_style = path\n"
    )
    (config_dir / "credentials").write_text("")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    with pytest.MonkeyPatch.context() as env:
        # A spec may name a Region newer than moto's list (its zones then come from
        # the spec, see prerequisites.py); moto reads this at every request.
        env.setenv("MOTO_ALLOW_NONEXISTENT_REGION", "true")
        # No spec runs an EC2 instance (Fargate only), so no EC2 backend needs moto's ~1300
        # default AMIs, which it would otherwise load at every reset (~0.1 CPU s each).
        env.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        server.start()
        host, port = server.get_host_and_port()
        assert host == "127.0.0.1"
        started = Emulator(port=port, config_dir=config_dir)
        _STARTED.append(started)
        try:
            yield started
        finally:
            aws_cli.stop()      # reaped here, so its commands' CPU counts in this process's children
            _STARTED.remove(started)
            server.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After an e2e test followed by other tests, once its own fixtures are torn down."""
    yield
    if nextitem is not None and HERE not in Path(str(nextitem.path)).resolve().parents:
        release_emulator()


def release_emulator() -> None:
    """What the e2e tests leave, let go before the worker goes on with other tests (for
    minutes, under pytest-xdist): moto's state and caches (Emulator.reset) and the boto3
    clients are dropped, the garbage collected, and what is left (moto, botocore's models:
    they live as long as the process) frozen (gc.freeze): later full collections skip it, so
    they come as often as the garbage of later tests asks, not after ~1M new objects (a
    cfn-lint rule set left by each cfnlint.api.lint() call, ~55 MB, waited for one); freed
    heap goes back to the system (malloc_trim). The server keeps running: an e2e test after
    this one (another order of tests) still finds it, and its clients are made again."""
    for started in _STARTED:
        started.reset()
        started.forget_clients()
    aws_cli.stop()  # the AWS CLI's zygote process (it starts again if an e2e test comes later)
    gc.collect()
    gc.freeze()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
