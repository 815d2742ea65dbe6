"""alb.json: the Application Load Balancer, its security group, listeners, target
groups and listener rules, and (on request) a locked-down access-logs bucket.

Built only when the spec has a `load_balancer`. Every value comes from the model;
Parameters are only the network wiring (see stacks/common.py). What the spec opts
out of (plain HTTP, no access logs, port 80 open to the internet) is written on the
resource as a checkov skip with its reason (stacks/scanner_skips.py).
"""

from __future__ import annotations

from awacs import s3 as s3_actions
from awacs.aws import Allow, Bool, Condition, Deny, PolicyDocument, Principal, Statement
from troposphere import Equals, FindInMap, GetAtt, If, Or, Ref, Region, Sub, Template
from troposphere import ec2, s3
from troposphere import elasticloadbalancingv2 as elb

from compiler import model as m
from compiler.state import naming
from compiler.stacks import domains
from compiler.stacks import scanner_skips as skips
from compiler.stacks.common import SUBNET_LIST, new_template, tags, wire_output, wire_param

# Elastic Load Balancing's log-delivery account per Region, for Regions launched
# before August 2022. Later Regions (and any Region not listed) are served by the
# log-delivery service principal instead. Source: ELB user guide, "Enable access
# logs for your Application Load Balancer" (attach a bucket policy).
ELB_LOG_ACCOUNTS = {
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331",
    "ap-south-1": "718504428378",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-southeast-3": "589379963580",
    "ca-central-1": "985666609251",
    "cn-north-1": "638102146993",
    "cn-northwest-1": "037604701340",
    "eu-central-1": "054676820928",
    "eu-north-1": "897822967062",
    "eu-south-1": "635631232127",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-gov-east-1": "190560391635",
    "us-gov-west-1": "048591011584",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
}
LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"
ELB_ACCOUNT_MAPPING = "ElbLogDeliveryAccount"
ELB_ACCOUNT_CONDITION = "ElbLogDeliveryByAccount"
ACCESS_LOG_EXPIRY_DAYS = 90
FN_OR_MAX = 10  # Fn::Or takes 2..10 conditions

LOAD_BALANCER = "LoadBalancer"
SECURITY_GROUP = "AlbSecurityGroup"
TASK_EGRESS = "AlbEgress"          # + a container port: AlbEgress8080
HTTP_LISTENER = "HttpListener"
HTTPS_LISTENER = "HttpsListener"
LOGS_BUCKET = "AccessLogsBucket"
LOGS_BUCKET_POLICY = "AccessLogsBucketPolicy"

# A target group's Port is create-only, but with `ip` targets ECS registers every task
# with the container port and health checks use each target's own port ("traffic-port"),
# so the group's port is never used. A fixed value keeps a container-port change from
# replacing the group (a new, empty group would take the rule's traffic before any task
# registered in it).
TARGET_GROUP_PORT = 80


def target_group_id(service: m.Service) -> str:
    return f"{service.key}TargetGroup"


def listener_rule_id(service: m.Service) -> str:
    return f"{service.key}ListenerRule"


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

    sg = t.add_resource(skips.apply(
        _security_group(app, lb_spec, vpc_id), *skips.alb_security_group(lb_spec),
    ))
    for rule in _egress(app, sg, targets):
        t.add_resource(rule)

    attributes = {
        "deletion_protection.enabled": _bool(lb_spec.deletion_protection),
        "idle_timeout.timeout_seconds": str(lb_spec.idle_timeout),
        "routing.http.desync_mitigation_mode": "strictest",
        "routing.http.drop_invalid_header_fields.enabled": "true",
        "access_logs.s3.enabled": _bool(lb_spec.access_logs is not None),
    }
    depends_on = []
    if lb_spec.access_logs is not None:
        logs = lb_spec.access_logs
        if logs.bucket is None:
            bucket = t.add_resource(skips.apply(_logs_bucket(app), skips.LOG_BUCKET_ACCESS_LOGS))
            t.add_resource(_logs_bucket_policy(t, bucket, logs.prefix))
            attributes["access_logs.s3.bucket"] = Ref(bucket)
            depends_on.append(LOGS_BUCKET_POLICY)
        else:
            attributes["access_logs.s3.bucket"] = logs.bucket
        if logs.prefix:
            attributes["access_logs.s3.prefix"] = logs.prefix

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
        s.name: t.add_resource(_target_group(app, s, vpc_id)) for s in app.routed_services
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
        if not service.http.is_default:
            t.add_resource(_listener_rule(app, service, serving, target_groups[service.name]))

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
        if service.scaling is not None and service.scaling.requests is not None:
            wire_output(
                t,
                f"{svc}TargetGroupFullName",
                GetAtt(tg, "TargetGroupFullName"),
                f"Target group full name of {service.name} (request-count scaling)",
            )
    return t


def _bool(value: bool) -> str:
    return "true" if value else "false"


def egress_id(port: int) -> str:
    return f"{TASK_EGRESS}{port}"


def _egress(app: m.App, sg: ec2.SecurityGroup, targets: dict | None) -> list[ec2.SecurityGroupEgress]:
    """One rule per container port of the routed services, to `targets` (the VPC cidr, or
    the tasks' security group).

    Resources of their own, not the group's inline rules: when a service's port changes,
    inline rules would lose the old port as CloudFormation updates the group, in the alb
    stack, before the services stack even starts the rolling deployment, and the ALB could
    no longer reach the old tasks. A rule removed from the template is deleted only in the
    cleanup phase, after every stack's update (and so the deployment) is done.
    """
    services_by_port: dict[int, list[str]] = {}
    for service in app.routed_services:
        services_by_port.setdefault(service.port, []).append(service.name)
    return [
        ec2.SecurityGroupEgress(
            egress_id(port),
            GroupId=GetAtt(sg, "GroupId"),
            IpProtocol="tcp",
            FromPort=port,
            ToPort=port,
            **targets,
            Description=naming.ec2_description(naming.listing_within(f"To tasks on port {port}: ", names)),
        )
        for port, names in sorted(services_by_port.items())
    ]


def _security_group(app: m.App, lb_spec: m.LoadBalancer, vpc_id) -> ec2.SecurityGroup:
    ingress = []
    for port in lb_spec.listener_ports:
        for cidr in lb_spec.allowed_cidrs:
            ingress.append(
                ec2.SecurityGroupRule(
                    IpProtocol="tcp",
                    FromPort=port,
                    ToPort=port,
                    Description=f"{'HTTPS' if port == 443 else 'HTTP'} listener from {cidr}",
                    CidrIp=cidr,
                )
            )

    # An empty SecurityGroupEgress keeps AWS's allow-all rule; this one matches nothing. The
    # egress to the tasks is the AlbEgress<port> resources (_egress).
    egress = [
        ec2.SecurityGroupRule(
            IpProtocol="icmp",
            FromPort=252,
            ToPort=86,
            CidrIp="255.255.255.255/32",
            Description="Disallow all traffic but the rules to the tasks",
        )
    ]
    return ec2.SecurityGroup(
        SECURITY_GROUP,
        GroupDescription=f"ALB of {app.stack_name}: listeners from the allowed CIDRs only",
        VpcId=Ref(vpc_id),
        SecurityGroupIngress=ingress,
        SecurityGroupEgress=egress,
        Tags=tags(app, f"{app.stack_name}-alb"),
    )


def _logs_bucket(app: m.App) -> s3.Bucket:
    return s3.Bucket(
        LOGS_BUCKET,
        DeletionPolicy="Retain",
        UpdateReplacePolicy="Retain",
        BucketEncryption=s3.BucketEncryption(
            ServerSideEncryptionConfiguration=[
                s3.ServerSideEncryptionRule(
                    ServerSideEncryptionByDefault=s3.ServerSideEncryptionByDefault(
                        SSEAlgorithm="AES256"
                    )
                )
            ]
        ),
        PublicAccessBlockConfiguration=s3.PublicAccessBlockConfiguration(
            BlockPublicAcls=True,
            BlockPublicPolicy=True,
            IgnorePublicAcls=True,
            RestrictPublicBuckets=True,
        ),
        OwnershipControls=s3.OwnershipControls(
            Rules=[s3.OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]
        ),
        VersioningConfiguration=s3.VersioningConfiguration(Status="Enabled"),
        LifecycleConfiguration=s3.LifecycleConfiguration(
            Rules=[
                s3.LifecycleRule(
                    Id="ExpireAccessLogs",
                    Status="Enabled",
                    ExpirationInDays=ACCESS_LOG_EXPIRY_DAYS,
                    NoncurrentVersionExpiration=s3.NoncurrentVersionExpiration(
                        NoncurrentDays=ACCESS_LOG_EXPIRY_DAYS
                    ),
                    AbortIncompleteMultipartUpload=s3.AbortIncompleteMultipartUpload(
                        DaysAfterInitiation=7
                    ),
                )
            ]
        ),
        Tags=tags(app, f"{app.stack_name}-alb-access-logs"),
    )


def _region_condition():
    """Condition: the stack's Region is one with an ELB log-delivery account.

    Written as Fn::Equals against every key of the mapping (never Fn::FindInMap,
    which fails on an unknown Region), nested because Fn::Or takes at most 10.
    """
    checks = [Equals(Region, region) for region in sorted(ELB_LOG_ACCOUNTS)]
    groups = [checks[i : i + FN_OR_MAX] for i in range(0, len(checks), FN_OR_MAX)]
    if len(groups[-1]) == 1:  # Fn::Or needs at least two operands
        groups[-2:] = [groups[-2][:-1], [groups[-2][-1], groups[-1][0]]]
    return Or(*(Or(*group) for group in groups))


def _logs_bucket_policy(t: Template, bucket: s3.Bucket, prefix: str) -> s3.BucketPolicy:
    t.add_mapping(
        ELB_ACCOUNT_MAPPING,
        {region: {"AccountId": account} for region, account in sorted(ELB_LOG_ACCOUNTS.items())},
    )
    t.add_condition(ELB_ACCOUNT_CONDITION, _region_condition())
    key_prefix = f"{prefix}/" if prefix else ""  # as ELB writes it: bucket/prefix/AWSLogs/...
    bucket_arn = Sub("arn:${AWS::Partition}:s3:::${Bucket}", Bucket=Ref(bucket))
    objects_arn = Sub("arn:${AWS::Partition}:s3:::${Bucket}/*", Bucket=Ref(bucket))
    log_objects_arn = Sub(
        f"arn:${{AWS::Partition}}:s3:::${{Bucket}}/{key_prefix}AWSLogs/${{AWS::AccountId}}/*",
        Bucket=Ref(bucket),
    )
    elb_principal = If(
        ELB_ACCOUNT_CONDITION,
        Principal(
            "AWS",
            Sub(
                "arn:${AWS::Partition}:iam::${Account}:root",
                Account=FindInMap(ELB_ACCOUNT_MAPPING, Region, "AccountId"),
            ),
        ),
        Principal("Service", LOG_DELIVERY_SERVICE),
    )
    return s3.BucketPolicy(
        LOGS_BUCKET_POLICY,
        Bucket=Ref(bucket),
        PolicyDocument=PolicyDocument(
            Version="2012-10-17",
            Statement=[
                Statement(
                    Sid="DenyInsecureTransport",
                    Effect=Deny,
                    Principal=Principal("*"),
                    Action=[s3_actions.Action("*")],
                    Resource=[bucket_arn, objects_arn],
                    Condition=Condition(Bool("aws:SecureTransport", "false")),
                ),
                Statement(
                    Sid="AllowElbLogDelivery",
                    Effect=Allow,
                    Principal=elb_principal,
                    Action=[s3_actions.PutObject],
                    Resource=[log_objects_arn],
                ),
            ],
        ),
    )


def _target_group(app: m.App, service: m.Service, vpc_id) -> elb.TargetGroup:
    http = service.http
    hc = http.healthcheck
    attributes = {
        "deregistration_delay.timeout_seconds": str(http.deregistration_delay),
        "stickiness.enabled": _bool(http.stickiness),
    }
    if http.stickiness:
        attributes["stickiness.type"] = "lb_cookie"
    return elb.TargetGroup(
        target_group_id(service),
        TargetType="ip",
        Protocol=http.protocol,
        Port=TARGET_GROUP_PORT,
        VpcId=Ref(vpc_id),
        HealthCheckEnabled=True,
        HealthCheckProtocol=http.protocol,
        HealthCheckPath=hc.path,
        Matcher=elb.Matcher(HttpCode=hc.success_codes),
        HealthyThresholdCount=hc.healthy_threshold,
        UnhealthyThresholdCount=hc.unhealthy_threshold,
        HealthCheckIntervalSeconds=hc.interval,
        HealthCheckTimeoutSeconds=hc.timeout,
        TargetGroupAttributes=[
            elb.TargetGroupAttribute(Key=k, Value=v) for k, v in sorted(attributes.items())
        ],
        Tags=tags(app, f"{app.stack_name}-{service.name}"),
    )


def _listener_rule(
    app: m.App, service: m.Service, listener: elb.Listener, tg: elb.TargetGroup
) -> elb.ListenerRule:
    http = service.http
    conditions = []
    if http.paths:
        paths = elb.PathPatternConfig(Values=list(http.paths))
        conditions.append(elb.Condition(Field="path-pattern", PathPatternConfig=paths))
    if http.hosts:
        hosts = elb.HostHeaderConfig(Values=list(http.hosts))
        conditions.append(elb.Condition(Field="host-header", HostHeaderConfig=hosts))
    return elb.ListenerRule(
        listener_rule_id(service),
        ListenerArn=Ref(listener),
        Priority=http.priority,
        Conditions=conditions,
        Actions=[elb.ListenerRuleAction(Type="forward", TargetGroupArn=Ref(tg))],
        Tags=tags(app),
    )
