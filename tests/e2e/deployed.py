"""Deploy a template directory the way a user does, then read the deployed state back.

`deploy()` runs the real `aws cloudformation package` (nested templates to S3) and
`aws cloudformation deploy` (a change set, executed, waited for) against the
emulator, after the project's own cfn-lint rules (compiler/lint/rules/) passed every
template: the emulator accepts what EC2 and CloudFormation refuse (descriptions
with an apostrophe, rules past a group's quota, control characters), so a green
deploy here must not depend on its leniency. `Deployment` then reads what was made through boto3 only: the stacks
and their resources, and each service's own describe/list calls, the way one
would inspect a real account. Tests compare it with the compiler's model.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emulator import Emulator

from compiler.lint.rules import RULES_DIR

BUCKET = "fargate-compile-artifacts"
# AWS limits the emulator does not enforce: a template sent in the request body
# (what `deploy` does with the packaged root) and one read from S3.
MAX_TEMPLATE_BODY = 51_200
MAX_TEMPLATE_URL_BODY = 1_000_000
CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND")
NESTED_STACK = "AWS::CloudFormation::Stack"
# Findings of compiler/lint/rules/ that stop a deploy: every error (AWS would refuse the
# template) and the warnings the compiler's own output must never earn.
REFUSED_WARNINGS = ("W9003", "W9004")


class RefusedTemplate(AssertionError):
    """A template that a real AWS deploy would refuse (or that breaks our own rules)."""


def check_aws_rules(template_dir: Path) -> None:
    """Run compiler/lint/rules/ over every template in the directory; raise on a refused finding."""
    refused = []
    for path in sorted(template_dir.glob("*.json")) + sorted(template_dir.glob("*.yaml")):
        for line, rule, message in _refused_findings(path.read_text(encoding="utf-8")):
            refused.append(f"{path.name}:{line}: {rule} {message}")
    if refused:
        raise RefusedTemplate("AWS would refuse these templates:\n" + "\n".join(refused))


_FINDINGS: dict[str, tuple] = {}


def _refused_findings(text: str) -> tuple:
    """(line, rule, message) of each refused finding of our rules in one template's text.

    The same text always gets the same findings, so they are kept by the text's digest:
    a stack update deploys the nested templates it leaves alone again, byte for byte
    (test_renames_e2e.py and test_updates_e2e.py deploy one app 4 to 8 times)."""
    import cfnlint.api

    key = hashlib.sha256(text.encode()).hexdigest()
    if key not in _FINDINGS:
        _FINDINGS[key] = tuple(
            (match.linenumber, match.rule.id, match.message)
            for match in cfnlint.api.lint(text, rules=_our_rules())
            if match.rule.id.startswith("E") or match.rule.id in REFUSED_WARNINGS)
    return _FINDINGS[key]


@functools.cache
def _our_rules():
    """compiler/lint/rules/ as a cfn-lint RulesCollection, loaded once per process
    (cfnlint.api.lint takes the same collection for every template)."""
    from cfnlint.rules import RulesCollection

    rules = RulesCollection()
    rules.create_from_directory(RULES_DIR)
    return rules


def deploy(emulator: Emulator, template_dir: Path, stack_name: str, work: Path,
           check_rules: bool = True) -> Path:
    """`aws cloudformation package` + `aws cloudformation deploy`, as docs/deploy.md tells users.

    Returns the packaged root template. Raises RefusedTemplate, before touching
    the emulator, when compiler/lint/rules/ finds what a real deploy would refuse
    (`check_rules=False` only to show the emulator refuses such a template too).
    """
    if check_rules:
        check_aws_rules(template_dir)
    emulator.create_bucket(BUCKET)
    packaged = work / "packaged.yaml"
    emulator.aws(
        "cloudformation", "package",
        "--template-file", str(template_dir / "root.json"),
        "--s3-bucket", BUCKET,
        "--output-template-file", str(packaged),
    )
    emulator.aws(
        "cloudformation", "deploy",
        "--template-file", str(packaged),
        "--stack-name", stack_name,
        "--capabilities", *CAPABILITIES,
        "--no-fail-on-empty-changeset",
    )
    return packaged


@dataclass
class Stack:
    """One deployed stack: its description, resources and template."""

    name: str
    description: dict[str, Any]
    resources: list[dict[str, Any]]           # list-stack-resources summaries
    template: dict[str, Any]
    children: dict[str, "Stack"] = field(default_factory=dict)  # logical id -> nested stack

    @property
    def status(self) -> str:
        return self.description["StackStatus"]

    @property
    def outputs(self) -> dict[str, str]:
        return {o["OutputKey"]: o["OutputValue"] for o in self.description.get("Outputs") or []}

    @property
    def parameters(self) -> dict[str, str]:
        return {p["ParameterKey"]: p["ParameterValue"] for p in self.description.get("Parameters") or []}

    def physical_id(self, logical_id: str) -> str:
        for resource in self.resources:
            if resource["LogicalResourceId"] == logical_id:
                return resource["PhysicalResourceId"]
        raise KeyError(f"{self.name} has no resource {logical_id}")

    def walk(self):
        yield self
        for child in self.children.values():
            yield from child.walk()


def read_stack(emulator: Emulator, name: str) -> Stack:
    cfn = emulator.client("cloudformation")
    [description] = cfn.describe_stacks(StackName=name)["Stacks"]
    resources = []
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=name):
        resources += page["StackResourceSummaries"]
    body = cfn.get_template(StackName=name)["TemplateBody"]
    template = body if isinstance(body, dict) else _parse(body)
    stack = Stack(name, description, resources, template)
    for resource in resources:
        if resource["ResourceType"] == NESTED_STACK:
            stack.children[resource["LogicalResourceId"]] = read_stack(
                emulator, resource["PhysicalResourceId"]
            )
    return stack


def _parse(body: str) -> dict[str, Any]:
    try:
        return json.loads(body)
    except json.JSONDecodeError:
        import yaml

        # `package` writes YAML with CloudFormation short tags; none survive in
        # the compiler's JSON, but be tolerant of them anyway. libyaml's parser, when
        # PyYAML has it, reads the same documents ~6 times faster.
        class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            pass

        Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
        return yaml.load(body, Loader=Loader)
