"""FC221: explicit zones are distinct and all in one region."""

from __future__ import annotations

import re

from compiler.checks._util import listing
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App

CODE = "FC221"

_REGION = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d+)")


def region_of(zone: str) -> str:
    match = _REGION.match(zone)
    return match.group(1) if match else zone


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
