"""Names that look like credentials: the one list that FC213 (checks/plain_secrets.py) warns
about in plain `variables`, and that ${VARIABLES} (variables.py) keeps out of messages."""

from __future__ import annotations

CREDENTIAL_NAMES = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                    "ECS_ENGINE_AUTH_DATA"}
CREDENTIAL_PARTS = ("SECRET", "PASSWORD", "PASSWD", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY")


def looks_secret(name: str) -> str:
    """What makes `name` look like a credential, or "" when it does not."""
    upper = name.upper()
    if upper in CREDENTIAL_NAMES:
        return "is an AWS credential"
    for part in CREDENTIAL_PARTS:
        if part in upper:
            return f"contains {part}"
    return ""
