"""The spec with every default applied: frozen dataclasses, read by the stack builders.

One module per part of the app (network, routing, tasks, messaging, workloads, app); every
name is here too, so `from compiler import model as m; m.Service` reads as before.

Built only by spec/normalize/ (the one place defaults live). Builders never look at
the raw YAML and never apply a default of their own.
"""

from __future__ import annotations

from compiler.model.network import (  # noqa: F401
    FlowLogs, SubnetRef, ExistingVpc, Network, GATEWAY_ENDPOINTS,
)
from compiler.model.routing import (  # noqa: F401
    Https, AccessLogs, ExistingAlb, LoadBalancer, HealthCheck, Rewrite, Conditions, NO_CONDITIONS, Route, Http,
    NlbHealthCheck, Nlb, NetworkLoadBalancer,
)
from compiler.model.tasks import (  # noqa: F401
    Connect, QueueScaling, Scaling, ScheduledCount, ContainerHealthCheck, Secret, MountPoint, Efs, Volume, Sidecar,
    PolicyStatement, TaskRole, DeploymentAlarms, LifecycleHook, TestTraffic, Deployment, Storage,
)
from compiler.model.messaging import (  # noqa: F401
    Topic, TopicRef, Queue, Subscription,
)
from compiler.model.workloads import (  # noqa: F401
    _TaskFields, Service, Gone, Job,
)
from compiler.model.app import (  # noqa: F401
    App,
)
