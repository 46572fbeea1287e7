"""Health scorecards: weighted, banded, explainable account health, for a whole portfolio at once.

Definitions
-----------
**Measures and points.** A ``Measure`` reads one per-account column (utilization, open
tickets, NPS, ...) and turns each value into *points* on the scorecard's scale (0-100 by
default) with one rule: ``Linear`` (a straight line between two values, clamped),
``Steps`` (thresholds) or ``NamedBands`` (named intervals, or text labels, each
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
``MissingPolicy``: ``"renormalize"`` leaves it out and re-normalises the remaining
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

**Roll-ups.** ``health_rollup`` gives, per segment, the mean and the MRR-weighted score
and the share of accounts and of MRR in each band; ``health_trend`` compares two scorings
account by account; ``at_risk`` lists accounts in a band (or falling fast) by MRR.

The formulas, edge cases and vendor correspondences are in ``docs/health.md``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeVar

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, PrivateAttr, field_validator, model_validator

from csmetrics._core.checks import Checker
from csmetrics._core.columns import column_getter
from csmetrics._core.formatting import format_bound
from csmetrics._core.models import OptionModel
from csmetrics.exceptions import ColumnNotFoundError, InvalidParameterError

# The scorecard's parts live in modules layered without cycles (the later ones refer to
# HealthScorecard and Measure for type checking only): bands and rules (rules), the scoring
# arithmetic (compute), results (scores), then roll-ups (rollup), trends (trend) and at-risk
# lists (risk). Their public names are re-exported by csmetrics.health, the one public home
# of the health API.
from csmetrics.health.compute import (
    _CONTEXT,
    _aligned,
    _column,
    _evaluate,
    _money,
    _Plan,
    _points,
    _read_ids,
    _warn_unscored,
)
from csmetrics.health.rules import (
    _CONFIG,
    Band,
    Direction,
    NamedBands,
    Rule,
    Steps,
    _as_bands,
    _Intervals,
    _sorted_bands,
)
from csmetrics.health.scores import HealthScores

# A score within this share of the scale's width of a band edge is on the edge.
_EDGE_TOLERANCE = 1e-9


class Measure(OptionModel):
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
        which end of a ``Linear`` rule scores the top of the scale, and the points of a
        ``Steps`` or numeric ``NamedBands`` rule are checked to agree with it. Text
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
    >>> from csmetrics.health import Linear
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


class MissingPolicy(OptionModel):
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


_Card = TypeVar("_Card", bound="HealthScorecard")


class HealthScorecard(OptionModel):
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
        What missing measures do (see ``MissingPolicy``).
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
    >>> from csmetrics.health import Linear
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
                                 f"outside the scale [{format_bound(lo)}, {format_bound(hi)}].")
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
            ``at_risk``: a column of ``measures``, a mapping from account id to MRR (a
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
        >>> from csmetrics.health import Linear, NamedBands
        >>> card = HealthScorecard(measures=[
        ...     Measure(name="seats_used", rule=Linear(low=0.2, high=0.8)),
        ...     Measure(name="csm", rule=NamedBands(points={"green": 100, "red": 0}))])
        >>> scores = card.score({"customer_id": [1, 2], "seats_used": [0.8, 0.5],
        ...                      "csm": ["green", "red"], "mrr": [900, 100]}, mrr="mrr")
        >>> scores["score"].tolist(), scores["band"].tolist()  # (100 + 100)/2, (50 + 0)/2
        ([100.0, 25.0], ['green', 'red'])
        """
        return _score(self, measures, id_column=id_column, mrr=mrr, keep=keep)


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
