"""The value accessors that keep pre-0.2 calls working, and the error of a result used as a
number.

Before 0.2 some results had a ``value(...)`` method; now ``result.value`` is the single value.
``LegacyValue`` is that number, still callable the old way (with a DeprecationWarning);
``LegacyAccessor`` stands for ``result.value`` of a result with several rows: called, it is
the old lookup; used as a number, a clear error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from csmetrics._core.warnings import warn_deprecated
from csmetrics.exceptions import InvalidParameterError

__all__ = ["LegacyAccessor", "LegacyValue", "legacy_call", "not_a_number"]


def not_a_number(result: Any, what: str) -> None:
    """Raise the error of a result used as a number."""
    name = type(result).__name__
    if result.value_column is not None and len(result) == 1:
        hint = "read result.value (or float(result))"
    elif result.value_column is not None:
        hint = (f"it has {len(result):,} rows: read the column result[{result.value_column!r}]"
                ", or result.row(label).value for one segment")
    else:
        hint = f"read one of its columns ({', '.join(result.columns)})"
    raise InvalidParameterError(f"{name} is a table of results and cannot be {what}; {hint}.")


class LegacyValue(float):
    """A result's single value, still callable as ``value(...)`` was before 0.2."""

    _result: Any

    def __new__(cls, number: float, result: Any) -> LegacyValue:
        obj = super().__new__(cls, number)
        obj._result = result
        return obj

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return legacy_call(self._result, args, kwargs)

    def __reduce__(self) -> tuple[Any, tuple[float]]:
        return float, (float(self),)  # pickled and copied as the plain number


class LegacyAccessor:
    """``result.value`` of a result with several rows: an error when used as a number,
    the old ``value(...)`` lookup (deprecated) when called."""

    def __init__(self, result: Any) -> None:
        self._result = result

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return legacy_call(self._result, args, kwargs)

    def __float__(self) -> float:
        return float(self._result)

    def _fail(self, *_: Any) -> Any:
        not_a_number(self._result, "used as a number")

    __int__ = __index__ = __bool__ = __neg__ = __pos__ = __abs__ = __round__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _fail
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __pow__ = __rpow__ = _fail
    __mod__ = __rmod__ = __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _fail
    __hash__ = object.__hash__

    def __format__(self, spec: str) -> str:
        return format(float(self._result), spec)

    def __repr__(self) -> str:
        try:
            return repr(float(self._result))
        except InvalidParameterError as exc:
            return f"<no single value: {exc}>"


def legacy_call(result: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
    name = type(result).__name__
    warn_deprecated(f"{name}.value(...) is deprecated and will be removed in 0.3: read "
                    "result[column], or result.row(label).value for one segment; "
                    "result.value is now the single value.")
    return result._legacy_value(*args, **kwargs)
