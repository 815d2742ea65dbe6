"""`fargate-compile deploy`, as a user runs it, against the emulator: a subprocess of the
command with the emulator's environment (AWS_ENDPOINT_URL, fake credentials), then the
result read back through boto3.

One app goes through: a --preview of the first deploy (nothing left behind), a deploy
(--yes), an unchanged deploy, an edit with a hazard (refused, then --allow-hazards), a
lost lock rebuilt from the stack, and the artifacts bucket the command makes. Another
spec fails on purpose (a task role naming a managed policy that does not exist, which
moto refuses as IAM does) and must name the resource, the reason and the spec line.

Uploads go to a bucket made here (`--bucket`): the emulator speaks plain HTTP and the
bucket fargate-compile makes takes TLS requests only; test_the_default_bucket shows both.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from deployed import read_stack

ROOT = Path(__file__).resolve().parents[2]
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
BUCKET = "deploy-artifacts"
SPEC = {
    "app": "dpl",
    "network": {"nat": "single", "flow_logs": {"retention_days": 7}},
    "load_balancer": {"public": True},
    "services": {
        "front": {"image": f"{ECR}/front:1", "port": 3000, "http": {"path": "/"}, "connect": True},
        "api": {"image": f"{ECR}/api:1", "port": 5000, "http": {"path": "/api/*"}, "connect": True},
    },
}


def run(emulator, work: Path, *args: str) -> subprocess.CompletedProcess:
    env = emulator.env()
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "compiler", *args], env=env, cwd=work,
                          capture_output=True, text=True, timeout=300)


def write(work: Path, name: str, spec: dict) -> str:
    (work / name).write_text(yaml.safe_dump(spec, sort_keys=False))
    return name


@pytest.fixture(scope="module")
def app(emulator, tmp_path_factory):
    emulator.reset()
    emulator.create_bucket(BUCKET)
    work = tmp_path_factory.mktemp("deploy-command")
    return emulator, work


def _stacks(emulator, name):
    return [s for s in emulator.client("cloudformation").list_stacks()["StackSummaries"]
            if s["StackName"] == name and s["StackStatus"] != "DELETE_COMPLETE"]


def test_1_preview_of_a_first_deploy_changes_nothing(app):
    emulator, work = app
    done = run(emulator, work, "deploy", write(work, "dpl.yaml", SPEC), "--bucket", BUCKET, "--preview")
    assert done.returncode == 0, done.stderr
    assert "fargate-compile deploy: dpl-dev (create, change set fargate-compile-" in done.stdout
    assert "new stack: every resource is created" in done.stdout
    assert "+ Add     ServicesStack  AWS::CloudFormation::Stack" in done.stdout
    assert _stacks(emulator, "dpl-dev") == []          # the change set and its empty stack are gone


def test_2_deploy_creates_the_stack(app):
    emulator, work = app
    done = run(emulator, work, "deploy", "dpl.yaml", "--bucket", BUCKET, "--yes")
    assert done.returncode == 0, done.stderr
    assert "dpl-dev: CREATE_COMPLETE" in done.stdout
    # progress in a log: one line per event, per nested stack
    assert "services.json (ServicesStack)  FrontEcsService  AWS::ECS::Service  CREATE_COMPLETE" in done.stderr
    root = read_stack(emulator, "dpl-dev")
    assert root.status == "CREATE_COMPLETE"
    assert set(root.children) == {"NetworkStack", "AlbStack", "ServicesStack"}
    services = root.children["ServicesStack"]
    assert {"FrontEcsService", "ApiEcsService"} <= {r["LogicalResourceId"] for r in services.resources}
    # the templates came from the bucket, content-addressed
    url = root.template["Resources"]["ServicesStack"]["Properties"]["TemplateURL"]
    assert f"/{BUCKET}/dpl-dev/" in url and url.endswith("/services.json")


def test_3_an_unchanged_deploy_is_a_no_op(app):
    emulator, work = app
    done = run(emulator, work, "deploy", "dpl.yaml", "--bucket", BUCKET, "--yes")
    assert done.returncode == 0, done.stderr
    assert "unchanged: alb.json, network.json, root.json, services.json" in done.stdout
    assert "no changes: dpl-dev is up to date" in done.stderr


def _renamed() -> dict:
    """front -> web: the listener's default action moves to a new target group (a traffic gap)."""
    spec = copy.deepcopy(SPEC)
    spec["services"] = {("web" if k == "front" else k): v for k, v in spec["services"].items()}
    return spec


def test_4_a_hazard_is_refused_then_allowed(app):
    emulator, work = app
    write(work, "dpl.yaml", _renamed())
    before = read_stack(emulator, "dpl-dev").children["ServicesStack"]
    preview = run(emulator, work, "deploy", "dpl.yaml", "--bucket", BUCKET, "--preview")
    assert preview.returncode == 4, preview.stderr
    assert "[traffic-gap] alb.json:HttpListener" in preview.stdout
    assert "+   WebEcsService" in preview.stdout and "-   FrontEcsService" in preview.stdout
    assert "~ Modify  ServicesStack  AWS::CloudFormation::Stack" in preview.stdout
    refused = run(emulator, work, "deploy", "dpl.yaml", "--bucket", BUCKET, "--yes")
    assert refused.returncode == 4, refused.stderr
    assert "to deploy anyway: --yes --allow-hazards" in refused.stderr
    assert read_stack(emulator, "dpl-dev").children["ServicesStack"].resources == before.resources
    allowed = run(emulator, work, "deploy", "dpl.yaml", "--bucket", BUCKET, "--yes", "--allow-hazards")
    assert allowed.returncode == 0, allowed.stderr
    root = read_stack(emulator, "dpl-dev")
    assert root.status == "UPDATE_COMPLETE"
    ids = {r["LogicalResourceId"] for r in root.children["ServicesStack"].resources}
    assert "WebEcsService" in ids and "FrontEcsService" not in ids
    assert root.children["ServicesStack"].physical_id("ApiEcsService") == before.physical_id("ApiEcsService")


def test_5_a_lost_lock_is_rebuilt_from_the_stack(app):
    emulator, work = app
    lock = work / "dpl.lock.json"
    kept = lock.read_text()
    lock.unlink()
    done = run(emulator, work, "lock", "--from-stack", "dpl.yaml")
    assert done.returncode == 0, done.stderr
    assert lock.read_text() == kept
    lock.unlink()
    again = run(emulator, work, "deploy", "dpl.yaml", "--bucket", BUCKET, "--preview")
    assert again.returncode == 0, again.stderr
    assert "rebuilt dpl.lock.json for dpl-dev from the deployed root stack's Metadata" in again.stderr
    assert "0 added, 0 removed, 0 modified, 0 replaced" in again.stdout
    assert lock.read_text() == kept


def test_6_a_failed_deploy_names_the_resource_the_reason_and_the_spec_line(app):
    emulator, work = app
    spec = copy.deepcopy(SPEC)
    spec["app"] = "bad"
    spec["services"]["api"]["task_role"] = {"managed_policies": [
        "arn:aws:iam::123456789012:policy/missing-policy"]}
    done = run(emulator, work, "deploy", write(work, "bad.yaml", spec), "--bucket", BUCKET, "--yes")
    assert done.returncode == 5, done.stderr
    api_line = (work / "bad.yaml").read_text().splitlines().index("  api:") + 1
    assert (f"failed: ServicesStack/ApiTaskRole (AWS::IAM::Role) CREATE_FAILED (from bad.yaml:{api_line}:3)"
            in done.stderr)
    assert "missing-policy does not exist or is not attachable" in done.stderr
    assert "rolled back: every resource of bad-dev was deleted" in done.stderr
    assert "Traceback" not in done.stderr
    [stack] = _stacks(emulator, "bad-dev")
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"


def test_the_default_bucket(app):
    """Without --bucket the command makes fargate-compile-artifacts-<account>-<region>, locked
    down; the emulator's plain-HTTP endpoint is then refused by its TLS-only policy, as it should be."""
    emulator, work = app
    done = run(emulator, work, "deploy", write(work, "dflt.yaml", {**SPEC, "app": "dflt"}), "--preview")
    name = "fargate-compile-artifacts-123456789012-us-east-1"
    assert f"made the artifacts bucket {name}" in done.stderr
    assert done.returncode == 2 and "takes TLS requests only" in done.stderr, done.stderr
    s3 = emulator.client("s3")
    assert s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    [rule] = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert '"aws:SecureTransport": "false"' in s3.get_bucket_policy(Bucket=name)["Policy"]
    [lifecycle] = s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]
    assert lifecycle["Expiration"]["Days"] == 30 and lifecycle["Status"] == "Enabled"
