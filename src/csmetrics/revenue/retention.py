"""Net and gross revenue retention (NRR, GRR), over a window and as a rolling series.

Two definitions, both named, because they answer different questions and differ a lot on
the same data:

* **cohort** (the investor definition; SaaS Capital): take the customers paying at the base
  snapshot (the end of the period before ``start``); NRR is their MRR at the final snapshot
  over their MRR at the base one. GRR caps each customer's ending MRR at its starting MRR,
  so it counts only losses. Customers who join during the window are not in the cohort.
  Whether a cohort customer who churned in the window and came back by its end counts with
  its ending MRR is ``policy.returning_revenue_in_nrr`` (default yes; ChartMogul and
  Baremetrics leave reactivation out).
* **bridge** (chained): for each period ``k`` of ``freq`` inside the window,
  ``NRR_k = (start_k + expansion_k - contraction_k - churn_k) / start_k`` and
  ``GRR_k = (start_k - contraction_k - churn_k) / start_k``; the window's value is the
  product of the periods' values. Reactivation is never in it: a returning customer was not
  paying at the start of its period.

Chaining monthly values is not the cohort value: a customer who expands in March and churns
in June lifts three monthly NRRs and lowers one, but is simply lost in the cohort view.

With ``fx``, cohort NRR and GRR are in constant currency (starting and ending MRR both at
the final snapshot's rates), so exchange-rate moves are neither expansion nor churn; bridge
values use the converted movements and leave the ``fx`` line out.
"""

from __future__ import annotations

import warnings
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.options import OneOf, validate_params
from csmetrics._core.partials import Job, Partials, staged
from csmetrics._core.ratios import divide
from csmetrics._core.segments import segment_columns
from csmetrics._kernels import retention as kret
from csmetrics._kernels import revenue as kr
from csmetrics._kernels.primitives import bincount_int
from csmetrics.exceptions import InvalidParameterError, UndefinedMetricWarning
from csmetrics.fx import FX, FxRates
from csmetrics.periods.calendar import FREQ, Frequency, Period, PeriodLike, parse_frequency
from csmetrics.periods.windows import WindowLike, window_months
from csmetrics.policies import POLICY, MetricPolicy, resolve
from csmetrics.results import MetricResult
from csmetrics.revenue.engine import Plan, Run, Totals, part_run, totals, window_job
from csmetrics.revenue.ratios import rate_result
from csmetrics.revenue.segments import By

Method = Literal["cohort", "bridge"]
I64 = NDArray[np.int64]
_METHOD = OneOf("cohort", "bridge")
_OPTIONS = {"method": _METHOD, "freq": FREQ, "policy": POLICY, "fx": FX}


class RetentionSeries(MetricResult):
    """Rolling NRR and GRR: one row per period (and segment), value column ``nrr``.

    Columns ``period`` (the window's last period), the segment column when split,
    ``window_start`` (its first period), ``nrr`` and ``grr``; for the cohort method also
    ``starting_mrr`` and ``retained_mrr`` (net).
    """

    def plot(self, *, ax: Any = None, segment: Any = None) -> Any:
        """Draw NRR and GRR over the periods (needs the ``plot`` extra); split ``by=``, draw
        one segment's (``segment="EU"``)."""
        from csmetrics.plotting import plot_retention_trend

        return plot_retention_trend(self, ax=ax, segment=segment)


@staged(MetricResult)
@validate_params(_OPTIONS)
def net_revenue_retention(
    subscriptions: Any,
    start: PeriodLike,
    end: PeriodLike,
    *,
    method: Method = "cohort",
    by: By = None,
    freq: str | Frequency = "month",
    policy: MetricPolicy | None = None,
    fx: FxRates | None = None,
) -> Job[MetricResult]:
    """Net revenue retention (NRR) over a window, as a fraction (1.08 is 108%).

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans.
    start, end : period or date
        The window, inclusive: ``("2024-01", "2024-12")`` is the year-2024 NRR of the
        customers paying on 31 December 2023.
    method : {"cohort", "bridge"}, default "cohort"
        See the module documentation.
    by : str or mapping, optional
        Split by a column or a customer-to-segment mapping (NRR is a ratio: segment values
        do not add up; their ``starting_mrr`` and ``retained_mrr`` columns do).
    freq : str, default "month"
        Period length of the bridge method's chain (and of the snapshots looked at).
    policy : MetricPolicy, optional
        ``returning_revenue_in_nrr`` and ``free_customers`` matter here.
    fx : FxRates, optional
        Exchange rates (constant-currency, see the module documentation).

    Returns
    -------
    MetricResult
        Value column ``net_revenue_retention``; the cohort method adds its parts,
        ``starting_mrr`` and ``retained_mrr``.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [
    ...     Subscription(customer_id="a", start="2023-06-01", amount=100, subscription_id="a",
    ...                  end="2024-03-01"),
    ...     Subscription(customer_id="a", start="2024-03-01", amount=150, subscription_id="a"),
    ...     Subscription(customer_id="b", start="2023-06-01", end="2024-05-01", amount=100),
    ...     Subscription(customer_id="c", start="2024-02-01", amount=500),   # not in the cohort
    ... ]
    >>> net_revenue_retention(subs, "2024-01", "2024-12")     # 150 / 200
    MetricResult(net_revenue_retention=0.75)
    >>> float(gross_revenue_retention(subs, "2024-01", "2024-12"))   # min(150, 100) / 200
    0.5
    """
    return _retention(subscriptions, start, end, method, by, freq, policy, fx, gross=False)


@staged(MetricResult)
@validate_params(_OPTIONS)
def gross_revenue_retention(
    subscriptions: Any,
    start: PeriodLike,
    end: PeriodLike,
    *,
    method: Method = "cohort",
    by: By = None,
    freq: str | Frequency = "month",
    policy: MetricPolicy | None = None,
    fx: FxRates | None = None,
) -> Job[MetricResult]:
    """Gross revenue retention (GRR) over a window, as a fraction between 0 and 1.

    As ``net_revenue_retention()``, with each cohort customer's ending MRR capped at its
    starting MRR (cohort), or without expansion (bridge): only losses count.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [Subscription(customer_id="a", start="2023-01-01", amount=100,
    ...                      subscription_id="a", end="2024-06-01"),
    ...         Subscription(customer_id="a", start="2024-06-01", amount=60,
    ...                      subscription_id="a")]
    >>> float(gross_revenue_retention(subs, "2024-01", "2024-12"))
    0.6
    """
    return _retention(subscriptions, start, end, method, by, freq, policy, fx, gross=True)


def _retention(subscriptions: Any, start: PeriodLike, end: PeriodLike, method: Method, by: By,
               freq: str | Frequency, policy: MetricPolicy | None, fx: FxRates | None, *,
               gross: bool) -> Job[MetricResult]:
    name = "gross_revenue_retention" if gross else "net_revenue_retention"
    pol = resolve(policy).model_copy(update={"same_period_churn": False})
    finish = partial(_chained_result if method == "bridge" else _cohort_result, gross)
    gather = None if method == "bridge" else partial(_cohort_partials, None)
    return window_job(subscriptions, start, end, freq=freq, by=by, policy=pol, fx=fx,
                      context=name, finish=finish, gather=gather)


def _chained_result(gross: bool, partials: Partials, plan: Plan) -> MetricResult:
    name = "gross_revenue_retention" if gross else "net_revenue_retention"
    values = _chained(totals(partials, plan), gross, name)
    return rate_result(plan.segments, values, {}, name=name,
                       title=f"{'GRR' if gross else 'NRR'} (bridge, chained)")


def _cohort_result(gross: bool, partials: Partials, plan: Plan) -> MetricResult:
    name = "gross_revenue_retention" if gross else "net_revenue_retention"
    starting = partials["starting"][0]
    retained = partials["gross" if gross else "net"][0]
    values = divide(retained, starting, context=name, what="the cohort's starting MRR")
    scale = plan.scale
    return rate_result(plan.segments, values, {"starting_mrr": starting / scale,
                                               "retained_mrr": retained / scale},
                       name=name, title=f"{'GRR' if gross else 'NRR'} (cohort)",
                       money=("starting_mrr", "retained_mrr"), digits=plan.digits)


def _cohort_partials(n_window: int | None, r: Run) -> Partials:
    """Per trailing window of ``n_window`` periods (``None``: the whole run) ending at each
    period from the ``n_window``-th on (rows), per segment: the cohort's starting MRR and its
    retained MRR, net and gross."""
    n_window = n_window or r.n_periods
    memo_key = ("cohort retention", n_window)
    found: Partials | None = r.memo.get(memo_key)   # NRR and GRR of a window share it
    if found is not None:
        return found
    n_out = r.n_periods - n_window + 1
    windows = [(r.base + j, r.base + j + n_window) for j in range(n_out)]
    if r.entity_points is None:  # one sweep over the snapshots for every window
        sums = _window_sums(r, windows)
    else:
        sums = np.zeros((3, n_out, r.seg.n_segments), dtype=np.int64)
        cohorts = _Cohorts(r)
        for j, (base, final) in enumerate(windows):  # vectorized over customers
            sums[:, j] = cohorts.sums(base, final)
    found = r.memo[memo_key] = Partials("cohort retention", {
        "starting": sums[0], "net": sums[1], "gross": sums[2]})
    return found


_SUMS: weakref.WeakKeyDictionary[Any, OrderedDict[Hashable, tuple[Any, dict[Any, I64]]]] = (
    weakref.WeakKeyDictionary())


def _window_sums(r: Run, windows: list[tuple[int, int]]) -> I64:
    """``kret.cohort_sums`` of a run's windows (snapshot pairs), shaped ``(3, windows,
    segments)``. Runs of one table whose windows end in the same period share their change
    points (a report's NRR, GRR, its trailing series and its headline's): each window's sums
    are kept with those points, and only the windows not yet summed are swept. A window's
    sums are exact integers whatever the windows swept with it, so what is kept is what
    would be computed."""
    args = (r.inner.n_entities, r.outer_of_inner[r.inner.segment_of_entity], r.seg.n_segments)
    returning = r.policy.returning_revenue_in_nrr
    kept: dict[Any, I64] | None = None
    if r.plan.key is not None and r.table is not None:   # segments named by None or a column
        entries = _SUMS.setdefault(r.table, OrderedDict())
        key = (r.plan.by, returning, id(r.points))
        found = entries.get(key)
        if found is not None and found[0]() is r.points:
            kept = found[1]
        else:
            try:   # the points are held weakly: their own cache decides how long they live
                entries[key] = (weakref.ref(r.points), kept := {})
            except TypeError:
                kept = None
            while len(entries) > 4:
                entries.popitem(last=False)
    if kept is None:
        return kret.cohort_sums(r.points, windows, *args, returning_counts=returning)
    missing = [w for w in dict.fromkeys(windows) if w not in kept]
    if missing:
        sums = kret.cohort_sums(r.points, missing, *args, returning_counts=returning)
        kept.update({w: sums[:, j] for j, w in enumerate(missing)})
    out = np.zeros((3, len(windows), r.seg.n_segments), dtype=np.int64)
    for j, w in enumerate(windows):
        out[:, j] = kept[w]
    return out


@dataclass
class _Cohorts:
    """What every window of one run shares: the change points' levels, built once."""

    r: Run
    levels: kr.CohortLevels = field(init=False)
    entity_levels: kr.CohortLevels | None = field(init=False)

    def __post_init__(self) -> None:
        r = self.r
        self.levels = kr.CohortLevels(r.points, r.inner.n_entities)
        self.entity_levels = (None if r.entity_points is None else
                              kr.CohortLevels(r.entity_points, r.seg.n_entities))

    def sums(self, base: int, final: int) -> tuple[I64, I64, I64]:
        """Per user segment: the cohort's MRR at ``base``, and its retained MRR at ``final``
        net and gross (each customer capped at its starting MRR)."""
        r = self.r
        n_out = r.seg.n_segments
        if self.entity_levels is None:
            start_lv, end_lv, lapsed = self.levels.at(base, final)
        else:
            # Constant currency: every pair's local MRR at both ends at the final rates,
            # summed per entity; lapses are the entity's, not a currency's.
            assert r.pair_entity is not None
            assert r.pair_currency is not None
            assert r.currency_factor is not None
            pair_start, pair_end, _ = self.levels.at(base, final)
            rate = r.currency_factor[r.pair_currency, final - r.base]
            n_ent = r.seg.n_entities
            start_lv = np.rint(np.bincount(r.pair_entity, weights=pair_start * rate,
                                           minlength=n_ent)).astype(np.int64)
            end_lv = np.rint(np.bincount(r.pair_entity, weights=pair_end * rate,
                                         minlength=n_ent)).astype(np.int64)
            _, _, lapsed = self.entity_levels.at(base, final)
        in_cohort = start_lv > 0
        kept = np.where(lapsed & ~r.policy.returning_revenue_in_nrr, 0, end_lv)[in_cohort]
        start_in = start_lv[in_cohort]
        segment = (r.seg.segment_of_entity if r.entity_points is not None else
                   r.outer_of_inner[r.inner.segment_of_entity])[in_cohort]
        return (bincount_int(segment, start_in, n_out), bincount_int(segment, kept, n_out),
                bincount_int(segment, np.minimum(kept, start_in), n_out))


def _period_ratios(r: Totals, gross: bool, name: str) -> NDArray[np.float64]:
    """Each period's retained share of its starting MRR (segments x periods)."""
    b = r.bridge
    start = np.concatenate([b.starting[:, None], b.ending[:, :-1]], axis=1)
    kept = start - b.amounts[kr.CONTRACTION] - b.amounts[kr.CHURN]
    if not gross:
        kept = kept + b.amounts[kr.EXPANSION]
    return divide(kept, start, context=name, what="a period's starting MRR")


def _chained(r: Totals, gross: bool, name: str) -> NDArray[np.float64]:
    chained: NDArray[np.float64] = np.prod(_period_ratios(r, gross, name), axis=1)
    return chained


@staged(RetentionSeries)
@validate_params(_OPTIONS)
def nrr_series(
    subscriptions: Any,
    start: PeriodLike,
    end: PeriodLike,
    *,
    window: WindowLike = "12M",
    freq: str | Frequency = "month",
    method: Method = "cohort",
    by: By = None,
    policy: MetricPolicy | None = None,
    fx: FxRates | None = None,
) -> Job[RetentionSeries]:
    """Rolling NRR and GRR: for every period from ``start`` to ``end``, the retention over
    the ``window`` ending with it (trailing twelve months by default).

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
    start, end : period or date
        The first and last period of the series (each the last period of its window).
    window : str, default "12M"
        The trailing window, a whole number of ``freq`` periods: ``"12M"``, ``"4Q"``,
        ``"1Y"``. (A bare number of periods is deprecated.)
    freq, method, by, policy, fx
        As in ``net_revenue_retention()``.

    Returns
    -------
    RetentionSeries
        Value column ``nrr``; see ``RetentionSeries`` for the columns.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [Subscription(customer_id="a", start="2023-01-01", amount=100,
    ...                      subscription_id="a", end="2023-07-01"),
    ...         Subscription(customer_id="a", start="2023-07-01", amount=120,
    ...                      subscription_id="a")]
    >>> s = nrr_series(subs, "2023-06", "2023-08", window="3M")
    >>> s["window_start"].tolist(), s["nrr"].tolist()
    (['2023-04', '2023-05', '2023-06'], [1.0, 1.2, 1.2])
    """
    f = parse_frequency(freq)
    legacy = {1: "M", 3: "Q", 12: "Y"}[f.months]
    n_window = window_months(window, "nrr_series", per=f.months,
                             legacy_unit=legacy) // f.months  # type: ignore[arg-type]
    if Period.parse(end, f) < Period.parse(start, f):
        raise InvalidParameterError(f"nrr_series: end {end!r} is before start {start!r}.")
    first = Period.parse(start, f) - (n_window - 1)
    pol = resolve(policy).model_copy(update={"same_period_churn": False})
    cohort = method == "cohort"
    return window_job(subscriptions, first, end, freq=f, by=by, policy=pol, fx=fx,
                      context="nrr_series", finish=partial(_series, n_window, cohort),
                      gather=partial(_cohort_partials, n_window) if cohort else None)


def _series(n_window: int, cohort: bool, partials: Partials, plan: Plan) -> RetentionSeries:
    method = "cohort" if cohort else "bridge"
    labels = plan.grid.labels
    n_out = plan.n_periods - n_window + 1
    n_seg = plan.n_segments
    if cohort:
        starting, retained, gross_kept = partials["starting"], partials["net"], partials["gross"]
        # One division over the whole grid: one warning for all its empty cohorts.
        what = "the cohort's starting MRR"
        nrr = divide(retained, starting, context="nrr_series", what=what)
        with warnings.catch_warnings():  # GRR shares these denominators: already said
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            grr = divide(gross_kept, starting, context="nrr_series", what=what)
    else:
        r = totals(partials, plan)
        net_ratio = _period_ratios(r, False, "nrr_series")  # segments x periods, one warning
        with warnings.catch_warnings():  # the same denominators: already said
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            gross_ratio = _period_ratios(r, True, "nrr_series")
        nrr = np.stack([net_ratio[:, j:j + n_window].prod(axis=1) for j in range(n_out)]
                       ).reshape(n_out, n_seg)
        grr = np.stack([gross_ratio[:, j:j + n_window].prod(axis=1) for j in range(n_out)]
                       ).reshape(n_out, n_seg)
    per = np.repeat(np.arange(n_out), n_seg)
    sg = np.tile(np.arange(n_seg), n_out)
    lab = np.asarray(labels, dtype=object)
    cols = segment_columns(plan.seg_name, plan.labels[sg], "nrr_series",
                           {"period": lab[per + n_window - 1]})
    cols["window_start"] = lab[per]
    cols["nrr"] = nrr[per, sg]
    cols["grr"] = grr[per, sg]
    money: tuple[str, ...] = ()
    if cohort:
        cols["starting_mrr"] = starting[per, sg] / plan.scale[sg]
        cols["retained_mrr"] = retained[per, sg] / plan.scale[sg]
        money = ("starting_mrr", "retained_mrr")
    return RetentionSeries(cols, value="nrr",
                           title=f"Trailing {n_window}-period NRR and GRR ({method})",
                           money=money, digits=plan.digits[sg], segment=plan.seg_name)


def series_rows(job: Job[RetentionSeries], n_window: int, periods: list[str]
                ) -> dict[str, tuple[float, float]] | None:
    """NRR and GRR of the rows of ``job`` (an unsplit ``nrr_series`` job of windows of
    ``n_window`` periods, cohort method) for ``periods`` only: the same numbers as those
    rows of ``job.result()``, summing only their windows rather than every window. None
    when the job is split, converted with ``fx`` or by the bridge method (then compute the
    series)."""
    plan: Plan = job.plan
    fin = job.finalize
    if (plan.fx is not None or plan.n_segments != 1 or not isinstance(fin, partial)
            or fin.func is not _series or fin.args != (n_window, True)):
        return None
    labels = list(plan.grid.labels)
    ends = [labels.index(p) for p in periods]
    if min(ends) < n_window - 1:
        return None
    r = part_run(job.table, plan)
    sums = _window_sums(r, [(r.base + k - n_window + 1, r.base + k + 1) for k in ends])
    what = "the cohort's starting MRR"
    nrr = divide(sums[1, :, 0], sums[0, :, 0], context="nrr_series", what=what)
    grr = divide(sums[2, :, 0], sums[0, :, 0], context="nrr_series", what=what)
    return {p: (float(n), float(g)) for p, n, g in zip(periods, nrr.tolist(), grr.tolist(),
                                                       strict=True)}
