"""Which property changes replace a resource: the CloudFormation resource provider
schemas that cfn-lint ships (`createOnlyProperties`, `conditionalCreateOnlyProperties`).

Read from cfn-lint's package data without importing cfn-lint (its import alone costs
about a second). The us-east-1 provider set is used: create-only properties of a type
do not differ between regions.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from compiler.aws import cfnlint_data

Pattern = tuple  # ("NetworkConfiguration", "AwsvpcConfiguration", "Subnets"); "*" matches any list item


class MissingSchemas(Exception):
    """cfn-lint's provider schemas are not installed where expected."""


@functools.cache
def _schema_dir() -> Path:
    try:
        base = cfnlint_data.data_dir() / "schemas"
    except cfnlint_data.MissingData:
        raise MissingSchemas("cfn-lint is not installed; its resource schemas decide replacements") from None
    if not (base / "providers" / "us-east-1.json").is_file():
        raise MissingSchemas(f"no resource provider schemas under {base}")
    return base


@functools.cache
def _index() -> dict[str, str]:
    return json.loads((_schema_dir() / "providers" / "us-east-1.json").read_text(encoding="utf-8"))


def _pattern(pointer: str) -> Pattern:
    parts = pointer.split("/")
    assert parts[:2] == ["", "properties"], pointer
    return tuple(parts[2:])


@functools.cache
def create_only(resource_type: str) -> tuple[tuple[Pattern, ...], tuple[Pattern, ...]]:
    """(always create-only, conditionally create-only) property patterns of a type.

    An unknown type (a custom resource, a typo) has none: the diff cannot say it is
    replaced, and says so by listing it as modified only.
    """
    digest = _index().get(resource_type)
    if digest is None:
        return (), ()
    schema = json.loads((_schema_dir() / "resources" / f"{digest}.json").read_text(encoding="utf-8"))
    return (tuple(_pattern(p) for p in schema.get("createOnlyProperties", ())),
            tuple(_pattern(p) for p in schema.get("conditionalCreateOnlyProperties", ())))


def known(resource_type: str) -> bool:
    return resource_type in _index()
