import json

import cfnlint.api
import pytest

from compiler.state import priorities, routing
from compiler.pipeline import model_of
from compiler.stacks import alb, alb_logs, alb_routing

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"


def build(lb=None, **services):
    services = services or {"web": {"image": IMAGE, "port": 80, "http": {"path": "/"}}}
    spec = {"app": "shop", "load_balancer": lb or {}, "services": services}
    return alb.build(model_of(spec)).to_dict()


def svc(port, **http):
    return {"image": IMAGE, "port": port, "http": http}


def of_type(tpl, type_):
    return {k: r["Properties"] for k, r in tpl["Resources"].items() if r["Type"] == type_}


def one(tpl, type_):
    (props,) = of_type(tpl, type_).values()
    return props


def listener(tpl, port):
    (props,) = [p for p in of_type(tpl, "AWS::ElasticLoadBalancingV2::Listener").values() if p["Port"] == port]
    return props


def listener_id(tpl, port):
    (lid,) = [
        k for k, p in of_type(tpl, "AWS::ElasticLoadBalancingV2::Listener").items() if p["Port"] == port
    ]
    return lid


def rules(tpl):
    return of_type(tpl, "AWS::ElasticLoadBalancingV2::ListenerRule")


def attrs(props, key):
    return {a["Key"]: a["Value"] for a in props[key]}


def lint(tpl, regions=("us-east-1",)):
    return cfnlint.api.lint(
        json.dumps(tpl), config=cfnlint.api.ManualArgs(regions=list(regions))
    )


# --- security group -----------------------------------------------------------------


def test_ingress_is_exactly_allowed_cidrs_times_listener_ports():
    tpl = build({"allowed_cidrs": ["203.0.113.0/24", "198.51.100.7/32"], "https": {"certificate_arn": CERT}})
    ingress = one(tpl, "AWS::EC2::SecurityGroup")["SecurityGroupIngress"]
    got = sorted((r["CidrIp"], r["FromPort"], r["ToPort"], r["IpProtocol"]) for r in ingress)
    assert got == sorted(
        (c, p, p, "tcp") for c in ("203.0.113.0/24", "198.51.100.7/32") for p in (80, 443)
    )
    assert all(r["Description"] for r in ingress)
    assert not of_type(tpl, "AWS::EC2::SecurityGroupIngress")


def test_default_public_ingress_is_the_internet_on_port_80_only():
    ingress = one(build(), "AWS::EC2::SecurityGroup")["SecurityGroupIngress"]
    assert [(r["CidrIp"], r["FromPort"], r["ToPort"]) for r in ingress] == [("0.0.0.0/0", 80, 80)]


def test_internal_alb_default_ingress_is_the_vpc_cidr():
    spec = {
        "app": "shop",
        "network": {"vpc": {"cidr": "10.10.0.0/20"}},
        "load_balancer": {"public": False},
        "services": {"web": svc(80, path="/")},
    }
    ingress = one(alb.build(model_of(spec)).to_dict(), "AWS::EC2::SecurityGroup")["SecurityGroupIngress"]
    assert [r["CidrIp"] for r in ingress] == ["10.10.0.0/20"]


def test_egress_only_to_vpc_on_distinct_routed_ports_sorted():
    tpl = build(
        {},
        web=svc(8080, path="/"),
        api=svc(5000, path="/api/*"),
        admin=svc(8080, path="/admin/*"),
        internal={"image": IMAGE, "port": 9000},
    )
    # One resource per port, keyed by the port (a port change adds one and removes one,
    # deleted only in the cleanup phase); the group's own egress matches nothing.
    (inline,) = one(tpl, "AWS::EC2::SecurityGroup")["SecurityGroupEgress"]
    assert inline["CidrIp"] == "255.255.255.255/32" and inline["IpProtocol"] == "icmp"
    rules = of_type(tpl, "AWS::EC2::SecurityGroupEgress")
    assert list(rules) == ["AlbEgress5000", "AlbEgress8080"]
    egress = list(rules.values())
    assert [(r["FromPort"], r["ToPort"], r["IpProtocol"]) for r in egress] == [
        (5000, 5000, "tcp"),
        (8080, 8080, "tcp"),
    ]
    assert all(r["GroupId"] == {"Fn::GetAtt": ["AlbSecurityGroup", "GroupId"]} for r in egress)
    assert all(r["CidrIp"] == {"Ref": "VpcCidr"} for r in egress)
    assert all(r["Description"] for r in egress)
    assert "web" in egress[1]["Description"] and "admin" in egress[1]["Description"]
    assert "0.0.0.0/0" not in json.dumps(egress)


def test_no_routed_service_blocks_all_egress():
    tpl = build({}, internal={"image": IMAGE, "port": 9000})
    (rule,) = one(tpl, "AWS::EC2::SecurityGroup")["SecurityGroupEgress"]
    assert rule["CidrIp"] == "255.255.255.255/32" and rule["IpProtocol"] == "icmp"
    assert "VpcCidr" not in tpl["Parameters"]
    assert listener(tpl, 80)["DefaultActions"][0]["Type"] == "fixed-response"


def test_internet_cidr_appears_only_on_listener_ports():
    tpl = build({"https": {"certificate_arn": CERT}}, web=svc(3000, path="/"), api=svc(5000, path="/api/*"))
    sg = one(tpl, "AWS::EC2::SecurityGroup")
    open_rules = [
        r for r in sg["SecurityGroupIngress"] + sg["SecurityGroupEgress"] if r.get("CidrIp") == "0.0.0.0/0"
    ]
    assert sorted(r["FromPort"] for r in open_rules) == [80, 443]
    assert all(r in sg["SecurityGroupIngress"] for r in open_rules)


# --- load balancer ------------------------------------------------------------------


@pytest.mark.parametrize(
    "public, scheme, param",
    [(True, "internet-facing", "PublicSubnetIds"), (False, "internal", "PrivateSubnetIds")],
)
def test_scheme_and_subnets_follow_public_flag(public, scheme, param):
    tpl = build({"public": public})
    lb = one(tpl, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert lb["Scheme"] == scheme
    assert lb["Subnets"] == {"Ref": param}
    assert lb["Type"] == "application"
    assert tpl["Parameters"][param]["Type"] == "List<AWS::EC2::Subnet::Id>"
    other = "PrivateSubnetIds" if public else "PublicSubnetIds"
    assert other not in tpl["Parameters"]
    assert tpl["Parameters"]["VpcId"]["Type"] == "AWS::EC2::VPC::Id"
    assert lb["SecurityGroups"] == [{"Fn::GetAtt": ["AlbSecurityGroup", "GroupId"]}]


def test_load_balancer_attributes_literal_and_sorted():
    lb = one(build({"idle_timeout": 120, "deletion_protection": True}), "AWS::ElasticLoadBalancingV2::LoadBalancer")
    keys = [a["Key"] for a in lb["LoadBalancerAttributes"]]
    assert keys == sorted(keys)
    assert attrs(lb, "LoadBalancerAttributes") == {
        "access_logs.s3.enabled": "false",
        "deletion_protection.enabled": "true",
        "idle_timeout.timeout_seconds": "120",
        "routing.http.desync_mitigation_mode": "strictest",
        "routing.http.drop_invalid_header_fields.enabled": "true",
    }


def test_no_physical_names():
    tpl = build(
        {"https": {"certificate_arn": CERT}, "access_logs": True},
        web=svc(80, path="/"),
        api=svc(5000, path="/api/*"),
    )
    for props in tpl["Resources"].values():
        assert "Name" not in props["Properties"]
        assert "BucketName" not in props["Properties"]


def test_every_taggable_resource_carries_app_tags():
    tpl = build({"https": {"certificate_arn": CERT}, "access_logs": True}, web=svc(80, path="/"), api=svc(5000, path="/x"))
    for key, res in tpl["Resources"].items():
        if res["Type"] in ("AWS::S3::BucketPolicy", "AWS::EC2::SecurityGroupEgress"):  # no Tags
            continue
        tag_map = {t["Key"]: t["Value"] for t in res["Properties"]["Tags"]}
        assert tag_map["fargate-compile:application"] == "shop", key


# --- target groups --------------------------------------------------------------------


def test_target_group_health_check_and_delay_are_spec_literals():
    tpl = build(
        {},
        api=svc(
            5000,
            path="/api/*",
            healthcheck={
                "path": "/api/health",
                "success_codes": "200-299",
                "healthy_threshold": 3,
                "unhealthy_threshold": 4,
                "interval": 15,
                "timeout": 7,
            },
            deregistration_delay=12,
        ),
    )
    tg = tpl["Resources"]["ApiTargetGroup"]["Properties"]
    assert tg["TargetType"] == "ip" and tg["Protocol"] == "HTTP"
    # Fixed: ECS registers ip targets with the container port; a port change must not replace the group.
    assert tg["Port"] == alb_routing.TARGET_GROUP_PORT and "HealthCheckPort" not in tg
    assert tg["VpcId"] == {"Ref": "VpcId"}
    assert tg["HealthCheckEnabled"] is True
    assert tg["HealthCheckProtocol"] == "HTTP"
    assert tg["HealthCheckPath"] == "/api/health"
    assert tg["Matcher"] == {"HttpCode": "200-299"}
    assert tg["HealthyThresholdCount"] == 3
    assert tg["UnhealthyThresholdCount"] == 4
    assert tg["HealthCheckIntervalSeconds"] == 15
    assert tg["HealthCheckTimeoutSeconds"] == 7
    assert attrs(tg, "TargetGroupAttributes") == {
        "deregistration_delay.timeout_seconds": "12",
        "stickiness.enabled": "false",
    }


def test_stickiness_adds_lb_cookie_sorted():
    tg = build({}, web=svc(80, path="/", stickiness=True))["Resources"]["WebTargetGroup"]["Properties"]
    keys = [a["Key"] for a in tg["TargetGroupAttributes"]]
    assert keys == sorted(keys)
    assert attrs(tg, "TargetGroupAttributes") == {
        "deregistration_delay.timeout_seconds": "60",
        "stickiness.enabled": "true",
        "stickiness.type": "lb_cookie",
    }


def test_one_target_group_per_routed_service_only():
    tpl = build({}, web=svc(80, path="/"), api=svc(5000, path="/api/*"), quotes={"image": IMAGE, "port": 8080})
    assert sorted(of_type(tpl, "AWS::ElasticLoadBalancingV2::TargetGroup")) == ["ApiTargetGroup", "WebTargetGroup"]


# --- listeners and rules ----------------------------------------------------------------


def test_default_action_forwards_to_default_service():
    tpl = build({}, web=svc(80, path="/"), api=svc(5000, path="/api/*"))
    (action,) = listener(tpl, 80)["DefaultActions"]
    assert action == {"Type": "forward", "TargetGroupArn": {"Ref": "WebTargetGroup"}}
    assert len(of_type(tpl, "AWS::ElasticLoadBalancingV2::Listener")) == 1


def test_default_action_is_404_without_default_service():
    tpl = build({}, api=svc(5000, path="/api/*"))
    (action,) = listener(tpl, 80)["DefaultActions"]
    assert action["Type"] == "fixed-response"
    assert action["FixedResponseConfig"] == {
        "StatusCode": "404",
        "ContentType": "text/plain",
        "MessageBody": "Not Found",
    }


def test_rules_carry_priorities_paths_and_hosts():
    tpl = build(
        {},
        web=svc(80, path="/"),
        api=svc(5000, path=["/api/*", "/v2/*"], priority=10),
        shop=svc(6000, path="/", hosts=["shop.example.com"], priority=20),
        docs=svc(7000, path="/docs/*", hosts=["docs.example.com", "help.example.com"]),
    )
    found = rules(tpl)
    assert sorted(found) == ["ApiListenerRule", "DocsListenerRule", "ShopListenerRule"]
    api, shop, docs = found["ApiListenerRule"], found["ShopListenerRule"], found["DocsListenerRule"]
    assert api["Priority"] == 10
    assert api["Conditions"] == [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*", "/v2/*"]}}]
    assert shop["Priority"] == 20
    assert shop["Conditions"] == [
        {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}},
        {"Field": "host-header", "HostHeaderConfig": {"Values": ["shop.example.com"]}},
    ]
    # Automatic: in the band of rules with hosts (placement.py), after the explicit ones.
    assert docs["Priority"] in range(priorities.FIRST_AUTO_PRIORITY, priorities.FIRST_AUTO_PRIORITY
                                     + routing.BAND_LENGTHS * priorities.BAND_WIDTH)
    assert docs["Conditions"][1] == {
        "Field": "host-header",
        "HostHeaderConfig": {"Values": ["docs.example.com", "help.example.com"]},
    }
    for name, rule in found.items():
        assert rule["ListenerArn"] == {"Ref": "HttpListener"}
        tg = name.replace("ListenerRule", "TargetGroup")
        assert rule["Actions"] == [{"Type": "forward", "TargetGroupArn": {"Ref": tg}}]


def test_https_redirects_http_and_serves_tls():
    tpl = build(
        {"https": {"certificate_arn": CERT, "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"}},
        web=svc(80, path="/"),
        api=svc(5000, path="/api/*"),
    )
    http = listener(tpl, 80)
    assert http["Protocol"] == "HTTP"
    assert http["DefaultActions"] == [
        {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}
    ]
    https = listener(tpl, 443)
    assert https["Protocol"] == "HTTPS"
    assert https["Certificates"] == [{"CertificateArn": CERT}]
    assert https["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"
    assert https["DefaultActions"] == [{"Type": "forward", "TargetGroupArn": {"Ref": "WebTargetGroup"}}]
    http_id, https_id = listener_id(tpl, 80), listener_id(tpl, 443)
    assert [r["ListenerArn"] for r in rules(tpl).values()] == [{"Ref": https_id}]
    assert all(r["ListenerArn"] != {"Ref": http_id} for r in rules(tpl).values())


def test_https_default_ssl_policy_is_tls13():
    https = listener(build({"https": {"certificate_arn": CERT}}), 443)
    assert https["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"


# --- access logs ----------------------------------------------------------------------


def test_access_logs_bucket_is_locked_down():
    tpl = build({"access_logs": True})
    res = tpl["Resources"]
    bucket = res["AccessLogsBucket"]
    assert bucket["DeletionPolicy"] == "Retain" and bucket["UpdateReplacePolicy"] == "Retain"
    props = bucket["Properties"]
    assert props["BucketEncryption"] == {
        "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
    }
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled" and rule["ExpirationInDays"] == 90

    lb = res["LoadBalancer"]
    assert lb["DependsOn"] == ["AccessLogsBucketPolicy"]
    assert attrs(lb["Properties"], "LoadBalancerAttributes")["access_logs.s3.enabled"] == "true"
    assert attrs(lb["Properties"], "LoadBalancerAttributes")["access_logs.s3.bucket"] == {"Ref": "AccessLogsBucket"}
    assert "access_logs.s3.prefix" not in attrs(lb["Properties"], "LoadBalancerAttributes")


def test_access_logs_bucket_policy_denies_plain_http_and_allows_elb_delivery():
    tpl = build({"access_logs": {"prefix": "alb"}})
    policy = tpl["Resources"]["AccessLogsBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "AccessLogsBucket"}
    deny, allow = policy["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*" and deny["Action"] == ["s3:*"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # The bucket and its objects, as Fn::GetAtt / Fn::Join (the Control Tower rule for S3.5
    # does not read Fn::Sub).
    assert deny["Resource"] == [{"Fn::GetAtt": ["AccessLogsBucket", "Arn"]},
                                {"Fn::Join": ["", [{"Fn::GetAtt": ["AccessLogsBucket", "Arn"]}, "/*"]]}]

    assert allow["Effect"] == "Allow" and allow["Action"] == ["s3:PutObject"]
    assert allow["Resource"] == [{"Fn::Join": ["", [
        {"Fn::GetAtt": ["AccessLogsBucket", "Arn"]}, "/alb/AWSLogs/", {"Ref": "AWS::AccountId"}, "/*"]]}]
    cond, by_account, by_service = allow["Principal"]["Fn::If"]
    assert cond == alb_logs.ELB_ACCOUNT_CONDITION
    assert by_account == {
        "AWS": {
            "Fn::Sub": [
                "arn:${AWS::Partition}:iam::${Account}:root",
                {"Account": {"Fn::FindInMap": [alb_logs.ELB_ACCOUNT_MAPPING, {"Ref": "AWS::Region"}, "AccountId"]}},
            ]
        }
    }
    assert by_service == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}

    mapping = tpl["Mappings"][alb_logs.ELB_ACCOUNT_MAPPING]
    assert mapping["us-east-1"] == {"AccountId": "127311923021"}
    assert mapping["eu-west-1"] == {"AccountId": "156460612806"}
    assert mapping["ap-southeast-2"] == {"AccountId": "783225319266"}
    assert attrs(tpl["Resources"]["LoadBalancer"]["Properties"], "LoadBalancerAttributes")[
        "access_logs.s3.prefix"
    ] == "alb"


def _holds(cond, region):
    """Evaluate the template's Fn::Or / Fn::Equals tree for a region."""
    if "Fn::Or" in cond:
        assert 2 <= len(cond["Fn::Or"]) <= 10
        return any(_holds(c, region) for c in cond["Fn::Or"])
    left, right = cond["Fn::Equals"]
    assert left == {"Ref": "AWS::Region"}
    return right == region


@pytest.mark.parametrize("region", sorted(alb_logs.ELB_LOG_ACCOUNTS) + ["eu-south-2", "ap-southeast-5", "xx-new-1"])
def test_region_condition_picks_account_only_where_the_mapping_has_one(region):
    tpl = build({"access_logs": True})
    cond = tpl["Conditions"][alb_logs.ELB_ACCOUNT_CONDITION]
    assert _holds(cond, region) == (region in tpl["Mappings"][alb_logs.ELB_ACCOUNT_MAPPING])


def test_given_bucket_is_only_referenced():
    tpl = build({"access_logs": {"bucket": "corp-alb-logs", "prefix": "shop"}})
    assert not of_type(tpl, "AWS::S3::Bucket") and not of_type(tpl, "AWS::S3::BucketPolicy")
    assert "Mappings" not in tpl and "Conditions" not in tpl
    lb = tpl["Resources"]["LoadBalancer"]
    assert "DependsOn" not in lb
    got = attrs(lb["Properties"], "LoadBalancerAttributes")
    assert got["access_logs.s3.enabled"] == "true"
    assert got["access_logs.s3.bucket"] == "corp-alb-logs"
    assert got["access_logs.s3.prefix"] == "shop"


# --- outputs --------------------------------------------------------------------------


def test_outputs():
    tpl = build(
        {"https": {"certificate_arn": CERT}},
        web=svc(80, path="/"),
        **{
            "backend-api": {
                "image": IMAGE,
                "port": 5000,
                "count": {"range": "1-4", "requests": 500},
                "http": {"path": "/api/*"},
            },
            "quotes": {"image": IMAGE, "port": 8080},
        },
    )
    out = {k: v["Value"] for k, v in tpl["Outputs"].items()}
    assert out == {
        "AlbSecurityGroupId": {"Fn::GetAtt": ["AlbSecurityGroup", "GroupId"]},
        "LoadBalancerFullName": {"Fn::GetAtt": ["LoadBalancer", "LoadBalancerFullName"]},
        "LoadBalancerDnsName": {"Fn::GetAtt": ["LoadBalancer", "DNSName"]},
        "HttpListenerArn": {"Ref": "HttpListener"},
        "HttpsListenerArn": {"Ref": "HttpsListener"},
        "WebTargetGroupArn": {"Ref": "WebTargetGroup"},
        "BackendApiTargetGroupArn": {"Ref": "BackendApiTargetGroup"},
        "BackendApiTargetGroupFullName": {"Fn::GetAtt": ["BackendApiTargetGroup", "TargetGroupFullName"]},
    }
    assert all("Export" not in v for v in tpl["Outputs"].values())


def test_http_only_has_no_https_output():
    assert "HttpsListenerArn" not in build()["Outputs"]


# --- determinism and lint -------------------------------------------------------------

FULL = dict(
    lb={
        "allowed_cidrs": ["203.0.113.0/24", "198.51.100.0/24"],
        "https": {"certificate_arn": CERT},
        "access_logs": True,
        "deletion_protection": True,
    },
    web=svc(3000, path="/", stickiness=True),
    api=svc(5000, path="/api/*", priority=10, healthcheck={"path": "/api/health"}),
    shop=svc(6000, path="/", hosts=["shop.example.com"]),
    quotes={"image": IMAGE, "port": 8080},
)


def test_deterministic():
    assert json.dumps(build(**FULL)) == json.dumps(build(**FULL))


LINT_CASES = {
    "full": FULL,
    "minimal": dict(lb={}),
    "internal-given-bucket": dict(
        lb={"public": False, "access_logs": {"bucket": "corp-logs", "prefix": "p"}},
        api=svc(5000, path="/api/*"),
    ),
    "no-routes": dict(lb={"access_logs": {"prefix": "x/y"}}, quotes={"image": IMAGE, "port": 8080}),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(LINT_CASES))
def test_cfn_lint_clean(case):
    kw = dict(LINT_CASES[case])
    tpl = build(kw.pop("lb"), **kw)
    findings = lint(tpl, regions=("us-east-1", "eu-south-2", "us-gov-west-1", "cn-north-1"))
    assert [str(f) for f in findings if f.rule.id.startswith("E")] == []
    assert [str(f) for f in findings] == []  # warnings too
