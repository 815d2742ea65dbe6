"""The emulator itself, on a small handwritten nested stack (templates/nested/).

If these fail, test_deploy.py cannot mean anything: the user's path (package,
then deploy through a change set) and the root's Output -> GetAtt -> Parameter
wiring must work before any compiled example is judged.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest

from deployed import BUCKET, RefusedTemplate, Stack, deploy, read_stack
from emulator import REGION, CommandFailed

NESTED = Path(__file__).parent / "templates" / "nested"


@dataclass
class Smoke:
    root: Stack
    uploads: list[str]             # keys in the packaging bucket
    groups: dict[str, dict]        # security groups by id
    subnets: dict[str, dict]       # subnets by id


@pytest.fixture(scope="module")
def smoke(emulator, tmp_path_factory) -> Smoke:
    """Deployed once for the module and read back at once: the tests only read the snapshot
    (test_reset_empties_the_emulator empties the emulator in between)."""
    emulator.reset()
    work = tmp_path_factory.mktemp("smoke")
    templates = work / "templates"
    shutil.copytree(NESTED, templates)
    deploy(emulator, templates, "smoke", work)
    ec2 = emulator.client("ec2")
    return Smoke(
        root=read_stack(emulator, "smoke"),
        uploads=[o["Key"] for o in emulator.client("s3").list_objects_v2(Bucket=BUCKET)["Contents"]],
        groups={g["GroupId"]: g for g in ec2.describe_security_groups()["SecurityGroups"]},
        subnets={s["SubnetId"]: s for s in ec2.describe_subnets()["Subnets"]},
    )


def test_package_uploads_children_and_deploy_completes(smoke):
    assert len(smoke.uploads) == 2  # network.json and app.json; the root goes inline to the change set
    assert [s.status for s in smoke.root.walk()] == ["CREATE_COMPLETE"] * 3
    assert set(smoke.root.children) == {"NetworkStack", "AppStack"}


def test_child_outputs_feed_sibling_parameters_and_root_outputs(smoke):
    network, app = smoke.root.children["NetworkStack"], smoke.root.children["AppStack"]
    vpc_id = network.physical_id("Vpc")
    subnet_ids = [network.physical_id("SubnetA"), network.physical_id("SubnetB")]
    assert network.outputs == {"VpcId": vpc_id, "SubnetIds": ",".join(subnet_ids)}
    assert app.parameters == {"VpcId": vpc_id, "SubnetIds": ",".join(subnet_ids)}
    # A root built through a change set has Outputs, resolved through the children.
    assert smoke.root.outputs == {
        "VpcId": vpc_id,
        "SubnetIds": ",".join(subnet_ids),
        "GroupId": app.physical_id("Group"),
    }
    group = smoke.groups[smoke.root.outputs["GroupId"]]
    assert group["VpcId"] == vpc_id
    assert group["Description"] == f"for {subnet_ids[1]}"  # a List<> parameter, split again


def test_get_azs_answers_the_stack_regions_zones(smoke):
    network = smoke.root.children["NetworkStack"]
    zones = [smoke.subnets[network.physical_id(s)]["AvailabilityZone"] for s in ("SubnetA", "SubnetB")]
    assert zones == [f"{REGION}a", f"{REGION}b"]  # Fn::GetAZs "" and Fn::GetAZs {Ref: AWS::Region}


def test_reset_empties_the_emulator(emulator):
    emulator.client("s3").create_bucket(Bucket="left-over")
    emulator.reset()
    assert emulator.client("s3").list_buckets()["Buckets"] == []
    assert emulator.client("cloudformation").describe_stacks()["Stacks"] == []


def test_the_cli_can_reach_nothing_but_the_emulator(emulator):
    env = emulator.env()
    endpoints = {k: v for k, v in env.items() if k.startswith("AWS_ENDPOINT_URL")}
    assert set(endpoints) == {"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"}
    assert {urlparse(v).hostname for v in endpoints.values()} <= {"127.0.0.1", "localhost"}
    assert env["AWS_EC2_METADATA_DISABLED"] == "true"
    assert env["AWS_ACCESS_KEY_ID"] == "testing"
    # A request that names a real AWS endpoint goes to the dead proxy and fails.
    escaped = subprocess.run(
        [sys.executable, "-m", "awscli", "s3api", "list-buckets",
         "--endpoint-url", "https://s3.us-east-1.amazonaws.com"],
        env={**env, "AWS_MAX_ATTEMPTS": "1"}, capture_output=True, text=True, timeout=120,
    )
    assert escaped.returncode != 0
    assert "proxy" in escaped.stderr.lower()


def test_alb_access_logs_need_a_bucket_elb_may_write_to(emulator):
    """As on AWS (moto_compat gap 14): enabling access logs checks the bucket and its policy."""
    import json

    from botocore.exceptions import ClientError

    emulator.reset()
    ec2, elbv2, s3 = emulator.client("ec2"), emulator.client("elbv2"), emulator.client("s3")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24",
                                 AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"]
               for i, zone in enumerate("ab")]
    lb = elbv2.create_load_balancer(Name="logs", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]

    def enable(bucket: str, prefix: str = "p") -> None:
        elbv2.modify_load_balancer_attributes(LoadBalancerArn=lb, Attributes=[
            {"Key": "access_logs.s3.enabled", "Value": "true"},
            {"Key": "access_logs.s3.bucket", "Value": bucket},
            {"Key": "access_logs.s3.prefix", "Value": prefix},
        ])

    def refused(bucket: str, prefix: str = "p") -> str:
        with pytest.raises(ClientError) as caught:
            enable(bucket, prefix)
        return caught.value.response["Error"]["Code"]

    assert refused("no-such-bucket") == "InvalidConfigurationRequest"
    s3.create_bucket(Bucket="logs")
    assert refused("logs") == "InvalidConfigurationRequest"            # no policy at all
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::127311923021:root"},  # us-east-1's ELB
        "Action": "s3:PutObject", "Resource": "arn:aws:s3:::logs/p/AWSLogs/123456789012/*"}]}
    s3.put_bucket_policy(Bucket="logs", Policy=json.dumps(policy))
    assert refused("logs", prefix="other") == "InvalidConfigurationRequest"  # not under the prefix
    enable("logs")
    policy["Statement"][0]["Principal"] = {"AWS": "arn:aws:iam::156460612806:root"}  # eu-west-1's ELB
    s3.put_bucket_policy(Bucket="logs", Policy=json.dumps(policy))
    assert refused("logs") == "InvalidConfigurationRequest"
    emulator.reset()


def test_pseudo_parameters_answer_for_the_stack_region(emulator):
    """AWS::Partition and AWS::URLSuffix follow the Region (moto_compat gap 18)."""
    import json

    emulator.reset()
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}, "Outputs": {
        "Partition": {"Value": {"Ref": "AWS::Partition"}},
        "Suffix": {"Value": {"Ref": "AWS::URLSuffix"}},
    }}
    found = {}
    for region in ("us-east-1", "cn-north-1", "us-gov-west-1"):
        cfn = emulator.in_region(region).client("cloudformation")
        cfn.create_stack(StackName="pseudo", TemplateBody=json.dumps(template))
        [stack] = cfn.describe_stacks(StackName="pseudo")["Stacks"]
        found[region] = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert found == {
        "us-east-1": {"Partition": "aws", "Suffix": "amazonaws.com"},
        "cn-north-1": {"Partition": "aws-cn", "Suffix": "amazonaws.com.cn"},
        "us-gov-west-1": {"Partition": "aws-us-gov", "Suffix": "amazonaws.com"},
    }
    emulator.reset()


def _with_bad_description(tmp_path: Path) -> Path:
    import json

    templates = tmp_path / "templates"
    shutil.copytree(NESTED, templates)
    app = json.loads((templates / "app.json").read_text())
    group = app["Resources"]["Group"]["Properties"]
    group["SecurityGroupIngress"] = [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
                                      "CidrIp": "10.0.0.0/16", "Description": "the app's clients"}]
    (templates / "app.json").write_text(json.dumps(app))
    return templates


def _stacks_named(emulator, name: str) -> list[dict]:
    stacks = emulator.client("cloudformation").list_stacks()["StackSummaries"]
    return [s for s in stacks if s["StackName"] == name]


def test_deploy_refuses_what_aws_refuses(emulator, tmp_path):
    """moto takes a rule description with an apostrophe; EC2 does not. The harness
    runs compiler/lint/rules/ first, so such a template never reaches the emulator."""
    emulator.reset()
    with pytest.raises(RefusedTemplate, match=r"app.json:\d+: E9001 rule Description"):
        deploy(emulator, _with_bad_description(tmp_path), "refused", tmp_path)
    assert _stacks_named(emulator, "refused") == []


def test_the_emulator_refuses_it_too(emulator, tmp_path):
    """And past the harness, the patched emulator refuses it as EC2 does (moto_compat gap 19)."""
    emulator.reset()
    with pytest.raises(CommandFailed) as failed:
        deploy(emulator, _with_bad_description(tmp_path), "refused", tmp_path, check_rules=False)
    # EC2's refusal is the failed resource's reason in the stack events, as on AWS (gap 25 records
    # it there; `aws cloudformation deploy` itself only says the stack failed)
    cfn = emulator.client("cloudformation")
    reasons = str(failed.value) + "".join(
        e.get("ResourceStatusReason") or "" for s in cfn.list_stacks()["StackSummaries"]
        for e in cfn.describe_stack_events(StackName=s["StackId"])["StackEvents"])
    assert "InvalidParameterValue" in reasons and "the app's clients" in reasons
    assert [s["StackStatus"] for s in _stacks_named(emulator, "refused")] != ["CREATE_COMPLETE"]
