"""The exact shape of a placement record (placement.record): what the lock file and the root
template's Metadata hold per `<app>-<environment>`.

A record is used whole or not at all: `problems(record)` lists everything that makes it
unusable (a wrong type, an unknown field, a key or priority two services share, a value
out of range), and a record with any problem is never read in part, since keeping
some services where they were and re-placing others gives them new logical IDs and
priorities that collide with the deployed ones.
"""

from __future__ import annotations

import math
import re
from typing import Any

from compiler.state import subnets

SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,27}$")
KEY = re.compile(r"^[A-Z][A-Za-z0-9]{0,63}$")
STACK = re.compile(r"^services(-([2-9]|[1-9][0-9]+)|-[a-z0-9][a-z0-9-]{0,40})?$")
QUEUE = re.compile(r"^[A-Za-z0-9_-]{1,80}$|^[A-Za-z0-9_-]{1,75}\.fifo$")
LAST_PRIORITY = 50000
LB_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
RECORD_FIELDS = {"services", "jobs", "namespace", "retired_queues", "subnets",
                 "first_load_balancer"}  # the ALB of load_balancers with today's logical IDs
ENTRY_FIELDS = {"key", "stack", "priority", "route", "alias", "queues", "identity", "fixed_priority",
                "rules",           # rules: the priorities of http.additional_rules (None: given in the spec)
                "access_points",
                "load_balancer"}   # the service's ALB when not the first (priorities are per listener)
JOB_FIELDS = {"key", "identity", "access_points"}       # state/jobs.py
VOLUME_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


def problems(record: Any) -> list[str]:
    """Why `record` cannot be used ([] when it can), each with the path of the bad value."""
    if not isinstance(record, dict):
        return [f"the record is {_kind(record)}, not an object"]
    found = [f"unknown field '{k}'" for k in sorted(map(str, record)) if k not in RECORD_FIELDS]
    services = record.get("services")
    if not isinstance(services, dict):
        found.append(f"services is {_kind(services)}, not an object")
        services = {}
    keys: dict[str, str] = {}
    priorities: dict[tuple[str, int], str] = {}   # (ALB, priority): two listeners may share one
    if "first_load_balancer" in record and not (isinstance(record["first_load_balancer"], str)
                                                and LB_NAME.match(record["first_load_balancer"])):
        found.append(f"first_load_balancer is {_kind(record['first_load_balancer'])}, not a load balancer name")
    for name, entry in services.items():
        where = f"services.{name}"
        found += _entry_problems(where, "service", name, entry, ENTRY_FIELDS, keys)
        if not isinstance(entry, dict):
            continue
        stack = entry.get("stack")
        if not (isinstance(stack, str) and STACK.match(stack)):
            found.append(f"{where}.stack is {_kind(stack)}, not a services stack name")
        lb = entry.get("load_balancer", "")
        if "load_balancer" in entry and not (isinstance(lb, str) and LB_NAME.match(lb)):
            found.append(f"{where}.load_balancer is {_kind(lb)}, not a load balancer name")
            lb = ""
        if "priority" in entry:
            p = entry["priority"]
            if not (_is_int(p) and 1 <= p <= LAST_PRIORITY):
                found.append(f"{where}.priority is {_kind(p)}, not a listener rule priority (1-{LAST_PRIORITY})")
            elif (lb, p) in priorities:
                found.append(f"{where}.priority {p} is also {priorities[lb, p]}'s")
            else:
                priorities[lb, p] = name
        if "rules" in entry:
            rules = entry["rules"]
            if not isinstance(rules, list):
                found.append(f"{where}.rules is {_kind(rules)}, not a list of priorities")
                rules = []
            for i, p in enumerate(rules):
                if p is None:
                    continue
                if not (_is_int(p) and 1 <= p <= LAST_PRIORITY):
                    found.append(f"{where}.rules[{i}] is {_kind(p)}, not a listener rule priority (1-{LAST_PRIORITY})")
                elif (lb, p) in priorities:
                    found.append(f"{where}.rules[{i}] priority {p} is also {priorities[lb, p]}'s")
                else:
                    priorities[lb, p] = f"{name} (rule {i})"
        if "fixed_priority" in entry:
            p = entry["fixed_priority"]
            if not (_is_int(p) and 1 <= p <= LAST_PRIORITY):
                found.append(f"{where}.fixed_priority is {_kind(p)}, not a listener rule priority")
        if "route" in entry:
            route = entry["route"]
            if not (isinstance(route, dict) and set(route) == {"paths", "hosts"}
                    and all(_strings(route[k]) for k in ("paths", "hosts"))):
                found.append(f"{where}.route is not {{paths: [...], hosts: [...]}} of strings")
        if "identity" in entry and not (isinstance(entry["identity"], str) and SERVICE_NAME.match(entry["identity"])):
            found.append(f"{where}.identity is {_kind(entry['identity'])}, not a service name")
        if "alias" in entry and not (isinstance(entry["alias"], str) and entry["alias"]):
            found.append(f"{where}.alias is {_kind(entry['alias'])}, not a name")
        if "access_points" in entry:
            found += _access_point_problems(where, entry["access_points"])
        if "queues" in entry:
            q = entry["queues"]
            if not (isinstance(q, list) and len(q) == 2 and all(_queue(n) for n in q)):
                found.append(f"{where}.queues is not a list of two queue names")
    if "jobs" in record:
        found += _job_problems(record["jobs"])
    if "namespace" in record and record["namespace"] is not True:
        found.append("namespace is not true")
    if "retired_queues" in record:
        q = record["retired_queues"]
        if not (isinstance(q, list) and all(_queue(n) for n in q)):
            found.append("retired_queues is not a list of queue names")
    if "subnets" in record:
        found += [f"subnets: {p}" for p in subnets.layout_problems(record["subnets"])]
    return found


def _job_problems(jobs: Any) -> list[str]:
    if not isinstance(jobs, dict):
        return [f"jobs is {_kind(jobs)}, not an object"]
    found, keys = [], {}
    for name, entry in jobs.items():
        where = f"jobs.{name}"
        found += _entry_problems(where, "job", name, entry, JOB_FIELDS, keys)
        if not isinstance(entry, dict):
            continue
        if "identity" in entry and not (isinstance(entry["identity"], str) and SERVICE_NAME.match(entry["identity"])):
            found.append(f"{where}.identity is {_kind(entry['identity'])}, not a job name")
        if "access_points" in entry:
            found += _access_point_problems(where, entry["access_points"])
    return found


def _entry_problems(where: str, noun: str, name: Any, entry: Any, fields: set[str], keys: dict[str, str]) -> list[str]:
    """A service's or job's record: its name, an object of known fields, a logical-ID key
    no other entry of `keys` holds (recorded there)."""
    found = [] if SERVICE_NAME.match(str(name)) else [f"{where}: not a {noun} name"]
    if not isinstance(entry, dict):
        return found + [f"{where} is {_kind(entry)}, not an object"]
    found += [f"{where}: unknown field '{k}'" for k in sorted(entry) if k not in fields]
    key = entry.get("key")
    if not (isinstance(key, str) and KEY.match(key)):
        found.append(f"{where}.key is {_kind(key)}, not a logical-ID key")
    elif key in keys:
        found.append(f"{where}.key '{key}' is also {keys[key]}'s")
    else:
        keys[key] = name
    return found


def _access_point_problems(where: str, points: Any) -> list[str]:
    """{volume: [uid, gid, root directory, file system]}: what each access point was created with."""
    if not isinstance(points, dict):
        return [f"{where}.access_points is {_kind(points)}, not an object"]
    return [f"{where}.access_points.{name} is not [uid, gid, directory, file system]" for name, p in points.items()
            if not (VOLUME_NAME.match(str(name)) and isinstance(p, list) and len(p) == 4 and _is_int(p[0])
                    and _is_int(p[1]) and isinstance(p[2], str) and p[2].startswith("/")
                    and isinstance(p[3], str) and p[3])]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _queue(name: Any) -> bool:
    return isinstance(name, str) and QUEUE.match(name) is not None


def _kind(value: Any) -> str:
    if value is None:
        return "missing"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (dict, list)):
        return "an object" if isinstance(value, dict) else "a list"
    return repr(value) if len(repr(value)) <= 40 else type(value).__name__
