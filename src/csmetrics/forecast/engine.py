"""The forecast of one portfolio from one origin: the book, the flows and the simulation.

``forecast_at`` is what ``mrr_forecast`` and ``forecast_backtest`` share. Money is in minor
units (cents) throughout; the caller converts. The only loops are over segments, forecast
months and bootstrap fits, never over customers or rows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._kernels import revenue as kr
from csmetrics.forecast.retention import Lifetimes, RetentionModel, fit_retention
from csmetrics.revenue.movements import mrr_movements
from csmetrics.revenue.segments import Segmentation
from csmetrics.tables.subscriptions import SubscriptionTable
from csmetrics.value.survival import customer_lifetimes

__all__ = ["FITS", "Forecast", "forecast_at", "month_end", "month_index", "month_label",
           "month_text"]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

FITS = 100
"""Bootstrap fits of the retention model behind the simulated paths (path i uses fit i mod
FITS): enough for the parameters' spread, few enough to stay fast."""

_CHUNK = 4_000_000
"""Simulated (path, customer) cells drawn at once, to bound memory."""


def month_end(months: Any) -> NDArray[np.datetime64]:
    """Last day of each month index (months since 1970-01)."""
    m = np.asarray(months, dtype=np.int64).astype("datetime64[M]")
    return np.asarray((m + 1).astype("datetime64[D]") - 1)


def month_index(period: Any) -> int:
    """Months since 1970-01 of the month holding a period's last day."""
    from csmetrics.periods.calendar import snapshot_date

    day = snapshot_date(period)
    return int(day.astype("datetime64[M]").astype(np.int64))


def month_text(month: int) -> str:
    """``"YYYY-MM"`` of one month index."""
    return str(np.datetime64(int(month), "M"))


def month_label(months: Any) -> NDArray[Any]:
    """``"YYYY-MM"`` labels of month indexes."""
    m = np.asarray(months, dtype=np.int64).astype("datetime64[M]")
    return np.asarray(np.datetime_as_string(m, unit="M"), dtype=object)


@dataclass(frozen=True)
class Forecast:
    """Per segment (rows) and forecast month (columns), in minor units."""

    point: F64
    lower: F64
    upper: F64
    committed: F64
    retained: F64
    new: F64
    model: RetentionModel


def forecast_at(table: SubscriptionTable, seg: Segmentation, by: Any, origin_month: int,
                horizon: int, *, method: str, window: int, confidence: float, simulations: int,
                rng: np.random.Generator, known_future: bool) -> Forecast:
    """Forecast months ``origin + 1 .. origin + horizon`` from the end of ``origin_month``.

    ``known_future=False`` (a backtest) hides what the table knows after the origin: spans
    starting later are left out and later ends are treated as open."""
    n_seg, n_ent = seg.n_segments, seg.n_entities
    origin: np.datetime64 = month_end([origin_month])[0]
    end = table.end
    cancel = getattr(table, "cancel_at", None)  # optional column of a newer table
    if cancel is not None:
        cancel = np.asarray(cancel, dtype="datetime64[D]")
        end = np.where(np.isnat(end) | (~np.isnat(cancel) & (cancel < end)), cancel, end)
    keep = np.ones(len(table), dtype=bool)
    if not known_future:
        keep = table.start <= origin
        end = np.where(end > origin, np.datetime64("NaT"), end)
    days = month_end(origin_month + np.arange(horizon + 1))
    ent, units = seg.entity_of_row, table.mrr_units
    fixed = np.zeros((n_ent, horizon + 1))
    open_ = np.zeros((n_ent, horizon + 1))
    # Committed until: a known end; for a booking (a start after the origin) with no end,
    # the end of its first billing term; nothing else is contracted.
    until = np.where(~np.isnat(end), end,
                     np.where(table.start > origin, first_term_end(table),
                              np.datetime64("NaT")))
    for h, day in enumerate(days):  # one pass over the rows per forecast month
        active = keep & kr.active_on(table.start, end, day)
        held = ~np.isnat(until) & (day < until)
        fixed[:, h] = kr.entity_minor_at(ent, units, active & held, n_ent)
        open_[:, h] = kr.entity_minor_at(ent, units, active & ~held, n_ent)
    tenure = _tenure(table, seg, keep, end, origin_month)
    lt = _lifetimes(table, origin)
    rng_fit = np.random.default_rng(rng.integers(2**63))
    max_tenure = int(max(tenure.max(initial=0), lt.lifetime.max(initial=0))) + horizon + 1
    model = fit_retention(method, lt, origin_month, window, max_tenure, FITS, rng_fit)
    new_mrr, growth = _flows(table, seg, by, origin_month, window)
    out = {k: np.full((n_seg, horizon), np.nan) for k in
           ("point", "lower", "upper", "committed", "retained", "new")}
    seg_of_ent = seg.segment_of_entity
    for s in range(n_seg):  # one forecast per segment
        mine = seg_of_ent == s
        parts = _one_segment(fixed[mine], open_[mine], tenure[mine], new_mrr[s], growth[s],
                             model, confidence, simulations, rng)
        for k, v in parts.items():
            out[k][s] = v
    return Forecast(model=model, **out)


def first_term_end(table: SubscriptionTable) -> NDArray[np.datetime64]:
    """The day each span's first billing term ends: ``interval_count`` days, weeks, months,
    quarters or years after its start (a month after 31 January is the last day of
    February)."""
    count = np.broadcast_to(table.interval_count, table.start.shape)
    months = np.select([table.interval == 2, table.interval == 3, table.interval == 4],
                       [count, 3 * count, 12 * count], 0)
    days = np.where(table.interval == 0, count, np.where(table.interval == 1, 7 * count, 0))
    start_month = table.start.astype("datetime64[M]")
    day_of_month = (table.start - start_month.astype("datetime64[D]")).astype(np.int64)
    target = start_month + months.astype("timedelta64[M]")
    month_days = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")
                  ).astype(np.int64)
    by_month = target.astype("datetime64[D]") + np.minimum(day_of_month, month_days - 1)
    out: NDArray[np.datetime64] = np.where(months > 0, by_month,
                                           table.start + days.astype("timedelta64[D]"))
    return out


def _tenure(table: SubscriptionTable, seg: Segmentation, keep: NDArray[np.bool_],
            end: NDArray[np.datetime64], origin_month: int) -> I64:
    """Months from each entity's first paying month end to the origin (0 for one not yet
    paying at the origin: a booking counts as a new customer)."""
    month = table.start.astype("datetime64[M]").astype(np.int64)
    first_end = month_end(month)
    paying = keep & (table.mrr_units > 0) & (np.isnat(end) | (first_end < end))
    first = np.full(seg.n_entities, np.iinfo(np.int64).max)
    np.minimum.at(first, seg.entity_of_row[paying], month[paying])
    return np.asarray(np.clip(origin_month - first, 0, None), dtype=np.int64)


def _lifetimes(table: SubscriptionTable, origin: np.datetime64) -> Lifetimes:
    """Every customer's first paying lifetime, censored at the origin (no later data)."""
    if len(table) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Lifetimes(empty, empty, np.zeros(0, dtype=bool))
    lt = customer_lifetimes(table, origin)
    cohort = np.asarray(np.asarray(lt["cohort"], dtype=str).astype("datetime64[M]")
                        .astype(np.int64))
    return Lifetimes(cohort, np.asarray(lt["lifetime"], dtype=np.int64),
                     np.asarray(lt["churned"], dtype=bool))


def _flows(table: SubscriptionTable, seg: Segmentation, by: Any, origin_month: int,
           window: int) -> tuple[list[F64], list[F64]]:
    """Per segment, the trailing window's monthly new (with reactivated) MRR in minor units
    and monthly net expansion rate of the existing book ((expansion - contraction) /
    starting MRR; months with no starting MRR left out). Months before the data's first
    month are not part of the window."""
    empty = [np.zeros(0) for _ in range(seg.n_segments)]
    if len(table) == 0:
        return empty, list(empty)
    first = max(origin_month - window + 1,
                int(table.start.min().astype("datetime64[M]").astype(np.int64)))
    if first > origin_month:
        return empty, list(empty)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mv = mrr_movements(table, month_text(first), month_text(origin_month), by=by)
    digits = 10.0 ** np.asarray(mv.digits, dtype=np.float64)
    new = (np.asarray(mv["new"]) + np.asarray(mv["reactivation"])) * digits
    net = (np.asarray(mv["expansion"]) - np.asarray(mv["contraction"])) * digits
    base = np.asarray(mv["starting_mrr"]) * digits
    labels = (np.zeros(len(mv), dtype=np.int64) if seg.name is None else
              _positions(seg.labels, np.asarray(mv[seg.name], dtype=object)))
    news, growths = [], []
    for s in range(seg.n_segments):
        rows = labels == s
        b = base[rows]
        news.append(np.asarray(new[rows], dtype=np.float64))
        with np.errstate(invalid="ignore", divide="ignore"):
            growths.append(np.asarray((net[rows] / b)[b > 0], dtype=np.float64))
    return news, growths


def _positions(labels: NDArray[Any], values: NDArray[Any]) -> I64:
    text = np.asarray([str(v) for v in labels.tolist()], dtype=object)
    lookup = {v: i for i, v in enumerate(text.tolist())}
    return np.asarray([lookup.get(str(v), -1) for v in values.tolist()], dtype=np.int64)


def _one_segment(fixed: F64, open_: F64, tenure: I64, new_months: F64, growth_months: F64,
                 model: RetentionModel, confidence: float, simulations: int,
                 rng: np.random.Generator) -> dict[str, F64]:
    horizon = fixed.shape[1] - 1
    h = np.arange(1, horizon + 1)
    committed = fixed[:, 1:].sum(axis=0)
    if not model.defined or new_months.size == 0:
        nan = np.full(horizon, np.nan)
        return {"point": nan, "lower": nan, "upper": nan, "committed": committed,
                "retained": nan, "new": nan}
    g = float(np.mean(growth_months)) if growth_months.size else 0.0
    lift = (1.0 + g) ** np.arange(horizon + 1)
    s0 = model.survival[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        cond = s0[tenure[:, None] + h[None, :]] / s0[tenure][:, None]
    retained = (open_[:, 1:] * np.nan_to_num(cond)).sum(axis=0) * lift[1:]
    # Bookings already in the table (entities paying nothing at the origin) are part of the
    # trailing rate of new business, not on top of it.
    book = fixed + open_
    fresh = book[:, 0] == 0
    booked = np.maximum(np.diff(book[fresh], axis=1), 0).sum(axis=0)
    new_rate = np.maximum(float(np.mean(new_months)) - booked, 0.0)
    age = h[:, None] - h[None, :]  # (month, cohort month): months since the cohort joined
    ok = age >= 0
    weight = np.where(ok, s0[np.where(ok, age, 0)] * lift[np.where(ok, age, 0)], 0.0)
    new = weight @ new_rate
    sims = _simulate(open_[:, 1:], tenure, new_months, growth_months, booked, model,
                     simulations, rng) + committed
    tail = (1.0 - confidence) / 2.0
    lower, upper = np.quantile(sims, [tail, 1.0 - tail], axis=0)
    return {"point": committed + retained + new, "lower": lower, "upper": upper,
            "committed": committed, "retained": retained, "new": new}


def _months_alive(u: F64, curves: F64, fit: I64, tenure: I64, horizon: int) -> I64:
    """Months (0..horizon) each customer stays on each path: alive at month k while
    ``u < S(a + k) / S(a)``. S does not increase, so that holds for a prefix of the months,
    found by one binary search per fitted curve instead of a comparison per month."""
    out = np.empty(u.shape, dtype=np.int64)
    for b in np.unique(fit):  # one search per fitted curve, over all its paths
        rows = fit == b
        curve = curves[np.argmax(rows)]
        v = u[rows] * curve[tenure]
        found = np.searchsorted(-curve, -v, side="left")  # tenures with S(t) > v
        out[rows] = np.clip(found - 1 - tenure, 0, horizon)
    return out


def _simulate(open_: F64, tenure: I64, new_months: F64, growth_months: F64, booked: F64,
              model: RetentionModel, simulations: int, rng: np.random.Generator) -> F64:
    """Simulated retained + new MRR, shape (simulations, horizon).

    Each path draws a bootstrap fit, each customer's churn as a Bernoulli draw (one uniform
    per customer and path against the conditional survival: a customer alive at month h was
    alive before), each month's new MRR and net expansion rate from the trailing months."""
    n_ent, horizon = open_.shape
    fits = model.survival.shape[0] - 1
    fit = (np.arange(simulations) % fits + 1) if fits else np.zeros(simulations, np.int64)
    curves = model.survival[fit]  # (paths, tenures)
    growth = (rng.choice(growth_months, (simulations, horizon)) if growth_months.size
              else np.zeros((simulations, horizon)))
    lift = np.concatenate([np.ones((simulations, 1)), np.cumprod(1.0 + growth, axis=1)],
                          axis=1)
    new = np.maximum(rng.choice(new_months, (simulations, horizon)) - booked, 0.0)
    out = np.zeros((simulations, horizon))
    for j in range(horizon):  # new business of month j + 1, aged to each later month
        age = np.arange(horizon - j)
        out[:, j:] += new[:, j:j + 1] * curves[:, age] * lift[:, j + 1:] / lift[:, j + 1:j + 2]
    if n_ent == 0:
        return out
    steady = (open_ == open_[:, :1]).all(axis=1)  # open MRR the same every month (most)
    step = max(1, _CHUNK // n_ent)
    for lo in range(0, simulations, step):
        hi = min(simulations, lo + step)
        months = _months_alive(rng.random((hi - lo, n_ent)), curves[lo:hi], fit[lo:hi],
                               tenure, horizon)
        # Steady customers: their MRR summed by the month they are lost, then kept for the
        # months before it (a reversed cumulative sum); the others month by month.
        paths = np.arange(hi - lo)[:, None] * (horizon + 1)
        lost = np.bincount((paths + months)[:, steady].ravel(),
                           np.broadcast_to(open_[steady, 0], (hi - lo, int(steady.sum()))
                                           ).ravel(), (hi - lo) * (horizon + 1))
        kept = np.cumsum(lost.reshape(hi - lo, horizon + 1)[:, ::-1], axis=1)[:, ::-1][:, 1:]
        if not steady.all():
            varying = months[:, ~steady]
            for k in range(horizon):
                kept[:, k] += (varying > k) @ open_[~steady, k]
        out[lo:hi] += kept * lift[lo:hi, 1:]
    return out
