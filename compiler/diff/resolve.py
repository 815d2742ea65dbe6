"""Template expressions -> comparable values across the nested stacks of one side.

A value is resolved through the wiring the compiler writes: a child's `Ref` to a
parameter becomes what the root passes for it, a root's `GetAtt Stack.Outputs.X`
becomes the child's output value. What is left refers to a resource by
(file, logical ID), to a root parameter, or to a pseudo parameter. Two resolved
values are the same deployed value when they are equal and no resource they refer
to is being replaced (a replaced resource has a new physical ID and ARN).

Scalars are compared as CloudFormation passes them: as strings (80 == "80").
"""

from __future__ import annotations

import json
import re

from compiler.diff.templates import TemplateSet

_SUB_VAR = re.compile(r"\$\{(?!!)([^}]+)\}")
MAX_DEPTH = 40  # output -> parameter -> output chains; a cycle is a broken template, not a hang


def is_intrinsic(value) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    (key,) = value
    return key == "Ref" or key == "Condition" or key.startswith("Fn::")


class Resolver:
    def __init__(self, side: TemplateSet):
        self.side = side
        self._params: dict[tuple[str, str], object] = {}  # (file, parameter) -> resolved value

    def resolve(self, file: str, value, depth: int = 0):
        if depth > MAX_DEPTH:
            return ("unresolved", json.dumps(value, sort_keys=True, default=str))
        if isinstance(value, dict):
            if is_intrinsic(value):
                (key, arg), = value.items()
                if key == "Ref" and isinstance(arg, str):
                    return self._ref(file, arg, depth)
                if key == "Fn::GetAtt":
                    return self._getatt(file, arg, depth)
                if key == "Fn::Sub":
                    return self._sub(file, arg, depth)
                return ("fn", key, self.resolve(file, arg, depth + 1))
            return ("map", tuple(sorted((k, self.resolve(file, v, depth + 1)) for k, v in value.items())))
        if isinstance(value, list):
            return ("list", tuple(self.resolve(file, v, depth + 1) for v in value))
        if isinstance(value, bool):
            return "true" if value else "false"
        if value is None:
            return None
        return str(value)

    def _ref(self, file: str, name: str, depth: int):
        template = self.side.templates[file]
        if name.startswith("AWS::"):
            if name in ("AWS::StackName", "AWS::StackId"):  # a nested stack's own name
                return ("pseudo", name, self.side.key(file))
            return ("pseudo", name)
        if name in (template.get("Resources") or {}):
            return ("res", self.side.key(file), name)
        if name in (template.get("Parameters") or {}):
            if (file, name) not in self._params:  # resolved values are immutable tuples: cache them
                self._params[(file, name)] = self._parameter(file, template, name, depth)
            return self._params[(file, name)]
        return ("unknown-ref", self.side.key(file), name)

    def _parameter(self, file: str, template: dict, name: str, depth: int):
        """What the root passes for a child's parameter, else its default."""
        stack = self.side.stack_of.get(file)
        if stack is not None:
            passed = ((self.side.resources(self.side.root).get(stack) or {}).get("Properties") or {}) \
                .get("Parameters") or {}
            if name in passed:
                return self.resolve(self.side.root, passed[name], depth + 1)
        default = (template["Parameters"][name] or {}).get("Default")
        return ("param", self.side.key(file), name, self.resolve(file, default, depth + 1))

    def _getatt(self, file: str, arg, depth: int):
        if isinstance(arg, str) and "." in arg:
            arg = arg.split(".", 1)
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
            return ("fn", "Fn::GetAtt", self.resolve(file, arg, depth + 1))
        resource, attribute = arg
        if not isinstance(attribute, str):
            return ("getatt", self.side.key(file), resource, self.resolve(file, attribute, depth + 1))
        if file == self.side.root and attribute.startswith("Outputs.") and resource in self.side.file_of:
            child = self.side.file_of[resource]
            output = (self.side.templates[child].get("Outputs") or {}).get(attribute[len("Outputs."):])
            if isinstance(output, dict) and "Value" in output:
                return self.resolve(child, output["Value"], depth + 1)
        return ("getatt", self.side.key(file), resource, attribute)

    def _sub(self, file: str, arg, depth: int):
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], dict):
            text, given = arg
        elif isinstance(arg, str):
            text, given = arg, {}
        else:
            return ("fn", "Fn::Sub", self.resolve(file, arg, depth + 1))
        values = []
        for name in sorted(set(_SUB_VAR.findall(text))):
            if name in given:
                values.append((name, self.resolve(file, given[name], depth + 1)))
            elif "." in name and not name.startswith("AWS::"):
                values.append((name, self._getatt(file, name.split(".", 1), depth + 1)))
            else:
                values.append((name, self._ref(file, name, depth + 1)))
        if not values:
            return text
        return ("sub", text, tuple(values))


def refers_to(value, identities) -> set:
    """The (stack key, logical ID) of `identities` that a resolved value uses (Ref or GetAtt)."""
    found = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            if len(item) >= 3 and item[0] in ("res", "getatt") and (item[1], item[2]) in identities:
                found.add((item[1], item[2]))
            stack.extend(item)
    return found


def same_value(old, new, replaced) -> bool:
    """Is the deployed value unchanged? Equal expressions over resources that stay."""
    return old == new and not refers_to(new, replaced)
