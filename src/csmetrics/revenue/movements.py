"""MRR movements (the bridge) and the MRR series.

Row and customer MRR, and the MRR of a period, are defined in ``csmetrics.revenue.mrr``.

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

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.currency import MINOR_UNITS
from csmetrics._core.options import BOOL, OneOf, check_option, validate_params
from csmetrics._core.partials import Job, Partials, staged
from csmetrics._core.segments import segment_columns
from csmetrics._kernels import revenue as kr
from csmetrics.exceptions import InvalidParameterError
from csmetrics.fx import FX, FxRates
from csmetrics.periods.calendar import FREQ, Frequency, PeriodLike
from csmetrics.policies import POLICY, MetricPolicy
from csmetrics.results import MetricResult, TableResult
from csmetrics.revenue.engine import Plan, Run, part_run, totals, window_job
from csmetrics.revenue.scheduled import (
    SCHEDULED,
    scheduled_columns,
    scheduled_details,
    with_scheduled,
)
from csmetrics.revenue.segments import By

_MONEY = ("starting_mrr", "new", "expansion", "contraction", "churn", "reactivation",
          "ending_mrr")
_COUNTS = ("starting_customers", "new_customers", "expansion_customers",
           "contraction_customers", "churned_customers", "reactivated_customers",
           "ending_customers")


# --- movements -------------------------------------------------------------------------------


class MovementDetails(TableResult):
    """Per-customer MRR changes behind an ``MRRMovements`` bridge.

    One row per customer (and segment) and period in which the customer's MRR changed, with
    ``movement``, ``previous_mrr``, ``mrr`` and the signed ``change``; and one of movement
    ``"scheduled_churn"`` per customer still paying whose ``cancel_at`` is after the period
    end (``previous_mrr == mrr``, the MRR scheduled to leave; ``change`` 0).
    """

    def __repr__(self) -> str:
        return f"MovementDetails({len(self):,} changes)"


class MRRMovements(TableResult):
    """An MRR bridge: one row per period (and segment) with each movement.

    Columns: ``period``, the segment column when split ``by``, ``starting_mrr``, ``new``,
    ``expansion``, ``contraction``, ``churn``, ``reactivation``, ``ending_mrr`` (money, all
    amounts positive) and the customer counts ``starting_customers``, ``new_customers``,
    ``expansion_customers``, ``contraction_customers``, ``churned_customers``,
    ``reactivated_customers``, ``ending_customers``; then ``scheduled_churn`` (ending MRR
    whose subscription has a ``cancel_at`` after the period end) and
    ``scheduled_churned_customers``, outside the bridge (``csmetrics.revenue.scheduled``).

    ``starting_mrr + new + expansion + reactivation - contraction - churn == ending_mrr`` in
    every row, exactly in cents.
    """

    periods: tuple[str, ...]
    currency: str
    _detail: Callable[[], dict[str, NDArray[Any]]]

    def __init__(self, columns: Mapping[str, Any], *, periods: tuple[str, ...], currency: str,
                 money: Sequence[str], detail: Callable[[], dict[str, NDArray[Any]]],
                 digits: NDArray[np.int64] | int = 2, segment: str | None = None) -> None:
        super().__init__(columns, title=f"MRR movements ({currency})", money=money,
                         digits=digits, value="ending_mrr", segment=segment)
        self._set(periods=periods, currency=currency, _detail=detail)

    def plot(self, kind: str = "bridge", *, ax: Any = None, segment: Any = None) -> Any:
        """Draw the bridge (``kind="bridge"``: a waterfall from starting to ending MRR) or the
        movements per period (``"movements"``); needs the ``plot`` extra. Split ``by=``,
        draw one segment: ``segment="EU"``.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from csmetrics.datasets import demo_portfolio
        >>> bridge = mrr_movements(demo_portfolio(), "2024-01", "2024-12", by="plan")
        >>> bridge.plot(segment="pro").get_ylabel()
        'MRR (USD)'
        """
        from csmetrics.plotting import plot_mrr_bridge, plot_mrr_movements

        check_option("MRRMovements.plot", "kind", kind, OneOf("bridge", "movements"))
        draw = plot_mrr_bridge if kind == "bridge" else plot_mrr_movements
        return draw(self, ax=ax, segment=segment)

    def details(self) -> MovementDetails:
        """Every per-customer change behind the bridge (see ``MovementDetails``).

        Built on request: the bridge itself never materialises per-customer rows.
        """
        detail = dict(self._detail())
        digits = detail.pop("_digits")
        return MovementDetails(detail, title=f"MRR changes ({self.currency})",
                               money=("previous_mrr", "mrr", "change"), digits=digits)

    def with_details(self, source: Callable[[], dict[str, NDArray[Any]]]) -> MRRMovements:
        """The same bridge, with ``details()`` read from ``source`` (a callable returning
        the detail columns and ``_digits``): how an engine lists a cluster's customers on
        request, from the workers that hold them."""
        out = copy.copy(self)
        out._set(_detail=source)
        return out

    def __repr__(self) -> str:
        n = len(self.periods)
        span = f"{self.periods[0]} to {self.periods[-1]}" if n else "no periods"
        seg = ""
        if len(self) != n and n:
            seg = f" x {len(self) // n} segments"
        return f"MRRMovements({n} period{'s' * (n != 1)}{seg}, {span}, {self.currency})"


class MRRSeries(MetricResult):
    """MRR at the end of every period (see ``mrr_series``): a ``MetricResult`` with a chart.

    Long (the default): columns ``period``, the segment column when split, ``mrr`` (the value
    column) and ``customers``, one row per period and segment. Wide (``wide=True`` with
    ``by=``): ``period`` and one money column per segment, one row per period, and no value
    column. Attributes ``periods``, ``currency`` and ``wide``.
    """

    periods: tuple[str, ...]
    currency: str
    wide: bool

    def __init__(self, columns: Mapping[str, Any], *, periods: tuple[str, ...], currency: str,
                 money: Sequence[str], digits: NDArray[np.int64] | int = 2,
                 segment: str | None = None, wide: bool = False) -> None:
        # A wide series has no one value column: MetricResult's is set only when long.
        TableResult.__init__(self, columns, title=f"MRR ({currency})", money=money,
                             digits=digits, value=None if wide else "mrr", segment=segment)
        self._set(periods=periods, currency=currency, wide=wide)

    def plot(self, *, ax: Any = None) -> Any:
        """Draw MRR over the periods, one line per segment (needs the ``plot`` extra).

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from csmetrics.datasets import demo_portfolio
        >>> ax = mrr_series(demo_portfolio(), "2024-01", "2024-06").plot()
        >>> ax.get_ylabel()
        'MRR (USD)'
        """
        from csmetrics.plotting import plot_mrr_series

        return plot_mrr_series(self, ax=ax)


@staged(MRRMovements)
@validate_params({"freq": FREQ, "policy": POLICY, "fx": FX})
def mrr_movements(
    subscriptions: Any,
    start: PeriodLike,
    end: PeriodLike,
    *,
    freq: str | Frequency = "month",
    by: By = None,
    policy: MetricPolicy | None = None,
    fx: FxRates | None = None,
) -> Job[MRRMovements]:
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
    policy : MetricPolicy, optional
        How free customers, late returns and customers who come and go between two
        snapshots are treated (default ``MetricPolicy()``: $0 is not a customer, a return
        is always a reactivation, in-between customers are not counted).
    fx : FxRates, optional
        Exchange rates into a reporting currency. Required when the subscriptions that count
        hold several currencies (unless split ``by="currency"``); adds an ``fx`` column with
        the effect of rates moving, so that ``starting_mrr + new + expansion +
        reactivation - contraction - churn + fx == ending_mrr``.

    Returns
    -------
    MRRMovements
        One row per period and segment; ``.details()`` lists every per-customer change.
        ``scheduled_churn`` and ``scheduled_churned_customers`` come last, outside the
        bridge: MRR still paying whose ``cancel_at`` is after the period end.

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
    job = window_job(subscriptions, start, end, freq=freq, by=by, policy=policy, fx=fx,
                     context="mrr_movements", finish=_movements, gather=with_scheduled)
    # Details list customers: they are read from the whole table, on request only.
    return replace(job, finalize=partial(_movements, table=job.table))


def _movements(partials: Partials, plan: Plan, table: Any = None) -> MRRMovements:
    """The bridge of combined partials (``table``: the whole, for ``details()``)."""
    r = totals(partials, plan)
    b, seg, n_periods = r.bridge, r.seg, r.n_periods
    # Period-major rows: for each period, every segment.
    n_seg = seg.n_segments
    per = np.repeat(np.arange(n_periods), n_seg)
    sg = np.tile(np.arange(n_seg), n_periods)
    scale = r.scale[sg]
    starting = np.concatenate([b.starting[:, None], b.ending[:, :-1]], axis=1)
    starting_count = np.concatenate([b.starting_count[:, None], b.ending_count[:, :-1]], axis=1)
    labels = np.asarray(r.grid.labels, dtype=object)
    cols = segment_columns(seg.name, seg.labels[sg], "mrr_movements", {"period": labels[per]})
    cols["starting_mrr"] = starting[sg, per] / scale
    for i, name in enumerate(kr.MOVEMENT_NAMES):
        cols[name] = b.amounts[i][sg, per] / scale
    money = list(_MONEY)
    if plan.fx is not None:
        cols["fx"] = r.fx_line[sg, per] / scale
        money.insert(money.index("ending_mrr"), "fx")
    cols["ending_mrr"] = b.ending[sg, per] / scale
    cols["starting_customers"] = starting_count[sg, per]
    count_names = dict(zip(kr.MOVEMENT_NAMES, _COUNTS[1:6], strict=True))
    for i, name in enumerate(kr.MOVEMENT_NAMES):
        cols[count_names[name]] = b.counts[i][sg, per]
    cols["ending_customers"] = b.ending_count[sg, per]
    cols.update(scheduled_columns(partials, plan, sg, per, scale))
    ordered = {k: cols[k] for k in ("period", *(() if seg.name is None else (seg.name,)),
                                    *money, *_COUNTS, *SCHEDULED)}
    shown = [*money, *(c for c in SCHEDULED if c == "scheduled_churn")]  # cents, not bridge
    return MRRMovements(ordered, periods=r.grid.labels, currency=r.currency, money=shown,
                        detail=partial(_details_of, table, plan), digits=r.digits[sg],
                        segment=seg.name)


def detail_columns(part: Any, plan: Plan) -> dict[str, NDArray[Any]]:
    """The per-customer changes behind ``plan``'s bridge over ``part`` (a table, or some of
    its customers' rows): the columns of ``MRRMovements.details()`` and each row's minor-unit
    digits (``_digits``), in the order of periods, then customers."""
    return _details(part_run(part, plan))


def _details_of(table: Any, plan: Plan) -> dict[str, NDArray[Any]]:
    if table is None:
        raise InvalidParameterError(
            "MRRMovements.details: this bridge was combined from partials without the whole "
            "table; compute the details from a table")
    return _details(part_run(table, plan))


def _details(r: Run) -> dict[str, NDArray[Any]]:
    converted = r.entity_points is not None
    points = r.entity_points if r.entity_points is not None else r.points
    base, n_periods = r.base, r.n_periods
    kind = points.movement()
    inside = np.flatnonzero((points.snapshot > base) & (points.snapshot <= base + n_periods)
                            & (kind >= 0))
    ent = points.entity[inside]
    period = points.snapshot[inside] - base - 1
    prev, cur = points.previous[inside], points.current[inside]
    kind = kind[inside]
    if r.extra is not None and r.extra.entity.size:
        x = r.extra
        x_ent, x_peak = x.entity, x.peak
        if converted:
            assert r.pair_entity is not None
            assert r.pair_currency is not None
            assert r.currency_factor is not None
            rate = r.currency_factor[r.pair_currency[x_ent],
                                     np.minimum(x.period, r.currency_factor.shape[1] - 1)]
            x_ent, x_peak = r.pair_entity[x_ent], np.rint(x_peak * rate).astype(np.int64)
        zeros = np.zeros(x_ent.size, dtype=np.int64)
        ent = np.concatenate([ent, x_ent, x_ent])
        period = np.concatenate([period, x.period - 1, x.period - 1])
        prev = np.concatenate([prev, zeros, x_peak])
        cur = np.concatenate([cur, x_peak, zeros])
        kind = np.concatenate([kind, np.where(x.returning, kr.REACTIVATION, kr.NEW),
                               np.full(x_ent.size, kr.CHURN)]).astype(np.int8)
    # Customers scheduled to churn: still paying, so no change (csmetrics.revenue.scheduled).
    s_ent, s_period, s_mrr = scheduled_details(r, r.currency_factor if converted else None)
    ent, period = np.concatenate([ent, s_ent]), np.concatenate([period, s_period])
    prev, cur = np.concatenate([prev, s_mrr]), np.concatenate([cur, s_mrr])
    kind = np.concatenate([kind, np.full(s_ent.size, len(kr.MOVEMENT_NAMES), np.int8)])
    order = np.lexsort((np.arange(ent.size), ent, period))
    ent, period, prev, cur, kind = ent[order], period[order], prev[order], cur[order], kind[order]
    if converted:   # user entities, in the reporting currency
        segment = r.seg.segment_of_entity[ent]
        customer = r.seg.customer_of_entity[ent]
        row_digits = r.digits[segment]
    else:
        inner_seg = r.inner.segment_of_entity[ent]
        segment = r.outer_of_inner[inner_seg]
        customer = r.inner.customer_of_entity[ent]
        currency_code = r.currency_of_inner[inner_seg]
        digits = np.array([MINOR_UNITS.get(str(c), 2) for c in r.table.currencies.tolist()]
                          or [2], dtype=np.int64)
        row_digits = digits[np.maximum(currency_code, 0)]
    scale = np.power(10.0, row_digits)
    detail: dict[str, NDArray[Any]] = {
        "period": np.asarray(r.grid.labels, dtype=object)[period]}
    if r.seg.name is not None:
        detail[r.seg.name] = r.seg.labels[segment]
    detail["customer_id"] = r.table.customer_ids[customer]
    detail["movement"] = np.asarray((*kr.MOVEMENT_NAMES, SCHEDULED[0]), dtype=object)[kind]
    detail["previous_mrr"] = prev / scale
    detail["mrr"] = cur / scale
    detail["change"] = (cur - prev) / scale
    detail["_digits"] = row_digits
    return detail


@staged(MRRSeries)
@validate_params({"freq": FREQ, "fx": FX, "wide": BOOL})
def mrr_series(
    subscriptions: Any,
    start: PeriodLike,
    end: PeriodLike,
    *,
    freq: str | Frequency = "month",
    by: By = None,
    fx: FxRates | None = None,
    wide: bool = False,
) -> Job[MRRSeries]:
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
        Split by a column or a customer-to-segment mapping, as in
        ``mrr()``.
    fx : FxRates, optional
        Exchange rates; each period's MRR is converted at the rates of its last day.
    wide : bool, default False
        With ``by=``: one row per period and one money column per segment (named after the
        segment label; the customer counts are left out), for a spreadsheet or a plot of
        one line per column. Needs ``by=``: without it the series is one column already, so
        ``wide=True`` alone is refused.

    Returns
    -------
    MRRSeries
        Long: columns ``period``, the segment column when split, ``mrr`` (the value column)
        and ``customers`` (customers with MRR > 0). Wide: ``period`` and one MRR column per
        segment. ``.plot()`` draws one line per segment.

    Raises
    ------
    InvalidParameterError
        ``wide=True`` without ``by=``, or a segment label that is ``"period"``.

    Notes
    -----
    Each value equals ``float(mrr(subscriptions, period))``; the series is computed from the same
    change events as ``mrr_movements()``, so it costs one pass over the rows, not one per
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
    >>> subs.append(Subscription(customer_id="b", start="2024-04-01", amount=30, plan="pro"))
    >>> print(mrr_series(subs, "2024-Q1", "2024-Q2", freq="quarter", by="plan", wide=True))
    MRR (USD)
    period     pro  (none)
    2024-Q1   0.00  100.00
    2024-Q2  30.00    0.00
    """
    if wide and by is None:
        raise InvalidParameterError(
            "mrr_series: wide=True makes one column per segment and needs by= (a column or "
            "a mapping); without by= the series is one column already.")
    return window_job(subscriptions, start, end, freq=freq, by=by, policy=None, fx=fx,
                      context="mrr_movements", finish=partial(_series, wide=wide))


def _series(partials: Partials, plan: Plan, wide: bool = False) -> MRRSeries:
    bridge = _movements(partials, plan)
    seg = bridge.segment_column
    if wide and seg is not None:
        return _wide(bridge, seg)
    cols = segment_columns(seg, None if seg is None else bridge[seg], "mrr_series",
                           {"period": bridge["period"]})
    cols["mrr"] = bridge["ending_mrr"]
    cols["customers"] = bridge["ending_customers"]
    return MRRSeries(cols, periods=bridge.periods, currency=bridge.currency, money=("mrr",),
                     digits=bridge.digits, segment=seg)


def _wide(bridge: MRRMovements, seg: str) -> MRRSeries:
    """One row per period, one MRR column per segment (rows are period-major)."""
    n = len(bridge.periods)
    labels = np.asarray(bridge[seg], dtype=object).reshape(n, -1)[0]
    names = [str(v) for v in labels.tolist()]
    if "period" in names or len(set(names)) != len(names):
        raise InvalidParameterError(
            f"mrr_series: wide=True names a column after each segment of {seg!r}, and its "
            f"labels {names[:10]} hold 'period' or repeat as text; use the long form.")
    grid = np.asarray(bridge["ending_mrr"], dtype=float).reshape(n, -1)
    cols: dict[str, Any] = {"period": np.asarray(bridge.periods, dtype=object)}
    cols.update({name: grid[:, j] for j, name in enumerate(names)})
    # One currency per result, so every row's digits are the first segment's.
    digits = int(np.asarray(bridge.digits).reshape(n, -1)[0].max(initial=2))
    return MRRSeries(cols, periods=bridge.periods, currency=bridge.currency, money=names,
                     digits=digits, wide=True)
