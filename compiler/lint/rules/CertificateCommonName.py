"""E9021: an ACM certificate's DomainName (its common name) is at most 64 characters.

ACM RequestCertificate: "In compliance with RFC 5280, the length of the domain name
(technically, the Common Name) that you provide cannot exceed 64 octets (characters),
including periods. To add a longer domain name, specify it in the Subject Alternative
Name field, which supports names up to 253 octets in length." cfn-lint's schema for
AWS::CertificateManager::Certificate has no length on DomainName, so a longer name
passes it and fails the stack's create.
"""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

COMMON_NAME_LENGTH = 64


class CertificateCommonName(CloudFormationLintRule):
    id = "E9021"
    shortdesc = "ACM certificate DomainName at most 64 characters"
    description = ("An AWS::CertificateManager::Certificate DomainName is the certificate's common "
                   "name: at most 64 octets; longer names go among SubjectAlternativeNames")
    source_url = "https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html"
    tags = ["resources", "acm", "fargate-compile"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        found = []
        for name, resource in sorted(cfn.get_resources(["AWS::CertificateManager::Certificate"]).items()):
            props = resource.get("Properties")
            domain = props.get("DomainName") if isinstance(props, dict) else None
            if isinstance(domain, str) and len(domain.encode()) > COMMON_NAME_LENGTH:
                found.append(RuleMatch(
                    ["Resources", name, "Properties", "DomainName"],
                    f"DomainName '{domain}' is {len(domain.encode())} octets; ACM takes at most "
                    f"{COMMON_NAME_LENGTH} in the common name (list longer names as SubjectAlternativeNames)",
                    rule=self))
        return found
