"""A catalogue of small spec fragments, one per feature or setting that changes the output.

tests/test_combinations.py compiles every pair of them (and a seeded sample of triples)
on top of BASE: each must compile lint-clean, or be refused with located errors, never
crash (exit 3). A fragment is a partial spec merged into the base (mappings key by key,
lists joined without repeats, scalars replaced), plus the environment to compile and
the ${NAME} values it needs. When a feature is added, its fragment goes here.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
ZONE = "Z0123456789ABCDEFGHIJ"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/7a8b9c0d-1234-5678-9abc-def012345678"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:combo/db-AbCdEf"
KMS = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
VPC = "vpc-0a1b2c3d4e5f60718"
ALB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/platform/50dc6c495c0c9188"
LISTENER_ARN = ALB_ARN.replace(":loadbalancer/", ":listener/") + "/f2f7dc8efc522ab2"
REMOVE = "<remove this key>"                       # a fragment's value that deletes the base's key

BASE: dict[str, Any] = {
    "app": "combo",
    "load_balancer": {},
    "services": {"web": {"image": f"{ECR}/web:1.0", "port": 8080, "http": {"path": "/"}}},
}


@dataclass(frozen=True)
class Fragment:
    name: str
    spec: dict
    env: str | None = None                         # the environment to compile (None: the spec's own)
    values: dict = field(default_factory=dict)     # ${NAME} values


def _subnets(zones: bool = True) -> dict:
    def ref(n: int, zone: str) -> Any:
        sid = f"subnet-0a1b2c3d4e5f600{n:02d}"
        return {"id": sid, "zone": zone} if zones else sid
    return {"public": [ref(1, "us-east-1a"), ref(2, "us-east-1b")],
            "private": [ref(11, "us-east-1a"), ref(12, "us-east-1b")]}


def _existing(**vpc) -> dict:
    return {"network": {"vpc": {"id": VPC, "subnets": _subnets(vpc.pop("zones", True)),
                                "route_tables": ["rtb-0a1b2c3d4e5f60021"], **vpc},
                        "endpoints": ["s3", "ecr.api", "ecr.dkr", "logs"]}}


def _web(**fields) -> dict:
    return {"services": {"web": fields}}


def _efs_volume(efs: Any, **extra) -> dict:
    return {"storage": {"volumes": {"data": {"path": "/data", "read_only": False, "efs": efs, **extra}}}}


def _publisher(*topics: dict) -> dict:
    return {"image": f"{ECR}/api:1.0", "port": 5000, "publish": {"topics": list(topics)}}


def _many(n: int) -> dict:
    return {"services": {f"svc{i:02d}": {"image": f"{ECR}/svc{i:02d}:1.0", "port": 8000 + i,
                                         "http": {"path": f"/svc{i:02d}/*"}} for i in range(n)}}


NO_NAT_ENDPOINTS = ["s3", "ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "ssmmessages", "sns", "sqs"]

CATALOGUE: tuple[Fragment, ...] = (
    # network
    Fragment("existing-vpc", _existing()),
    Fragment("existing-vpc-cidr", _existing(cidr="10.20.0.0/16")),
    Fragment("existing-vpc-nat", _existing(nat=True)),
    Fragment("existing-vpc-no-zones", _existing(zones=False)),
    Fragment("nat-none", {"network": {"nat": "none", "endpoints": NO_NAT_ENDPOINTS}}),
    Fragment("nat-per-az", {"network": {"nat": "per_az", "vpc": {"azs": 3}}}),
    Fragment("endpoints", {"network": {"endpoints": ["s3", "ecr.api", "ecr.dkr", "logs", "dynamodb"]}}),
    Fragment("zones", {"network": {"vpc": {"zones": ["us-east-1a", "us-east-1b", "us-east-1c"]}}}),
    Fragment("small-vpc", {"network": {"vpc": {"cidr": "10.8.0.0/22"}}}),
    Fragment("no-flow-logs", {"network": {"flow_logs": False}}),
    # storage
    Fragment("efs-managed", _web(**_efs_volume(True))),
    Fragment("efs-existing", _web(**_efs_volume({"id": "fs-0123456789abcdef0", "uid": 1000, "gid": 1000}))),
    Fragment("efs-existing-root", _web(**_efs_volume({"id": "fs-0123456789abcdef0", "root_dir": "/shared"}))),
    Fragment("efs-job", {"jobs": {"backup": {"image": f"{ECR}/backup:1.0", "schedule": "@daily",
                                             **_efs_volume(True)}}}),
    Fragment("efs-sidecar", _web(**_efs_volume({"uid": 33, "gid": 33}), sidecars={"sync": {
        "image": f"{ECR}/sync:1.0", "essential": False,
        "mount_points": [{"source_volume": "data", "path": "/mnt/data"}]}})),
    Fragment("readonly-fs", _web(storage={"readonly_fs": True, "ephemeral": 40})),
    # domains and the load balancer
    Fragment("alias", _web(http={"alias": "www.example.com", "hosted_zone": ZONE})),
    Fragment("alias-wildcard", _web(http={"alias": "*.example.com", "hosted_zone": ZONE})),
    Fragment("alias-list", _web(http={"alias": ["example.com", "www.example.com", "shop.example.com"],
                                      "hosted_zone": ZONE})),
    Fragment("alias-long", _web(http={"alias": "a" * 53 + ".example.com", "hosted_zone": ZONE})),
    Fragment("hosts", _web(http={"hosts": ["legacy.example.com"]})),
    Fragment("own-certificate", {"load_balancer": {"https": {"certificate_arn": CERT}}}),
    Fragment("internal-alb", {"load_balancer": {"public": False, "allowed_cidrs": ["10.0.0.0/8"]}}),
    Fragment("access-logs", {"load_balancer": {"access_logs": True, "deletion_protection": True}}),
    Fragment("https-backend", _web(port=8443, http={"protocol": "HTTPS"})),
    Fragment("autoscaling", _web(count={"range": "2-10", "cpu_percentage": 60, "requests": 500})),
    Fragment("load-balancers", {"load_balancer": REMOVE, "load_balancers": {
        "public": {}, "internal": {"public": False, "allowed_cidrs": ["10.0.0.0/8"], "access_logs": True}},
        "services": {"web": {"http": {"load_balancer": "public"}},
                     "api": {"image": f"{ECR}/api:1.0", "port": 8080, "count": {"range": "1-3", "requests": 100},
                             "http": {"load_balancer": "internal", "path": "/"}}}}),
    Fragment("existing-alb", {**_existing(cidr="10.20.0.0/16"), "load_balancer": REMOVE, "load_balancers": {
        "main": {}, "shared": {"arn": ALB_ARN, "listener_arn": LISTENER_ARN,
                               "security_group": "sg-0123456789abcdef0", "priorities": "20000-20099"}},
        "services": {"web": {"http": {"load_balancer": "main"}},
                     "admin": {"image": f"{ECR}/admin:1.0", "port": 3000,
                               "http": {"load_balancer": "shared", "path": "/admin/*",
                                        "additional_rules": [{"path": "/admin/api/*"}]}}}}),
    # shared Network Load Balancers: a public one for two services, an internal one (its own cidrs:
    # an existing VPC of unknown cidr has no default for it)
    Fragment("nlb-shared", {
        "network_load_balancers": {"edge": {}, "inside": {"public": False, "allowed_cidrs": ["10.0.0.0/8"]}},
        "services": {"web": {"nlb": {"load_balancer": "edge", "port": 443}},
                     "mqtt": {"image": f"{ECR}/mqtt:1.0", "port": 1883,
                              "nlb": {"load_balancer": "edge", "port": 8883, "protocol": "tls",
                                      "certificate_arn": CERT}},
                     "dns": {"image": f"{ECR}/dns:1.0", "port": 53,
                             "nlb": {"load_balancer": "inside", "protocol": "tcp_udp"}}}}),
    # posture, environments, values
    Fragment("strict", {"security": "strict"}),
    Fragment("retain-false", {"retain_data": False, "tags": {"team": "web", "cost-center": "42"}}),
    Fragment("environments", {"environments": {"prod": {
        "load_balancer": {"deletion_protection": True},
        "services": {"web": {"cpu": 1024, "count": {"range": "2-6", "cpu_percentage": 65}}}}}}, env="prod"),
    Fragment("variables", _web(image=f"{ECR}/web:${{IMAGE_TAG}}", variables={"MODE": "${MODE:-live}"}),
             values={"IMAGE_TAG": "2026.12.06-4f2a9c1"}),
    # workloads
    Fragment("worker", {"services": {"worker": {"image": f"{ECR}/worker:1.0", "count": 2}}}),
    Fragment("subscriber", {"services": {
        "api": _publisher({"name": "orders"}),
        "fulfil": {"image": f"{ECR}/fulfil:1.0", "count": {"range": "0-5", "queue_delay": {
            "acceptable_latency": "1m", "msg_processing_time": "2s"}},
                   "subscribe": {"topics": [{"service": "api", "name": "orders"}]}}}}),
    Fragment("fifo", {"services": {
        "payments": _publisher({"name": "charges", "fifo": True}),
        "ledger": {"image": f"{ECR}/ledger:1.0",
                   "subscribe": {"topics": [{"service": "payments", "name": "charges"}],
                                 "queue": {"retention": "14d", "dead_letter": {"tries": 3}}}}}}),
    Fragment("topics", {"services": {
        "events": _publisher({"name": "created"}, {"name": "updated"}, {"name": "deleted"}),
        "audit": {"image": f"{ECR}/audit:1.0", "subscribe": {
            "topics": [{"service": "events", "name": "created"},
                       {"service": "events", "name": "deleted", "filter_policy": {"kind": ["hard"]}}],
            "queue": {"retention": "7d", "timeout": "2m"}}}}}),
    Fragment("job", {"jobs": {"nightly": {"image": f"{ECR}/nightly:1.0", "schedule": "30 2 * * *",
                                          "retries": 2, "timeout": "1h"}}}),
    Fragment("job-sidecar", {"jobs": {"report": {"image": f"{ECR}/report:1.0", "schedule": "rate(1 hour)",
                                                 "sidecars": {"agent": {"image": f"{ECR}/agent:1.0",
                                                                        "essential": False}}}}}),
    Fragment("sidecar", _web(sidecars={"envoy": {"image": f"{ECR}/envoy:1.0", "port": 9901}})),
    Fragment("exec", _web(exec=True)),
    Fragment("arm64", _web(platform="linux/arm64", cpu=512, memory=1024)),
    Fragment("spot", _web(spot=True)),
    Fragment("public-tasks", _web(placement="public")),
    Fragment("connect", {"services": {"web": {"connect": True, "depends_on": ["quotes"]},
                                      "quotes": {"image": f"{ECR}/quotes:1.0", "port": 8081,
                                                 "connect": {"alias": "quotes-api"}}}}),
    Fragment("discovery", {"services": {"search": {"image": f"{ECR}/search:1.0", "port": 9200,
                                                   "discovery": True}}}),
    Fragment("secrets", _web(secrets={"DB_URL": SECRET, "API_KEY": "/combo/api-key"},
                             secrets_kms_keys=[KMS])),
    # route conditions and rewrites (issue 26): a narrower route beside a plain one, and the
    # default service made a rule on /* by a rewrite
    Fragment("route-conditions", {"services": {"api": {
        "image": f"{ECR}/api:1.0", "port": 8081,
        "http": {"path": "/api/*", "headers": {"X-Canary": "on"}, "methods": ["GET"], "query": {"v": "2"},
                 "source_ips": ["10.0.0.0/8"],
                 "rewrite": {"strip_prefix": "/api", "host": {"regex": "^(.*)$", "replace": "api.internal"}},
                 "additional_rules": [{"path": "/api/*", "rewrite": {"strip_prefix": "/api"}}]}}}}),
    Fragment("default-rewrite", _web(http={"rewrite": {"path": {"regex": "^/v1/(.*)$", "replace": "/$1"}},
                                          "headers": {"X-Tenant": ["a*", "b*"]}})),
    # regions
    Fragment("china", {"network": {"vpc": {"zones": ["cn-north-1a", "cn-north-1b"]}},
                       "services": {"web": {"image": "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/web:1.0"}}}),
    Fragment("govcloud", {"network": {"vpc": {"zones": ["us-gov-west-1a", "us-gov-west-1b"]}},
                          "services": {"web": {"image": "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/web:1.0"}}}),
    # scale
    Fragment("many-services", _many(32)),
)

# Always compiled and linted pairwise (the fast part of the suite): the fragments that
# crashed the compiler or made output AWS refuses (issue 21), with those they met.
CORE = ("existing-vpc", "nat-none", "efs-managed", "efs-job", "alias-wildcard", "strict", "variables",
        "fifo", "china", "nlb-shared")


def merge(base: Any, over: Any) -> Any:
    """Mappings key by key, lists joined without repeats, anything else replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            if value == REMOVE:
                out.pop(key, None)
            else:
                out[key] = merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    if isinstance(base, list) and isinstance(over, list):
        return base + [copy.deepcopy(v) for v in over if v not in base]
    return copy.deepcopy(over)


@dataclass(frozen=True)
class Combination:
    fragments: tuple[Fragment, ...]

    @property
    def id(self) -> str:
        return "+".join(f.name for f in self.fragments)

    @property
    def spec(self) -> dict:
        spec = copy.deepcopy(BASE)
        for fragment in self.fragments:
            spec = merge(spec, fragment.spec)
        return spec

    @property
    def env(self) -> str | None:
        return next((f.env for f in self.fragments if f.env), None)

    @property
    def values(self) -> dict:
        found: dict = {}
        for fragment in self.fragments:
            found.update(fragment.values)
        return found


def by_name(names) -> tuple[Fragment, ...]:
    table = {f.name: f for f in CATALOGUE}
    return tuple(table[n] for n in names)


def singles() -> list[Combination]:
    return [Combination((f,)) for f in CATALOGUE]


def pairs(fragments: tuple[Fragment, ...] = CATALOGUE) -> list[Combination]:
    return [Combination(pair) for pair in combinations(fragments, 2)]


def triples(count: int, seed: int = 21) -> list[Combination]:
    """A seeded sample of `count` triples of the whole catalogue (the same on every run)."""
    every = list(combinations(CATALOGUE, 3))
    return [Combination(t) for t in random.Random(seed).sample(every, count)]
