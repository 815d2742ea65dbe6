"""Session fixture: the emulator (see emulator.py), started once, stopped at the end."""

from __future__ import annotations

import logging
import os

import pytest

import aws_cli
import moto_compat
from emulator import REGION, Emulator


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
        try:
            yield Emulator(port=port, config_dir=config_dir)
        finally:
            aws_cli.stop()      # reaped here, so its commands' CPU counts in this process's children
            server.stop()
