"""Expansion and contraction by product: upsell, cross-sell, downsell and product removal.

The bridge (``csmetrics.revenue.movements``) classifies each customer's change between two
snapshots on its total MRR: expansion when ``0 < P < L``, contraction when ``0 < L < P``.
``product_movements`` keeps that classification and attributes each customer's movement to
the products whose MRR changed (``csmetrics._kernels.breakdown.product_split``), so that
``upsell + cross_sell == expansion`` and ``downsell + product_removal == contraction``
exactly, customer by customer and period by period.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.options import validate_params
from csmetrics._core.partials import Job, Partials, staged
from csmetrics._core.ratios import divide
from csmetrics._core.segments import segment_columns
from csmetrics._kernels import breakdown as kb
from csmetrics._kernels import primitives as kp
from csmetrics._kernels import revenue as kr
from csmetrics.exceptions import ColumnNotFoundError
from csmetrics.periods.calendar import FREQ, Frequency, PeriodLike
from csmetrics.policies import POLICY, MetricPolicy
from csmetrics.results import TableResult
from csmetrics.revenue.engine import Plan, Run, bridge_partials, totals, window_job
from csmetrics.revenue.points import days
from csmetrics.revenue.segments import By
from csmetrics.tables.coerce import as_table

_PARTS = kb.PART_NAMES
_MONEY = ("starting_mrr", "expansion", "upsell", "cross_sell", "contraction", "downsell",
          "product_removal")


class ProductMovements(TableResult):
    """Expansion split into upsell and cross-sell, contraction into downsell and product
    removal, per period (and segment).

    Columns: ``period``, the segment column when split ``by``, ``starting_mrr``,
    ``expansion`` (the value column), ``upsell``, ``cross_sell``, ``contraction``,
    ``downsell``, ``product_removal`` (money), the rates ``upsell_rate``,
    ``cross_sell_rate``, ``downsell_rate``, ``product_removal_rate`` (fractions of the
    period's starting MRR, NaN where it is 0) and the customer counts ``upsell_customers``,
    ``cross_sell_customers``, ``downsell_customers``, ``product_removal_customers``
    (customers with a non-zero part). In every row ``upsell + cross_sell == expansion`` and
    ``downsell + product_removal == contraction``, exactly in cents.
    """

    periods: tuple[str, ...]
    currency: str

    def __init__(self, columns: dict[str, Any], *, periods: tuple[str, ...], currency: str,
                 digits: NDArray[np.int64] | int = 2, segment: str | None = None) -> None:
        super().__init__(columns, title=f"Product movements ({currency})", money=_MONEY,
                         digits=digits, value="expansion", segment=segment)
        self._set(periods=periods, currency=currency)

    def __repr__(self) -> str:
        n = len(self.periods)
        span = f"{self.periods[0]} to {self.periods[-1]}" if n else "no periods"
        return f"ProductMovements({n} period{'s' * (n != 1)}, {span}, {self.currency})"


@staged(ProductMovements)
@validate_params({"freq": FREQ, "policy": POLICY})
def product_movements(
    subscriptions: Any,
    start: PeriodLike,
    end: PeriodLike,
    *,
    by: By = None,
    freq: str | Frequency = "month",
    policy: MetricPolicy | None = None,
) -> Job[ProductMovements]:
    """Upsell, cross-sell, downsell and product removal per period, with rates over the
    starting MRR.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans, with a ``product`` on each row.
    start, end : period or date
        The window, inclusive, as in ``mrr_movements``.
    by : str or mapping, optional
        ``None`` (the portfolio), a column or a customer-to-segment mapping.
    freq : {"month", "quarter", "year"} or fiscal "quarter-<mon>" / "year-<mon>"
        Period length.
    policy : MetricPolicy, optional
        The bridge's policy; the expansion and contraction split are ``mrr_movements``'
        under the same policy.

    Returns
    -------
    ProductMovements
        One row per period and segment (see ``ProductMovements``).

    Raises
    ------
    ColumnNotFoundError
        The subscriptions have no ``product`` column (or no row gives a product).
    CurrencyMismatchError
        A result would sum more than one currency (split ``by="currency"``).
    InvalidParameterError
        The window is empty, or an option is not one of its values.

    Notes
    -----
    A customer's movement between snapshots ``t-1`` and ``t`` is classified on its total
    MRR first, exactly as ``mrr_movements`` does: an expansion ``D = L - P`` when
    ``0 < P < L``, a contraction ``D = P - L`` when ``0 < L < P`` (new, churn and
    reactivation are not split). Then each product's change ``p(t) - p(t-1)`` (MRR per
    product, in cents) is one of:

    * **upsell**: a gain on a product with MRR at ``t-1`` (the customer had it at the
      period start);
    * **cross-sell**: a gain on a product without MRR at ``t-1``;
    * **downsell**: a loss on a product that keeps MRR at ``t``;
    * **product removal**: a loss that leaves the product without MRR at ``t``.

    An expansion ``D`` is shared between upsell and cross-sell in proportion to the gains
    ``G_up`` and ``G_cross``: ``upsell = round(D * G_up / (G_up + G_cross))`` (half to
    even, in exact integer cents) and ``cross_sell = D - upsell``; losses on other products
    only offset the gains. A customer who gains product A ($100, new) and loses product B
    ($40) has an expansion of $60, all of it cross-sell. A contraction is shared between
    downsell and product removal by the losses in the same way. So ``upsell + cross_sell``
    is the bridge's expansion and ``downsell + product_removal`` its contraction, per
    customer, to the cent. Rows without a product are one product of their own, "(none)".
    Rates are each part over the period's starting MRR (NaN with an
    ``UndefinedMetricWarning`` where it is 0).

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [
    ...     Subscription(customer_id="a", start="2023-12-01", amount=100, product="core"),
    ...     Subscription(customer_id="a", start="2024-01-10", amount=50, product="core"),
    ...     Subscription(customer_id="a", start="2024-01-10", amount=50, product="api"),
    ...     Subscription(customer_id="a", start="2023-12-01", end="2024-01-10", amount=40,
    ...                  product="sso"),
    ... ]
    >>> r = product_movements(subs, "2024-01", "2024-01")
    >>> print(r.select("period", "starting_mrr", "expansion", "upsell", "cross_sell"))
    Product movements (USD)
    period  starting_mrr  expansion  upsell  cross_sell
    2024-01       140.00      60.00   30.00       30.00
    >>> float(r["upsell_rate"][0])     # 30 / 140
    0.21428571428571427
    """
    table = as_table(subscriptions, "product_movements", by=by)
    _, products = _products(table)
    if products.size == 0 and len(table):
        # Empty input is an answer (zeros); rows without any product are not.
        raise ColumnNotFoundError(
            "product", [c for c in table.segment_columns if c != "product"],
            context="product_movements (splits expansion and contraction by product, so "
                    "it needs a 'product' on the subscriptions)")
    return window_job(table, start, end, freq=freq, by=by, policy=policy, fx=None,
                      context="product_movements", finish=_finish, gather=_gather)


def _products(table: Any) -> tuple[NDArray[np.int64], NDArray[Any]]:
    try:
        codes, categories = table.segment_column("product")
    except ColumnNotFoundError:
        return np.full(len(table), -1, dtype=np.int64), np.empty(0, dtype=object)
    return np.asarray(codes, dtype=np.int64), np.asarray(categories, dtype=object)


def _gather(r: Run) -> Partials:
    """A part's bridge with its expansion and contraction split by product."""
    table, plan = r.table, r.plan
    codes, products = _products(table)
    pair_of_row, entity_of_pair, _ = kb.pair_codes(r.inner.entity_of_row, codes,
                                                   int(products.size))
    start_days, end_days = days(table)
    pair_points = kr.change_points(pair_of_row, start_days, end_days, table.mrr_units,
                                   plan.snapshots)
    split = kb.product_split(r.points, pair_points, entity_of_pair, plan.base, plan.n_periods)
    segment = r.inner.segment_of_entity[split.entity]
    size = plan.n_segments * plan.n_periods
    cell = segment * plan.n_periods + split.period
    shape = (len(_PARTS), plan.n_segments, plan.n_periods)
    money = np.stack([kp.bincount_int(cell, split.parts[i], size) for i in range(len(_PARTS))])
    count = np.stack([np.bincount(cell[split.parts[i] > 0], minlength=size)
                      for i in range(len(_PARTS))]).astype(np.int64)
    arrays = dict(bridge_partials(r).arrays)
    arrays["parts"] = money.reshape(shape)
    arrays["part_customers"] = count.reshape(shape)
    return Partials("product_movements", arrays)


def _finish(partials: Partials, plan: Plan) -> ProductMovements:
    b = totals(partials, plan).bridge
    n_seg, n_per = plan.n_segments, plan.n_periods
    per = np.repeat(np.arange(n_per), n_seg)
    sg = np.tile(np.arange(n_seg), n_per)
    scale = plan.scale[sg]
    starting = np.concatenate([b.starting[:, None], b.ending[:, :-1]], axis=1)[sg, per]
    parts, customers = partials["parts"][:, sg, per], partials["part_customers"][:, sg, per]
    labels = np.asarray(plan.grid.labels, dtype=object)
    cols = segment_columns(plan.seg_name, plan.labels[sg], "product_movements",
                           {"period": labels[per]})
    cols["starting_mrr"] = starting / scale
    cols["expansion"] = b.amounts[kr.EXPANSION][sg, per] / scale
    cols["upsell"] = parts[kb.UPSELL] / scale
    cols["cross_sell"] = parts[kb.CROSS_SELL] / scale
    cols["contraction"] = b.amounts[kr.CONTRACTION][sg, per] / scale
    cols["downsell"] = parts[kb.DOWNSELL] / scale
    cols["product_removal"] = parts[kb.REMOVAL] / scale
    # One warning per row without starting MRR, not one per part.
    cols["upsell_rate"] = divide(parts[kb.UPSELL], starting, context="product_movements",
                                 what="the starting MRR")
    with np.errstate(divide="ignore", invalid="ignore"):
        for i, name in enumerate(_PARTS[1:], start=1):
            cols[f"{name}_rate"] = np.where(starting != 0, parts[i] / starting, np.nan)
    for i, name in enumerate(_PARTS):
        cols[f"{name}_customers"] = customers[i]
    return ProductMovements(cols, periods=plan.grid.labels, currency=plan.currency,
                            digits=plan.digits[sg], segment=plan.seg_name)
