"""The ALB's access logs (part of alb.json): the load balancer's access_logs.s3.*
attributes and, unless the spec names a bucket, a locked-down bucket with the policy
that lets Elastic Load Balancing deliver the logs into it.
"""

from __future__ import annotations

from typing import Any

from awacs import s3 as s3_actions
from awacs.aws import Allow, Bool, Condition, Deny, PolicyDocument, Principal, Statement
from troposphere import AccountId, Equals, FindInMap, GetAtt, If, Join, Or, Ref, Region, Sub, Template
from troposphere import s3

from compiler import model as m
from compiler.stacks import scanner_skips as skips
from compiler.stacks.common import tags

# Elastic Load Balancing's log-delivery account per Region, for Regions launched
# before August 2022. Later Regions (and any Region not listed) are served by the
# log-delivery service principal instead. Source: ELB user guide, "Enable access
# logs for your Application Load Balancer" (attach a bucket policy).
ELB_LOG_ACCOUNTS = {
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331",
    "ap-south-1": "718504428378",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-southeast-3": "589379963580",
    "ca-central-1": "985666609251",
    "cn-north-1": "638102146993",
    "cn-northwest-1": "037604701340",
    "eu-central-1": "054676820928",
    "eu-north-1": "897822967062",
    "eu-south-1": "635631232127",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-gov-east-1": "190560391635",
    "us-gov-west-1": "048591011584",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
}
LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"
ELB_ACCOUNT_MAPPING = "ElbLogDeliveryAccount"
ELB_ACCOUNT_CONDITION = "ElbLogDeliveryByAccount"
ACCESS_LOG_EXPIRY_DAYS = 90
FN_OR_MAX = 10  # Fn::Or takes 2..10 conditions
LOGS_BUCKET = "AccessLogsBucket"
LOGS_BUCKET_POLICY = "AccessLogsBucketPolicy"


def access_logs(app: m.App, t: Template, lb: m.LoadBalancer) -> tuple[dict[str, Any], list[str]]:
    """The load balancer's access_logs.s3.bucket (and .prefix) attributes, and the logical
    IDs it must depend on (the policy of the bucket made here, when the spec names none:
    one bucket per load balancer, <Key>AccessLogsBucket)."""
    attributes: dict[str, Any] = {}
    depends_on = []
    logs = lb.access_logs
    if logs is not None:
        if logs.bucket is None:
            bucket = t.add_resource(skips.apply(_logs_bucket(app, lb), skips.LOG_BUCKET_ACCESS_LOGS))
            t.add_resource(_logs_bucket_policy(t, bucket, logs.prefix, lb))
            attributes["access_logs.s3.bucket"] = Ref(bucket)
            depends_on.append(lb.key + LOGS_BUCKET_POLICY)
        else:
            attributes["access_logs.s3.bucket"] = logs.bucket
        if logs.prefix:
            attributes["access_logs.s3.prefix"] = logs.prefix
    return attributes, depends_on


def _logs_bucket(app: m.App, lb: m.LoadBalancer) -> s3.Bucket:
    return s3.Bucket(
        lb.key + LOGS_BUCKET,
        DeletionPolicy="Retain",
        UpdateReplacePolicy="Retain",
        BucketEncryption=s3.BucketEncryption(
            ServerSideEncryptionConfiguration=[
                s3.ServerSideEncryptionRule(
                    ServerSideEncryptionByDefault=s3.ServerSideEncryptionByDefault(
                        SSEAlgorithm="AES256"
                    )
                )
            ]
        ),
        PublicAccessBlockConfiguration=s3.PublicAccessBlockConfiguration(
            BlockPublicAcls=True,
            BlockPublicPolicy=True,
            IgnorePublicAcls=True,
            RestrictPublicBuckets=True,
        ),
        OwnershipControls=s3.OwnershipControls(
            Rules=[s3.OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]
        ),
        VersioningConfiguration=s3.VersioningConfiguration(Status="Enabled"),
        LifecycleConfiguration=s3.LifecycleConfiguration(
            Rules=[
                s3.LifecycleRule(
                    Id="ExpireAccessLogs",
                    Status="Enabled",
                    ExpirationInDays=ACCESS_LOG_EXPIRY_DAYS,
                    NoncurrentVersionExpiration=s3.NoncurrentVersionExpiration(
                        NoncurrentDays=ACCESS_LOG_EXPIRY_DAYS
                    ),
                    AbortIncompleteMultipartUpload=s3.AbortIncompleteMultipartUpload(
                        DaysAfterInitiation=7
                    ),
                )
            ]
        ),
        Tags=tags(app, f"{app.stack_name}{'-' + lb.name if lb.key else ''}-alb-access-logs"),
    )


def _region_condition():
    """Condition: the stack's Region is one with an ELB log-delivery account.

    Written as Fn::Equals against every key of the mapping (never Fn::FindInMap,
    which fails on an unknown Region), nested because Fn::Or takes at most 10.
    """
    checks = [Equals(Region, region) for region in sorted(ELB_LOG_ACCOUNTS)]
    groups = [checks[i : i + FN_OR_MAX] for i in range(0, len(checks), FN_OR_MAX)]
    if len(groups[-1]) == 1:  # Fn::Or needs at least two operands
        groups[-2:] = [groups[-2][:-1], [groups[-2][-1], groups[-1][0]]]
    return Or(*(Or(*group) for group in groups))


def _logs_bucket_policy(t: Template, bucket: s3.Bucket, prefix: str, lb: m.LoadBalancer) -> s3.BucketPolicy:
    if ELB_ACCOUNT_MAPPING not in t.mappings:    # once for every load balancer's bucket
        t.add_mapping(
            ELB_ACCOUNT_MAPPING,
            {region: {"AccountId": account} for region, account in sorted(ELB_LOG_ACCOUNTS.items())},
        )
        t.add_condition(ELB_ACCOUNT_CONDITION, _region_condition())
    key_prefix = f"{prefix}/" if prefix else ""  # as ELB writes it: bucket/prefix/AWSLogs/...
    # The bucket's ARN as Fn::GetAtt (and Fn::Join below it), not Fn::Sub: the AWS Control
    # Tower / Config rule for S3.5 (TLS-only) recognises the deny statement only in that form.
    bucket_arn = GetAtt(bucket, "Arn")
    objects_arn = Join("", [GetAtt(bucket, "Arn"), "/*"])
    log_objects_arn = Join("", [GetAtt(bucket, "Arn"), f"/{key_prefix}AWSLogs/", AccountId, "/*"])
    elb_principal = If(
        ELB_ACCOUNT_CONDITION,
        Principal(
            "AWS",
            Sub(
                "arn:${AWS::Partition}:iam::${Account}:root",
                Account=FindInMap(ELB_ACCOUNT_MAPPING, Region, "AccountId"),
            ),
        ),
        Principal("Service", LOG_DELIVERY_SERVICE),
    )
    return s3.BucketPolicy(
        lb.key + LOGS_BUCKET_POLICY,
        Bucket=Ref(bucket),
        PolicyDocument=PolicyDocument(
            Version="2012-10-17",
            Statement=[
                Statement(
                    Sid="DenyInsecureTransport",
                    Effect=Deny,
                    Principal=Principal("*"),
                    Action=[s3_actions.Action("*")],
                    Resource=[bucket_arn, objects_arn],
                    Condition=Condition(Bool("aws:SecureTransport", "false")),
                ),
                Statement(
                    Sid="AllowElbLogDelivery",
                    Effect=Allow,
                    Principal=elb_principal,
                    Action=[s3_actions.PutObject],
                    Resource=[log_objects_arn],
                ),
            ],
        ),
    )
