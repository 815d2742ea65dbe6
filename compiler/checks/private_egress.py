"""FC210: private services without NAT reach AWS only through the VPC endpoints they need."""

from __future__ import annotations

from dataclasses import replace

from compiler.checks._util import first_given, listing, quoted, svc
from compiler.diagnostics import WARNING, Diagnostic, Locator
from compiler.stacks.iam import ECR_IMAGE
from compiler.model import App, Service

CODE = "FC210"

# Pulling an image from ECR and shipping logs: ECR API, ECR Docker, S3 (layers), CloudWatch Logs.
REQUIRED = ("ecr.api", "ecr.dkr", "logs", "s3")
# The same ECR image pattern the execution role's pull permissions are built from.
PRIVATE_ECR = ECR_IMAGE


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    # An existing VPC has nat "none" for the compiler (it makes none); see _unseen_egress.
    if not needs_endpoints(app):
        return []
    private = [s for s in app.services if s.placement == "private"]
    if not private:
        return []                       # public tasks get a public IP and the internet gateway
    have = set(app.network.endpoints)
    where = first_given(data, ("network", "endpoints"), ("network", "nat"))
    found = []
    missing = [e for e in REQUIRED if e not in have]
    if missing:
        found.append(locator.error(
            CODE, where,
            f"nat is none and services {listing((s.name for s in private), 'and')} run in "
            f"private subnets; they need the VPC endpoints {quoted(missing)}, which are missing",
            hint="add them to network.endpoints, or set nat: single"))
    regions: dict[str, tuple] = {}
    for s in private:
        for path, image in _images(s):
            match = PRIVATE_ECR.match(image)
            if not match:
                found.append(locator.error(
                    CODE, path,
                    f"image '{image}' is not in a private ECR registry; with nat none a private "
                    "service can pull only from ECR (ACCOUNT.dkr.ecr.REGION.amazonaws.com/...) "
                    "through the VPC endpoints",
                    hint="copy the image to ECR, set nat: single, or use placement: public"))
            else:
                regions.setdefault(match.group("region"), path)
        found += _secrets(s, have, locator)
        if s.exec and "ssmmessages" not in have:
            found.append(locator.error(
                CODE, svc(s.name, "exec"),
                f"exec: true on service {s.name} needs the 'ssmmessages' endpoint when nat is "
                "none; add it to network.endpoints"))
    if len(regions) > 1:
        names = sorted(regions)
        found.append(locator.error(
            CODE, regions[names[1]],
            f"images come from ECR in regions {listing(names, 'and')}; with nat none the ECR "
            "endpoints reach only the stack's own region, so all images must be in one region"))
    return found if app.network.existing is None else [_unseen_egress(d) for d in found]


def needs_endpoints(app: App) -> bool:
    """Whether private tasks reach AWS only through VPC endpoints: nat none, in an existing VPC
    unless the spec says its private subnets route to a NAT gateway (network.vpc.nat)."""
    existing = app.network.existing
    return app.network.nat == "none" and not (existing is not None and existing.nat)


def unseen_egress(d: Diagnostic) -> Diagnostic:
    return _unseen_egress(d)


def _unseen_egress(d: Diagnostic) -> Diagnostic:
    """In an existing VPC the compiler makes no NAT but cannot see the VPC's own routing
    (a NAT gateway of its owner may well be there): the same finding, as a warning."""
    message = d.message.replace("nat is none", "no NAT gateway is known").replace("with nat none", "without NAT")
    return replace(d, severity=WARNING, message=message,
                   hint="if the existing VPC's private subnets route to a NAT gateway, say so with "
                        "network.vpc.nat: true; otherwise " + (d.hint or "add the endpoints to network.endpoints")
                        .replace(", or set nat: single", "").replace(" set nat: single,", ""))


def _images(s: Service):
    yield svc(s.name, "image"), s.image
    for sidecar in s.sidecars:
        yield svc(s.name, "sidecars", sidecar.name, "image"), sidecar.image


def _secrets(s: Service, have: set, locator: Locator) -> list[Diagnostic]:
    first: dict[str, tuple] = {}
    for secret in s.secrets:
        first.setdefault(secret.kind, svc(s.name, "secrets", secret.name))
    for sidecar in s.sidecars:
        for secret in sidecar.secrets:
            first.setdefault(
                secret.kind, svc(s.name, "sidecars", sidecar.name, "secrets", secret.name))
    source = {"secretsmanager": "Secrets Manager", "ssm": "SSM Parameter Store"}
    return [
        locator.error(
            CODE, path,
            f"service {s.name} reads secrets from {source[kind]} and nat is none; "
            f"it needs the '{kind}' endpoint, add it to network.endpoints")
        for kind, path in sorted(first.items())
        if kind not in have
    ]
