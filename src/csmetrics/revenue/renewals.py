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

import weakref
from collections.abc import Callable, Mapping
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
from csmetrics.revenue.arr import term_rows
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
    digits, names = currency_digits(table, seg, _terms(table).paying, context)
    band_names, band_of_customer = _bands(table, health, context)
    if as_of is not None:
        edge = snapshot_date(as_of)
    elif len(table):
        ends = table.end[~np.isnat(table.end)]
        edge = max(table.start.max(), ends.max()) if ends.size else table.start.max()
    else:
        edge = np.datetime64("NaT", "D")
    used = sorted({n for n in names if n})
    plan = RenewalPlan(by, seg.name, seg.labels, customer_segments(table, seg), band_names,
                       band_of_customer, _month(np.datetime64(first.start, "D")),
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


def _month(days: NDArray[np.datetime64] | np.datetime64) -> Any:
    """Months since 1970 of each day."""
    d = np.asarray(days)
    if d.ndim == 0 or d.dtype != np.dtype("datetime64[D]"):
        return d.astype("datetime64[M]").astype(np.int64)
    return _lookup(d.view(np.int64), _month_of_days)


def _month_of_days(days: I64) -> I64:
    out: I64 = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return out


def _first_days(months: I64) -> I64:
    """The first day (days since 1970) of each month (months since 1970)."""
    return _lookup(months, _first_day_of_months)


def _first_day_of_months(months: I64) -> I64:
    out: I64 = months.astype("datetime64[M]").astype("datetime64[D]").view(np.int64)
    return out


_LOOKUP_SPAN = 1 << 17
"""Widest range of values read from a lookup table (about 360 years of days)."""


def _lookup(values: I64, convert: Callable[[I64], I64]) -> I64:
    """``convert(values)`` (a calendar conversion) as a gather from a table of the
    conversion of every value in their range: the same numbers, at the cost of a gather
    rather than a calendar conversion per element."""
    if values.size < 64:
        return convert(values)
    lo, hi = int(values.min()), int(values.max())
    if hi - lo >= _LOOKUP_SPAN:   # far-apart values (or NaT): convert them one by one
        return convert(values)
    found: I64 = convert(np.arange(lo, hi + 1, dtype=np.int64))[values - lo]
    return found


def _add_months(day: NDArray[np.datetime64], months: I64) -> NDArray[np.datetime64]:
    """``day`` plus ``months`` calendar months, the day clipped to the month's last."""
    days = day.astype("datetime64[D]").view(np.int64)
    month = _month(day)
    offset = days - _first_days(month)
    target = month + months
    first = _first_days(target)
    length = _first_days(target + 1) - first
    out: NDArray[np.datetime64] = (first + np.minimum(offset, length - 1)).view(
        "datetime64[D]")
    return out


@dataclass(frozen=True)
class _Terms:
    """A table's term spans with money: what every renewal window reads (rows, term in
    months, given renewal dates, first renewal anchor and its month)."""

    paying: NDArray[np.bool_]
    rows: I64
    term: I64
    given: NDArray[np.bool_]   # a renews_at is given
    start: NDArray[np.datetime64]
    anchor: NDArray[np.datetime64]
    anchor_month: I64
    keys: I64                  # each row's subscription key (``_keys``)
    by_key: I64                # rows of the subscriptions with a term span, by key


_TERMS: weakref.WeakKeyDictionary[SubscriptionTable, _Terms] = weakref.WeakKeyDictionary()


def _terms(table: SubscriptionTable) -> _Terms:
    """The table's ``_Terms``, made once per table (a report reads the renewals of its
    window, of the months after, and each account's next renewal)."""
    found = _TERMS.get(table)
    if found is not None:
        return found
    paying = term_rows(table) & (table.mrr_units > 0)
    rows = np.flatnonzero(paying)
    code = table.interval[rows]
    count = np.asarray(table.interval_count)[rows]
    billed = np.select([code == 4, code == 3, code == 2], [12 * count, 3 * count, count], 0)
    term = np.where(billed >= 12, billed, 12).astype(np.int64)
    renews = table.renews_at[rows]
    start = table.start[rows]
    given = ~np.isnat(renews)
    anchor = np.where(given, renews, _add_months(start, term))
    keys = _keys(table)
    # Only the rows of subscriptions with a term span are ever looked up (their MRR either
    # side of a renewal), in row order within each subscription.
    n_keys = int(keys.max()) + 1 if keys.size else 0
    if n_keys > 8 * keys.size + 1024:   # sparse keys: a set lookup rather than a mark each
        candidates = np.flatnonzero(np.isin(keys, keys[rows]))
    else:
        wanted = np.zeros(n_keys, dtype=bool)
        wanted[keys[rows]] = True
        candidates = np.flatnonzero(wanted[keys])
    by_key = candidates[np.argsort(keys[candidates], kind="stable")]
    found = _Terms(paying, rows, term, given, start, anchor, _month(anchor), keys, by_key)
    for array in vars(found).values():
        array.flags.writeable = False
    _TERMS[table] = found
    return found


def renewal_events(table: SubscriptionTable, first_month: int, n_months: int
                   ) -> tuple[I64, NDArray[np.datetime64]]:
    """Every renewal date inside the months ``first_month`` (months since 1970) to
    ``first_month + n_months - 1`` of the term spans still running up to it: the row
    each comes from and the date (see the module documentation)."""
    t = _terms(table)
    rows, term, anchor = t.rows, t.term, t.anchor
    lag = first_month - t.anchor_month
    k_lo = np.maximum(0, -(-lag // term))
    k_hi = (first_month + n_months - 1 - t.anchor_month) // term
    n = np.maximum(k_hi - k_lo + 1, 0)
    row = np.repeat(rows, n)
    k = np.repeat(k_lo, n) + (np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n))
    step = np.repeat(term, n)
    given = np.repeat(t.given, n)
    # A given renewal date repeats every term from itself; else from the start.
    day = _add_months(np.where(given, np.repeat(anchor, n), np.repeat(t.start, n)),
                      step * np.where(given, k, k + 1))
    end = table.end[row]
    due = (table.start[row] < day) & (np.isnat(end) | (end >= day))
    return row[due], day[due]


def _keys(table: SubscriptionTable) -> I64:
    """Each row's subscription: its id, or (customer, product) without one."""
    n_sub = np.int64(table.subscription_ids.size)
    n_prod = np.int64(table.products.size + 1)
    fallback = n_sub + table.customer_codes * n_prod + (table.product_codes + 1)
    out: I64 = np.where(table.subscription_codes >= 0, table.subscription_codes, fallback)
    return out


def _event_rows(table: SubscriptionTable, event_key: I64) -> tuple[I64, I64]:
    """The rows of each event's subscription (``event_key``, a ``_keys`` value): pairs
    (event, row), found once for the days either side of a renewal."""
    t = _terms(table)
    order = t.by_key
    sorted_keys = t.keys[order]
    lo = np.searchsorted(sorted_keys, event_key, side="left")
    hi = np.searchsorted(sorted_keys, event_key, side="right")
    n = hi - lo
    event = np.repeat(np.arange(event_key.size), n)
    row = order[np.repeat(lo, n) + (np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n))]
    return event, row


def _arr_on(table: SubscriptionTable, pairs: tuple[I64, I64], n_events: int,
            day: NDArray[np.datetime64]) -> I64:
    """12 x the MRR (minor units) of each event's subscription on its ``day`` (``pairs``
    from ``_event_rows``)."""
    event, row = pairs
    d = day[event]
    start, end = table.start[row], table.end[row]
    active = (start <= d) & (np.isnat(end) | (end > d))
    units = np.bincount(event[active], weights=table.mrr_units[row][active],
                        minlength=n_events)
    return 12 * kr.units_to_minor(np.rint(units).astype(np.int64))


def _partials(table: SubscriptionTable, plan: RenewalPlan) -> Partials:
    n_months, n_seg, n_band = len(plan.periods), plan.labels.size, plan.n_bands
    row, day = renewal_events(table, plan.first_month, n_months)
    keys = _terms(table).keys
    pair = np.unique(np.stack([keys[row], day.astype(np.int64)]), axis=1, return_index=True)[1]
    row, day = row[pair], day[pair]  # one event per subscription and date
    pairs = _event_rows(table, keys[row])
    before = _arr_on(table, pairs, row.size, day - np.timedelta64(1, "D"))
    after = _arr_on(table, pairs, row.size, day + np.timedelta64(plan.grace, "D"))
    seg = segment_as(table, plan.by, plan.labels, plan.seg_name, "renewals", plan.of_customer)
    cust = table.customer_codes[row]
    band = (np.zeros(row.size, dtype=np.int64) if plan.band_of_customer is None
            else plan.band_of_customer[cust])
    cell = ((_month(day) - plan.first_month) * n_seg
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
