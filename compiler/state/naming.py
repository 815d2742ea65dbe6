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


FIFO_SUFFIX = ".fifo"
QUEUE_NAME_MAX = 80


def queue_name(app: str, env: str, part: str, fifo: bool) -> str:
    """`<app>-<env>-<part>` as an SQS queue name (".fifo" kept at the end of a FIFO queue's)."""
    suffix = FIFO_SUFFIX if fifo else ""
    return shorten(f"{app}-{env}-{part}", QUEUE_NAME_MAX - len(suffix)) + suffix


# EC2's characters for security group rule descriptions (UserIdGroupPair, PrefixListId;
# cidr rules and group descriptions also take '&'), and their length limit.
_NOT_EC2_DESCRIPTION = re.compile(r"[^a-zA-Z0-9 ._\-:/()#,@\[\]+=;{}!$*]")
EC2_DESCRIPTION_MAX = 255


def ec2_description(text: str) -> str:
    """Text EC2 accepts as any security group or rule description: other characters
    become '-', and it is cut to 255 characters (compiler/lint/rules E9001 checks the same)."""
    text = _NOT_EC2_DESCRIPTION.sub("-", text)
    return text if len(text) <= EC2_DESCRIPTION_MAX else text[: EC2_DESCRIPTION_MAX - 3] + "..."


def listing_within(prefix: str, names: list[str], limit: int = EC2_DESCRIPTION_MAX) -> str:
    """`prefix` + as many of `names` as fit in `limit` characters, then "and N more"."""
    for shown in range(len(names), 0, -1):
        more = len(names) - shown
        text = prefix + ", ".join(names[:shown]) + (f" and {more} more" if more else "")
        if len(text) <= limit:
            return text
    return (prefix + f"{len(names)} services")[:limit]
