"""Health scorecards: weighted, banded, explainable account health, for a whole portfolio at once.

Definitions
-----------
**Measures and points.** A :class:`Measure` reads one per-account column (utilization, open
tickets, NPS, ...) and turns each value into *points* on the scorecard's scale (0-100 by
default) with one rule: :class:`Linear` (a straight line between two values, clamped),
:class:`Steps` (thresholds) or :class:`NamedBands` (named intervals, or text labels, each
worth a number of points). ``direction`` says whether higher or lower values are better.

**Groups and the overall score.** Measures may sit in groups (Gainsight's measure groups,
Totango's dimensions). A group scores the weighted mean of its measures' points; the overall
score is the weighted mean of the groups and of the ungrouped measures::

    group_g = sum_j w_j p_j / sum_j w_j              (measures j of group g)
    score   = sum_g W_g group_g / sum_g W_g           (groups and ungrouped measures g)

Weights are relative (they need not add to 1 or 100). ``aggregate="worst"`` replaces both
means by minimums: Totango's *account health* model, where one poor metric makes the account
poor.

**Missing measures.** A measure with no value (None, NaN) follows the scorecard's
:class:`MissingPolicy`: ``"renormalize"`` leaves it out and re-normalises the remaining
weights (in its group, and a group with no measure left drops out of the overall score),
``"zero"`` scores it at the bottom of the scale, ``"neutral"`` at the middle (or the
measure's ``neutral`` points). ``min_coverage`` withholds the score (NaN, no band) of accounts
whose measures with a value carry less than that share of the weight. An account with no
measure at all has no score under any policy. *Coverage*, the share of the scorecard's
weight carried by measures with a value, is always reported.

**Colour bands.** The score's band comes from explicit intervals with explicit inclusivity,
``[0, 50]`` red, ``(50, 75]`` yellow, ``(75, 100]`` green by default (Gainsight's numeric
scheme: "except for the 0-X range, the From value is not included"). Bands must neither
overlap nor leave gaps and must cover the scale.

**Roll-ups.** :func:`health_rollup` gives, per segment, the mean and the MRR-weighted score
and the share of accounts and of MRR in each band; :func:`health_trend` compares two scorings
account by account; :func:`at_risk` lists accounts in a band (or falling fast) by MRR.

The formulas, edge cases and vendor correspondences are in ``docs/health.md``.
"""

from __future__ import annotations

import itertools
import math
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from csmetrics._kernels import health as kh
from csmetrics._ratios import divide
from csmetrics._validation import (
    Checker,
    _as_array,
    column_getter,
    factorize,
    is_missing,
    lookup,
    to_float,
)
from csmetrics.exceptions import (
    AccountNotFoundError,
    ColumnNotFoundError,
    InvalidParameterError,
    UndefinedMetricWarning,
)
from csmetrics.results import TableResult

__all__ = [
    "AccountNotFoundError",
    "AtRiskAccounts",
    "Band",
    "HealthScorecard",
    "HealthScores",
    "HealthTrend",
    "Linear",
    "Measure",
    "MissingPolicy",
    "NamedBands",
    "ScoreExplanation",
    "Steps",
    "at_risk",
    "health_rollup",
    "health_trend",
]

Direction = Literal["higher", "lower"]
Floats = NDArray[np.float64]

# A score within this share of the scale's width of a band edge is on the edge.
_EDGE_TOLERANCE = 1e-9
# Coverage within this of min_coverage meets it (0.6 may be summed as 0.5999999999999999).
_COVERAGE_TOLERANCE = 1e-12


# Frozen, strict models. JSON keeps infinite band edges as Infinity, so a scorecard saved with
# model_dump_json() loads back unchanged with model_validate_json().
_CONFIG = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="constants")


def _num(v: float) -> str:
    """A number as short text: 50, 0.25, -inf."""
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == round(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.6g}"


# --- intervals and bands ---------------------------------------------------------------------

_INTERVAL = re.compile(r"^\s*([\[(])\s*([^,\s]+)\s*,\s*([^,\s]+)\s*([\])])\s*$")
Closed = Literal["both", "left", "right", "neither"]


class Band(BaseModel):
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
            raise ValueError(f"band {name!r}: expected interval notation such as '[0, 50]' or "
                             f"'(50, 75]', got {text!r}.")
        left, low, high, right = match.groups()
        try:
            lo, hi = float(low), float(high)
        except ValueError:
            raise ValueError(f"band {name!r}: the edges of {text!r} must be numbers (or "
                             f"-inf/inf).") from None
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
        return (f"{'[' if self.low_closed else '('}{_num(self.low)}, {_num(self.high)}"
                f"{']' if self.high_closed else ')'}")

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
                + (f" at {_num(a.high)}: an edge belongs to one band only" if a.high == b.low
                   else "") + ".")
        if a.high < b.low or (a.high == b.low and not a.high_closed and not b.low_closed):
            gap = (f"{_num(a.high)} is in neither" if a.high == b.low else
                   f"values between {_num(a.high)} and {_num(b.low)} are in neither")
            raise ValueError(f"{what}: bands {a} and {b} leave a gap ({gap}).")
    if cover is not None:
        lo, hi = cover
        first, last = ordered[0], ordered[-1]
        if first.low > lo or (first.low == lo and not first.low_closed):
            raise ValueError(f"{what}: bands must cover the scale [{_num(lo)}, {_num(hi)}]; "
                             f"{_num(lo)} is in no band (lowest band: {first}).")
        if last.high < hi or (last.high == hi and not last.high_closed):
            raise ValueError(f"{what}: bands must cover the scale [{_num(lo)}, {_num(hi)}]; "
                             f"{_num(hi)} is in no band (highest band: {last}).")
        if first.low < lo or last.high > hi:
            raise ValueError(f"{what}: bands must lie within the scale [{_num(lo)}, "
                             f"{_num(hi)}], got {first} to {last}.")
    return ordered


@dataclass(frozen=True)
class _Intervals:
    """Contiguous bands as arrays for :func:`csmetrics._kernels.health.interval_codes`."""

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


class Linear(BaseModel):
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
        """The rule in words, for :meth:`HealthScores.explain`."""
        bottom, top = scale if direction == "higher" else scale[::-1]
        return (f"linear: {_num(self.low)} -> {_num(bottom)}, {_num(self.high)} -> "
                f"{_num(top)}, clamped")


class Steps(BaseModel):
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
        """The rule in words, for :meth:`HealthScorecard.explain`."""
        return "steps: " + ", ".join(f"{b.interval} -> {_num(p)}"
                                     for b, p in zip(self.bands(), self.points, strict=True))


class NamedBands(BaseModel):
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
        """The rule in words, for :meth:`HealthScores.explain`."""
        pm = self.point_map
        if self.bands is None:
            return "labels: " + ", ".join(f"{k} -> {_num(p)}" for k, p in pm.items())
        return "bands: " + ", ".join(f"{b} -> {_num(pm[b.name])}" for b in self.bands)


Rule = Annotated[Linear | Steps | NamedBands, Field(discriminator="kind")]


class Measure(BaseModel):
    """One health signal of a scorecard: the column it reads, its rule, weight and direction.

    Parameters
    ----------
    name : str
        The measure's name; also the column it reads unless ``column`` is given.
    rule : Linear, Steps or NamedBands
        How a value becomes points.
    weight : float, default 1
        Relative weight inside its group (or, ungrouped, in the overall score); >= 0.
    direction : {"higher", "lower"}, default "higher"
        Whether higher values are better (utilization) or lower ones (open tickets). It sets
        which end of a :class:`Linear` rule scores the top of the scale, and the points of a
        :class:`Steps` or numeric :class:`NamedBands` rule are checked to agree with it. Text
        labels have no order: it is not used for them.
    group : str, optional
        The measure group (dimension) it belongs to.
    column : str, optional
        The column of the measures table to read (default: ``name``).
    neutral : float, optional
        Points given when the value is missing under ``MissingPolicy(fill="neutral")``
        (default: the middle of the scale).

    Examples
    --------
    >>> m = Measure(name="open_tickets", rule=Linear(low=0, high=10), direction="lower",
    ...             weight=2, group="support")
    >>> m.rule.describe(m.direction, (0, 100))
    'linear: 0 -> 100, 10 -> 0, clamped'
    """

    model_config = _CONFIG

    name: str = Field(min_length=1)
    rule: Rule
    weight: float = Field(default=1.0, allow_inf_nan=False)
    direction: Direction = "higher"
    group: str | None = Field(default=None, min_length=1)
    column: str | None = Field(default=None, min_length=1)
    neutral: float | None = Field(default=None, allow_inf_nan=False)

    @model_validator(mode="after")
    def _consistent(self) -> Measure:
        if self.weight < 0:
            raise ValueError(f"measure {self.name!r}: weight must be >= 0, got {self.weight}.")
        points: tuple[float, ...] | None = None
        if isinstance(self.rule, Steps):
            points = self.rule.points
        elif isinstance(self.rule, NamedBands) and self.rule.bands is not None:
            points = self.rule.ordered_points()
        if points is not None:
            pairs = list(itertools.pairwise(points))
            wrong = (any(b < a for a, b in pairs) if self.direction == "higher"
                     else any(b > a for a, b in pairs))
            if wrong:
                verb = "fall" if self.direction == "higher" else "rise"
                raise ValueError(
                    f"measure {self.name!r}: with direction={self.direction!r} the points must "
                    f"not {verb} as the value rises, got {list(points)} (listed for increasing "
                    f"values); fix the points or the direction.")
        return self

    @property
    def source(self) -> str:
        """The column this measure reads."""
        return self.column or self.name


Fill = Literal["renormalize", "zero", "neutral"]


class MissingPolicy(BaseModel):
    """What a scorecard does with measures that have no value for an account.

    Parameters
    ----------
    fill : {"renormalize", "zero", "neutral"}, default "renormalize"
        ``"renormalize"``: leave the measure out and re-normalise the weights of the
        measures that have a value (within its group; a group with none left drops out of
        the overall score, whose group weights are re-normalised in turn). ``"zero"``: score
        it at the bottom of the scale (0 on 0-100). ``"neutral"``: score it at the
        measure's ``neutral`` points, by default the middle of the scale (50 on 0-100).
    min_coverage : float, default 0
        Accounts whose measures with a value carry less than this share of the scorecard's
        weight get no score (NaN) and no band. An account with no measure at all never has
        a score.

    Examples
    --------
    >>> MissingPolicy(fill="neutral", min_coverage=0.5)
    MissingPolicy(fill='neutral', min_coverage=0.5)
    """

    model_config = _CONFIG

    fill: Fill = "renormalize"
    min_coverage: float = Field(default=0.0, ge=0.0, le=1.0)


_DEFAULT_BANDS = (Band(name="red", low=0, high=50, closed="both"),
                  Band(name="yellow", low=50, high=75, closed="right"),
                  Band(name="green", low=75, high=100, closed="right"))
_RESERVED = ("score", "band", "coverage", "mrr")


@dataclass(frozen=True, eq=False)
class _Plan:
    """A scorecard compiled to arrays once: the kernels' view of it.

    It is a function of the scorecard's fields, which decide equality: any two plans compare
    equal, so pydantic's comparison of private attributes never looks inside the arrays.
    """

    units: tuple[str, ...]           # top-level units: groups and ungrouped measures
    unit_is_group: tuple[bool, ...]
    unit_of: NDArray[np.int64]       # (m,)
    within: Floats                   # (m,) weight inside the unit
    top: Floats                      # (k,) weight of the unit
    effective: Floats                # (m,) nominal share of the overall score, sums to 1
    fill: Floats                     # (m,) points given to a missing value (fill modes)
    bands: _Intervals
    band_names: tuple[str, ...]
    tolerance: float

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Plan)

    def __hash__(self) -> int:
        return 0


_Card = TypeVar("_Card", bound="HealthScorecard")


class HealthScorecard(BaseModel):
    """A health scorecard: measures, their weights and groups, the missing policy, colour bands.

    Parameters
    ----------
    measures : sequence of Measure
        The measures, distinct names. Their order is the order of the result's columns.
    groups : mapping of str to float, optional
        Weight of each measure group in the overall score, on the same relative scale as the
        weights of ungrouped measures. Omitted, a group weighs the sum of its measures'
        weights (so grouping alone changes nothing). Give every group a weight or none.
    bands : mapping of str to interval text, or sequence of Band
        Colour bands of the overall score, covering the scale with no overlap and no gap.
        Default ``{"red": "[0, 50]", "yellow": "(50, 75]", "green": "(75, 100]"}``.
    missing : MissingPolicy or {"renormalize", "zero", "neutral"}, default "renormalize"
        What missing measures do (see :class:`MissingPolicy`).
    scale : (float, float), default (0, 100)
        Lowest and highest points. Linear rules span it; every other rule's points, the
        neutral points and the bands must lie within it.
    aggregate : {"mean", "worst"}, default "mean"
        ``"mean"``: weighted means (Gainsight scorecards, Totango multidimensional health).
        ``"worst"``: a group scores its worst measure and the account its worst group
        (Totango account health); weights then only set coverage, and weight 0 still leaves
        a measure out.
    decimals : int, optional
        Round group and overall scores to this many decimals, halves away from zero
        (Totango rounds dimension scores to whole numbers). Contributions stay unrounded.
    name : str, default "health"
        Shown in titles.

    Examples
    --------
    >>> card = HealthScorecard(
    ...     measures=[Measure(name="utilization", rule=Linear(low=0.2, high=0.9), weight=2),
    ...               Measure(name="open_tickets", rule=Linear(low=0, high=10),
    ...                       direction="lower")])
    >>> scores = card.score({"customer_id": ["a", "b", "c"],
    ...                      "utilization": [0.9, 0.55, None],
    ...                      "open_tickets": [0, 5, 8]})
    >>> print(scores)
    Health scores (health)
    customer_id  score  band   coverage  utilization  open_tickets
    a              100  green         1      66.6667       33.3333
    b               50  red           1      33.3333       16.6667
    c               20  red      0.3333            0            20
    """

    model_config = _CONFIG

    measures: tuple[Measure, ...] = Field(min_length=1)
    groups: tuple[tuple[str, float], ...] = ()
    bands: tuple[Band, ...] = _DEFAULT_BANDS
    missing: MissingPolicy = MissingPolicy()
    scale: tuple[float, float] = (0.0, 100.0)
    aggregate: Literal["mean", "worst"] = "mean"
    decimals: int | None = Field(default=None, ge=0, le=12)
    name: str = "health"

    _plan: _Plan = PrivateAttr()

    @field_validator("groups", mode="before")
    @classmethod
    def _groups_from_mapping(cls, v: Any) -> Any:
        return tuple((str(k), w) for k, w in v.items()) if isinstance(v, Mapping) else v

    @field_validator("bands", mode="before")
    @classmethod
    def _bands_from_mapping(cls, v: Any) -> Any:
        return _as_bands(v, "HealthScorecard")

    @field_validator("missing", mode="before")
    @classmethod
    def _missing_from_text(cls, v: Any) -> Any:
        return MissingPolicy(fill=v) if isinstance(v, str) else v

    @model_validator(mode="after")
    def _consistent(self) -> HealthScorecard:
        lo, hi = self.scale
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"HealthScorecard: scale needs finite low < high, got {self.scale}.")
        names = [m.name for m in self.measures]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"HealthScorecard: measure names must be distinct, repeated: "
                             f"{repeated}.")
        bad = [n for n in names if n in _RESERVED]
        if bad:
            raise ValueError(f"HealthScorecard: measure names {bad} are taken by result columns "
                             f"({', '.join(_RESERVED)}); rename the measure (column= can still "
                             f"read that column).")
        self._check_groups()
        object.__setattr__(self, "bands", _sorted_bands(self.bands, "HealthScorecard bands",
                                                        cover=(lo, hi)))
        for m in self.measures:
            pts: tuple[float, ...] = ()
            if isinstance(m.rule, Steps):
                pts = m.rule.points
            elif isinstance(m.rule, NamedBands):
                pts = m.rule.ordered_points()
            if m.neutral is not None:
                pts = (*pts, m.neutral)
            outside = [p for p in pts if not lo <= p <= hi]
            if outside:
                raise ValueError(f"HealthScorecard: measure {m.name!r} gives points {outside} "
                                 f"outside the scale [{_num(lo)}, {_num(hi)}].")
        self._plan = self._compile()
        return self

    def _check_groups(self) -> None:
        given = dict(self.groups)
        if len(given) != len(self.groups):
            raise ValueError("HealthScorecard: groups repeats a group name.")
        for g, w in given.items():
            if not (isinstance(w, int | float) and math.isfinite(w) and w >= 0):
                raise ValueError(f"HealthScorecard: group {g!r} weight must be a finite number "
                                 f">= 0, got {w!r}.")
        used = {m.group for m in self.measures if m.group is not None}
        ungrouped = {m.name for m in self.measures if m.group is None}
        if given:
            unweighted = sorted(used - set(given))
            if unweighted:
                raise ValueError(f"HealthScorecard: groups {unweighted} have measures but no "
                                 f"weight in groups=; give every group a weight (or none).")
            empty = sorted(set(given) - used)
            if empty:
                raise ValueError(f"HealthScorecard: groups {empty} have a weight but no "
                                 f"measure.")
        clash = sorted(used & ungrouped)
        if clash:
            raise ValueError(f"HealthScorecard: {clash} name both a group and an ungrouped "
                             f"measure; use distinct names.")
        top = sum(given.values()) if given else sum(m.weight for m in self.measures
                                                     if m.group is not None)
        top += sum(m.weight for m in self.measures if m.group is None)
        if top <= 0:
            raise ValueError("HealthScorecard: every measure and group weighs 0; the score "
                             "would be undefined.")
        for g in sorted(used):
            if sum(m.weight for m in self.measures if m.group == g) <= 0:
                raise ValueError(f"HealthScorecard: the measures of group {g!r} all weigh 0; "
                                 f"its score would be undefined.")

    def _compile(self) -> _Plan:
        """The scorecard as arrays, once, after validation."""
        # Top-level units, in order of first appearance: each group, and each ungrouped
        # measure on its own (weight 1 inside its unit, its own weight at the top).
        keys: list[tuple[bool, str]] = []
        unit_of = []
        for m in self.measures:
            key = (True, m.group) if m.group is not None else (False, m.name)
            if key not in keys:
                keys.append(key)
            unit_of.append(keys.index(key))
        given = dict(self.groups)
        within = np.array([m.weight if m.group is not None else 1.0 for m in self.measures])
        top = np.zeros(len(keys))
        for m, u in zip(self.measures, unit_of, strict=True):
            top[u] += m.weight
        for u, (grouped, name) in enumerate(keys):
            if grouped and given:
                top[u] = given[name]
        units = [name for _, name in keys]
        is_group = [grouped for grouped, _ in keys]
        codes = np.array(unit_of, dtype=np.int64)
        within_sum = np.bincount(codes, weights=within, minlength=len(units))
        effective = top[codes] / top.sum() * np.divide(
            within, within_sum[codes], out=np.zeros_like(within), where=within_sum[codes] > 0)
        lo, hi = self.scale
        if self.missing.fill == "zero":
            fill = np.full(len(self.measures), lo)
        else:
            fill = np.array([(lo + hi) / 2 if m.neutral is None else m.neutral
                             for m in self.measures])
        return _Plan(tuple(units), tuple(is_group), codes, within, top, effective, fill,
                     _Intervals.of(self.bands), tuple(b.name for b in self.bands),
                     _EDGE_TOLERANCE * (hi - lo))

    def model_copy(self: _Card, *, update: Mapping[str, Any] | None = None,
                   deep: bool = False) -> _Card:
        """A copy; with ``update``, a new scorecard validated (and compiled) from scratch."""
        if not update:
            return super().model_copy(deep=deep)
        return type(self).model_validate({**dict(self), **update})

    # --- public ---------------------------------------------------------------------------

    @property
    def group_weights(self) -> dict[str, float]:
        """Weight of each top-level unit (group, or ungrouped measure) in the overall score."""
        return dict(zip(self._plan.units, self._plan.top.tolist(), strict=True))

    @property
    def effective_weights(self) -> dict[str, float]:
        """Each measure's nominal share of the overall score (all measures present); sums to 1.

        ``share_j = (W_g / sum W) * (w_j / sum of w in its group)``.
        """
        return dict(zip((m.name for m in self.measures), self._plan.effective.tolist(),
                        strict=True))

    def score(self, measures: Any, *, id_column: str = "customer_id", mrr: Any = None,
              keep: Sequence[str] = ()) -> HealthScores:
        """Score every account of a per-account measures table, in one vectorized pass.

        Parameters
        ----------
        measures : mapping of columns, DataFrame, pyarrow Table or TableResult
            One row per account: a column ``id_column`` holding distinct, non-missing
            account ids and one column per measure (``Measure.column``, default its name).
            A mapping is ``{name: sequence}``; pandas and polars DataFrames, pyarrow Tables
            and csmetrics results (such as a per-account table from another function) are
            read without copying where possible. With pandas, the ids may be the index when
            it is named ``id_column``. Other columns are ignored unless kept. Numeric rules
            need numbers (NaN or None: missing; infinities are errors); a label rule needs
            text (None/NaN: missing).
        id_column : str, default "customer_id"
            The column of account ids.
        mrr : str, mapping or array-like, optional
            MRR of each account, carried into the result for the roll-ups and
            :func:`at_risk`: a column of ``measures``, a mapping from account id to MRR (a
            dict or pandas Series), or an array aligned with the rows. Finite, >= 0.
        keep : sequence of str, optional
            Other columns to carry into the result (a segment, an owner).

        Returns
        -------
        HealthScores
            One row per account, in input order: the id, ``score`` (NaN when withheld),
            ``band`` (None when there is no score), ``coverage``, the kept columns, ``mrr``
            when given, and one column per measure holding its contribution (points times
            the weight it carried; with ``aggregate="mean"`` they add up to the score).

        Raises
        ------
        ColumnNotFoundError
            The id column or a measure's column is missing (the message lists the columns).
        DataValidationError
            Missing or repeated ids, a non-number where a number is needed, an infinite
            value, a value in no band of a rule, an unknown label, bad MRR.

        Warns
        -----
        UndefinedMetricWarning
            Some accounts have no score (no measure with a value, or coverage below
            ``min_coverage``).

        Notes
        -----
        Scoring is arithmetic over whole columns: each rule maps its column to points,
        then the group and overall means are accumulated column by column. An account's
        score depends only on its own row.

        Examples
        --------
        >>> card = HealthScorecard(measures=[
        ...     Measure(name="seats_used", rule=Linear(low=0.2, high=0.8)),
        ...     Measure(name="csm", rule=NamedBands(points={"green": 100, "red": 0}))])
        >>> scores = card.score({"customer_id": [1, 2], "seats_used": [0.8, 0.5],
        ...                      "csm": ["green", "red"], "mrr": [900, 100]}, mrr="mrr")
        >>> scores["score"].tolist(), scores["band"].tolist()  # (100 + 100)/2, (50 + 0)/2
        ([100.0, 25.0], ['green', 'red'])
        """
        return _score(self, measures, id_column=id_column, mrr=mrr, keep=keep)


# --- reading the measures table --------------------------------------------------------------

_CONTEXT = "HealthScorecard.score"


def _read_ids(data: Any, names: list[str], get: Callable[[str], Any], id_column: str
              ) -> NDArray[Any]:
    if id_column in names:
        ids = _as_array(get(id_column))
    elif getattr(getattr(data, "index", None), "name", None) == id_column:
        ids = _as_array(data.index)  # pandas, ids in the index
    else:
        raise ColumnNotFoundError(id_column, names, context=f"{_CONTEXT} (id_column=)")
    ids = ids.reshape(-1)
    chk = Checker(ids.size, _CONTEXT)
    missing = is_missing(ids)
    chk.check(missing, id_column, "must not be missing (None/NaN)")
    if ids.dtype.kind == "f":
        ids = ids.astype(np.int64) if bool(np.all(ids == np.round(ids))) else ids
    chk.check(_repeated(ids), id_column, "must not repeat: one row per account")
    return ids


def _repeated(ids: NDArray[Any]) -> NDArray[np.bool_]:
    """True at every row whose id appeared in an earlier row."""
    n = ids.size
    if ids.dtype.kind in "iu":
        cats, codes = factorize(ids)
        if cats.size == n:
            return np.zeros(n, dtype=bool)
    elif ids.dtype.kind in "OUS":
        if len(set(ids.tolist())) == n:  # hashing, in C: the fast path for distinct ids
            return np.zeros(n, dtype=bool)
        _, codes = factorize(ids)
    else:
        _, codes = factorize(ids)
    order = np.argsort(codes, kind="stable")
    dup = np.zeros(n, dtype=bool)
    sorted_codes = codes[order]
    dup[order[1:]] = sorted_codes[1:] == sorted_codes[:-1]
    return dup


def _column(get: Callable[[str], Any], name: str, n: int, id_column: str) -> NDArray[Any]:
    values = _as_array(get(name)).reshape(-1)
    if values.size != n:
        raise InvalidParameterError(f"{_CONTEXT}: column {name!r} has {values.size:,} values but "
                                    f"{id_column!r} has {n:,}; a measures table has one row "
                                    f"per account.")
    return values


def _numbers(values: NDArray[Any], column: str, chk: Checker) -> Floats:
    x = to_float(values, column, chk)
    chk.check(np.isinf(x), column, "must be a finite number or missing (None/NaN)")
    return x


def _points(m: Measure, values: NDArray[Any], scale: tuple[float, float], chk: Checker
            ) -> tuple[Floats, NDArray[Any]]:
    """Points of one measure for every account, and the values read (for explanations)."""
    rule = m.rule
    col = m.source
    lo, hi = scale
    if isinstance(rule, Linear):
        x = _numbers(values, col, chk)
        at_low, at_high = (lo, hi) if m.direction == "higher" else (hi, lo)
        return kh.linear_points(x, rule.low, rule.high, at_low, at_high), x
    if isinstance(rule, Steps):
        x = _numbers(values, col, chk)
        codes = _Intervals.of(rule.bands()).codes(x)
        return np.append(np.asarray(rule.points, dtype=np.float64), np.nan)[codes], x
    if rule.bands is not None:
        x = _numbers(values, col, chk)
        codes = _Intervals.of(rule.bands).codes(x)
        outside = (codes < 0) & ~np.isnan(x)
        chk.check(outside, col, f"must fall in a band of measure {m.name!r} "
                  f"({', '.join(str(b) for b in rule.bands)})")
        pts = np.append(np.asarray(rule.ordered_points(), dtype=np.float64), np.nan)
        return pts[codes], x
    return _label_points(m, rule, values, chk), values


_NOT_LABELS = ("must hold text labels for measure {name!r} (a NamedBands rule without bands= "
               "maps labels; give bands= or use Steps for numbers)")


def _label_points(m: Measure, rule: NamedBands, values: NDArray[Any], chk: Checker) -> Floats:
    col = m.source
    if values.dtype.kind in "iufb":
        chk.check(~is_missing(values), col, _NOT_LABELS.format(name=m.name))
    missing = is_missing(values)
    keys = np.array(sorted(rule.point_map), dtype=str)
    pts = np.array([rule.point_map[k] for k in keys.tolist()], dtype=np.float64)
    out = np.full(values.size, np.nan)
    present = np.flatnonzero(~missing)
    labels = values[present].astype(str)
    codes = kh.label_codes(labels, keys)
    unknown = codes < 0
    if unknown.any():
        bad = np.zeros(values.size, dtype=bool)
        bad[present[unknown]] = True
        numbers = np.array([not isinstance(v, str) for v in values[bad].tolist()])
        if numbers.any():  # error path only: say that numbers are not labels
            not_text = np.zeros(values.size, dtype=bool)
            not_text[np.flatnonzero(bad)[numbers]] = True
            chk.check(not_text, col, _NOT_LABELS.format(name=m.name))
        shown = ", ".join(repr(s) for s in dict.fromkeys(labels[unknown][:50].tolist()))
        chk.check(bad, col, f"must be one of the labels {sorted(rule.point_map)} of measure "
                  f"{m.name!r} (found {shown})")
    out[present] = pts[codes]
    return out


def _aligned(values: Any, ids: NDArray[Any], names: list[str], get: Callable[[str], Any] | None,
             what: str, context: str) -> NDArray[Any]:
    """A per-account quantity given as a column name, a mapping from id, or aligned values."""
    n = ids.size
    if isinstance(values, str):
        if get is None or values not in names:
            raise ColumnNotFoundError(values, names, context=f"{context} ({what}=)")
        out = _as_array(get(values)).reshape(-1)
    elif isinstance(values, Mapping) or (hasattr(values, "index") and hasattr(values, "items")
                                         and not hasattr(values, "columns")):
        out = _mapped(ids, values, what, context)
    else:
        out = _as_array(values).reshape(-1) if not isinstance(values, list | tuple) else (
            np.asarray(values, dtype=object))
    if out.size != n:
        raise InvalidParameterError(f"{context}: {what}= has {out.size:,} values for {n:,} "
                                    f"accounts; give one per row, a mapping from account id, "
                                    f"or a column name.")
    return out


def _mapped(ids: NDArray[Any], mapping: Any, what: str, context: str) -> NDArray[Any]:
    """Values of ``mapping`` (a dict or a pandas Series keyed by account id) for each id."""
    if isinstance(mapping, Mapping):
        keys = np.asarray(list(mapping.keys()))
        vals = np.empty(keys.size, dtype=object)
        vals[:] = list(mapping.values())
    else:  # pandas Series: its index is the key
        keys = _as_array(mapping.index)
        vals = _as_array(mapping)
    if keys.dtype.kind == "f" and bool(np.all(np.isfinite(keys) & (keys == np.round(keys)))):
        keys = keys.astype(np.int64)
    targets = ids
    if keys.dtype.kind != targets.dtype.kind and {keys.dtype.kind, targets.dtype.kind} != {
            "i", "u"}:
        keys, targets = keys.astype(str), targets.astype(str)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    if sorted_keys.size and bool(np.any(sorted_keys[1:] == sorted_keys[:-1])):
        raise InvalidParameterError(f"{context}: the mapping given as {what}= repeats some "
                                    f"account ids.")
    pos = np.minimum(np.searchsorted(sorted_keys, targets), max(sorted_keys.size - 1, 0))
    found = (sorted_keys[pos] == targets) if sorted_keys.size else np.zeros(ids.size, bool)
    if not found.all():
        shown = ", ".join(repr(v) for v in ids[~found][:5].tolist())
        raise InvalidParameterError(f"{context}: {int((~found).sum()):,} of {ids.size:,} "
                                    f"accounts have no entry in the mapping given as {what}= "
                                    f"(first: {shown}).")
    return np.asarray(vals[order[pos]])


def _money(values: NDArray[Any], what: str, context: str) -> Floats:
    chk = Checker(values.size, context)
    x = to_float(values, what, chk)
    chk.check(np.isnan(x), what, "must not be missing (give 0 for accounts without revenue)")
    chk.check(np.isinf(x) | (x < 0), what, "must be a finite number >= 0")
    return x


def _score(card: HealthScorecard, data: Any, *, id_column: str, mrr: Any,
           keep: Sequence[str]) -> HealthScores:
    if isinstance(keep, str):
        keep = (keep,)
    names, get = column_getter(data, _CONTEXT)
    ids = _read_ids(data, names, get, id_column)
    n = ids.size
    m = len(card.measures)
    chk = Checker(n, _CONTEXT)
    points = np.empty((n, m), order="F")
    raw: dict[str, NDArray[Any]] = {}
    for j, measure in enumerate(card.measures):
        if measure.source not in names:
            raise ColumnNotFoundError(measure.source, names,
                                      context=f"{_CONTEXT}: measure {measure.name!r}")
        values = _column(get, measure.source, n, id_column)
        points[:, j], raw[measure.name] = _points(measure, values, card.scale, chk)
    taken = {id_column, *_RESERVED, *raw}
    clash = sorted({c for c in keep if c in taken} | ({id_column} & set(raw)))
    if clash:
        raise InvalidParameterError(f"{_CONTEXT}: {clash} would name two result columns; keep= "
                                    f"takes other columns than the id, the measures and "
                                    f"{', '.join(_RESERVED)}.")
    kept = {c: _aligned(c, ids, names, get, "keep", _CONTEXT) for c in keep}
    money = None if mrr is None else _money(_aligned(mrr, ids, names, get, "mrr", _CONTEXT),
                                            "mrr", _CONTEXT)
    parts = _evaluate(card, points)
    _warn_unscored(parts.score, parts.coverage, card.missing.min_coverage, _CONTEXT)
    return HealthScores._build(card, ids, id_column, parts, raw, kept, money)


@dataclass(frozen=True)
class _Parts:
    score: Floats
    coverage: Floats
    band: NDArray[np.int64]
    group_scores: Floats
    used_weights: list[Floats]
    contributions: list[Floats]


def _evaluate(card: HealthScorecard, points: Floats) -> _Parts:
    """The kernels applied to an accounts x measures array of points (NaN: missing)."""
    plan = card._plan
    present = ~np.isnan(points)
    fill = card.missing.fill
    if fill != "renormalize":
        points = np.where(present, points, plan.fill)
    if card.aggregate == "mean":
        scored = kh.weighted_mean(points, present if fill == "renormalize" else None,
                                  plan.unit_of, plan.within, plan.top, card.decimals)
    else:
        counted = plan.effective > 0  # weight 0 (of the measure or its group) leaves it out
        scored = kh.worst_of(points, counted, plan.unit_of, len(plan.units), card.decimals)
    cov = kh.coverage(present, plan.effective)
    withheld = (cov <= 0) | (cov < card.missing.min_coverage - _COVERAGE_TOLERANCE)
    score = np.where(withheld, np.nan, scored.score)
    lo, hi = card.scale
    score = np.clip(score, lo, hi)  # a mean of points within the scale, up to rounding
    contributions, used = scored.contributions, scored.used_weights
    if withheld.any():
        contributions = [np.where(withheld, np.nan, c) for c in contributions]
        used = [np.where(withheld, np.nan, u) for u in used]
    band = kh.band_codes(score, plan.bands.edges, plan.bands.upper_owns, plan.tolerance)
    return _Parts(score, cov, band, scored.group_scores, used, contributions)


def _warn_unscored(score: Floats, cov: Floats, min_coverage: float, context: str) -> None:
    unscored = np.isnan(score)
    if not unscored.any():
        return
    empty = int((cov[unscored] <= 0).sum())
    low = int(unscored.sum()) - empty
    reasons = []
    if empty:
        reasons.append(f"{empty:,} have no measure with a value")
    if low:
        reasons.append(f"{low:,} have coverage below min_coverage={min_coverage:g}")
    warnings.warn(f"{context}: {int(unscored.sum()):,} of {score.size:,} accounts have no score "
                  f"({'; '.join(reasons)}); their score is NaN and their band None.",
                  UndefinedMetricWarning, stacklevel=4)


# --- results -----------------------------------------------------------------------------------


class HealthScores(TableResult):
    """Health scores of every account: score, band, coverage and each measure's contribution.

    Columns, one row per account in input order: the id column, ``score`` (NaN when
    withheld), ``band`` (None without a score), ``coverage``, any kept columns, ``mrr`` when
    given, and one column per measure with its contribution to the score.

    Use :meth:`explain` for one account's arithmetic, :meth:`group_scores` for the measure
    groups, :meth:`points` for every measure's points, and :func:`health_rollup`,
    :func:`health_trend` and :func:`at_risk` for the portfolio.
    """

    scorecard: HealthScorecard
    id_column: str
    band_names: tuple[str, ...]
    _raw: dict[str, NDArray[Any]]
    _groups: Floats

    @classmethod
    def _build(cls, card: HealthScorecard, ids: NDArray[Any], id_column: str, parts: _Parts,
               raw: dict[str, NDArray[Any]], kept: dict[str, NDArray[Any]],
               money: Floats | None) -> HealthScores:
        names = np.array([*card._plan.band_names, None], dtype=object)
        columns: dict[str, Any] = {id_column: ids, "score": parts.score,
                                   "band": names[parts.band], "coverage": parts.coverage}
        columns.update(kept)
        if money is not None:
            columns["mrr"] = money
        for measure, c in zip(card.measures, parts.contributions, strict=True):
            columns[measure.name] = c
        for name in ("score", "band", "coverage", *(m.name for m in card.measures)):
            if columns[name].base is None:  # computed here: the result need not copy it
                columns[name].flags.writeable = False
        out = cls(columns, title=f"Health scores ({card.name})",
                  money=("mrr",) if money is not None else ())
        out._set(scorecard=card, id_column=id_column, band_names=card._plan.band_names,
                 _raw=raw, _groups=parts.group_scores)
        return out

    def __repr__(self) -> str:
        n = len(self)
        scored = int(np.count_nonzero(~np.isnan(self["score"])))
        return (f"HealthScores({n:,} account{'s' * (n != 1)}, {scored:,} scored, scorecard "
                f"{self.scorecard.name!r})")

    def _row(self, customer_id: Any) -> int:
        ids = self[self.id_column]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            equal = np.asarray(ids == customer_id)
        hits = np.flatnonzero(equal) if equal.shape == ids.shape else np.zeros(0, np.int64)
        if hits.size == 0 and ids.size:
            hits = np.flatnonzero(ids.astype(str) == str(customer_id))
        if hits.size == 0:
            raise AccountNotFoundError(f"{type(self).__name__}: no account {customer_id!r} "
                                       f"among the {len(self):,} scored.")
        return int(hits[0])

    def explain(self, customer_id: Any) -> ScoreExplanation:
        """The arithmetic of one account's score: value, rule, points, weights, contribution.

        Parameters
        ----------
        customer_id : str or int
            The account.

        Returns
        -------
        ScoreExplanation
            One row per measure: ``group``, ``measure``, ``value``, ``rule``, ``points``,
            ``status`` (present, or what the missing policy did), ``weight`` (its nominal
            share of the score), ``used_weight`` (the share it carried for this account) and
            ``contribution``. Printing it adds the group and overall formulas, the band and
            the coverage.

        Raises
        ------
        AccountNotFoundError
            The account is not in the result.

        Examples
        --------
        >>> card = HealthScorecard(measures=[
        ...     Measure(name="usage", rule=Linear(low=0, high=1), weight=3),
        ...     Measure(name="nps", rule=Linear(low=-100, high=100))])
        >>> scores = card.score({"customer_id": ["a"], "usage": [0.5], "nps": [None]})
        >>> e = scores.explain("a")
        >>> e["status"].tolist(), e["used_weight"].tolist()
        (['present', 'missing'], [1.0, 0.0])
        >>> for line in e.lines:
        ...     print(line)
        score = (3 × 50) / 3 = 50 (nps missing: weight re-normalised away)
        band: red [0, 50]
        coverage: 0.75 of the weight has a value
        """
        return _explain(self, self._row(customer_id), customer_id)

    def points(self) -> TableResult:
        """Every measure's points for every account (NaN where the value is missing)."""
        card = self.scorecard
        cols: dict[str, Any] = {self.id_column: self[self.id_column]}
        for m in card.measures:
            cols[m.name] = _points(m, self._raw[m.name], card.scale,
                                   Checker(len(self), "HealthScores.points"))[0]
        return TableResult(cols, title=f"Measure points ({card.name})")

    def group_scores(self) -> TableResult:
        """Score of every measure group (and ungrouped measure) for every account.

        Examples
        --------
        >>> card = HealthScorecard(measures=[
        ...     Measure(name="a", group="usage", rule=Linear(low=0, high=1)),
        ...     Measure(name="b", group="usage", rule=Linear(low=0, high=1)),
        ...     Measure(name="c", rule=Linear(low=0, high=1))])
        >>> g = card.score({"customer_id": ["x"], "a": [1], "b": [0.5], "c": [0]}).group_scores()
        >>> float(g["usage"][0]), float(g["c"][0])
        (75.0, 0.0)
        """
        plan = self.scorecard._plan
        cols: dict[str, Any] = {self.id_column: self[self.id_column]}
        for i, unit in enumerate(plan.units):
            cols[unit] = self._groups[:, i]
        return TableResult(cols, title=f"Group scores ({self.scorecard.name})")


class ScoreExplanation(TableResult):
    """One account's score, measure by measure, with the formulas that produce it.

    Attributes ``customer_id``, ``score``, ``band``, ``coverage`` and ``lines`` (the
    formulas, printed under the table).
    """

    customer_id: Any
    score: float
    band: str | None
    coverage: float
    lines: tuple[str, ...]

    def __str__(self) -> str:
        return "\n".join([super().__str__(), *self.lines])

    def _format(self, name: str, values: NDArray[Any]) -> list[str]:
        if name == "value":  # measured values print short: 0.151631, not 0.15163057809548353
            return ["" if v is None else _num(v) if isinstance(v, float) else str(v)
                    for v in values.tolist()]
        return super()._format(name, values)

    def __repr__(self) -> str:
        return (f"ScoreExplanation({self.customer_id!r}: score {_fmt(self.score)}, band "
                f"{self.band})")


def _fmt(v: float) -> str:
    if v != v:
        return "NaN"
    return f"{v:,.4f}".rstrip("0").rstrip(".")


def _explain(scores: HealthScores, row: int, customer_id: Any) -> ScoreExplanation:
    card = scores.scorecard
    plan = card._plan
    m = len(card.measures)
    chk = Checker(1, "HealthScores.explain")
    values = {k: v[row:row + 1] for k, v in scores._raw.items()}
    pts = np.empty((1, m), order="F")
    for j, measure in enumerate(card.measures):
        pts[:, j] = _points(measure, values[measure.name], card.scale, chk)[0]
    parts = _evaluate(card, pts)  # the same kernel, on one account
    present = ~np.isnan(pts[0])
    fill = card.missing.fill
    status = []
    for j in range(m):
        if present[j]:
            status.append("present")
        elif fill == "renormalize":
            status.append("missing")
        else:
            status.append(f"missing -> {_num(plan.fill[j])}")
    value_col = np.empty(m, dtype=object)
    value_col[:] = [None if not present[j] else _value(values[mm.name][0])
                    for j, mm in enumerate(card.measures)]
    table = {
        "group": np.array([mm.group or "" for mm in card.measures], dtype=object),
        "measure": np.array([mm.name for mm in card.measures], dtype=object),
        "value": value_col,
        "rule": np.array([_describe(mm, card.scale) for mm in card.measures], dtype=object),
        "points": pts[0],
        "status": np.array(status, dtype=object),
        "weight": plan.effective,
        "used_weight": np.array([u[0] for u in parts.used_weights]),
        "contribution": np.array([c[0] for c in parts.contributions]),
    }
    score = float(scores["score"][row])
    band = scores["band"][row]
    coverage = float(scores["coverage"][row])
    lines = _formulas(card, pts[0], present, parts)
    band_text = "none (no score)" if band is None else str(
        card.bands[plan.band_names.index(band)])
    lines.append(f"band: {band_text}")
    need = card.missing.min_coverage
    lines.append(f"coverage: {_fmt(coverage)} of the weight has a value"
                 + (f" (minimum {need:g})" if need > 0 else ""))
    out = ScoreExplanation(table, title=f"Health score of {customer_id!r} (scorecard "
                                        f"{card.name!r})")
    out._set(customer_id=customer_id, score=score, band=band, coverage=coverage,
             lines=tuple(lines))
    return out


def _value(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v


def _describe(m: Measure, scale: tuple[float, float]) -> str:
    rule = m.rule
    if isinstance(rule, Linear):
        return rule.describe(m.direction, scale)
    return rule.describe()


def _formulas(card: HealthScorecard, pts: Floats, present: NDArray[np.bool_], parts: _Parts
              ) -> list[str]:
    """The group and overall formulas of one account, as text."""
    plan = card._plan
    fill = card.missing.fill
    used = pts if fill == "renormalize" else np.where(present, pts, plan.fill)
    counts = present if fill == "renormalize" else np.ones_like(present)
    worst = card.aggregate == "worst"
    lines = []
    unit_terms = []
    missing_names = [mm.name for j, mm in enumerate(card.measures) if not present[j]]
    for g, unit in enumerate(plan.units):
        members = np.flatnonzero(plan.unit_of == g)
        gscore = parts.group_scores[0, g]
        if plan.unit_is_group[g]:
            if worst:
                terms = [_num(used[j]) for j in members if counts[j]]
                body = f"min({', '.join(terms)})" if terms else "no value"
            else:
                terms = [f"{_num(plan.within[j])} × {_num(used[j])}" for j in members
                         if counts[j]]
                wsum = sum(plan.within[j] for j in members if counts[j])
                body = (f"({' + '.join(terms)}) / {_num(wsum)}" if terms else "no value")
            rounded = " (rounded)" if card.decimals is not None else ""
            lines.append(f"{unit} = {body} = {_fmt(gscore)}{rounded}")
        if gscore == gscore:
            unit_terms.append((plan.top[g], gscore))
    if worst:
        body = f"min({', '.join(_fmt(s) for _, s in unit_terms)})"
    else:
        body = (f"({' + '.join(f'{_num(w)} × {_fmt(s)}' for w, s in unit_terms)}) / "
                f"{_num(sum(w for w, _ in unit_terms))}")
    score = parts.score[0]
    tail = ""
    if missing_names and fill == "renormalize":
        tail = (f" ({', '.join(missing_names)} missing: "
                f"{'left out' if worst else 'weight re-normalised away'})")
    elif missing_names:
        what = "the bottom of the scale" if fill == "zero" else "neutral points"
        tail = f" ({', '.join(missing_names)} missing: scored at {what})"
    if score != score:
        why = "no measure has a value" if not present.any() else "coverage below the minimum"
        lines.append(f"score = none: {why}{tail}")
    else:
        rounded = " (rounded)" if card.decimals is not None else ""
        lines.append(f"score = {body} = {_fmt(score)}{rounded}{tail}")
    return lines


# --- portfolio roll-ups ------------------------------------------------------------------------


def _band_index(bands: NDArray[Any], names: tuple[str, ...]) -> NDArray[np.int64]:
    """Position of each band name in ``names``; ``len(names)`` for no band."""
    out = np.full(bands.size, len(names), dtype=np.int64)
    for i, name in enumerate(names):
        out[bands == name] = i
    return out


def _segments(scores: TableResult, ids: NDArray[Any], by: Any, context: str
              ) -> tuple[str | None, NDArray[Any], NDArray[np.int64]]:
    """Name, labels and per-row codes of the segments ``by`` describes."""
    n = ids.size
    if by is None:
        return None, np.array(["(all)"], dtype=object), np.zeros(n, dtype=np.int64)
    if isinstance(by, str):
        name: str = by
        values = scores[by]
    elif isinstance(by, Mapping) or (hasattr(by, "index") and hasattr(by, "items")):
        name = "segment"
        mapping = by if isinstance(by, Mapping) else dict(by.items())
        cats, codes = factorize(ids)
        values = lookup(cats, mapping, context, "accounts")[codes]
    else:
        name = "segment"
        values = _as_array(by).reshape(-1) if not isinstance(by, list | tuple) else (
            np.asarray(by, dtype=object))
        if values.size != n:
            raise InvalidParameterError(f"{context}: by= has {values.size:,} labels for {n:,} "
                                        f"accounts.")
    Checker(n, context).check(is_missing(values), name, "must not be missing (None/NaN)")
    labels, codes = factorize(values)
    return name, np.asarray(labels, dtype=object), codes


def _rollup_money(scores: HealthScores, mrr: Any, context: str) -> Floats | None:
    ids = scores[scores.id_column]
    if mrr is None:
        return scores["mrr"] if "mrr" in scores.columns else None
    return _money(_aligned(mrr, ids, list(scores.column_names), scores.__getitem__, "mrr",
                           context), "mrr", context)


def health_rollup(scores: HealthScores, *, by: Any = None, mrr: Any = None,
                  band_points: Mapping[str, float] | None = None) -> TableResult:
    """Portfolio health per segment: mean and MRR-weighted score, band shares of accounts and MRR.

    Parameters
    ----------
    scores : HealthScores
        The result of :meth:`HealthScorecard.score`.
    by : str, mapping or array-like, optional
        Segments: a column of ``scores`` (one kept with ``keep=``), a mapping from account id
        to segment (dict or pandas Series), or labels aligned with the rows. Omitted: the
        whole portfolio, one row.
    mrr : str, mapping or array-like, optional
        MRR per account (as in :meth:`HealthScorecard.score`); default the ``mrr`` column of
        ``scores`` if it has one. Without MRR the MRR columns are left out.
    band_points : mapping of str to float, optional
        Points per band for a *quality score*: the mean of the scored accounts' band points
        (Totango's portfolio quality score uses good 100, average 60, poor 40). Every band
        needs points.

    Returns
    -------
    TableResult
        One row per segment: the segment (named after ``by``, or ``segment``), ``accounts``,
        ``scored``, ``mean_score``; with MRR ``mrr`` and ``mrr_weighted_score``; then
        ``share_<band>`` for each band and ``share_unscored`` (shares of all accounts, adding
        up to 1); with MRR ``mrr_share_<band>`` and ``mrr_share_unscored`` (shares of the
        segment's MRR); with ``band_points`` ``quality_score``.

    Warns
    -----
    UndefinedMetricWarning
        A segment has no scored account (its mean score is NaN) or no MRR (its MRR-weighted
        score and MRR shares are NaN).

    Notes
    -----
    ``mean_score = sum(score) / scored`` and ``mrr_weighted_score = sum(mrr * score) /
    sum(mrr)``, both over the segment's scored accounts; accounts without a score are
    counted in ``share_unscored``, never as 0.

    Examples
    --------
    >>> card = HealthScorecard(measures=[Measure(name="usage", rule=Linear(low=0, high=1))])
    >>> scores = card.score({"customer_id": ["a", "b", "c"], "usage": [0.9, 0.6, 0.2],
    ...                      "mrr": [100, 300, 600]}, mrr="mrr")
    >>> r = health_rollup(scores)
    >>> float(r["mean_score"][0]), float(r["mrr_weighted_score"][0])  # 170 / 3, 39000 / 1000
    (56.666666666666664, 39.0)
    >>> float(r["share_red"][0]), float(r["mrr_share_red"][0])
    (0.3333333333333333, 0.6)
    """
    context = "health_rollup"
    if not isinstance(scores, HealthScores):
        raise InvalidParameterError(f"{context}: expected HealthScores (from "
                                    f"HealthScorecard.score), got {type(scores).__name__}.")
    ids = scores[scores.id_column]
    name, labels, codes = _segments(scores, ids, by, context)
    k = labels.size
    money = _rollup_money(scores, mrr, context)
    score = scores["score"]
    has = ~np.isnan(score)
    band = _band_index(scores["band"], scores.band_names)
    accounts = np.bincount(codes, minlength=k)
    scored = np.bincount(codes, weights=has, minlength=k)
    cols: dict[str, Any] = {} if name is None else {name: labels}
    cols["accounts"] = accounts
    cols["scored"] = scored.astype(np.int64)
    total = np.bincount(codes, weights=np.where(has, score, 0.0), minlength=k)
    cols["mean_score"] = divide(total, scored, context=context, what="the number of scored "
                                "accounts")
    if money is not None:
        cols["mrr"] = np.bincount(codes, weights=money, minlength=k)
        scored_mrr = np.bincount(codes, weights=np.where(has, money, 0.0), minlength=k)
        cols["mrr_weighted_score"] = divide(
            np.bincount(codes, weights=np.where(has, money * np.where(has, score, 0.0), 0.0),
                        minlength=k), scored_mrr, context=context,
            what="the MRR of the scored accounts")
    names = [*scores.band_names, "unscored"]
    cell = codes * len(names) + band
    counts = np.bincount(cell, minlength=k * len(names)).reshape(k, len(names))
    for i, b in enumerate(names):
        cols[f"share_{b}"] = counts[:, i] / accounts
    if money is not None:
        in_cell = np.bincount(cell, weights=money, minlength=k * len(names)).reshape(
            k, len(names))
        seg_mrr = cols["mrr"]
        if bool((seg_mrr == 0).any()):
            warnings.warn(f"{context}: {int((seg_mrr == 0).sum())} of {k} segment(s) have no "
                          f"MRR; their MRR shares are NaN.", UndefinedMetricWarning,
                          stacklevel=2)
        for i, b in enumerate(names):
            share = np.full(k, np.nan)
            np.divide(in_cell[:, i], seg_mrr, out=share, where=seg_mrr != 0)
            cols[f"mrr_share_{b}"] = share
    if band_points is not None:
        pts = dict(band_points)
        if set(pts) != set(scores.band_names):
            raise InvalidParameterError(
                f"{context}: band_points needs points for exactly the bands "
                f"{list(scores.band_names)}, got {sorted(pts)}.")
        value = np.array([float(pts[b]) for b in scores.band_names])
        cols["quality_score"] = divide(counts[:, :-1] @ value, scored, context=context,
                                       what="the number of scored accounts")
    title = f"Health roll-up ({scores.scorecard.name})" + ("" if name is None else f" by {name}")
    return TableResult(cols, title=title, money=("mrr",) if money is not None else ())


# --- trend ---------------------------------------------------------------------------------------

Movement = Literal["up", "down", "same", "new", "gone", "unscored"]


class HealthTrend(TableResult):
    """Two scorings of a portfolio compared account by account.

    Columns: the id, ``score_before``, ``score_after``, ``change`` (after minus before),
    ``band_before``, ``band_after``, ``movement`` and, when either scoring carried MRR,
    ``mrr`` (the latest known). ``movement`` is ``"up"``, ``"down"`` or ``"same"`` (band
    order, for accounts scored both times), ``"new"`` (not in ``before``), ``"gone"`` (not in
    ``after``) or ``"unscored"`` (in both but without a score in one). Rows: the accounts of
    ``after`` in its order, then those only in ``before``.
    """

    id_column: str
    band_names: tuple[str, ...]
    scorecard: HealthScorecard

    def __repr__(self) -> str:
        moves = self["movement"]
        parts = ", ".join(f"{int((moves == m).sum()):,} {m}" for m in ("up", "down", "same"))
        return f"HealthTrend({len(self):,} accounts: {parts})"

    def transitions(self, *, weight: Literal["accounts", "mrr"] = "accounts") -> TableResult:
        """Band-to-band movements: rows are ``band_before``, columns ``band_after``.

        Parameters
        ----------
        weight : {"accounts", "mrr"}, default "accounts"
            Count accounts, or sum their MRR. Accounts absent from a scoring or without a
            score are in the ``no score`` row or column.

        Examples
        --------
        >>> card = HealthScorecard(measures=[Measure(name="u", rule=Linear(low=0, high=1))])
        >>> t = health_trend(card.score({"customer_id": ["a", "b"], "u": [0.9, 0.6]}),
        ...                  card.score({"customer_id": ["a", "b"], "u": [0.4, 0.6]}))
        >>> print(t.transitions())
        Band transitions (accounts)
        band_before  red  yellow  green  no score
        red            0       0      0         0
        yellow         0       1      0         0
        green          1       0      0         0
        no score       0       0      0         0
        """
        names = [*self.band_names, "no score"]
        w = len(names)
        before = _band_index(self["band_before"], self.band_names)
        after = _band_index(self["band_after"], self.band_names)
        if weight == "mrr":
            if "mrr" not in self.columns:
                raise InvalidParameterError("HealthTrend.transitions: weight='mrr' needs "
                                            "scores carrying MRR (score(..., mrr=...)).")
            values: Any = self["mrr"]
        elif weight == "accounts":
            values = None
        else:
            raise InvalidParameterError(f"HealthTrend.transitions: weight must be 'accounts' "
                                        f"or 'mrr', got {weight!r}.")
        grid = np.bincount(before * w + after, weights=values, minlength=w * w).reshape(w, w)
        cols: dict[str, Any] = {"band_before": np.array(names, dtype=object)}
        for i, b in enumerate(names):
            cols[b] = grid[:, i] if values is not None else grid[:, i].astype(np.int64)
        return TableResult(cols, title=f"Band transitions ({weight})",
                           money=tuple(names) if values is not None else ())


def health_trend(before: HealthScores, after: HealthScores) -> HealthTrend:
    """Compare two scorings of the same portfolio (last month and this month), per account.

    Parameters
    ----------
    before, after : HealthScores
        Scorings with the same colour bands (usually of one scorecard).

    Returns
    -------
    HealthTrend
        One row per account in either scoring: scores, ``change = score_after -
        score_before`` (NaN unless both are scored), bands and the movement between them.

    Examples
    --------
    >>> card = HealthScorecard(measures=[Measure(name="usage", rule=Linear(low=0, high=1))])
    >>> old = card.score({"customer_id": ["a", "b"], "usage": [0.9, 0.8]})
    >>> new = card.score({"customer_id": ["b", "c"], "usage": [0.4, 0.7]})
    >>> t = health_trend(old, new)
    >>> t["customer_id"].tolist(), t["movement"].tolist()
    (['b', 'c', 'a'], ['down', 'new', 'gone'])
    >>> float(t["change"][0])
    -40.0
    """
    context = "health_trend"
    for label, s in (("before", before), ("after", after)):
        if not isinstance(s, HealthScores):
            raise InvalidParameterError(f"{context}: {label} must be HealthScores (from "
                                        f"HealthScorecard.score), got {type(s).__name__}.")
    if [str(b) for b in before.scorecard.bands] != [str(b) for b in after.scorecard.bands]:
        raise InvalidParameterError(
            f"{context}: the two scorings use different colour bands "
            f"({', '.join(map(str, before.scorecard.bands))} vs "
            f"{', '.join(map(str, after.scorecard.bands))}); band movements would mean nothing.")
    ids_b, ids_a = before[before.id_column], after[after.id_column]
    na = ids_a.size
    both = np.concatenate([ids_a.astype(object), ids_b.astype(object)])
    cats, codes = factorize(both) if both.size else (both, np.zeros(0, dtype=np.int64))
    code_a, code_b = codes[:na], codes[na:]
    k = cats.size
    row = np.full(k, -1, dtype=np.int64)
    row[code_a] = np.arange(na)
    only_b = row[code_b] < 0
    row[code_b[only_b]] = na + np.arange(int(only_b.sum()))
    ids = np.empty(k, dtype=object)
    ids[row[code_a]] = ids_a
    ids[row[code_b]] = ids_b
    in_a = np.zeros(k, dtype=bool)
    in_a[row[code_a]] = True
    in_b = np.zeros(k, dtype=bool)
    in_b[row[code_b]] = True

    def spread(values: NDArray[Any], rows: NDArray[np.int64], fill: Any, dtype: Any
               ) -> NDArray[Any]:
        out = np.full(k, fill, dtype=dtype)
        out[rows] = values
        return out

    sb = spread(before["score"], row[code_b], np.nan, np.float64)
    sa = spread(after["score"], row[code_a], np.nan, np.float64)
    bb = spread(before["band"], row[code_b], None, object)
    ba = spread(after["band"], row[code_a], None, object)
    ib = _band_index(bb, before.band_names)
    ia = _band_index(ba, after.band_names)
    scored = ~np.isnan(sa) & ~np.isnan(sb)
    movement = np.full(k, "unscored", dtype=object)
    movement[scored & (ia > ib)] = "up"
    movement[scored & (ia < ib)] = "down"
    movement[scored & (ia == ib)] = "same"
    movement[~in_b] = "new"
    movement[~in_a] = "gone"
    cols: dict[str, Any] = {after.id_column: ids, "score_before": sb, "score_after": sa,
                            "change": sa - sb, "band_before": bb, "band_after": ba,
                            "movement": movement}
    if "mrr" in after.columns or "mrr" in before.columns:
        mrr = np.full(k, np.nan)
        if "mrr" in before.columns:
            mrr[row[code_b]] = before["mrr"]
        if "mrr" in after.columns:
            mrr[row[code_a]] = after["mrr"]
        cols["mrr"] = mrr
    out = HealthTrend(cols, title=f"Health trend ({after.scorecard.name})",
                      money=("mrr",) if "mrr" in cols else ())
    out._set(id_column=after.id_column, band_names=after.band_names,
             scorecard=after.scorecard)
    return out


# --- at risk ---------------------------------------------------------------------------------


class AtRiskAccounts(TableResult):
    """Accounts at risk, largest MRR first.

    Columns: the id, ``mrr``, ``score``, ``band``, for a trend ``score_before`` and
    ``change``, ``reason`` (``"band"``, ``"drop"`` or ``"band, drop"``) and
    ``cumulative_mrr``. Attributes ``mrr_at_risk`` (their total MRR) and ``share_of_mrr``
    (of the MRR of every account scored).
    """

    mrr_at_risk: float
    share_of_mrr: float

    def __repr__(self) -> str:
        return (f"AtRiskAccounts({len(self):,} accounts, MRR at risk {self.mrr_at_risk:,.2f}, "
                f"{_fmt(100 * self.share_of_mrr)}% of MRR)")


def at_risk(scores: HealthScores | HealthTrend, *, band: str | Sequence[str] | None = "red",
            min_drop: float | None = None, mrr: Any = None) -> AtRiskAccounts:
    """Accounts in a risk band or falling fast, listed by the MRR at risk.

    Parameters
    ----------
    scores : HealthScores or HealthTrend
        A scoring, or a trend (from :func:`health_trend`) to also catch falling scores.
    band : str, sequence of str or None, default "red"
        The band(s) that count as at risk (of the latest scoring). ``None``: none.
    min_drop : float, optional
        With a trend: also at risk, accounts whose score fell by at least this many points
        (``score_before - score_after >= min_drop``). Must be > 0.
    mrr : str, mapping or array-like, optional
        MRR per account; default the ``mrr`` column of ``scores``. Required one way or the
        other: the list is ordered by MRR.

    Returns
    -------
    AtRiskAccounts
        The accounts at risk, ordered by MRR (largest first), then score (lowest first).

    Raises
    ------
    InvalidParameterError
        An unknown band, ``min_drop`` without a trend or not > 0, neither criterion, or no
        MRR.

    Examples
    --------
    >>> card = HealthScorecard(measures=[Measure(name="usage", rule=Linear(low=0, high=1))])
    >>> scores = card.score({"customer_id": ["a", "b", "c"], "usage": [0.3, 0.9, 0.1]},
    ...                     mrr={"a": 500, "b": 900, "c": 200})
    >>> r = at_risk(scores)
    >>> r["customer_id"].tolist(), r.mrr_at_risk
    (['a', 'c'], 700.0)
    """
    context = "at_risk"
    if isinstance(scores, HealthTrend):
        score, bands = scores["score_after"], scores["band_after"]
        change: Floats | None = scores["change"]
        band_names = scores.band_names
    elif isinstance(scores, HealthScores):
        score, bands, change = scores["score"], scores["band"], None
        band_names = scores.band_names
    else:
        raise InvalidParameterError(f"{context}: expected HealthScores or HealthTrend, got "
                                    f"{type(scores).__name__}.")
    id_column = scores.id_column
    ids = scores[id_column]
    chosen: tuple[str, ...] = () if band is None else (band,) if isinstance(band, str) else (
        tuple(band))
    for b in chosen:
        if b not in band_names:
            raise InvalidParameterError(f"{context}: no band {b!r}; the bands are "
                                        f"{list(band_names)}.")
    if min_drop is not None:
        if change is None:
            raise InvalidParameterError(f"{context}: min_drop needs a HealthTrend (from "
                                        f"health_trend(before, after)), not a single scoring.")
        if not (isinstance(min_drop, int | float) and math.isfinite(min_drop) and min_drop > 0):
            raise InvalidParameterError(f"{context}: min_drop must be a number > 0, got "
                                        f"{min_drop!r}.")
    if not chosen and min_drop is None:
        raise InvalidParameterError(f"{context}: give band= or min_drop= (or both).")
    if mrr is None:
        if "mrr" not in scores.columns:
            raise InvalidParameterError(
                f"{context}: accounts are listed by MRR at risk, and there is no MRR: pass "
                f"mrr= (a mapping from account id, an array or a column), or score with "
                f"HealthScorecard.score(..., mrr=...).")
        money = np.nan_to_num(scores["mrr"], nan=0.0)
    else:
        money = _money(_aligned(mrr, ids, list(scores.column_names), scores.__getitem__, "mrr",
                                context), "mrr", context)
    in_band = np.isin(bands.astype(object), np.array(chosen, dtype=object)) if chosen else (
        np.zeros(ids.size, dtype=bool))
    dropped = np.zeros(ids.size, dtype=bool)
    if min_drop is not None and change is not None:
        dropped = -np.nan_to_num(change, nan=0.0) >= min_drop - 1e-9
    risky = np.flatnonzero(in_band | dropped)
    order = risky[np.lexsort((np.nan_to_num(score[risky], nan=np.inf), -money[risky]))]
    reason = np.where(in_band[order] & dropped[order], "band, drop",
                      np.where(in_band[order], "band", "drop")).astype(object)
    cols: dict[str, Any] = {id_column: ids[order], "mrr": money[order], "score": score[order],
                            "band": bands[order]}
    if change is not None:
        cols["score_before"] = scores["score_before"][order]
        cols["change"] = change[order]
    cols["reason"] = reason
    cols["cumulative_mrr"] = np.cumsum(money[order])
    total = float(money.sum())
    at = float(money[order].sum())
    if total == 0:
        warnings.warn(f"{context}: the accounts have no MRR; share_of_mrr is NaN.",
                      UndefinedMetricWarning, stacklevel=2)
    out = AtRiskAccounts(cols, title=f"Accounts at risk ({len(order):,})",
                         money=("mrr", "cumulative_mrr"))
    out._set(mrr_at_risk=at, share_of_mrr=at / total if total else math.nan)
    return out
