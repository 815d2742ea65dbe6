"""Resource changes between two template sets: added, removed, modified, and for a
modified resource whether CloudFormation replaces it.

A resource is identified by its nested stack's logical ID in the root and its own
logical ID. A changed logical ID, or a resource that moves to another nested stack, is
a removal plus an addition: CloudFormation creates the new one and deletes the old one
in its cleanup phase.

A resource is replaced when its type changes or the deployed value of a create-only
property changes. "Deployed value" matters: `VpcId: !Ref VpcId` reads the same in
both templates, yet changes when the VPC behind it is replaced. Replacements are
therefore propagated (through Ref, GetAtt, parameters and nested stack outputs) until
nothing more changes. A conditionally create-only property (e.g. an ECS service's
LaunchType) is reported as `may_replace`, never as a certain replacement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from compiler.diagnostics import dotted
from compiler.diff import providers
from compiler.diff.resolve import Resolver, is_intrinsic, refers_to, same_value
from compiler.diff.templates import TemplateSet

Identity = tuple  # (stack key, logical ID): see TemplateSet.key
ATTRIBUTES = ("DeletionPolicy", "UpdateReplacePolicy", "UpdatePolicy", "Condition", "DependsOn", "Metadata")


@dataclass(frozen=True)
class Modified:
    id: str
    type: str
    replacement: bool
    properties: tuple[str, ...]               # changed property paths; attributes by their own name
    may_replace: tuple[str, ...] = ()         # changed, conditionally create-only paths
    replaced_by: tuple[str, ...] = ()         # the create-only paths that force the replacement
    follows: tuple[Identity, ...] = ()        # replaced resources whose new IDs change this one's values
    properties_changed: bool = True           # False when only attributes (DeletionPolicy...) changed


@dataclass
class StackChanges:
    key: str = ""                             # the stack's identity (TemplateSet.key)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    modified: list[Modified] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.added or self.removed or self.modified)


@dataclass
class Changes:
    old: TemplateSet
    new: TemplateSet
    stacks: dict[str, StackChanges]           # file name (the new one, else the old one) -> changes
    replaced: set[Identity]
    added: set[Identity]
    removed: set[Identity]
    old_values: Resolver
    new_values: Resolver

    def old_file(self, identity: Identity) -> str:
        return self.old._by_key[identity[0]]

    def new_file(self, identity: Identity) -> str:
        return self.new._by_key[identity[0]]

    def file(self, identity: Identity) -> str:
        """The file a reader finds the resource in: the new one, else the old one."""
        return self.new._by_key.get(identity[0]) or self.old_file(identity)

    def old_resource(self, identity: Identity) -> dict:
        return self.old.resources(self.old_file(identity))[identity[1]]

    def new_resource(self, identity: Identity) -> dict:
        return self.new.resources(self.new_file(identity))[identity[1]]

    def modified(self) -> dict[Identity, Modified]:
        return {(s.key, m.id): m for s in self.stacks.values() for m in s.modified}

    def name(self, identity: Identity) -> str:
        return f"{self.file(identity)}:{identity[1]}"


def _identities(side: TemplateSet) -> dict[Identity, str]:
    """(stack key, logical ID) -> the file it is in."""
    return {(side.key(f), r): f for f in side.templates for r, v in side.resources(f).items() if isinstance(v, dict)}


def _properties(resource: dict) -> dict:
    props = resource.get("Properties")
    return props if isinstance(props, dict) else {}


def _leaf_changes(old, new, path, old_r: Resolver, new_r: Resolver, old_file, new_file, replaced, out):
    """Paths (tuples) below which the deployed value differs, at the finest level both sides share."""
    if isinstance(old, dict) and isinstance(new, dict) and not is_intrinsic(old) and not is_intrinsic(new):
        for key in sorted(set(old) | set(new)):
            if key not in old or key not in new:
                out.append(path + (key,))
            else:
                _leaf_changes(old[key], new[key], path + (key,), old_r, new_r, old_file, new_file, replaced, out)
        return
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new)):
            _leaf_changes(a, b, path + (i,), old_r, new_r, old_file, new_file, replaced, out)
        return
    if not same_value(old_r.resolve(old_file, old), new_r.resolve(new_file, new), replaced):
        out.append(path)


def _matches(pattern: tuple, path: tuple) -> bool:
    """Does `path` lie on `pattern` (one is a prefix of the other, "*" matching any index)?"""
    return all(p == "*" or p == q for p, q in zip(pattern, path))


def _extract(value, pattern: tuple):
    """The values at `pattern`, or None when an intrinsic function hides the structure."""
    items = [value]
    for part in pattern:
        following = []
        for item in items:
            if is_intrinsic(item):
                return None
            if part == "*":
                if isinstance(item, list):
                    following.extend(item)
            elif isinstance(part, int):
                if isinstance(item, list) and part < len(item):
                    following.append(item[part])
            elif isinstance(item, dict) and part in item:
                following.append(item[part])
        items = following
    return items


def _touches(pattern, changed, old_props, new_props, old_r, new_r, old_file, new_file, replaced) -> bool:
    for path in changed:
        if not _matches(pattern, path):
            continue
        if len(path) >= len(pattern):
            return True
        # A change above the create-only path (a whole block added or rewritten): look at the value itself.
        a, b = _extract(old_props, pattern), _extract(new_props, pattern)
        if a is None or b is None:
            return True
        if not same_value(old_r.resolve(old_file, a), new_r.resolve(new_file, b), replaced):
            return True
    return False


def compare(old: TemplateSet, new: TemplateSet) -> Changes:
    old_r, new_r = Resolver(old), Resolver(new)
    before, after = _identities(old), _identities(new)
    common = sorted(set(before) & set(after))
    replaced: set[Identity] = set()
    changed_paths: dict[Identity, list] = {}
    # What each resource's properties refer to, so that a replacement re-examines only its dependants.
    uses = {i: refers_to(new_r.resolve(after[i], _properties(new.resources(after[i])[i[1]])), set(after))
            for i in common}
    pending = set(common)
    while pending:  # replacements propagate through references until nothing more changes
        grown = set()
        for identity in sorted(pending):
            if identity in replaced:
                continue
            a, b = old.resources(before[identity])[identity[1]], new.resources(after[identity])[identity[1]]
            old_props, new_props = _properties(a), _properties(b)
            paths: list = []
            _leaf_changes(old_props, new_props, (), old_r, new_r, before[identity], after[identity], replaced, paths)
            changed_paths[identity] = paths
            kind = b.get("Type")
            always, _ = providers.create_only(kind) if isinstance(kind, str) else ((), ())
            if a.get("Type") != kind or any(
                    _touches(p, paths, old_props, new_props, old_r, new_r, before[identity], after[identity],
                             replaced) for p in always):
                replaced.add(identity)
                grown.add(identity)
        pending = {i for i in common if i not in replaced and uses[i] & grown}
    # Values that changed because of replacements found after a resource was last examined.
    for identity in common:
        if identity not in replaced and uses[identity] & replaced:
            a, b = old.resources(before[identity])[identity[1]], new.resources(after[identity])[identity[1]]
            paths = []
            _leaf_changes(_properties(a), _properties(b), (), old_r, new_r, before[identity], after[identity],
                          replaced, paths)
            changed_paths[identity] = paths

    old_files, new_files = old.files_by_key(), new.files_by_key()
    display = {key: new_files.get(key) or old_files[key] for key in set(old_files) | set(new_files)}
    stacks = {display[key]: StackChanges(key) for key in sorted(display, key=lambda k: display[k])}
    for key, logical_id in sorted(set(after) - set(before)):
        stacks[display[key]].added.append(logical_id)
    for key, logical_id in sorted(set(before) - set(after)):
        stacks[display[key]].removed.append(logical_id)
    for identity in common:
        old_file, new_file = before[identity], after[identity]
        a, b = old.resources(old_file)[identity[1]], new.resources(new_file)[identity[1]]
        paths = changed_paths[identity]
        attributes = [k for k in ATTRIBUTES if a.get(k) != b.get(k)]
        if not paths and not attributes and a.get("Type") == b.get("Type"):
            continue
        kind = b.get("Type") if isinstance(b.get("Type"), str) else ""
        always, conditional = providers.create_only(kind)
        old_props, new_props = _properties(a), _properties(b)

        def touched(patterns):
            return [p for p in patterns
                    if _touches(p, paths, old_props, new_props, old_r, new_r, old_file, new_file, replaced)]

        forcing, maybe = touched(always), touched(conditional)
        follows = set()
        for path in paths:
            follows |= refers_to(new_r.resolve(new_file, _extract(new_props, path)), replaced)
        stacks[display[identity[0]]].modified.append(Modified(
            id=identity[1], type=kind, replacement=identity in replaced,
            properties=tuple(dotted(p) if p else "Properties" for p in paths) + tuple(attributes),
            may_replace=tuple(dotted(p) for p in maybe) if identity not in replaced else (),
            replaced_by=tuple(dotted(p) for p in forcing) or (("Type",) if a.get("Type") != b.get("Type") else ()),
            follows=tuple(sorted(follows - {identity})),
            properties_changed=bool(paths)))
    return Changes(old, new, stacks, replaced, set(after) - set(before), set(before) - set(after), old_r, new_r)
