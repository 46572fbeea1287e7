"""Cohort tables: logo and revenue retention of acquisition cohorts, by age."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.options import OneOf, validate_params
from csmetrics._core.partials import Job, Partials, staged
from csmetrics._core.segments import resolve, segment_columns
from csmetrics._core.warnings import warn_undefined
from csmetrics._kernels import cohorts as kc
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.calendar import (
    FREQ,
    Frequency,
    PeriodLike,
    parse_frequency,
    period_ends_before,
    period_range,
)
from csmetrics.results import TableResult
from csmetrics.revenue.segments import By, Segmentation, currency_digits
from csmetrics.tables.coerce import as_table
from csmetrics.tables.subscriptions import SubscriptionTable
from csmetrics.value.changes import change_points, last_data_day, period_labels
from csmetrics.value.plan import PlanSegments, plan_segments, subscription_segments

__all__ = ["CohortKind", "CohortTable", "cohort_table"]

_DAY = np.timedelta64(1, "D")

CohortKind = Literal["logo", "revenue"]
_KIND = OneOf("logo", "revenue")


class CohortTable(TableResult):
    """A cohort table: one row per cohort (and segment), one column per age.

    Columns: ``cohort``, the segment column when split ``by``, ``customers`` (cohort size),
    ``starting_mrr`` (revenue tables), then one column per age ``"0"``, ``"1"``, ... holding
    the share (NaN where censored). A grid has no single value: ``float(table)`` and
    ``table.value`` raise ``InvalidParameterError``; read the columns or ``values``.

    Attributes
    ----------
    kind : {"logo", "revenue"}
    freq : Frequency
    cohorts : tuple of str
        Cohort label of each row.
    ages : tuple of int
        Age of each value column, in periods of ``freq``.
    values : ndarray of float64, shape (rows, ages)
        The shares, NaN where censored or where the cohort is empty: ready for a heat map.
    active : ndarray of float64, shape (rows, ages)
        Customers of the cohort with MRR > 0 at each age (NaN where censored).
    mrr : ndarray of float64 or None
        The cohort's MRR at each age, in the table's currency (revenue tables only).
    sizes : ndarray of int64
        Customers in each cohort.
    """

    kind: str
    freq: Frequency
    cohorts: tuple[str, ...]
    ages: tuple[int, ...]
    values: NDArray[np.float64]
    active: NDArray[np.float64]
    mrr: NDArray[np.float64] | None
    sizes: NDArray[np.int64]
    currency: str

    def __init__(self, columns: Mapping[str, Any], *, kind: str, freq: Frequency,
                 values: NDArray[np.float64], active: NDArray[np.float64],
                 mrr: NDArray[np.float64] | None, currency: str, digits: Any = 2) -> None:
        unit = freq.name.split("-")[0]
        title = f"{kind.capitalize()} cohorts by {unit} (share of age 0)"
        money = ("starting_mrr",) if kind == "revenue" else ()
        super().__init__(columns, title=title, money=money, digits=digits)
        for a in (values, active, *(() if mrr is None else (mrr,))):
            a.flags.writeable = False
        n_ages = values.shape[1] if values.shape[0] else 0
        self._set(kind=kind, freq=freq, cohorts=tuple(str(c) for c in columns["cohort"]),
                  ages=tuple(range(n_ages)), values=values, active=active, mrr=mrr,
                  sizes=np.asarray(columns["customers"], dtype=np.int64), currency=currency)

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """A heat map of the shares (needs the ``plot`` extra); returns the matplotlib Axes."""
        from csmetrics.plotting import plot_cohort_table

        return plot_cohort_table(self, ax=ax, **kwargs)

    def __repr__(self) -> str:
        n = len(self)
        span = f", {self.cohorts[0]} to {self.cohorts[-1]}" if n else ""
        return (f"CohortTable({self.kind}, {n} row{'s' * (n != 1)} x {len(self.ages)} "
                f"ages{span})")

    @property
    def index_columns(self) -> tuple[str, ...]:
        """``to_pandas()`` indexes a cohort table by its segment column (when split), then
        ``cohort`` as a ``pandas.PeriodIndex``: ``frame.loc["2024-03"]`` is March's cohort."""
        names = self.column_names
        return (*names[1:names.index("customers")], "cohort")


@staged(CohortTable)
@validate_params({"freq": FREQ, "kind": _KIND})
def cohort_table(
    subscriptions: Any,
    start: PeriodLike | None = None,
    end: PeriodLike | None = None,
    *,
    freq: str | Frequency = "month",
    kind: CohortKind = "logo",
    by: By = None,
) -> Job[CohortTable]:
    """Share of each acquisition cohort still paying (logo) or of its starting MRR (revenue),
    by age in periods of ``freq``.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans.
    start, end : period or date, optional
        First and last cohort shown; ``end`` is also the last period observed, so every
        later cell is censored (NaN). A date stands for the period containing it. Defaults:
        the first cohort in the data, and the period holding the latest date in the table
        (the latest start or end). With open-ended spans the data do not say when they were
        exported, so pass ``end`` to state it.
    freq : {"month", "quarter", "year"} or a fiscal "quarter-<mon>" / "year-<mon>"
        Period of cohorts and ages; each age is read at the period's last day.
    kind : {"logo", "revenue"}, default "logo"
        Customers still paying over cohort size, or cohort MRR over its MRR at age 0.
    by : str or mapping, optional
        ``None``: one table for the portfolio. A column (``"plan"``, ``"currency"``,
        ``"interval"``, any input column; the unit is then the customer within the segment,
        so a plan change starts a new cohort of the new plan) or a mapping from customer id
        to segment (ids it lacks in ``"(none)"``): one block of cohort rows per segment.

    Returns
    -------
    CohortTable
        One row per cohort (segment-major when split) and one column per age. A grid has
        no single value: read its columns, or ``values`` for a heat map.

    Raises
    ------
    InvalidParameterError
        An unknown ``kind`` or ``freq``, ``start`` after ``end``, or an empty table without a
        window.
    ColumnNotFoundError
        ``by`` names no column of the input (the message lists those there are).
    CurrencyMismatchError
        A revenue table would sum MRR in several currencies (split with ``by="currency"``).

    Warns
    -----
    UndefinedMetricWarning
        Some cohorts in the window have no customers (their shares are NaN).

    Notes
    -----
    A customer's cohort is the period of their first positive-MRR snapshot, looking back to
    the start of the data, so customers who first paid before ``start`` are in no row, even
    if they return inside the window. Age ``k`` of cohort ``c`` is the snapshot of period
    ``c + k``. Logo cell: cohort customers with MRR > 0 at that snapshot over the cohort
    size; revenue cell: the cohort's MRR at that snapshot over its MRR at age 0 (expansion,
    contraction and reactivation included). Cells are computed from MRR change events:
    each change adds to its cohort's cell at its age and a running sum along ages gives the
    levels, so the cost follows the number of changes, not customers x periods.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [
    ...     Subscription(customer_id="a", start="2024-01-05", end="2024-03-10", amount=10),
    ...     Subscription(customer_id="b", start="2024-01-20", amount=30),
    ...     Subscription(customer_id="c", start="2024-02-01", end="2024-03-05", amount=10),
    ...     Subscription(customer_id="c", start="2024-04-15", amount=10),
    ...     Subscription(customer_id="d", start="2024-03-20", amount=20),
    ...     Subscription(customer_id="e", start="2024-04-02", amount=20),
    ... ]
    >>> print(cohort_table(subs, end="2024-04"))  # c left in March and came back in April
    Logo cohorts by month (share of age 0)
    cohort   customers  0    1    2    3
    2024-01          2  1    1  0.5  0.5
    2024-02          1  1    0    1  NaN
    2024-03          1  1    1  NaN  NaN
    2024-04          1  1  NaN  NaN  NaN
    >>> cohort_table(subs, end="2024-04", kind="revenue").values[0].tolist()  # a: $10, b: $30
    [1.0, 1.0, 0.75, 0.75]
    """
    table, plan = _prepare(subscriptions, start, end, freq=freq, kind=kind, by=by)
    return Job(table, plan, _partial, _finalize)


@dataclass(frozen=True)
class _Plan:
    """What the parts of a cohort table agree on (see ``csmetrics._core.partials``).

    ``snaps`` are the period ends from the whole input's first start to ``end``; the cells
    of a part are rows ``first_row ..`` of that grid (every snapshot when ``start`` is not
    given: the first cohort is then the first one with customers in any part).
    """

    kind: str
    freq: Frequency
    segments: PlanSegments
    snaps: NDArray[np.int64]
    labels: NDArray[Any]
    first_row: int | None
    digits: NDArray[np.int64]
    currency: str

    @property
    def base(self) -> int:
        return 0 if self.first_row is None else self.first_row

    @property
    def shape(self) -> tuple[int, int, int]:
        """(segments, cohort rows, ages) of a part's cells."""
        n_rows = self.snaps.size - self.base
        return self.segments.n, n_rows, max(n_rows, 1)


def _prepare(subscriptions: Any, start: PeriodLike | None = None,
             end: PeriodLike | None = None, *, freq: str | Frequency = "month",
             kind: CohortKind = "logo", by: By = None) -> tuple[SubscriptionTable, _Plan]:
    """The table and the plan: the snapshot grid, the segments and their currencies."""
    ctx = "cohort_table"
    table = as_table(subscriptions, ctx, by=by)
    f = parse_frequency(freq)
    segs = resolve(by, table, ctx)
    if len(table) == 0 and (start is None or end is None):
        raise InvalidParameterError(
            f"{ctx}: the table is empty, so the window cannot be inferred; pass start and end.")

    # Periods are read in ``freq`` (fiscal names need it): a window's end is the last period
    # of ``freq`` the value covers ("2024-Q1" with months is March), its start the first.
    end_value: PeriodLike = end if end is not None else last_data_day(table)
    end_period = period_range(end_value, end_value, f)[-1]
    last_day = np.datetime64(end_period.end, "D")
    first_day = table.start.min() if len(table) else last_day
    if start is not None:
        start_period = period_range(start, start, f)[0]
        if start_period > end_period:
            raise InvalidParameterError(f"{ctx}: start {start!r} is after end {end!r}.")
        first_day = min(first_day, np.datetime64(start_period.start, "D"))
    snaps = period_ends_before(first_day, last_day + _DAY, f)
    currency = ""
    digits = np.full(segs.n, 2, dtype=np.int64)
    if kind == "revenue":
        # currency_digits reads the segment of each row: entities that are the rows.
        rows = Segmentation(segs.name, segs.labels, segs.of_row, np.arange(segs.n), segs.of_row,
                            ctx)
        digits, names = currency_digits(table, rows, table.start <= last_day, ctx)
        currency = ", ".join(sorted({c for c in names if c}))
    first_row = None
    if start is not None:
        first_row = int(np.searchsorted(snaps, np.datetime64(start_period.end, "D")))
    plan = _Plan(str(kind), f, plan_segments(segs, table, by, ctx), snaps.astype(np.int64),
                 period_labels(snaps, f), first_row, digits, currency)
    return table, plan


def _partial(part: SubscriptionTable, plan: _Plan) -> Partials:
    """The cohort cells of a part: its active customers and MRR (minor units) per (segment,
    cohort, age), shaped ``plan.shape``."""
    seg = subscription_segments(part, plan.segments)
    points = change_points(part, seg, plan.snaps, plan.segments.by)
    cohort = kc.first_snapshot(points, seg.n_entities)
    n_seg, n_rows, n_ages = plan.shape
    row = np.where(cohort >= plan.base,
                   seg.segment_of_entity * n_rows + cohort - plan.base, -1)
    levels = kc.cohort_levels(points, cohort, row, n_seg * n_rows, n_ages)
    return Partials("cohort_table", {"active": levels.active.reshape(plan.shape),
                                     "mrr": levels.mrr.reshape(plan.shape)})


def _finalize(partials: Partials, plan: _Plan) -> CohortTable:
    """The shares of the combined cells, censoring and the empty-cohort warning."""
    ctx = "cohort_table"
    seg = plan.segments
    last = plan.snaps.size - 1
    active_cells, mrr_cells = partials["active"], partials["mrr"]
    if plan.first_row is not None:
        first_row = plan.first_row
    else:  # the first cohort with customers, in any segment (the data's first cohort)
        present = np.flatnonzero(active_cells[:, :, 0].sum(axis=0) > 0)
        first_row = int(present[0]) if present.size else last + 1
    n_cohorts = max(last - first_row + 1, 0)
    n_ages = max(n_cohorts, 1)
    n_seg = seg.n
    cut = slice(first_row - plan.base, first_row - plan.base + n_cohorts)

    level_active = active_cells[:, cut, :n_ages].reshape(n_seg * n_cohorts, n_ages)
    level_mrr = mrr_cells[:, cut, :n_ages].reshape(n_seg * n_cohorts, n_ages)
    kind, f, digits, labels = plan.kind, plan.freq, plan.digits, plan.labels

    age = np.arange(n_ages)
    cohort_idx = np.tile(np.arange(n_cohorts), n_seg)
    censored = age[None, :] > (n_cohorts - 1 - cohort_idx)[:, None]
    active = np.where(censored, np.nan, level_active.astype(np.float64))
    sizes = level_active[:, 0].astype(np.int64)
    empty = sizes == 0
    if empty.any():
        warn_undefined(f"{ctx}: {int(empty.sum())} of {empty.size} cohorts have no customers; "
                       "their shares are NaN.")
    mrr: NDArray[np.float64] | None = None
    if kind == "logo":
        base = np.where(empty, np.nan, sizes.astype(np.float64))
        values = active / base[:, None]
    else:
        scale = (10.0 ** digits)[np.repeat(np.arange(n_seg), n_cohorts)]
        mrr = np.where(censored, np.nan, level_mrr / scale[:, None])
        # Every member pays at age 0 (that is what makes the cohort), so only an empty
        # cohort starts at zero MRR.
        start_mrr = level_mrr[:, 0].astype(np.float64)
        values = np.where(censored, np.nan,
                          level_mrr / np.where(start_mrr > 0, start_mrr, np.nan)[:, None])

    cols = segment_columns(seg.name, np.repeat(seg.labels, n_cohorts), ctx,
                           {"cohort": np.tile(labels[first_row:], n_seg)})
    cols["customers"] = sizes
    if mrr is not None:
        cols["starting_mrr"] = mrr[:, 0] if n_cohorts else np.zeros(0)
    for k in range(n_ages if n_cohorts else 0):
        cols[str(k)] = values[:, k]
    return CohortTable(cols, kind=kind, freq=f, values=values, active=active, mrr=mrr,
                       currency=plan.currency, digits=np.repeat(digits, n_cohorts))
