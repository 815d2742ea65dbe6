"""The network: the VPC the compiler makes or an existing one, its subnets, endpoints, flow logs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class FlowLogs:
    retention_days: int
    traffic: str                      # ALL | ACCEPT | REJECT


@dataclass(frozen=True)
class SubnetRef:
    id: str                           # subnet-...
    zone: Optional[str]               # its availability zone, when the spec gives it


@dataclass(frozen=True)
class ExistingVpc:
    id: str                           # vpc-...
    public: tuple[SubnetRef, ...]     # in spec order
    private: tuple[SubnetRef, ...]
    route_tables: tuple[str, ...]     # private route tables, for gateway endpoints
    nat: bool = False                 # network.vpc.nat: its private subnets route to a NAT gateway


@dataclass(frozen=True)
class Network:
    cidr: Optional[str]               # None only for an existing VPC whose cidr the spec does not give
    zones: tuple[str, ...]            # explicit zone names; empty when `azs` picks them (Fn::GetAZs)
    az_count: int                     # number of zones, explicit or not
    public_subnets: tuple[str, ...]   # one per zone, in zone order
    private_subnets: tuple[str, ...]  # one per zone, in zone order
    nat: str                          # none | single | per_az
    endpoints: tuple[str, ...]        # sorted, unique service names ("s3", "ecr.api", ...)
    flow_logs: Optional[FlowLogs]     # None when turned off (always for an existing VPC)
    existing: Optional[ExistingVpc] = None   # network.vpc.id: nothing of the VPC's own is made
    carved: bool = False              # the subnets are the compiler's (placement keeps them put)
    previous_cidr: Optional[str] = None  # the cidr of the last compile's carved layout, when it differs
    no_room: bool = False             # a new zone finds no free space without moving a subnet

    @property
    def gateway_endpoints(self) -> tuple[str, ...]:
        return tuple(e for e in self.endpoints if e in GATEWAY_ENDPOINTS)

    @property
    def interface_endpoints(self) -> tuple[str, ...]:
        return tuple(e for e in self.endpoints if e not in GATEWAY_ENDPOINTS)

    @property
    def nat_count(self) -> int:
        return {"none": 0, "single": 1, "per_az": self.az_count}[self.nat]


GATEWAY_ENDPOINTS = ("dynamodb", "s3")
