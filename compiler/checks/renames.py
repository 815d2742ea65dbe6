"""FC272: renames: `renamed_from` names a gone service; a rename without it is warned."""

# `renamed_from` must name a service of the last compile that the spec no longer has. A
# service that is new while another is gone (a rename without `renamed_from`) is warned of
# what the update will do: the gone service's retained queues keep a backlog no one reads
# (and, with the same topics, every message is delivered to both queues until the cleanup
# phase), and an explicit priority the gone rule still holds fails with PriorityInUse.

from __future__ import annotations

from compiler.checks._util import svc
from compiler.diagnostics import WARNING, Diagnostic, Locator
from compiler.model import App

CODE = "FC272"


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    names = {s.name for s in app.services}
    found = []
    for s in app.services:
        if s.renamed_from and s.renamed_from in names:
            found.append(locator.error(
                CODE, svc(s.name, "renamed_from"),
                f"renamed_from: {s.renamed_from} names a service the spec still has; a service can "
                "take over the resources of a service that is gone only"))
    found += _shared_directories(app, locator)
    if not app.gone:
        return found
    gone = ", ".join(g.name for g in app.gone)
    for s in app.services:
        if s.name not in app.new_services or s.renamed_from:
            continue
        what = []
        for g in app.gone:
            if g.queues and s.subscribe:
                what.append(f"{g.name}'s subscriptions deliver every message to its queue as well as to "
                            f"{s.name}'s until the cleanup phase (processed twice), then its retained queue "
                            f"{g.queues[0]} keeps a backlog no service reads")
            elif g.queues:
                what.append(f"{g.name}'s retained queue {g.queues[0]} keeps a backlog no service reads")
            if g.directories and s.efs_volumes:
                dirs = ", ".join(v.efs.root_dir for v in s.efs_volumes)
                what.append(f"{g.name}'s files stay in {', '.join(g.directories)}, out of {s.name}'s view "
                            f"(its volumes get new access points at {dirs})")
            if g.priority is not None and s.http and not s.http.assigned and s.http.priority == g.priority:
                what.append(f"priority {g.priority} is held by {g.name}'s rule until the cleanup phase: "
                            "the update fails (PriorityInUse) and rolls back")
        if not what and not s.subscribe:
            continue
        found.append(locator.error(
            CODE, svc(s.name), f"{s.name} is new and {gone} {'is' if len(app.gone) == 1 else 'are'} gone: "
            + ("; ".join(what) if what else "a rename creates every resource anew")
            + f". If {s.name} is a renamed service, add renamed_from: <its old name> to keep its resources",
            key=True, severity=WARNING))
    return found


def _shared_directories(app: App, locator: Locator) -> list[Diagnostic]:
    """A service or job named as another's kept identity (its old name) would get the same
    default volume directories /<name>/<volume>: the two would share their files."""
    found = []
    workloads = [(("services", w.name), w) for w in app.services] + [(("jobs", w.name), w) for w in app.jobs]
    for path, w in workloads:
        for _, other in workloads:
            if other is w or other.identity != w.name:
                continue
            shared = sorted({v.efs.root_dir for v in w.efs_volumes if v.efs.default_root}
                            & {v.efs.root_dir for v in other.efs_volumes if v.efs.default_root})
            if shared:
                found.append(locator.error(
                    CODE, path, f"{other.name} was renamed from {w.name} and keeps its volume "
                    f"directories ({', '.join(shared)}): {w.name} would share their files; give its "
                    f"volumes a root_dir of their own or {w.name} another name", key=True))
    return found
