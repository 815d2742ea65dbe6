"""IAM policy documents for the services stacks, as awacs objects. Pure functions.

Least privilege, and never a wildcard action. Two resources are "*" on purpose,
each where AWS offers nothing narrower (see the comments at the statements):
ecr:GetAuthorizationToken and the ssmmessages channel actions of ECS Exec.

Execution role (used by the ECS agent to start the task):
  - ECR pulls: GetAuthorizationToken ("*"), then BatchCheckLayerAvailability,
    GetDownloadUrlForLayer and BatchGetImage on exactly the repositories named by
    the task's private ECR image URIs. Other registries (Docker Hub,
    public.ecr.aws, ...) need no IAM permission at all.
  - logs:CreateLogStream/PutLogEvents on the service's own log group.
  - secretsmanager:GetSecretValue / ssm:GetParameters on exactly the secrets and
    parameters the task's containers reference; kms:Decrypt only on the
    customer-managed keys the spec names (`secrets_kms_keys`), only through those
    two services: the default AWS-managed keys need no grant.
Task role (assumed by the application): the spec's statements, plus the ECS Exec
channels when `exec: true`, plus elasticfilesystem:ClientMount (and ClientWrite
when mounted writable) per EFS volume, on that file system only and, through an
access point, only through the service's own (efs_statement).
EFS file system policy (file_system_policy): refuses NFS clients without TLS and
grants nothing, so only IAM principals allowed by their own policy can mount.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from awacs.aws import (Action, Allow, ArnEquals, Bool, Condition, Deny, PolicyDocument, Principal,
                       Statement, StringEquals, StringLike)
from awacs.sts import AssumeRole
from troposphere import AccountId, Sub

from compiler import model as m

ECS_TASKS = "ecs-tasks.amazonaws.com"

# <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<repository>[:tag|@digest]
ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?"
    r"/(?P<rest>.+)$"
)
# The 6-character suffix Secrets Manager appends to a secret's name in its full ARN.
SECRET_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}$")
SECRET_SUFFIX_WILDCARD = "-??????"


@dataclass(frozen=True)
class EcrRepository:
    partition: str
    region: str
    account: str
    name: str

    @property
    def arn(self) -> str:
        return f"arn:{self.partition}:ecr:{self.region}:{self.account}:repository/{self.name}"


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def ecr_repository(image: str) -> EcrRepository | None:
    """The private ECR repository an image URI names; None for any other registry."""
    found = ECR_IMAGE.match(image)
    if not found:
        return None
    # repo[:tag][@sha256:...]: cut the digest, then the tag (repository names contain no ":")
    name = found["rest"].split("@", 1)[0].split(":", 1)[0]
    region = found["region"]
    return EcrRepository(partition_of(region), region, found["account"], name)


def images(service: m.Service) -> tuple[str, ...]:
    return (service.image,) + tuple(s.image for s in service.sidecars)


def ecr_repository_arns(service: m.Service) -> tuple[str, ...]:
    repos = (ecr_repository(i) for i in images(service))
    return tuple(sorted({r.arn for r in repos if r}))


def secret_arns(value_from: str) -> tuple[str, ...]:
    """IAM resources for a Secrets Manager `valueFrom`.

    A JSON-key reference (`arn:...:secret:NAME:json-key:stage:version`) is cut back to
    the secret's ARN. A complete ARN ends in Secrets Manager's random 6-character
    suffix; a partial one (no suffix) gets the documented "-??????" wildcard. Since a
    user's own name may end in six letters, a suffix with no capital letter (which a
    random suffix has only rarely) is ambiguous and yields both forms.
    """
    arn = ":".join(value_from.split(":")[:7])
    name = arn.rsplit(":", 1)[-1]
    tail = SECRET_SUFFIX.search(name)
    if tail is None:
        return (arn + SECRET_SUFFIX_WILDCARD,)
    if any(c.isupper() for c in tail.group()):
        return (arn,)
    return (arn, arn + SECRET_SUFFIX_WILDCARD)


def ssm_parameter_arn(value_from: str) -> Any:
    """A parameter name ("/a/b" or "a") as an ARN in this stack's account and region;
    a full ARN as given."""
    if value_from.startswith("arn:"):
        return value_from
    path = value_from.lstrip("/")
    return Sub(f"arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter/{path}")


def _resource_key(resource: Any) -> str:
    return resource if isinstance(resource, str) else repr(resource.to_dict())


def _action(text: str) -> Action:
    prefix, _, name = text.partition(":")
    if "*" in text or not prefix or not name:
        # checks/ rejects these; reaching here is a compiler bug, never a user error.
        raise ValueError(f"refusing wildcard or malformed IAM action {text!r}")
    return Action(prefix, name)


def _allow(sid: str, actions: Iterable[str], resources: Iterable[Any]) -> Statement:
    return Statement(
        Sid=sid,
        Effect=Allow,
        Action=[_action(a) for a in actions],
        Resource=list(resources),
    )


def ecs_tasks_trust() -> PolicyDocument:
    """Trust policy for both task roles: ECS tasks of this account only (confused deputy)."""
    return _service_trust(ECS_TASKS)


def execution_policy(service: m.Service, log_group_arn: Any) -> PolicyDocument:
    """What the ECS agent needs to start `service`'s task, and nothing more.

    `log_group_arn` is the log group's `Fn::GetAtt Arn`, which already ends in ":*"
    and so covers the group's log streams.
    """
    statements = []
    repositories = ecr_repository_arns(service)
    if repositories:
        # GetAuthorizationToken is not resource-scoped: IAM accepts only "*" for it.
        # The token alone grants nothing; the pull actions below are scoped.
        statements.append(_allow("EcrAuthorization", ["ecr:GetAuthorizationToken"], ["*"]))
        statements.append(_allow(
            "EcrPull",
            ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            repositories,
        ))
    statements.append(_allow("Logs", ["logs:CreateLogStream", "logs:PutLogEvents"], [log_group_arn]))
    secrets = service.all_secrets
    managed = sorted({arn for s in secrets if s.kind == "secretsmanager" for arn in secret_arns(s.value_from)})
    if managed:
        statements.append(_allow("Secrets", ["secretsmanager:GetSecretValue"], managed))
    parameters = {s.value_from for s in secrets if s.kind == "ssm"}
    if parameters:
        statements.append(_allow(
            "Parameters",
            ["ssm:GetParameters"],
            sorted((ssm_parameter_arn(p) for p in parameters), key=_resource_key),
        ))
    kinds = sorted({s.kind for s in secrets})
    if service.secrets_kms_keys and kinds:
        # Secrets Manager and SSM decrypt with the caller's credentials on its behalf, so
        # kms:ViaService is that service's endpoint ("secretsmanager.us-east-1.amazonaws.com";
        # a pattern, so that every region and partition suffix matches): the role cannot use
        # the keys directly.
        statement = _allow("SecretsKms", ["kms:Decrypt"], service.secrets_kms_keys)
        statement.Condition = Condition(StringLike("kms:ViaService", [f"{k}.*" for k in kinds]))
        statements.append(statement)
    return PolicyDocument(Version="2012-10-17", Statement=statements)


ECS_EXEC_ACTIONS = (
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
)


EFS_MOUNT = "elasticfilesystem:ClientMount"
EFS_WRITE = "elasticfilesystem:ClientWrite"
EFS_ROOT = "elasticfilesystem:ClientRootAccess"


def efs_statement(sid: str, file_system_arn: Any, writable: bool,
                  access_point_arn: Any = None) -> Statement:
    """Mount (and write, when `writable`) one file system; through one access point when given."""
    statement = _allow(sid, [EFS_MOUNT, EFS_WRITE] if writable else [EFS_MOUNT], [file_system_arn])
    if access_point_arn is not None:
        statement.Condition = Condition(
            StringEquals("elasticfilesystem:AccessPointArn", access_point_arn))
    return statement


def file_system_policy() -> PolicyDocument:
    """The managed file system's resource policy: no NFS client without TLS.

    It allows nothing: IAM principals of the account still mount with an identity
    policy that allows them (the task roles' efs_statement); anonymous NFS clients
    (no IAM) are refused, since no Allow covers them. Only the client actions are
    denied, so the policy cannot lock anyone out of managing the file system.
    """
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[Statement(
            Sid="DenyUnencryptedTransport",
            Effect=Deny,
            Principal=Principal("AWS", "*"),
            Action=[_action(a) for a in (EFS_MOUNT, EFS_ROOT, EFS_WRITE)],
            Condition=Condition(Bool("aws:SecureTransport", "false")),
        )],
    )


def task_policy(service: m.Service, extra: Iterable[Statement] = ()) -> PolicyDocument | None:
    """The application's own permissions, plus `extra` (statements for what the compiler
    made for it: its volumes, its topics, its queue); None when there are none (the role
    stays empty)."""
    statements = [
        _allow(f"Spec{i}", p.actions, p.resources)
        for i, p in enumerate(service.task_role.policies, start=1)
    ]
    statements.extend(extra)
    if service.exec:
        # ECS Exec: the SSM agent in the task opens its session channels. These
        # actions support no resource-level scoping, so AWS documents "*".
        statements.append(_allow("EcsExec", ECS_EXEC_ACTIONS, ["*"]))
    if not statements:
        return None
    return PolicyDocument(Version="2012-10-17", Statement=statements)


# A publisher may publish to its own topics; a subscriber may consume from its own queue.
SNS_PUBLISH = ("sns:Publish",)
SQS_CONSUME = (
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
)


def messaging_statements(topic_arns: Iterable[Any], queue_arn: Any | None) -> list[Statement]:
    """Task-role statements: sns:Publish on exactly the service's topics, and receive,
    delete and change-visibility on exactly its own queue."""
    found = []
    topics = list(topic_arns)
    if topics:
        found.append(_allow("PublishOwnTopics", SNS_PUBLISH, topics))
    if queue_arn is not None:
        found.append(_allow("ConsumeOwnQueue", SQS_CONSUME, [queue_arn]))
    return found


def _service_trust(service: str) -> PolicyDocument:
    """Trust policy for an AWS service principal, limited to this account (confused deputy)."""
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[
            Statement(
                Effect=Allow,
                Principal=Principal("Service", [service]),
                Action=[AssumeRole],
                Condition=Condition(StringEquals("aws:SourceAccount", AccountId)),
            )
        ],
    )


def states_trust() -> PolicyDocument:
    return _service_trust("states.amazonaws.com")


def events_trust() -> PolicyDocument:
    return _service_trust("events.amazonaws.com")


# The managed rule Step Functions creates for the .sync (Run a Job) ECS integration.
SYNC_RULE = "StepFunctionsGetEventsForECSTaskRule"


def state_machine_policy(task_definition: Any, roles: list[Any], cluster_arn: Any,
                         cluster_name: Any, log_delivery: bool = False) -> PolicyDocument:
    """A job's state machine may run exactly its task definition in the app's cluster,
    pass exactly its two roles to ECS tasks, watch and stop tasks of that cluster, and
    manage the one EventBridge rule the .sync integration uses (as AWS documents it)."""
    task_arns = Sub("arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task/${Cluster}/*",
                    Cluster=cluster_name)
    rule = Sub(f"arn:${{AWS::Partition}}:events:${{AWS::Region}}:${{AWS::AccountId}}:rule/{SYNC_RULE}")
    return PolicyDocument(Version="2012-10-17", Statement=[
        Statement(
            Sid="RunTask", Effect=Allow, Action=[_action("ecs:RunTask")], Resource=[task_definition],
            Condition=Condition(ArnEquals("ecs:cluster", cluster_arn)),
        ),
        Statement(
            Sid="PassTaskRoles", Effect=Allow, Action=[_action("iam:PassRole")], Resource=roles,
            Condition=Condition(StringEquals("iam:PassedToService", ECS_TASKS)),
        ),
        _allow("WatchAndStopTasks", ["ecs:DescribeTasks", "ecs:StopTask"], [task_arns]),
        # RunTask with PropagateTags tags the task it creates: ECS then also authorizes
        # ecs:TagResource, for that create action only.
        Statement(
            Sid="TagNewTasks", Effect=Allow, Action=[_action("ecs:TagResource")], Resource=[task_arns],
            Condition=Condition(StringEquals("ecs:CreateAction", "RunTask")),
        ),
        _allow("SyncRule", ["events:DescribeRule", "events:PutRule", "events:PutTargets"], [rule]),
        # Execution logs (security: strict): Step Functions delivers them through CloudWatch
        # Logs' vended-log deliveries, whose actions take no resource ("*", as AWS documents).
        *([_allow("LogDelivery", [
            "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups",
            "logs:DescribeResourcePolicies", "logs:GetLogDelivery", "logs:ListLogDeliveries",
            "logs:PutResourcePolicy", "logs:UpdateLogDelivery"], ["*"])] if log_delivery else []),
    ])


def start_execution_policy(state_machine_arn: Any) -> PolicyDocument:
    """The schedule's role may start exactly one state machine."""
    return PolicyDocument(Version="2012-10-17", Statement=[
        _allow("StartJob", ["states:StartExecution"], [state_machine_arn]),
    ])
