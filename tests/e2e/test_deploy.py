"""Every spec deploys, along the user's own path, and comes out as the spec says.

The specs: examples/*.yaml, tests/e2e/specs/*.yaml, and any named by the
FC_E2E_SPECS environment variable (see spec_paths). For each: compile it (lint
on), make what the spec expects to exist already (prerequisites.py: its ACM
certificate, access-log bucket, customer managed policies) in the account and
region it goes to, `aws cloudformation package` the templates into an S3
bucket of the emulator, `aws cloudformation deploy` the packaged root through a
change set, wait for CREATE_COMPLETE, then read the deployed state back
through the services' own APIs and compare it with the compiler's normalized
model of the spec (pipeline.validate). Expected values come from the model,
never from copies of the specs, so any valid spec can be deployed this way.

Each spec is deployed once (module-scoped fixture, on an emulator reset just
before); the tests then only read.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from builds import all_builds
from compiler import model as m
from compiler.stacks.iam import SQS_CONSUME
from compiler.state.naming import pascal
from compiler.pipeline import OK, compile_spec, validate
from compiler.stacks import alb_routing as alb_routing_stack
from compiler.stacks import alb_shift as alb_shift_stack
from compiler.stacks import domains as domains_stack
from compiler.stacks import jobs as jobs_stack
from compiler.stacks import messaging as messaging_stack
from compiler.stacks import network as network_stack
from compiler.stacks import services as services_stack
from compiler.stacks import services_scaling as scaling_stack
from compiler.stacks import storage as storage_stack
from compiler.stacks import tasks as tasks_stack
from compiler.stacks.root import ROOT_OUTPUTS
from deployed import (MAX_TEMPLATE_BODY, MAX_TEMPLATE_URL_BODY, NESTED_STACK, Stack, deploy,
                      read_stack)
from emulator import ACCOUNT, Emulator, partition_of
import prerequisites
import readback_doors
from readback_doors import sg_rules

ROOT = Path(__file__).resolve().parents[2]
# load-balancers.yaml names an existing ALB that must be made first, with ARNs the emulator
# chooses: tests/e2e/test_load_balancers_e2e.py makes it, deploys the example and reads it back.
NOT_READ_BACK_YET: tuple[str, ...] = ("load-balancers.yaml",)
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.yaml") if p.name not in NOT_READ_BACK_YET)
E2E_SPECS = sorted((Path(__file__).parent / "specs").glob("*.yaml"))
SPECS_VARIABLE = "FC_E2E_SPECS"


def spec_paths() -> list[Path]:
    """The specs to deploy: the examples, tests/e2e/specs/, and FC_E2E_SPECS.

    FC_E2E_SPECS is a list of spec files and/or directories (every *.yaml and
    *.yml in them), separated by os.pathsep (":" on Linux and macOS). A path
    that does not exist is an error, not a silently smaller test run.
    """
    found = EXAMPLES + E2E_SPECS
    for entry in os.environ.get(SPECS_VARIABLE, "").split(os.pathsep):
        if not entry.strip():
            continue
        path = Path(entry.strip()).expanduser().resolve()
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"{SPECS_VARIABLE}: {entry!r} is neither a spec file nor a directory")
    unique = list(dict.fromkeys(found))
    return unique


def spec_ids(paths: list[Path]) -> list[str]:
    """Test ids: the file stem, made unique with the parent directory's name when needed."""
    ids = []
    for path in paths:
        name = path.stem
        if name in ids:
            name = f"{path.parent.name}/{path.stem}"
        while name in ids:
            name += "'"
        ids.append(name)
    return ids


SPECS = spec_paths()
# One deployment per environment of a spec, with the values it names (tests/builds.py).
BUILDS = all_builds(SPECS)
ANYWHERE = "0.0.0.0/0"


class Deployed:
    """A compiled and deployed spec: the model, the stack tree, and API clients."""

    def __init__(self, emulator: Emulator, app: m.App, root: Stack, templates: Path, packaged: Path):
        self.emulator = emulator
        self.app = app
        self.root = root
        self.templates = templates
        self.packaged = packaged

    @property
    def region(self) -> str:
        return self.emulator.region

    @property
    def partition(self) -> str:
        return self.emulator.partition

    def client(self, service: str):
        return self.emulator.client(service)

    def resource(self, logical_id: str, type_: str) -> str:
        """Physical id of the one resource with this logical id and type, in any nested stack."""
        found = [r["PhysicalResourceId"] for s in self.root.walk() for r in s.resources
                 if r["LogicalResourceId"] == logical_id and r["ResourceType"] == type_]
        assert len(found) == 1, f"{logical_id} ({type_}): found {found}"
        return found[0]

    # --- network -------------------------------------------------------------
    @property
    def vpc_id(self) -> str:
        return self.root.outputs["VpcId"]

    @property
    def public_subnet_ids(self) -> list[str]:
        return self.root.outputs["PublicSubnetIds"].split(",")

    @property
    def private_subnet_ids(self) -> list[str]:
        return self.root.outputs["PrivateSubnetIds"].split(",")

    def in_vpc(self) -> list[dict]:
        return [{"Name": "vpc-id", "Values": [self.vpc_id]}]

    def subnets(self) -> dict[str, dict]:
        found = self.client("ec2").describe_subnets(Filters=self.in_vpc())["Subnets"]
        return {s["SubnetId"]: s for s in found}

    def route_table_of(self, subnet_id: str) -> dict:
        tables = self.client("ec2").describe_route_tables(
            Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}]
        )["RouteTables"]
        assert len(tables) == 1, f"{subnet_id} is associated with {len(tables)} route tables"
        return tables[0]

    # --- services ------------------------------------------------------------
    @property
    def cluster(self) -> str:
        return self.root.outputs["ClusterName"]

    def ecs_service(self, svc: m.Service) -> dict:
        arn = self.resource(pascal(svc.name) + services_stack.ECS_SERVICE, "AWS::ECS::Service")
        [found] = self.client("ecs").describe_services(cluster=self.cluster, services=[arn])["services"]
        return found

    def ecs_service_raw(self, svc: m.Service) -> dict:
        """deploymentConfiguration and loadBalancers of the service as the (in-process) emulator
        holds them. Not through the API: the pinned botocore (1.35) predates blue/green, canary
        and linear deployments, and both moto's serializer and the client follow its model, so
        deploymentConfiguration.strategy, its steps, lifecycleHooks and the load balancers'
        advancedConfiguration never reach an API answer."""
        from moto.ecs.models import ecs_backends

        arn = self.resource(pascal(svc.name) + services_stack.ECS_SERVICE, "AWS::ECS::Service")
        [service], _ = ecs_backends[ACCOUNT][self.region].describe_services(self.cluster, [arn])
        return {"deploymentConfiguration": service.deployment_configuration or {},
                "loadBalancers": service.load_balancers}

    def rule_transforms(self, rule_arn: str) -> list:
        """A listener rule's Transforms as the (in-process) emulator holds them. Not through the
        API: the pinned botocore predates ALB's rule transforms (no RuleTransform in its model)."""
        from moto.elbv2.models import elbv2_backends

        [rule] = elbv2_backends[ACCOUNT][self.region].describe_rules(None, [rule_arn])
        return getattr(rule, "transforms", [])

    def task_definition(self, svc: m.Service) -> dict:
        arn = self.ecs_service(svc)["taskDefinition"]
        return self.client("ecs").describe_task_definition(taskDefinition=arn)["taskDefinition"]

    def target_group_arn(self, svc: m.Service) -> str:
        return self.resource(alb_routing_stack.target_group_id(svc), "AWS::ElasticLoadBalancingV2::TargetGroup")

    def load_balancer(self) -> dict:
        found = [lb for lb in self.client("elbv2").describe_load_balancers()["LoadBalancers"]
                 if lb["DNSName"] == self.root.outputs["LoadBalancerDnsName"]]
        assert len(found) == 1
        return found[0]

    def certificate_arn(self, domain: str) -> str:
        return self.resource(domains_stack.domain_id(domain) + domains_stack.CERTIFICATE,
                             "AWS::CertificateManager::Certificate")

    def file_system_id(self, volume: m.Volume) -> str:
        if volume.efs.managed:
            return self.resource(storage_stack.FILE_SYSTEM, "AWS::EFS::FileSystem")
        return volume.efs.file_system_id

    def file_system_arn(self, volume: m.Volume) -> str:
        return (f"arn:{self.partition}:elasticfilesystem:{self.region}:{ACCOUNT}:file-system/"
                f"{self.file_system_id(volume)}")

    def listeners(self) -> dict[int, dict]:
        arn = self.load_balancer()["LoadBalancerArn"]
        found = self.client("elbv2").describe_listeners(LoadBalancerArn=arn)["Listeners"]
        return {listener["Port"]: listener for listener in found}


def shift_test_ports(app: m.App) -> set[int]:
    """The test listener ports of the shifted services (deployment.test_traffic.port)."""
    return {s.deployment.test_traffic.port for s in alb_shift_stack.shifted(app)
            if s.deployment.test_traffic is not None and s.deployment.test_traffic.port is not None}


def build_ids(builds) -> list[str]:
    stems = dict(zip(SPECS, spec_ids(SPECS)))
    return [stems[b.spec] + (f"--{b.env}" if b.env else "") for b in builds]


@pytest.fixture(scope="module", params=BUILDS, ids=build_ids(BUILDS))
def deployed(request, emulator, tmp_path_factory):
    build = request.param
    spec = build.spec
    # The expectations: the normalized model of the spec, every default applied.
    app, diagnostics = validate(str(spec), build.env, build.values)
    assert app is not None, "\n".join(str(d) for d in diagnostics)
    emulator.reset()
    work = tmp_path_factory.mktemp(build.id)
    # write_lock=False: FC_E2E_SPECS may name specs in a directory this run does not own.
    result = compile_spec(str(spec), str(work / "templates_out"), lint=True, env=build.env,
                          values=build.values, write_lock=False)
    assert result.status == OK, "\n".join(str(d) for d in result.diagnostics)
    assert result.app == app
    emulator = emulator.in_region(prerequisites.region_of(app))
    undo = prerequisites.provide(emulator, app)
    try:
        packaged = deploy(emulator, result.output, app.stack_name, work)
        root = read_stack(emulator, app.stack_name)
        yield Deployed(emulator, app, root, result.output, packaged)
    finally:
        undo()


def test_examples_cover_every_networking_pattern():
    """private subnets + endpoints only, private subnets + NAT, tasks in public subnets."""
    patterns = set()
    for build in all_builds(EXAMPLES):
        app, diagnostics = validate(str(build.spec), build.env, build.values)
        assert app is not None, diagnostics
        for svc in app.services:
            if svc.placement == "public":
                patterns.add("public tasks")
            elif app.network.nat == "none":
                assert app.network.endpoints
                patterns.add("private + endpoints")
            else:
                patterns.add("private + NAT")
    assert patterns == {"public tasks", "private + endpoints", "private + NAT"}


# --- stacks ------------------------------------------------------------------

def test_every_stack_is_created(deployed):
    stacks = list(deployed.root.walk())
    assert {s.name: s.status for s in stacks} == {s.name: "CREATE_COMPLETE" for s in stacks}
    expected = {r for r, v in deployed.root.template["Resources"].items() if v["Type"] == NESTED_STACK}
    assert set(deployed.root.children) == expected


def test_templates_fit_the_cloudformation_request_limits(deployed):
    """AWS refuses a template body over 51,200 bytes, a TemplateURL over 1 MB, and more
    than 500 resources, 200 parameters or 200 outputs in a stack; moto checks none."""
    assert deployed.packaged.stat().st_size <= MAX_TEMPLATE_BODY
    for child in deployed.templates.iterdir():
        assert child.stat().st_size <= MAX_TEMPLATE_URL_BODY, child.name
    for stack in deployed.root.walk():
        counts = {key: len(stack.template.get(key, {})) for key in ("Resources", "Parameters", "Outputs")}
        assert counts["Resources"] <= 500 and counts["Parameters"] <= 200 and counts["Outputs"] <= 200, (
            stack.name, counts)


def test_services_land_in_their_stacks(deployed):
    """Services without `stack:` fill services.json, services-2.json, ... 30 each in spec
    order; `stack: NAME` puts a service in services-NAME.json (docs/decisions.md)."""
    root = json.loads((deployed.templates / "root.json").read_text())
    file_of = {logical: resource["Properties"]["TemplateURL"].removeprefix("./").rsplit(".", 1)[0]
               for logical, resource in root["Resources"].items() if resource["Type"] == NESTED_STACK}
    where = {}
    for logical, stack in deployed.root.children.items():
        for resource in stack.resources:
            if resource["ResourceType"] == "AWS::ECS::Service":
                where[resource["PhysicalResourceId"]] = file_of[logical]
            if resource["ResourceType"] == "AWS::ECS::Cluster":
                assert file_of[logical] == "services"
    unpinned = [s for s in deployed.app.services if s.stack is None]
    for svc in deployed.app.services:
        if svc.stack is not None:
            expected = f"services-{svc.stack}"
        else:
            index = unpinned.index(svc) // services_stack.SERVICES_PER_STACK
            expected = "services" if index == 0 else f"services-{index + 1}"
        assert where[deployed.ecs_service(svc)["serviceArn"]] == expected, svc.name


def test_every_resource_is_really_created(deployed):
    """The guard: a resource type or attribute the emulator does not support must fail here.

    moto skips resource types it does not know (they come back with blank ids in
    list-stack-resources) and leaves unsupported Fn::GetAtt unresolved; either
    would let an assertion elsewhere pass on nothing.
    """
    for stack in deployed.root.walk():
        listed = {r["LogicalResourceId"]: r for r in stack.resources}
        blank = [r for r in stack.resources
                 if not (r["LogicalResourceId"] and r["PhysicalResourceId"] and r["ResourceType"])]
        assert blank == [], f"{stack.name}: unsupported resources {blank}"
        unfinished = {r["LogicalResourceId"]: r.get("ResourceStatus") for r in stack.resources
                      if r.get("ResourceStatus") != "CREATE_COMPLETE"}
        assert unfinished == {}, stack.name
        declared = {k: v["Type"] for k, v in stack.template["Resources"].items()}
        assert {k: r["ResourceType"] for k, r in listed.items()} == declared, stack.name
        for key, value in {**stack.outputs, **stack.parameters}.items():
            assert not any(mark in value for mark in ("Fn::", "{'", "['")), f"{stack.name}: {key} = {value}"


def test_root_outputs(deployed):
    app, outputs = deployed.app, deployed.root.outputs
    expected = {"VpcId", "PublicSubnetIds", "PrivateSubnetIds", "ClusterName", "ClusterArn"}
    existing = app.network.existing
    if existing is not None:   # only the kinds of subnets the spec gives
        expected -= {f"{kind.capitalize()}SubnetIds" for kind in ("public", "private")
                     if not getattr(existing, kind)}
    if app.load_balancer:
        expected.add("LoadBalancerDnsName")
    if app.uses_namespace:
        expected.add("NamespaceId")
    nlbs = readback_doors.dns_outputs(app)
    assert set(outputs) == expected | nlbs
    assert len(nlbs) == app.nlb_count
    assert expected <= set(ROOT_OUTPUTS)
    [cluster] = deployed.client("ecs").describe_clusters(clusters=[outputs["ClusterName"]])["clusters"]
    assert cluster["clusterArn"] == outputs["ClusterArn"]
    assert cluster["status"] == "ACTIVE"
    if app.uses_namespace:
        namespace = deployed.client("servicediscovery").get_namespace(Id=outputs["NamespaceId"])
        assert namespace["Namespace"]["Name"] == app.namespace


# --- network -----------------------------------------------------------------

# What a stack makes of a VPC's own; none of it in an existing VPC.
VPC_OWN_TYPES = {"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::InternetGateway",
                 "AWS::EC2::VPCGatewayAttachment", "AWS::EC2::NatGateway", "AWS::EC2::EIP",
                 "AWS::EC2::RouteTable", "AWS::EC2::Route", "AWS::EC2::SubnetRouteTableAssociation",
                 "AWS::EC2::FlowLog"}


def test_existing_vpc_is_used_not_made(deployed):
    """network.vpc.id: no VPC resources in any stack; the outputs, the load balancer and
    the tasks name the spec's VPC and subnets (read back through EC2, ELB and ECS)."""
    existing = deployed.app.network.existing
    made = {r["ResourceType"] for s in deployed.root.walk() for r in s.resources}
    if existing is None:
        assert "AWS::EC2::VPC" in made
        pytest.skip("the stack makes its own VPC (checked: it does)")
    assert made & VPC_OWN_TYPES == set()
    assert deployed.vpc_id == existing.id
    if existing.public:
        assert deployed.public_subnet_ids == [r.id for r in existing.public]
    if existing.private:
        assert deployed.private_subnet_ids == [r.id for r in existing.private]
    subnets = deployed.subnets()
    for ref in existing.public + existing.private:
        assert subnets[ref.id]["VpcId"] == existing.id
        if ref.zone:
            assert subnets[ref.id]["AvailabilityZone"] == ref.zone


def test_vpc_and_subnets(deployed):
    net = deployed.app.network
    if net.existing is not None:
        pytest.skip("an existing VPC: see test_existing_vpc_is_used_not_made")
    [vpc] = deployed.client("ec2").describe_vpcs(VpcIds=[deployed.vpc_id])["Vpcs"]
    assert vpc["CidrBlock"] == net.cidr
    subnets = deployed.subnets()
    public, private = deployed.public_subnet_ids, deployed.private_subnet_ids
    assert set(subnets) == set(public) | set(private)
    assert [subnets[s]["CidrBlock"] for s in public] == list(net.public_subnets)
    assert [subnets[s]["CidrBlock"] for s in private] == list(net.private_subnets)
    zones = [subnets[s]["AvailabilityZone"] for s in public]
    assert [subnets[s]["AvailabilityZone"] for s in private] == zones
    assert len(set(zones)) == net.az_count
    if net.zones:
        assert zones == list(net.zones)
    assert all(prerequisites.zone_region(z) == deployed.region for z in zones)
    assert not any(s["MapPublicIpOnLaunch"] for s in subnets.values())


def test_internet_gateway_and_nat_gateways(deployed):
    net = deployed.app.network
    ec2 = deployed.client("ec2")
    if net.existing is not None:
        assert [n for n in ec2.describe_nat_gateways(Filters=deployed.in_vpc())["NatGateways"]] == []
        pytest.skip("an existing VPC: its routing is its owner's (checked: no NAT gateway was made)")
    [igw] = ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [deployed.vpc_id]}]
    )["InternetGateways"]
    for subnet in deployed.public_subnet_ids:
        routes = {r.get("DestinationCidrBlock"): r for r in deployed.route_table_of(subnet)["Routes"]}
        assert routes[ANYWHERE]["GatewayId"] == igw["InternetGatewayId"]

    nats = [n for n in ec2.describe_nat_gateways(Filters=deployed.in_vpc())["NatGateways"]
            if n["State"] != "deleted"]
    assert len(nats) == net.nat_count
    assert {n["SubnetId"] for n in nats} <= set(deployed.public_subnet_ids)
    assert len({n["SubnetId"] for n in nats}) == len(nats)  # per_az: one per zone
    assert all(n["NatGatewayAddresses"][0].get("AllocationId") for n in nats)
    subnets = deployed.subnets()
    nat_zone = {n["NatGatewayId"]: subnets[n["SubnetId"]]["AvailabilityZone"] for n in nats}
    for subnet in deployed.private_subnet_ids:
        routes = {r.get("DestinationCidrBlock"): r for r in deployed.route_table_of(subnet)["Routes"]}
        if net.nat == "none":
            assert ANYWHERE not in routes
            continue
        nat = routes[ANYWHERE]["NatGatewayId"]
        assert nat in nat_zone
        if net.nat == "per_az":
            assert nat_zone[nat] == subnets[subnet]["AvailabilityZone"]


def endpoint_short_name(service_name: str, region: str) -> str:
    """"ecr.api" from com.amazonaws.us-east-1.ecr.api, and from the China partition's
    cn.com.amazonaws.cn-north-1.ecr.api (the names the templates rightly use there)."""
    for prefix in (f"com.amazonaws.{region}.", f"cn.com.amazonaws.{region}."):
        if service_name.startswith(prefix):
            return service_name[len(prefix):]
    return service_name


@pytest.mark.parametrize("name, region, short", [
    ("com.amazonaws.us-east-1.ecr.api", "us-east-1", "ecr.api"),
    ("cn.com.amazonaws.cn-north-1.ecr.api", "cn-north-1", "ecr.api"),
    ("com.amazonaws.cn-north-1.s3", "cn-north-1", "s3"),
    ("com.amazonaws.us-gov-west-1.logs", "us-gov-west-1", "logs"),
    ("com.amazonaws.eu-west-1.logs", "us-east-1", "com.amazonaws.eu-west-1.logs"),
])
def test_endpoint_short_name_holds_in_every_partition(name, region, short):
    assert endpoint_short_name(name, region) == short


def test_vpc_endpoints(deployed):
    net = deployed.app.network
    ec2 = deployed.client("ec2")
    endpoints = {endpoint_short_name(e["ServiceName"], deployed.region): e
                 for e in ec2.describe_vpc_endpoints(Filters=deployed.in_vpc())["VpcEndpoints"]}
    assert sorted(endpoints) == sorted(net.endpoints)
    if net.existing is None:
        private_tables = {deployed.route_table_of(s)["RouteTableId"] for s in deployed.private_subnet_ids}
    else:   # the spec's route tables; the endpoints admit the group every task wears
        private_tables = set(net.existing.route_tables)
        tasks_group = deployed.resource(network_stack.TASKS_SECURITY_GROUP, "AWS::EC2::SecurityGroup")
    for name in net.gateway_endpoints:
        endpoint = endpoints[name]
        assert endpoint["VpcEndpointType"] == "Gateway"
        assert set(endpoint["RouteTableIds"]) == private_tables
    for name in net.interface_endpoints:
        endpoint = endpoints[name]
        assert endpoint["VpcEndpointType"] == "Interface"
        assert endpoint["PrivateDnsEnabled"] is True
        assert set(endpoint["SubnetIds"]) == set(deployed.private_subnet_ids)
        groups = ec2.describe_security_groups(
            GroupIds=[g["GroupId"] for g in endpoint["Groups"]]
        )["SecurityGroups"]
        source = net.cidr if net.existing is None else tasks_group
        assert set().union(*(sg_rules(g["IpPermissions"]) for g in groups)) == {("tcp", 443, 443, source)}
        assert set().union(*(sg_rules(g["IpPermissionsEgress"]) for g in groups)) <= {MATCHES_NOTHING}


def test_flow_logs(deployed):
    net = deployed.app.network
    flow_logs = deployed.client("ec2").describe_flow_logs(
        Filters=[{"Name": "resource-id", "Values": [deployed.vpc_id]}]
    )["FlowLogs"]
    if net.flow_logs is None:
        assert flow_logs == []
        return
    [flow_log] = flow_logs
    assert flow_log["TrafficType"] == net.flow_logs.traffic
    assert flow_log["LogDestinationType"] == "cloud-watch-logs"
    groups = deployed.client("logs").describe_log_groups(
        logGroupNamePrefix=flow_log["LogGroupName"]
    )["logGroups"]
    [group] = [g for g in groups if g["logGroupName"] == flow_log["LogGroupName"]]
    assert group["retentionInDays"] == net.flow_logs.retention_days


def _tag_dict(tags) -> dict[str, str]:
    if isinstance(tags, dict):
        return tags
    return {t.get("Key", t.get("key")): t.get("Value", t.get("value")) for t in tags or []}


def test_tags(deployed):
    """The spec's tags, and the application/environment tags, on what was made (read back
    through each service's own API, not from the templates)."""
    app = deployed.app
    # A user's Name tag gives way to the compiler's per-resource Name (a warning says so).
    wanted = {**{k: v for k, v in app.tags if k != "Name"}, "fargate-compile:application": app.app,
              "fargate-compile:environment": app.environment}
    found: dict[str, dict[str, str]] = {}
    ec2, vpc = deployed.client("ec2"), deployed.in_vpc()
    if app.network.existing is None:   # an existing VPC, its subnets and tables are not ours to tag
        found["vpc"] = _tag_dict(ec2.describe_vpcs(VpcIds=[deployed.vpc_id])["Vpcs"][0].get("Tags"))
        for subnet in deployed.subnets().values():
            found[subnet["SubnetId"]] = _tag_dict(subnet.get("Tags"))
        for table in ec2.describe_route_tables(Filters=vpc)["RouteTables"]:
            if not any(a.get("Main") for a in table.get("Associations", [])):
                found[table["RouteTableId"]] = _tag_dict(table.get("Tags"))
    for group in ec2.describe_security_groups(Filters=vpc)["SecurityGroups"]:
        if group["GroupName"] != "default":
            found[group["GroupId"]] = _tag_dict(group.get("Tags"))
    for nat in ec2.describe_nat_gateways(Filters=vpc)["NatGateways"]:
        found[nat["NatGatewayId"]] = _tag_dict(nat.get("Tags"))
        [address] = ec2.describe_addresses(
            AllocationIds=[nat["NatGatewayAddresses"][0]["AllocationId"]])["Addresses"]
        found[address["AllocationId"]] = _tag_dict(address.get("Tags"))
    for gateway in ec2.describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [deployed.vpc_id]}])["InternetGateways"]:
        found[gateway["InternetGatewayId"]] = _tag_dict(gateway.get("Tags"))
    for flow_log in ec2.describe_flow_logs(
            Filters=[{"Name": "resource-id", "Values": [deployed.vpc_id]}])["FlowLogs"]:
        found[flow_log["FlowLogId"]] = _tag_dict(flow_log.get("Tags"))
    for endpoint in ec2.describe_vpc_endpoints(Filters=vpc)["VpcEndpoints"]:
        found[endpoint["VpcEndpointId"]] = _tag_dict(endpoint.get("Tags"))
    if app.load_balancer:
        elbv2 = deployed.client("elbv2")
        arns = [deployed.load_balancer()["LoadBalancerArn"]]
        arns += [deployed.target_group_arn(svc) for svc in app.routed_services]
        for description in elbv2.describe_tags(ResourceArns=arns)["TagDescriptions"]:
            found[description["ResourceArn"]] = _tag_dict(description["Tags"])
    ecs, logs, iam = deployed.client("ecs"), deployed.client("logs"), deployed.client("iam")
    cluster_arn = deployed.root.outputs["ClusterArn"]
    found[cluster_arn] = _tag_dict(ecs.list_tags_for_resource(resourceArn=cluster_arn)["tags"])
    for svc in app.services:
        service = deployed.ecs_service(svc)
        task = deployed.task_definition(svc)
        for arn in (service["serviceArn"], task["taskDefinitionArn"]):
            found[arn] = _tag_dict(ecs.list_tags_for_resource(resourceArn=arn)["tags"])
        for arn in (task["taskRoleArn"], task["executionRoleArn"]):
            name = arn.rsplit("/", 1)[1]
            found[arn] = _tag_dict(iam.list_role_tags(RoleName=name)["Tags"])
        group = task["containerDefinitions"][0]["logConfiguration"]["options"]["awslogs-group"]
        group_arn = f"arn:{deployed.partition}:logs:{deployed.region}:{ACCOUNT}:log-group:{group}"
        found[group_arn] = _tag_dict(logs.list_tags_for_resource(resourceArn=group_arn)["tags"])
    if app.uses_namespace:
        sd = deployed.client("servicediscovery")
        [namespace] = sd.list_namespaces()["Namespaces"]
        found[namespace["Arn"]] = _tag_dict(sd.list_tags_for_resource(ResourceARN=namespace["Arn"])["Tags"])
    missing = {where: {k: v for k, v in wanted.items() if tags.get(k) != v}
               for where, tags in found.items()}
    assert {where: gaps for where, gaps in missing.items() if gaps} == {}


# --- load balancer -----------------------------------------------------------

def needs_load_balancer(deployed) -> m.LoadBalancer:
    if deployed.app.load_balancer is None:
        assert "LoadBalancerDnsName" not in deployed.root.outputs
        assert [lb for lb in deployed.client("elbv2").describe_load_balancers()["LoadBalancers"]
                if lb["Type"] == "application"] == []
        pytest.skip("no load balancer in this spec (checked: none was made)")
    return deployed.app.load_balancer


def test_load_balancer(deployed):
    spec = needs_load_balancer(deployed)
    lb = deployed.load_balancer()
    assert lb["Type"] == "application"
    assert lb["Scheme"] == ("internet-facing" if spec.public else "internal")
    subnets = deployed.public_subnet_ids if spec.public else deployed.private_subnet_ids
    assert sorted(z["SubnetId"] for z in lb["AvailabilityZones"]) == sorted(subnets)
    attributes = {a["Key"]: a["Value"] for a in deployed.client("elbv2").describe_load_balancer_attributes(
        LoadBalancerArn=lb["LoadBalancerArn"])["Attributes"]}
    assert attributes["idle_timeout.timeout_seconds"] == str(spec.idle_timeout)
    assert attributes["deletion_protection.enabled"] == str(spec.deletion_protection).lower()
    assert attributes["access_logs.s3.enabled"] == str(spec.access_logs is not None).lower()
    if spec.access_logs is not None:
        # The emulator (moto_compat gap 14) refused the attribute unless ELB may write there.
        bucket = attributes["access_logs.s3.bucket"]
        assert attributes["access_logs.s3.prefix"] == spec.access_logs.prefix
        if spec.access_logs.bucket:
            assert bucket == spec.access_logs.bucket
        else:  # the compiler's own bucket, made in the same deployment: locked down
            s3 = deployed.client("s3")
            assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] in (
                None if deployed.region == "us-east-1" else deployed.region,)
            [rule] = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
            assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
            block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
            assert block == {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                             "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
            policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
            denied = [st for st in _listed(policy["Statement"]) if st["Effect"] == "Deny"]
            assert any(st.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
                       and st["Principal"] in ("*", {"AWS": "*"})
                       and {f"arn:{deployed.partition}:s3:::{bucket}", f"arn:{deployed.partition}:s3:::{bucket}/*"} <= set(_listed(st["Resource"]))
                       for st in denied), policy

    [group] = deployed.client("ec2").describe_security_groups(GroupIds=lb["SecurityGroups"])["SecurityGroups"]
    for port in spec.listener_ports:
        cidrs = {ip["CidrIp"] for rule in group["IpPermissions"]
                 if rule.get("FromPort") == port for ip in rule["IpRanges"]}
        assert cidrs == set(spec.allowed_cidrs), port


def test_listeners(deployed):
    spec = needs_load_balancer(deployed)
    listeners = deployed.listeners()
    assert sorted(listeners) == sorted(set(spec.listener_ports) | shift_test_ports(deployed.app))
    serving = listeners[443 if spec.https else 80]
    if spec.https:
        assert listeners[443]["Protocol"] == "HTTPS"
        assert [c["CertificateArn"] for c in listeners[443]["Certificates"]] == [
            spec.https.certificate_arn or deployed.certificate_arn(deployed.app.alias_zones[0][0])]
        assert listeners[443]["SslPolicy"] == spec.https.ssl_policy
        [redirect] = listeners[80]["DefaultActions"]
        assert redirect["Type"] == "redirect"
        assert redirect["RedirectConfig"]["Protocol"] == "HTTPS"
        assert redirect["RedirectConfig"]["Port"] == "443"
    default = [s for s in deployed.app.routed_services if s.http.is_default]
    [action] = serving["DefaultActions"]
    if default:
        assert action["Type"] == "forward"
        assert action["TargetGroupArn"] == deployed.target_group_arn(default[0])
    else:
        assert action["Type"] == "fixed-response"
        assert action["FixedResponseConfig"]["StatusCode"] == "404"


def _read_conditions(conditions: dict) -> tuple:
    """A described rule's header, method, query and source conditions, as model.Conditions
    holds them (ALB keeps the conditions in the order they were written)."""
    described = [c for c in conditions if c["Field"] not in ("path-pattern", "host-header")]
    return (
        tuple((c["HttpHeaderConfig"]["HttpHeaderName"], tuple(c["HttpHeaderConfig"]["Values"]))
              for c in described if c["Field"] == "http-header"),
        tuple(v for c in described if c["Field"] == "http-request-method"
              for v in c["HttpRequestMethodConfig"]["Values"]),
        tuple((c["QueryStringConfig"]["Values"][0]["Key"], tuple(p["Value"] for p in c["QueryStringConfig"]["Values"]))
              for c in described if c["Field"] == "query-string"),
        tuple(v for c in described if c["Field"] == "source-ip" for v in c["SourceIpConfig"]["Values"]),
    )


def _expected_conditions(c: m.Conditions) -> tuple:
    return c.headers, c.methods, c.query, c.source_ips


def _read_transforms(transforms: list) -> tuple:
    """(host rewrite, URL rewrite) of a rule's Transforms, each a model.Rewrite or None."""
    found = {t["Type"]: t[{"url-rewrite": "UrlRewriteConfig", "host-header-rewrite": "HostHeaderRewriteConfig"}[t["Type"]]]
             ["Rewrites"] for t in transforms}
    rewrite = lambda kind: (m.Rewrite(found[kind][0]["Regex"], found[kind][0]["Replace"]) if kind in found else None)
    return rewrite("host-header-rewrite"), rewrite("url-rewrite")


def _expected_transforms(c: m.Conditions) -> tuple:
    return c.host_rewrite, c.url_rewrite


def test_listener_rules(deployed):
    spec = needs_load_balancer(deployed)
    serving = deployed.listeners()[443 if spec.https else 80]
    rules = deployed.client("elbv2").describe_rules(ListenerArn=serving["ListenerArn"])["Rules"]
    # a shifted service's header test rule sits one priority before its production rule:
    # test_deployment_strategies reads it
    tests = {alb_shift_stack.production_priority(s) - 1 for s in alb_shift_stack.shifted(deployed.app)
             if s.deployment.test_traffic is not None and s.deployment.test_traffic.header is not None}
    found = {}
    for rule in rules:
        if rule["IsDefault"] or int(rule["Priority"]) in tests:
            continue
        [action] = rule["Actions"]
        assert action["Type"] == "forward"
        conditions = {c["Field"]: c for c in rule["Conditions"]}
        # a shifted service's rule forwards to both its groups, weighted (the first one 100)
        weighted = (action.get("ForwardConfig") or {}).get("TargetGroups")
        first = weighted[0]["TargetGroupArn"] if weighted else action["TargetGroupArn"]
        found[first] = (
            int(rule["Priority"]),
            tuple(conditions["path-pattern"]["PathPatternConfig"]["Values"]) if "path-pattern" in conditions else (),
            tuple(conditions["host-header"]["HostHeaderConfig"]["Values"]) if "host-header" in conditions else (),
            _read_conditions(rule["Conditions"]),
            _read_transforms(deployed.rule_transforms(rule["RuleArn"])),
        )
    expected = {
        deployed.target_group_arn(s): (s.http.priority, s.http.paths, s.http.hosts,
                                       _expected_conditions(s.http.conditions), _expected_transforms(s.http.conditions))
        for s in deployed.app.routed_services if not s.http.is_default
    }
    expected |= {  # a shifted default service gets a rule of its own, behind every other
        deployed.target_group_arn(s): (alb_shift_stack.LAST_PRIORITY, alb_shift_stack.DEFAULT_PATHS, (),
                                       _expected_conditions(s.http.conditions), _expected_transforms(s.http.conditions))
        for s in deployed.app.routed_services if s.http.is_default and s.deployment.shifted
    }
    expected |= {  # additional rules: a target group and a rule each
        deployed.resource(f"{alb_routing_stack.rule_prefix(s, i)}TargetGroup", "AWS::ElasticLoadBalancingV2::TargetGroup"):
            (r.priority, r.paths, r.hosts, _expected_conditions(r.conditions), _expected_transforms(r.conditions))
        for s in deployed.app.routed_services for i, r in enumerate(s.http.additional_rules)
    }
    assert found == expected


def test_target_groups(deployed):
    needs_load_balancer(deployed)
    elbv2 = deployed.client("elbv2")
    # The routes' groups and the additional rules' (each with its version and health check).
    for arn, http, version, hc in readback_doors.target_groups(deployed):
        [tg] = elbv2.describe_target_groups(TargetGroupArns=[arn])["TargetGroups"]
        assert (tg["Protocol"], tg["Port"], tg["TargetType"], tg["VpcId"]) == (
            http.protocol, alb_routing_stack.TARGET_GROUP_PORT, "ip", deployed.vpc_id)
        assert tg["HealthCheckProtocol"] == http.protocol, arn
        assert tg.get("ProtocolVersion", "HTTP1") == version, arn
        assert tg["LoadBalancerArns"] == [deployed.load_balancer()["LoadBalancerArn"]]
        assert tg["Matcher"] == readback_doors.matcher(version, hc), arn
        success = hc.grpc_codes if version == "GRPC" else hc.success_codes
        assert {
            "path": tg["HealthCheckPath"],
            "success_codes": tg["Matcher"].get("GrpcCode" if version == "GRPC" else "HttpCode"),
            "healthy_threshold": tg["HealthyThresholdCount"],
            "unhealthy_threshold": tg["UnhealthyThresholdCount"],
            "interval": tg["HealthCheckIntervalSeconds"],
            "timeout": tg["HealthCheckTimeoutSeconds"],
        } == {
            "path": hc.path, "success_codes": success,
            "healthy_threshold": hc.healthy_threshold, "unhealthy_threshold": hc.unhealthy_threshold,
            "interval": hc.interval, "timeout": hc.timeout,
        }, arn
        assert tg["HealthCheckEnabled"] is True
        attributes = {a["Key"]: a["Value"]
                      for a in elbv2.describe_target_group_attributes(TargetGroupArn=arn)["Attributes"]}
        assert attributes["deregistration_delay.timeout_seconds"] == str(http.deregistration_delay)
        assert attributes["stickiness.enabled"] == str(http.stickiness).lower()


def test_network_load_balancers(deployed):
    """Each NLB (a service's own, a shared one once): scheme, subnets, security group, and per
    service its listener (port, protocol, certificate), target group and health check."""
    if not deployed.app.nlb_count:
        pytest.skip("no network load balancer in this spec")
    assert readback_doors.check_network_load_balancers(deployed) == len(deployed.app.nlb_services)


# The rule the templates use to replace EC2's default allow-all egress with nothing.
MATCHES_NOTHING = ("icmp", 252, 86, "255.255.255.255/32")


def test_security_groups(deployed):
    """Who may reach what: the ALB from allowed_cidrs on its listener ports and only to
    the routed services' ports; each task from the ALB (if routed) and from the app's
    other tasks (if connect/discovery), on its own port only, never from a CIDR."""
    app, ec2 = deployed.app, deployed.client("ec2")
    vpc_cidr = app.network.cidr
    tasks_group = None   # an existing VPC: the group every task wears, admitted by the ALB and endpoints
    if app.network.existing is not None:
        tasks_group = deployed.resource(network_stack.TASKS_SECURITY_GROUP, "AWS::EC2::SecurityGroup")
    alb_group = None
    if app.load_balancer:
        [alb_group] = deployed.load_balancer()["SecurityGroups"]
        [group] = ec2.describe_security_groups(GroupIds=[alb_group])["SecurityGroups"]
        assert sg_rules(group["IpPermissions"]) == {
            ("tcp", port, port, cidr)
            for port in set(app.load_balancer.listener_ports) | shift_test_ports(app)
            for cidr in app.load_balancer.allowed_cidrs}
        routed = {("tcp", port, port, tasks_group or vpc_cidr) for s in app.routed_services
                  for port in s.http.target_ports}
        # the rule that matches nothing keeps EC2's allow-all default away; the rules to the
        # tasks are resources of their own (AlbEgress<port>)
        assert sg_rules(group["IpPermissionsEgress"]) == routed | {MATCHES_NOTHING}

    shared = None
    for svc in app.services:
        groups = deployed.ecs_service(svc)["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"]
        own = deployed.resource(pascal(svc.name) + tasks_stack.TASK_SECURITY_GROUP, "AWS::EC2::SecurityGroup")
        if tasks_group:
            assert tasks_group in groups, svc.name
        [other] = set(groups) - {own, tasks_group}
        assert shared in (None, other), "every task wears the same shared group"
        shared = other
        [group] = ec2.describe_security_groups(GroupIds=[own])["SecurityGroups"]
        expected = readback_doors.task_ingress(deployed, svc, alb_group)   # the ALB's and NLB's
        if svc.connect or svc.discovery:
            expected.add(("tcp", svc.port, svc.port, shared))
        assert sg_rules(group["IpPermissions"]) == expected, svc.name
        assert sg_rules(group["IpPermissionsEgress"]) == {
            ("tcp", 443, 443, ANYWHERE), ("tcp", 0, 65535, vpc_cidr or tasks_group)}, svc.name
    if shared:
        [group] = ec2.describe_security_groups(GroupIds=[shared])["SecurityGroups"]
        assert sg_rules(group["IpPermissions"]) == set()
        assert sg_rules(group["IpPermissionsEgress"]) == {MATCHES_NOTHING}


# --- ECS -----------------------------------------------------------------------

def test_cluster(deployed):
    [cluster] = deployed.client("ecs").describe_clusters(clusters=[deployed.cluster])["clusters"]
    providers = set(cluster["capacityProviders"])
    assert "FARGATE" in providers
    if any(s.spot for s in deployed.app.services):
        assert "FARGATE_SPOT" in providers


def test_ecs_services(deployed):
    app = deployed.app
    for svc in app.services:
        service = deployed.ecs_service(svc)
        assert service["status"] == "ACTIVE"
        # Autoscaled services have no DesiredCount: created with 1 task (CloudFormation's
        # default), then moved into the scalable target's range when it registers.
        scaling = svc.scaling
        wanted = svc.desired_count if scaling is None else min(max(1, scaling.min), scaling.max)
        assert service["desiredCount"] == wanted, svc.name
        if svc.spot:
            assert "launchType" not in service
            assert [(c["capacityProvider"], c["weight"]) for c in service["capacityProviderStrategy"]] == [
                ("FARGATE_SPOT", 1)
            ]
        else:
            assert service["launchType"] == "FARGATE"
            assert not service.get("capacityProviderStrategy")
        vpc = service["networkConfiguration"]["awsvpcConfiguration"]
        public = svc.placement == "public"
        subnets = deployed.public_subnet_ids if public else deployed.private_subnet_ids
        assert sorted(vpc["subnets"]) == sorted(subnets), svc.name
        assert vpc["assignPublicIp"] == ("ENABLED" if public else "DISABLED")
        groups = deployed.client("ec2").describe_security_groups(GroupIds=vpc["securityGroups"])["SecurityGroups"]
        assert {g["VpcId"] for g in groups} == {deployed.vpc_id}

        deployment = service["deploymentConfiguration"]
        assert deployment["minimumHealthyPercent"] == svc.deployment.min_healthy_percent
        assert deployment["maximumPercent"] == svc.deployment.max_percent
        assert deployment["deploymentCircuitBreaker"] == {"enable": True, "rollback": svc.deployment.rollback}
        assert service.get("enableExecuteCommand", False) is svc.exec

        # The route's, the additional rules' and the NLB's target groups, each with its container.
        assert sorted((lb["targetGroupArn"], lb["containerName"], lb["containerPort"])
                      for lb in service.get("loadBalancers", [])) == readback_doors.ecs_load_balancers(deployed, svc)
        if svc.http:
            raw = deployed.ecs_service_raw(svc)["loadBalancers"]
            [route] = [r for r in raw if r["targetGroupArn"] == deployed.target_group_arn(svc)]
            assert ("advancedConfiguration" in route) is svc.deployment.shifted, svc.name
            assert service["healthCheckGracePeriodSeconds"] == svc.http.healthcheck.grace_period
        elif svc.nlb:
            assert service["healthCheckGracePeriodSeconds"] == svc.nlb.healthcheck.grace_period


def test_deployment_strategies(deployed):
    """A shifted service as ECS reads it back: the strategy and its steps, the alarms that roll
    it back (they exist), the hooks, and per load balancer the alternate group, the production
    (and test) rule forwarding to both groups, and a role ECS may assume."""
    app, elbv2 = deployed.app, deployed.client("elbv2")
    for svc in app.services:
        d = svc.deployment
        config = deployed.ecs_service_raw(svc)["deploymentConfiguration"]
        if not d.shifted:
            assert config.get("strategy", "ROLLING") == "ROLLING", svc.name
        else:
            assert config["strategy"] == d.strategy, svc.name
            assert config["bakeTimeInMinutes"] == d.bake, svc.name
            if d.strategy == "CANARY":
                assert config["canaryConfiguration"] == {"canaryPercent": d.percent,
                                                         "canaryBakeTimeInMinutes": d.step_bake}
            if d.strategy == "LINEAR":
                assert config["linearConfiguration"] == {"stepPercent": d.percent,
                                                         "stepBakeTimeInMinutes": d.step_bake}
        if d.alarms is None:
            assert "alarms" not in config, svc.name
        else:
            alarms = config["alarms"]
            assert alarms["enable"] is True and alarms["rollback"] is True
            names = alarms["alarmNames"]
            assert set(d.alarms.names) <= set(names)
            made = [n for n in names if n not in d.alarms.names]
            found = deployed.client("cloudwatch").describe_alarms(AlarmNames=made)["MetricAlarms"]
            assert sorted(a["AlarmName"] for a in found) == sorted(made), svc.name
        assert [(h["hookTargetArn"], h["lifecycleStages"]) for h in config.get("lifecycleHooks", [])] == [
            (h.function, list(h.stages)) for h in d.hooks], svc.name
        if not (d.shifted and svc.http):
            continue
        [lb] = deployed.ecs_service_raw(svc)["loadBalancers"]
        advanced = lb["advancedConfiguration"]
        primary = deployed.target_group_arn(svc)
        alternate = deployed.resource(alb_shift_stack.alternate_target_group_id(svc),
                                      "AWS::ElasticLoadBalancingV2::TargetGroup")
        assert advanced["alternateTargetGroupArn"] == alternate
        [rule] = elbv2.describe_rules(RuleArns=[advanced["productionListenerRule"]])["Rules"]
        weights = [(g["TargetGroupArn"], g["Weight"]) for g in rule["Actions"][0]["ForwardConfig"]["TargetGroups"]]
        assert weights == [(primary, 100), (alternate, 0)], svc.name
        assert (d.test_traffic is not None) is ("testListenerRule" in advanced)
        if d.test_traffic is not None:
            [test] = elbv2.describe_rules(RuleArns=[advanced["testListenerRule"]])["Rules"]
            fields = {c["Field"] for c in test["Conditions"]}
            assert ("http-header" in fields) is (d.test_traffic.header is not None)
        role = advanced["roleArn"].rsplit("/", 1)[1]
        trust = deployed.client("iam").get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        assert [st["Principal"] for st in _listed(trust["Statement"])] == [{"Service": ["ecs.amazonaws.com"]}]


def test_scheduled_actions(deployed):
    scheduled = [s for s in deployed.app.services if s.scaling is not None and s.scaling.schedule]
    if not scheduled:
        pytest.skip("no count.schedule")
    client = deployed.client("application-autoscaling")
    for svc in scheduled:
        arn = deployed.ecs_service(svc)["serviceArn"]
        resource_id = "service/" + arn.split(":service/", 1)[1]
        if resource_id.count("/") == 1:   # old-style ARN: service/NAME
            resource_id = f"service/{deployed.cluster}/{resource_id.split('/')[1]}"
        found = client.describe_scheduled_actions(ServiceNamespace="ecs", ResourceId=resource_id)["ScheduledActions"]
        assert sorted((a["Schedule"], a["Timezone"], a["ScalableTargetAction"]["MinCapacity"],
                       a["ScalableTargetAction"]["MaxCapacity"]) for a in found) == sorted(
            (w.expression, w.timezone, w.min, w.max) for w in svc.scaling.schedule), svc.name


def _container_env(container: dict) -> tuple[dict, dict]:
    return ({e["name"]: e["value"] for e in container.get("environment", [])},
            {s["name"]: s["valueFrom"] for s in container.get("secrets", [])})


def test_task_definitions(deployed):
    for svc in deployed.app.services:
        task = deployed.task_definition(svc)
        assert (task["cpu"], task["memory"]) == (str(svc.cpu), str(svc.memory)), svc.name
        assert task["networkMode"] == "awsvpc"
        assert task["requiresCompatibilities"] == ["FARGATE"]
        assert task["runtimePlatform"] == {"cpuArchitecture": svc.cpu_architecture,
                                           "operatingSystemFamily": "LINUX"}
        assert task["executionRoleArn"] and task["taskRoleArn"]
        if svc.storage.ephemeral is not None and svc.storage.ephemeral > 20:
            assert task["ephemeralStorage"] == {"sizeInGiB": svc.storage.ephemeral}
        else:  # Fargate's default, 20 GiB
            assert task.get("ephemeralStorage", {"sizeInGiB": 20}) == {"sizeInGiB": 20}
        containers = {c["name"]: c for c in task["containerDefinitions"]}
        assert sorted(containers) == sorted([svc.name] + [s.name for s in svc.sidecars])
        assert len(task["containerDefinitions"]) == len(containers)  # no duplicate names

        main = containers[svc.name]
        assert main["image"] == svc.image
        assert main["essential"] is True
        mappings = readback_doors.port_mappings(svc)
        ports = [(p["containerPort"], p.get("protocol", "tcp")) for p in main.get("portMappings", [])]
        assert ports == mappings[svc.name], svc.name
        env, secrets = _container_env(main)
        wired = {name: env.pop(name) for name in messaging_stack.WIRED_VARIABLES if name in env}
        assert (env, secrets) == (dict(svc.variables), {s.name: s.value_from for s in svc.secrets})
        assert set(wired) == _wired_variables(svc), svc.name
        assert main.get("readonlyRootFilesystem", False) is svc.storage.readonly_fs
        assert main.get("user") == svc.user, svc.name
        assert main.get("privileged", False) is False
        assert main.get("command", []) == list(svc.command), svc.name
        assert main.get("entryPoint", []) == list(svc.entrypoint), svc.name
        if svc.healthcheck:
            hc = svc.healthcheck
            assert main["healthCheck"] == {
                "command": list(hc.command), "interval": hc.interval, "retries": hc.retries,
                "timeout": hc.timeout, "startPeriod": hc.start_period,
            }, svc.name
        else:
            assert "healthCheck" not in main, svc.name
        if svc.exec:  # ECS Exec wants an init process to reap the SSM agent's children
            assert main["linuxParameters"]["initProcessEnabled"] is True, svc.name

        for sidecar in svc.sidecars:
            container = containers[sidecar.name]
            assert container["image"] == sidecar.image
            assert container["essential"] is sidecar.essential
            ports = [(p["containerPort"], p.get("protocol", "tcp")) for p in container.get("portMappings", [])]
            assert ports == mappings[sidecar.name], sidecar.name
            assert _container_env(container) == (
                dict(sidecar.variables), {s.name: s.value_from for s in sidecar.secrets}), sidecar.name
            assert container.get("command", []) == list(sidecar.command), sidecar.name
            assert container.get("entryPoint", []) == list(sidecar.entrypoint), sidecar.name
            assert container.get("privileged", False) is False

        # Every container logs to the service's one log group, each under its own prefix.
        options = [c["logConfiguration"] for c in task["containerDefinitions"]]
        assert {o["logDriver"] for o in options} == {"awslogs"}
        assert len({o["options"]["awslogs-group"] for o in options}) == 1
        prefixes = [o["options"]["awslogs-stream-prefix"] for o in options]
        assert len(set(prefixes)) == len(prefixes), prefixes


# ECS Exec's session channels (ECS developer guide, "Using ECS Exec"): no resource scoping.
ECS_EXEC_ACTIONS = {"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"}
ECR_IMAGE = re.compile(r"^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([^:@]+)")


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _grants(documents: list[dict]) -> set[tuple[str, str]]:
    """(action, resource) pairs the Allow statements of these policy documents grant."""
    pairs = set()
    for document in documents:
        for statement in _listed(document["Statement"]):
            assert statement["Effect"] == "Allow", statement
            assert "NotAction" not in statement and "NotResource" not in statement, statement
            pairs |= {(a, r) for a in _listed(statement["Action"]) for r in _listed(statement["Resource"])}
    return pairs


def _role(deployed, arn: str) -> tuple[dict, set[tuple[str, str]], list[str]]:
    """A role by ARN: itself, what its inline policies grant, the ARNs of its attached policies."""
    iam = deployed.client("iam")
    name = arn.split(":role/", 1)[1].rsplit("/", 1)[-1]
    role = iam.get_role(RoleName=name)["Role"]
    documents = [iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
                 for p in iam.list_role_policies(RoleName=name)["PolicyNames"]]
    attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]]
    return role, _grants(documents), attached


def test_iam_roles(deployed):
    """Task role: exactly the spec's statements (+ ECS Exec) and managed policies.
    Execution role: pulls of the task's ECR repositories, its own log group, exactly
    its secrets and parameters, and nothing else."""
    for svc in deployed.app.services:
        task = deployed.task_definition(svc)
        for arn in (task["taskRoleArn"], task["executionRoleArn"]):
            role, _, _ = _role(deployed, arn)
            trust = role["AssumeRolePolicyDocument"]
            [statement] = _listed(trust["Statement"])
            assert {k: _listed(v) for k, v in statement["Principal"].items()} == {
                "Service": ["ecs-tasks.amazonaws.com"]}, svc.name
            assert _listed(statement["Action"]) == ["sts:AssumeRole"]
            assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}

        _, grants, attached = _role(deployed, task["taskRoleArn"])
        expected = {(a, r) for p in svc.task_role.policies for a in p.actions for r in p.resources}
        expected |= {("sns:Publish", _topic_arn(deployed, svc.name, t)) for t in svc.publish}
        if svc.subscribe:
            expected |= {(a, _queue_arn(deployed, svc)) for a in SQS_CONSUME}
        if svc.exec:
            expected |= {(a, "*") for a in ECS_EXEC_ACTIONS}
        for volume in svc.efs_volumes:
            file_system = deployed.file_system_arn(volume)
            expected.add(("elasticfilesystem:ClientMount", file_system))
            if svc.volume_writable(volume):
                expected.add(("elasticfilesystem:ClientWrite", file_system))
        assert grants == expected, svc.name
        assert sorted(attached) == sorted(svc.task_role.managed_policies), svc.name

        _, grants, attached = _role(deployed, task["executionRoleArn"])
        assert attached == [], svc.name
        by_action: dict[str, set[str]] = {}
        for action, resource in grants:
            by_action.setdefault(action, set()).add(resource)
        repositories = {f"arn:{partition_of(region)}:ecr:{region}:{account}:repository/{name}"
                        for image in [svc.image] + [s.image for s in svc.sidecars]
                        for account, region, name in ECR_IMAGE.findall(image)}
        expected_actions = {"logs:CreateLogStream", "logs:PutLogEvents"}
        if repositories:
            expected_actions |= {"ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability",
                                 "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"}
            assert by_action["ecr:GetAuthorizationToken"] == {"*"}
            for action in ("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"):
                assert by_action[action] == repositories, (svc.name, action)
        [log_group] = {c["logConfiguration"]["options"]["awslogs-group"] for c in task["containerDefinitions"]}
        log_group_arn = f"arn:{deployed.partition}:logs:{deployed.region}:{ACCOUNT}:log-group:{log_group}"
        for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
            assert {r.removesuffix(":*") for r in by_action[action]} == {log_group_arn}, svc.name
        secrets = [s for s in svc.all_secrets if s.kind == "secretsmanager"]
        if secrets:
            expected_actions.add("secretsmanager:GetSecretValue")
            granted = by_action["secretsmanager:GetSecretValue"]
            for secret in secrets:
                arn = ":".join(secret.value_from.split(":")[:7])     # without a JSON key/version
                assert granted & {arn, arn + "-??????"}, (svc.name, secret)
            assert all(r.split(":")[2] == "secretsmanager" for r in granted), granted
        parameters = [s for s in svc.all_secrets if s.kind == "ssm"]
        if parameters:
            expected_actions.add("ssm:GetParameters")
            granted = by_action["ssm:GetParameters"]
            wanted = {p.value_from if p.value_from.startswith("arn:") else
                      f"arn:{deployed.partition}:ssm:{deployed.region}:{ACCOUNT}:parameter/{p.value_from.lstrip('/')}"
                      for p in parameters}
            assert granted == wanted, svc.name
        if svc.secrets_kms_keys and svc.all_secrets:
            expected_actions.add("kms:Decrypt")
            assert by_action["kms:Decrypt"] == set(svc.secrets_kms_keys), svc.name
        assert set(by_action) == expected_actions, svc.name


def test_log_groups(deployed):
    logs = deployed.client("logs")
    for svc in deployed.app.services:
        task = deployed.task_definition(svc)
        for container in task["containerDefinitions"]:
            options = container["logConfiguration"]["options"]
            assert options["awslogs-region"] == deployed.region
            [group] = [g for g in logs.describe_log_groups(logGroupNamePrefix=options["awslogs-group"])["logGroups"]
                       if g["logGroupName"] == options["awslogs-group"]]
            assert group["retentionInDays"] == svc.log_retention_days


def test_service_discovery_and_connect(deployed):
    app = deployed.app
    if not app.uses_namespace:
        assert deployed.client("servicediscovery").list_namespaces()["Namespaces"] == []
        pytest.skip("no service uses connect or discovery (checked: no namespace was made)")
    sd = deployed.client("servicediscovery")
    [namespace] = sd.list_namespaces()["Namespaces"]
    assert (namespace["Name"], namespace["Type"]) == (app.namespace, "DNS_PRIVATE")
    assert namespace["Id"] == deployed.root.outputs["NamespaceId"]
    details = sd.get_namespace(Id=namespace["Id"])["Namespace"]
    assert details["Properties"]["DnsProperties"]["HostedZoneId"]
    registered = {s["Name"]: s for s in sd.list_services()["Services"]}
    assert set(registered) == {s.name for s in app.services if s.discovery}
    connect_names = []
    for svc in app.services:
        service = deployed.ecs_service(svc)
        if svc.discovery:
            record = registered[svc.name]
            full = sd.get_service(Id=record["Id"])["Service"]
            assert full["NamespaceId"] == namespace["Id"]
            assert full["DnsConfig"]["RoutingPolicy"] == "MULTIVALUE"
            assert [r["Type"] for r in full["DnsConfig"]["DnsRecords"]] == ["A"]
            assert [r["registryArn"] for r in service["serviceRegistries"]] == [full["Arn"]]
        else:
            assert service.get("serviceRegistries", []) == []
        if app.uses_connect:
            [primary] = service["deployments"]
            connect = primary["serviceConnectConfiguration"]
            assert connect["enabled"] is True
            assert connect["namespace"] == namespace["Arn"]
            aliases = [(a["dnsName"], a["port"]) for s in connect.get("services", []) for a in s["clientAliases"]]
            assert aliases == ([(svc.connect.alias, svc.port)] if svc.connect else [])
            # ECS refuses a Service Connect portName that no port mapping of the task has.
            mappings = {p.get("name"): p for c in deployed.task_definition(svc)["containerDefinitions"]
                        for p in c.get("portMappings", [])}
            for entry in connect.get("services", []):
                assert mappings[entry["portName"]]["containerPort"] == svc.port, svc.name
                connect_names.append(entry.get("discoveryName") or entry["portName"])
    # Service Connect registers its discovery names in the same Cloud Map namespace as the
    # discovery services: every name must be free (the emulator makes no such registration).
    names = connect_names + list(registered)
    assert len(names) == len(set(names)), sorted(names)


def test_autoscaling(deployed):
    aas = deployed.client("application-autoscaling")
    targets = {t["ResourceId"]: t for t in aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]}
    policies = aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
    expected = {}
    for svc in deployed.app.services:
        if svc.scaling is None:
            continue
        resource_id = f"service/{deployed.cluster}/{deployed.ecs_service(svc)['serviceName']}"
        expected[resource_id] = svc
        target = targets[resource_id]
        assert target["ScalableDimension"] == "ecs:service:DesiredCount"
        assert (target["MinCapacity"], target["MaxCapacity"]) == (svc.scaling.min, svc.scaling.max)
        found = {
            p["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"]["PredefinedMetricType"]:
                p["TargetTrackingScalingPolicyConfiguration"]["TargetValue"]
            for p in policies if p["ResourceId"] == resource_id
            and "PredefinedMetricSpecification" in p.get("TargetTrackingScalingPolicyConfiguration", {})
        }
        wanted = {
            metric: float(getattr(svc.scaling, field))
            for metric, field in scaling_stack.SCALING_POLICIES.values()
            if getattr(svc.scaling, field) is not None
        }
        assert found == wanted, svc.name
        for p in policies:
            spec = p.get("TargetTrackingScalingPolicyConfiguration", {}).get("PredefinedMetricSpecification", {})
            if p["ResourceId"] == resource_id and spec.get("PredefinedMetricType") == "ALBRequestCountPerTarget":
                lb_name = deployed.load_balancer()["LoadBalancerArn"].split(":loadbalancer/")[1]
                tg_name = deployed.target_group_arn(svc).split(":")[-1]
                assert spec["ResourceLabel"] == f"{lb_name}/{tg_name}"
    assert set(targets) == set(expected)


# --- messaging, queue scaling, jobs ------------------------------------------------
def _wired_variables(svc: m.Service) -> set[str]:
    return ({messaging_stack.TOPIC_ARNS_VARIABLE} if svc.publish else set()) | (
        {messaging_stack.QUEUE_URL_VARIABLE} if svc.subscribe else set())


def _topic_arn(deployed: Deployed, service: str, topic: m.Topic) -> str:
    name = messaging_stack.topic_name(deployed.app, service, topic)
    return f"arn:{deployed.partition}:sns:{deployed.region}:{ACCOUNT}:{name}"


def _queue_arn(deployed: Deployed, svc: m.Service, dead_letter: bool = False) -> str:
    name = svc.queue_names[1 if dead_letter else 0]
    return f"arn:{deployed.partition}:sqs:{deployed.region}:{ACCOUNT}:{name}"


def _topics_of(app: m.App) -> dict[tuple[str, str], m.Topic]:
    return {(s.name, t.name): t for s in app.services for t in s.publish}


def test_topics(deployed):
    """Every published topic exists, encrypted with the AWS-managed SNS key, FIFO as asked,
    and its ARN reaches the publisher as FC_SNS_TOPIC_ARNS."""
    sns = deployed.client("sns")
    listed = {t["TopicArn"] for t in sns.list_topics()["Topics"]}
    for svc in deployed.app.services:
        arns = {t.name: _topic_arn(deployed, svc.name, t) for t in svc.publish}
        for topic in svc.publish:
            arn = arns[topic.name]
            assert arn in listed, arn
            attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
            assert attributes["KmsMasterKeyId"] == messaging_stack.SNS_KEY
            assert attributes.get("FifoTopic", "false") == str(topic.fifo).lower(), arn
        if svc.publish:
            env, _ = _container_env(_main_container(deployed, svc))
            assert json.loads(env[messaging_stack.TOPIC_ARNS_VARIABLE]) == arns, svc.name


def _main_container(deployed: Deployed, svc: m.Service) -> dict:
    [main] = [c for c in deployed.task_definition(svc)["containerDefinitions"] if c["name"] == svc.name]
    return main


def test_queues_and_subscriptions(deployed):
    """Each subscriber: its queue (SQS-managed SSE, FIFO as its topics, the spec's
    retention/delay/visibility, redrive to its dead-letter queue after `tries`), a queue
    policy admitting only its topics, one subscription per topic with its filter policy,
    and the queue URL in FC_QUEUE_URL."""
    sqs, sns = deployed.client("sqs"), deployed.client("sns")
    topics = _topics_of(deployed.app)
    subscribers = [s for s in deployed.app.services if s.subscribe]
    for svc in subscribers:
        queue = svc.subscribe.queue
        name = svc.queue_names[0]
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert attributes["SqsManagedSseEnabled"] == "true", name
        assert attributes.get("FifoQueue", "false") == str(queue.fifo).lower(), name
        assert (int(attributes["MessageRetentionPeriod"]), int(attributes["DelaySeconds"]),
                int(attributes["VisibilityTimeout"])) == (queue.retention, queue.delay, queue.timeout)
        redrive = json.loads(attributes["RedrivePolicy"])
        assert redrive["deadLetterTargetArn"] == _queue_arn(deployed, svc, dead_letter=True)
        assert int(redrive["maxReceiveCount"]) == queue.dead_letter_tries
        dead_url = sqs.get_queue_url(QueueName=svc.queue_names[1])["QueueUrl"]
        dead = sqs.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["All"])["Attributes"]
        assert dead["SqsManagedSseEnabled"] == "true"

        policy = json.loads(attributes["Policy"])
        [statement] = _listed(policy["Statement"])
        assert {k: _listed(v) for k, v in statement["Principal"].items()} == {"Service": ["sns.amazonaws.com"]}
        assert _listed(statement["Action"]) == ["sqs:SendMessage"]
        assert _listed(statement["Resource"]) == [_queue_arn(deployed, svc)]
        wanted = sorted(_topic_arn(deployed, r.service, topics[(r.service, r.name)])
                        for r in svc.subscribe.topics)
        assert sorted(_listed(statement["Condition"]["ArnEquals"]["aws:SourceArn"])) == wanted

        for ref in svc.subscribe.topics:
            arn = _topic_arn(deployed, ref.service, topics[(ref.service, ref.name)])
            found = [s for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
                     if s["Endpoint"] == _queue_arn(deployed, svc)]
            assert [(s["Protocol"]) for s in found] == ["sqs"], (svc.name, ref)
            attrs = sns.get_subscription_attributes(SubscriptionArn=found[0]["SubscriptionArn"])["Attributes"]
            if ref.filter_policy:
                assert json.loads(attrs["FilterPolicy"]) == json.loads(ref.filter_policy)
            else:
                assert "FilterPolicy" not in attrs
        env, _ = _container_env(_main_container(deployed, svc))
        # moto builds a queue URL from the request's host: the API (127.0.0.1) and the
        # stack (sqs.<region>.amazonaws.com) differ in host only; account/name must match.
        assert env[messaging_stack.QUEUE_URL_VARIABLE].split("/")[-2:] == url.split("/")[-2:], svc.name
    # No subscription the spec did not ask for.
    total = sum(len(s.subscribe.topics) for s in subscribers)
    assert len(sns.list_subscriptions()["Subscriptions"]) == total


def test_queue_scaling(deployed):
    """queue_delay: a target-tracking policy on visible messages per running task with
    target ceil(latency / processing time), and with a range from 0 a step policy and
    the alarm that starts the first task."""
    aas = deployed.client("application-autoscaling")
    policies = aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
    alarms = deployed.client("cloudwatch").describe_alarms()["MetricAlarms"]
    waking = 0
    for svc in deployed.app.services:
        if not (svc.scaling and svc.scaling.queue):
            continue
        resource_id = f"service/{deployed.cluster}/{deployed.ecs_service(svc)['serviceName']}"
        mine = [p for p in policies if p["ResourceId"] == resource_id]
        [tracking] = [p for p in mine if "CustomizedMetricSpecification"
                      in p.get("TargetTrackingScalingPolicyConfiguration", {})]
        config = tracking["TargetTrackingScalingPolicyConfiguration"]
        assert config["TargetValue"] == float(svc.scaling.queue.backlog_per_task)
        metrics = {q["Id"]: q for q in config["CustomizedMetricSpecification"]["Metrics"]}
        visible = metrics["visible"]["MetricStat"]["Metric"]
        queue_name = svc.queue_names[0]
        assert (visible["Namespace"], visible["MetricName"], visible["Dimensions"]) == (
            "AWS/SQS", "ApproximateNumberOfMessagesVisible", [{"Name": "QueueName", "Value": queue_name}])
        running = metrics["running"]["MetricStat"]["Metric"]
        assert running["MetricName"] == "RunningTaskCount"
        assert {d["Name"]: d["Value"] for d in running["Dimensions"]} == {
            "ClusterName": deployed.cluster, "ServiceName": deployed.ecs_service(svc)["serviceName"]}
        assert metrics["backlog_per_task"]["Expression"] == scaling_stack.BACKLOG_PER_TASK
        steps = [p for p in mine if p["PolicyType"] == "StepScaling"]
        if svc.scaling.min > 0:
            assert steps == [], svc.name
            continue
        [step] = steps
        waking += 1
        [alarm] = [a for a in alarms if step["PolicyARN"] in a.get("AlarmActions", [])]
        [expression] = [q["Expression"] for q in alarm["Metrics"] if q.get("Expression")]
        assert expression == scaling_stack.WAKE_UP
        assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1.0)
    assert waking == len([s for s in deployed.app.services
                          if s.scaling and s.scaling.queue and s.scaling.min == 0])


def test_jobs(deployed):
    """Each job: its task definition, a state machine that runs exactly it (runTask.sync,
    retries on States.TaskFailed, the timeout), a role that may do only that, and an
    EventBridge rule with the AWS schedule expression that may only start the machine."""
    if not deployed.app.jobs:
        return
    sfn, events = deployed.client("stepfunctions"), deployed.client("events")
    for job in deployed.app.jobs:
        pid = pascal(job.name)
        machine_arn = deployed.resource(pid + jobs_stack.STATE_MACHINE, "AWS::StepFunctions::StateMachine")
        machine = sfn.describe_state_machine(stateMachineArn=machine_arn)
        definition = json.loads(machine["definition"])
        state = definition["States"][definition["StartAt"]]
        assert state["Resource"] == f"arn:{deployed.partition}:states:::ecs:runTask.sync"
        assert state.get("TimeoutSeconds") == job.timeout
        retries = state.get("Retry", [])
        assert [r["MaxAttempts"] for r in retries] == ([job.retries] if job.retries else [])
        assert all(r["ErrorEquals"] == list(jobs_stack.RETRY_ON) for r in retries)
        task_definition_arn = deployed.resource(pid + tasks_stack.TASK_DEFINITION, "AWS::ECS::TaskDefinition")
        params = state["Parameters"]
        assert params["TaskDefinition"] == task_definition_arn
        assert params["Cluster"].endswith(f":cluster/{deployed.cluster}")
        network = params["NetworkConfiguration"]["AwsvpcConfiguration"]
        subnets = deployed.public_subnet_ids if job.placement == "public" else deployed.private_subnet_ids
        assert sorted(network["Subnets"]) == sorted(subnets)
        own_group = deployed.resource(pid + tasks_stack.TASK_SECURITY_GROUP, "AWS::EC2::SecurityGroup")
        assert own_group in network["SecurityGroups"] and len(network["SecurityGroups"]) == 2
        [group] = deployed.client("ec2").describe_security_groups(GroupIds=[own_group])["SecurityGroups"]
        assert group["IpPermissions"] == [], job.name

        task = deployed.client("ecs").describe_task_definition(taskDefinition=task_definition_arn)["taskDefinition"]
        assert (task["cpu"], task["memory"]) == (str(job.cpu), str(job.memory))
        [main] = [c for c in task["containerDefinitions"] if c["name"] == job.name]
        assert main["image"] == job.image and main.get("portMappings", []) == []
        assert tuple(main.get("command", ())) == job.command

        _, grants, _ = _role(deployed, machine["roleArn"])
        assert ("ecs:RunTask", task_definition_arn) in grants
        passed = {r for a, r in grants if a == "iam:PassRole"}
        assert passed == {task["taskRoleArn"], task["executionRoleArn"]}, job.name

        rule_name = deployed.resource(pid + jobs_stack.SCHEDULE, "AWS::Events::Rule")
        rule = events.describe_rule(Name=rule_name.split("/")[-1].split("|")[0])
        assert rule["ScheduleExpression"] == job.schedule
        assert rule["State"] == "ENABLED"
        [target] = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
        assert target["Arn"] == machine_arn
        _, grants, _ = _role(deployed, target["RoleArn"])
        assert grants == {("states:StartExecution", machine_arn)}, job.name


# --- EFS volumes and custom domains --------------------------------------------

def _mounts(container: dict) -> list[tuple[str, str, bool]]:
    return [(p["sourceVolume"], p["containerPath"], p.get("readOnly", False))
            for p in container.get("mountPoints", [])]


def test_volumes_and_mount_points(deployed):
    """Each volume in the task definition as the spec says: EFS with TLS and IAM on, through
    the service's access point (its user, group and directory) where it has one; every
    container's mounts at their paths, read-only where asked; the role's EFS grant
    conditioned on that access point."""
    efs = deployed.client("efs")
    for svc in deployed.app.services:
        if not svc.storage.volumes:
            continue
        task = deployed.task_definition(svc)
        volumes = {v["name"]: v for v in task["volumes"]}
        assert sorted(volumes) == sorted(v.name for v in svc.storage.volumes), svc.name
        for volume in svc.storage.volumes:
            found = volumes[volume.name]
            if volume.efs is None:
                assert "efsVolumeConfiguration" not in found, volume.name
                continue
            config = found["efsVolumeConfiguration"]
            assert config["fileSystemId"] == deployed.file_system_id(volume)
            assert config["transitEncryption"] == "ENABLED"
            assert config["authorizationConfig"]["iam"] == "ENABLED"
            if not volume.efs.access_point:
                assert config.get("rootDirectory", "/") == volume.efs.root_dir
                continue
            access_point_id = deployed.resource(storage_stack.access_point_id(svc, volume),
                                                "AWS::EFS::AccessPoint")
            assert config["authorizationConfig"]["accessPointId"] == access_point_id
            [point] = efs.describe_access_points(AccessPointId=access_point_id)["AccessPoints"]
            assert point["FileSystemId"] == deployed.file_system_id(volume)
            assert point["PosixUser"] == {"Uid": volume.efs.uid, "Gid": volume.efs.gid}
            assert point["RootDirectory"]["Path"] == volume.efs.root_dir
            assert point["RootDirectory"]["CreationInfo"] == {
                "OwnerUid": volume.efs.uid, "OwnerGid": volume.efs.gid,
                "Permissions": storage_stack.ACCESS_POINT_PERMISSIONS}
            role = task["taskRoleArn"].split(":role/", 1)[1].rsplit("/", 1)[-1]
            iam = deployed.client("iam")
            statements = [st for name in iam.list_role_policies(RoleName=role)["PolicyNames"]
                          for st in _listed(iam.get_role_policy(RoleName=role, PolicyName=name)
                                            ["PolicyDocument"]["Statement"])
                          if deployed.file_system_arn(volume) in _listed(st["Resource"])]
            assert statements and all(
                st["Condition"] == {"StringEquals": {"elasticfilesystem:AccessPointArn":
                                                     point["AccessPointArn"]}}
                for st in statements), volume.name
        containers = {c["name"]: c for c in task["containerDefinitions"]}
        assert _mounts(containers[svc.name]) == [
            (v.name, v.path, v.read_only) for v in svc.storage.volumes], svc.name
        for sidecar in svc.sidecars:
            assert _mounts(containers[sidecar.name]) == [
                (p.source_volume, p.path, p.read_only) for p in sidecar.mount_points], sidecar.name


def test_managed_file_system(deployed):
    """Encrypted, backed up, TLS-only; one mount target per private subnet, in a group that
    admits NFS only from the task security groups of the services that mount it."""
    app = deployed.app
    if not app.uses_managed_efs:
        pytest.skip("no managed EFS file system in this spec")
    efs, ec2 = deployed.client("efs"), deployed.client("ec2")
    fs_id = deployed.resource(storage_stack.FILE_SYSTEM, "AWS::EFS::FileSystem")
    [fs] = efs.describe_file_systems(FileSystemId=fs_id)["FileSystems"]
    assert fs["Encrypted"] is True
    assert fs["ThroughputMode"] == "elastic"
    assert fs["PerformanceMode"] == "generalPurpose"
    assert efs.describe_backup_policy(FileSystemId=fs_id)["BackupPolicy"]["Status"] == "ENABLED"
    policy = json.loads(efs.describe_file_system_policy(FileSystemId=fs_id)["Policy"])
    [statement] = policy["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}

    group = deployed.resource(storage_stack.SECURITY_GROUP, "AWS::EC2::SecurityGroup")
    targets = efs.describe_mount_targets(FileSystemId=fs_id)["MountTargets"]
    assert sorted(t["SubnetId"] for t in targets) == sorted(deployed.private_subnet_ids)
    for target in targets:
        groups = efs.describe_mount_target_security_groups(
            MountTargetId=target["MountTargetId"])["SecurityGroups"]
        assert groups == [group]
    mounting = [s for s in app.services if any(v.efs.managed for v in s.efs_volumes)]
    [found] = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
    assert sg_rules(found["IpPermissions"]) == {
        ("tcp", storage_stack.NFS_PORT, storage_stack.NFS_PORT,
         deployed.resource(pascal(s.name) + tasks_stack.TASK_SECURITY_GROUP, "AWS::EC2::SecurityGroup"))
        for s in mounting}
    assert sg_rules(found["IpPermissionsEgress"]) == {MATCHES_NOTHING}


def test_custom_domains(deployed):
    """Each alias: an alias A record to the load balancer in its hosted zone, and (unless the
    spec names a certificate) an issued, DNS-validated certificate of its own whose
    validation record is in that zone, on the HTTPS listener."""
    app = deployed.app
    if not app.alias_zones:
        pytest.skip("no custom domains in this spec")
    route53, acm = deployed.client("route53"), deployed.client("acm")
    lb = deployed.load_balancer()
    generated = app.load_balancer.https.certificate_arn is None
    https = deployed.listeners()[443]["ListenerArn"]
    on_listener = {c["CertificateArn"] for c in deployed.client("elbv2").describe_listener_certificates(
        ListenerArn=https)["Certificates"]}
    for name, zone in app.alias_zones:
        records = route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
        found = [r for r in records if r["Type"] in ("A", "AAAA")
                 and r["Name"].rstrip(".") in (name, name.replace("*", "\\052"))]
        assert sorted(r["Type"] for r in found) == sorted(domains_stack.record_types()), name
        for record in found:
            assert record["AliasTarget"]["DNSName"].rstrip(".") == lb["DNSName"], name
            assert record["AliasTarget"]["HostedZoneId"] == lb["CanonicalHostedZoneId"], name
        if not generated:
            continue
        arn = deployed.certificate_arn(name)
        assert arn in on_listener, name
        certificate = acm.describe_certificate(CertificateArn=arn)["Certificate"]
        assert certificate["DomainName"] == name
        assert certificate["Status"] == "ISSUED"
        [option] = certificate["DomainValidationOptions"]
        assert option["ValidationMethod"] == "DNS"
        names = {r["Name"] for r in records if r["Type"] == "CNAME"}
        assert option["ResourceRecord"]["Name"] in names, name
