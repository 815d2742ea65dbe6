"""FC254: with `copilot_variables: true`, the COPILOT_* names are the compiler's, not the spec's."""

from __future__ import annotations

from compiler.diagnostics import Diagnostic, Locator
from compiler.model import App
from compiler.stacks import copilot_env

CODE = "FC254"


def check(app: App, data: dict, locator: Locator) -> list[Diagnostic]:
    found = []
    for kind, workloads in (("services", app.services), ("jobs", app.jobs)):
        for w in workloads:
            given = {n: "variables" for n, _ in w.variables} | {x.name: "secrets" for x in w.secrets}
            for name in copilot_env.names_for(app, w):
                if name in given:
                    found.append(locator.error(
                        CODE, (kind, w.name, given[name], name),
                        f"{name} is set by the compiler for {w.name} (copilot_variables: true gives "
                        "every workload AWS Copilot's variables); remove it here, or choose another name",
                        key=True))
    return found
