"""FC212: task role policies name exact, existing actions (no wildcards) on at least one resource."""

# Actions are checked against the service authorization reference cfn-lint ships
# (compiler/aws/iam_actions.py), so a typo (`s3:GetObjekt`) is refused at its line.

from __future__ import annotations

import re

from compiler.aws import iam_actions
from compiler.checks._util import raw, svc
from compiler.diagnostics import WARNING, Diagnostic, Locator
from compiler.model import App

CODE = "FC212"

# Used with fullmatch: "$" alone would also match before a final line break.
_ACTION = re.compile(r"^[a-zA-Z0-9-]+:[A-Za-z0-9]+$")
_MANAGED_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(aws|\d{12}):policy/[A-Za-z0-9_+=,.@/-]+$")
# What IAM (and cfn-lint) take as a statement's Resource: an ARN, or "*".
_RESOURCE = re.compile(r"^(arn:(aws[A-Za-z\-]*?|\*):[^:]+:[^:]*(:(?:\d{12}|\*|aws)?:.+|)|\*)$")
MANAGED_DEFAULT_QUOTA, MANAGED_MAX = 10, 20   # IAM managed policies per role


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    for s in app.services:
        base = svc(s.name, "task_role")
        for i, policy in enumerate(s.task_role.policies):
            if not policy.actions:
                found.append(locator.error(
                    CODE, (*base, "policies", i, "actions"),
                    "a policy needs at least one action, like s3:GetObject"))
            for j, action in enumerate(policy.actions):
                path = (*base, "policies", i, "actions", j)
                if "*" in action or "?" in action:
                    found.append(locator.error(
                        CODE, path,
                        f"wildcard action '{action}' is not allowed; list the exact actions "
                        "the service needs, like s3:GetObject"))
                elif not _ACTION.fullmatch(action):
                    found.append(locator.error(
                        CODE, path,
                        f"'{action}' is not an IAM action; write service:Action, "
                        "like s3:GetObject"))
                else:
                    why, hint = iam_actions.problem(action)
                    if why:
                        found.append(locator.error(CODE, path, why, hint=hint))
            if not policy.resources:
                found.append(locator.error(
                    CODE, (*base, "policies", i, "resources"),
                    "a policy needs at least one resource ARN (or \"*\" where the action "
                    "takes no resource)"))
            for j, resource in enumerate(policy.resources):
                if not _RESOURCE.fullmatch(resource):
                    found.append(locator.error(
                        CODE, (*base, "policies", i, "resources", j),
                        f"'{resource}' is not a resource ARN; write arn:PARTITION:SERVICE:REGION:"
                        "ACCOUNT:RESOURCE like arn:aws:s3:::my-bucket/*, or \"*\""))
        managed = s.task_role.managed_policies
        written = raw(data, *base, "managed_policies", default=[])
        for arn in managed:
            if not _MANAGED_ARN.fullmatch(arn):
                index = (written.index(arn),) if arn in written else ()
                found.append(locator.error(
                    CODE, (*base, "managed_policies", *index),
                    f"'{arn}' is not a managed policy ARN like "
                    "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"))
        if len(managed) > MANAGED_MAX:
            found.append(locator.error(
                CODE, (*base, "managed_policies"),
                f"{len(managed)} managed policies; an IAM role takes at most {MANAGED_MAX}"))
        elif len(managed) > MANAGED_DEFAULT_QUOTA:
            found.append(locator.error(
                CODE, (*base, "managed_policies"),
                f"{len(managed)} managed policies; the IAM default quota is "
                f"{MANAGED_DEFAULT_QUOTA} per role unless raised", severity=WARNING))
    return found
