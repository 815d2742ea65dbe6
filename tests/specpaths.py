"""Paths into a spec's plain data (mappings and lists), for the mutation tests
(tests/test_properties.py, tests/test_fuzz.py). A path is a tuple of keys and list indexes."""

from __future__ import annotations


def locations(node, prefix=()):
    """Every (path, node) below `node`: mapping entries and list items, depth first."""
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return
    for key, value in items:
        yield prefix + (key,), value
        yield from locations(value, prefix + (key,))


def value_at(data, path):
    for part in path:
        data = data[part]
    return data


def parent_of(data, path):
    """The mapping or list that holds the last step of `path`."""
    return value_at(data, path[:-1])
