"""Gaps of moto's Elastic Load Balancing v2: properties, attributes, access logs, certificates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .base import AddedModel, after_create, replace, wrap


# --- Gap 7 -------------------------------------------------------------------
# Elastic Load Balancing v2.
# a) LoadBalancer: Type, IpAddressType, LoadBalancerAttributes (idle timeout,
#    deletion protection, access logs) and Tags are dropped;
#    Fn::GetAtt LoadBalancerFullName / CanonicalHostedZoneID / SecurityGroups
#    are not implemented.
# b) TargetGroup: TargetGroupAttributes (deregistration delay, stickiness),
#    HealthCheckEnabled and Tags are dropped; it has no Fn::GetAtt at all
#    (TargetGroupFullName, TargetGroupName, LoadBalancerArns...).
# c) Listener and ListenerRule: Tags are dropped.
def elbv2() -> None:
    from moto.elbv2.models import (FakeListener, FakeListenerRule, FakeLoadBalancer,
                                   FakeTargetGroup, elbv2_backends)

    def attributes(props: dict, key: str) -> dict[str, str]:
        return {a["Key"]: str(a["Value"]) for a in props.get(key) or []}

    def tag(backend: Any, arn: str, props: dict) -> None:
        if props.get("Tags"):
            backend.add_tags([arn], props["Tags"])

    @replace(FakeLoadBalancer, "create_from_cloudformation_json")
    def create_lb(cls, resource_name: str, cloudformation_json: Any, account_id: str,
                  region_name: str, **kwargs: Any) -> FakeLoadBalancer:
        props = cloudformation_json["Properties"]
        backend = elbv2_backends[account_id][region_name]
        lb = backend.create_load_balancer(
            resource_name,
            props.get("SecurityGroups"),
            props.get("Subnets"),
            subnet_mappings=props.get("SubnetMappings"),
            scheme=props.get("Scheme", "internet-facing"),
            loadbalancer_type=props.get("Type", "application"),
            ip_address_type=props.get("IpAddressType", "ipv4"),
            tags=props.get("Tags"),
        )
        if props.get("LoadBalancerAttributes"):
            backend.modify_load_balancer_attributes(lb.arn, attributes(props, "LoadBalancerAttributes"))
        return lb

    @wrap(FakeLoadBalancer, "get_cfn_attribute")
    def lb_attribute(original: Callable, self: FakeLoadBalancer, attribute_name: str) -> Any:
        if attribute_name == "LoadBalancerFullName":
            return self.arn.split(":loadbalancer/", 1)[1]
        if attribute_name == "CanonicalHostedZoneID":
            return self.canonical_hosted_zone_id
        if attribute_name == "SecurityGroups":
            return list(self.security_groups)
        if attribute_name == "LoadBalancerArn":
            return self.arn
        return original(self, attribute_name)

    @after_create(FakeTargetGroup)
    def finish_tg(tg: FakeTargetGroup, props: dict, account_id: str, region_name: str) -> None:
        backend = elbv2_backends[account_id][region_name]
        if "HealthCheckEnabled" in props:
            tg.health_check_enabled = str(props["HealthCheckEnabled"]).lower() == "true"
        if props.get("TargetGroupAttributes"):
            backend.modify_target_group_attributes(tg.arn, attributes(props, "TargetGroupAttributes"))
        tag(backend, tg.arn, props)

    @replace(FakeTargetGroup, "get_cfn_attribute")
    def tg_attribute(self: FakeTargetGroup, attribute_name: str) -> Any:
        values = {
            "TargetGroupArn": self.arn,
            "TargetGroupName": self.name,
            "TargetGroupFullName": self.arn.split(":", 5)[5],
            "LoadBalancerArns": list(self.load_balancer_arns),
        }
        if attribute_name not in values:
            raise NotImplementedError(attribute_name)
        return values[attribute_name]

    FakeTargetGroup.has_cfn_attr = classmethod(lambda cls, attr: attr in (
        "TargetGroupArn", "TargetGroupName", "TargetGroupFullName", "LoadBalancerArns"))

    for model in (FakeListener, FakeListenerRule):
        after_create(model)(lambda resource, props, account, region:
                            tag(elbv2_backends[account][region], resource.arn, props))


# --- Gap 12 ------------------------------------------------------------------
# ModifyTargetGroupAttributes (and so AWS::ElasticLoadBalancingV2::TargetGroup
# TargetGroupAttributes) refuses deregistration_delay.timeout_seconds 3600:
# moto checks `in range(0, 3600)`, which leaves out the top of the documented
# 0..3600 range. Check the real range, then store the value moto refused.
def target_group_deregistration_delay() -> None:
    from moto.elbv2.models import ELBv2Backend

    key = "deregistration_delay.timeout_seconds"

    @wrap(ELBv2Backend, "modify_target_group_attributes")
    def modify_target_group_attributes(original: Callable, self: ELBv2Backend, target_group_arn: str,
                                       attributes: dict[str, Any]) -> None:
        delay = attributes.get(key)
        if delay is None or int(delay) != 3600:
            return original(self, target_group_arn, attributes)
        original(self, target_group_arn, {**attributes, key: "0"})
        self.target_groups[target_group_arn].attributes[key] = delay


# --- Gap 14 ------------------------------------------------------------------
# ALB access logs: AWS refuses access_logs.s3.enabled=true unless the bucket
# exists in the load balancer's Region and its policy lets Elastic Load
# Balancing write there (ELB writes a test object, .../AWSLogs/<account>/
# ELBAccessLogTestFile, when the attribute is set; "Access Denied for bucket:
# X. Please check S3bucket permission"). moto sets the attribute without
# looking. Check it the way ELB does: an Allow of s3:PutObject on that key,
# to the Region's ELB log-delivery account or the log-delivery service
# principal, and no unconditional Deny of it. Source of the accounts: ELB user
# guide, "Enable access logs for your Application Load Balancer".
ELB_LOG_DELIVERY_ACCOUNTS = {
    "af-south-1": "098369216593", "ap-east-1": "754344448648", "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887", "ap-northeast-3": "383597477331", "ap-south-1": "718504428378",
    "ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266", "ap-southeast-3": "589379963580",
    "ca-central-1": "985666609251", "cn-north-1": "638102146993", "cn-northwest-1": "037604701340",
    "eu-central-1": "054676820928", "eu-north-1": "897822967062", "eu-south-1": "635631232127",
    "eu-west-1": "156460612806", "eu-west-2": "652711504416", "eu-west-3": "009996457667",
    "me-south-1": "076674570225", "sa-east-1": "507241528517", "us-east-1": "127311923021",
    "us-east-2": "033677994240", "us-gov-east-1": "190560391635", "us-gov-west-1": "048591011584",
    "us-west-1": "027434742980", "us-west-2": "797873946194",
}
ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"


def access_log_delivery() -> None:
    import fnmatch
    import json

    from moto.elbv2.exceptions import InvalidConfigurationRequest
    from moto.elbv2.models import ELBv2Backend
    from moto.s3.exceptions import MissingBucket
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    def listed(value: Any) -> list:
        return value if isinstance(value, list) else [value]

    def elb_may_write(policy: dict, region: str, key_arn: str) -> bool:
        principals = {("Service", ELB_LOG_DELIVERY_SERVICE)}
        if region in ELB_LOG_DELIVERY_ACCOUNTS:
            account = ELB_LOG_DELIVERY_ACCOUNTS[region]
            root = f"arn:{get_partition(region)}:iam::{account}:root"
            principals |= {("AWS", account), ("AWS", root)}

        def applies(statement: dict) -> bool:
            principal = statement.get("Principal")
            named = principal == "*" or any(
                (kind, value) in principals or value == "*"
                for kind, values in (principal or {}).items() for value in listed(values))
            return (named
                    and any(fnmatch.fnmatchcase("s3:PutObject", a) for a in listed(statement.get("Action", [])))
                    and any(fnmatch.fnmatchcase(key_arn, r) for r in listed(statement.get("Resource", []))))

        statements = listed(policy.get("Statement", []))
        if any(s.get("Effect") == "Deny" and "Condition" not in s and applies(s) for s in statements):
            return False
        return any(s.get("Effect") == "Allow" and "Condition" not in s and applies(s) for s in statements)

    @wrap(ELBv2Backend, "modify_load_balancer_attributes")
    def modify_load_balancer_attributes(original: Callable, self: ELBv2Backend, arn: str,
                                        attrs: dict[str, Any]) -> dict[str, Any]:
        if str(attrs.get("access_logs.s3.enabled", "")).lower() == "true":
            bucket_name = attrs.get("access_logs.s3.bucket", "")
            prefix = attrs.get("access_logs.s3.prefix", "")
            denied = InvalidConfigurationRequest(
                f"Access Denied for bucket: {bucket_name}. Please check S3bucket permission")
            try:
                bucket = s3_backends[self.account_id][get_partition(self.region_name)].get_bucket(bucket_name)
            except MissingBucket:
                raise InvalidConfigurationRequest(
                    f"The value of 'access_logs.s3.bucket' is invalid: bucket {bucket_name!r} does not exist")
            if bucket.region_name != self.region_name:
                raise InvalidConfigurationRequest(
                    f"Bucket {bucket_name} is in {bucket.region_name}, not in the load balancer's "
                    f"Region {self.region_name}")
            if not bucket.policy:
                raise denied
            key = f"{prefix}/" if prefix else ""
            key_arn = (f"arn:{get_partition(self.region_name)}:s3:::{bucket_name}/{key}AWSLogs/"
                       f"{self.account_id}/ELBAccessLogTestFile")
            if not elb_may_write(json.loads(bucket.policy), self.region_name, key_arn):
                raise denied
        return original(self, arn, attrs)


# --- Listener certificates (storage-dns) --------------------------------------
# AWS::ElasticLoadBalancingV2::ListenerCertificate is not a CloudFormation type
# in moto: the extra certificates never reach the listener. They are attached
# to it as AWS does: DescribeListenerCertificates lists them after the default
# one, DescribeListeners shows only the default (moto's own
# AddListenerCertificates would add them to both).
def listener_certificate() -> None:
    from moto.core.common_models import CloudFormationModel
    from moto.elbv2.models import ELBv2Backend, elbv2_backends

    class ListenerCertificate(AddedModel, CloudFormationModel):
        __module__ = "moto.elbv2.models"
        cfn_type = "AWS::ElasticLoadBalancingV2::ListenerCertificate"

        def __init__(self, listener_arn: str, certificates: list[dict]):
            self.listener_arn = listener_arn
            self.certificates = certificates

        @property
        def physical_resource_id(self) -> str:
            return self.listener_arn + "|" + ",".join(c["CertificateArn"] for c in self.certificates)

        @classmethod
        def create(cls, props: dict, resource_name: str, account_id: str, region_name: str) -> Any:
            certificates = [{"CertificateArn": c["CertificateArn"]} for c in props["Certificates"]]
            backend = elbv2_backends[account_id][region_name]
            [listener] = backend.describe_listeners(None, [props["ListenerArn"]])
            extra = getattr(listener, "extra_certificates", [])
            listener.extra_certificates = extra + [c["CertificateArn"] for c in certificates]
            return cls(props["ListenerArn"], certificates)

        def delete(self, account_id: str, region_name: str) -> None:
            backend = elbv2_backends[account_id][region_name]
            [listener] = backend.describe_listeners(None, [self.listener_arn])
            gone = {c["CertificateArn"] for c in self.certificates}
            listener.extra_certificates = [c for c in listener.extra_certificates if c not in gone]

    @wrap(ELBv2Backend, "describe_listener_certificates")
    def describe_listener_certificates(original: Callable, self: Any, arn: str) -> list[str]:
        [listener] = self.describe_listeners(None, [arn])
        return list(original(self, arn)) + getattr(listener, "extra_certificates", [])


# --- Gap 30 ------------------------------------------------------------------
# A target group that two forward actions of one load balancer name (a blue/green
# service's production and test rules, or the listener default action and the
# production rule of the default service) lists that load balancer twice in
# LoadBalancerArns: moto appends the ARN per action. ELB lists each load balancer
# once. Keep each ARN once, in order.
def target_group_load_balancers() -> None:
    from moto.elbv2.models import ELBv2Backend

    def dedupe(backend: ELBv2Backend) -> None:
        for tg in backend.target_groups.values():
            tg.load_balancer_arns[:] = list(dict.fromkeys(tg.load_balancer_arns))

    for name in ("create_rule", "create_listener"):
        @wrap(ELBv2Backend, name)
        def created(original: Callable, self: ELBv2Backend, *args: Any, **kwargs: Any) -> Any:
            found = original(self, *args, **kwargs)
            dedupe(self)
            return found


# --- Gap 32 ------------------------------------------------------------------
# AWS::ElasticLoadBalancingV2::TargetGroup: ProtocolVersion (HTTP2, GRPC) is dropped;
# moto's target groups made through the API keep it, and DescribeTargetGroups
# reads it back. Keep it as CreateTargetGroup does.
def target_group_protocol_version() -> None:
    from moto.elbv2.models import FakeTargetGroup

    @after_create(FakeTargetGroup)
    def finish(tg: FakeTargetGroup, props: dict, account_id: str, region_name: str) -> None:
        if props.get("ProtocolVersion") and tg.protocol in ("HTTP", "HTTPS"):
            tg.protocol_version = props["ProtocolVersion"]
