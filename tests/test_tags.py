"""Every taggable resource of every example carries the spec's tags plus the
application/environment tags. "Taggable" is read from the CloudFormation resource
schemas cfn-lint ships, so a resource type that gains Tags is covered too."""

from __future__ import annotations

from pathlib import Path

import pytest
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from builds import all_builds
from compiler.pipeline import build_templates, validate

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def taggable(resource_type: str) -> bool:
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema
    return "Tags" in schema.get("properties", {})


def tag_map(tags) -> dict:
    if isinstance(tags, dict):  # AWS::ApplicationAutoScaling and SSM-style maps
        return tags
    return {t["Key"]: t["Value"] for t in tags}


@pytest.mark.parametrize("build", all_builds(EXAMPLES), ids=str)
def test_every_taggable_resource_is_tagged(build):
    app, diags = validate(str(build.spec), build.env, build.values)
    assert app is not None, [d.format() for d in diags]
    expected = dict(app.tags) | {
        "fargate-compile:application": app.app,
        "fargate-compile:environment": app.environment,
    }
    untagged = []
    for stem, template in build_templates(app):
        for name, resource in template.to_dict()["Resources"].items():
            if not taggable(resource["Type"]):
                continue
            found = tag_map(resource.get("Properties", {}).get("Tags", []))
            if any(found.get(k) != v for k, v in expected.items()):
                untagged.append(f"{stem}/{name} ({resource['Type']})")
    assert untagged == []
