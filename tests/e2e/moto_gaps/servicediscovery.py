"""Cloud Map types moto's CloudFormation does not have."""

from __future__ import annotations

from typing import Any

from .base import AddedModel


# --- Gap 8 -------------------------------------------------------------------
# AWS::ServiceDiscovery::PrivateDnsNamespace and AWS::ServiceDiscovery::Service
# are not CloudFormation types in moto at all: they are skipped (a blank row in
# ListStackResources), and an Fn::GetAtt on them makes the stack fail. These
# models create them through moto's own Cloud Map backend, with the Ref and
# Fn::GetAtt values AWS documents (Ref: the Id; Id, Arn, HostedZoneId, Name).
def service_discovery() -> None:
    from moto.core.common_models import CloudFormationModel
    from moto.servicediscovery.models import servicediscovery_backends

    class PrivateDnsNamespace(AddedModel, CloudFormationModel):
        __module__ = "moto.servicediscovery.models"
        cfn_type = "AWS::ServiceDiscovery::PrivateDnsNamespace"
        name_property = "Name"
        attributes = {"Id": lambda self: self.namespace.id,
                      "Arn": lambda self: self.namespace.arn,
                      "HostedZoneId": lambda self: self.namespace.dns_properties["HostedZoneId"]}

        def __init__(self, namespace: Any, account_id: str, region_name: str):
            self.namespace = namespace
            self.account_id = account_id
            self.region_name = region_name

        @property
        def physical_resource_id(self) -> str:
            return self.namespace.id

        @classmethod
        def create(cls, props: dict, resource_name: str, account_id: str, region_name: str) -> Any:
            backend = servicediscovery_backends[account_id][region_name]
            backend.create_private_dns_namespace(
                name=props["Name"], creator_request_id=resource_name,
                description=props.get("Description"), vpc=props["Vpc"],
                tags=props.get("Tags"), properties=props.get("Properties"),
            )
            [namespace] = [n for n in backend.namespaces.values()
                           if n.name == props["Name"] and n.vpc == props["Vpc"]]
            return cls(namespace, account_id, region_name)

        def delete(self, account_id: str, region_name: str) -> None:
            servicediscovery_backends[account_id][region_name].delete_namespace(self.namespace.id)

    class DiscoveryService(AddedModel, CloudFormationModel):
        __module__ = "moto.servicediscovery.models"
        cfn_type = "AWS::ServiceDiscovery::Service"
        name_property = "Name"
        attributes = {"Id": lambda self: self.service.id,
                      "Arn": lambda self: self.service.arn,
                      "Name": lambda self: self.service.name}

        def __init__(self, service: Any):
            self.service = service

        @property
        def physical_resource_id(self) -> str:
            return self.service.id

        @classmethod
        def create(cls, props: dict, resource_name: str, account_id: str, region_name: str) -> Any:
            service = servicediscovery_backends[account_id][region_name].create_service(
                name=props.get("Name", resource_name),
                namespace_id=props.get("NamespaceId"),
                creator_request_id=resource_name,
                description=props.get("Description"),
                dns_config=props.get("DnsConfig"),
                health_check_config=props.get("HealthCheckConfig"),
                health_check_custom_config=props.get("HealthCheckCustomConfig"),
                tags=props.get("Tags"),
                service_type=props.get("Type"),
            )
            return cls(service)

        def delete(self, account_id: str, region_name: str) -> None:
            servicediscovery_backends[account_id][region_name].delete_service(self.service.id)
