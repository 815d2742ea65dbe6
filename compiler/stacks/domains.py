"""Custom domains (`http.alias`): alias records to the ALB and their ACM certificates.

Part of alb.json (the records point at the load balancer, the certificates sit on
its HTTPS listener). Every domain name of the app, once each, whichever services
name it:

- <Domain>AliasRecord: a Route 53 alias A record in the service's `hosted_zone`,
  to the load balancer (and an AAAA record, <Domain>AliasRecordIpv6, when the
  load balancer is dualstack; it is "ipv4" today, so A only).
- <Domain>Certificate (only when load_balancer.https names no certificate: the
  spec's own is trusted to cover its aliases): an ACM certificate for that one
  name, validated through DNS in the same hosted zone (CloudFormation writes the
  validation record and waits until ACM issues it).

One certificate per name, not one with every name as SANs: adding or removing a
domain then creates or deletes only its own certificate, instead of replacing
(and re-validating) one certificate every listener depends on, and ACM's default
quota of 10 names per certificate never applies. The cost is the listener's
quota of 25 certificates besides its default (checks/custom_domains.py warns past
it). The first name in sorted order is the listener's default certificate; every
other one is attached with a ListenerCertificate (one per resource).

<Domain> is the name in PascalCase ("*" as "Wildcard"), cut to fit, plus 8 hex
digits of its SHA-256: stable (a record or certificate keeps its logical ID while
its name stays in the spec, whatever else changes) and distinct for distinct names.
"""

from __future__ import annotations

import hashlib

from troposphere import GetAtt, Ref, Template
from troposphere import certificatemanager as acm
from troposphere import elasticloadbalancingv2 as elb
from troposphere import route53

from compiler import model as m
from compiler.state.naming import pascal
from compiler.stacks.common import tags

# The load balancer's IpAddressType (alb.py): AAAA records only when it is dualstack.
IP_ADDRESS_TYPE = "ipv4"
ALIAS_RECORD = "AliasRecord"
ALIAS_RECORD_IPV6 = "AliasRecordIpv6"
CERTIFICATE = "Certificate"
LISTENER_CERTIFICATE = "ListenerCertificate"
DOMAIN_ID_LENGTH = 200        # logical IDs take 255 characters; the longest suffix is 17


def domain_id(name: str) -> str:
    """The logical-ID stem of a domain name: "*.shop.example.com" -> "WildcardShopExampleCom1a2b3c4d"."""
    readable = pascal(name.replace("*", "wildcard"))[: DOMAIN_ID_LENGTH - 8]
    return readable + hashlib.sha256(name.encode()).hexdigest()[:8]


def record_types() -> tuple[str, ...]:
    return ("A", "AAAA") if IP_ADDRESS_TYPE == "dualstack" else ("A",)


def alias_zones(app: m.App, lb: m.LoadBalancer) -> tuple[tuple[str, str], ...]:
    """The domain names (with their zones) of the services `lb` routes to, sorted, once each:
    a domain belongs to the ALB of the service that names it (checks/custom_domains.py
    refuses one on two ALBs)."""
    names = {a for s in app.routed_by(lb) for a in s.http.aliases}
    return tuple((n, z) for n, z in app.alias_zones if n in names)


def certificates(app: m.App, t: Template, lb: m.LoadBalancer) -> list:
    """The compiler's certificates (one per domain of `lb`), as listener certificate ARNs; []
    when the spec names its own certificate."""
    if lb.https is None or lb.https.certificate_arn is not None:
        return []
    found = []
    for name, zone in alias_zones(app, lb):
        certificate = t.add_resource(acm.Certificate(
            domain_id(name) + CERTIFICATE,
            DomainName=name,
            ValidationMethod="DNS",
            DomainValidationOptions=[acm.DomainValidationOption(DomainName=name, HostedZoneId=zone)],
            Tags=tags(app, name),
        ))
        found.append(Ref(certificate))
    return found


def listener_certificates(app: m.App, t: Template, listener: elb.Listener, arns: list,
                          lb_spec: m.LoadBalancer) -> None:
    """Attach every certificate after the first (the listener's default) to `listener`."""
    for (name, _), arn in list(zip(alias_zones(app, lb_spec), arns))[1:]:
        t.add_resource(elb.ListenerCertificate(
            domain_id(name) + LISTENER_CERTIFICATE,
            ListenerArn=Ref(listener),
            Certificates=[elb.Certificate(CertificateArn=arn)],
        ))


def records(app: m.App, t: Template, lb: elb.LoadBalancer, lb_spec: m.LoadBalancer) -> None:
    """An alias record per domain of `lb_spec` and record type, to the load balancer."""
    for name, zone in alias_zones(app, lb_spec):
        for record_type in record_types():
            suffix = ALIAS_RECORD if record_type == "A" else ALIAS_RECORD_IPV6
            t.add_resource(route53.RecordSetType(
                domain_id(name) + suffix,
                HostedZoneId=zone,
                Name=name,
                Type=record_type,
                AliasTarget=route53.AliasTarget(
                    DNSName=GetAtt(lb, "DNSName"),
                    HostedZoneId=GetAtt(lb, "CanonicalHostedZoneID"),
                    EvaluateTargetHealth=False,
                ),
            ))
