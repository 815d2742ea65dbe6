"""FC241: custom domains (`http.alias`): domain shape, hosted zone, certificate limits."""

# - `alias` and `hosted_zone` go together (the records and the certificate
#   validation records go into that zone);
# - every alias is a domain name: at most 253 characters (and 128, an ALB
#   host-condition value's limit), labels of 1-63 lowercase letters, digits and
#   '-' not at either end, at least two labels, a '*' only as the whole leftmost
#   label (a wildcard name) with at least two labels after it;
# - a name two services both serve is in one hosted zone;
# - a certificate the compiler makes has the alias as its DomainName, the certificate's
#   common name, which ACM caps at 64 octets (RFC 5280; longer names only as SANs);
# - no aliases in AWS GovCloud (US) when the spec pins the region there: Route 53 has no
#   public hosted zones there, and a private zone's alias records can only target records
#   of the same zone, not a load balancer (GovCloud user guide, "Amazon Route 53");
# - warnings: more certificates than an HTTPS listener holds by default (25 besides
#   its default one), compiler-made certificates on an internal load balancer
#   (ACM validates them through public DNS: the zone must be a public one), and `hosts`
#   names the compiler-made certificates do not cover (their HTTP only redirects to HTTPS).


from __future__ import annotations

import re

from compiler.checks._util import listing, raw, svc
from compiler.checks.zones import pinned_region
from compiler.stacks import domains
from compiler.diagnostics import WARNING, Diagnostic, Locator
from compiler.model import App, Service

CODE = "FC241"

DOMAIN_LENGTH = 253
HOST_CONDITION_LENGTH = 128
LISTENER_CERTIFICATES = 25         # ALB quota: certificates per listener besides the default
COMMON_NAME_LENGTH = 64            # ACM: a certificate's DomainName (its common name)
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def domain_problem(name: str) -> str:
    """Why `name` is not a domain name an alias can be; "" when it is."""
    if len(name) > DOMAIN_LENGTH:
        return f"is {len(name)} characters; a domain name has at most {DOMAIN_LENGTH}"
    if len(name) > HOST_CONDITION_LENGTH:
        return (f"is {len(name)} characters; an ALB host condition takes at most "
                f"{HOST_CONDITION_LENGTH}")
    if name.endswith("."):
        return "ends in '.'; write it without the root dot"
    labels = name.split(".")
    wildcard = labels[0] == "*"
    rest = labels[1:] if wildcard else labels
    if "*" in "".join(rest) or (not wildcard and "*" in name):
        return "has a '*' that is not the whole leftmost label (only *.example.com is a wildcard)"
    if len(rest) < 2:
        return ("needs at least two labels after the wildcard" if wildcard else
                "needs at least two labels, such as example.com")
    for label in rest:
        if not label:
            return "has an empty label (two dots, or a dot at an end)"
        if not _LABEL.match(label):
            return (f"has the label '{label}'; labels are 1-63 of a-z 0-9 '-', "
                    "not starting or ending with '-'")
    if rest[-1].isdigit():
        return f"ends in the all-digit label '{rest[-1]}'; a domain name ends in a top-level domain"
    return ""


def _alias_path(data: dict, s: Service, index: int) -> tuple:
    if isinstance(raw(data, *svc(s.name, "http", "alias")), list):
        return svc(s.name, "http", "alias", index)
    return svc(s.name, "http", "alias")


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    zones: dict[str, tuple[str, str]] = {}       # name -> (zone, service)
    for s in app.routed_services:
        http = s.http
        if http.aliases and not http.hosted_zone:
            found.append(locator.error(
                CODE, svc(s.name, "http", "alias"),
                "alias needs hosted_zone: the Route 53 hosted zone ID its records go into",
                hint="to route a name without DNS records or a certificate, use hosts"))
        if http.hosted_zone and not http.aliases:
            found.append(locator.error(
                CODE, svc(s.name, "http", "hosted_zone"),
                "hosted_zone without alias: name the domain(s) of the service under alias"))
        for index, name in enumerate(http.aliases):
            where = _alias_path(data, s, index)
            problem = domain_problem(name)
            if problem:
                found.append(locator.error(CODE, where, f"alias '{name}' {problem}"))
            if not http.hosted_zone:
                continue
            if name in zones and zones[name][0] != http.hosted_zone:
                zone, other = zones[name]
                found.append(locator.error(
                    CODE, svc(s.name, "http", "hosted_zone"),
                    f"alias '{name}' is in hosted zone {zone} for service {other} but in "
                    f"{http.hosted_zone} here; one name has one record"))
            zones.setdefault(name, (http.hosted_zone, s.name))
    return found + _certificates(app, data, locator) + _govcloud(app, data, locator)


def _covered(host: str, names) -> bool:
    """Whether a certificate for one of `names` serves `host` (a wildcard covers one label)."""
    for name, _ in names:
        if host == name or (name.startswith("*.") and "." in host
                            and host.split(".", 1)[1] == name[2:] and "*" not in host):
            return True
    return False


def _govcloud(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    pinned = pinned_region(app)
    if pinned is None or not pinned[0].startswith("us-gov-"):
        return []
    return [locator.error(
        CODE, svc(s.name, "http", "alias"),
        f"the stack deploys to {pinned[0]} ({pinned[1]}), in AWS GovCloud (US), where Route 53 has no "
        "public hosted zones and a private zone's alias records cannot target a load balancer",
        hint="remove alias and point a CNAME record of your DNS at the load balancer (use hosts "
             "for the host-header condition, and load_balancer.https for the certificate)")
        for s in app.routed_services if s.http.aliases]


def _certificates(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    """Per ALB of the app's: the certificates of its services' aliases sit on its listener."""
    return [d for lb in app.owned_load_balancers for d in _certificates_of(app, lb, data, locator)]


def _certificates_of(app: App, lb, data: dict, locator: Locator) -> list[Diagnostic]:
    routed = app.routed_by(lb)
    names = domains.alias_zones(app, lb)
    if not names or lb.https is None or lb.https.certificate_arn is not None:
        return []
    last = next(s for s in reversed(routed) if s.http.aliases)
    found = []
    if len(names) - 1 > LISTENER_CERTIFICATES:
        found.append(locator.error(
            CODE, svc(last.name, "http", "alias"),
            f"{len(names)} domain names get one certificate each; an HTTPS listener holds "
            f"{LISTENER_CERTIFICATES} besides its default by default",
            hint="raise the 'Certificates per Application Load Balancer' quota, or give "
                 "load_balancer.https a certificate that covers the names",
            severity=WARNING))
    for s in routed:
        for index, name in enumerate(s.http.aliases):
            if len(name) > COMMON_NAME_LENGTH:
                found.append(locator.error(
                    CODE, _alias_path(data, s, index),
                    f"alias '{name}' is {len(name)} characters, and the certificate the compiler makes "
                    f"for it has it as its common name, which ACM caps at {COMMON_NAME_LENGTH}",
                    hint="give load_balancer.https a certificate whose common name is shorter and "
                         "that lists this name among its subject alternative names"))
        # Any service's hosts: the aliases of one service turn HTTPS on for the whole listener.
        uncovered = [h for h in s.http.hosts if not _covered(h, names)]
        if uncovered:
            verb = "gets" if len(uncovered) == 1 else "get"
            found.append(locator.error(
                CODE, svc(s.name, "http", "hosts"),
                f"{listing(uncovered, 'and')} {verb} no certificate: the compiler makes one per alias, "
                "and with HTTPS on, plain HTTP only redirects, so browsers refuse these names",
                hint="list them under alias too (a record and a certificate each), or give "
                     "load_balancer.https a certificate that covers them",
                severity=WARNING))
    if not lb.public:
        found.append(locator.error(
            CODE, svc(last.name, "http", "alias"),
            "the load balancer is internal, and ACM validates the compiler's certificates "
            "through public DNS: the hosted zone must be a public one, or the deployment waits "
            "for a validation that never comes",
            hint="with a private hosted zone, give load_balancer.https a certificate",
            severity=WARNING))
    return found
