"""root.json: one AWS::CloudFormation::Stack per child, wired Output -> Parameter.

A child Parameter named X is fed with `Fn::GetAtt <Producer>.Outputs.X`, where
<Producer> is the one sibling whose template has an Output named X (see
stacks/common.py). No Exports: the wiring lives in the root, so stacks can be
replaced and renamed freely. TemplateURLs are local paths, rewritten to S3
URLs by `aws cloudformation package`.
"""

from __future__ import annotations

from troposphere import GetAtt, Output, Template
from troposphere.cloudformation import Stack

from compiler.state import lockfile, placement
from compiler import model as m
from compiler.state.naming import pascal
from compiler.stacks.common import new_template, tags

# Root outputs surfaced to the user: (output name, producing child output).
ROOT_OUTPUTS = (
    "VpcId",
    "PublicSubnetIds",
    "PrivateSubnetIds",
    "LoadBalancerDnsName",
    "ClusterName",
    "ClusterArn",
    "NamespaceId",
)


class WiringError(Exception):
    """A child needs a value no sibling provides: a compiler bug, never a user error."""


def stack_logical_id(stem: str) -> str:
    return pascal(stem) + "Stack"


def depends_on_stacks(app: m.App) -> dict[str, set[str]]:
    """Services stack stem -> the other services stacks holding servers its services depend on."""
    from compiler.stacks.services import service_stems   # services -> checks -> root: import late

    stems = service_stems(app)
    found: dict[str, set[str]] = {}
    for s in app.services:
        for server in s.depends_on:
            if server in stems and stems[server] != stems[s.name]:
                found.setdefault(stems[s.name], set()).add(stems[server])
    return found


def build(app: m.App, children: list[tuple[str, Template]], extension: str = "json") -> Template:
    t = new_template(app, "root stack")
    # The lock file's record, also here: a compile without the lock reads it from this
    # output, and the deployed stack carries it (get-template) to rebuild a lost lock.
    t.set_metadata({lockfile.METADATA_KEY: placement.record(app)})
    producers: dict[str, str] = {}
    for stem, child in children:
        for name in child.outputs:
            if name in producers:
                raise WiringError(f"output {name} is produced by both {producers[name]} and {stem}")
            producers[name] = stem

    server_stacks = depends_on_stacks(app)
    stacks: dict[str, Stack] = {}
    for stem, child in children:
        params = {}
        depends = set()
        for name in sorted(child.parameters):
            producer = producers.get(name)
            if producer not in stacks:  # unknown, itself, or a later sibling
                raise WiringError(f"{stem} needs {name}, which no earlier stack outputs")
            params[name] = GetAtt(stacks[producer], f"Outputs.{name}")
        if stem.startswith("services") and "endpoints" in stacks:
            # Tasks in private subnets pull images through the endpoints: they must exist first.
            depends.add(stacks["endpoints"].title)
        # depends_on across services stacks: the servers' stack first (checks/depends_on.py
        # refuses what would make a cycle, such as a client in the first stack).
        # A stack already waits for the stacks it takes Parameters from.
        feeding = {producers[name] for name in child.parameters}
        depends.update(stack_logical_id(server) for server in server_stacks.get(stem, ())
                       if server not in feeding)
        kwargs = {"DependsOn": sorted(depends)} if depends else {}
        if params:
            kwargs["Parameters"] = params
        stacks[stem] = t.add_resource(
            Stack(stack_logical_id(stem), TemplateURL=f"./{stem}.{extension}", Tags=tags(app), **kwargs)
        )
    for name in ROOT_OUTPUTS:
        if name in producers:
            t.add_output(Output(name, Value=GetAtt(stacks[producers[name]], f"Outputs.{name}")))
    # stacks/nlb.py's NLBs, and the ALBs of load_balancers but the first (alb.py)
    for name in sorted(n for n in producers if (producers[n] == "nlb" and n.endswith("DnsName"))
                       or (producers[n] == "alb" and n.endswith("LoadBalancerDnsName") and n not in ROOT_OUTPUTS)):
        t.add_output(Output(name, Value=GetAtt(stacks[producers[name]], f"Outputs.{name}")))
    return t

