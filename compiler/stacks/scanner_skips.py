"""Scanner opt-outs: checkov skips written into a resource's Metadata, each with its reason.

A checkov check is skipped on a resource only where a key the spec wrote turned the
protection off (the skip's reason names that key), or where the only fix costs money
the user did not ask to spend (the compiler's own choice, always). A weakness that
comes from a default (plain HTTP without `https`, no access logs when `access_logs`
is not written, port 80 open to the internet when `allowed_cidrs` is not written) is
never skipped: the scanner reports it, and the spec's author decides. This module is
the whole table: which check, on which resource, when, and why. A builder asks it for
the skips of a resource and writes only those. docs/security.md lists the same table.

checkov 3 reads CloudFormation skips from the resource's Metadata
(checkov/cloudformation/context_parser.py, collect_skip_comments):

    "Metadata": {"checkov": {"skip": [{"id": "CKV_AWS_91", "comment": "why"}]}}

Only checks that the pinned checkov runs on CloudFormation for that resource type
are listed: tests/test_security.py proves that every skip written suppresses a
real finding, and that nothing else fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from troposphere import BaseAWSObject

from compiler import model as m
from compiler.aws.elb_policies import SSL_POLICIES

ANYWHERE = "0.0.0.0/0"
LEGACY_TLS = ("1.0", "1.1")  # older than Security Hub (ELB.17) and checkov accept


@dataclass(frozen=True)
class Skip:
    check: str       # checkov check ID
    reason: str      # why it does not apply: the spec setting, or the cost

    def to_dict(self) -> dict[str, str]:
        return {"id": self.check, "comment": self.reason}


# Every log group (services, VPC flow logs): CloudWatch Logs already encrypts log
# data at rest; a key of the user's own costs money the compiler does not spend unasked.
LOG_GROUP_KMS = Skip(
    "CKV_AWS_158",
    "cost: CloudWatch Logs encrypts log data at rest with an AWS-owned key; a customer-managed "
    "KMS key would cost $1/month per key, so none is created",
)

# Subscription queues: SQS-managed SSE encrypts them at rest. checkov wants a KMS key
# (KmsMasterKeyId); the AWS-managed alias/aws/sqs key cannot be used by SNS to deliver
# (its key policy cannot be changed to admit sns.amazonaws.com), and a customer-managed
# key costs money the compiler does not spend unasked.
SQS_MANAGED_SSE = Skip(
    "CKV_AWS_27",
    "encrypted: SQS-managed SSE (SqsManagedSseEnabled); SNS cannot deliver to a queue under the "
    "AWS-managed alias/aws/sqs key, and a customer-managed KMS key would cost $1/month per key",
)

# The compiler-made access-log bucket is itself a log bucket: logging requests to it
# would need a second bucket, which would need a third.
LOG_BUCKET_ACCESS_LOGS = Skip(
    "CKV_AWS_18",
    "log bucket: it receives the load balancer's access logs; S3 server access logging of a "
    "log bucket needs yet another bucket",
)



def _key(lb: m.LoadBalancer) -> str:
    """Where the spec wrote this ALB's settings: load_balancer, or load_balancers.<name>."""
    return ".".join(lb.spec_path)


def http_listener(lb: m.LoadBalancer) -> tuple[Skip, ...]:
    """Port 80 serves plain HTTP unless the spec gives a certificate (then it redirects). No
    key chooses plain HTTP (it is what a spec without `https` gets), so nothing is skipped:
    a scanner reports it, as FC262 warns about it (issue 21: skips name the key that chose them)."""
    return ()


def https_listener(lb: m.LoadBalancer) -> tuple[Skip, ...]:
    """A TLS policy that still accepts TLS 1.0/1.1, chosen in the spec (FC216 warns)."""
    policy = lb.https.ssl_policy
    oldest = SSL_POLICIES[policy]  # FC216 rejects any other name before anything is built
    if oldest not in LEGACY_TLS:
        return ()
    reason = f"legacy TLS: {_key(lb)}.https.ssl_policy is {policy}, which accepts TLS {oldest}"
    return (Skip("CKV_AWS_103", reason),)


def load_balancer(lb: m.LoadBalancer) -> tuple[Skip, ...]:
    """Only an explicit `access_logs: false` is an opt-out; the default (off) is reported."""
    if lb.access_logs is not None or "access_logs" not in lb.written:
        return ()
    return (Skip(
        "CKV_AWS_91",
        f"access logs off: {_key(lb)}.access_logs: false in the spec; true stores them in an "
        "S3 bucket, which is billed",
    ),)


def alb_security_group(lb: m.LoadBalancer) -> tuple[Skip, ...]:
    """Port 80 open to the internet, when allowed_cidrs written in the spec says so (the
    default for a public load balancer is reported, not skipped)."""
    if ANYWHERE not in lb.allowed_cidrs or "allowed_cidrs" not in lb.written:
        return ()
    what = "only redirects to HTTPS" if lb.https else "serves plain HTTP"
    return (Skip(
        "CKV_AWS_260",
        f"public listener: {_key(lb)}.allowed_cidrs in the spec admits 0.0.0.0/0 on the HTTP "
        f"listener's port 80, which {what}",
    ),)


def network_load_balancer() -> tuple[Skip, ...]:
    """An NLB's access logs cover only TLS listeners, into a bucket that is billed."""
    return (Skip(
        "CKV_AWS_91",
        "access logs off: a Network Load Balancer logs only TLS connections, into an S3 bucket "
        "that is billed; the spec has no setting for them",
    ),)


def apply(resource: BaseAWSObject, *skips: Skip) -> BaseAWSObject:
    """Add `skips` to the resource's Metadata, beside any other Metadata, sorted by check."""
    if skips:
        metadata = dict(getattr(resource, "Metadata", None) or {})
        metadata["checkov"] = {"skip": [s.to_dict() for s in sorted(skips, key=lambda s: s.check)]}
        resource.Metadata = metadata
    return resource
