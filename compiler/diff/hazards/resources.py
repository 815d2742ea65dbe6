"""Resource types the hazards look at, and a template resource's type and properties."""

from __future__ import annotations

VPC, SUBNET = "AWS::EC2::VPC", "AWS::EC2::Subnet"
TARGET_GROUP = "AWS::ElasticLoadBalancingV2::TargetGroup"
LISTENER = "AWS::ElasticLoadBalancingV2::Listener"
RULE = "AWS::ElasticLoadBalancingV2::ListenerRule"
LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"
ECS_SERVICE = "AWS::ECS::Service"
SCALABLE_TARGET = "AWS::ApplicationAutoScaling::ScalableTarget"

# Resources whose data is gone with them.
DATA = frozenset({
    "AWS::Logs::LogGroup", "AWS::EFS::FileSystem", "AWS::SQS::Queue", "AWS::S3::Bucket",
    "AWS::DynamoDB::Table", "AWS::ECR::Repository", "AWS::SecretsManager::Secret", "AWS::KMS::Key",
    "AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::Kinesis::Stream",
})
# Replacing these loses state, breaks who points at them, or interrupts traffic.
STATEFUL = DATA | {
    "AWS::SNS::Topic", "AWS::ServiceDiscovery::PrivateDnsNamespace", "AWS::ServiceDiscovery::HttpNamespace",
    "AWS::ServiceDiscovery::PublicDnsNamespace", "AWS::ServiceDiscovery::Service",
}
TRAFFIC = frozenset({TARGET_GROUP, LISTENER, LOAD_BALANCER, ECS_SERVICE, VPC, SUBNET})
SAFE_DELETION = ("Retain", "RetainExceptOnCreate", "Snapshot")


def type_of(resource: dict) -> str:
    kind = resource.get("Type")
    return kind if isinstance(kind, str) else ""


def props_of(resource: dict) -> dict:
    props = resource.get("Properties")
    return props if isinstance(props, dict) else {}
