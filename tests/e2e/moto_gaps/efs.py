"""Gaps met by EFS volumes (storage-dns): file systems, access points, and what mounts them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .base import after_create, replace, wrap


# --- EFS (storage-dns) ---------------------------------------------------------
# AWS::EFS::FileSystem drops FileSystemPolicy; AWS::EFS::AccessPoint has no
# physical resource ID (Ref gives its logical name, not fsap-...) and no
# Fn::GetAtt (Arn, AccessPointId). Store the policy, answer Ref and GetAtt.
# A task definition's EFS volumes come out of gap 5's key conversion in the
# wrong shape ("eFSVolumeConfiguration", "filesystemId", "iAM"): they are
# stored as the ECS API has them (efsVolumeConfiguration, fileSystemId, iam).
# And a standalone AWS::EC2::SecurityGroupIngress (the NFS rule each mounting
# service adds to the file system's group) is created without a physical ID
# (AWS: the rule's sgr- ID): it is given the ID of the rule it added.
def efs() -> None:
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.security_groups import SecurityGroupIngress
    from moto.ecs.models import TaskDefinition
    from moto.efs.models import AccessPoint, FileSystem, efs_backends

    @after_create(FileSystem)
    def put_policy(fs: Any, props: dict, account_id: str, region_name: str) -> None:
        if props.get("FileSystemPolicy"):
            efs_backends[account_id][region_name].put_file_system_policy(
                fs.file_system_id, json.dumps(props["FileSystemPolicy"]),
                bool(props.get("BypassPolicyLockoutSafetyCheck")))

    def attribute(self: AccessPoint, attribute_name: str) -> Any:
        values = {"Arn": self.access_point_arn, "AccessPointId": self.access_point_id}
        if attribute_name not in values:
            raise NotImplementedError(attribute_name)
        return values[attribute_name]

    AccessPoint.physical_resource_id = property(lambda self: self.access_point_id)

    # An update: moto has none for the type, so a changed PosixUser or RootDirectory was
    # never applied. On AWS FileSystemId, PosixUser and RootDirectory are create-only: the
    # access point is replaced (a new fsap- ID; the old one goes in the cleanup phase, which
    # moto does not have, so here at once). A change of tags alone keeps it.
    @replace(AccessPoint, "update_from_cloudformation_json")
    def update_access_point(cls, original_resource: AccessPoint, new_resource_name: str,
                            cloudformation_json: Any, account_id: str, region_name: str) -> AccessPoint:
        props = cloudformation_json["Properties"]
        same = (props["FileSystemId"] == original_resource.file_system_id
                and props.get("PosixUser", {}) == original_resource.posix_user
                and (props.get("RootDirectory") or {"Path": "/"}) == original_resource.root_directory)
        if same:
            return original_resource
        backend = efs_backends[account_id][region_name]
        backend.delete_access_point(original_resource.access_point_id)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    def api_volume(volume: dict) -> dict:
        found: dict[str, Any] = {"name": volume["Name"]}
        efs_config = volume.get("EFSVolumeConfiguration")
        if efs_config:
            config = {"fileSystemId": efs_config["FilesystemId"]}
            for key, api_key in (("RootDirectory", "rootDirectory"),
                                 ("TransitEncryption", "transitEncryption"),
                                 ("TransitEncryptionPort", "transitEncryptionPort")):
                if key in efs_config:
                    config[api_key] = efs_config[key]
            auth = efs_config.get("AuthorizationConfig")
            if auth:
                config["authorizationConfig"] = {
                    api_key: auth[key] for key, api_key in (("AccessPointId", "accessPointId"),
                                                            ("IAM", "iam")) if key in auth}
            found["efsVolumeConfiguration"] = config
        return found

    @after_create(TaskDefinition)
    def volumes(made: Any, props: dict, account_id: str, region_name: str) -> None:
        if props.get("Volumes"):
            made.volumes = [api_volume(v) for v in props["Volumes"]]

    @wrap(SecurityGroupIngress, "create_from_cloudformation_json")
    def create_ingress(original: Callable, cls, resource_name: str, cloudformation_json: Any,
                       account_id: str, region_name: str, **kwargs: Any) -> Any:
        before = set()
        props = cloudformation_json["Properties"]
        backend = ec2_backends[account_id][region_name]
        if props.get("GroupId"):
            [group] = backend.describe_security_groups(group_ids=[props["GroupId"]])
            before = {r.id for r in group.ingress_rules}
        made = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        added = [r.id for r in made.security_group.ingress_rules if r.id not in before]
        made.rule_id = added[0] if added else ""
        return made

    SecurityGroupIngress.physical_resource_id = property(lambda self: getattr(self, "rule_id", ""))
    AccessPoint.get_cfn_attribute = attribute
    AccessPoint.has_cfn_attr = classmethod(lambda cls, attr: attr in ("Arn", "AccessPointId"))
