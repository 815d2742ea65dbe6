"""Plain (schema-valid) data -> model.App. The only place defaults live.

Normalization is total on schema-valid input: cross-field problems (a VPC too
small to carve, a timeout not below its interval, ...) are left for checks/,
which read the model this package builds. One module per spec block:

    blocks.py          a bare optional block (YAML null) -> {}, before the schema
    postures.py        the defaults `security` chooses
    network.py         network: a VPC of the compiler's (carved subnets) or an existing one
    load_balancer.py   load_balancer / load_balancers: the ALBs (HTTPS, access logs), existing ALBs
    nlb.py             services.<name>.nlb: the service's NLB listener, on an NLB of its own or a
                       shared one of network_load_balancers
    services.py        services.<name>: size, count and scaling, deployment, healthcheck
    deployment.py      services.<name>.deployment: strategy, bake times, alarms, hooks; count.schedule
    http.py            services.<name>.http: the route and the target group's health check
    messaging.py       services.<name>.subscribe: the queue, FIFO decided by the topics
    jobs.py            jobs.<name>: the schedule, retries, timeout
    tasks.py           what services and jobs share: size, variables, secrets, sidecars, task role
    storage.py         storage: ephemeral space, volumes (EFS) and their mount points
"""

from __future__ import annotations

from typing import Any, Mapping

from compiler import model as m
from compiler.spec.normalize import load_balancer, network
from compiler.spec.normalize.blocks import empty_blocks  # noqa: F401
from compiler.spec.normalize.jobs import job
from compiler.spec.normalize.messaging import queue_fifo
from compiler.spec.normalize.nlb import shared_nlbs
from compiler.spec.normalize.postures import POSTURES
from compiler.spec.normalize.services import service
from compiler.spec.normalize.tasks import FARGATE_MEMORY, text  # noqa: F401


def normalize(data: Mapping[str, Any]) -> m.App:
    """The model, not yet placed: the pipeline's next stage (state/placement.py) decides
    which stack, logical-ID key and listener priority each service keeps."""
    app = data["app"]
    env = data.get("environment", "dev")
    security = data.get("security", "standard")
    posture = POSTURES[security]
    net = network.normalize(data.get("network") or {})
    nlbs = shared_nlbs(data.get("network_load_balancers") or {}, net.cidr)
    # Spec order is kept: it decides which services stack a service lands in.
    services = tuple(service(name, spec or {}, posture, net.cidr, {n.name: n for n in nlbs})
                     for name, spec in (data.get("services") or {}).items())
    lb_names = list(data.get("load_balancers") or {}) if data.get("load_balancer") is None else [""]
    only = lb_names[0] if len(lb_names) == 1 else None
    aliases = {only if only is not None and not s.http.load_balancer else s.http.load_balancer
               for s in services if s.http and s.http.aliases}
    load_balancers = load_balancer.normalize_all(data, net.cidr, aliases, posture)
    services = load_balancer.on_their_albs(services, load_balancers)
    return m.App(
        app=app,
        environment=env,
        tags=tuple(sorted((str(k), text(v)) for k, v in (data.get("tags") or {}).items())),
        network=net,
        load_balancers=load_balancers,
        namespace=(data.get("discovery") or {}).get("namespace", f"{app}.{env}.local"),
        services=queue_fifo(services),
        jobs=tuple(job(name, spec or {}, posture) for name, spec in sorted((data.get("jobs") or {}).items())),
        security=security,
        retain_data=data.get("retain_data", True),
        copilot_variables=data.get("copilot_variables", False),
        network_load_balancers=nlbs,
    )
