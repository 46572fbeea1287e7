"""Monthly recurring revenue and its movements.

Definitions
-----------
**Row MRR.** A span's monthly recurring revenue is its charge normalised to one calendar month:
``amount * quantity * (1 - discount) / (months_per_interval * interval_count)`` with a day
being 12/365 of a month, a week 12/52, a month 1, a quarter 3 and a year 12. So a $1,200
yearly plan is $100 MRR, a $90 quarterly plan $30, a $10 weekly plan $43.33.

**Customer MRR on a day.** The sum of the row MRR of the customer's spans active that day
(``start <= day < end``), rounded to the currency's minor unit (cents). Rounding the customer's
total, not each row, keeps three $33.3333 seats at $100.00.

**MRR of a period.** The MRR on the period's last day (the *snapshot*). A subscription that
starts on 15 March counts in March; one that ends on 15 March (end exclusive) does not.

**Movements.** For each customer and period, compare the MRR at the previous snapshot (``P``)
with the MRR at this one (``L``); a change smaller than a cent is no change:

============  ==================================================  ==========
movement      when                                                amount
============  ==================================================  ==========
new           P = 0, L > 0, never positive at an earlier snapshot  L
reactivation  P = 0, L > 0, positive at some earlier snapshot      L
expansion     0 < P < L                                            L - P
contraction   0 < L < P                                            P - L
churn         P > 0, L = 0                                         P
============  ==================================================  ==========

"Earlier snapshot" looks back to the first period in the data, not only the window, so a
customer who left before the window and returns inside it is a reactivation. The bridge
``starting + new + expansion + reactivation - contraction - churn = ending`` holds exactly,
period by period, because every amount is an integer number of cents.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, overload

import numpy as np
from numpy.typing import NDArray

from csmetrics._kernels import revenue as kr
from csmetrics._segments import By, Segmentation, currency_digits, segment
from csmetrics.periods import (
    Frequency,
    PeriodLike,
    period_ends_before,
    snapshot_date,
    snapshot_grid,
)
from csmetrics.results import TableResult
from csmetrics.tables import SubscriptionTable

__all__ = ["MRRMovements", "MovementDetails", "mrr", "mrr_movements", "mrr_series"]

_OPEN = np.iinfo(np.int64).max
_MONEY = ("starting_mrr", "new", "expansion", "contraction", "churn", "reactivation",
          "ending_mrr")
_COUNTS = ("starting_customers", "new_customers", "expansion_customers",
           "contraction_customers", "churned_customers", "reactivated_customers",
           "ending_customers")


def _check_table(subscriptions: Any, context: str) -> SubscriptionTable:
    if isinstance(subscriptions, SubscriptionTable):
        return subscriptions
    if isinstance(subscriptions, list | tuple):
        return SubscriptionTable.from_records(subscriptions)
    return SubscriptionTable.from_columns(subscriptions, _context=context)


# --- mrr -------------------------------------------------------------------------------------


@overload
def mrr(subscriptions: Any, at: PeriodLike, *, by: None = None) -> float: ...
@overload
def mrr(subscriptions: Any, at: PeriodLike, *, by: str | Mapping[Any, Any]) -> TableResult: ...


def mrr(subscriptions: Any, at: PeriodLike, *, by: By = None) -> float | TableResult:
    """Monthly recurring revenue on one day, in the table's currency.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans (anything :meth:`SubscriptionTable.from_columns` reads).
    at : period or date
        A date, or a period whose last day is used (``"2024-03"`` is 31 March 2024).
    by : str or mapping, optional
        Split by a column (``"plan"``, ``"currency"``, ``"interval"``) or by a mapping from
        customer id to segment.

    Returns
    -------
    float or TableResult
        The total MRR; with ``by``, a table with one row per segment and columns
        ``segment`` (named after ``by``), ``mrr`` and ``customers`` (customers with MRR > 0).

    Raises
    ------
    CurrencyMismatchError
        The active spans of one result hold more than one currency.

    Notes
    -----
    Each customer's MRR is the sum of the normalised MRR of their spans active on the day
    (``start <= day < end``), rounded to the currency's minor unit; the total is the sum over
    customers. See the module documentation for the normalisation. MRR of an empty table is
    0: a sum over no customers, not an undefined ratio.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [
    ...     Subscription(customer_id="a", start="2024-01-10", amount=1200, interval="year"),
    ...     Subscription(customer_id="b", start="2024-02-01", amount=90, interval="quarter"),
    ...     Subscription(customer_id="c", start="2024-03-15", amount=10, interval="week"),
    ... ]
    >>> mrr(subs, "2024-02")          # 100 + 30
    130.0
    >>> mrr(subs, "2024-03")          # + 10 * 52 / 12 = 43.33
    173.33
    """
    table = _check_table(subscriptions, "mrr")
    seg = segment(table, by, "mrr")
    day = snapshot_date(at)
    active = kr.active_on(table.start, table.end, day)
    digits, _ = currency_digits(table, seg, active, "mrr")
    minor = kr.entity_minor_at(seg.entity_of_row, table.mrr_units, active, seg.n_entities)
    scale = 10.0 ** digits
    totals = kr.bincount_int(seg.segment_of_entity, minor, seg.n_segments)
    if by is None:
        return float(totals[0] / scale[0])
    customers = np.bincount(seg.segment_of_entity, weights=minor > 0, minlength=seg.n_segments)
    return TableResult({seg.name or "segment": seg.labels, "mrr": totals / scale,
                        "customers": customers.astype(np.int64)},
                       title=f"MRR on {day}", money=("mrr",))


# --- movements -------------------------------------------------------------------------------


class MovementDetails(TableResult):
    """Per-customer MRR changes behind an :class:`MRRMovements` bridge.

    One row per customer (and segment) and period in which the customer's MRR changed, with
    ``movement``, ``previous_mrr``, ``mrr`` and the signed ``change``.
    """

    def __repr__(self) -> str:
        return f"MovementDetails({len(self):,} changes)"


class MRRMovements(TableResult):
    """An MRR bridge: one row per period (and segment) with each movement.

    Columns: ``period``, the segment column when split ``by``, ``starting_mrr``, ``new``,
    ``expansion``, ``contraction``, ``churn``, ``reactivation``, ``ending_mrr`` (money, all
    amounts positive) and the customer counts ``starting_customers``, ``new_customers``,
    ``expansion_customers``, ``contraction_customers``, ``churned_customers``,
    ``reactivated_customers``, ``ending_customers``.

    ``starting_mrr + new + expansion + reactivation - contraction - churn == ending_mrr`` in
    every row, exactly in cents.
    """

    periods: tuple[str, ...]
    currency: str
    _detail: Callable[[], dict[str, NDArray[Any]]]

    def __init__(self, columns: Mapping[str, Any], *, periods: tuple[str, ...], currency: str,
                 detail: Callable[[], dict[str, NDArray[Any]]]) -> None:
        super().__init__(columns, title=f"MRR movements ({currency})", money=_MONEY)
        self._set(periods=periods, currency=currency, _detail=detail)

    def details(self) -> MovementDetails:
        """Every per-customer change behind the bridge (see :class:`MovementDetails`).

        Built on request: the bridge itself never materialises per-customer rows.
        """
        return MovementDetails(self._detail(), title=f"MRR changes ({self.currency})",
                               money=("previous_mrr", "mrr", "change"))

    def __repr__(self) -> str:
        n = len(self.periods)
        span = f"{self.periods[0]} to {self.periods[-1]}" if n else "no periods"
        seg = ""
        if len(self) != n and n:
            seg = f" x {len(self) // n} segments"
        return f"MRRMovements({n} period{'s' * (n != 1)}{seg}, {span}, {self.currency})"


def mrr_movements(
    subscriptions: Any,
    start: PeriodLike,
    end: PeriodLike,
    *,
    freq: str | Frequency = "month",
    by: By = None,
) -> MRRMovements:
    """The MRR bridge from ``start`` to ``end``: new, expansion, contraction, churn, reactivation.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans.
    start, end : period or date
        The window, inclusive. With periods, the base snapshot is the last day of the period
        before ``start`` and the final one the last day of ``end``; with dates, the dates
        themselves are the first and last snapshots, with the period ends between them.
    freq : {"month", "quarter", "year"} or fiscal "quarter-<mon>" / "year-<mon>"
        Period length.
    by : str or mapping, optional
        Split by a column (``"plan"``, ``"currency"``, ``"interval"``; a customer changing
        plan then leaves one segment and joins the other) or by a mapping from customer id
        to segment (segments then add up to the total, movement by movement).

    Returns
    -------
    MRRMovements
        One row per period and segment; ``.details()`` lists every per-customer change.

    Raises
    ------
    CurrencyMismatchError
        One result would sum more than one currency.
    InvalidParameterError
        The window is empty or a period cannot be read.

    Notes
    -----
    Movements are per customer between consecutive snapshots (see the module documentation
    for the table of rules). Consequences worth knowing:

    * A customer who starts and cancels between two snapshots never shows.
    * A second subscription of an active customer is expansion; cancelling one of two is
      contraction; cancelling the last is churn.
    * An open-ended span never churns at the edge of the data: there is no hidden "today".
    * Customers active before ``start`` are in ``starting_mrr``; a return after an earlier
      churn is reactivation however long ago the churn was, including before ``start``.
    * With a quarterly or yearly ``freq`` the snapshots are quarter or year ends, so
      changes within a period net out.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [
    ...     Subscription(customer_id="a", start="2023-12-01", amount=100),
    ...     Subscription(customer_id="b", start="2024-01-15", end="2024-02-10", amount=50),
    ...     Subscription(customer_id="c", start="2023-06-01", end="2023-09-01", amount=40),
    ...     Subscription(customer_id="c", start="2024-02-01", amount=40),
    ... ]
    >>> bridge = mrr_movements(subs, "2024-01", "2024-02")
    >>> print(bridge.select("period", "starting_mrr", "new", "churn", "reactivation",
    ...                     "ending_mrr"))
    MRR movements (USD)
    period  starting_mrr    new  churn  reactivation  ending_mrr
    2024-01       100.00  50.00   0.00          0.00      150.00
    2024-02       150.00   0.00  50.00         40.00      140.00
    """
    table = _check_table(subscriptions, "mrr_movements")
    seg = segment(table, by, "mrr_movements")
    grid = snapshot_grid(start, end, freq)
    history = (period_ends_before(table.start.min(), grid.dates[0], grid.freq)
               if len(table) else np.empty(0, dtype="datetime64[D]"))
    snaps = np.concatenate([history, grid.dates]).astype(np.int64)
    base, n_periods = history.size, len(grid.labels)

    start_days = table.start.astype(np.int64)
    open_rows = np.isnat(table.end)
    end_days = np.where(open_rows, _OPEN, table.end.astype(np.int64))
    counted = (start_days <= snaps[-1]) & (open_rows | (end_days > snaps[0]))
    digits, currencies = currency_digits(table, seg, counted, "mrr_movements")

    points = kr.change_points(seg.entity_of_row, start_days, end_days, table.mrr_units, snaps)
    b = kr.bridge(points, seg.segment_of_entity, seg.n_segments, base, n_periods)

    # Period-major rows: for each period, every segment.
    n_seg = seg.n_segments
    per = np.repeat(np.arange(n_periods), n_seg)
    sg = np.tile(np.arange(n_seg), n_periods)
    scale = (10.0 ** digits)[sg]
    starting = np.concatenate([b.starting[:, None], b.ending[:, :-1]], axis=1)
    starting_count = np.concatenate([b.starting_count[:, None], b.ending_count[:, :-1]], axis=1)
    labels = np.asarray(grid.labels, dtype=object)
    cols: dict[str, Any] = {"period": labels[per]}
    if seg.name is not None:
        cols[seg.name] = seg.labels[sg]
    cols["starting_mrr"] = starting[sg, per] / scale
    for i, name in enumerate(kr.MOVEMENT_NAMES):
        cols[name] = b.amounts[i][sg, per] / scale
    cols["ending_mrr"] = b.ending[sg, per] / scale
    cols["starting_customers"] = starting_count[sg, per]
    count_names = dict(zip(kr.MOVEMENT_NAMES, _COUNTS[1:6], strict=True))
    for i, name in enumerate(kr.MOVEMENT_NAMES):
        cols[count_names[name]] = b.counts[i][sg, per]
    cols["ending_customers"] = b.ending_count[sg, per]
    ordered = {k: cols[k] for k in ("period", *(() if seg.name is None else (seg.name,)),
                                    *_MONEY, *_COUNTS)}
    used = sorted({c for c in currencies if c})
    currency = ", ".join(used) if used else (table.currencies[0] if table.currencies.size
                                             else "")
    return MRRMovements(
        ordered, periods=grid.labels, currency=currency,
        detail=partial(_details, points, seg, table, labels, base, n_periods, digits),
    )


def _details(points: kr.ChangePoints, seg: Segmentation, table: SubscriptionTable,
             labels: NDArray[Any], base: int, n_periods: int, digits: NDArray[np.int64]
             ) -> dict[str, NDArray[Any]]:
    inside = np.flatnonzero((points.snapshot > base) & (points.snapshot <= base + n_periods))
    inside = inside[np.argsort(points.snapshot[inside], kind="stable")]  # period, then entity
    ent = points.entity[inside]
    sg = seg.segment_of_entity[ent]
    scale = 10.0 ** digits[sg]
    prev, cur = points.previous[inside], points.current[inside]
    detail: dict[str, NDArray[Any]] = {"period": labels[points.snapshot[inside] - base - 1]}
    if seg.name is not None:
        detail[seg.name] = seg.labels[sg]
    detail["customer_id"] = table.customer_ids[seg.customer_of_entity[ent]]
    detail["movement"] = np.asarray(kr.MOVEMENT_NAMES, dtype=object)[points.movement()[inside]]
    detail["previous_mrr"] = prev / scale
    detail["mrr"] = cur / scale
    detail["change"] = (cur - prev) / scale
    return detail


def mrr_series(
    subscriptions: Any,
    start: PeriodLike,
    end: PeriodLike,
    *,
    freq: str | Frequency = "month",
    by: By = None,
) -> TableResult:
    """MRR at the end of every period from ``start`` to ``end``.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans.
    start, end : period or date
        First and last period, inclusive.
    freq : {"month", "quarter", "year"} or a fiscal "quarter-<mon>" / "year-<mon>"
        Period length; each period's value is the MRR on its last day.
    by : str or mapping, optional
        Split by a column or a customer-to-segment mapping, as in :func:`mrr`.

    Returns
    -------
    TableResult
        Columns ``period``, the segment column when split, ``mrr`` and ``customers``
        (customers with MRR > 0).

    Notes
    -----
    Each value equals ``mrr(subscriptions, period)``; the series is computed from the same
    change events as :func:`mrr_movements`, so it costs one pass over the rows, not one per
    period.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [Subscription(customer_id="a", start="2024-01-01", end="2024-06-01",
    ...                      amount=600, interval="year", quantity=2)]
    >>> print(mrr_series(subs, "2024-Q1", "2024-Q3", freq="quarter"))
    MRR (USD)
    period      mrr  customers
    2024-Q1  100.00          1
    2024-Q2    0.00          0
    2024-Q3    0.00          0
    """
    bridge = mrr_movements(subscriptions, start, end, freq=freq, by=by)
    keys = [k for k in bridge.column_names if k not in _MONEY and k not in _COUNTS]
    cols = {k: bridge[k] for k in keys}
    cols["mrr"] = bridge["ending_mrr"]
    cols["customers"] = bridge["ending_customers"]
    return TableResult(cols, title=f"MRR ({bridge.currency})", money=("mrr",))
