"""AWS Copilot's environment variables (`copilot_variables: true`), so imported code runs unchanged.

Copilot gives each workload's main container these variables; with the switch on, every
service and job here gets them with the same names and meanings:

  COPILOT_APPLICATION_NAME            the app
  COPILOT_ENVIRONMENT_NAME            the environment
  COPILOT_SERVICE_NAME                the service's (or job's) name
  COPILOT_SERVICE_DISCOVERY_ENDPOINT  the Cloud Map namespace (import-copilot keeps Copilot's
                                      <env>.<app>.local)
  COPILOT_LB_DNS                      routed services: the load balancer's DNS name (wired)
  COPILOT_SNS_TOPIC_ARNS              publishers: {"<topic>": "<ARN>", ...}, the value of FC_SNS_TOPIC_ARNS
  COPILOT_QUEUE_URI                   subscribers: the queue's URL, the value of FC_QUEUE_URL
  COPILOT_MOUNT_POINTS                with volumes: {"<volume>": "<container path>", ...}

Our own FC_SNS_TOPIC_ARNS and FC_QUEUE_URL stay beside them.
"""

from __future__ import annotations

import json
from typing import Any

from compiler import model as m
from compiler.stacks import messaging

NAMES = ("COPILOT_APPLICATION_NAME", "COPILOT_ENVIRONMENT_NAME", "COPILOT_SERVICE_NAME",
         "COPILOT_SERVICE_DISCOVERY_ENDPOINT", "COPILOT_LB_DNS", "COPILOT_SNS_TOPIC_ARNS",
         "COPILOT_QUEUE_URI", "COPILOT_MOUNT_POINTS")
LB_DNS_OUTPUT = "LoadBalancerDnsName"   # the alb stack's output (stacks/alb.py)


def names_for(app: m.App, workload: Any) -> tuple[str, ...]:
    """The COPILOT_* names this workload's main container gets (none with the switch off)."""
    if not app.copilot_variables:
        return ()
    found = list(NAMES[:4])
    if getattr(workload, "http", None):
        found.append("COPILOT_LB_DNS")
    if getattr(workload, "publish", ()):
        found.append("COPILOT_SNS_TOPIC_ARNS")
    if getattr(workload, "subscribe", None):
        found.append("COPILOT_QUEUE_URI")
    if workload.storage.volumes:
        found.append("COPILOT_MOUNT_POINTS")
    return tuple(found)


def variables(app: m.App, workload: Any, wired: dict[str, Any], wire: Any) -> dict[str, Any]:
    """Name -> value for the main container. `wired` holds the FC_* values already wired
    (messaging.service_wiring); `wire(name)` declares a wired Parameter."""
    names = names_for(app, workload)
    env: dict[str, Any] = {}
    for name in names:
        if name == "COPILOT_APPLICATION_NAME":
            env[name] = app.app
        elif name == "COPILOT_ENVIRONMENT_NAME":
            env[name] = app.environment
        elif name == "COPILOT_SERVICE_NAME":
            env[name] = workload.name
        elif name == "COPILOT_SERVICE_DISCOVERY_ENDPOINT":
            env[name] = app.namespace
        elif name == "COPILOT_LB_DNS":
            env[name] = wire(LB_DNS_OUTPUT)
        elif name == "COPILOT_SNS_TOPIC_ARNS":
            env[name] = wired[messaging.TOPIC_ARNS_VARIABLE]
        elif name == "COPILOT_QUEUE_URI":
            env[name] = wired[messaging.QUEUE_URL_VARIABLE]
        elif name == "COPILOT_MOUNT_POINTS":
            env[name] = json.dumps({v.name: v.path for v in workload.storage.volumes},
                                   separators=(",", ":"), sort_keys=True)
    return env
