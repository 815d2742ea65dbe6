"""What in a set of changes can hurt a running app: hazards as values (kinds in KINDS)."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.diff.changes import Changes, Identity
from compiler.diff.resolve import refers_to

# kind -> (short description, help text); the order is the report's.
KINDS = {
    "replacement": (
        "A stateful or traffic-serving resource is replaced",
        "A stateful or traffic-serving resource (log group, file system, queue, topic, Cloud Map namespace "
        "or service, target group, listener, load balancer, ECS service, VPC, subnet) is replaced, or "
        "moves to another nested stack: CloudFormation creates a new one and deletes the old one."),
    "vpc-move": (
        "A load balancer would have to change VPC",
        "The VPC or subnets change under a load balancer that stays: a load balancer cannot move to "
        "another VPC, so the update fails."),
    "name-clash": (
        "A new resource needs a name an old one still holds",
        "A new physical resource needs a name (log group name, listener rule priority, Cloud Map or "
        "Service Connect name...) that an existing resource still holds while the update runs: old "
        "resources are deleted only in the cleanup phase, so the create fails or races."),
    "traffic-gap": (
        "Traffic is routed to a target group with no targets yet",
        "An existing listener or rule forwards to a target group this update creates; it has no "
        "registered targets until the service's tasks pass health checks, and requests fail meanwhile."),
    "count-reset": (
        "An autoscaled service's running count is reset",
        "An autoscaled ECS service whose template sets DesiredCount is updated: CloudFormation sends "
        "DesiredCount and the running task count jumps back to it."),
    "data-deletion": (
        "Data is deleted",
        "A resource holding data (logs, files, messages...) is removed or replaced without a "
        "DeletionPolicy or UpdateReplacePolicy of Retain: its data is deleted with it."),
    "rule-gap": (
        "Traffic a security group rule admits is refused for a while",
        "A security group's own (inline) rule is revoked when CloudFormation updates the group, "
        "before what still needs it is gone: the rule moves to a rule resource of its own, created "
        "only after the group's update, or it admits a container port that running tasks keep "
        "listening on until the ECS service's rolling deployment replaces them. New connections "
        "are refused meanwhile (open ones continue). A rule resource whose port changes is replaced "
        "instead: the new one is created first, the old one deleted in the cleanup phase."),
}


def describe(kind: str, full: bool = False) -> str:
    return KINDS[kind][1 if full else 0]


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


@dataclass(frozen=True, order=True)
class Hazard:
    kind: str
    stack: str
    id: str
    message: str

    def as_json(self) -> dict:
        return {"kind": self.kind, "stack": self.stack, "id": self.id, "message": self.message}


def _type(resource: dict) -> str:
    kind = resource.get("Type")
    return kind if isinstance(kind, str) else ""


def _props(resource: dict) -> dict:
    props = resource.get("Properties")
    return props if isinstance(props, dict) else {}


def find(changes: Changes) -> list[Hazard]:
    found = (_replacements(changes) + _vpc_moves(changes) + _name_clashes(changes)
             + _traffic_gaps(changes) + _count_resets(changes) + _data_deletions(changes)
             + _rule_gaps(changes))
    return sorted(set(found), key=lambda h: (list(KINDS).index(h.kind), h.stack, h.id, h.message))


def _moves(changes: Changes) -> dict[Identity, Identity]:
    """Removed (stack, id) -> added (stack, id): the same logical ID in another nested stack."""
    added = {}
    for stack, logical_id in sorted(changes.added):
        added.setdefault(logical_id, (stack, logical_id))
    return {identity: added[identity[1]] for identity in sorted(changes.removed) if identity[1] in added}


def _replacements(changes: Changes) -> list[Hazard]:
    out = []
    modified = changes.modified()
    for identity in sorted(changes.replaced):
        kind = _type(changes.new_resource(identity))
        if kind not in STATEFUL | TRAFFIC:
            continue
        change = modified[identity]
        why = ", ".join(change.replaced_by) or "its type"
        follows = ", ".join(changes.name(i) for i in change.follows)
        reason = f"{why} changes" + (f" (it follows the replaced {follows})" if follows else "")
        message = f"{kind} is replaced: {reason}; CloudFormation creates a new one and deletes the old one"
        if kind == VPC:
            inside = sum(1 for other in changes.replaced if other != identity)
            message += (f"; {inside} more resources are replaced with it, and a load balancer, an internet "
                        "gateway still attached or a running service cannot move between VPCs: the update "
                        "fails; only deleting and re-creating the stack works")
        elif kind == SUBNET:
            message += "; the new subnet must not overlap the old one, which exists until cleanup"
        out.append(Hazard("replacement", changes.file(identity), identity[1], message))
    for before, after in _moves(changes).items():
        kind = _type(changes.old_resource(before))
        if kind in STATEFUL | TRAFFIC:
            out.append(Hazard("replacement", changes.file(after), after[1],
                              f"{kind} moves from the stack of {changes.old_file(before)} to the stack of "
                              f"{changes.new_file(after)}: it is deleted and re-created"))
    return out


def _vpc_moves(changes: Changes) -> list[Hazard]:
    vpc_changes = any(_type(changes.old_resource(i)) == VPC for i in changes.replaced | changes.removed)
    vpc_changes = vpc_changes or any(
        path in ("VpcId", "Vpc") for m in changes.modified().values() if m.replacement for path in m.replaced_by)
    if not vpc_changes:
        return []
    out = []
    for identity, change in sorted(changes.modified().items()):
        if change.type == LOAD_BALANCER and not change.replacement and any(
                p.split(".")[0].split("[")[0] in ("Subnets", "SubnetMappings") for p in change.properties):
            out.append(Hazard("vpc-move", changes.file(identity), identity[1],
                              "the load balancer stays but its subnets move to another VPC: a load balancer "
                              "cannot change VPC, so the update fails"))
    return out


def _claims(side, values, file: str, resource: dict, replaced) -> list[tuple]:
    """(what, scope, name) of the physical names a resource holds, resolved and comparable."""
    kind, props = _type(resource), _props(resource)

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


def _name_clashes(changes: Changes) -> list[Hazard]:
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
                    out.append(Hazard("name-clash", file, logical_id, message))
    return out


def _actions(resource: dict):
    props = _props(resource)
    return props.get("Actions", props.get("DefaultActions"))


def _traffic_gaps(changes: Changes) -> list[Hazard]:
    created = {i for i in changes.added | changes.replaced if _type(changes.new_resource(i)) == TARGET_GROUP}
    if not created:
        return []
    out = []
    for file in changes.new.templates:
        for logical_id, resource in sorted(changes.new.resources(file).items()):
            identity = (changes.new.key(file), logical_id)
            if identity in changes.added or _type(resource) not in (LISTENER, RULE):
                continue
            targets = refers_to(changes.new_values.resolve(file, _actions(resource)), created)
            for group in sorted(targets):
                how = "replaced" if group in changes.replaced else "new"
                out.append(Hazard("traffic-gap", file, logical_id,
                                  f"now forwards to the {how} target group {changes.name(group)}, which has no "
                                  "registered targets until the service's tasks pass health checks: requests "
                                  "fail with 503 meanwhile"))
    return out


def _count_resets(changes: Changes) -> list[Hazard]:
    scaled = _autoscaled(changes)
    out = []
    for identity, change in sorted(changes.modified().items()):
        if change.type != ECS_SERVICE or change.replacement or not change.properties_changed:
            continue
        desired = _props(changes.new_resource(identity)).get("DesiredCount")
        if desired is None or identity not in scaled:
            continue
        out.append(Hazard("count-reset", changes.file(identity), identity[1],
                          f"the service is autoscaled and its template sets DesiredCount {desired}: updating it "
                          f"({', '.join(change.properties[:4])}{', ...' if len(change.properties) > 4 else ''}) "
                          f"sets the running task count back to {desired}"))
    return out


def _autoscaled(changes: Changes) -> set[Identity]:
    """ECS services a ScalableTarget of the new templates scales (its ResourceId refers to them)."""
    services = {(changes.new.key(f), i) for f in changes.new.templates
                for i, r in changes.new.resources(f).items() if _type(r) == ECS_SERVICE}
    scaled = set()
    for file in changes.new.templates:
        for resource in changes.new.resources(file).values():
            if _type(resource) == SCALABLE_TARGET:
                scaled |= refers_to(changes.new_values.resolve(file, _props(resource).get("ResourceId")), services)
    return scaled


def _data_deletions(changes: Changes) -> list[Hazard]:
    # A removal follows the old template's DeletionPolicy, a replacement the new one's UpdateReplacePolicy.
    cases = ((changes.removed, changes.old_resource, "DeletionPolicy", "removed", "it is deleted with its data"),
             (changes.replaced, changes.new_resource, "UpdateReplacePolicy", "replaced",
              "the old one is deleted with its data"))
    out = []
    for identities, resource_of, policy, what, outcome in cases:
        for identity in sorted(identities):
            resource = resource_of(identity)
            if _type(resource) in DATA and resource.get(policy) not in SAFE_DELETION:
                out.append(Hazard("data-deletion", changes.file(identity), identity[1],
                                  f"{_type(resource)} is {what} without {policy} Retain: {outcome}"))
    return out


SECURITY_GROUP = "AWS::EC2::SecurityGroup"
RULE_RESOURCES = {"AWS::EC2::SecurityGroupIngress": "SecurityGroupIngress",
                  "AWS::EC2::SecurityGroupEgress": "SecurityGroupEgress"}
_RULE_FIELDS = ("IpProtocol", "FromPort", "ToPort", "CidrIp", "CidrIpv6", "SourceSecurityGroupId",
                "SourcePrefixListId", "DestinationSecurityGroupId", "DestinationPrefixListId")


def _rule_key(values, file: str, rule) -> tuple:
    """What a rule admits, resolved and comparable (its Description left out)."""
    def value(v):
        return str(v) if isinstance(v, (int, str)) else values.resolve(file, v)
    return tuple(value(rule.get(k)) for k in _RULE_FIELDS) if isinstance(rule, dict) else ()


def _leaving_ports(changes: Changes) -> dict[str, list[str]]:
    """Container port -> ECS services whose load-balanced container port changes away from it:
    their old tasks listen on it until the rolling deployment replaces them."""
    ports: dict[str, list[str]] = {}
    for identity, change in sorted(changes.modified().items()):
        if change.type != ECS_SERVICE or change.replacement:
            continue
        def of(resource):
            return {str(lb.get("ContainerPort")) for lb in _props(resource).get("LoadBalancers") or ()
                    if isinstance(lb, dict)}
        for port in sorted(of(changes.old_resource(identity)) - of(changes.new_resource(identity))):
            ports.setdefault(port, []).append(identity[1])
    return ports


def _rule_gaps(changes: Changes) -> list[Hazard]:
    leaving = _leaving_ports(changes)
    created: dict[tuple, str] = {}     # (group, direction, rule key) -> the new rule resource
    for file in changes.new.templates:
        for logical_id, resource in sorted(changes.new.resources(file).items()):
            identity = (changes.new.key(file), logical_id)
            direction = RULE_RESOURCES.get(_type(resource))
            if direction is None or not (identity in changes.added or identity in changes.replaced):
                continue
            props = _props(resource)
            for group in refers_to(changes.new_values.resolve(file, props.get("GroupId")), _groups(changes)):
                created[(group, direction, _rule_key(changes.new_values, file, props))] = logical_id
    out = []
    for identity, change in sorted(changes.modified().items()):
        if change.type != SECURITY_GROUP or change.replacement:
            continue
        old_file, new_file = changes.old_file(identity), changes.new_file(identity)
        for direction in RULE_RESOURCES.values():
            new_rules = {_rule_key(changes.new_values, new_file, r)
                         for r in _props(changes.new_resource(identity)).get(direction) or ()}
            for rule in _props(changes.old_resource(identity)).get(direction) or ():
                key = _rule_key(changes.old_values, old_file, rule)
                if not key or key in new_rules:
                    continue
                what = f"the {direction[len('SecurityGroup'):].lower()} rule on port {_ports(rule)}"
                moved = created.get((identity, direction, key))
                if moved:
                    out.append(Hazard("rule-gap", changes.file(identity), identity[1],
                                      f"{what} moves to the new resource {moved}: CloudFormation revokes it "
                                      f"as it updates the group and adds it again only when it creates {moved}; "
                                      "new connections it admits are refused in between (seconds)"))
                    continue
                # A rule naming a group (the ALB's, the tasks'), or egress: a listener's CIDR
                # rule on the same number is about the load balancer's own port.
                peer = direction == "SecurityGroupEgress" or "SourceSecurityGroupId" in rule
                for port, services in sorted(leaving.items()):
                    if peer and _covers(rule, port):
                        out.append(Hazard("rule-gap", changes.file(identity), identity[1],
                                          f"{what} is revoked as the group updates, while the tasks of "
                                          f"{', '.join(services)} still listen on port {port} until the rolling "
                                          "deployment replaces them: they get no traffic through it meanwhile"))
    return out


def _groups(changes: Changes) -> set:
    return {i for i, m in changes.modified().items() if m.type == SECURITY_GROUP}


def _ports(rule: dict) -> str:
    low, high = rule.get("FromPort"), rule.get("ToPort")
    return str(low) if low == high else f"{low}-{high}"


def _covers(rule: dict, port: str) -> bool:
    try:
        return int(rule.get("FromPort")) <= int(port) <= int(rule.get("ToPort"))
    except (TypeError, ValueError):
        return False
