"""The emulator itself, on a small handwritten nested stack (templates/nested/).

If these fail, test_deploy.py cannot mean anything: the user's path (package,
then deploy through a change set) and the root's Output -> GetAtt -> Parameter
wiring must work before any compiled example is judged.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from deployed import BUCKET, deploy, read_stack
from emulator import REGION

NESTED = Path(__file__).parent / "templates" / "nested"


@pytest.fixture(scope="module")
def smoke(emulator, tmp_path_factory):
    """Deployed once for the module; the tests only read."""
    emulator.reset()
    work = tmp_path_factory.mktemp("smoke")
    templates = work / "templates"
    shutil.copytree(NESTED, templates)
    deploy(emulator, templates, "smoke", work)
    return read_stack(emulator, "smoke")


def test_package_uploads_children_and_deploy_completes(emulator, smoke):
    keys = [o["Key"] for o in emulator.client("s3").list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert len(keys) == 2  # network.json and app.json; the root goes inline to the change set
    assert [s.status for s in smoke.walk()] == ["CREATE_COMPLETE"] * 3
    assert set(smoke.children) == {"NetworkStack", "AppStack"}


def test_child_outputs_feed_sibling_parameters_and_root_outputs(emulator, smoke):
    network, app = smoke.children["NetworkStack"], smoke.children["AppStack"]
    vpc_id = network.physical_id("Vpc")
    subnet_ids = [network.physical_id("SubnetA"), network.physical_id("SubnetB")]
    assert network.outputs == {"VpcId": vpc_id, "SubnetIds": ",".join(subnet_ids)}
    assert app.parameters["VpcId"] == vpc_id
    # A root built through a change set has Outputs, resolved through the children.
    assert smoke.outputs == {
        "VpcId": vpc_id,
        "SubnetIds": ",".join(subnet_ids),
        "GroupId": app.physical_id("Group"),
    }
    [group] = emulator.client("ec2").describe_security_groups(GroupIds=[smoke.outputs["GroupId"]])[
        "SecurityGroups"
    ]
    assert group["VpcId"] == vpc_id
    assert group["Description"] == f"for {subnet_ids[1]}"  # a List<> parameter, split again


def test_get_azs_answers_the_stack_regions_zones(emulator, smoke):
    network = smoke.children["NetworkStack"]
    subnets = emulator.client("ec2").describe_subnets(
        SubnetIds=[network.physical_id("SubnetA"), network.physical_id("SubnetB")]
    )["Subnets"]
    zones = sorted(s["AvailabilityZone"] for s in subnets)
    assert zones == [f"{REGION}a", f"{REGION}b"]


def test_reset_empties_the_emulator(emulator):
    emulator.client("s3").create_bucket(Bucket="left-over")
    emulator.reset()
    assert emulator.client("s3").list_buckets()["Buckets"] == []
    assert emulator.client("cloudformation").describe_stacks()["Stacks"] == []
