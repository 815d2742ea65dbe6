"""What an import collects besides the spec: warnings on stderr and comments in the spec."""

from __future__ import annotations

from dataclasses import dataclass, field

from compiler.diagnostics import WARNING, Diagnostic, Locator

UNTRANSLATED = "FC501"     # a manifest key our spec cannot express: dropped, with what to do
DEFAULT_CARRIED = "FC502"  # Copilot's default differs from ours: written out explicitly
SKIPPED = "FC503"          # a workload type that is not a Fargate workload here
RENAMED = "FC504"          # a name changed to fit our spec's name rules
UNREADABLE = "FC500"       # the workspace or a manifest cannot be read (an error)
# The same, for reports that describe each code (SARIF rules).
CODES = {
    UNREADABLE: "the Copilot workspace or a manifest cannot be read",
    UNTRANSLATED: "a Copilot manifest key the spec cannot express: dropped, with what to do instead",
    DEFAULT_CARRIED: "a Copilot default that differs from ours, written out explicitly",
    SKIPPED: "a Copilot workload type that is not a Fargate workload here: skipped",
    RENAMED: "a name changed to fit the spec's name rules",
}


def shown(value) -> str:
    """A manifest value as the user wrote it, for a message: YAML's flow style, never a Python repr
    (a string in double quotes, a mapping as {key: value}, null for nothing)."""
    import json

    import yaml

    if value is None:
        return "null (an empty value)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    try:
        text = yaml.safe_dump(value, default_flow_style=True, width=10**6, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        text = str(value)
    return text.strip().removesuffix("...").strip()


@dataclass
class Context:
    """One import: the diagnostics for stderr and the comments for the written spec.

    `comments[path]` are lines written above the key at `path` of the spec.
    """

    diagnostics: list[Diagnostic] = field(default_factory=list)
    comments: dict[tuple, list[str]] = field(default_factory=dict)

    def comment(self, spec_path: tuple, text: str) -> None:
        lines = self.comments.setdefault(tuple(spec_path), [])
        if text not in lines:
            lines.append(text)

    def untranslated(self, loc: Locator, path: tuple, why: str, spec_path: tuple) -> None:
        """A key we cannot carry: a located warning, and a comment where it would have gone."""
        self.diagnostics.append(loc.error(UNTRANSLATED, path, why, severity=WARNING, key=True))
        self.comment(spec_path, f"not imported: {_key(path)} ({loc.file}): {why}")

    def carried(self, loc: Locator, path: tuple, why: str, spec_path: tuple) -> None:
        """A Copilot default written out because ours differs and it would change behaviour."""
        self.diagnostics.append(loc.error(DEFAULT_CARRIED, path, why, severity=WARNING, key=True))
        self.comment(spec_path, f"Copilot's default: {why}")

    def warn(self, code: str, loc: Locator, path: tuple, why: str, spec_path: tuple | None = None) -> None:
        self.diagnostics.append(loc.error(code, path, why, severity=WARNING, key=True))
        if spec_path is not None:
            self.comment(spec_path, why)


def _key(path: tuple) -> str:
    from compiler.diagnostics import dotted

    return dotted(path)
