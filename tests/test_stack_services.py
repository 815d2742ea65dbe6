import json

import cfnlint.api
import pytest

from compiler.pipeline import model_of
from compiler.stacks import services

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbC123"
LB = {"public": True}

# What other stacks output (stacks/common.py); every wired parameter must be one of these.
NETWORK_OUTPUTS = {"VpcId", "VpcCidr", "PublicSubnetIds", "PrivateSubnetIds"}
SHARED_OUTPUTS = {"ClusterName", "ClusterArn", "NamespaceId", "NamespaceArn", "ServicesSecurityGroupId"}


def app(services_spec, load_balancer=LB, **extra):
    spec = {"app": "shop", "services": services_spec, **extra}
    if load_balancer is not None:
        spec["load_balancer"] = load_balancer
    return model_of(spec)


def svc(**spec):
    spec.setdefault("image", f"{ECR}/web:1.0")
    spec.setdefault("port", 8080)
    if spec["port"] is None:
        del spec["port"]
    return spec


def built(services_spec, **kw):
    return {stem: t.to_dict() for stem, t in services.build(app(services_spec, **kw))}


def first(services_spec, **kw):
    return built(services_spec, **kw)["services"]


def props(tpl, logical_id):
    return tpl["Resources"][logical_id]["Properties"]


def of_type(tpl, type_):
    return {k: r["Properties"] for k, r in tpl["Resources"].items() if r["Type"] == type_}


def lint(tpl):
    return cfnlint.api.lint(
        json.dumps(tpl),
        config=cfnlint.api.ManualArgs(regions=["us-east-1"], ignore_checks=["W3002"]),
    )


def walk(node):
    yield node
    if isinstance(node, dict):
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


def worst_case_spec(n):
    """n services with everything on, long names, two sidecars, secrets of both kinds."""
    found = {}
    for i in range(n):
        name = f"worst-case-service-number-{i:02d}"[:28]
        found[name] = {
            "image": f"{ECR}/{name}:1.0",
            "port": 8080,
            "cpu": 1024,
            "count": {"range": "2-20", "cpu_percentage": 60, "memory_percentage": 70, "requests": 500},
            "http": {"path": f"/{name}/*", "healthcheck": {"path": f"/{name}/health"}},
            "connect": True,
            "discovery": True,
            "exec": True,
            "spot": True,
            "variables": {f"VARIABLE_NUMBER_{k}": f"value-{k}-" + "x" * 40 for k in range(10)},
            "secrets": {
                "DB_PASSWORD": f"{SECRET}:password::",
                "API_KEY": f"/shop/dev/{name}/api-key",
                "OTHER": f"arn:aws:ssm:us-east-1:123456789012:parameter/shop/{name}/other",
            },
            "healthcheck": {"command": ["curl", "-f", "http://localhost:8080/health"]},
            "storage": {"readonly_fs": True, "ephemeral": 50, "volumes": {
                "data": {"path": "/data", "read_only": False, "efs": True},
                "shared": {"path": "/shared", "efs": {"id": "fs-0123456789abcdef0", "uid": 1000, "gid": 1000}},
                "scratch": {"path": "/scratch", "read_only": False},
            }},
            "task_role": {
                "policies": [{"actions": ["s3:GetObject", "s3:PutObject"],
                              "resources": [f"arn:aws:s3:::shop-{name}/*"]}],
                "managed_policies": ["arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"],
            },
            "sidecars": {
                "envoy-proxy": {"image": f"{ECR}/envoy:1.30", "port": 9901,
                                "variables": {"A": "b"}, "secrets": {"S": f"/shop/{name}/s"}},
                "log-router": {"image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
                               "essential": False, "command": ["/entrypoint.sh"],
                               "mount_points": [{"source_volume": "data", "path": "/logs"}]},
            },
        }
    return found


# --- grouping ---------------------------------------------------------------------

def names(n, prefix="s"):
    return {f"{prefix}{i}": svc() for i in range(n)}


def grouping(spec):
    return {stem: [s.name for s in group] for stem, group in services.groups(app(spec))}


def test_groups_fill_by_position():
    found = grouping(names(65))
    assert list(found) == ["services", "services-2", "services-3"]
    assert found["services"] == [f"s{i}" for i in range(30)]
    assert found["services-2"] == [f"s{i}" for i in range(30, 60)]
    assert found["services-3"] == [f"s{i}" for i in range(60, 65)]


def test_appending_a_service_moves_no_existing_one():
    before = grouping(names(59))
    after = grouping({**names(59), "late": svc()})
    for stem, members in before.items():
        assert after[stem][: len(members)] == members
    assert after["services-2"][-1] == "late"


def test_editing_a_service_moves_no_other():
    spec = names(40)
    edited = dict(spec, s5=svc(cpu=1024, port=9999, exec=True))
    assert grouping(spec) == grouping(edited)


def test_pinned_services_get_their_own_stack_after_the_numbered_ones():
    spec = {**names(3), "zeta": svc(stack="zz"), "alpha": svc(stack="aa"), "beta": svc(stack="aa")}
    found = grouping(spec)
    assert list(found) == ["services", "services-aa", "services-zz"]
    assert found["services"] == ["s0", "s1", "s2"]
    assert found["services-aa"] == ["alpha", "beta"]
    assert found["services-zz"] == ["zeta"]


def test_first_stack_exists_when_every_service_is_pinned():
    tpls = built({"a": svc(stack="grp", connect=True)})
    assert list(tpls) == ["services", "services-grp"]
    shared = tpls["services"]
    assert set(shared["Resources"]) == {"Cluster", "Namespace", "ServicesSecurityGroup"}
    assert set(shared["Outputs"]) == SHARED_OUTPUTS
    assert not lint(shared)


def test_build_order_matches_groups():
    a = app({**names(31), "p": svc(stack="pinned")})
    assert [stem for stem, _ in services.build(a)] == [stem for stem, _ in services.groups(a)]


# --- worst case: 30 per stack is safe ---------------------------------------------

def test_thirty_worst_case_services_fit_well_under_the_limits():
    a = app(worst_case_spec(services.SERVICES_PER_STACK))
    ((stem, template),) = services.build(a)
    tpl = template.to_dict()
    size = len(json.dumps(tpl, indent=2, sort_keys=True))
    assert len(tpl["Resources"]) < 490       # 483: 16 per service, 3 shared (CloudFormation: 500)
    assert len(tpl["Parameters"]) < 180
    assert len(tpl["Outputs"]) < 190
    assert size < 900 * 1024
    # every per-service feature is really there
    assert len(of_type(tpl, "AWS::ApplicationAutoScaling::ScalingPolicy")) == 90
    assert len(of_type(tpl, "AWS::ServiceDiscovery::Service")) == 30
    assert len(of_type(tpl, "AWS::EFS::AccessPoint")) == 60
    assert len(of_type(tpl, "AWS::EC2::SecurityGroupIngress")) == 90   # NFS, from the ALB, from the services


@pytest.mark.slow
def test_worst_case_overflow_stack_is_lint_clean():
    tpls = built(worst_case_spec(services.SERVICES_PER_STACK + 1))
    assert list(tpls) == ["services", "services-2"]
    errors = [m for m in lint(tpls["services-2"]) if m.rule.id.startswith("E")]
    assert not errors, errors


# --- the shared resources -----------------------------------------------------------

def test_cluster_with_container_insights_and_fargate_capacity_providers():
    tpl = first({"web": svc()})
    cluster = props(tpl, "Cluster")
    assert cluster["ClusterName"] == "shop-dev"
    assert cluster["ClusterSettings"] == [{"Name": "containerInsights", "Value": "enabled"}]
    assert cluster["CapacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    assert cluster["DefaultCapacityProviderStrategy"] == [{"CapacityProvider": "FARGATE", "Weight": 1}]
    assert tpl["Outputs"]["ClusterName"]["Value"] == {"Ref": "Cluster"}
    assert tpl["Outputs"]["ClusterArn"]["Value"] == {"Fn::GetAtt": ["Cluster", "Arn"]}


def test_namespace_only_when_used():
    assert "Namespace" not in first({"web": svc()})["Resources"]
    tpl = first({"web": svc(discovery=True)}, discovery={"namespace": "shop.internal"})
    assert props(tpl, "Namespace") == {
        "Name": "shop.internal", "Vpc": {"Ref": "VpcId"},
        "Description": "Service discovery for shop-dev", "Tags": props(tpl, "Namespace")["Tags"],
    }
    assert tpl["Outputs"]["NamespaceId"]["Value"] == {"Fn::GetAtt": ["Namespace", "Id"]}
    assert tpl["Outputs"]["NamespaceArn"]["Value"] == {"Fn::GetAtt": ["Namespace", "Arn"]}


def test_shared_security_group_has_no_ingress_and_no_real_egress():
    sg = props(first({"web": svc()}), "ServicesSecurityGroup")
    assert "SecurityGroupIngress" not in sg
    assert sg["SecurityGroupEgress"] == [{
        "IpProtocol": "icmp", "FromPort": 252, "ToPort": 86, "CidrIp": "255.255.255.255/32",
        "Description": "Disallow all traffic",
    }]


def test_later_stacks_take_shared_values_as_wired_parameters():
    spec = {**names(30), "late": svc(connect=True, discovery=True, placement="public",
                                     http={"path": "/late/*"}, count={"range": "1-3", "requests": 10})}
    tpls = built(spec)
    later = tpls["services-2"]
    assert "Cluster" not in later["Resources"] and "Outputs" not in later
    assert set(later["Parameters"]) == (SHARED_OUTPUTS - {"ClusterArn"}) | {
        "VpcId", "VpcCidr", "PublicSubnetIds", "AlbSecurityGroupId", "LoadBalancerFullName",
        "LateTargetGroupArn", "LateTargetGroupFullName",
    }
    service = props(later, "LateEcsService")
    assert service["Cluster"] == {"Ref": "ClusterName"}
    assert service["ServiceConnectConfiguration"]["Namespace"] == {"Ref": "NamespaceArn"}
    assert service["NetworkConfiguration"]["AwsvpcConfiguration"]["SecurityGroups"][1] == {
        "Ref": "ServicesSecurityGroupId"}
    assert props(later, "LateDiscoveryService")["NamespaceId"] == {"Ref": "NamespaceId"}
    assert later["Parameters"]["PublicSubnetIds"]["Type"] == "List<AWS::EC2::Subnet::Id>"
    assert not [m for m in lint(later) if m.rule.id.startswith("E")]


def test_parameters_are_declared_only_when_used():
    tpl = first({"web": svc()}, load_balancer=None)
    assert set(tpl["Parameters"]) == {"VpcId", "VpcCidr", "PrivateSubnetIds"}


# --- per service --------------------------------------------------------------------

def test_task_definition():
    tpl = first({"api": svc(
        cpu=512, memory=2048, platform="linux/arm64", port=5000, http={"path": "/api/*"},
        variables={"ZED": 1, "ALPHA": "a"}, secrets={"DB": SECRET, "KEY": "/shop/key"},
        command=["serve"], entrypoint=["/bin/app"],
        healthcheck={"command": ["curl -f localhost:5000"], "interval": 10},
        storage={"readonly_fs": True, "ephemeral": 30},
        sidecars={"zproxy": {"image": "nginx:1.27", "port": 80},
                  "agent": {"image": f"{ECR}/agent:1", "essential": False,
                            "variables": {"B": "2"}, "secrets": {"T": "/shop/t"}}},
    )})
    td = props(tpl, "ApiTaskDefinition")
    assert td["Family"] == "shop-dev-api"
    assert (td["Cpu"], td["Memory"]) == ("512", "2048")
    assert td["NetworkMode"] == "awsvpc" and td["RequiresCompatibilities"] == ["FARGATE"]
    assert td["RuntimePlatform"] == {"CpuArchitecture": "ARM64", "OperatingSystemFamily": "LINUX"}
    assert td["EphemeralStorage"] == {"SizeInGiB": 30}
    assert td["ExecutionRoleArn"] == {"Fn::GetAtt": ["ApiExecutionRole", "Arn"]}
    assert td["TaskRoleArn"] == {"Fn::GetAtt": ["ApiTaskRole", "Arn"]}
    main, agent, zproxy = td["ContainerDefinitions"]
    assert main["Name"] == "api" and main["Essential"] is True
    assert main["Image"] == f"{ECR}/web:1.0"
    assert main["PortMappings"] == [
        {"ContainerPort": 5000, "Protocol": "tcp", "Name": "api-5000", "AppProtocol": "http"}]
    assert main["Environment"] == [{"Name": "ALPHA", "Value": "a"}, {"Name": "ZED", "Value": "1"}]
    assert main["Secrets"] == [{"Name": "DB", "ValueFrom": SECRET}, {"Name": "KEY", "ValueFrom": "/shop/key"}]
    assert main["Command"] == ["serve"] and main["EntryPoint"] == ["/bin/app"]
    assert main["HealthCheck"] == {"Command": ["CMD-SHELL", "curl -f localhost:5000"], "Interval": 10,
                                   "Retries": 3, "Timeout": 5, "StartPeriod": 0}
    assert main["ReadonlyRootFilesystem"] is True and main["Privileged"] is False
    assert "LinuxParameters" not in main
    assert main["LogConfiguration"] == {"LogDriver": "awslogs", "Options": {
        "awslogs-group": {"Ref": "ApiLogGroup"}, "awslogs-region": {"Ref": "AWS::Region"},
        "awslogs-stream-prefix": "api"}}
    assert agent["Name"] == "agent" and agent["Essential"] is False and agent["Privileged"] is False
    assert agent["ReadonlyRootFilesystem"] is True  # storage.readonly_fs is the whole task's (ECS.5)
    assert agent["Environment"] == [{"Name": "B", "Value": "2"}]
    assert agent["Secrets"] == [{"Name": "T", "ValueFrom": "/shop/t"}]
    assert "PortMappings" not in agent
    assert agent["LogConfiguration"]["Options"]["awslogs-stream-prefix"] == "agent"
    assert agent["LogConfiguration"]["Options"]["awslogs-group"] == {"Ref": "ApiLogGroup"}
    assert zproxy["PortMappings"] == [{"ContainerPort": 80, "Protocol": "tcp", "Name": "zproxy-80"}]
    log_group = props(tpl, "ApiLogGroup")
    assert "LogGroupName" not in log_group and log_group["RetentionInDays"] == 30


def test_plain_service_port_has_no_app_protocol():
    td = props(first({"worker": svc()}), "WorkerTaskDefinition")
    assert "AppProtocol" not in td["ContainerDefinitions"][0]["PortMappings"][0]
    assert "EphemeralStorage" not in td
    assert td["RuntimePlatform"]["CpuArchitecture"] == "X86_64"


def test_roles_are_separate_and_least_privilege():
    tpl = first({"api": svc(secrets={"DB": SECRET + ":password::", "KEY": "/shop/key"},
                            sidecars={"hub": {"image": "nginx:1.27"}})})
    execution, task = props(tpl, "ApiExecutionRole"), props(tpl, "ApiTaskRole")
    assert execution is not task
    for role in (execution, task):
        (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"Service": ["ecs-tasks.amazonaws.com"]}
        assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    assert "Policies" not in task and "ManagedPolicyArns" not in task
    (policy,) = execution["Policies"]
    resources = {s["Sid"]: s["Resource"] for s in policy["PolicyDocument"]["Statement"]}
    assert resources == {
        "EcrAuthorization": ["*"],
        "EcrPull": ["arn:aws:ecr:us-east-1:123456789012:repository/web"],
        "Logs": [{"Fn::GetAtt": ["ApiLogGroup", "Arn"]}],
        "Secrets": [SECRET],
        "Parameters": [{"Fn::Sub":
                        "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/shop/key"}],
    }


def test_task_role_from_spec():
    task = props(first({"api": svc(task_role={
        "policies": [{"actions": ["sqs:SendMessage"], "resources": ["arn:aws:sqs:us-east-1:123456789012:q"]}],
        "managed_policies": ["arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"],
    })}), "ApiTaskRole")
    (policy,) = task["Policies"]
    assert policy["PolicyDocument"]["Statement"] == [{
        "Sid": "Spec1", "Effect": "Allow", "Action": ["sqs:SendMessage"],
        "Resource": ["arn:aws:sqs:us-east-1:123456789012:q"]}]
    assert task["ManagedPolicyArns"] == ["arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"]


def test_no_wildcard_action_and_no_ingress_from_anywhere():
    tpl = built(worst_case_spec(3))["services"]
    for node in walk(tpl):
        if isinstance(node, dict) and "Action" in node and "Effect" in node:
            actions = node["Action"] if isinstance(node["Action"], list) else [node["Action"]]
            assert not [a for a in actions if "*" in a], node
    for sg in of_type(tpl, "AWS::EC2::SecurityGroup").values():
        for rule in sg.get("SecurityGroupIngress", []):
            assert "CidrIp" not in rule and "CidrIpv6" not in rule
            assert rule["Description"]
        for rule in sg["SecurityGroupEgress"]:
            assert rule["Description"]


def test_task_security_group():
    tpl = first({"web": svc(port=80, http={"path": "/"}), "quotes": svc(discovery=True),
                 "worker": svc()})
    web = props(tpl, "WebTaskSecurityGroup")
    assert web["VpcId"] == {"Ref": "VpcId"}
    # Ingress rules are resources of their own: a port change replaces them, and the old
    # port's rule is deleted only in the cleanup phase, after the rolling deployment.
    assert web["SecurityGroupIngress"] == []
    assert props(tpl, "WebLoadBalancerIngress") == {
        "GroupId": {"Fn::GetAtt": ["WebTaskSecurityGroup", "GroupId"]},
        "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
        "SourceSecurityGroupId": {"Ref": "AlbSecurityGroupId"},
        "Description": "From the load balancer to web:80"}
    assert tpl["Resources"]["WebEcsService"]["DependsOn"] == ["WebLoadBalancerIngress"]
    assert web["SecurityGroupEgress"] == [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0",
         "Description": "HTTPS out: image registries and AWS APIs"},
        {"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "CidrIp": {"Ref": "VpcCidr"},
         "Description": "TCP to the other services in the VPC"},
    ]
    assert props(tpl, "QuotesTaskSecurityGroup")["SecurityGroupIngress"] == []
    assert props(tpl, "QuotesServicesIngress") == {
        "GroupId": {"Fn::GetAtt": ["QuotesTaskSecurityGroup", "GroupId"]},
        "IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
        "SourceSecurityGroupId": {"Fn::GetAtt": ["ServicesSecurityGroup", "GroupId"]},
        "Description": "From the other services of the app to quotes:8080"}
    assert props(tpl, "WorkerTaskSecurityGroup")["SecurityGroupIngress"] == []
    assert not [k for k in tpl["Resources"] if k.startswith("Worker") and k.endswith("Ingress")]
    assert "DependsOn" not in tpl["Resources"]["WorkerEcsService"]


def test_ecs_service_defaults():
    tpl = first({"web": svc(http={"path": "/", "healthcheck": {"grace_period": 90}}, count=3)})
    service = props(tpl, "WebEcsService")
    assert service["Cluster"] == {"Ref": "Cluster"}
    assert service["TaskDefinition"] == {"Ref": "WebTaskDefinition"}
    assert service["DesiredCount"] == 3
    assert service["LaunchType"] == "FARGATE" and "CapacityProviderStrategy" not in service
    assert service["PlatformVersion"] == "LATEST"
    assert service["NetworkConfiguration"] == {"AwsvpcConfiguration": {
        "Subnets": {"Ref": "PrivateSubnetIds"},
        "AssignPublicIp": "DISABLED",
        "SecurityGroups": [{"Fn::GetAtt": ["WebTaskSecurityGroup", "GroupId"]},
                           {"Fn::GetAtt": ["ServicesSecurityGroup", "GroupId"]}],
    }}
    assert service["LoadBalancers"] == [{"ContainerName": "web", "ContainerPort": 8080,
                                         "TargetGroupArn": {"Ref": "WebTargetGroupArn"}}]
    assert service["HealthCheckGracePeriodSeconds"] == 90
    assert service["DeploymentConfiguration"] == {
        "MinimumHealthyPercent": 100, "MaximumPercent": 200,
        "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True}}
    assert service["EnableExecuteCommand"] is False
    assert service["PropagateTags"] == "SERVICE" and service["EnableECSManagedTags"] is True
    assert "ServiceConnectConfiguration" not in service and "ServiceRegistries" not in service
    assert tpl["Resources"]["WebEcsService"]["DependsOn"] == ["WebLoadBalancerIngress"]
    assert "ServiceName" not in service
    assert {"Key": "fargate-compile:service", "Value": "web"} in service["Tags"]


def test_deployment_settings():
    service = props(first({"w": svc(deployment={"min_healthy_percent": 50, "max_percent": 150,
                                                 "rollback": False})}), "WEcsService")
    assert service["DeploymentConfiguration"] == {
        "MinimumHealthyPercent": 50, "MaximumPercent": 150,
        "DeploymentCircuitBreaker": {"Enable": True, "Rollback": False}}


def test_spot_uses_capacity_provider_strategy():
    service = props(first({"w": svc(spot=True)}), "WEcsService")
    assert "LaunchType" not in service
    assert service["CapacityProviderStrategy"] == [{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]


def test_public_placement():
    tpl = first({"w": svc(placement="public")})
    network = props(tpl, "WEcsService")["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["AssignPublicIp"] == "ENABLED"
    assert network["Subnets"] == {"Ref": "PublicSubnetIds"}
    assert "PrivateSubnetIds" not in tpl["Parameters"]


def test_exec():
    tpl = first({"w": svc(exec=True)})
    assert props(tpl, "WEcsService")["EnableExecuteCommand"] is True
    main = props(tpl, "WTaskDefinition")["ContainerDefinitions"][0]
    assert main["LinuxParameters"] == {"InitProcessEnabled": True}
    (policy,) = props(tpl, "WTaskRole")["Policies"]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == [
        "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]
    assert statement["Resource"] == ["*"]


def test_discovery():
    tpl = first({"quotes": svc(discovery=True)})
    assert props(tpl, "QuotesDiscoveryService") == {
        "Name": "quotes",
        "Description": "A records of the quotes tasks",
        "NamespaceId": {"Fn::GetAtt": ["Namespace", "Id"]},
        "DnsConfig": {"DnsRecords": [{"Type": "A", "TTL": 10}], "RoutingPolicy": "MULTIVALUE"},
        "HealthCheckCustomConfig": {"FailureThreshold": 1},
        "Tags": props(tpl, "QuotesDiscoveryService")["Tags"],
    }
    assert props(tpl, "QuotesEcsService")["ServiceRegistries"] == [
        {"RegistryArn": {"Fn::GetAtt": ["QuotesDiscoveryService", "Arn"]}}]


def test_connect_servers_and_clients():
    tpl = first({"front": svc(port=3000, connect={"alias": "web"}), "client": svc(),
                 "both": svc(connect=True, discovery=True)})
    assert props(tpl, "FrontEcsService")["ServiceConnectConfiguration"] == {
        "Enabled": True,
        "Namespace": {"Fn::GetAtt": ["Namespace", "Arn"]},
        "Services": [{"PortName": "front-3000", "DiscoveryName": "web",
                      "ClientAliases": [{"Port": 3000, "DnsName": "web"}]}],
    }
    assert props(tpl, "ClientEcsService")["ServiceConnectConfiguration"] == {
        "Enabled": True, "Namespace": {"Fn::GetAtt": ["Namespace", "Arn"]}}
    # the DNS A-record service is "both": Service Connect must not take the same Cloud Map name
    (both,) = props(tpl, "BothEcsService")["ServiceConnectConfiguration"]["Services"]
    assert both["DiscoveryName"] == "both-connect"
    assert both["ClientAliases"] == [{"Port": 8080, "DnsName": "both"}]
    assert props(tpl, "BothDiscoveryService")["Name"] == "both"
    front_port = props(tpl, "FrontTaskDefinition")["ContainerDefinitions"][0]["PortMappings"][0]
    assert front_port["Name"] == "front-3000" and front_port["AppProtocol"] == "http"


def test_scaling():
    tpl = first({"web": svc(http={"path": "/"},
                            count={"range": "2-10", "cpu_percentage": 70, "requests": 1000})})
    # No DesiredCount: each stack update would reset the scaled count (compiler/lint/rules W9003).
    assert "DesiredCount" not in props(tpl, "WebEcsService")
    target = props(tpl, "WebScalableTarget")
    assert target["ServiceNamespace"] == "ecs"
    assert target["ScalableDimension"] == "ecs:service:DesiredCount"
    assert target["ResourceId"] == {"Fn::Sub": ["service/${ClusterName}/${ServiceName}", {
        "ClusterName": {"Ref": "Cluster"}, "ServiceName": {"Fn::GetAtt": ["WebEcsService", "Name"]}}]}
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 10)
    assert "RoleARN" not in target
    policies = of_type(tpl, "AWS::ApplicationAutoScaling::ScalingPolicy")
    assert set(policies) == {"WebCpuScaling", "WebRequestsScaling"}
    cpu = policies["WebCpuScaling"]
    assert cpu["PolicyType"] == "TargetTrackingScaling"
    assert cpu["ScalingTargetId"] == {"Ref": "WebScalableTarget"}
    assert cpu["TargetTrackingScalingPolicyConfiguration"] == {
        "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
        "TargetValue": 70.0, "ScaleOutCooldown": 60, "ScaleInCooldown": 120}
    requests = policies["WebRequestsScaling"]["TargetTrackingScalingPolicyConfiguration"]
    assert requests["PredefinedMetricSpecification"] == {
        "PredefinedMetricType": "ALBRequestCountPerTarget",
        "ResourceLabel": {"Fn::Join": ["/", [{"Ref": "LoadBalancerFullName"},
                                              {"Ref": "WebTargetGroupFullName"}]]}}
    assert requests["TargetValue"] == 1000.0


def test_memory_scaling_only():
    tpl = first({"w": svc(count={"range": "1-4", "memory_percentage": 80})})
    policies = of_type(tpl, "AWS::ApplicationAutoScaling::ScalingPolicy")
    assert list(policies) == ["WMemoryScaling"]
    assert policies["WMemoryScaling"]["TargetTrackingScalingPolicyConfiguration"][
        "PredefinedMetricSpecification"] == {"PredefinedMetricType": "ECSServiceAverageMemoryUtilization"}
    assert "LoadBalancerFullName" not in first({"w": svc(count={"range": "1-4", "memory_percentage": 80})})[
        "Parameters"]


def test_tags_on_taggable_resources():
    tpl = first({"web": svc(discovery=True, count={"range": "1-2", "cpu_percentage": 50})},
                tags={"team": "web"})
    untaggable = {"AWS::ApplicationAutoScaling::ScalingPolicy", "AWS::EC2::SecurityGroupIngress"}
    for logical_id, resource in tpl["Resources"].items():
        if resource["Type"] in untaggable:
            continue
        tags = {t["Key"]: t["Value"] for t in resource["Properties"]["Tags"]}
        assert tags["team"] == "web", logical_id
        assert tags["fargate-compile:application"] == "shop", logical_id


def test_logical_ids_of_lookalike_service_names_do_not_collide():
    # "services"+"TaskSecurityGroup" vs the shared SG, "foo-discovery"+"EcsService" vs "foo"'s registry
    spec = {"services": svc(), "foo": svc(discovery=True), "foo-discovery": svc()}
    tpl = first(spec)
    assert len(tpl["Resources"]) == 3 + 3 * 6 + 1 + 1     # foo's discovery service, foo's ingress


def test_deterministic():
    spec = worst_case_spec(2)
    assert json.dumps(built(spec), sort_keys=True) == json.dumps(built(spec), sort_keys=True)


# --- cfn-lint -------------------------------------------------------------------------

LINT_CASES = {
    "minimal": ({"web": svc()}, {"load_balancer": None}),
    "public-spot-exec": ({"web": svc(placement="public", spot=True, exec=True,
                                     storage={"readonly_fs": True, "ephemeral": 21})}, {}),
    "routed-scaling": ({"web": svc(http={"path": "/"}, count={
        "range": "1-5", "cpu_percentage": 50, "memory_percentage": 60, "requests": 100})}, {}),
    "connect-discovery": ({"a": svc(connect=True), "b": svc(discovery=True),
                           "c": svc(connect={"alias": "see"}, discovery=True), "d": svc()}, {}),
    "sidecars-secrets": ({"web": svc(
        secrets={"A": SECRET, "B": "/x/y", "C": "arn:aws:ssm:us-east-1:123456789012:parameter/z"},
        task_role={"policies": [{"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::b/*"]}],
                   "managed_policies": ["arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"]},
        healthcheck={"command": ["CMD", "true"]},
        sidecars={"side": {"image": "nginx", "port": 81, "essential": False,
                           "secrets": {"S": SECRET + ":k::"}}})}, {}),
    "pinned": ({"a": svc(stack="x", connect=True, http={"path": "/a/*"}), "b": svc()}, {}),
    "worst-case-3": (worst_case_spec(3), {}),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(LINT_CASES))
def test_cfn_lint_clean(case):
    spec, kw = LINT_CASES[case]
    for stem, tpl in built(spec, **kw).items():
        findings = lint(tpl)
        assert not [m for m in findings if m.rule.id.startswith("E")], (stem, findings)
        assert not findings, (stem, findings)  # no warnings either


@pytest.mark.parametrize("case", sorted(LINT_CASES))
def test_every_parameter_is_wired_from_a_known_output(case):
    spec, kw = LINT_CASES[case]
    for stem, tpl in built(spec, **kw).items():
        for name in tpl.get("Parameters", {}):
            assert (name in NETWORK_OUTPUTS or name in SHARED_OUTPUTS
                    or name in {"AlbSecurityGroupId", "LoadBalancerFullName"}
                    or name in {"FileSystemId", "FileSystemSecurityGroupId"}  # storage.json
                    or name.endswith(("TargetGroupArn", "TargetGroupFullName"))), (stem, name)
            if stem == "services":
                assert name not in SHARED_OUTPUTS


@pytest.mark.parametrize("retain", [True, False])
def test_stateful_resources_are_retained_unless_the_spec_opts_out(retain):
    """Log groups and the namespace outlive removal, rename, replacement and stack deletion."""
    extra = {} if retain else {"retain_data": False}
    tpl = first({"api": svc(connect=True), "db": svc(discovery=True)}, **extra)
    stateful = [k for k, r in tpl["Resources"].items()
                if r["Type"] in ("AWS::Logs::LogGroup", "AWS::ServiceDiscovery::PrivateDnsNamespace")]
    assert sorted(stateful) == ["ApiLogGroup", "DbLogGroup", "Namespace"]
    for logical_id in stateful:
        resource = tpl["Resources"][logical_id]
        if retain:
            assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"
            assert "LogGroupName" not in resource["Properties"]
        else:
            assert "DeletionPolicy" not in resource and "UpdateReplacePolicy" not in resource
    others = [r for k, r in tpl["Resources"].items() if k not in stateful]
    assert others and not any("DeletionPolicy" in r for r in others)


def test_worker_without_port_has_no_port_mapping_no_ingress_no_target_group():
    tpl = first({"worker": svc(port=None, command=["work"]), "api": svc(http={"path": "/"}, connect=True)})
    td = props(tpl, "WorkerTaskDefinition")
    [main] = td["ContainerDefinitions"]
    assert "PortMappings" not in main
    assert props(tpl, "WorkerTaskSecurityGroup")["SecurityGroupIngress"] == []
    ecs_service = props(tpl, "WorkerEcsService")
    assert "LoadBalancers" not in ecs_service and "HealthCheckGracePeriodSeconds" not in ecs_service
    # A Service Connect client only: it resolves the others' aliases, serves none.
    assert "Services" not in ecs_service["ServiceConnectConfiguration"]
    assert not any(k.startswith("Worker") and "TargetGroup" in k for k in tpl.get("Parameters", {}))
