"""The doors into an app: the ALB (HTTPS, access logs), its routes and health checks, and NLBs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Https:
    certificate_arn: Optional[str]    # None: the compiler's ACM certificates, one per alias
    ssl_policy: str


@dataclass(frozen=True)
class AccessLogs:
    bucket: Optional[str]             # None: the compiler makes the bucket
    prefix: str


@dataclass(frozen=True)
class ExistingAlb:
    """`load_balancers.<name>.arn`: an ALB the app does not own. The compiler adds target
    groups and listener rules on `listener_arn` only, with priorities in `priorities`."""

    arn: str                          # arn:<partition>:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>
    listener_arn: str                 # a listener of that ALB (never modified)
    security_group: str               # the ALB's security group: the tasks admit it
    priorities: tuple[int, int]       # (first, last) listener rule priorities we may use

    @property
    def full_name(self) -> str:
        """`app/<name>/<id>`: the LoadBalancerFullName of CloudWatch's dimensions."""
        return self.arn.split(":loadbalancer/", 1)[-1]


@dataclass(frozen=True)
class LoadBalancer:
    public: bool
    allowed_cidrs: tuple[str, ...]
    idle_timeout: int
    https: Optional[Https]
    access_logs: Optional[AccessLogs]  # None: off
    deletion_protection: bool
    written: frozenset[str] = frozenset()   # the load_balancer keys the spec wrote (scanner skips
                                            # are written only for explicit choices)
    name: str = ""                    # its name under `load_balancers` ("" for `load_balancer`)
    key: str = ""                     # logical-ID prefix: "" for the first (today's IDs), else PascalCase(name)
    existing: Optional[ExistingAlb] = None   # an ALB the app does not own (no LB, listener or SG resources)

    @property
    def spec_path(self) -> tuple[str, ...]:
        """Where the spec wrote it: ("load_balancer",) or ("load_balancers", name)."""
        return ("load_balancers", self.name) if self.name else ("load_balancer",)

    @property
    def listener_ports(self) -> tuple[int, ...]:
        return (80, 443) if self.https else (80,)


@dataclass(frozen=True)
class HealthCheck:
    path: str
    success_codes: str
    healthy_threshold: int
    unhealthy_threshold: int
    interval: int
    timeout: int
    grace_period: int
    grpc_codes: Optional[str] = None  # version GRPC: the matcher's gRPC codes (success_codes unused)


@dataclass(frozen=True)
class Rewrite:
    """A listener rule transform (url-rewrite or host-header-rewrite): the regular expression
    and its replacement ($1, $2 ... its groups)."""

    regex: str
    replace: str


@dataclass(frozen=True)
class Conditions:
    """A route's conditions besides paths and hosts, and its transforms (`headers`, `methods`,
    `query`, `source_ips`, `rewrite` of `http` and of each additional rule). Every header and
    every query key must match (one ALB condition each); any of one's values does."""

    headers: tuple[tuple[str, tuple[str, ...]], ...] = ()   # (header name, values), spec order
    methods: tuple[str, ...] = ()                           # http-request-method values
    query: tuple[tuple[str, tuple[str, ...]], ...] = ()     # (query key, values), spec order
    source_ips: tuple[str, ...] = ()                        # CIDRs, as written
    url_rewrite: Optional[Rewrite] = None                   # rewrite.path or rewrite.strip_prefix
    host_rewrite: Optional[Rewrite] = None                  # rewrite.host

    @property
    def narrowing(self) -> bool:
        """Whether a condition beyond paths and hosts narrows the route."""
        return bool(self.headers or self.methods or self.query or self.source_ips)

    @property
    def values(self) -> int:
        """ALB match evaluations of these conditions (each value, each query pair)."""
        return (sum(len(v) for _, v in self.headers) + len(self.methods)
                + sum(len(v) for _, v in self.query) + len(self.source_ips))

    @property
    def wildcards(self) -> int:
        """Wildcards (* and ?) in these conditions' values (headers and query strings take them)."""
        return sum(v.count("*") + v.count("?") for _, vs in self.headers + self.query for v in vs)


NO_CONDITIONS = Conditions()


@dataclass(frozen=True)
class Route:
    """`http.additional_rules[i]`: another listener rule of the service, with a target group
    of its own (the service's protocol, deregistration delay and stickiness)."""

    paths: tuple[str, ...]            # path patterns ("/" is "/*")
    hosts: tuple[str, ...]
    healthcheck: HealthCheck
    target_container: str             # the main container's name or a sidecar's
    target_port: int
    version: str                      # HTTP1 | HTTP2 | GRPC (default: the service's http.version)
    priority: Optional[int] = None    # listener rule priority; placement.py assigns one when None
    assigned: bool = False            # priority chosen by the compiler (placement.py)
    conditions: Conditions = NO_CONDITIONS   # headers, methods, query, source IPs, rewrites
    is_default = False                # never the listener's default action


@dataclass(frozen=True)
class Http:
    paths: tuple[str, ...]            # path patterns of the listener rule (empty when is_default)
    hosts: tuple[str, ...]            # host-header values: `hosts`, then the aliases not among them
    is_default: bool                  # "/" with no hosts, conditions or rewrites: the listener's default action
    priority: Optional[int]           # listener rule priority; None when is_default
    healthcheck: HealthCheck
    deregistration_delay: int
    stickiness: bool
    protocol: str                     # HTTP | HTTPS: ALB to container, target group and health check
    aliases: tuple[str, ...] = ()     # custom domain names (also among hosts), in spec order
    hosted_zone: Optional[str] = None  # Route 53 hosted zone ID of the aliases' records
    assigned: bool = False            # priority chosen by the compiler (placement.py), not the spec
    version: str = "HTTP1"            # HTTP1 | HTTP2 | GRPC: the target groups' protocol version
    target_container: Optional[str] = None   # the container the route sends to (normalize: the main one)
    target_port: Optional[int] = None        # its port (normalize: that container's port)
    additional_rules: tuple[Route, ...] = ()  # in spec order
    conditions: Conditions = NO_CONDITIONS   # headers, methods, query, source IPs, rewrites
    load_balancer: str = ""           # the name of its ALB under `load_balancers` ("" for `load_balancer`)

    @property
    def target_ports(self) -> tuple[int, ...]:
        """Every container port the ALB sends to for this service, sorted, once each."""
        ports = {self.target_port, *(r.target_port for r in self.additional_rules)}
        return tuple(sorted(p for p in ports if p))   # None/0: no port known (FC281 says so)


@dataclass(frozen=True)
class NlbHealthCheck:
    port: Optional[int]               # None: each target's traffic port
    protocol: str                     # TCP | HTTP | HTTPS (never UDP: ELB refuses it)
    path: Optional[str]               # HTTP/HTTPS only
    interval: int
    healthy_threshold: int
    unhealthy_threshold: int
    grace_period: int                 # seconds ECS ignores failing checks after a task starts


@dataclass(frozen=True)
class NetworkLoadBalancer:
    """`network_load_balancers.<name>`: an NLB several services share, each with listeners of
    its own on it (stacks/nlb.py, stacks/nlb_shared.py)."""

    name: str
    public: bool                      # internet-facing in the public subnets, or internal
    allowed_cidrs: tuple[str, ...]    # its services' listeners admit these unless they say otherwise


@dataclass(frozen=True)
class Nlb:
    """`services.<name>.nlb`: the service's listener and target group on a Network Load
    Balancer of its own, or on a shared one (`load_balancer`) (stacks/nlb.py)."""

    port: int                         # the listener port
    protocol: str                     # TCP | UDP | TCP_UDP | TLS (the listener's)
    public: bool                      # internet-facing in the public subnets, or internal
    certificate_arn: Optional[str]    # TLS only
    ssl_policy: Optional[str]         # TLS only
    target_port: int                  # the main container's port the NLB sends to
    allowed_cidrs: tuple[str, ...]    # who may reach the listener (the NLB's security group)
    healthcheck: NlbHealthCheck
    deregistration_delay: int
    load_balancer: Optional[str] = None   # a network_load_balancers name; None: the service's own NLB

    @property
    def target_protocol(self) -> str:
        """The target group's protocol: TLS ends at the NLB, TCP to the tasks."""
        return "TCP" if self.protocol == "TLS" else self.protocol

    @property
    def ip_protocols(self) -> tuple[str, ...]:
        """The IP protocols of the listener's traffic, as security group rules name them."""
        return {"UDP": ("udp",), "TCP_UDP": ("tcp", "udp")}.get(self.protocol, ("tcp",))

    @property
    def container_protocol(self) -> str:
        """The port mapping's protocol. TCP_UDP: tcp, as ECS refuses two mappings of one
        container port; in awsvpc mode the task's ENI takes both protocols on the port."""
        return "udp" if self.protocol == "UDP" else "tcp"
