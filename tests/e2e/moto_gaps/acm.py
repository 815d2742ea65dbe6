"""ACM types moto's CloudFormation does not have."""

from __future__ import annotations

from typing import Any

from .base import AddedModel


# --- ACM certificates (storage-dns) -------------------------------------------
# AWS::CertificateManager::Certificate is not a CloudFormation type in moto:
# it is skipped, and the HTTPS listener that names it fails. This model
# requests it through moto's ACM backend and then does what CloudFormation and
# ACM do for DNS validation with DomainValidationOptions[].HostedZoneId: write
# each name's validation CNAME into that hosted zone, then (ACM finding it)
# issue the certificate. Ref is the ARN.
def certificate() -> None:
    from moto.acm.models import acm_backends
    from moto.core.common_models import CloudFormationModel
    from moto.route53.models import route53_backends
    from moto.utilities.utils import get_partition

    class Certificate(AddedModel, CloudFormationModel):
        __module__ = "moto.acm.models"
        cfn_type = "AWS::CertificateManager::Certificate"

        def __init__(self, arn: str):
            self.arn = arn

        @property
        def physical_resource_id(self) -> str:
            return self.arn

        @classmethod
        def create(cls, props: dict, resource_name: str, account_id: str, region_name: str) -> Any:
            backend = acm_backends[account_id][region_name]
            arn = backend.request_certificate(
                props["DomainName"], idempotency_token=None,
                subject_alt_names=props.get("SubjectAlternativeNames") or [],
                tags=props.get("Tags") or [])
            bundle = backend.describe_certificate(arn)
            zones = {o["DomainName"]: o["HostedZoneId"]
                     for o in props.get("DomainValidationOptions") or [] if o.get("HostedZoneId")}
            if props.get("ValidationMethod") == "DNS" and zones:
                route53 = route53_backends[account_id][get_partition(region_name)]
                for option in bundle.describe()["Certificate"]["DomainValidationOptions"]:
                    zone = zones.get(option["DomainName"])
                    if zone is None:
                        continue
                    record = option["ResourceRecord"]
                    route53.get_hosted_zone(zone).add_rrset({
                        "Name": record["Name"], "Type": record["Type"], "TTL": 300,
                        "ResourceRecords": [record["Value"]]})
                bundle.status = "ISSUED"
            return cls(arn)

        def delete(self, account_id: str, region_name: str) -> None:
            acm_backends[account_id][region_name].delete_certificate(self.arn)
