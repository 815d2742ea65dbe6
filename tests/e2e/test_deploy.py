"""Every example deploys, along the user's own path, and comes out as the spec says.

For each spec in examples/: compile it (lint on), `aws cloudformation package` the
templates into an S3 bucket of the emulator, `aws cloudformation deploy` the
packaged root through a change set, wait for CREATE_COMPLETE, then read the
deployed state back through the services' own APIs and compare it with the
compiler's normalized model (pipeline.compile_spec -> Result.app). Expected
values come from the model, never from copies of the examples.

Each example is deployed once (module-scoped fixture, on an emulator reset
just before); the tests then only read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler import model as m
from compiler.naming import pascal
from compiler.pipeline import OK, compile_spec, validate
from compiler.stacks import alb as alb_stack
from compiler.stacks import services as services_stack
from compiler.stacks.root import ROOT_OUTPUTS
from deployed import (MAX_TEMPLATE_BODY, MAX_TEMPLATE_URL_BODY, NESTED_STACK, Stack, deploy,
                      read_stack)
from emulator import REGION, Emulator

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
ANYWHERE = "0.0.0.0/0"


class Deployed:
    """A compiled and deployed example: the model, the stack tree, and API clients."""

    def __init__(self, emulator: Emulator, app: m.App, root: Stack, templates: Path, packaged: Path):
        self.emulator = emulator
        self.app = app
        self.root = root
        self.templates = templates
        self.packaged = packaged

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

    def task_definition(self, svc: m.Service) -> dict:
        arn = self.ecs_service(svc)["taskDefinition"]
        return self.client("ecs").describe_task_definition(taskDefinition=arn)["taskDefinition"]

    def target_group_arn(self, svc: m.Service) -> str:
        return self.resource(alb_stack.target_group_id(svc), "AWS::ElasticLoadBalancingV2::TargetGroup")

    def load_balancer(self) -> dict:
        found = [lb for lb in self.client("elbv2").describe_load_balancers()["LoadBalancers"]
                 if lb["DNSName"] == self.root.outputs["LoadBalancerDnsName"]]
        assert len(found) == 1
        return found[0]

    def listeners(self) -> dict[int, dict]:
        arn = self.load_balancer()["LoadBalancerArn"]
        found = self.client("elbv2").describe_listeners(LoadBalancerArn=arn)["Listeners"]
        return {listener["Port"]: listener for listener in found}


@pytest.fixture(scope="module", params=EXAMPLES, ids=[p.stem for p in EXAMPLES])
def deployed(request, emulator, tmp_path_factory) -> Deployed:
    spec = request.param
    emulator.reset()
    work = tmp_path_factory.mktemp(spec.stem)
    result = compile_spec(str(spec), str(work / "templates_out"), lint=True)
    assert result.status == OK, "\n".join(str(d) for d in result.diagnostics)
    if result.app.load_balancer and result.app.load_balancer.https:
        emulator.provide_certificate(result.app.load_balancer.https.certificate_arn)
    packaged = deploy(emulator, result.output, result.app.stack_name, work)
    root = read_stack(emulator, result.app.stack_name)
    return Deployed(emulator, result.app, root, result.output, packaged)


def test_examples_cover_every_networking_pattern():
    """private subnets + endpoints only, private subnets + NAT, tasks in public subnets."""
    patterns = set()
    for spec in EXAMPLES:
        app, diagnostics = validate(str(spec))
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
    """AWS refuses a template body over 51,200 bytes and a TemplateURL over 1 MB; moto does not."""
    assert deployed.packaged.stat().st_size <= MAX_TEMPLATE_BODY
    for child in deployed.templates.iterdir():
        assert child.stat().st_size <= MAX_TEMPLATE_URL_BODY, child.name


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
        declared = {k: v["Type"] for k, v in stack.template["Resources"].items()}
        assert {k: r["ResourceType"] for k, r in listed.items()} == declared, stack.name
        for key, value in {**stack.outputs, **stack.parameters}.items():
            assert not any(mark in value for mark in ("Fn::", "{'", "['")), f"{stack.name}: {key} = {value}"


def test_root_outputs(deployed):
    app, outputs = deployed.app, deployed.root.outputs
    expected = {"VpcId", "PublicSubnetIds", "PrivateSubnetIds", "ClusterName", "ClusterArn"}
    if app.load_balancer:
        expected.add("LoadBalancerDnsName")
    if app.uses_namespace:
        expected.add("NamespaceId")
    assert set(outputs) == expected
    assert expected <= set(ROOT_OUTPUTS)
    [cluster] = deployed.client("ecs").describe_clusters(clusters=[outputs["ClusterName"]])["clusters"]
    assert cluster["clusterArn"] == outputs["ClusterArn"]
    assert cluster["status"] == "ACTIVE"
    if app.uses_namespace:
        namespace = deployed.client("servicediscovery").get_namespace(Id=outputs["NamespaceId"])
        assert namespace["Namespace"]["Name"] == app.namespace


# --- network -----------------------------------------------------------------

def test_vpc_and_subnets(deployed):
    net = deployed.app.network
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
    assert all(z.startswith(REGION) for z in zones)
    assert not any(s["MapPublicIpOnLaunch"] for s in subnets.values())


def test_internet_gateway_and_nat_gateways(deployed):
    net = deployed.app.network
    ec2 = deployed.client("ec2")
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


def test_vpc_endpoints(deployed):
    net = deployed.app.network
    ec2 = deployed.client("ec2")
    prefix = f"com.amazonaws.{REGION}."
    endpoints = {e["ServiceName"].removeprefix(prefix): e
                 for e in ec2.describe_vpc_endpoints(Filters=deployed.in_vpc())["VpcEndpoints"]}
    assert sorted(endpoints) == sorted(net.endpoints)
    private_tables = {deployed.route_table_of(s)["RouteTableId"] for s in deployed.private_subnet_ids}
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
        https_from = {
            ip["CidrIp"]
            for g in groups for rule in g["IpPermissions"]
            if rule.get("FromPort") == 443 and rule.get("ToPort") == 443
            for ip in rule["IpRanges"]
        }
        assert https_from == {net.cidr}


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


# --- load balancer -----------------------------------------------------------

def needs_load_balancer(deployed) -> m.LoadBalancer:
    if deployed.app.load_balancer is None:
        assert "LoadBalancerDnsName" not in deployed.root.outputs
        assert deployed.client("elbv2").describe_load_balancers()["LoadBalancers"] == []
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
        bucket = attributes["access_logs.s3.bucket"]
        if spec.access_logs.bucket:
            assert bucket == spec.access_logs.bucket
        else:  # the compiler's own bucket, made in the same deployment
            deployed.client("s3").head_bucket(Bucket=bucket)
            policy = deployed.client("s3").get_bucket_policy(Bucket=bucket)["Policy"]
            assert "aws:SecureTransport" in policy

    [group] = deployed.client("ec2").describe_security_groups(GroupIds=lb["SecurityGroups"])["SecurityGroups"]
    for port in spec.listener_ports:
        cidrs = {ip["CidrIp"] for rule in group["IpPermissions"]
                 if rule.get("FromPort") == port for ip in rule["IpRanges"]}
        assert cidrs == set(spec.allowed_cidrs), port


def test_listeners(deployed):
    spec = needs_load_balancer(deployed)
    listeners = deployed.listeners()
    assert sorted(listeners) == sorted(spec.listener_ports)
    serving = listeners[443 if spec.https else 80]
    if spec.https:
        assert listeners[443]["Protocol"] == "HTTPS"
        assert [c["CertificateArn"] for c in listeners[443]["Certificates"]] == [spec.https.certificate_arn]
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


def test_listener_rules(deployed):
    spec = needs_load_balancer(deployed)
    serving = deployed.listeners()[443 if spec.https else 80]
    rules = deployed.client("elbv2").describe_rules(ListenerArn=serving["ListenerArn"])["Rules"]
    found = {}
    for rule in rules:
        if rule["IsDefault"]:
            continue
        [action] = rule["Actions"]
        assert action["Type"] == "forward"
        conditions = {c["Field"]: c for c in rule["Conditions"]}
        found[action["TargetGroupArn"]] = (
            int(rule["Priority"]),
            tuple(conditions["path-pattern"]["PathPatternConfig"]["Values"]) if "path-pattern" in conditions else (),
            tuple(conditions["host-header"]["HostHeaderConfig"]["Values"]) if "host-header" in conditions else (),
        )
    expected = {
        deployed.target_group_arn(s): (s.http.priority, s.http.paths, s.http.hosts)
        for s in deployed.app.routed_services if not s.http.is_default
    }
    assert found == expected


def test_target_groups(deployed):
    needs_load_balancer(deployed)
    elbv2 = deployed.client("elbv2")
    for svc in deployed.app.routed_services:
        arn = deployed.target_group_arn(svc)
        [tg] = elbv2.describe_target_groups(TargetGroupArns=[arn])["TargetGroups"]
        hc = svc.http.healthcheck
        assert (tg["Protocol"], tg["Port"], tg["TargetType"], tg["VpcId"]) == ("HTTP", svc.port, "ip", deployed.vpc_id)
        assert tg["LoadBalancerArns"] == [deployed.load_balancer()["LoadBalancerArn"]]
        assert {
            "path": tg["HealthCheckPath"],
            "success_codes": tg["Matcher"]["HttpCode"],
            "healthy_threshold": tg["HealthyThresholdCount"],
            "unhealthy_threshold": tg["UnhealthyThresholdCount"],
            "interval": tg["HealthCheckIntervalSeconds"],
            "timeout": tg["HealthCheckTimeoutSeconds"],
        } == {
            "path": hc.path, "success_codes": hc.success_codes,
            "healthy_threshold": hc.healthy_threshold, "unhealthy_threshold": hc.unhealthy_threshold,
            "interval": hc.interval, "timeout": hc.timeout,
        }, svc.name
        assert tg["HealthCheckEnabled"] is True
        attributes = {a["Key"]: a["Value"]
                      for a in elbv2.describe_target_group_attributes(TargetGroupArn=arn)["Attributes"]}
        assert attributes["deregistration_delay.timeout_seconds"] == str(svc.http.deregistration_delay)
        assert attributes["stickiness.enabled"] == str(svc.http.stickiness).lower()


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
        assert service["desiredCount"] == svc.desired_count, svc.name
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

        if svc.http:
            assert service["loadBalancers"] == [{
                "targetGroupArn": deployed.target_group_arn(svc),
                "containerName": svc.name,
                "containerPort": svc.port,
            }]
            assert service["healthCheckGracePeriodSeconds"] == svc.http.healthcheck.grace_period
        else:
            assert service.get("loadBalancers", []) == []


def test_task_definitions(deployed):
    for svc in deployed.app.services:
        task = deployed.task_definition(svc)
        assert (task["cpu"], task["memory"]) == (str(svc.cpu), str(svc.memory)), svc.name
        assert task["networkMode"] == "awsvpc"
        assert task["requiresCompatibilities"] == ["FARGATE"]
        assert task["runtimePlatform"]["cpuArchitecture"] == svc.cpu_architecture
        assert task["executionRoleArn"] and task["taskRoleArn"]
        if svc.storage.ephemeral is not None:
            assert task["ephemeralStorage"] == {"sizeInGiB": svc.storage.ephemeral}
        containers = {c["name"]: c for c in task["containerDefinitions"]}
        assert sorted(containers) == sorted([svc.name] + [s.name for s in svc.sidecars])
        main = containers[svc.name]
        assert main["image"] == svc.image
        assert main["essential"] is True
        assert [p["containerPort"] for p in main["portMappings"]] == [svc.port]
        assert {e["name"]: e["value"] for e in main.get("environment", [])} == dict(svc.variables)
        assert {s["name"]: s["valueFrom"] for s in main.get("secrets", [])} == {
            s.name: s.value_from for s in svc.secrets
        }
        assert main.get("readonlyRootFilesystem", False) is svc.storage.readonly_fs
        assert main["logConfiguration"]["logDriver"] == "awslogs"
        if svc.command:
            assert main["command"] == list(svc.command)
        if svc.healthcheck:
            assert main["healthCheck"]["command"] == list(svc.healthcheck.command)
        for sidecar in svc.sidecars:
            container = containers[sidecar.name]
            assert container["image"] == sidecar.image
            assert container["essential"] is sidecar.essential
            ports = [p["containerPort"] for p in container.get("portMappings", [])]
            assert ports == ([sidecar.port] if sidecar.port is not None else [])


def test_log_groups(deployed):
    logs = deployed.client("logs")
    for svc in deployed.app.services:
        task = deployed.task_definition(svc)
        for container in task["containerDefinitions"]:
            options = container["logConfiguration"]["options"]
            assert options["awslogs-region"] == REGION
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
        }
        wanted = {
            metric: float(getattr(svc.scaling, field))
            for metric, field in services_stack.SCALING_POLICIES.values()
            if getattr(svc.scaling, field) is not None
        }
        assert found == wanted, svc.name
        for p in policies:
            spec = p["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"]
            if p["ResourceId"] == resource_id and spec["PredefinedMetricType"] == "ALBRequestCountPerTarget":
                lb_name = deployed.load_balancer()["LoadBalancerArn"].split(":loadbalancer/")[1]
                tg_name = deployed.target_group_arn(svc).split(":")[-1]
                assert spec["ResourceLabel"] == f"{lb_name}/{tg_name}"
    assert set(targets) == set(expected)
