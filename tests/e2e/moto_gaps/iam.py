"""Gaps of moto's IAM models: inline and managed policies of roles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .base import wrap


# --- Gap 13 ------------------------------------------------------------------
# AWS::IAM::Role.
# a) An inline policy (Policies[].PolicyDocument, written as an object) is
#    stored as its Python repr, so GetRolePolicy answers "{'Statement': ...}",
#    which is not JSON. Store it as JSON, as AWS does.
# b) ManagedPolicyArns are dropped, so a task role comes back with no
#    attached policies. Attach them; an ARN that names no policy fails
# the stack, as on AWS. moto loads AWS managed policies only when asked to
# (MOTO_IAM_LOAD_MANAGED_POLICIES, all ~1,600 of them in every fresh backend),
# so one that is attached is loaded then, from moto's own copy of the list; an
# AWS managed policy newer than that copy gets an empty stand-in (it exists on
# AWS, and what a policy allows is not something the emulator evaluates).
def role() -> None:
    import functools
    import json
    import re

    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy, Role, iam_backends
    from moto.utilities.utils import get_partition

    aws_policy = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy(?P<path>/(?:.*/)?)(?P<name>[^/]+)$")

    @functools.cache
    def aws_managed_policy(name: str) -> dict | None:
        # moto's copy of the list is one JSON text of ~1,600 policies (4.7 MB): parsed once per
        # policy a template attaches (a handful), not once per role; read only
        return json.loads(aws_managed_policies_data).get(name)

    def load_aws_managed(backend: Any, arn: str) -> None:
        found = aws_policy.match(arn)
        if not found or arn in backend.managed_policies:
            return
        known = aws_managed_policy(found["name"])
        if known is None or known.get("Path", "/") != found["path"]:
            known = {"Path": found["path"], "DefaultVersionId": "v1",
                     "Document": {"Version": "2012-10-17", "Statement": []},
                     "CreateDate": "2024-01-01T00:00:00+00:00",
                     "UpdateDate": "2024-01-01T00:00:00+00:00"}
        policy = AWSManagedPolicy.from_data(found["name"], backend.account_id, backend.region_name, known)
        backend.managed_policies[policy.arn] = policy

    @wrap(Role, "create_from_cloudformation_json")
    def create(original: Callable, cls, resource_name: str, cloudformation_json: Any, account_id: str,
               region_name: str, **kwargs: Any) -> Role:
        props = dict(cloudformation_json["Properties"])
        props["Policies"] = [
            {**p, "PolicyDocument": p["PolicyDocument"] if isinstance(p["PolicyDocument"], str)
             else json.dumps(p["PolicyDocument"])}
            for p in props.get("Policies") or []
        ]
        cloudformation_json = {**cloudformation_json, "Properties": props}
        role = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        backend = iam_backends[account_id][get_partition(region_name)]
        for arn in cloudformation_json["Properties"].get("ManagedPolicyArns") or []:
            load_aws_managed(backend, arn)
            backend.attach_role_policy(arn, role.name)
        return role
