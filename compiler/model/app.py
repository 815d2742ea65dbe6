"""The whole app: every block above, with the properties the stages ask of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from compiler.model.network import Network
from compiler.model.routing import LoadBalancer, NetworkLoadBalancer
from compiler.model.workloads import Gone, Job, Service


@dataclass(frozen=True)
class App:
    app: str
    environment: str
    tags: tuple[tuple[str, str], ...]  # user tags, sorted; builders add app/environment
    network: Network
    load_balancers: tuple[LoadBalancer, ...]   # `load_balancer` (one) or `load_balancers` in spec order
    namespace: str
    services: tuple[Service, ...]     # in spec order (decides stack grouping)
    jobs: tuple[Job, ...]             # sorted by name
    security: str                     # standard | strict (normalize.POSTURES: the defaults it picks)
    retain_data: bool                 # DeletionPolicy/UpdateReplacePolicy Retain on stateful resources
    keep_namespace: bool = False      # a namespace was made before: it stays (placement.py)
    retired_queues: tuple[str, ...] = ()  # names earlier queues had: never given again (placement.py)
    copilot_variables: bool = False   # AWS Copilot's COPILOT_* variables in every task (stacks/copilot_env.py)
    network_load_balancers: tuple[NetworkLoadBalancer, ...] = ()  # shared NLBs, sorted by name
    # What placement found against the last compile's record (placement.py): for checks only,
    # not part of what is built, so not part of equality (place(app, record(app)) == app).
    gone: tuple["Gone", ...] = field(default=(), compare=False)   # its services not in this one
    new_services: tuple[str, ...] = field(default=(), compare=False)  # services it did not place
    gone_jobs: tuple["Gone", ...] = field(default=(), compare=False)  # its jobs not in this one
    new_jobs: tuple[str, ...] = field(default=(), compare=False)      # jobs it did not record
    jobs_recorded: bool = field(default=False, compare=False)         # whether it listed its jobs at all
    # (("services" or "jobs", workload, volume), (uid, gid, root directory, file system)): what its
    # access point was created with, from the last compile's record (checks/identity.py)
    access_points_before: tuple = field(default=(), compare=False)

    @property
    def stack_name(self) -> str:
        return f"{self.app}-{self.environment}"

    @property
    def load_balancer(self) -> Optional[LoadBalancer]:
        """The first ALB (the one that keeps today's logical IDs), None without any. Code that
        is about every ALB iterates `load_balancers`; about a service's, asks `alb_of`."""
        return self.load_balancers[0] if self.load_balancers else None

    @property
    def owned_load_balancers(self) -> tuple[LoadBalancer, ...]:
        """The ALBs the app makes (not an existing one named by `arn`)."""
        return tuple(lb for lb in self.load_balancers if lb.existing is None)

    def alb_of(self, service: Service) -> Optional[LoadBalancer]:
        """The ALB that routes to `service` (None: no http, or no such ALB: FC283 says so)."""
        if not service.http:
            return None
        return next((lb for lb in self.load_balancers if lb.name == service.http.load_balancer), None)

    def routed_by(self, lb: LoadBalancer) -> tuple[Service, ...]:
        """The services `lb` routes to, in spec order."""
        return tuple(s for s in self.routed_services if s.http.load_balancer == lb.name)

    @property
    def routed_services(self) -> tuple[Service, ...]:
        return tuple(s for s in self.services if s.http)

    @property
    def nlb_services(self) -> tuple[Service, ...]:
        """Services with an nlb: on an NLB of their own or on a shared one."""
        return tuple(s for s in self.services if s.nlb)

    @property
    def own_nlb_services(self) -> tuple[Service, ...]:
        """Services with an NLB of their own (not a shared one)."""
        return tuple(s for s in self.services if s.nlb and s.nlb.load_balancer is None)

    def shared_nlb_services(self, name: str) -> tuple[Service, ...]:
        """The services with listeners on the shared NLB `name`, in spec order."""
        return tuple(s for s in self.services if s.nlb and s.nlb.load_balancer == name)

    @property
    def nlb_count(self) -> int:
        """Network Load Balancers made: one per service of its own, plus each shared one."""
        return len(self.own_nlb_services) + len(self.network_load_balancers)

    @property
    def uses_connect(self) -> bool:
        return any(s.connect for s in self.services)

    @property
    def uses_managed_efs(self) -> bool:
        """Whether any service or job mounts the app's managed EFS file system."""
        return any(v.efs.managed for s in self.services + self.jobs for v in s.efs_volumes)

    @property
    def alias_zones(self) -> tuple[tuple[str, str], ...]:
        """Every custom domain name with its hosted zone, sorted by name, once each."""
        found = {a: s.http.hosted_zone for s in self.routed_services for a in s.http.aliases}
        return tuple(sorted(found.items()))

    @property
    def uses_namespace(self) -> bool:
        # Once made, the namespace stays even when no service uses it any more: it is
        # retained, and a second one of the same name in the VPC could not be created.
        return self.keep_namespace or any(s.connect or s.discovery for s in self.services)

    @property
    def uses_messaging(self) -> bool:
        return any(s.publish or s.subscribe for s in self.services)
