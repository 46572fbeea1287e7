"""Survey answer scales, survey names and the survey column's rule.

A survey's scale says which answers it allows (``SurveyScale``); ``SCALES`` holds the
built-in ones (NPS 0-10, CSAT 1-5, CES 1-7). Names are case-insensitive, and a survey
column is checked against the known scales, after an optional ``survey_names=`` mapping.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.checks import Checker
from csmetrics._core.convert import factorize_scalars, is_missing
from csmetrics._core.formatting import format_bound
from csmetrics.exceptions import InvalidParameterError


@dataclass(frozen=True)
class SurveyScale:
    """The answers a survey question allows: ``low`` to ``high``, whole numbers or any value.

    Parameters
    ----------
    low, high : float
        The lowest and highest possible answer (inclusive), ``low < high``.
    integer : bool, default True
        Whether only whole numbers are valid answers (a rating scale). A slider from 0 to 100
        that records decimals is ``integer=False``.
    label : str, optional
        What the points mean, for display ("likelihood to recommend").

    Examples
    --------
    >>> SurveyScale(1, 7, label="agreement")
    SurveyScale(1-7, agreement)
    >>> SurveyScale.parse((0, 100)).n_points
    101
    """

    low: float
    high: float
    integer: bool = True
    label: str = ""

    def __post_init__(self) -> None:
        if not all(isinstance(v, int | float | np.integer | np.floating) and not isinstance(
                v, bool | np.bool_) for v in (self.low, self.high)):
            raise InvalidParameterError(f"a scale is (low, high) numbers, got ({self.low!r}, "
                                        f"{self.high!r}).")
        low, high = float(self.low), float(self.high)
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise InvalidParameterError(
                f"a scale needs finite bounds with low < high, got ({self.low!r}, {self.high!r})."
            )
        if self.integer and (low != round(low) or high != round(high)):
            raise InvalidParameterError(
                f"an integer scale needs whole-number bounds, got ({self.low!r}, {self.high!r})."
            )
        if self.integer and high - low > 1_000_000:
            raise InvalidParameterError("an integer scale may have at most 1,000,001 points.")
        object.__setattr__(self, "low", int(low) if self.integer else low)
        object.__setattr__(self, "high", int(high) if self.integer else high)

    @classmethod
    def parse(cls, value: SurveyScaleLike) -> SurveyScale:
        """A scale from a ``SurveyScale`` or a ``(low, high)`` pair of whole numbers."""
        if isinstance(value, SurveyScale):
            return value
        if isinstance(value, tuple | list) and len(value) == 2:
            return cls(*value)  # numbers, checked by __post_init__
        raise InvalidParameterError(
            f"a scale is a SurveyScale or a (low, high) pair such as (1, 5), got {value!r}."
        )

    @property
    def n_points(self) -> int:
        """Number of valid answers of an integer scale."""
        if not self.integer:
            raise InvalidParameterError(f"the scale {self} is not an integer scale.")
        return int(self.high - self.low) + 1

    def __str__(self) -> str:
        return f"{format_bound(self.low)}-{format_bound(self.high)}"

    def __repr__(self) -> str:
        extra = "" if self.integer else ", any value"
        label = f", {self.label}" if self.label else ""
        return f"SurveyScale({self}{extra}{label})"


SurveyScaleLike: TypeAlias = "SurveyScale | tuple[float, float]"
"""A ``SurveyScale`` or a ``(low, high)`` pair of whole numbers."""


SCALES: Mapping[str, SurveyScale] = MappingProxyType({
    "nps": SurveyScale(0, 10, label="likelihood to recommend"),
    "csat": SurveyScale(1, 5, label="satisfaction"),
    "ces": SurveyScale(1, 7, label="agreement that it was easy (CES 2.0)"),
})
"""Scales of the built-in surveys. Give others (or override these) with ``scales=``."""


def canonical_survey(value: object) -> str:
    """A survey's canonical name: stripped and lower case (``" NPS "`` is ``"nps"``)."""
    return str(value).strip().lower()


def resolve_scales(scales: Mapping[str, SurveyScaleLike] | None) -> dict[str, SurveyScale]:
    """The built-in scales overridden and extended by ``scales`` (names are case-insensitive)."""
    out = dict(SCALES)
    if scales is not None and not isinstance(scales, Mapping):
        raise InvalidParameterError(f"scales= must be a mapping from survey name to scale, such "
                                    f"as {{'csat': (1, 7)}}, got {scales!r}.")
    for name, scale in (scales or {}).items():
        key = canonical_survey(name)
        if not key:
            raise InvalidParameterError("a survey name in scales= must not be empty.")
        out[key] = SurveyScale.parse(scale)
    return out


def survey_name_lookup(names: Any, context: str,
                       known: Mapping[str, SurveyScale] | None = None) -> dict[str, str]:
    """``survey_names=`` as a lookup from the canonical column value to the canonical name.

    Raises
    ------
    InvalidParameterError
        Not a mapping of names to names; two names that read as one (``"NPS Q1"`` and
        ``"nps q1"``) mapped to different surveys; a name mapped to a survey with no known
        scale (of ``known``).

    Examples
    --------
    >>> survey_name_lookup({"NPS Q1 ": "NPS"}, "t")
    {'nps q1': 'nps'}
    """
    if names is None:
        return {}
    if not isinstance(names, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in names.items()):
        raise InvalidParameterError(
            f"{context}: survey_names must be a mapping from a name in the survey column to a "
            f"survey, such as {{'NPS Q1': 'nps'}}, got {names!r}.")
    out: dict[str, str] = {}
    for key, value in names.items():
        name, target = canonical_survey(key), canonical_survey(value)
        if out.get(name, target) != target:
            raise InvalidParameterError(
                f"{context}: survey_names maps {key!r} to {value!r}, but a name that reads the "
                f"same (case and spaces aside) to {out[name]!r}: map it once.")
        if known is not None and target not in known:
            raise InvalidParameterError(
                f"{context}: survey_names maps {key!r} to {value!r}, which has no known scale "
                f"({', '.join(sorted(known))}; give others with scales=).")
        out[name] = target
    return out


def survey_codes(values: NDArray[Any], column: str, known: Mapping[str, SurveyScale], chk: Checker,
             names: Mapping[str, str] | None = None) -> tuple[NDArray[np.int64], NDArray[Any]]:
    """Survey names normalised (lower case, stripped), mapped by ``names`` and checked
    against the known scales."""
    missing = is_missing(values)
    chk.check(missing, column, "must not be missing (None/NaN)")
    cats, inv = factorize_scalars(np.where(missing, "", values) if missing.any() else values,
                                  column, chk, fill="")
    normal = [canonical_survey(c) for c in cats.tolist()]
    if names:
        normal = [names.get(c, c) for c in normal]
    known_cat = np.array([c in known for c in normal], dtype=bool)
    listed = ", ".join(sorted(known))
    chk.check(~known_cat[inv] & ~missing, column,
              f"must name a survey with a known scale ({listed}; give others with scales=, "
              "or map names with survey_names=)")
    final, remap = np.unique(np.array([c if c in known else "" for c in normal] or [""],
                                      dtype=object), return_inverse=True)
    codes = remap.reshape(-1).astype(np.int64)[inv] if cats.size else np.zeros(0, np.int64)
    return codes, final
