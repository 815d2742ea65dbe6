"""FC271: secrets can be fetched and decrypted: one reachable region without NAT; KMS keys that serve a secret."""

from __future__ import annotations

from dataclasses import replace

from compiler.checks._util import raw, svc
from compiler.checks.private_egress import needs_endpoints
from compiler.checks.zones import region_of
from compiler.diagnostics import WARNING, Diagnostic, Locator
from compiler.stacks.iam import ECR_IMAGE
from compiler.model import App, Service

CODE = "FC271"

# Templates are region-agnostic, but an ARN's region is literal. Without NAT a private task
# reaches Secrets Manager and SSM only through the VPC endpoints, which serve the stack's own
# region: a secret elsewhere is fetchable only if the stack is deployed in that region. The
# stack's region is known when the spec pins it (explicit zones, the HTTPS certificate, the
# ECR images such a service must pull through the same endpoints); then a secret in another
# region is refused. Unpinned, secrets of one task in two regions cannot all be reachable.
# With NAT (or public tasks) ECS fetches a secret from any region by its full ARN.


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    for s in app.services:
        found += _keys(s, data, locator)
        if needs_endpoints(app) and s.placement == "private":
            reach = _reachable(app, s, data, locator)
            # An existing VPC's NAT is invisible to the compiler: warnings, as FC210's are there.
            found += reach if app.network.existing is None else [replace(d, severity=WARNING) for d in reach]
    return found


def arn_region(value_from: str) -> str | None:
    """The region of a Secrets Manager or SSM ARN; None for a parameter name (the stack's region)."""
    parts = value_from.split(":")
    return parts[3] or None if value_from.startswith("arn:") and len(parts) > 3 else None


def _secret_paths(s: Service, data: dict):
    """(spec path, value_from) of every secret of the task, main container first."""
    for name, value in sorted((raw(data, *svc(s.name, "secrets"), default={}) or {}).items()):
        yield svc(s.name, "secrets", name), value
    for sidecar, spec in sorted((raw(data, *svc(s.name, "sidecars"), default={}) or {}).items()):
        for name, value in sorted(((spec or {}).get("secrets") or {}).items()):
            yield svc(s.name, "sidecars", sidecar, "secrets", name), value


def _pinned_region(app: App, s: Service) -> tuple[str, str] | None:
    """(region, what pins it) when the spec fixes the region the stack deploys to."""
    if app.network.zones:
        return region_of(app.network.zones[0]), f"zone {app.network.zones[0]}"
    https = next((lb.https for lb in app.owned_load_balancers if lb.https and lb.https.certificate_arn), None)
    # The compiler's own certificates (aliases without load_balancer.https) pin nothing.
    if https and https.certificate_arn and https.certificate_arn.count(":") >= 3:
        return https.certificate_arn.split(":")[3], "the HTTPS certificate"
    for image in (s.image, *(c.image for c in s.sidecars)):
        match = ECR_IMAGE.match(image)
        if match:
            return match.group("region"), f"the ECR image {image}"
    return None


def _reachable(app: App, s: Service, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    pinned = _pinned_region(app, s)
    for path, value in _secret_paths(s, data):
        region = arn_region(value)
        if region is None:
            continue
        if pinned is None:
            pinned = (region, f"the secret at {'.'.join(map(str, path[2:]))}")
            continue
        if region != pinned[0]:
            found.append(locator.error(
                CODE, path,
                f"'{value}' is in {region}, but the stack deploys to {pinned[0]} ({pinned[1]}); "
                f"with nat none, service {s.name} reaches Secrets Manager and SSM only through "
                "VPC endpoints of its own region",
                hint=f"replicate the secret to {pinned[0]}, or set nat: single"))
    return found


def _keys(s: Service, data: dict, locator: Locator) -> list[Diagnostic]:
    if not s.secrets_kms_keys:
        return []
    path = svc(s.name, "secrets_kms_keys")
    regions = {arn_region(v) for _, v in _secret_paths(s, data)}
    if not regions:
        return [locator.error(
            CODE, path, f"service {s.name} reads no secrets, so its KMS keys are never used",
            hint="remove secrets_kms_keys, or add the secrets they encrypt", severity=WARNING)]
    if None in regions:         # a parameter by name: in the stack's region, which is unknown
        return []
    found = []
    written = raw(data, *path, default=[])
    for index, key in enumerate(written):
        region = arn_region(key)
        if region not in regions:
            found.append(locator.error(
                CODE, (*path, index),
                f"KMS key in {region}, but the secrets of service {s.name} are in "
                f"{', '.join(sorted(regions))}; a secret is encrypted with a key of its own region",
                severity=WARNING))
    return found
