"""Cross-field rules over the normalized spec: one small module per rule, each with a stable code.

`run(app, data, locator)` takes the model (defaults applied), the raw schema-valid
data (only to tell what the user wrote explicitly, so a finding points at the
right key) and the loader's Locator, and returns every finding, sorted.

    FC201 fargate_size           cpu/memory pairs
    FC202 alb_healthcheck        ALB health check: timeout < interval, path, success codes
    FC203 container_healthcheck  container health check: timeout < interval
    FC204 vpc_cidr               VPC cidr is a network address, big enough to carve
    FC205 subnets                explicit subnets: inside the VPC, disjoint, sized, one per zone
    FC206 routes                 one default route, unique routes/priorities, ALB condition limits
    FC207 http_needs_alb         `http` needs a `load_balancer`
    FC208 container_ports        distinct ports and names within a task
    FC209 names                  path-safe names, distinct logical IDs, AWS name lengths
    FC210 private_egress         private services without NAT: endpoints, ECR images
    FC211 scaling                autoscaling range and targets (from 0 only with queue_delay); `requests` needs `http`
    FC212 task_role              known, exact actions (no wildcards); resources given; managed policy ARNs
    FC213 plain_secrets          credentials not in plain variables (Security Hub ECS.8)
    FC214 deployment             deployment percentages can replace a task
    FC215 dns_names              namespace, Service Connect aliases and discovery names are valid, unique DNS
    FC216 load_balancer          allowed_cidrs, security group rule quotas, TLS policy, access-log bucket
    FC217 stack_pinning          at most 30 services pinned to one stack; distinct stack logical IDs
    FC218 tags                   AWS tag rules; reserved keys
    FC219 env_names              a name is a variable or a secret, not both
    FC220 exec_readonly          warning: ECS Exec needs a writable root filesystem
    FC221 zones                  explicit zones distinct and in one region
    FC222 alb_capacity           alb.json within CloudFormation's output and resource limits
    FC223 substitutions          no ${AWS::Region}-like references in literal spec values
    FC224 task_size              task definitions within 64 KiB, services stacks within 1 MB
    FC225 deployment_strategy    shifted deployments: a route or Service Connect, ECS ranges, 33-hour limit, hooks, test traffic
    FC226 count_schedule         count.schedule: schedules, window ranges, time zones
    FC240 volumes                volume and mount paths, uid/gid pairs, known volumes, distinct IDs
    FC241 custom_domains         alias domain shape and hosted zone, certificate limits
    FC250 worker_ports           a service without a port has no http, connect or discovery
    FC251 jobs                   job schedules, timeouts and names; the task rules over jobs
    FC252 messaging              topics, subscriptions, FIFO, queue limits, SNS/SQS endpoints
    FC253 queue_scaling          queue_delay needs a subscription and durations above zero
    FC254 copilot_variables      with copilot_variables, no spec variable or secret takes a COPILOT_* name
    FC270 depends_on             depends_on names servers of the spec, without cycles of services or stacks
    FC272 renames                renamed_from names a gone service; a rename without it: what the update does
    FC273 identity               jobs' renamed_from names a gone job; a job rename without it: what the update does;
                                 an access point's owner or directory changed (refused: the data view)
    FC271 secrets_reach          secrets reachable without NAT (one region); KMS keys that serve a secret
    FC260 existing_vpc           network.vpc.id: subnet IDs, no NAT/flow logs, subnets for what needs them
    FC261 security_strict        security: strict: HTTPS, ALB logs and protection, 365-day retained logs
    FC280 nlb                    a service's NLB: TLS certificate, health check, ports, cidrs, target groups
    FC281 route_targets          route targets: containers and ports, HTTP/2 and gRPC over HTTPS, extra rules
    FC282 existing_alb           an existing ALB: ARN and listener ARN (partition, region, same ALB), security group, priority range
    FC283 load_balancers         load_balancer or load_balancers; each service's ALB; what an existing ALB refuses; IDs distinct
    FC284 route_conditions       header, method, query and source-IP conditions and rewrites in ALB's limits
    FC285 nlb_shared             shared NLBs: known names, one listener per port, listener and rule quotas
    FC262 plain_http             warning: an internet-facing ALB serves plain HTTP (ELB.1)

Codes FC290-FC293 belong to the stages before validation (compiler/spec/variables.py,
compiler/spec/environments.py).
"""

from __future__ import annotations

from compiler.checks import (
    alb_capacity,
    alb_healthcheck,
    container_healthcheck,
    container_ports,
    copilot_variables,
    count_schedule,
    custom_domains,
    depends_on,
    deployment,
    deployment_strategy,
    dns_names,
    env_names,
    exec_readonly,
    existing_alb,
    existing_vpc,
    fargate_size,
    http_needs_alb,
    identity,
    jobs,
    load_balancer,
    load_balancers,
    messaging,
    names,
    nlb,
    nlb_shared,
    plain_http,
    plain_secrets,
    private_egress,
    queue_scaling,
    renames,
    route_conditions,
    route_targets,
    routes,
    scaling,
    secrets_reach,
    security_strict,
    stack_pinning,
    subnets,
    substitutions,
    tags,
    task_role,
    task_size,
    vpc_cidr,
    volumes,
    worker_ports,
    zones,
)
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App

RULES = (
    fargate_size,
    alb_healthcheck,
    container_healthcheck,
    vpc_cidr,
    subnets,
    routes,
    http_needs_alb,
    container_ports,
    names,
    private_egress,
    scaling,
    task_role,
    plain_secrets,
    deployment,
    dns_names,
    load_balancer,
    stack_pinning,
    tags,
    env_names,
    exec_readonly,
    zones,
    alb_capacity,
    substitutions,
    task_size,
    deployment_strategy,
    count_schedule,
    volumes,
    custom_domains,
    worker_ports,
    jobs,
    messaging,
    queue_scaling,
    copilot_variables,
    depends_on,
    secrets_reach,
    existing_vpc,
    security_strict,
    plain_http,
    renames,
    identity,
    nlb,
    nlb_shared,
    route_targets,
    existing_alb,
    load_balancers,
    route_conditions,
)


def run(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    """Every finding of every rule, sorted by position, then code."""
    found: list[Diagnostic] = []
    for rule in RULES:
        found.extend(rule.check(app, data, locator))
    return sorted(found)
