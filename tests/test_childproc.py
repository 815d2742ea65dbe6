"""childproc.run: a function's value, or its exception, crosses back from a forked child."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from compiler.lint import childproc
from compiler.spec.environments import UnknownEnvironment


@dataclass
class Box:
    kept: object
    heavy: object


def test_the_value_crosses_and_stripped_attributes_do_not():
    parent = os.getpid()
    value = childproc.run(lambda: Box(kept=os.getpid(), heavy=object()), strip=("heavy",))
    assert value.kept != parent  # computed in another process
    assert value.heavy is None


def test_an_exception_crosses_with_its_attributes():
    def unknown():
        raise UnknownEnvironment("qa", ["dev", "prod"])

    with pytest.raises(UnknownEnvironment) as caught:
        childproc.run(unknown)
    assert (caught.value.env, caught.value.known) == ("qa", ["dev", "prod"])
    assert "'qa' is not defined" in str(caught.value)


class Unrebuildable(Exception):
    def __init__(self, a, b):
        super().__init__(f"{a}/{b}")


def test_an_exception_that_cannot_cross_is_named():
    def fail():
        raise Unrebuildable(1, 2)

    with pytest.raises(childproc.ChildFailed, match=r"Unrebuildable: 1/2"):
        childproc.run(fail)


def test_a_child_that_dies_is_a_failure_not_a_value():
    with pytest.raises(childproc.ChildFailed, match="without an answer"):
        childproc.run(lambda: os._exit(5))
