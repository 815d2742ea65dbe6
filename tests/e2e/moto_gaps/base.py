"""What every gap patch in this package is built from.

A gap is closed in one of two ways. Either a moto function or method is wrapped
(`wrap`, or `after_create` for the common case of finishing what moto's
create_from_cloudformation_json leaves out) or replaced (`replace`), or a
CloudFormation type moto lacks is added (`AddedModel`). moto is imported inside
each patch function, never at import time: `apply()` checks the version first.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, ClassVar

# The AddedModel subclasses made so far; apply() has moto list them as CloudFormation types.
ADDED_MODELS: list[type] = []


def _as_installed(target: Any, name: str) -> tuple[Any, Callable[[Any], Any]]:
    """target.name as a plain function, and what turns a function into the same kind again."""
    found = inspect.getattr_static(target, name, None)
    if isinstance(found, classmethod):
        return found.__func__, classmethod
    if isinstance(found, property):
        return found.fget, property
    return found, lambda function: function


def replace(target: Any, name: str) -> Callable[[Callable], Callable]:
    """Install the decorated function as target.name, of the kind (classmethod, property,
    function) the name has there now."""
    def install(function: Callable) -> Callable:
        _, kind = _as_installed(target, name)
        setattr(target, name, kind(function))
        return function
    return install


def wrap(target: Any, name: str) -> Callable[[Callable], Callable]:
    """Install the decorated function as target.name, handing it the original first:
    `def f(original, *args)` stands for `def name(*args)`, and calls `original(*args)`.
    A classmethod's original takes `cls` first; a property's is its getter."""
    def install(wrapper: Callable) -> Callable:
        original, kind = _as_installed(target, name)

        @functools.wraps(wrapper)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            return wrapper(original, *args, **kwargs)

        setattr(target, name, kind(wrapped))
        return wrapper
    return install


def after_create(model: Any) -> Callable[[Callable], Callable]:
    """Decorator: `finish(resource, props, account_id, region_name)` runs after the model's
    create_from_cloudformation_json, with the resource made and its template Properties."""
    def install(finish: Callable) -> Callable:
        @wrap(model, "create_from_cloudformation_json")
        def create(original: Callable, cls: type, resource_name: str, cloudformation_json: Any,
                   account_id: str, region_name: str, **kwargs: Any) -> Any:
            resource = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
            finish(resource, cloudformation_json.get("Properties", {}), account_id, region_name)
            return resource
        return finish
    return install


class AddedModel:
    """Base of a CloudFormation type that moto does not have.

    A subclass names moto's CloudFormationModel as a direct base as well (moto lists
    the direct subclasses only) and sets `__module__` in its body to the moto module
    of its service (moto files models by the module they live in, at class creation).
    It states its type, the property that names it, its Fn::GetAtt attributes and
    `create` from the Properties; it is registered when defined.
    """

    cfn_type: ClassVar[str]
    name_property: ClassVar[str] = ""
    attributes: ClassVar[dict[str, Callable[[Any], Any]]] = {}  # Fn::GetAtt name -> value of self

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "cfn_type" in cls.__dict__:
            ADDED_MODELS.append(cls)

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.cfn_type

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.name_property

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.attributes

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.attributes:
            raise NotImplementedError(attribute_name)
        return self.attributes[attribute_name](self)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        return cls.create(cloudformation_json["Properties"], resource_name, account_id, region_name)

    @classmethod
    def create(cls, props: dict[str, Any], resource_name: str, account_id: str, region_name: str) -> Any:
        raise NotImplementedError(cls.cfn_type)
