"""FC221: explicit zones are distinct and all in one region."""

from __future__ import annotations

import re

from compiler.checks._util import listing
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App
from compiler.stacks.iam import ECR_IMAGE

CODE = "FC221"

_REGION = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d+)")


def region_of(zone: str) -> str:
    match = _REGION.match(zone)
    return match.group(1) if match else zone


def pinned_region(app: App) -> tuple[str, str] | None:
    """(region, what pins it) when the spec fixes the region the stack deploys to (templates
    are region-agnostic otherwise): explicit zones, the HTTPS certificate, an ECR image."""
    if app.network.zones:
        return region_of(app.network.zones[0]), f"zone {app.network.zones[0]}"
    for ref in app.network.existing.private + app.network.existing.public if app.network.existing else ():
        if ref.zone:
            return region_of(ref.zone), f"zone {ref.zone} of {ref.id}"
    https = next((lb.https for lb in app.owned_load_balancers if lb.https and lb.https.certificate_arn), None)
    if https and https.certificate_arn and https.certificate_arn.count(":") >= 3:
        return https.certificate_arn.split(":")[3], "the HTTPS certificate"
    for w in app.services + app.jobs:
        for image in (w.image, *(c.image for c in w.sidecars)):
            match = ECR_IMAGE.match(image)
            if match:
                return match.group("region"), f"the ECR image {image}"
    return None


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found, seen = [], {}
    for index, zone in enumerate(app.network.zones):
        if zone in seen:
            found.append(locator.error(
                CODE, ("network", "vpc", "zones", index),
                f"zone {zone} is listed twice (also zones[{seen[zone]}]); each zone gets its "
                "own subnets, so list distinct zones"))
        else:
            seen[zone] = index
    regions = sorted({region_of(z) for z in app.network.zones})
    if len(regions) > 1:
        found.append(locator.error(
            CODE, ("network", "vpc", "zones"),
            f"zones {listing(app.network.zones, 'and')} span regions "
            f"{listing(regions, 'and')}; a VPC lives in one region"))
    return found
