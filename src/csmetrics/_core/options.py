"""Options validated in one place, from declared constraints, with one message shape.

A metric declares what each option accepts and is wrapped by ``validate_params()``
(the way scikit-learn's ``validate_params`` works): a bad value raises
``InvalidParameterError`` reading ``"<function>: <option> must be
<description>, got <value>."`` before the metric runs. The same decorator carries an
option's old name for one release (``renamed=``) and an old argument order (``legacy=``),
each with a ``DeprecationWarning``.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import numpy as np

from csmetrics._core.warnings import warn_deprecated
from csmetrics.exceptions import InvalidParameterError, SignatureError

P = ParamSpec("P")
R = TypeVar("R")


class Constraint:
    """What an option accepts; ``description`` completes "must be ..."."""

    description: str = "valid"

    def accepts(self, value: Any) -> bool:  # pragma: no cover - every constraint overrides
        raise NotImplementedError


@dataclass(frozen=True)
class OneOf(Constraint):
    """One of the listed values (compared with ``==``; strings case-sensitively)."""

    values: tuple[Any, ...]

    def __init__(self, *values: Any) -> None:
        object.__setattr__(self, "values", values)

    @property
    def description(self) -> str:  # type: ignore[override]
        return "one of " + ", ".join(repr(v) for v in self.values)

    def accepts(self, value: Any) -> bool:
        return any((isinstance(value, str) if isinstance(v, str) else type(value) is type(v))
                   and value == v for v in self.values)


@dataclass(frozen=True)
class Interval(Constraint):
    """A real number (not a bool) between ``low`` and ``high``; ``integer`` asks a whole
    number, ``closed`` says which ends belong ("both", "left", "right", "neither")."""

    low: float = -math.inf
    high: float = math.inf
    closed: str = "both"
    integer: bool = False
    optional: bool = False

    @property
    def description(self) -> str:  # type: ignore[override]
        text = self._describe()
        return f"{text}, or None" if self.optional else text

    def _describe(self) -> str:
        kind = "a whole number" if self.integer else "a number"
        if math.isinf(self.low) and math.isinf(self.high):
            return kind
        lo_in, hi_in = self.closed in ("both", "left"), self.closed in ("both", "right")
        if math.isinf(self.high):
            return f"{kind} {'>=' if lo_in else '>'} {_short(self.low)}"
        if math.isinf(self.low):
            return f"{kind} {'<=' if hi_in else '<'} {_short(self.high)}"
        ends = {"both": "inclusive", "neither": "exclusive", "left": f"{_short(self.high)} "
                "excluded", "right": f"{_short(self.low)} excluded"}[self.closed]
        return f"{kind} between {_short(self.low)} and {_short(self.high)} ({ends})"

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.optional
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            return False
        try:
            v = float(value)
        except OverflowError:  # an integer beyond float range is beyond any finite bound
            if not isinstance(value, numbers.Integral):
                return False
            v = math.inf if int(value) > 0 else -math.inf
        if v != v or (self.integer and (math.isinf(v) or v != round(v))):
            return False
        lo_ok = v >= self.low if self.closed in ("both", "left") else v > self.low
        hi_ok = v <= self.high if self.closed in ("both", "right") else v < self.high
        return lo_ok and hi_ok


@dataclass(frozen=True)
class InstanceOf(Constraint):
    """An instance of one of ``types`` (``None`` too with ``optional``)."""

    types: tuple[type, ...]
    optional: bool = False
    what: str = ""

    @property
    def description(self) -> str:  # type: ignore[override]
        names = self.what or " or ".join(f"a {t.__name__}" for t in self.types)
        return f"{names} or None" if self.optional else names

    def accepts(self, value: Any) -> bool:
        return (value is None and self.optional) or (
            isinstance(value, self.types) and not isinstance(value, bool))


@dataclass(frozen=True)
class Satisfies(Constraint):
    """Whatever ``check`` accepts (it returns False or raises ``ValueError``/``TypeError``)."""

    check: Callable[[Any], Any]
    what: str

    @property
    def description(self) -> str:  # type: ignore[override]
        return self.what

    def accepts(self, value: Any) -> bool:
        try:
            return self.check(value) is not False
        except (TypeError, ValueError, OverflowError):
            return False


CONFIDENCE = Interval(0, 1, closed="neither")
"""``confidence``: the confidence level of an interval, such as 0.95."""

ERRORS = OneOf("raise", "skip")
"""``errors``: stop at bad rows, or leave them out and hand them back."""


def is_whole(value: Any) -> bool:
    """Whether ``value`` is an integer (a Python or numpy int, not a bool)."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


BOOL = Satisfies(lambda v: isinstance(v, bool | np.bool_), "True or False")
"""A yes-or-no option (a number or an array is not one: its truth would be a guess)."""

OPTIONAL_BOOL = Satisfies(lambda v: v is None or isinstance(v, bool | np.bool_),
                          "True, False or None")
"""A yes-or-no option whose ``None`` means "as the policy says"."""

SEED = Satisfies(lambda v: v is None or isinstance(v, np.random.Generator) or (
    is_whole(v) and v >= 0), "None, a whole number >= 0 or a numpy Generator")
"""``seed=`` of a random draw (a bootstrap): the same seed gives the same draw."""


def is_names(value: Any, *, one: bool = True, empty: bool = False, none: bool = False) -> bool:
    """Whether ``value`` is a list (tuple, set, array) of names: text, or also ``None`` items
    with ``none``; with ``one``, a single name too; with ``empty``, no names at all.

    A single number (``plans=3``) is none of these, nor is a list holding lists.

    Examples
    --------
    >>> is_names("pro"), is_names(["pro", None], none=True), is_names(3), is_names([["pro"]])
    (True, True, False, False)
    """
    if isinstance(value, str):
        return one
    if not isinstance(value, list | tuple | set | frozenset | np.ndarray):
        return False
    items = value.tolist() if isinstance(value, np.ndarray) else list(value)
    if isinstance(value, np.ndarray) and value.ndim != 1:
        return False
    return (empty or bool(items)) and all(
        isinstance(v, str) or (none and v is None) for v in items)


PLANS = Satisfies(lambda v: v is None or is_names(v, none=True),
                  "a plan name or a list of plan names (None for spans without a plan), or None")
"""``plans=``: the plans whose subscriptions give seats."""

FEATURE = Satisfies(is_names, "a feature name or a list of feature names")
"""``feature=``: one feature or several."""


def _short(v: float) -> str:
    return str(int(v)) if v == round(v) else f"{v:g}"


def check_option(context: str, name: str, value: Any, constraint: Constraint) -> None:
    """Raise ``InvalidParameterError`` unless ``constraint`` accepts ``value``.

    Examples
    --------
    >>> check_option("nps", "confidence", 0.95, CONFIDENCE)
    >>> check_option("nps", "confidence", 95, CONFIDENCE)
    Traceback (most recent call last):
    ...
    csmetrics.exceptions.InvalidParameterError: nps: confidence must be a number between 0 and 1 (exclusive), got 95.
    """  # noqa: E501
    if not constraint.accepts(value):
        raise InvalidParameterError(f"{context}: {name} must be {constraint.description}, "
                                    f"got {value!r}.")


_CONTEXT = re.compile(r"^\S+( \([^)]*\))?: ")
"""A message that already starts with its context (``"mrr: ..."``, a file's path)."""


def validate_params(
    constraints: Mapping[str, Constraint],
    *,
    renamed: Mapping[str, str] | None = None,
    legacy: Callable[..., Any] | None = None,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a public function: check its declared options on every call.

    Parameters
    ----------
    constraints : mapping of str to Constraint
        What each named parameter accepts. Parameters left at their default are not checked.
    renamed : mapping of str to str, optional
        Old parameter name -> new name, accepted for one release with a DeprecationWarning.
    legacy : callable, optional
        A function with the old signature: a call that does not fit the new signature but
        fits this one (an argument that moved from positional to keyword) is rebound by name,
        with a DeprecationWarning.
    """
    old_names = dict(renamed or {})

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(func)
        old_signature = inspect.signature(legacy) if legacy is not None else None
        unknown = set(constraints) - set(signature.parameters)
        if unknown:  # a programming error in csmetrics itself, found at import
            raise TypeError(f"{func.__name__}: no parameters {sorted(unknown)}")
        name = func.__name__

        def bind(*args: Any, **kwargs: Any) -> inspect.BoundArguments:
            for old, new in old_names.items():
                if old in kwargs:
                    if new in kwargs:
                        raise SignatureError(f"{name}: give {new}= only ({old}= is its "
                                             "deprecated name).")
                    warn_deprecated(f"{name}: {old}= is deprecated and will be removed in "
                                    f"0.3; use {new}=.")
                    kwargs[new] = kwargs.pop(old)
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as exc:
                bound = _legacy_bind(name, signature, old_signature, args, kwargs, exc)
            for param, constraint in constraints.items():
                if param in bound.arguments:
                    check_option(name, param, bound.arguments[param], constraint)
            return bound

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            bound = bind(*args, **kwargs)
            try:
                return func(*bound.args, **bound.kwargs)
            except InvalidParameterError as exc:
                # A shared helper's message ("cannot read '2024-13' as a period") gains the
                # name of the function the user called; one with a context keeps it.
                if type(exc) is not InvalidParameterError or _CONTEXT.match(str(exc)):
                    raise
                raise InvalidParameterError(f"{name}: {exc}") from None

        # The same checks without the call (``csmetrics.partials`` validates a plan's call).
        wrapper.checked_call = bind  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _legacy_bind(name: str, signature: inspect.Signature, old: inspect.Signature | None,
                 args: tuple[Any, ...], kwargs: Mapping[str, Any], error: TypeError
                 ) -> inspect.BoundArguments:
    if old is not None:
        try:
            by_name = old.bind(*args, **kwargs).arguments
        except TypeError:
            pass
        else:
            warn_deprecated(f"{name}: this argument order is deprecated and will be removed in "
                            f"0.3; call {name}{_usage(signature)}.")
            try:
                return signature.bind(**by_name)
            except TypeError:
                pass
    raise SignatureError(f"{name}: {error}; call {name}{_usage(signature)}.") from None


def _usage(signature: inspect.Signature) -> str:
    """The signature without annotations: ``(usage, at, *, window='30D')``."""
    parts = []
    star = False
    for p in signature.parameters.values():
        if p.kind is inspect.Parameter.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        if p.kind is inspect.Parameter.VAR_KEYWORD:
            parts.append(f"**{p.name}")
            continue
        text = p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}"
        parts.append(text)
    return "(" + ", ".join(parts) + ")"
