"""FC284: route conditions (header, method, query, source IP) and rewrites within ALB's limits."""

# services.<name>.http and each http.additional_rules[i]. The schema holds the shapes (3
# values per condition, 40-character header names of RFC 7230 token characters,
# 128-character values, method names of A-Z - _, 1024-character regexes); here: the limits
# over a whole rule (5 match evaluations, 5 wildcards, the test rule's header included), the
# Host header (a host condition's), query strings ALB can find (RFC 3986, no separators),
# CIDRs, one URL rewrite per rule, and regexes ALB's engine runs; warnings for source CIDRs
# the load balancer's allowed_cidrs never admit and a strip_prefix no path has.

from __future__ import annotations

import ipaddress
import re

from compiler.checks._util import given, raw, svc
from compiler.checks.routes import VALUES_PER_RULE, WILDCARDS_PER_RULE
from compiler.diagnostics import WARNING, Diagnostic, Locator
from compiler.model import App, Service
from compiler.state.routing import cidr_network

CODE = "FC284"

# RFC 3986 query characters, without the separators '&' and '=' (and '#', which ends it);
# '%' only as a percent-encoding, '\' only to escape a literal '*' or '?'.
_QUERY = re.compile(r"^(?:[A-Za-z0-9\-._~!$'()*+,;:@/?]|%[0-9A-Fa-f]{2}|\\[*?])+$")
# What ALB's rewrite regexes do not support (docs: rule transforms).
_UNSUPPORTED = (
    (re.compile(r"\(\?<?[=!]"), "lookaheads and lookbehinds"),
    (re.compile(r"\\[1-9]|\\k<|\(\?P="), "backreferences"),
    (re.compile(r"\(\?>"), "atomic groups"),
    (re.compile(r"(?<!\\)[*+?}]\+"), "possessive quantifiers"),
    (re.compile(r"\(\?(?:R|[0-9]|&|P>)"), "subroutines and recursion"),
    (re.compile(r"\\[pP]\{?"), "Unicode character classes"),
)


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    allowed = app.load_balancer.allowed_cidrs if app.load_balancer is not None else ()
    for s in app.routed_services:
        test_header = _test_header(s)
        found += _rule(s.http, svc(s.name, "http"), test_header, data, locator)
        found += _unreachable(s.http.conditions.source_ips, allowed, svc(s.name, "http", "source_ips"), locator)
        for i, rule in enumerate(s.http.additional_rules):
            where = svc(s.name, "http", "additional_rules", i)
            found += _rule(rule, where, None, data, locator)
            found += _unreachable(rule.conditions.source_ips, allowed, (*where, "source_ips"), locator)
    return found


def _unreachable(cidrs, allowed, path: tuple, locator: Locator) -> list[Diagnostic]:
    """Source CIDRs the load balancer's security group admits no address of (FC216 checks
    allowed_cidrs themselves)."""
    nets = [n for n in (cidr_network(c) for c in allowed) if n is not None]
    if not nets:
        return []
    found = []
    for i, cidr in enumerate(cidrs):
        net = cidr_network(cidr)
        if net is not None and not any(net.version == a.version and net.overlaps(a) for a in nets):
            found.append(locator.error(
                CODE, (*path, i),
                f"no address of {cidr} may reach the load balancer (allowed_cidrs: {', '.join(allowed)}): "
                "the condition never matches", severity=WARNING))
    return found


def _test_header(s: Service) -> str | None:
    test = s.deployment.test_traffic
    return test.header[0] if s.deployment.shifted and test is not None and test.header else None


def _rule(http, where: tuple, test_header: str | None, data: dict, locator: Locator) -> list[Diagnostic]:
    c = http.conditions
    found: list[Diagnostic] = []
    for name, values in c.headers:
        if name.lower() == "host":
            found.append(locator.error(
                CODE, (*where, "headers", name),
                "the Host header is matched by a host condition, not a header condition",
                hint="list the names under hosts", key=True))
    for key, values in c.query:
        for text, path, is_key in [(key, (*where, "query", key), True)] + [
                (v, _value_path(data, (*where, "query", key), i), False) for i, v in enumerate(values)]:
            if not _QUERY.match(text):
                found.append(locator.error(
                    CODE, path,
                    f"query {'key' if is_key else 'value'} '{text}' has characters ALB never finds in a query "
                    "string: '&', '=', '#', spaces and non-ASCII separate or end it",
                    hint="percent-encode them (a space is %20), as clients send them", key=is_key))
    found += _source_ips(c.source_ips, (*where, "source_ips"), locator)
    found += _totals(http, where, test_header, locator)
    rewrite = (*where, "rewrite")
    if given(data, *rewrite, "path") and given(data, *rewrite, "strip_prefix"):
        found.append(locator.error(
            CODE, (*rewrite, "strip_prefix"),
            "a rule takes one URL rewrite: strip_prefix is one, and so is path",
            hint="keep one of them (strip_prefix: /p is path: {regex: '^/p/?(.*)$', replace: '/$1'})", key=True))
    for part, rw in (("path", c.url_rewrite if given(data, *rewrite, "path") else None), ("host", c.host_rewrite)):
        if rw is not None:
            found += _regex(rw.regex, rw.replace, (*rewrite, part), locator)
    if given(data, *rewrite, "strip_prefix") and not given(data, *rewrite, "path") and http.paths and not any(
            p.startswith(raw(data, *rewrite, "strip_prefix").rstrip("/")) for p in http.paths):
        found.append(locator.error(
            CODE, (*rewrite, "strip_prefix"),
            f"no path of the route ({', '.join(http.paths)}) starts with {raw(data, *rewrite, 'strip_prefix')}: "
            "the rewrite never applies", severity=WARNING))
    return found


def _value_path(data: dict, path: tuple, index: int) -> tuple:
    return (*path, index) if isinstance(raw(data, *path), list) else path


def _source_ips(cidrs, path: tuple, locator: Locator) -> list[Diagnostic]:
    found = []
    for i, cidr in enumerate(cidrs):
        try:
            net = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            found.append(locator.error(
                CODE, (*path, i), f"'{cidr}' is not a cidr like 203.0.113.0/24 or 2001:db8::/32"))
            continue
        if net.network_address != ipaddress.ip_interface(cidr).ip:
            found.append(locator.error(CODE, (*path, i), f"'{cidr}' has host bits set; write {net}"))
    return found


def _totals(http, where: tuple, test_header: str | None, locator: Locator) -> list[Diagnostic]:
    """The rule's match evaluations and wildcards, counted only when its conditions add to
    the paths' and hosts' (FC206 and FC281 report those alone)."""
    c = http.conditions
    if not c.narrowing:
        return []
    found = []
    base = len(http.paths) + len(http.hosts)
    extra = 1 if test_header else 0
    total = base + c.values + extra
    if base <= VALUES_PER_RULE < total:
        test = f" + 1 for the test rule's {test_header} header" if extra else ""
        found.append(locator.error(
            CODE, where,
            f"{len(http.paths)} paths + {len(http.hosts)} hosts + {c.values} header, method, query and "
            f"source values{test} = {total} match evaluations; an ALB rule takes at most {VALUES_PER_RULE}",
            hint="split the route into two rules (additional_rules), or use fewer values", key=True))
    wild = sum(v.count("*") + v.count("?") for v in http.paths + http.hosts)
    if wild <= WILDCARDS_PER_RULE < wild + c.wildcards:
        found.append(locator.error(
            CODE, where,
            f"{wild + c.wildcards} wildcards (* or ?) in paths, hosts, header and query values; an ALB rule "
            f"takes at most {WILDCARDS_PER_RULE}", key=True))
    return found


def _regex(regex: str, replace: str, path: tuple, locator: Locator) -> list[Diagnostic]:
    for pattern, what in _UNSUPPORTED:
        if pattern.search(regex):
            return [locator.error(CODE, (*path, "regex"),
                                  f"regex '{regex}' uses {what}, which ALB rewrites do not support")]
    try:
        groups = re.compile(regex).groups
    except re.error as e:
        return [locator.error(CODE, (*path, "regex"), f"regex '{regex}' is not a regular expression: {e}")]
    used = [int(n) for n in re.findall(r"\$(\d+)", replace)]
    if any(n > groups for n in used):
        return [locator.error(
            CODE, (*path, "replace"),
            f"replace '{replace}' uses ${max(used)} but the regex has {groups} group{'s' * (groups != 1)}")]
    return []
