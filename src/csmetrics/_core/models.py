"""Option models (policies, rules, scorecards) whose bad fields are InvalidParameterErrors.

The options that are pydantic models (``MetricPolicy``, ``AdoptionRule``, ``Milestone``, the
health scorecard's bands, rules and measures) derive from ``OptionModel``: building one,
validating a mapping or JSON into one, or assigning to one that is frozen raises
``InvalidParameterError`` listing every field error at once (the field, the rule, the value
given), never pydantic's own ``ValidationError``, which is no ``CSMetricsError``. The models
stay pydantic models (``isinstance(policy, pydantic.BaseModel)``), with their JSON and schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from typing_extensions import Self

from csmetrics.exceptions import InvalidParameterError, SignatureError

_SHOWN = 60
_SHOULD = re.compile(r"^(Input|Value|String|List|Tuple|Dictionary|Set) should ")
_DETAIL = re.compile(r", (unable to|got|not|input is|invalid) .*$")


@contextmanager
def _as_parameter_error(model: type[BaseModel]) -> Iterator[None]:
    """pydantic's ValidationError raised inside, as one InvalidParameterError listing every
    field error of ``model`` (the one place every way of building a model goes through)."""
    try:
        yield
    except ValidationError as exc:
        raise InvalidParameterError(describe(model, exc)) from None


class OptionModel(BaseModel):
    """A frozen, strict pydantic model whose validation errors are ``InvalidParameterError``.

    Examples
    --------
    >>> class Demo(OptionModel):
    ...     days: int = 0
    >>> Demo(days="many")
    Traceback (most recent call last):
    ...
    csmetrics.exceptions.InvalidParameterError: Demo: days must be a valid integer, got 'many'.
    """

    # Validators are built at first use, not at import (every subclass inherits this): a
    # script that reads a file builds none, and importing csmetrics skips pydantic's plugin
    # discovery (importlib.metadata) and a schema build per model.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    def __init__(self, /, *args: Any, **data: Any) -> None:
        if args:
            raise SignatureError(
                f"{type(self).__name__}: takes keyword arguments only "
                f"({', '.join(type(self).model_fields)}), got {len(args)} positional.")
        with _as_parameter_error(type(self)):
            super().__init__(**data)

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        with _as_parameter_error(cls):
            return super().model_validate(obj, *args, **kwargs)

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, *args: Any,
                            **kwargs: Any) -> Self:
        with _as_parameter_error(cls):
            return super().model_validate_json(json_data, *args, **kwargs)

    @classmethod
    def model_validate_strings(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        with _as_parameter_error(cls):
            return super().model_validate_strings(obj, *args, **kwargs)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False
                   ) -> Self:
        """A copy; with ``update``, a new model validated from scratch (pydantic's own copy
        takes ``update`` unchecked, so ``update={"reactivation_window_days": -5}`` would give
        a policy no constructor accepts)."""
        if not update:
            return super().model_copy(deep=deep)
        return type(self).model_validate({**dict(self), **update})

    def __setattr__(self, name: str, value: Any) -> None:
        with _as_parameter_error(type(self)):
            super().__setattr__(name, value)


def describe(model: type[BaseModel], error: ValidationError) -> str:
    """Every field error of ``error`` in one message: ``"<model>: <field> <rule>, got
    <value>; ..."``; the model's own consistency checks give their sentence as they wrote it.

    Examples
    --------
    >>> class Demo(OptionModel):
    ...     days: int = 0
    ...     mode: bool = False
    >>> try:
    ...     Demo(days=-1.5, mode="perhaps", colour="red")
    ... except InvalidParameterError as exc:
    ...     print(exc)
    Demo: days must be a valid integer, got -1.5; mode must be a valid boolean, got 'perhaps'; colour is not an option (the options are days, mode), got 'red'.
    """  # noqa: E501
    items = error.errors(include_url=False)
    failed = [item["loc"] for item in items if item["type"] != "too_short"]
    parts = []
    for item in items:
        loc = item["loc"]
        field = ".".join(str(p) for p in loc)
        kind, text = item["type"], item["msg"]
        got = f", got {_shown(item.get('input'))}"
        if kind == "too_short" and any(f[:len(loc)] == loc and f != loc for f in failed):
            continue  # a list whose items failed: the items' errors say why
        if kind in ("value_error", "assertion_error"):  # "Value error, <the model's sentence>"
            said = text.split(", ", 1)[1] if ", " in text else text
            said = said.removeprefix(f"{model.__name__}: ").removeprefix(f"{model.__name__} ")
            parts.append(f"{field}: {said.rstrip('.')}" if field else said.rstrip("."))
        elif kind == "json_invalid":
            parts.append(f"the JSON is not valid ({text.removeprefix('Invalid JSON: ')})")
        elif kind == "missing":
            parts.append(f"{field} is required")
        elif kind == "frozen_instance":
            parts.append(f"{field} cannot be changed: the model is frozen (build a changed copy "
                         "with model_copy(update=...))")
        elif kind == "extra_forbidden":
            listed = (f" (the options are {', '.join(model.model_fields)})" if len(loc) == 1
                      else "")
            parts.append(f"{field} is not an option{listed}{got}")
        elif _SHOULD.match(text):  # "Input should be a valid integer, unable to ..."
            rule = _SHOULD.sub("must ", _DETAIL.sub("", text), count=1)
            parts.append(f"{field or 'the input'} {rule}{got}")
        else:
            parts.append(f"{field or 'the input'} is not valid ({text[0].lower()}{text[1:]}){got}")
    return f"{model.__name__}: {'; '.join(parts)}."


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN - 3] + "..."
