"""The doors of #26 as a deployed app shows them: Network Load Balancers (a service's own and
shared ones), their listeners, target groups and security groups, and the ALB's additional
rules (sidecar targets, HTTP/2 and gRPC). Expectations from the model (docs/spec.md), read
back through ELB, EC2 and ECS; test_deploy.py calls these for every deployed spec."""

from __future__ import annotations

from compiler import model as m
from compiler.stacks import alb_routing
from compiler.stacks import network as network_stack
from compiler.stacks import nlb as nlb_stack

LB = "AWS::ElasticLoadBalancingV2::LoadBalancer"
LISTENER = "AWS::ElasticLoadBalancingV2::Listener"
TG = "AWS::ElasticLoadBalancingV2::TargetGroup"
SG = "AWS::EC2::SecurityGroup"


# --- ids ---------------------------------------------------------------------------------------

def nlb_ids(svc: m.Service) -> tuple[str, str, str, str]:
    """(load balancer, security group, listener, target group) logical IDs of a service's NLB."""
    shared = svc.nlb.load_balancer
    if shared:
        lb = nlb_stack.shared_prefix(shared)
        own = svc.key + lb
        return lb, lb + "SecurityGroup", own + "Listener", own + "TargetGroup"
    return (svc.key + nlb_stack.LOAD_BALANCER, svc.key + nlb_stack.SECURITY_GROUP,
            svc.key + nlb_stack.LISTENER, svc.key + nlb_stack.TARGET_GROUP)


def dns_outputs(app: m.App) -> set[str]:
    """The root's outputs of the NLBs' DNS names: one per NLB, a shared one once."""
    return ({nlb_stack.dns_output(s) for s in app.nlb_services}
            | {nlb_stack.shared_prefix(lb.name) + "DnsName" for lb in app.network_load_balancers})


# --- what ECS and the tasks' groups hold -----------------------------------------------------

def ecs_load_balancers(deployed, svc: m.Service) -> list[tuple[str, str, int]]:
    """(target group ARN, container, port) of every load balancer the ECS service names, sorted."""
    found = []
    if svc.http:
        found.append((deployed.target_group_arn(svc), svc.http.target_container, svc.http.target_port))
        for i, route in enumerate(svc.http.additional_rules):
            arn = deployed.resource(alb_routing.rule_prefix(svc, i) + "TargetGroup", TG)
            found.append((arn, route.target_container, route.target_port))
    if svc.nlb:
        found.append((deployed.resource(nlb_ids(svc)[3], TG), svc.name, svc.nlb.target_port))
    return sorted(found)


def task_ingress(deployed, svc: m.Service, alb_group: str | None) -> set[tuple]:
    """The task group's rules from the load balancers: the ALB on every port it sends to, the
    NLB's group on the target port (its protocols) and the health check port (tcp)."""
    found = set()
    if svc.http:
        found |= {("tcp", port, port, alb_group) for port in svc.http.target_ports}
    if svc.nlb:
        group = deployed.resource(nlb_ids(svc)[1], SG)
        found |= {(proto, port, port, group) for proto, port in nlb_stack.task_ports(svc.nlb)}
    return found


def port_mappings(svc: m.Service) -> dict[str, list[tuple[int, str]]]:
    """Container -> (port, protocol) of its port mappings, in order: the service port (udp for a
    UDP NLB on it, or a udp mapping beside the tcp one when the port also serves TCP), the
    NLB's target port of its own, then the ports the ALB's routes send to that are not mapped."""
    main: list[tuple[int, str]] = [(svc.port, "tcp")] if svc.port is not None else []
    if svc.nlb:
        proto = svc.nlb.container_protocol
        if svc.nlb.target_port != svc.port:
            main.append((svc.nlb.target_port, proto))
        elif proto != "tcp" and (svc.http or svc.connect or svc.discovery):
            main.append((svc.port, proto))
        elif proto != "tcp":
            main[0] = (svc.port, proto)
    found = {svc.name: main, **{s.name: [(s.port, "tcp")] if s.port is not None else [] for s in svc.sidecars}}
    if svc.http:
        routes = [(svc.http.target_container, svc.http.target_port)]
        routes += [(r.target_container, r.target_port) for r in svc.http.additional_rules]
        for container, port in sorted(set(routes), key=lambda r: (r[0], r[1])):
            if port not in {p for p, _ in found[container]}:
                found[container].append((port, "tcp"))
    return found


# --- Network Load Balancers --------------------------------------------------------------------

def check_network_load_balancers(deployed) -> int:
    """Every NLB: scheme, subnets and group; each listener's port, protocol, certificate and
    target group; each target group's protocol, port, health check and delay; the NLB group's
    rules. Returns how many listeners were read back."""
    app, elbv2, ec2 = deployed.app, deployed.client("elbv2"), deployed.client("ec2")
    balancers = {lb["LoadBalancerArn"]: lb for lb in elbv2.describe_load_balancers()["LoadBalancers"]
                 if lb["Type"] == "network"}
    assert len(balancers) == app.nlb_count
    by_dns = {lb["DNSName"]: lb for lb in balancers.values()}
    read = 0
    groups: dict[str, set] = {}
    for svc in app.nlb_services:
        nlb = svc.nlb
        lb_id, sg_id, listener_id, tg_id = nlb_ids(svc)
        lb = balancers[deployed.resource(lb_id, LB)]
        assert by_dns[deployed.root.outputs[nlb_stack.dns_output(svc)]] is lb, svc.name
        assert lb["Scheme"] == ("internet-facing" if nlb.public else "internal"), svc.name
        subnets = deployed.public_subnet_ids if nlb.public else deployed.private_subnet_ids
        assert sorted(z["SubnetId"] for z in lb["AvailabilityZones"]) == sorted(subnets), svc.name
        group = deployed.resource(sg_id, SG)
        assert lb.get("SecurityGroups") == [group], svc.name
        listener_arn = deployed.resource(listener_id, LISTENER)
        [listener] = elbv2.describe_listeners(ListenerArns=[listener_arn])["Listeners"]
        assert listener["LoadBalancerArn"] == lb["LoadBalancerArn"]
        assert (listener["Port"], listener["Protocol"]) == (nlb.port, nlb.protocol), svc.name
        if nlb.protocol == "TLS":
            assert [c["CertificateArn"] for c in listener["Certificates"]] == [nlb.certificate_arn]
            assert listener["SslPolicy"] == nlb.ssl_policy
        else:
            assert not listener.get("Certificates"), svc.name
        tg_arn = deployed.resource(tg_id, TG)
        [action] = listener["DefaultActions"]
        assert (action["Type"], action["TargetGroupArn"]) == ("forward", tg_arn), svc.name
        [tg] = elbv2.describe_target_groups(TargetGroupArns=[tg_arn])["TargetGroups"]
        hc = nlb.healthcheck
        assert (tg["Protocol"], tg["Port"], tg["TargetType"], tg["VpcId"]) == (
            nlb.target_protocol, alb_routing.TARGET_GROUP_PORT, "ip", deployed.vpc_id), svc.name
        assert tg["LoadBalancerArns"] == [lb["LoadBalancerArn"]], svc.name
        assert {"protocol": tg["HealthCheckProtocol"], "port": tg["HealthCheckPort"],
                "interval": tg["HealthCheckIntervalSeconds"], "healthy": tg["HealthyThresholdCount"],
                "unhealthy": tg["UnhealthyThresholdCount"], "path": tg.get("HealthCheckPath")} == {
            "protocol": hc.protocol, "port": str(hc.port) if hc.port is not None else "traffic-port",
            "interval": hc.interval, "healthy": hc.healthy_threshold, "unhealthy": hc.unhealthy_threshold,
            "path": hc.path}, svc.name
        attributes = {a["Key"]: a["Value"]
                      for a in elbv2.describe_target_group_attributes(TargetGroupArn=tg_arn)["Attributes"]}
        assert attributes["deregistration_delay.timeout_seconds"] == str(nlb.deregistration_delay)
        groups.setdefault(group, set()).update(
            (proto, nlb.port, nlb.port, cidr) for proto in nlb.ip_protocols for cidr in nlb.allowed_cidrs)
        read += 1
    for group, inbound in groups.items():
        [found] = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
        assert sg_rules(found["IpPermissions"]) == inbound, group
        egress = sg_rules(found["IpPermissionsEgress"])
        # To the VPC cidr, or in an existing VPC to the group every task wears.
        target = app.network.cidr if app.network.existing is None else deployed.resource(
            network_stack.TASKS_SECURITY_GROUP, SG)
        owners = [s for s in app.nlb_services if deployed.resource(nlb_ids(s)[1], SG) == group]
        expected = {(proto, port, port, target) for s in owners for proto, port in nlb_stack.task_ports(s.nlb)}
        assert egress == expected | {("icmp", 252, 86, "255.255.255.255/32")}, group
    for lb in app.network_load_balancers:
        arn = deployed.resource(nlb_stack.shared_prefix(lb.name), LB)
        assert by_dns[deployed.root.outputs[nlb_stack.shared_prefix(lb.name) + "DnsName"]] is balancers[arn]
        listeners = elbv2.describe_listeners(LoadBalancerArn=arn)["Listeners"]
        assert sorted(x["Port"] for x in listeners) == sorted(s.nlb.port for s in app.shared_nlb_services(lb.name))
    return read


def sg_rules(permissions: list[dict]) -> set[tuple]:
    """Security group rules as (protocol, from port, to port, source or destination)."""
    found = set()
    for rule in permissions:
        key = (rule["IpProtocol"], rule.get("FromPort"), rule.get("ToPort"))
        found |= {key + (r["CidrIp"],) for r in rule.get("IpRanges", [])}
        found |= {key + (r["CidrIpv6"],) for r in rule.get("Ipv6Ranges", [])}
        found |= {key + (r["GroupId"],) for r in rule.get("UserIdGroupPairs", [])}
        found |= {key + (r["PrefixListId"],) for r in rule.get("PrefixListIds", [])}
    return found


# --- the ALB's additional rules ------------------------------------------------------------------

def target_groups(deployed) -> list[tuple[str, m.Http, str, m.HealthCheck]]:
    """(ARN, http, version, health check) of every ALB target group: the routes' and the rules'."""
    found = []
    for s in deployed.app.routed_services:
        found.append((deployed.target_group_arn(s), s.http, s.http.version, s.http.healthcheck))
        for i, r in enumerate(s.http.additional_rules):
            arn = deployed.resource(alb_routing.rule_prefix(s, i) + "TargetGroup", TG)
            found.append((arn, s.http, r.version, r.healthcheck))
    return found


def matcher(version: str, hc: m.HealthCheck) -> dict:
    return {"GrpcCode": hc.grpc_codes} if version == "GRPC" else {"HttpCode": hc.success_codes}
