"""Portfolio health by segment: ``health_rollup`` and its result, ``HealthRollup``.

The mean and MRR-weighted score, and the share of accounts and of MRR in each colour band,
for the whole portfolio or per segment. ``by=`` has its one meaning (``_core.segments``):
None is the portfolio, a column of the scores (the id column too) one row per value, and a
mapping from account id to segment one row per segment, unmapped accounts in ``"(none)"``.
Re-exported by ``csmetrics.health``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.checks import Checker
from csmetrics._core.convert import factorize, to_codes
from csmetrics._core.options import Satisfies, validate_params
from csmetrics._core.partials import Partials
from csmetrics._core.ratios import divide
from csmetrics._core.segments import Segments, from_labels, is_mapping, resolve, segment_columns
from csmetrics._core.warnings import warn_deprecated
from csmetrics.exceptions import ColumnNotFoundError, InvalidParameterError
from csmetrics.health.compute import _aligned, _money
from csmetrics.health.rules import Floats
from csmetrics.health.scores import HealthScores, _band_index
from csmetrics.results import MetricResult

if TYPE_CHECKING:
    from csmetrics.health.scorecard import HealthScorecard

I64 = NDArray[np.int64]


class HealthRollup(MetricResult):
    """Health of a portfolio, or of each of its segments.

    Value column ``mean_score``; the other columns are its parts and the band shares (see
    ``health_rollup``). With one row, ``float(rollup)`` is the mean score;
    ``rollup.row(label)`` picks a segment.

    Attributes
    ----------
    band_names : tuple of str
        The scorecard's colour bands, lowest first.
    scorecard : HealthScorecard
        The scorecard that produced the scores.
    """

    band_names: tuple[str, ...]
    scorecard: HealthScorecard

    def plot(self, *, ax: Any = None) -> Any:
        """Bar chart of the share of accounts (and of MRR) in each band.

        Needs ``pip install 'csmetrics[plot]'``; draws on ``ax`` (or on a new figure's axes)
        and returns the matplotlib ``Axes``. A result split by segment plots one segment:
        ``rollup.row("EU").plot()``.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from csmetrics.health import HealthScorecard, Linear, Measure
        >>> card = HealthScorecard(measures=[Measure(name="x", rule=Linear(low=0, high=1))])
        >>> scores = card.score({"customer_id": [1, 2], "x": [0.2, 0.9]})
        >>> health_rollup(scores).plot().get_ylabel()
        'share'
        """
        from csmetrics.plotting import plot_health_bands

        return plot_health_bands(self, ax=ax)


def _band_points_ok(value: Any) -> bool:
    return value is None or (isinstance(value, Mapping) and all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)
        for v in value.values()))


_BAND_POINTS = Satisfies(_band_points_ok, "a mapping from band name to points (finite "
                         "numbers), or None")


@validate_params({"band_points": _BAND_POINTS})
def health_rollup(scores: HealthScores, *, by: Any = None, mrr: Any = None,
                  band_points: Mapping[str, float] | None = None) -> HealthRollup:
    """Portfolio health (0-100 points): mean and MRR-weighted score, band shares of accounts
    and of MRR, for the portfolio or per segment.

    Parameters
    ----------
    scores : HealthScores
        The result of ``HealthScorecard.score``.
    by : str or mapping, optional
        ``None`` (default): the whole portfolio, one row. A column of ``scores``: one row per
        value; the id column (``"customer_id"``) gives one row per account, and any column
        carried with ``score(..., keep=[...])`` (a segment, an owner) or the ``band`` column
        splits by it; accounts without a value are in ``"(none)"``. A mapping from account
        id to segment (a dict, or a pandas Series indexed by id): one row per segment,
        accounts the mapping lacks (or maps to None/NaN) in ``"(none)"``.
    mrr : str, mapping or array-like, optional
        MRR per account (as in ``HealthScorecard.score``); default the ``mrr`` column of
        ``scores`` if it has one. Without MRR the MRR columns are left out.
    band_points : mapping of str to float, optional
        Points per band for a *quality score*: the mean of the scored accounts' band points
        (Totango's portfolio quality score uses good 100, average 60, poor 40). Every band
        needs points.

    Returns
    -------
    HealthRollup
        Value column ``mean_score``. One row, or one per segment with the segment column
        first (named after ``by``; ``"segment"`` for a mapping); then ``accounts``,
        ``scored``, ``mean_score``; with MRR ``mrr`` and ``mrr_weighted_score``; then
        ``share_<band>`` for each band and ``share_unscored`` (shares of all accounts,
        adding up to 1); with MRR ``mrr_share_<band>`` and ``mrr_share_unscored`` (shares
        of the segment's MRR); with ``band_points`` ``quality_score``.

    Raises
    ------
    ColumnNotFoundError
        ``by`` names no column of ``scores`` (the message lists those there are).
    InvalidParameterError
        ``scores`` is not a ``HealthScores``; ``band_points`` does not give points to
        exactly the scorecard's bands; ``mrr`` misses accounts.
    DataValidationError
        Missing, negative or infinite MRR.

    Warns
    -----
    UndefinedMetricWarning
        A segment has no scored account (its mean score is NaN) or no MRR (its MRR-weighted
        score and MRR shares are NaN).
    DeprecationWarning
        ``by`` given as labels aligned with the rows (a list or an array); keep the column
        with ``score(..., keep=[...])`` and name it, or pass a mapping from account id.

    Notes
    -----
    Over the scored accounts of a segment, ``mean_score = sum(score) / scored`` and
    ``mrr_weighted_score = sum(mrr * score) / sum(mrr)``; ``share_<band>`` is the accounts
    in the band over all the segment's accounts, ``mrr_share_<band>`` their MRR over the
    segment's MRR, and ``quality_score = sum(points of the band) / scored``. Accounts
    without a score are counted in ``share_unscored``, never as 0. A ratio with a zero
    denominator is NaN, never 0.

    References
    ----------
    Totango, "Adjust the My Portfolio widget" (the quality score: good 100, average 60,
    poor 40 points, accounts of unknown health left out) and "Enterprise Health for Account
    Hierarchies" (health as a share of sub-accounts and of contract value).

    Examples
    --------
    >>> from csmetrics.health import HealthScorecard, Linear, Measure
    >>> card = HealthScorecard(measures=[Measure(name="usage", rule=Linear(low=0, high=1))])
    >>> scores = card.score({"customer_id": ["a", "b", "c"], "usage": [0.9, 0.6, 0.2],
    ...                      "mrr": [100, 300, 600]}, mrr="mrr")
    >>> r = health_rollup(scores)
    >>> float(r), float(r["mrr_weighted_score"][0])      # 170 / 3, 39000 / 1000
    (56.666666666666664, 39.0)
    >>> float(r["share_red"][0]), float(r["mrr_share_red"][0])
    (0.3333333333333333, 0.6)
    >>> print(health_rollup(scores, by={"a": "EU", "b": "EU"}).select("segment", "accounts",
    ...                                                               "mean_score"))
    Health roll-up (health) by segment
    segment  accounts  mean_score
    EU              2          75
    (none)          1          20
    """
    table, plan = _rollup_prepare(scores, by=by, mrr=mrr, band_points=band_points)
    return _rollup_finalize(_rollup_partial(table, plan), plan)


@dataclass(frozen=True)
class _Accounts:
    """The scored accounts as rows a partition splits: each row's account code, segment
    (in the plan's labels), score, band and MRR."""

    customer_codes: I64
    segment: I64
    score: Floats
    band: I64
    money: Floats | None

    def take(self, rows: NDArray[Any]) -> _Accounts:
        """The rows at ``rows``."""
        idx = np.asarray(rows)
        return _Accounts(self.customer_codes[idx], self.segment[idx], self.score[idx],
                         self.band[idx], None if self.money is None else self.money[idx])


@dataclass(frozen=True)
class _RollupPlan:
    name: str | None
    labels: NDArray[Any]
    segment_of_account: I64     # per account code
    band_names: tuple[str, ...]
    band_points: Floats | None
    scorecard: Any
    with_money: bool


def _rollup_prepare(scores: HealthScores, *, by: Any = None, mrr: Any = None,
                    band_points: Mapping[str, float] | None = None
                    ) -> tuple[_Accounts, _RollupPlan]:
    context = "health_rollup"
    if not isinstance(scores, HealthScores):
        raise InvalidParameterError(f"{context}: expected HealthScores (from "
                                    f"HealthScorecard.score), got {type(scores).__name__}.")
    segments = _segments(scores, by, context)
    money = _rollup_money(scores, mrr, context)
    _, codes = factorize(np.asarray(scores[scores.id_column]))
    codes = np.asarray(codes, dtype=np.int64)
    of_account = np.zeros(int(codes.max(initial=-1)) + 1, dtype=np.int64)
    of_account[codes] = segments.of_row   # duplicated ids: the last row's segment
    points = None
    if band_points is not None:
        pts = dict(band_points)
        if set(pts) != set(scores.band_names):
            raise InvalidParameterError(
                f"{context}: band_points needs points for exactly the bands "
                f"{list(scores.band_names)}, got {sorted(pts)}.")
        points = np.array([float(pts[b]) for b in scores.band_names])
    table = _Accounts(codes, np.asarray(segments.of_row, dtype=np.int64),
                      np.asarray(scores["score"], dtype=np.float64),
                      _band_index(scores["band"], scores.band_names), money)
    return table, _RollupPlan(segments.name, segments.labels, of_account, scores.band_names,
                              points, scores.scorecard, money is not None)


def _rollup_partial(part: _Accounts, plan: _RollupPlan) -> Partials:
    """Accounts, scored accounts and accounts per band, per segment (int64); the scores and
    MRR summed per account code (float64: every account is in one part, so the parts fill
    disjoint entries and the whole's sums are taken in one order, bit for bit)."""
    k = plan.labels.size
    n_acc = plan.segment_of_account.size
    has = ~np.isnan(part.score)
    names = len(plan.band_names) + 1
    cell = part.segment * names + part.band
    arrays: dict[str, NDArray[Any]] = {
        "accounts": np.bincount(part.segment, minlength=k).astype(np.int64),
        "scored": np.bincount(part.segment[has], minlength=k).astype(np.int64),
        "bands": np.bincount(cell, minlength=k * names).astype(np.int64).reshape(k, names),
        "score": np.bincount(part.customer_codes, weights=np.where(has, part.score, 0.0),
                             minlength=n_acc)}
    if part.money is not None:
        money = part.money
        arrays["mrr"] = np.bincount(part.customer_codes, weights=money, minlength=n_acc)
        arrays["scored_mrr"] = np.bincount(part.customer_codes,
                                           weights=np.where(has, money, 0.0), minlength=n_acc)
        arrays["weighted"] = np.bincount(
            part.customer_codes, weights=np.where(has, money * np.where(has, part.score, 0.0),
                                                  0.0), minlength=n_acc)
        arrays["band_mrr"] = np.bincount(part.customer_codes * names + part.band,
                                         weights=money, minlength=n_acc * names).reshape(
                                             n_acc, names)
    return Partials("health_rollup", arrays)


def _rollup_finalize(parts: Partials, plan: _RollupPlan) -> HealthRollup:
    context = "health_rollup"
    name, labels, k = plan.name, plan.labels, plan.labels.size
    seg = plan.segment_of_account
    accounts, scored = parts["accounts"], parts["scored"]
    cols = segment_columns(name, labels, context)
    cols["accounts"] = accounts.astype(np.int64)
    cols["scored"] = scored.astype(np.int64)
    total = np.bincount(seg, weights=parts["score"], minlength=k)
    cols["mean_score"] = divide(total, scored.astype(np.float64), context=context,
                                what="the number of scored accounts")
    if plan.with_money:
        cols["mrr"] = np.bincount(seg, weights=parts["mrr"], minlength=k)
        scored_mrr = np.bincount(seg, weights=parts["scored_mrr"], minlength=k)
        weighted = np.bincount(seg, weights=parts["weighted"], minlength=k)
        cols["mrr_weighted_score"] = divide(weighted, scored_mrr, context=context,
                                            what="the MRR of the scored accounts")
    names = [*plan.band_names, "unscored"]
    counts = parts["bands"]
    shares = divide(counts, accounts[:, None], context=context, what="the number of accounts")
    for i, b in enumerate(names):
        cols[f"share_{b}"] = shares[:, i]
    if plan.with_money:
        band_mrr = parts["band_mrr"]
        in_cell = np.stack([np.bincount(seg, weights=band_mrr[:, i], minlength=k)
                            for i in range(len(names))], axis=1).reshape(k, len(names))
        mrr_shares = divide(in_cell, cols["mrr"][:, None], context=context,
                            what="the segment's MRR")
        for i, b in enumerate(names):
            cols[f"mrr_share_{b}"] = mrr_shares[:, i]
    if plan.band_points is not None:
        cols["quality_score"] = divide(counts[:, :-1] @ plan.band_points,
                                       scored.astype(np.float64), context=context,
                                       what="the number of scored accounts")
    title = (f"Health roll-up ({plan.scorecard.name})"
             + ("" if name is None else f" by {name}"))
    out = HealthRollup(cols, value="mean_score", title=title,
                       money=("mrr",) if plan.with_money else (), segment=name)
    out._set(band_names=plan.band_names, scorecard=plan.scorecard)
    return out


class _ScoresSource:
    """A scoring seen as the table ``_core.segments.resolve`` reads: its accounts and the
    columns ``by=`` may name."""

    def __init__(self, scores: HealthScores) -> None:
        self._scores = scores
        ids, codes = factorize(np.asarray(scores[scores.id_column]))
        self._ids: NDArray[Any] = np.asarray(ids, dtype=object)
        self._codes: I64 = codes

    @property
    def customer_codes(self) -> I64:
        return self._codes

    @property
    def customer_ids(self) -> NDArray[Any]:
        return self._ids

    def segment_column(self, name: str, context: str = "by") -> tuple[I64, NDArray[Any]]:
        scores = self._scores
        if name not in scores.columns:
            raise ColumnNotFoundError(
                name, list(scores.column_names),
                context=f"{context} (by={name!r}; carry other columns into the scores with "
                        "HealthScorecard.score(..., keep=[...]))")
        codes, categories = to_codes(np.asarray(scores[name]), name,
                                     Checker(len(scores), context), required=False,
                                     labels=False)
        categories = np.asarray(categories, dtype=object)
        if name == "band":  # bands in the scorecard's order, not alphabetical
            rank = {b: i for i, b in enumerate(scores.band_names)}
            order = np.argsort([rank.get(c, len(rank)) for c in categories.tolist()],
                               kind="stable")
            new_code = np.empty(order.size, dtype=np.int64)
            new_code[order] = np.arange(order.size)
            codes = np.where(codes >= 0, new_code[np.maximum(codes, 0)], codes)
            categories = categories[order]
        return codes, categories


def _segments(scores: HealthScores, by: Any, context: str) -> Segments:
    """The segment of every account for ``by`` (see ``health_rollup``)."""
    if by is None or isinstance(by, str) or is_mapping(by):
        return resolve(by, _ScoresSource(scores), context, id_column=scores.id_column)
    if isinstance(by, list | tuple | np.ndarray) or hasattr(by, "to_numpy"):
        warn_deprecated(f"{context}: by= as labels aligned with the rows is deprecated and "
                        "will be removed in 0.3; carry the column into the scores with "
                        "HealthScorecard.score(..., keep=[...]) and name it, or pass a "
                        "mapping from account id to segment.")
        return from_labels(by, len(scores), context)
    raise InvalidParameterError(
        f"{context}: by must be None, a column of the scores or a mapping from account id to "
        f"segment, got {type(by).__name__}.")


def _rollup_money(scores: HealthScores, mrr: Any, context: str) -> Floats | None:
    ids = scores[scores.id_column]
    if mrr is None:
        return scores["mrr"] if "mrr" in scores.columns else None
    return _money(_aligned(mrr, ids, list(scores.column_names), scores.__getitem__, "mrr",
                           context), "mrr", context)
