"""Physical names a new resource needs while an old one still holds them: kind "name-clash", and
"priority-in-use" for a listener rule priority."""

from __future__ import annotations

from compiler.diff.changes import Changes, Identity
from compiler.diff.hazards.kinds import Hazard
from compiler.diff.hazards.resources import (ECS_SERVICE, LOAD_BALANCER, RULE, SAFE_DELETION, TARGET_GROUP,
                                             props_of, type_of)


def _claims(side, values, file: str, resource: dict, replaced) -> list[tuple]:
    """(what, scope, name) of the physical names a resource holds, resolved and comparable."""
    kind, props = type_of(resource), props_of(resource)

    def value(v):
        return _mark(values.resolve(file, v), replaced)

    out = []
    for prop, scope in _NAMES.get(kind, ()):
        if prop in props:
            out.append((f"{kind} {prop}", value(props.get(scope)) if scope else None, value(props[prop])))
    if kind == "AWS::Route53::RecordSet" and "Name" in props:
        zone = props.get("HostedZoneId", props.get("HostedZoneName"))
        out.append(("Route 53 record", value(zone), (value(props["Name"]), value(props.get("Type")),
                                                      value(props.get("SetIdentifier")))))
    if kind == ECS_SERVICE and isinstance(props.get("ServiceConnectConfiguration"), dict):
        connect = props["ServiceConnectConfiguration"]
        namespace = value(connect["Namespace"]) if "Namespace" in connect else ("cluster", value(props.get("Cluster")))
        for entry in connect.get("Services") or ():
            if not isinstance(entry, dict):
                continue
            name = entry.get("DiscoveryName", entry.get("PortName"))
            if name is not None:
                out.append(("Service Connect discovery name", namespace, value(name)))
            for alias in entry.get("ClientAliases") or ():
                if isinstance(alias, dict) and "DnsName" in alias:
                    out.append(("Service Connect client alias", namespace,
                                (value(alias["DnsName"]), value(alias.get("Port")))))
    return out


_NAMES = {
    "AWS::Logs::LogGroup": (("LogGroupName", None),),
    TARGET_GROUP: (("Name", None),),
    LOAD_BALANCER: (("Name", None),),
    RULE: (("Priority", "ListenerArn"),),
    ECS_SERVICE: (("ServiceName", "Cluster"),),
    "AWS::ECS::Cluster": (("ClusterName", None),),
    "AWS::ECS::TaskDefinition": (),  # Family: a new revision, never a clash
    "AWS::ServiceDiscovery::Service": (("Name", "NamespaceId"),),
    "AWS::ServiceDiscovery::PrivateDnsNamespace": (("Name", "Vpc"),),
    "AWS::ServiceDiscovery::HttpNamespace": (("Name", None),),
    "AWS::ServiceDiscovery::PublicDnsNamespace": (("Name", None),),
    "AWS::SQS::Queue": (("QueueName", None),),
    "AWS::SNS::Topic": (("TopicName", None),),
    "AWS::IAM::Role": (("RoleName", None),),
    "AWS::IAM::ManagedPolicy": (("ManagedPolicyName", None),),
    "AWS::EC2::SecurityGroup": (("GroupName", "VpcId"),),
    "AWS::ECR::Repository": (("RepositoryName", None),),
    "AWS::S3::Bucket": (("BucketName", None),),
    "AWS::Events::Rule": (("Name", "EventBusName"),),
    "AWS::Scheduler::Schedule": (("Name", "GroupName"),),
    "AWS::EFS::FileSystem": (),
}


def _mark(value, replaced):
    """A reference to a replaced resource names its new physical resource, not the old one."""
    if isinstance(value, tuple):
        if len(value) >= 3 and value[0] in ("res", "getatt") and (value[1], value[2]) in replaced:
            return ("new",) + value
        return tuple(_mark(v, replaced) for v in value)
    return value


def _describe(claim) -> str:
    what, _scope, name = claim

    def text(v):
        if isinstance(v, tuple):
            if v and v[0] == "sub":
                return v[1]
            return " ".join(text(x) for x in v if x is not None and x not in ("res", "getatt", "map", "list"))
        return str(v)
    return f"{what} {text(name)}"


def name_clashes(changes: Changes) -> list[Hazard]:
    held: dict[tuple, list[Identity]] = {}
    old_claims: dict[Identity, set] = {}
    for file in changes.old.templates:
        for logical_id, resource in changes.old.resources(file).items():
            if isinstance(resource, dict):
                claims = set(_claims(changes.old, changes.old_values, file, resource, set()))
                old_claims[(changes.old.key(file), logical_id)] = claims
                for claim in claims:
                    held.setdefault(claim, []).append((changes.old.key(file), logical_id))
    modified = changes.modified()
    out = []
    for file in changes.new.templates:
        for logical_id, resource in sorted(changes.new.resources(file).items()):
            if not isinstance(resource, dict):
                continue
            identity = (changes.new.key(file), logical_id)
            created = identity in changes.added or identity in changes.replaced
            for claim in _claims(changes.new, changes.new_values, file, resource, changes.replaced):
                if not created and claim in old_claims.get(identity, ()):
                    continue  # the same resource keeps its own name
                for holder in held.get(claim, ()):
                    if holder == identity and not created:
                        continue
                    if holder == identity:
                        message = (f"{_describe(claim)}: the resource is replaced but keeps its name; the new "
                                   "one is created while the old one still holds it: the update fails")
                    else:
                        whose = f"{changes.old_file(holder)}:{holder[1]}"
                        if holder in changes.removed and \
                                changes.old_resource(holder).get("DeletionPolicy") in SAFE_DELETION:
                            state = "and is retained (DeletionPolicy), so it keeps the name: the create fails"
                        elif holder in changes.removed:
                            state = "and deletes it only in the cleanup phase, after the create: the create fails"
                        elif holder in changes.replaced:
                            state = "which is replaced in the same update"
                        elif holder in modified:
                            state = "which changes in parallel: a race"
                        else:
                            state = "which keeps it"
                        message = f"{_describe(claim)} is needed while {whose} still holds it, {state}"
                    # A listener rule priority has a kind of its own: ELB's PriorityInUse.
                    kind = "priority-in-use" if claim[0] == f"{RULE} Priority" else "name-clash"
                    out.append(Hazard(kind, file, logical_id, message))
    return out
