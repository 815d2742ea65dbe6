"""Logical IDs and AWS physical names: stable, and within AWS length limits."""

from __future__ import annotations

import hashlib
import re


def pascal(name: str) -> str:
    """"backend-api" -> "BackendApi"; logical IDs are alphanumeric only."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def logical_id(*parts: str) -> str:
    return "".join(pascal(p) for p in parts)


def shorten(name: str, limit: int) -> str:
    """Cut a name to `limit` characters, keeping it unique with a stable hash suffix."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return name[: limit - 9].rstrip("-_/.") + "-" + digest


def cluster_name(app: str, env: str) -> str:
    return shorten(f"{app}-{env}", 255)
