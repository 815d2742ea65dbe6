"""The two sides of a diff: a set of templates (one app's root and nested stacks) read
from an output directory, or compiled in memory from a spec file.

A nested stack is found through the root's `AWS::CloudFormation::Stack` resources
whose `TemplateURL` names a file of the set (`./services.json`), as the compiler
writes them before `aws cloudformation package` uploads them.
"""

from __future__ import annotations

import functools
import json
import posixpath
from dataclasses import dataclass, field
from pathlib import Path

STACK = "AWS::CloudFormation::Stack"
TEMPLATE_SUFFIXES = (".json", ".yaml", ".yml", ".template")


class Unreadable(Exception):
    """A side of the diff is missing or is not a template directory (a usage error)."""


@dataclass
class TemplateSet:
    label: str                                # what the user gave: a directory or a spec path
    templates: dict[str, dict]                # file name -> template
    root: str | None = None                   # the file holding the nested stack resources
    stack_of: dict[str, str] = field(default_factory=dict)   # child file -> its stack resource in root
    file_of: dict[str, str] = field(default_factory=dict)    # stack resource in root -> child file
    directory: str | None = None              # where the files are, when read from an output directory

    def resources(self, name: str) -> dict[str, dict]:
        return self.templates[name].get("Resources") or {}

    def key(self, name: str) -> str:
        """A stack's identity: the root is "", a nested stack is its stack resource's logical ID.

        CloudFormation knows a nested stack by that logical ID, not by the file name: a
        template moving from services.json to services.yaml is the same stack updated.
        A file no root deploys is known by its name.
        """
        if name == self.root:
            return ""
        return self.stack_of.get(name, name)

    @functools.cached_property
    def _by_key(self) -> dict[str, str]:
        return {self.key(name): name for name in self.templates}

    def files_by_key(self) -> dict[str, str]:
        return dict(self._by_key)


def link(label: str, templates: dict[str, dict]) -> TemplateSet:
    """Find the root and which stack resource deploys which file."""
    best, links = None, {}
    for name, template in sorted(templates.items()):
        found = {}
        for logical_id, resource in (template.get("Resources") or {}).items():
            if not isinstance(resource, dict) or resource.get("Type") != STACK:
                continue
            url = (resource.get("Properties") or {}).get("TemplateURL")
            if isinstance(url, str):
                child = posixpath.basename(url)
                if child in templates and child != name:
                    found[logical_id] = child
        if found and (best is None or len(found) > len(links)):
            best, links = name, found
    if best is None and len(templates) == 1:
        best = next(iter(templates))
    return TemplateSet(label, templates, best, {f: s for s, f in links.items()}, links)


def _parse(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        data = json.loads(text)
    else:
        from cfn_flip import load_yaml  # troposphere's dependency; reads !Ref and friends

        data = load_yaml(text)
    if not isinstance(data, dict) or not isinstance(data.get("Resources", {}), dict):
        raise ValueError("not a CloudFormation template")
    return data


def from_directory(directory: str) -> TemplateSet:
    base = Path(directory)
    if not base.is_dir():
        raise Unreadable(f"{directory}: not a directory")
    templates = {}
    for path in sorted(base.iterdir()):
        if path.is_file() and path.suffix in TEMPLATE_SUFFIXES and not path.name.startswith("."):
            try:
                templates[path.name] = _parse(path)
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                raise Unreadable(f"{path}: cannot read a template: {exc}") from None
    if not templates:
        raise Unreadable(f"{directory}: no templates (*.json, *.yaml) in it")
    side = link(directory, templates)
    side.directory = directory
    return side


def from_templates(label: str, built) -> TemplateSet:
    """From the pipeline's [(stem, troposphere Template)], as the writer would write them (JSON)."""
    return link(label, {f"{stem}.json": json.loads(json.dumps(t.to_dict())) for stem, t in built})


def placement_record(side: TemplateSet):
    """What the compile of `side` recorded about its services' placement (the root's
    Metadata, see compiler/state/lockfile.py), or None."""
    from compiler.state.lockfile import METADATA_KEY

    root = side.templates.get(side.root) if side.root else None
    metadata = root.get("Metadata") if isinstance(root, dict) else None
    found = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
    return found if isinstance(found, dict) else None


def from_spec(path: str, env: str | None = None, values=None, previous=None):
    """Compile a spec in memory (no lint, nothing written): (TemplateSet or None, diagnostics).

    `env`, `values`: as pipeline.validate takes them (--env, and what ${NAME} reads).
    `previous`: the other side's placement record; used when the spec has no lock of
    its own for the app, so that NEW is placed the way a compile after OLD would place it.
    """
    from compiler import pipeline

    app, found = pipeline.validate(path, env, values, previous_record=previous)
    if app is None:
        return None, found
    return from_templates(path, pipeline.build_templates(app)), found
