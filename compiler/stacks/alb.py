"""alb.json: the Application Load Balancer, its security group, listeners, target
groups and listener rules, and (on request) a locked-down access-logs bucket.
What a shifted deployment strategy adds (alternate group, production and test rules)
is alb_shift.py's.

This module builds the template, the load balancer and its listeners; the security
group is alb_security.py's, target groups and rules alb_routing.py's, the access logs
alb_logs.py's, certificates and DNS records domains.py's.

Built when the spec has a `load_balancer` or `load_balancers`: every ALB of the app in
this one template, the first with today's logical IDs, the others with their key in front
(InternalLoadBalancer, InternalHttpListener, ...); an existing ALB (`arn`) gets only its
services' target groups and listener rules. Every value comes from the model;
Parameters are only the network wiring (see stacks/common.py). What the spec opts
out of (plain HTTP, no access logs, port 80 open to the internet) is written on the
resource as a checkov skip with its reason (stacks/scanner_skips.py).
"""

from __future__ import annotations

from troposphere import GetAtt, Ref, Template
from troposphere import elasticloadbalancingv2 as elb

from compiler import model as m
from compiler.stacks import alb_logs, alb_routing, alb_security, alb_shift, domains
from compiler.stacks import scanner_skips as skips
from compiler.stacks.common import SUBNET_LIST, new_template, tags, wire_output, wire_param

LOAD_BALANCER = "LoadBalancer"
HTTP_LISTENER = "HttpListener"
HTTPS_LISTENER = "HttpsListener"


def _param(t: Template, name: str, type_: str = "String"):
    """A wiring parameter, once however many load balancers ask for it."""
    return t.parameters[name] if name in t.parameters else wire_param(t, name, type_)


def build(app: m.App) -> Template:
    assert app.load_balancers, "alb.build is only called for apps with a load balancer"
    t = new_template(app, "application load balancer")
    vpc_id = wire_param(t, "VpcId", "AWS::EC2::VPC::Id")
    # Egress goes to the VPC's tasks only; no routed service, no egress, no VpcCidr. In an
    # existing VPC (cidr perhaps unknown) to the security group every task of the app wears.
    targets = None
    if any(app.routed_by(lb) for lb in app.owned_load_balancers):
        targets = ({"CidrIp": Ref(wire_param(t, "VpcCidr"))} if app.network.existing is None else
                   {"DestinationSecurityGroupId": Ref(wire_param(
                       t, "TasksSecurityGroupId", "AWS::EC2::SecurityGroup::Id"))})
    for lb_spec in app.load_balancers:
        if lb_spec.existing is None:
            _owned(app, t, lb_spec, vpc_id, targets)
        else:
            _existing(app, t, lb_spec, vpc_id)
    return t


def _existing(app: m.App, t: Template, lb_spec: m.LoadBalancer, vpc_id) -> None:
    """An ALB the app does not own: its services' target groups, and their rules on the
    spec's listener (never modified: no default action, certificate or listener of ours)."""
    listener = lb_spec.existing.listener_arn
    for service in app.routed_by(lb_spec):
        tg = t.add_resource(alb_routing.target_group(app, service, vpc_id, lb_spec))
        t.add_resource(alb_routing.listener_rule(app, service, listener, tg, lb_spec))
        _service_outputs(t, service, tg, None, None, lb_spec)
    alb_routing.additional_routes(app, t, listener, vpc_id, lb_spec)


def _owned(app: m.App, t: Template, lb_spec: m.LoadBalancer, vpc_id, targets) -> None:
    name = app.stack_name if not lb_spec.key else f"{app.stack_name}-{lb_spec.name}"
    key = lb_spec.key
    routed = app.routed_by(lb_spec)
    subnets = _param(t, "PublicSubnetIds" if lb_spec.public else "PrivateSubnetIds", SUBNET_LIST)

    sg = alb_security.add_security_group(app, t, lb_spec, vpc_id, targets if routed else None)

    attributes = {
        "deletion_protection.enabled": alb_routing.bool_attribute(lb_spec.deletion_protection),
        "idle_timeout.timeout_seconds": str(lb_spec.idle_timeout),
        "routing.http.desync_mitigation_mode": "strictest",
        "routing.http.drop_invalid_header_fields.enabled": "true",
        "access_logs.s3.enabled": alb_routing.bool_attribute(lb_spec.access_logs is not None),
    }
    logs_attributes, depends_on = alb_logs.access_logs(app, t, lb_spec)
    attributes.update(logs_attributes)

    lb = t.add_resource(skips.apply(
        elb.LoadBalancer(
            key + LOAD_BALANCER,
            Type="application",
            Scheme="internet-facing" if lb_spec.public else "internal",
            IpAddressType=domains.IP_ADDRESS_TYPE,
            Subnets=Ref(subnets),
            SecurityGroups=[GetAtt(sg, "GroupId")],
            LoadBalancerAttributes=[
                elb.LoadBalancerAttributes(Key=k, Value=v) for k, v in sorted(attributes.items())
            ],
            Tags=tags(app, f"{name}-alb"),
            **({"DependsOn": depends_on} if depends_on else {}),
        ),
        *skips.load_balancer(lb_spec),
    ))

    target_groups = {
        s.name: t.add_resource(alb_routing.target_group(app, s, vpc_id, lb_spec)) for s in routed
    }
    alternates = {
        s.name: t.add_resource(alb_shift.alternate_target_group(app, s, vpc_id, lb_spec))
        for s in alb_shift.shifted(app) if s in routed
    }
    default = next((s for s in routed if s.http.is_default), None)
    if default is not None:
        default_action = elb.Action(Type="forward", TargetGroupArn=Ref(target_groups[default.name]))
    else:
        default_action = elb.Action(
            Type="fixed-response",
            FixedResponseConfig=elb.FixedResponseConfig(
                StatusCode="404", ContentType="text/plain", MessageBody="Not Found"
            ),
        )

    redirect = elb.Action(
        Type="redirect",
        RedirectConfig=elb.RedirectConfig(Protocol="HTTPS", Port="443", StatusCode="HTTP_301"),
    )
    # With HTTPS, port 80 only redirects: the default action and every rule live on 443.
    http = serving = t.add_resource(skips.apply(
        elb.Listener(
            key + HTTP_LISTENER,
            LoadBalancerArn=Ref(lb),
            Port=80,
            Protocol="HTTP",
            DefaultActions=[redirect if lb_spec.https else default_action],
            Tags=tags(app),
        ),
        *skips.http_listener(lb_spec),
    ))
    default_certificate = None
    if lb_spec.https is not None:
        # The spec's certificate, or the compiler's for the aliases (the first is the default).
        certificates = domains.certificates(app, t, lb_spec)
        default_certificate = lb_spec.https.certificate_arn or certificates[0]
        serving = t.add_resource(skips.apply(
            elb.Listener(
                key + HTTPS_LISTENER,
                LoadBalancerArn=Ref(lb),
                Port=443,
                Protocol="HTTPS",
                Certificates=[elb.Certificate(CertificateArn=default_certificate)],
                SslPolicy=lb_spec.https.ssl_policy,
                DefaultActions=[default_action],
                Tags=tags(app),
            ),
            *skips.https_listener(lb_spec),
        ))
        domains.listener_certificates(app, t, serving, certificates, lb_spec)
    domains.records(app, t, lb, lb_spec)

    for service in routed:
        if service.name in alternates:
            t.add_resource(alb_shift.production_rule(
                app, service, serving, target_groups[service.name], alternates[service.name], lb_spec))
        elif not service.http.is_default:
            t.add_resource(alb_routing.listener_rule(app, service, Ref(serving), target_groups[service.name],
                                                     lb_spec))
    alb_routing.additional_routes(app, t, Ref(serving), vpc_id, lb_spec)
    test_rules = alb_shift.test_rules(app, t, lb, serving, sg, default_certificate, target_groups, alternates,
                                      lb_spec)

    wire_output(t, alb_routing.output_name(lb_spec, "AlbSecurityGroupId"), GetAtt(sg, "GroupId"), "Security group of the ALB")
    wire_output(t, alb_routing.output_name(lb_spec, "LoadBalancerFullName"), GetAtt(lb, "LoadBalancerFullName"))
    wire_output(t, alb_routing.output_name(lb_spec, "LoadBalancerDnsName"), GetAtt(lb, "DNSName"), "DNS name of the ALB")
    wire_output(t, alb_routing.output_name(lb_spec, "HttpListenerArn"), Ref(http))
    if lb_spec.https is not None:
        wire_output(t, alb_routing.output_name(lb_spec, "HttpsListenerArn"), Ref(serving))
    for service in routed:
        _service_outputs(t, service, target_groups[service.name], alternates.get(service.name),
                         test_rules.get(service.name), lb_spec)


def _service_outputs(t: Template, service: m.Service, tg, alternate, test_rule, lb_spec: m.LoadBalancer) -> None:
    """What the services stack reads of a service's target groups and rules: the output
    names do not depend on the load balancer (a service that moves keeps its wiring)."""
    svc = service.key
    wire_output(t, f"{svc}TargetGroupArn", Ref(tg), f"Target group ARN of {service.name}")
    alb_shift.outputs(t, service, tg, alternate, test_rule, lb_spec)
    if service.scaling is not None and service.scaling.requests is not None:
        wire_output(
            t,
            f"{svc}TargetGroupFullName",
            GetAtt(tg, "TargetGroupFullName"),
            f"Target group full name of {service.name} (request-count scaling)",
        )
