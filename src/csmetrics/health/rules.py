"""Colour bands and scoring rules of a health scorecard, and their validation.

``Band`` (a named interval with explicit inclusivity) and the rules that turn a
measure's value into points: ``Linear``, ``Steps`` and ``NamedBands``. The
bands of a rule or a scorecard are checked to meet edge to edge, and compiled to arrays
(``_Intervals``) for the kernels. Re-exported by ``csmetrics.health``.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import ConfigDict, Field, field_validator, model_validator

from csmetrics._core.formatting import format_bound
from csmetrics._core.models import OptionModel
from csmetrics._kernels import health as kh
from csmetrics.exceptions import InvalidParameterError

Direction = Literal["higher", "lower"]
Floats = NDArray[np.float64]


# Frozen, strict models. JSON keeps infinite band edges as Infinity, so a scorecard saved with
# model_dump_json() loads back unchanged with model_validate_json().
_CONFIG = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="constants")


# --- intervals and bands ---------------------------------------------------------------------

_INTERVAL = re.compile(r"^\s*([\[(])\s*([^,\s]+)\s*,\s*([^,\s]+)\s*([\])])\s*$")
Closed = Literal["both", "left", "right", "neither"]


class Band(OptionModel):
    """A named interval with explicit edges and inclusivity, such as ``(50, 75]``.

    Parameters
    ----------
    name : str
        The band's name (``"yellow"``, ``"poor"``).
    low, high : float
        Its edges, ``low < high``; ``-inf`` and ``inf`` are allowed (and always open).
    closed : {"both", "left", "right", "neither"}, default "right"
        Which edges belong to the band: ``"right"`` is ``(low, high]``, ``"left"``
        ``[low, high)``, ``"both"`` ``[low, high]``, ``"neither"`` ``(low, high)``.

    Examples
    --------
    >>> Band.parse("yellow", "(50, 75]")
    Band(name='yellow', low=50.0, high=75.0, closed='right')
    >>> str(Band(name="good", low=0.8, high=float("inf"), closed="left"))
    'good [0.8, inf)'
    """

    model_config = _CONFIG

    name: str = Field(min_length=1)
    low: float
    high: float
    closed: Closed = "right"

    @model_validator(mode="after")
    def _edges_make_an_interval(self) -> Band:
        if math.isnan(self.low) or math.isnan(self.high) or not self.low < self.high:
            raise ValueError(f"band {self.name!r}: needs low < high, got "
                             f"{self.interval}.")
        if (math.isinf(self.low) and self.low_closed) or (
                math.isinf(self.high) and self.high_closed):
            raise ValueError(f"band {self.name!r}: an infinite edge cannot belong to the band "
                             f"(write it with a parenthesis), got {self.interval}.")
        return self

    @classmethod
    def parse(cls, name: str, text: str) -> Band:
        """A band from interval notation: ``"[0, 50]"``, ``"(50, 75]"``, ``"[0.8, inf)"``."""
        match = _INTERVAL.match(text) if isinstance(text, str) else None
        if match is None:
            raise InvalidParameterError(f"band {name!r}: expected interval notation such as "
                                        f"'[0, 50]' or '(50, 75]', got {text!r}.")
        left, low, high, right = match.groups()
        try:
            lo, hi = float(low), float(high)
        except ValueError:
            raise InvalidParameterError(f"band {name!r}: the edges of {text!r} must be numbers "
                                        "(or -inf/inf).") from None
        kinds: dict[tuple[str, str], Closed] = {("[", "]"): "both", ("[", ")"): "left",
                                                ("(", "]"): "right", ("(", ")"): "neither"}
        closed = kinds[(left, right)]
        return cls(name=name, low=lo, high=hi, closed=closed)

    @property
    def low_closed(self) -> bool:
        """Whether ``low`` belongs to the band."""
        return self.closed in ("both", "left")

    @property
    def high_closed(self) -> bool:
        """Whether ``high`` belongs to the band."""
        return self.closed in ("both", "right")

    @property
    def interval(self) -> str:
        """The band in interval notation, ``(50, 75]``."""
        return (f"{'[' if self.low_closed else '('}{format_bound(self.low)}, "
                f"{format_bound(self.high)}{']' if self.high_closed else ')'}")

    def __str__(self) -> str:
        return f"{self.name} {self.interval}"


def _as_bands(value: Any, what: str) -> Any:
    """Bands from a mapping of name to interval text (or Band), or a sequence of Bands."""
    if isinstance(value, Mapping):
        out = []
        for name, spec in value.items():
            if isinstance(spec, Band):
                out.append(spec if spec.name == name else spec.model_copy(update={"name": name}))
            elif isinstance(spec, str):
                out.append(Band.parse(str(name), spec))
            else:
                raise ValueError(f"{what}: band {name!r} must be interval text such as "
                                 f"'(50, 75]' or a Band, got {spec!r}.")
        return tuple(out)
    return value


def _sorted_bands(bands: Sequence[Band], what: str,
                  cover: tuple[float, float] | None = None) -> tuple[Band, ...]:
    """``bands`` ordered by value, checked to meet edge to edge with no overlap and no gap."""
    if not bands:
        raise ValueError(f"{what}: needs at least one band.")
    names = [b.name for b in bands]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"{what}: band names must be distinct, repeated: {repeated}.")
    ordered = tuple(sorted(bands, key=lambda b: (b.low, b.high)))
    for a, b in itertools.pairwise(ordered):
        if a.high > b.low or (a.high == b.low and a.high_closed and b.low_closed):
            raise ValueError(
                f"{what}: bands {a} and {b} overlap"
                + (f" at {format_bound(a.high)}: an edge belongs to one band only"
                   if a.high == b.low else "") + ".")
        if a.high < b.low or (a.high == b.low and not a.high_closed and not b.low_closed):
            gap = (f"{format_bound(a.high)} is in neither" if a.high == b.low else
                   f"values between {format_bound(a.high)} and {format_bound(b.low)} are in "
                   "neither")
            raise ValueError(f"{what}: bands {a} and {b} leave a gap ({gap}).")
    if cover is not None:
        lo, hi = cover
        first, last = ordered[0], ordered[-1]
        scale = f"[{format_bound(lo)}, {format_bound(hi)}]"
        if first.low > lo or (first.low == lo and not first.low_closed):
            raise ValueError(f"{what}: bands must cover the scale {scale}; "
                             f"{format_bound(lo)} is in no band (lowest band: {first}).")
        if last.high < hi or (last.high == hi and not last.high_closed):
            raise ValueError(f"{what}: bands must cover the scale {scale}; "
                             f"{format_bound(hi)} is in no band (highest band: {last}).")
        if first.low < lo or last.high > hi:
            raise ValueError(f"{what}: bands must lie within the scale {scale}, got {first} to "
                             f"{last}.")
    return ordered


@dataclass(frozen=True)
class _Intervals:
    """Contiguous bands as arrays for ``csmetrics._kernels.health.interval_codes``."""

    edges: Floats
    upper_owns: NDArray[np.bool_]
    low: float
    low_closed: bool
    high: float
    high_closed: bool

    @classmethod
    def of(cls, bands: Sequence[Band]) -> _Intervals:
        return cls(np.array([b.high for b in bands[:-1]], dtype=np.float64),
                   np.array([not b.high_closed for b in bands[:-1]], dtype=bool),
                   bands[0].low, bands[0].low_closed, bands[-1].high, bands[-1].high_closed)

    def codes(self, x: Floats) -> NDArray[np.int64]:
        return kh.interval_codes(x, self.edges, self.upper_owns, self.low, self.low_closed,
                                 self.high, self.high_closed)


# --- scoring rules ---------------------------------------------------------------------------


class Linear(OptionModel):
    """Points on a straight line between two values, clamped at both ends.

    With ``direction="higher"`` a value at or below ``low`` scores the bottom of the scale
    and one at or above ``high`` the top; with ``"lower"`` the other way round. Between
    them, points rise (or fall) in proportion: ``bottom + (x - low) / (high - low) *
    (top - bottom)``.

    Examples
    --------
    >>> Linear(low=0.2, high=0.9).describe("higher", (0, 100))
    'linear: 0.2 -> 0, 0.9 -> 100, clamped'
    """

    model_config = _CONFIG

    kind: Literal["linear"] = "linear"
    low: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)

    @model_validator(mode="after")
    def _low_below_high(self) -> Linear:
        if not self.low < self.high:
            raise ValueError(f"Linear: needs low < high, got low={self.low}, high={self.high}.")
        return self

    def describe(self, direction: Direction, scale: tuple[float, float]) -> str:
        """The rule in words, for ``HealthScores.explain``."""
        bottom, top = scale if direction == "higher" else scale[::-1]
        return (f"linear: {format_bound(self.low)} -> {format_bound(bottom)}, "
                f"{format_bound(self.high)} -> {format_bound(top)}, clamped")


class Steps(OptionModel):
    """Points by thresholds: ``points[i]`` for values between ``thresholds[i-1]`` and
    ``thresholds[i]``.

    Parameters
    ----------
    thresholds : sequence of float
        Increasing, finite.
    points : sequence of float
        One more than the thresholds: below the first threshold, between each pair, above
        the last. Listed for increasing values; they must not fall as values rise with
        ``direction="higher"``, nor rise with ``"lower"``.
    closed : {"left", "right"}, default "left"
        Where a value equal to a threshold goes: ``"left"``, each step is ``[t_i, t_i+1)``
        and the value takes the step above; ``"right"``, steps are ``(t_i, t_i+1]`` and it
        takes the step below.

    Examples
    --------
    >>> Steps(thresholds=[2, 5], points=[100, 60, 0], closed="right").describe()
    'steps: (-inf, 2] -> 100, (2, 5] -> 60, (5, inf) -> 0'
    """

    model_config = _CONFIG

    kind: Literal["steps"] = "steps"
    thresholds: tuple[float, ...] = Field(min_length=1)
    points: tuple[float, ...]
    closed: Literal["left", "right"] = "left"

    @model_validator(mode="after")
    def _consistent(self) -> Steps:
        t, p = self.thresholds, self.points
        if not all(math.isfinite(v) for v in t + p):
            raise ValueError("Steps: thresholds and points must be finite numbers.")
        if any(b <= a for a, b in itertools.pairwise(t)):
            raise ValueError(f"Steps: thresholds must increase, got {list(t)}.")
        if len(p) != len(t) + 1:
            raise ValueError(f"Steps: needs one more points than thresholds (below, between, "
                             f"above), got {len(p)} points for {len(t)} thresholds.")
        return self

    def bands(self) -> tuple[Band, ...]:
        """The steps as contiguous bands, named by their position."""
        edges = (-math.inf, *self.thresholds, math.inf)
        closed: Closed = self.closed
        out = []
        for i in range(len(self.points)):
            c = closed
            if i == 0:
                c = "right" if closed == "right" else "neither"
            elif i == len(self.points) - 1:
                c = "left" if closed == "left" else "neither"
            out.append(Band(name=str(i), low=edges[i], high=edges[i + 1], closed=c))
        return tuple(out)

    def describe(self) -> str:
        """The rule in words, for ``HealthScorecard.explain``."""
        return "steps: " + ", ".join(f"{b.interval} -> {format_bound(p)}"
                                     for b, p in zip(self.bands(), self.points, strict=True))


class NamedBands(OptionModel):
    """Named bands mapped to points: numeric intervals with names, or text labels.

    Parameters
    ----------
    points : mapping of str to float
        Points of each band (``{"good": 100, "average": 60, "poor": 0}``).
    bands : mapping of str to interval text, or sequence of Band, optional
        The interval of each band (``{"poor": "[0, 0.5)", "average": "[0.5, 0.8)",
        "good": "[0.8, inf)"}``): the measure is then a number, the bands must meet edge to
        edge (no overlap, no gap), and a value in no band is an error. Without ``bands``, the
        measure's values are the band names themselves (a CSM's red/yellow/green call).

    Examples
    --------
    >>> rule = NamedBands(points={"good": 100, "average": 60, "poor": 0},
    ...                   bands={"poor": "[0, 0.5)", "average": "[0.5, 0.8)",
    ...                          "good": "[0.8, inf)"})
    >>> rule.describe()
    'bands: poor [0, 0.5) -> 0, average [0.5, 0.8) -> 60, good [0.8, inf) -> 100'
    >>> NamedBands(points={"green": 100, "red": 0}).describe()
    'labels: green -> 100, red -> 0'
    """

    model_config = _CONFIG

    kind: Literal["bands"] = "bands"
    points: tuple[tuple[str, float], ...] = Field(min_length=1)
    bands: tuple[Band, ...] | None = None

    @field_validator("points", mode="before")
    @classmethod
    def _points_from_mapping(cls, v: Any) -> Any:
        return tuple((str(k), p) for k, p in v.items()) if isinstance(v, Mapping) else v

    @field_validator("bands", mode="before")
    @classmethod
    def _bands_from_mapping(cls, v: Any) -> Any:
        return _as_bands(v, "NamedBands")

    @model_validator(mode="after")
    def _consistent(self) -> NamedBands:
        names = [k for k, _ in self.points]
        if len(set(names)) != len(names):
            raise ValueError(f"NamedBands: band names must be distinct, got {names}.")
        if not all(math.isfinite(p) for _, p in self.points):
            raise ValueError("NamedBands: points must be finite numbers.")
        if self.bands is not None:
            ordered = _sorted_bands(self.bands, "NamedBands")
            if {b.name for b in ordered} != set(names):
                got = sorted(b.name for b in ordered)
                raise ValueError(f"NamedBands: points and bands must name the same bands, got "
                                 f"points for {sorted(names)} and bands {got}.")
            object.__setattr__(self, "bands", ordered)
        return self

    @property
    def point_map(self) -> dict[str, float]:
        """Points of each band, by name."""
        return dict(self.points)

    def ordered_points(self) -> tuple[float, ...]:
        """Points of the bands in order of value (numeric bands) or as listed (labels)."""
        pm = self.point_map
        if self.bands is None:
            return tuple(pm.values())
        return tuple(pm[b.name] for b in self.bands)

    def describe(self) -> str:
        """The rule in words, for ``HealthScores.explain``."""
        pm = self.point_map
        if self.bands is None:
            return "labels: " + ", ".join(f"{k} -> {format_bound(p)}" for k, p in pm.items())
        return "bands: " + ", ".join(f"{b} -> {format_bound(pm[b.name])}" for b in self.bands)


Rule = Annotated[Linear | Steps | NamedBands, Field(discriminator="kind")]
