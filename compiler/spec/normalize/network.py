"""`network`: a VPC the compiler makes (subnets carved from its CIDR) or an existing one."""

from __future__ import annotations

from typing import Any, Mapping

from compiler import model as m
from compiler.state.subnets import carve

DEFAULT_CIDR = "10.0.0.0/16"
DEFAULT_AZS = 2


def normalize(spec: Mapping[str, Any]) -> m.Network:
    vpc = spec.get("vpc") or {}
    if "id" in vpc:
        return _existing_network(spec, vpc)
    cidr = vpc.get("cidr", DEFAULT_CIDR)
    zones = tuple(vpc.get("zones", ()))
    subnets = vpc.get("subnets")
    # Zones: named ones, else `azs`, else as many as the public subnets given, else 2.
    az_count = len(zones) or vpc.get("azs") or len((subnets or {}).get("public", ())) or DEFAULT_AZS
    if subnets:
        public, private = tuple(subnets.get("public", ())), tuple(subnets.get("private", ()))
    else:
        public, private = carve(cidr, az_count) or ((), ())
    flow = spec.get("flow_logs", True)
    if flow is False:
        flow_logs = None
    else:
        flow = flow if isinstance(flow, Mapping) else {}
        flow_logs = m.FlowLogs(flow.get("retention_days", 365), flow.get("traffic", "ALL"))
    return m.Network(
        cidr=cidr,
        zones=zones,
        az_count=az_count,
        public_subnets=public,
        private_subnets=private,
        nat=spec.get("nat", "single"),
        endpoints=tuple(sorted(set(spec.get("endpoints", ())))),
        flow_logs=flow_logs,
        carved=not subnets,
    )


def _subnet_ref(item: Any) -> m.SubnetRef:
    if isinstance(item, Mapping):
        return m.SubnetRef(str(item["id"]), item.get("zone"))
    return m.SubnetRef(str(item), None)


def _existing_network(spec: Mapping[str, Any], vpc: Mapping[str, Any]) -> m.Network:
    """network.vpc.id: the VPC, its subnets and its routing are someone else's. No NAT, no
    flow logs, no CIDR unless given; the zone count is what the subnets say (for the plan)."""
    subnets = vpc.get("subnets") or {}
    public = tuple(_subnet_ref(i) for i in subnets.get("public", ()))
    private = tuple(_subnet_ref(i) for i in subnets.get("private", ()))
    zones = {r.zone for r in public + private if r.zone}
    return m.Network(
        cidr=vpc.get("cidr"),
        zones=(),
        az_count=len(zones) or max(len(public), len(private), 1),
        public_subnets=(),
        private_subnets=(),
        nat="none",
        endpoints=tuple(sorted(set(spec.get("endpoints", ())))),
        flow_logs=None,
        existing=m.ExistingVpc(vpc["id"], public, private, tuple(vpc.get("route_tables", ())),
                               vpc.get("nat", False)),
    )
