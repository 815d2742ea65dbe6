"""storage.json: the app's managed EFS file system; and each service's volumes.

Built only when a service mounts the managed file system (`efs: true`, or an `efs`
mapping without `id`). The stack holds:

- FileSystem: encrypted at rest (the AWS-managed key), elastic throughput,
  automatic backups on, and a file system policy that refuses NFS clients
  without TLS. It grants nobody anything itself: with IAM authorization on,
  only principals whose own policy allows elasticfilesystem:ClientMount on it
  (the task roles of the services that mount it) can mount. DeletionPolicy and
  UpdateReplacePolicy Retain: neither an update nor deleting the app deletes
  the data.
- FileSystemSecurityGroup: no rule of its own. Each mounting service's stack
  adds one ingress rule, TCP 2049 from that service's task security group only.
- MountTarget1..N: one per zone, in the private subnets (in an existing VPC: the first
  private subnet of each zone, see mount_target_subnets).

Why a stack of its own: a services stack changes membership (services are
pinned or move between services-N stacks); a file system in one of those would
be replaced (a new, empty file system) whenever its stack changed. Here it
depends only on the network, and its logical ID never changes.

Per service (in the service's own stack, see volume_resources): an access point
per EFS volume that uses one (the managed file system always; an existing one
when uid/gid are given), the NFS ingress rule, the task definition's volumes
and the task role statements (ClientMount, and ClientWrite when some container
mounts the volume writable), scoped to the file system and, through the
elasticfilesystem:AccessPointArn condition, to the service's access point.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from troposphere import GetAtt, Ref, Select, Sub, Tags, Template
from troposphere import ec2, ecs, efs

from compiler.stacks import iam as policies
from compiler import model as m
from compiler.state import naming
from compiler.stacks import common

FILE_SYSTEM = "FileSystem"
SECURITY_GROUP = "FileSystemSecurityGroup"
MOUNT_TARGET = "MountTarget"          # + the zone's 1-based position
NFS_PORT = 2049
ACCESS_POINT_PERMISSIONS = "755"      # the root directory EFS creates on first mount

# Per-service logical ID suffixes (the services stack's naming scheme).
ACCESS_POINT = "AccessPoint"          # <Service><Volume>AccessPoint
NFS_INGRESS = "FileSystemIngress"     # <Service>FileSystemIngress

# Wiring (stacks/common.py): what this stack outputs for the services stacks.
FILE_SYSTEM_ID = "FileSystemId"
SECURITY_GROUP_ID = "FileSystemSecurityGroupId"


def build(app: m.App) -> Template:
    assert app.uses_managed_efs, "storage.build is only called when the managed file system is used"
    t = common.new_template(app, "EFS file system")
    vpc_id = common.wire_param(t, "VpcId", "AWS::EC2::VPC::Id")
    subnets = common.wire_param(t, "PrivateSubnetIds", common.SUBNET_LIST)

    file_system = t.add_resource(efs.FileSystem(
        FILE_SYSTEM,
        DeletionPolicy="Retain",
        UpdateReplacePolicy="Retain",
        Encrypted=True,
        PerformanceMode="generalPurpose",
        ThroughputMode="elastic",
        BackupPolicy=efs.BackupPolicy(Status="ENABLED"),
        FileSystemPolicy=json.loads(policies.file_system_policy().to_json()),
        FileSystemTags=common.tags(app, f"{app.stack_name}-efs"),
    ))
    security_group = t.add_resource(ec2.SecurityGroup(
        SECURITY_GROUP,
        GroupDescription=f"EFS mount targets of {app.stack_name}: NFS from the mounting tasks only",
        VpcId=Ref(vpc_id),
        # Ingress: one rule per mounting service, in that service's stack. Egress: none
        # (a mount target only answers), written as the rule that matches nothing.
        SecurityGroupEgress=[ec2.SecurityGroupRule(
            IpProtocol="icmp", FromPort=252, ToPort=86, CidrIp="255.255.255.255/32",
            Description="Disallow all traffic",
        )],
        Tags=common.tags(app, f"{app.stack_name}-efs"),
    ))
    for number, index in enumerate(mount_target_subnets(app.network), start=1):
        t.add_resource(efs.MountTarget(
            f"{MOUNT_TARGET}{number}",
            FileSystemId=Ref(file_system),
            SubnetId=Select(index, Ref(subnets)),
            SecurityGroups=[GetAtt(security_group, "GroupId")],
        ))
    common.wire_output(t, FILE_SYSTEM_ID, Ref(file_system), "ID of the app's EFS file system")
    common.wire_output(t, SECURITY_GROUP_ID, GetAtt(security_group, "GroupId"),
                       "Security group of the EFS mount targets")
    return t


def mount_target_subnets(network: m.Network) -> tuple[int, ...]:
    """Positions in the private subnet list of the subnets that get a mount target: EFS takes
    one mount target per zone (a second in a zone fails with MountTargetConflict). The
    compiler's VPC has one private subnet per zone; in an existing VPC, the first private
    subnet of each zone (FC260 requires their zones when the managed file system is used)."""
    if network.existing is None:
        return tuple(range(network.az_count))
    first: dict[str, int] = {}
    for index, ref in enumerate(network.existing.private):
        first.setdefault(ref.zone or ref.id, index)
    return tuple(sorted(first.values()))


def access_point_id(svc: m.Service, volume: m.Volume) -> str:
    return common.workload_key(svc) + naming.pascal(volume.name) + ACCESS_POINT


def file_system_arn(file_system_id: Any) -> Sub:
    return Sub("arn:${AWS::Partition}:elasticfilesystem:${AWS::Region}:${AWS::AccountId}"
               ":file-system/${FileSystemId}", FileSystemId=file_system_id)


@dataclass
class TaskVolumes:
    """What a service's volumes add to its task definition, task role and security group."""

    volumes: list[ecs.Volume] = field(default_factory=list)
    role_statements: list = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)   # the ECS service waits for these


def volume_resources(app: m.App, t: Template, wire: Callable[..., Any], svc: m.Service,
                     tags: Tags) -> TaskVolumes:
    """Add a service's access points to `t`; return its task volumes and role statements.

    `wire(name)` is the services stack's wiring (a Parameter fed by the root).
    """
    out = TaskVolumes()
    for volume in svc.storage.volumes:
        efs_spec = volume.efs
        if efs_spec is None:
            out.volumes.append(ecs.Volume(Name=volume.name))   # task-local (bind mount)
            continue
        fs_id = wire(FILE_SYSTEM_ID) if efs_spec.managed else efs_spec.file_system_id
        config: dict[str, Any] = {"FilesystemId": fs_id, "TransitEncryption": "ENABLED"}
        access_point_arn = None
        if efs_spec.access_point:
            access_point = t.add_resource(efs.AccessPoint(
                access_point_id(svc, volume),
                FileSystemId=fs_id,
                PosixUser=efs.PosixUser(Uid=str(efs_spec.uid), Gid=str(efs_spec.gid)),
                RootDirectory=efs.RootDirectory(
                    Path=efs_spec.root_dir,
                    CreationInfo=efs.CreationInfo(
                        OwnerUid=str(efs_spec.uid), OwnerGid=str(efs_spec.gid),
                        Permissions=ACCESS_POINT_PERMISSIONS,
                    ),
                ),
                AccessPointTags=tags,
            ))
            access_point_arn = GetAtt(access_point, "Arn")
            config["AuthorizationConfig"] = ecs.AuthorizationConfig(
                AccessPointId=Ref(access_point), IAM="ENABLED")
        else:
            config["RootDirectory"] = efs_spec.root_dir
            config["AuthorizationConfig"] = ecs.AuthorizationConfig(IAM="ENABLED")
        out.volumes.append(ecs.Volume(
            Name=volume.name, EFSVolumeConfiguration=ecs.EFSVolumeConfiguration(**config)))
        out.role_statements.append(policies.efs_statement(
            "Efs" + naming.pascal(volume.name), file_system_arn(fs_id),
            writable=svc.volume_writable(volume), access_point_arn=access_point_arn))
    return out


def nfs_ingress(t: Template, wire: Callable[..., Any], svc: m.Service, task_sg: Any) -> str | None:
    """The managed file system's ingress rule for `svc`'s tasks; its logical ID, or None."""
    if not any(v.efs.managed for v in svc.efs_volumes):
        return None
    rule = t.add_resource(ec2.SecurityGroupIngress(
        common.workload_key(svc) + NFS_INGRESS,
        GroupId=wire(SECURITY_GROUP_ID),
        IpProtocol="tcp",
        FromPort=NFS_PORT,
        ToPort=NFS_PORT,
        SourceSecurityGroupId=GetAtt(task_sg, "GroupId"),
        Description=f"NFS from the tasks of {svc.name}",
    ))
    return rule.title


def mount_points(volumes: tuple[m.Volume, ...]) -> list[ecs.MountPoint]:
    """The main container's mounts: every volume of the service, at its path."""
    return [ecs.MountPoint(SourceVolume=v.name, ContainerPath=v.path, ReadOnly=v.read_only)
            for v in volumes]


def sidecar_mount_points(sidecar: m.Sidecar) -> list[ecs.MountPoint]:
    return [ecs.MountPoint(SourceVolume=p.source_volume, ContainerPath=p.path, ReadOnly=p.read_only)
            for p in sidecar.mount_points]
