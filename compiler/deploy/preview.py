"""What a deploy will do, as text: pure functions of values (no AWS, no terminal).

Three parts, each from its own source:
1. our diff between the deployed templates and the new ones (compiler/diff): the changes
   per stack file, replacements and hazards, exactly as `fargate-compile diff` shows them;
   for a first deploy, the stacks and resource counts to be created;
2. CloudFormation's change set: Action, LogicalResourceId, ResourceType and Replacement
   per change, per stack (the nested stacks' own change sets included);
3. CloudFormation's validation findings for the change set.
"""

from __future__ import annotations

from compiler.deploy.changeset import ChangeSet
from compiler.diff import Diff
from compiler.diff.report import text as diff_text
from compiler.diff.templates import TemplateSet

SIGNS = {"Add": "+", "Remove": "-", "Modify": "~", "Import": "<", "Dynamic": "?"}


def stack_label(stack: str, new: TemplateSet) -> str:
    """"root" for the root, else "<file> (<LogicalId>)" when the new compile has that stack."""
    if not stack:
        return new.root or "root"
    file = new.file_of.get(stack)
    return f"{file} ({stack})" if file else stack


def first_deploy(new: TemplateSet) -> str:
    lines = [f"new stack: every resource is created ({new.label})"]
    for name in [new.root] + sorted(n for n in new.templates if n != new.root):
        lines.append(f"  + {name:<22} {len(new.resources(name)):>4} resources")
    return "\n".join(lines) + "\n"


def change_set_text(change_set: ChangeSet, new: TemplateSet) -> str:
    if change_set.empty:
        return "CloudFormation's change set: no changes\n"
    if change_set.status != "CREATE_COMPLETE":
        return f"CloudFormation's change set: {change_set.status or 'unknown'}" + (
            f": {change_set.reason}" if change_set.reason else "") + "\n"
    lines = [f"CloudFormation's change set ({len(change_set.changes)} change"
             f"{'s' if len(change_set.changes) != 1 else ''}):"]
    for stack, changes in change_set.by_stack().items():
        lines.append(f"  {stack_label(stack, new)}")
        width = max(len(c.logical_id) for c in changes)
        kinds = max(len(c.type) for c in changes)
        for c in sorted(changes, key=lambda c: (c.action, c.logical_id)):
            replacement = f"replacement: {c.replacement}" if c.replacement else ""
            lines.append(f"    {SIGNS.get(c.action, '?')} {c.action:<7} {c.logical_id:<{width}}  "
                         f"{c.type:<{kinds}}  {replacement}".rstrip())
    return "\n".join(lines) + "\n"


def findings_text(change_set: ChangeSet) -> str:
    if not change_set.findings:
        return "CloudFormation's validation: no findings\n"
    lines = [f"CloudFormation's validation: {len(change_set.findings)} finding"
             f"{'s' if len(change_set.findings) != 1 else ''}"]
    for f in change_set.findings:
        where = ":".join(p for p in (f.stack, f.logical_id) if p)
        name = f" [{f.name}]" if f.name else ""
        lines.append(f"  {f.severity}{name}: {where + ': ' if where else ''}{f.message}")
    return "\n".join(lines) + "\n"


def render(stack_name: str, diff: Diff | None, change_set: ChangeSet | None, new: TemplateSet,
           note: str = "") -> str:
    """The whole preview. `diff` is None for a first deploy; `change_set` None when none was made."""
    kind = "create" if diff is None else "update"
    head = f"fargate-compile deploy: {stack_name} ({kind}"
    head += f", change set {change_set.name or change_set.id}" if change_set else ""
    parts = [head + ")\n"]
    if note:
        parts.append(note.rstrip("\n") + "\n")
    if diff is None:
        parts.append(first_deploy(new))
    else:
        body = diff_text(diff).split("\n", 2)[2]     # without its "fargate-compile diff: A -> B" header
        parts.append(f"our diff ({diff.changes.old.label} -> {diff.changes.new.label}):\n{body}")
    if change_set is not None:
        parts.append(change_set_text(change_set, new))
        parts.append(findings_text(change_set))
    return "\n".join(parts)
