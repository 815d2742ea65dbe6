"""Helpers shared by the check modules: reading what the user wrote, and wording."""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping

from compiler.state import naming

_MISSING = object()


def raw(data: Any, *path: Any, default: Any = None) -> Any:
    """The value the user wrote at `path`, or `default` when the file has none."""
    node = data
    for part in path:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return default
    return node


def given(data: Any, *path: Any) -> bool:
    """Whether the user wrote `path` explicitly (a default does not count)."""
    return raw(data, *path, default=_MISSING) is not _MISSING


def svc(name: str, *rest: Any) -> tuple:
    """The spec path of something inside service `name`."""
    return ("services", name, *rest)


def pascal_clashes(names: Iterable[str]) -> Iterator[tuple[str, str, str]]:
    """(earlier, name, logical) for each name whose logical-ID stem an earlier name already has:
    names that differ only in '-' or '_' become one PascalCase prefix."""
    owners: dict[str, str] = {}
    for name in names:
        logical = naming.pascal(name)
        if logical in owners:
            yield owners[logical], name, logical
        else:
            owners[logical] = name


def first_given(data: Any, *paths: tuple) -> tuple:
    """The first of `paths` the user wrote; the last one when none was written."""
    for path in paths:
        if given(data, *path):
            return path
    return paths[-1]


def listing(values: Iterable[Any], conj: str = "or") -> str:
    """["a", "b", "c"] -> "a, b or c"."""
    items = [str(v) for v in values]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


def quoted(values: Iterable[Any], conj: str = "and") -> str:
    return listing((f"'{v}'" for v in values), conj)


def http_path_location(data: Any, service: str, index: int) -> tuple:
    """Where path pattern `index` of a service's route is written (a string or a list)."""
    if isinstance(raw(data, *svc(service, "http", "path")), list):
        return svc(service, "http", "path", index)
    return svc(service, "http", "path")
