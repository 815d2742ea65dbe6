"""`fargate-compile deploy` without AWS: the preview, the failure report, the artifacts'
keys, AWS faults as messages, and that no other command loads the SDK.

Everything here is fed with values or recorded API responses (tests/data/deploy/);
tests/e2e/test_deploy_command.py runs the command against the emulator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from compiler.deploy import AwsRefused, AwsUnavailable, artifacts, changeset, preview, progress, session
from compiler.deploy.changeset import Change, ChangeSet, Finding
from compiler.diff import compute
from compiler.diff.templates import link

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "deploy"


def _side(label, services: dict) -> object:
    """A root with one nested services stack holding `services` (logical ID -> resource)."""
    root = {"Resources": {"ServicesStack": {"Type": "AWS::CloudFormation::Stack",
                                            "Properties": {"TemplateURL": "./services.json"}}}}
    return link(label, {"root.json": root, "services.json": {"Resources": services}})


LOG = {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/demo/api", "RetentionInDays": 7}}
QUEUE = {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "demo-jobs"}}


def _change_set(**kw) -> ChangeSet:
    base = dict(id="arn:aws:cloudformation:us-east-1:1:changeSet/fargate-compile-1/x", stack_name="demo-dev",
                kind="UPDATE", name="fargate-compile-1", status="CREATE_COMPLETE")
    return ChangeSet(**{**base, **kw})


def test_preview_shows_our_diff_the_change_set_and_the_findings():
    old = _side("demo-dev (deployed)", {"ApiLogGroup": LOG, "JobsQueue": QUEUE})
    renamed = {**LOG, "Properties": {**LOG["Properties"], "LogGroupName": "/demo/api2"}}
    new = _side("templates_out/demo-dev", {"ApiLogGroup": renamed})
    diff = compute(old, new)
    cs = _change_set(changes=[
        Change("", "Modify", "ServicesStack", "AWS::CloudFormation::Stack", "False"),
        Change("ServicesStack", "Modify", "ApiLogGroup", "AWS::Logs::LogGroup", "True"),
        Change("ServicesStack", "Remove", "JobsQueue", "AWS::SQS::Queue"),
    ], findings=[Finding("Resource JobsQueue: a warning", "JobsQueue", name="PropertyValidation",
                         severity="warning")])
    text = preview.render("demo-dev", diff, cs, new)
    assert text.startswith("fargate-compile deploy: demo-dev (update, change set fargate-compile-1)\n")
    # our diff, as `fargate-compile diff` shows it, header aside
    assert "our diff (demo-dev (deployed) -> templates_out/demo-dev):" in text
    assert "-/+ ApiLogGroup" in text and "replaced: LogGroupName changes" in text
    assert "[data-deletion] services.json:JobsQueue" in text
    # CloudFormation's summary, per stack, nested stacks by file and logical ID
    assert "CloudFormation's change set (3 changes):" in text
    lines = text.splitlines()
    at = lines.index("  services.json (ServicesStack)")
    assert lines[at + 1].split() == ["~", "Modify", "ApiLogGroup", "AWS::Logs::LogGroup", "replacement:", "True"]
    assert lines[at + 2].split() == ["-", "Remove", "JobsQueue", "AWS::SQS::Queue"]
    assert "  root.json" in lines
    assert "  warning [PropertyValidation]: JobsQueue: Resource JobsQueue: a warning" in lines


def test_preview_of_a_first_deploy_and_of_no_changes():
    new = _side("templates_out/demo-dev", {"ApiLogGroup": LOG})
    text = preview.render("demo-dev", None, _change_set(kind="CREATE", changes=[
        Change("", "Add", "ServicesStack", "AWS::CloudFormation::Stack")]), new)
    assert "(create, change set" in text and "new stack: every resource is created" in text
    assert "+ services.json" in text and "CloudFormation's validation: no findings" in text
    empty = _change_set(status="FAILED", reason="The submitted information didn't contain changes. "
                                                  "Submit different information to create a change set.")
    assert empty.empty and not empty.failed
    assert "CloudFormation's change set: no changes" in preview.render("demo-dev", compute(new, new), empty, new)


def _cfn(operations=(), **calls):
    model = SimpleNamespace(operation_names=["DescribeChangeSet", *operations])
    return SimpleNamespace(meta=SimpleNamespace(service_model=model), **calls)


def test_validation_findings_from_describe_events_or_the_status_reason():
    refused = _change_set(status="FAILED", reason="Resource handler returned message: name already exists")
    assert changeset.findings(_cfn(), refused) == [Finding(refused.reason)]
    assert changeset.findings(_cfn(), _change_set()) == []
    events = {"OperationEvents": [
        {"EventType": "VALIDATION_ERROR", "ValidationName": "NameConflictValidation", "ValidationStatus": "FAILED",
         "ValidationStatusReason": "log group /demo/api already exists", "LogicalResourceId": "ApiLogGroup",
         "ValidationFailureMode": "FAIL"},
        {"EventType": "VALIDATION_ERROR", "ValidationName": "PropertyValidation", "ValidationStatus": "SUCCEEDED"},
    ]}
    cfn = _cfn(["DescribeEvents"], describe_events=lambda **kw: events)
    assert changeset.findings(cfn, refused) == [
        Finding("log group /demo/api already exists", "ApiLogGroup", "", "NameConflictValidation", "error")]


def _recorded_events():
    recorded = json.loads((DATA / "failed-create-events.json").read_text())
    tracker = progress.Tracker({"": 3, "ServicesStack": 16})
    tracker.add(recorded["root"], "")
    tracker.add(recorded["ServicesStack"], "ServicesStack")
    return tracker


def test_the_failure_report_names_the_first_failed_resource_not_its_stack():
    tracker = _recorded_events()
    failure = tracker.failure()
    assert (failure.stack, failure.logical_id, failure.type, failure.status) == (
        "ServicesStack", "ApiTaskRole", "AWS::IAM::Role", "CREATE_FAILED")
    assert "missing-policy does not exist" in failure.reason       # not "Resource creation cancelled"
    assert tracker.stack_status == {"": "ROLLBACK_COMPLETE", "ServicesStack": "ROLLBACK_COMPLETE"}
    text = progress.outcome_text("bad-dev", "ROLLBACK_COMPLETE",
                                 progress.Failure(**{**vars(failure), "where": ("bad.yaml", 6, 3)}))
    assert text.splitlines() == [
        "failed: ServicesStack/ApiTaskRole (AWS::IAM::Role) CREATE_FAILED (from bad.yaml:6:3)",
        "  reason: " + failure.reason,
        "rolled back: every resource of bad-dev was deleted; the stack stays in ROLLBACK_COMPLETE until "
        "the next deploy deletes and creates it again"]


def test_the_failure_is_located_at_its_service_in_the_spec(tmp_path):
    from compiler.diff.locate import in_spec

    spec = tmp_path / "bad.yaml"
    spec.write_text("app: bad\nservices:\n  front: {image: x, port: 80}\n  api:\n    image: x\n")
    assert in_spec(str(spec), "ApiTaskRole", "services.json") == (str(spec), 4, 3)


@pytest.mark.parametrize("status, says", [
    ("UPDATE_ROLLBACK_COMPLETE", "is as it was before this deploy"),
    ("UPDATE_ROLLBACK_FAILED", "continue-update-rollback --stack-name demo-dev"),
    ("ROLLBACK_FAILED", "delete-stack --stack-name demo-dev"),
])
def test_the_rollback_outcome(status, says):
    assert says in progress.outcome_text("demo-dev", status, None)


def test_progress_lines_count_resources_done_per_stack():
    tracker = _recorded_events()
    label = {"": "root.json", "ServicesStack": "services.json (ServicesStack)"}.get
    assert progress.status_line(tracker, label) == "root.json 2/3, services.json (ServicesStack) 3/16"  # done or failed
    assert progress.event_line(tracker.events[0], label) == "root.json  bad-dev  AWS::CloudFormation::Stack  " \
                                                             "CREATE_IN_PROGRESS"


def test_artifact_keys_are_content_addressed(tmp_path):
    from compiler.diff.templates import from_directory

    def write(directory, body):
        directory.mkdir()
        (directory / "root.json").write_text(json.dumps({"Resources": {
            "NetworkStack": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "./network.json"}},
            "ServicesStack": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "./services.json"}}}}))
        (directory / "network.json").write_text('{"Resources": {}}')
        (directory / "services.json").write_text(body)
        return artifacts.package(from_directory(str(directory)), "demo-dev", "bucket", "team/")

    root1, bodies1 = write(tmp_path / "a", '{"Resources": {"A": {"Type": "AWS::SNS::Topic"}}}')
    root2, bodies2 = write(tmp_path / "b", '{"Resources": {"B": {"Type": "AWS::SNS::Topic"}}}')
    url = lambda root, stack: root["Resources"][stack]["Properties"]["TemplateURL"]["key"]  # noqa: E731
    assert url(root1, "NetworkStack") == url(root2, "NetworkStack")      # unchanged child: same key
    assert url(root1, "ServicesStack") != url(root2, "ServicesStack")
    assert url(root1, "NetworkStack").startswith("team/demo-dev/") and url(root1, "NetworkStack").endswith("/network.json")
    assert set(bodies1) == {url(root1, "NetworkStack"), url(root1, "ServicesStack")}


def test_the_default_bucket_is_locked_down():
    assert artifacts.default_bucket("123456789012", "eu-west-1") == "fargate-compile-artifacts-123456789012-eu-west-1"
    [statement] = artifacts.bucket_policy("b")["Statement"]
    assert statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert artifacts.LIFECYCLE["Rules"][0]["Expiration"] == {"Days": artifacts.ARTIFACT_DAYS}


def test_aws_faults_become_one_line_messages():
    import botocore.exceptions as bx

    assert isinstance(session.describe(bx.NoCredentialsError()), AwsUnavailable)
    assert "AWS_PROFILE" in str(session.describe(bx.NoCredentialsError()))
    unreachable = session.describe(bx.EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), "describing")
    assert isinstance(unreachable, AwsUnavailable) and "cannot reach AWS while describing" in str(unreachable)
    expired = bx.ClientError({"Error": {"Code": "ExpiredToken", "Message": "expired"}}, "DescribeStacks")
    assert isinstance(session.describe(expired), AwsUnavailable)
    denied = bx.ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "CreateChangeSet")
    assert str(session.describe(denied, "x")) == "AWS refused while x: AccessDenied: no"
    assert isinstance(session.describe(denied), AwsRefused)
    assert session.describe(ValueError("a bug")) is None       # not an AWS fault: stays a bug


def _run(args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"PYTHONPATH": str(ROOT), "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "AWS_EC2_METADATA_DISABLED": "true", **env_overrides})
    return subprocess.run([sys.executable, "-m", "compiler", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("env, says", [
    ({}, "no AWS region"),
    ({"AWS_REGION": "us-east-1"}, "no AWS credentials found"),
    ({"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y",
      "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}, "cannot reach AWS"),
])
def test_no_region_no_credentials_or_no_aws_is_a_usage_error_without_traceback(env, says):
    done = _run(["deploy", "examples/complete.yaml", "--preview"], **env)
    assert done.returncode == 2, done.stderr
    assert says in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""                       # nothing compiled, nothing previewed


def test_usage_errors():
    assert _run(["deploy"]).returncode == 2
    assert "--allow-hazards goes with --yes" in _run(["deploy", "x.yaml", "--allow-hazards"]).stderr


_NO_SDK = """\
import sys
from compiler.cli import main
status = main(sys.argv[1:])
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore", "s3transfer")
                or m.startswith("compiler.deploy"))
print(status, loaded)
"""


@pytest.mark.parametrize("args", [
    ["examples/complete.yaml", "--no-lint", "--no-cache", "--output-dir", "{tmp}"],
    ["check", "examples/complete.yaml"],
    ["plan", "examples/complete.yaml"],
    ["diff", "examples/complete.yaml", "examples/private-nat.yaml"],
    ["schema"],
], ids=["compile", "check", "plan", "diff", "schema"])
def test_other_commands_never_load_the_aws_sdk(args, tmp_path):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    done = subprocess.run([sys.executable, "-c", _NO_SDK, *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    status, loaded = done.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status in ("0", "4"), done.stderr
    assert loaded == "[]"
