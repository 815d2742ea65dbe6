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

from deployed import BUCKET, Stack, deploy, read_stack
from emulator import REGION

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
