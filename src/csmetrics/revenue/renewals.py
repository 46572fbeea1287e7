"""The renewal calendar: ARR up for renewal each month, and what became of it.

Definitions
-----------
**Term plans.** As for contracted ARR (``csmetrics.revenue.arr``): spans billed every 12
months or more, or with a ``renews_at``. Month-to-month plans have no renewal to forecast and
are left out. A span's *term* is its billing period when that is 12 months or more, else 12
months (a monthly-billed annual contract with a ``renews_at``).

**Renewal dates.** With ``renews_at``: ``renews_at + k x term`` (k = 0, 1, ...). Without it,
from the span and its billing interval: ``start + k x term`` (k = 1, 2, ...), month
arithmetic, the day clipped to the month's last (31 January + 1 month is 29 February). A
renewal falls due only while its span runs up to it (active on the day before); a plan
change starts a new span and its own terms. A span that *ends* on a renewal date (no next
span of its subscription) is a non-renewal: it is due, and lost.

**The subscription** is its ``subscription_id``; without one, a customer's spans of one
``product`` are one subscription. Its ARR before a renewal on day ``r`` is 12 x its MRR on
``r - 1``; after, 12 x its MRR on ``r + grace_days`` (late renewals inside the grace count,
and so does a churn inside it), each rounded to the cent.

**Outcome.** *lost*: no MRR after; *renewed flat*: the same ARR to the cent; *expanded* /
*contracted*: more / less (but some). *pending*: ``r + grace_days`` is after ``as_of`` (the
data's edge: by default its latest start or end date), so the outcome is not known yet.

**Rates** (over the renewals decided, pending ones left out of both):
``gross_renewal_rate = sum(min(after, before)) / sum(before)`` and
``net_renewal_rate = sum(after) / sum(before)``: the gross and net revenue retention of the
renewal cohort (https://www.gainsight.com/essential-guide/churn/ defines gross and net
retention likewise, capped and uncapped at the prior revenue).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.lookup import lookup
from csmetrics._core.options import Satisfies, validate_params
from csmetrics._core.partials import Job, Partials, staged
from csmetrics._core.ratios import divide
from csmetrics._core.segments import NONE_LABEL, segment_columns
from csmetrics._kernels import revenue as kr
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.calendar import Period, PeriodLike, snapshot_date
from csmetrics.results import MetricResult
from csmetrics.revenue.renewal_dates import (
    arr_on,
    event_rows,
    month_of,
    one_per_date,
    renewal_events,
    terms,
)
from csmetrics.revenue.segments import (
    By,
    currency_digits,
    customer_segments,
    segment,
    segment_as,
)
from csmetrics.tables.coerce import as_table
from csmetrics.tables.subscriptions import SubscriptionTable

__all__ = ["RenewalCalendar", "renewals"]

I64 = NDArray[np.int64]
OUTCOMES = ("renewed_flat", "expanded", "contracted", "lost", "pending")
_MONEY = ("arr_up", "retained_arr", "renewed_arr", "lost_arr", "pending_arr")


class RenewalCalendar(MetricResult):
    """The renewal calendar (see ``renewals``): one row per month (and segment, and health
    band), with the ARR up for renewal and the outcomes. Attributes ``periods`` (the
    months) and ``currency``."""

    periods: tuple[str, ...]
    currency: str

    def plot(self, *, ax: Any = None) -> Any:
        """Draw ARR up for renewal per month, stacked by outcome (needs the ``plot`` extra).

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from csmetrics.datasets import demo_portfolio
        >>> renewals(demo_portfolio(), "2024-01", "2024-08").plot().get_ylabel()
        'ARR up for renewal (USD)'
        """
        from csmetrics.plotting.renewals import plot_renewals

        return plot_renewals(self, ax=ax)


def _is_health(value: Any) -> bool:
    return value is None or isinstance(value, Mapping) or (
        hasattr(value, "band_names") and hasattr(value, "id_column"))


HEALTH = Satisfies(_is_health, "a HealthScores result or a mapping of customer id to band")
GRACE = Satisfies(lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 366,
                  "a whole number of days from 0 to 366")


@dataclass(frozen=True)
class RenewalPlan:
    """What every part agrees on: months, segments, bands, the data's edge, the grace."""

    by: By
    seg_name: str | None
    labels: NDArray[Any]
    of_customer: I64 | None
    band_names: tuple[str, ...] | None
    band_of_customer: I64 | None
    first_month: int            # months since 1970 of the first month of the window
    periods: tuple[str, ...]
    edge: np.datetime64
    grace: int
    digits: I64
    currency: str

    @property
    def n_bands(self) -> int:
        return 1 if self.band_names is None else len(self.band_names)

    @property
    def n_cells(self) -> int:
        return len(self.periods) * self.labels.size * self.n_bands


@staged(RenewalCalendar)
@validate_params({"health": HEALTH, "grace_days": GRACE})
def renewals(
    subscriptions: Any,
    start: PeriodLike,
    end: PeriodLike,
    *,
    by: By = None,
    health: Any = None,
    grace_days: int = 30,
    as_of: PeriodLike | None = None,
) -> Job[RenewalCalendar]:
    """The renewal calendar: for each month, the ARR up for renewal and its outcome.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans (with ``renews_at`` where known).
    start, end : period or date
        First and last month of the calendar, inclusive.
    by : str or mapping, optional
        A column (``"plan"``, ``"product"``) or a customer-to-segment mapping.
    health : HealthScores or mapping, optional
        Split each month by health band: a ``HealthScores`` result (its ``band`` column) or
        a mapping of customer id to band; customers without a band are in ``"(none)"``
        (there only when some customer has none). Every band of a ``HealthScores`` is
        listed, in its order.
    grace_days : int, default 30
        Days after a renewal date at which its outcome is read.
    as_of : date, optional
        The last day the data is known for; default its latest start or end date.

    Returns
    -------
    RenewalCalendar
        One row per month (and segment, and ``health_band``): ``renewals`` (subscriptions
        due), ``customers``, ``arr_up`` (the value column: ARR up for renewal), the count
        of each outcome (``renewed_flat``, ``expanded``, ``contracted``, ``lost``,
        ``pending``), ``retained_arr`` (ARR after, capped at before), ``renewed_arr`` (ARR
        after), ``lost_arr``, ``pending_arr`` (ARR before), ``gross_renewal_rate`` and
        ``net_renewal_rate``.

    Raises
    ------
    CurrencyMismatchError
        The term plans of one segment hold several currencies.

    Notes
    -----
    See the module documentation for the renewal dates, the outcomes and the rates. A
    month without a decided renewal has NaN rates, with an ``UndefinedMetricWarning``.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [
    ...     Subscription(customer_id="a", subscription_id="a1", start="2023-03-10",
    ...                  end="2024-03-10", amount=1200, interval="year"),
    ...     Subscription(customer_id="a", subscription_id="a1", start="2024-03-10",
    ...                  amount=1500, interval="year"),
    ...     Subscription(customer_id="b", start="2023-03-20", end="2024-03-20", amount=600,
    ...                  interval="year"),
    ... ]
    >>> r = renewals(subs, "2024-03", "2024-03", as_of="2024-12-31")
    >>> print(r.select("period", "arr_up", "expanded", "lost", "renewed_arr"))
    Renewals (USD, grace 30 days)
    period     arr_up  expanded  lost  renewed_arr
    2024-03  1,800.00         1     1     1,500.00
    >>> float(r["gross_renewal_rate"][0]), float(r["net_renewal_rate"][0])  # 1200/1800, 1500/1800
    (0.6666666666666666, 0.8333333333333334)
    """
    context = "renewals"
    table = as_table(subscriptions, context, by=by)
    first = Period.parse(start, "month")
    last = Period.parse(end, "month")
    if last.start < first.start:
        raise InvalidParameterError(f"{context}: end ({last}) is before start ({first}).")
    periods = []
    p = first
    while p.start <= last.start:
        periods.append(str(p))
        p = p + 1
    seg = segment(table, by, context)
    digits, names = currency_digits(table, seg, terms(table).paying, context)
    band_names, band_of_customer = _bands(table, health, context)
    if as_of is not None:
        edge = snapshot_date(as_of)
    elif len(table):
        edge = kr.last_day(table.start, table.end)
    else:
        edge = np.datetime64("NaT", "D")
    used = sorted({n for n in names if n})
    plan = RenewalPlan(by, seg.name, seg.labels, customer_segments(table, seg), band_names,
                       band_of_customer, month_of(np.datetime64(first.start, "D")),
                       tuple(periods), edge.astype("datetime64[D]"), grace_days, digits,
                       ", ".join(used) if used else "USD")
    return Job(table, plan, _partials, _result)


def _bands(table: SubscriptionTable, health: Any, context: str
           ) -> tuple[tuple[str, ...] | None, I64 | None]:
    """Band names (``"(none)"`` last) and each customer code's band, from ``health``."""
    if health is None:
        return None, None
    if isinstance(health, Mapping):
        mapping: Mapping[Any, Any] = health
        order: list[Any] = []
    else:
        ids = np.asarray(health[health.id_column], dtype=object)
        bands = np.asarray(health["band"], dtype=object)
        mapping = {i: b for i, b in zip(ids.tolist(), bands.tolist(), strict=True)
                   if b is not None}
        order = list(health.band_names)
    found = lookup(table.customer_ids, mapping, context, "customers", missing=NONE_LABEL,
                   some=bool(len(table)))
    used = np.zeros(table.customer_ids.size, dtype=bool)
    used[table.customer_codes] = True
    seen = dict.fromkeys(found[used].tolist())
    present = [b for b in seen if b != NONE_LABEL]
    # "(none)" only when some customer has no band, as for a by= mapping.
    names = [*order, *sorted((b for b in present if b not in order), key=str),
             *([NONE_LABEL] if NONE_LABEL in seen or not len(table) else [])]
    index = {b: i for i, b in enumerate(names)}
    return tuple(names), np.array([index[b] for b in found.tolist()], dtype=np.int64)


def _partials(table: SubscriptionTable, plan: RenewalPlan) -> Partials:
    n_months, n_seg, n_band = len(plan.periods), plan.labels.size, plan.n_bands
    row, day = renewal_events(table, plan.first_month, n_months)
    keys = terms(table).keys
    row, day = one_per_date(keys[row], row, day)
    pairs = event_rows(table, keys[row])
    before = arr_on(table, pairs, row.size, day - np.timedelta64(1, "D"))
    after = arr_on(table, pairs, row.size, day + np.timedelta64(plan.grace, "D"))
    seg = segment_as(table, plan.by, plan.labels, plan.seg_name, "renewals", plan.of_customer)
    cust = table.customer_codes[row]
    band = (np.zeros(row.size, dtype=np.int64) if plan.band_of_customer is None
            else plan.band_of_customer[cust])
    cell = ((month_of(day) - plan.first_month) * n_seg
            + seg.segment_of_entity[seg.entity_of_row[row]]) * n_band + band
    pending = ~(day + np.timedelta64(plan.grace, "D") <= plan.edge)
    outcome = np.select([pending, after == 0, after == before, after > before],
                        [4, 3, 0, 1], 2)
    size = plan.n_cells

    def total(values: Any, mask: Any = True) -> I64:
        chosen = np.broadcast_to(mask, cell.shape)
        return np.bincount(cell[chosen], weights=np.broadcast_to(values, cell.shape)[chosen],
                           minlength=size).astype(np.int64)

    decided = ~pending
    arrays = {"renewals": np.bincount(cell, minlength=size),
              "customers": np.bincount(np.unique(cell * np.int64(table.customer_ids.size + 1)
                                                 + cust) // (table.customer_ids.size + 1),
                                       minlength=size),
              "arr_up": total(before),
              "retained_arr": total(np.minimum(after, before), decided),
              "renewed_arr": total(after, decided),
              "lost_arr": total(before, outcome == 3),
              "pending_arr": total(before, pending)}
    arrays.update({name: np.bincount(cell[outcome == i], minlength=size)
                   for i, name in enumerate(OUTCOMES)})
    return Partials("renewals", arrays)


def _result(partials: Partials, plan: RenewalPlan) -> RenewalCalendar:
    n_months, n_seg, n_band = len(plan.periods), plan.labels.size, plan.n_bands
    cell = np.arange(plan.n_cells)
    month, seg, band = cell // (n_seg * n_band), cell // n_band % n_seg, cell % n_band
    extra: dict[str, Any] = {"period": np.asarray(plan.periods, dtype=object)[month]}
    cols = segment_columns(plan.seg_name, plan.labels[seg], "renewals", extra)
    if plan.band_names is not None:
        cols["health_band"] = np.asarray(plan.band_names, dtype=object)[band]
    scale = 10.0 ** plan.digits[seg] if plan.digits.size else np.full(cell.size, 100.0)
    cols["renewals"] = partials["renewals"].astype(np.int64)
    cols["customers"] = partials["customers"].astype(np.int64)
    cols["arr_up"] = partials["arr_up"] / scale
    for name in OUTCOMES:
        cols[name] = partials[name].astype(np.int64)
    for name in _MONEY[1:]:
        cols[name] = partials[name] / scale
    decided = partials["arr_up"] - partials["pending_arr"]
    what = "the ARR of renewals decided (none due, or all pending)"
    cols["gross_renewal_rate"] = divide(partials["retained_arr"], decided, context="renewals",
                                        what=what)
    cols["net_renewal_rate"] = divide(partials["renewed_arr"], decided, context="renewals",
                                      what=what)
    del n_months
    out = RenewalCalendar(cols, value="arr_up",
                          title=f"Renewals ({plan.currency}, grace {plan.grace} days)",
                          money=_MONEY, digits=plan.digits[seg] if plan.digits.size else 2,
                          segment=plan.seg_name)
    out._set(periods=plan.periods, currency=plan.currency)
    return out
