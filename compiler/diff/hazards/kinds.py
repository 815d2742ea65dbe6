"""The kinds of hazard (KINDS, in the report's order) and the value each is reported as."""

from __future__ import annotations

from dataclasses import dataclass

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
    "priority-in-use": (
        "A new listener rule needs a priority an old rule still holds",
        "A listener rule created by the update (a renamed service's) takes a priority that an old rule "
        "on the same listener holds until the cleanup phase: ELB refuses it (PriorityInUse) and the "
        "update rolls back."),
    "port-in-use": (
        "A new listener needs a port an old listener still holds",
        "A listener created, replaced or moved by the update takes a port that another listener of the "
        "same load balancer holds until it is moved or deleted in the cleanup phase: ELB allows one "
        "listener per port (DuplicateListener), so the update fails or races."),
    "target-group-association": (
        "A target group would serve two load balancers",
        "A new or replacement listener forwards to a target group that stays, while the old listener of "
        "another (or the replaced) load balancer still forwards to it until the cleanup phase: a target "
        "group serves one load balancer (TargetGroupAssociationLimit), so the update fails. Typical cause: "
        "an NLB's scheme (public) changes. Not verified against AWS here."),
    "subnet-overlap": (
        "A new subnet overlaps one that exists until cleanup",
        "A subnet created by the update (added, or a replacement) overlaps the cidr of a subnet that "
        "is deleted only in the cleanup phase: EC2 refuses it (InvalidSubnet.Conflict), the update fails."),
    "data-view": (
        "Tasks see a file system directory another way",
        "An EFS access point is re-created with another POSIX user or root directory: EFS applies "
        "CreationInfo only when it creates the directory, so the existing directory keeps its owner "
        "(the tasks may not write), or the tasks see another directory (their files seem gone)."),
    "duplicate-delivery": (
        "Messages are delivered twice, then stranded",
        "A topic gets a subscription to a new queue while the old queue's subscription lives until "
        "the cleanup phase: both receive every message meanwhile, and the old (retained) queue keeps "
        "a backlog no service reads."),
    "duplicate-schedule": (
        "A schedule runs twice during the update",
        "A scheduled rule is created (a job renamed without `renamed_from`) while an old rule with the "
        "same schedule lives until the cleanup phase: a run due meanwhile starts from both."),
    "default-certificate": (
        "A listener's default certificate changes",
        "The first certificate of an HTTPS listener changes: clients without SNI, or asking for a name "
        "no certificate covers, get the new default immediately."),
    "association-replacement": (
        "A subnet moves to another route table",
        "A SubnetRouteTableAssociation's RouteTableId changes (e.g. `nat: single` <-> `per_az`): "
        "CloudFormation re-associates the subnet in place (a new association ID, no AlreadyAssociated "
        "failure); its outbound connections through the old NAT gateway are reset at that moment."),
    "listener-change": (
        "A listener moves to another port or protocol",
        "A listener's port or protocol changes in place (ModifyListener): from that moment clients of "
        "the old port or protocol are refused; the load balancer's DNS name stays."),
    "endpoint-removed": (
        "A load balancer's DNS name goes away",
        "A load balancer is removed or replaced (its scheme changes, or a service moves to a shared NLB "
        "or back): clients of its DNS name, or of a CNAME or alias to it, are refused once the old one "
        "is deleted; they must move to the new load balancer's DNS name."),
    "traffic-gap": (
        "Traffic is routed to a target group with no targets yet",
        "An existing listener or rule forwards to a target group this update creates; it has no "
        "registered targets until the service's tasks pass health checks, and requests fail meanwhile."),
    "default-moved": (
        "The default service moves from the listener's default action to a rule",
        "The listener's default action stops forwarding to a service (it got route conditions or a "
        "rewrite, which only a rule can carry) and a new rule takes its requests: CloudFormation "
        "updates the listener before it creates the rule, and the requests get the new default "
        "action (404) for the seconds in between."),
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
    "load-balancer-move": (
        "A service moves to another load balancer",
        "A service's http.load_balancer changes: a target group serves one load balancer and a rule's "
        "listener is create-only, so the service gets a new target group and rule on the other load "
        "balancer, and the old ones are deleted in the cleanup phase. Clients of the old load balancer's "
        "address lose the service then: move its DNS names or callers first."),
    "shift-revert": (
        "A listener rule or target group ECS shifts traffic on changes",
        "A blue/green, canary or linear service's production or test listener rule, or one of its two "
        "target groups, changes: ECS owns the rule's weights (it swings them on every deployment), and "
        "CloudFormation rewrites the rule with the template's weights, 100 to the first group, which after "
        "a finished shift may be the idle one. Deploy it when the first group serves, or expect an outage."),
}


def describe(kind: str, full: bool = False) -> str:
    return KINDS[kind][1 if full else 0]


@dataclass(frozen=True, order=True)
class Hazard:
    kind: str
    stack: str
    id: str
    message: str

    def as_json(self) -> dict:
        return {"kind": self.kind, "stack": self.stack, "id": self.id, "message": self.message}
