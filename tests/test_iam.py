import json

import pytest
from troposphere import GetAtt, encode_to_dict

from compiler.stacks import iam
from compiler.pipeline import model_of

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbC123"


def service(**spec):
    spec.setdefault("image", f"{ECR}/web:1.0")
    spec.setdefault("port", 80)
    return model_of({"app": "shop", "services": {"web": spec}}).services[0]


def statements(doc):
    return {s["Sid"]: s for s in encode_to_dict(doc)["Statement"]}


LOG_GROUP = GetAtt("WebLogGroup", "Arn")


@pytest.mark.parametrize("image, arn", [
    (f"{ECR}/web:1.0", "arn:aws:ecr:us-east-1:123456789012:repository/web"),
    (f"{ECR}/web", "arn:aws:ecr:us-east-1:123456789012:repository/web"),
    (f"{ECR}/team/web:latest", "arn:aws:ecr:us-east-1:123456789012:repository/team/web"),
    (f"{ECR}/web@sha256:" + "a" * 64, "arn:aws:ecr:us-east-1:123456789012:repository/web"),
    # tag and digest together (the tag is informational): the repository is still "team/web"
    (f"{ECR}/team/web:1.0@sha256:" + "a" * 64,
     "arn:aws:ecr:us-east-1:123456789012:repository/team/web"),
    ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1",
     "arn:aws:ecr:eu-west-1:123456789012:repository/app"),
    ("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app:1",
     "arn:aws-us-gov:ecr:us-gov-west-1:123456789012:repository/app"),
    ("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app:1",
     "arn:aws-cn:ecr:cn-north-1:123456789012:repository/app"),
])
def test_ecr_repository_arn(image, arn):
    assert iam.ecr_repository(image).arn == arn


@pytest.mark.parametrize("image", [
    "nginx:1.27", "library/nginx", "docker.io/library/nginx:latest",
    "public.ecr.aws/nginx/nginx:1.27", "ghcr.io/org/app:1",
])
def test_non_ecr_images_need_no_repository(image):
    assert iam.ecr_repository(image) is None


@pytest.mark.parametrize("value_from, expected", [
    (SECRET, (SECRET,)),
    (SECRET + ":password::", (SECRET,)),
    (SECRET + ":password:AWSCURRENT:", (SECRET,)),
    ("arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
     ("arn:aws:secretsmanager:us-east-1:123456789012:secret:db-??????",)),
    ("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db:user::",
     ("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-??????",)),
    # ends in six lowercase letters: a name or a suffix? grant both forms
    ("arn:aws:secretsmanager:us-east-1:123456789012:secret:api-tokens",
     ("arn:aws:secretsmanager:us-east-1:123456789012:secret:api-tokens",
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:api-tokens-??????")),
])
def test_secret_arns(value_from, expected):
    assert iam.secret_arns(value_from) == expected


def test_ssm_parameter_arn():
    assert iam.ssm_parameter_arn("/a/b").to_dict() == {
        "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/a/b"
    }
    assert iam.ssm_parameter_arn("plain").to_dict()["Fn::Sub"].endswith(":parameter/plain")
    arn = "arn:aws:ssm:eu-west-1:123456789012:parameter/x/y"
    assert iam.ssm_parameter_arn(arn) == arn


def test_execution_policy_exact_resources():
    svc = service(
        secrets={"DB": SECRET + ":password::", "KEY": "/shop/key", "TOKEN": "/shop/key"},
        sidecars={
            "proxy": {"image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/proxy:2",
                      "secrets": {"OTHER": "arn:aws:ssm:us-east-1:123456789012:parameter/other"}},
            "hub": {"image": "nginx:1.27"},
        },
    )
    found = statements(iam.execution_policy(svc, LOG_GROUP))
    assert list(found) == ["EcrAuthorization", "EcrPull", "Logs", "Secrets", "Parameters"]
    assert found["EcrAuthorization"] == {
        "Sid": "EcrAuthorization", "Effect": "Allow",
        "Action": ["ecr:GetAuthorizationToken"], "Resource": ["*"],
    }
    assert found["EcrPull"]["Action"] == [
        "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
    ]
    assert found["EcrPull"]["Resource"] == [
        "arn:aws:ecr:eu-west-1:123456789012:repository/proxy",
        "arn:aws:ecr:us-east-1:123456789012:repository/web",
    ]
    assert found["Logs"]["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert found["Logs"]["Resource"] == [{"Fn::GetAtt": ["WebLogGroup", "Arn"]}]
    assert found["Secrets"] == {
        "Sid": "Secrets", "Effect": "Allow",
        "Action": ["secretsmanager:GetSecretValue"], "Resource": [SECRET],
    }
    assert found["Parameters"]["Action"] == ["ssm:GetParameters"]
    assert found["Parameters"]["Resource"] == [
        "arn:aws:ssm:us-east-1:123456789012:parameter/other",
        {"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/shop/key"},
    ]
    assert "kms" not in json.dumps(encode_to_dict(iam.execution_policy(svc, LOG_GROUP)))


def test_execution_policy_without_ecr_or_secrets_only_writes_logs():
    svc = service(image="public.ecr.aws/nginx/nginx:1.27",
                  sidecars={"s": {"image": "docker.io/library/busybox"}})
    assert list(statements(iam.execution_policy(svc, LOG_GROUP))) == ["Logs"]


def test_trust_policy_is_ecs_tasks_of_this_account():
    doc = encode_to_dict(iam.ecs_tasks_trust())
    (statement,) = doc["Statement"]
    assert statement["Principal"] == {"Service": ["ecs-tasks.amazonaws.com"]}
    assert statement["Action"] == ["sts:AssumeRole"]
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


def test_task_policy_empty_by_default():
    assert iam.task_policy(service()) is None


def test_task_policy_from_spec_and_exec():
    svc = service(exec=True, task_role={"policies": [
        {"actions": ["s3:GetObject", "s3:PutObject"], "resources": ["arn:aws:s3:::b/*"]},
    ]})
    found = statements(iam.task_policy(svc))
    assert found["Spec1"]["Action"] == ["s3:GetObject", "s3:PutObject"]
    assert found["Spec1"]["Resource"] == ["arn:aws:s3:::b/*"]
    assert found["EcsExec"]["Action"] == [
        "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
    ]
    assert found["EcsExec"]["Resource"] == ["*"]


@pytest.mark.parametrize("action", ["s3:*", "*", "s3:Get*", "nocolon"])
def test_wildcard_actions_are_refused(action):
    svc = service(task_role={"policies": [{"actions": [action], "resources": ["*"]}]})
    with pytest.raises(ValueError):
        iam.task_policy(svc)
