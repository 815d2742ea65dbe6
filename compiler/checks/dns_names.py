"""FC215: the Cloud Map namespace and Service Connect aliases are valid, unambiguous DNS names."""

from __future__ import annotations

import re

from compiler.checks._util import first_given, given, svc
from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App
from compiler.stacks.services_network import connect_discovery_name

CODE = "FC215"

_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def dns_problem(name: str) -> tuple[int, str]:
    """(index of the bad label, why) for an invalid DNS name; (-1, "") when valid."""
    if len(name) > 253:
        return 0, f"is {len(name)} characters; a DNS name has at most 253"
    for index, label in enumerate(name.split(".")):
        if not label:
            return index, "has an empty label (two dots, or a dot at an end)"
        if not _LABEL.match(label):
            return index, (f"has the label '{label}'; labels are 1-63 of a-z 0-9 '-', "
                           "not starting or ending with '-'")
    return -1, ""


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    explicit = given(data, "discovery", "namespace")
    if explicit or app.uses_namespace:
        index, why = dns_problem(app.namespace)
        if why:
            if explicit:
                path, note = ("discovery", "namespace"), ""
            else:
                path = ("environment",) if index == 1 and given(data, "environment") else ("app",)
                note = " (the default <app>.<environment>.local)"
            found.append(locator.error(
                CODE, path, f"namespace '{app.namespace}'{note} {why}",
                hint="" if explicit else "set discovery.namespace"))
    aliases: dict[str, str] = {}
    for s in app.services:
        if not s.connect:
            continue
        alias = s.connect.alias
        path = _alias_path(data, s.name)
        _, why = dns_problem(alias)
        if why:
            found.append(locator.error(CODE, path, f"Service Connect alias '{alias}' {why}"))
        if alias in aliases:
            found.append(locator.error(
                CODE, path,
                f"Service Connect alias '{alias}' is used by both services {aliases[alias]} and "
                f"{s.name}; clients could not tell them apart"))
        else:
            aliases[alias] = s.name
    return found + _cloud_map_names(app, data, locator)


def _alias_path(data: dict, name: str) -> tuple:
    return first_given(data, svc(name, "connect", "alias"), svc(name, "connect"))


def _cloud_map_names(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    """Discovery records and Service Connect registrations share the namespace's service names."""
    found, owners = [], {}
    for s in app.services:
        entries = []
        if s.discovery:
            entries.append((s.name, f"the discovery record of service {s.name}",
                            svc(s.name, "discovery"), None))
        if s.connect:
            entries.append((connect_discovery_name(s),
                            f"the Service Connect name of service {s.name}",
                            _alias_path(data, s.name), s.connect.alias))
        for name, what, path, alias in entries:
            _, why = dns_problem(name)
            if why and alias is None:   # aliases are checked above
                found.append(locator.error(
                    CODE, path, f"discovery registers the service name '{name}' as a DNS name, "
                    f"which {why}", hint="rename the service, or drop discovery"))
            if name not in owners:
                owners[name] = (what, alias)
            elif alias is None or owners[name][1] != alias:   # equal aliases: reported above
                found.append(locator.error(
                    CODE, path,
                    f"'{name}' is both {owners[name][0]} and {what} in namespace "
                    f"{app.namespace}; pick another alias or service name"))
    return found
