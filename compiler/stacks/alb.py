"""alb.json: the Application Load Balancer, its security group, listeners, target
groups and listener rules, and (on request) a locked-down access-logs bucket.
What a shifted deployment strategy adds (alternate group, production and test rules)
is alb_shift.py's.

This module builds the template, the load balancer and its listeners; the security
group is alb_security.py's, target groups and rules alb_routing.py's, the access logs
alb_logs.py's, certificates and DNS records domains.py's.

Built only when the spec has a `load_balancer`. Every value comes from the model;
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


def build(app: m.App) -> Template:
    lb_spec = app.load_balancer
    assert lb_spec is not None, "alb.build is only called for apps with a load balancer"
    t = new_template(app, "application load balancer")
    name = app.stack_name

    vpc_id = wire_param(t, "VpcId", "AWS::EC2::VPC::Id")
    # Egress goes to the VPC's tasks only; no routed service, no egress, no VpcCidr. In an
    # existing VPC (cidr perhaps unknown) to the security group every task of the app wears.
    targets = None
    if app.routed_services:
        targets = ({"CidrIp": Ref(wire_param(t, "VpcCidr"))} if app.network.existing is None else
                   {"DestinationSecurityGroupId": Ref(wire_param(
                       t, "TasksSecurityGroupId", "AWS::EC2::SecurityGroup::Id"))})
    subnets = wire_param(
        t, "PublicSubnetIds" if lb_spec.public else "PrivateSubnetIds", SUBNET_LIST
    )

    sg = alb_security.add_security_group(app, t, lb_spec, vpc_id, targets)

    attributes = {
        "deletion_protection.enabled": alb_routing.bool_attribute(lb_spec.deletion_protection),
        "idle_timeout.timeout_seconds": str(lb_spec.idle_timeout),
        "routing.http.desync_mitigation_mode": "strictest",
        "routing.http.drop_invalid_header_fields.enabled": "true",
        "access_logs.s3.enabled": alb_routing.bool_attribute(lb_spec.access_logs is not None),
    }
    logs_attributes, depends_on = alb_logs.access_logs(app, t)
    attributes.update(logs_attributes)

    lb = t.add_resource(skips.apply(
        elb.LoadBalancer(
            LOAD_BALANCER,
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
        s.name: t.add_resource(alb_routing.target_group(app, s, vpc_id)) for s in app.routed_services
    }
    alternates = {
        s.name: t.add_resource(alb_shift.alternate_target_group(app, s, vpc_id)) for s in alb_shift.shifted(app)
    }
    default = next((s for s in app.routed_services if s.http.is_default), None)
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
            HTTP_LISTENER,
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
        certificates = domains.certificates(app, t)
        default_certificate = lb_spec.https.certificate_arn or certificates[0]
        serving = t.add_resource(skips.apply(
            elb.Listener(
                HTTPS_LISTENER,
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
        domains.listener_certificates(app, t, serving, certificates)
    domains.records(app, t, lb)

    for service in app.routed_services:
        if service.name in alternates:
            t.add_resource(alb_shift.production_rule(
                app, service, serving, target_groups[service.name], alternates[service.name]))
        elif not service.http.is_default:
            t.add_resource(alb_routing.listener_rule(app, service, serving, target_groups[service.name]))
    alb_routing.additional_routes(app, t, serving, vpc_id)
    test_rules = alb_shift.test_rules(app, t, lb, serving, sg, default_certificate, target_groups, alternates)

    wire_output(t, "AlbSecurityGroupId", GetAtt(sg, "GroupId"), "Security group of the ALB")
    wire_output(t, "LoadBalancerFullName", GetAtt(lb, "LoadBalancerFullName"))
    wire_output(t, "LoadBalancerDnsName", GetAtt(lb, "DNSName"), "DNS name of the ALB")
    wire_output(t, "HttpListenerArn", Ref(http))
    if lb_spec.https is not None:
        wire_output(t, "HttpsListenerArn", Ref(serving))
    for service in app.routed_services:
        svc = service.key
        tg = target_groups[service.name]
        wire_output(t, f"{svc}TargetGroupArn", Ref(tg), f"Target group ARN of {service.name}")
        alb_shift.outputs(t, service, tg, alternates.get(service.name), test_rules.get(service.name))
        if service.scaling is not None and service.scaling.requests is not None:
            wire_output(
                t,
                f"{svc}TargetGroupFullName",
                GetAtt(tg, "TargetGroupFullName"),
                f"Target group full name of {service.name} (request-count scaling)",
            )
    return t
