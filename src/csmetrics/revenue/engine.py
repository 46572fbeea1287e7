"""One run of the MRR bridge over a window: shared by movements, churn and retention.

A run resolves the window into snapshots (with the history before it), the table into
entities and segments, applies the policy in the kernel, and aggregates a bridge per segment
and period in minor units of the result's currency, converting through fx when the portfolio
holds several currencies."""

from __future__ import annotations

import functools
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.currency import MINOR_UNITS
from csmetrics._core.partials import Job, Partials
from csmetrics._kernels import currencies as kcur
from csmetrics._kernels import revenue as kr
from csmetrics.fx import FxRates
from csmetrics.periods.calendar import (
    Frequency,
    PeriodLike,
    SnapshotGrid,
    period_ends_before,
    snapshot_grid,
)
from csmetrics.policies import MetricPolicy, resolve
from csmetrics.revenue import conversion as cv
from csmetrics.revenue.conversion import (
    check_convertible,
    conversion,
    convert_bridge,
    pair_owner,
)
from csmetrics.revenue.points import bridge_in_pieces, days, shared_points
from csmetrics.revenue.segments import (
    By,
    Segmentation,
    currency_digits,
    customer_segments,
    segment,
    segment_as,
)
from csmetrics.tables.coerce import as_table
from csmetrics.tables.subscriptions import SubscriptionTable

I64 = NDArray[np.int64]
_NAT = np.iinfo(np.int64).min   # NaT, read as an integer
R = TypeVar("R")



@dataclass(frozen=True)
class Plan:
    """What every part of a run's customers must agree on: the global pre-pass.

    Small and row-free: the segments' labels, the snapshot grid with the history before it
    (from the data's first start), each segment's currency digits, the policy and rates.
    ``currencies`` is the table's currency code table (the cells of a run with ``fx``).
    """

    by: By
    seg_name: str | None
    labels: NDArray[Any]
    grid: SnapshotGrid
    snapshots: I64             # days, history then the window
    base: int
    digits: I64                # minor-unit digits per user segment
    currency: str
    currency_of_segment: I64   # without fx: each segment's one currency code (-1: none)
    currencies: NDArray[np.str_]
    policy: MetricPolicy
    fx: FxRates | None
    context: str
    key: Hashable | None = None  # what the run of this plan is cached under, per table
    of_customer: I64 | None = None  # each customer code's segment, when segments are
    #                                 per customer (see segments.customer_segments)

    @property
    def n_segments(self) -> int:
        return int(self.labels.size)

    @property
    def n_periods(self) -> int:
        return len(self.grid.labels)

    @property
    def n_cells(self) -> int:
        """Bridge rows of a part: segments, or (segment, currency) cells with ``fx``."""
        return self.n_segments * (1 if self.fx is None else self.n_currencies)

    @property
    def n_currencies(self) -> int:
        return int(self.currencies.size)

    @property
    def scale(self) -> NDArray[np.float64]:
        """Minor units per major unit, per user segment."""
        return np.power(10.0, self.digits)

    @property
    def segments(self) -> Segmentation:
        """The user segments, without entities (what results are labelled with)."""
        none = np.zeros(0, dtype=np.int64)
        return Segmentation(self.seg_name, self.labels, none, none, none, self.context)


class _OfPlan:
    """What a run's results read from its plan."""

    plan: Plan

    @property
    def grid(self) -> SnapshotGrid:
        return self.plan.grid

    @property
    def base(self) -> int:
        return self.plan.base

    @property
    def n_periods(self) -> int:
        return self.plan.n_periods

    @property
    def digits(self) -> I64:
        return self.plan.digits

    @property
    def scale(self) -> NDArray[np.float64]:
        return self.plan.scale

    @property
    def currency(self) -> str:
        return self.plan.currency

    @property
    def snapshots(self) -> I64:
        return self.plan.snapshots

    @property
    def policy(self) -> MetricPolicy:
        return self.plan.policy

    @property
    def fx_source(self) -> FxRates | None:
        return self.plan.fx


@dataclass(frozen=True)
class Totals(_OfPlan):
    """A run's bridge over all its parts, in the result's currency: what results read.

    Money arrays are ``(n_segments, n_periods)`` in minor units of each segment's currency;
    ``fx_line`` is the exchange-rate line (zero without ``fx=``).
    """

    plan: Plan
    bridge: kr.Bridge
    fx_line: I64

    @property
    def seg(self) -> Segmentation:
        return self.plan.segments


@dataclass(frozen=True)
class Run(_OfPlan):
    """A run over one table (the whole, or one part): its entities and change points.

    ``seg`` holds the table's entities with segments numbered as the plan's labels;
    ``inner`` is what is tracked: the same entities, or with ``fx`` (entity, currency)
    pairs in (segment, currency) cells (``cell = segment * n_currencies + currency``).
    ``totals`` is the bridge of this table alone.
    """

    table: Any                 # the SubscriptionTable (None only inside the cache)
    plan: Plan
    seg: Segmentation
    inner: Segmentation
    outer_of_inner: I64        # user segment of each inner segment
    currency_of_inner: I64     # currency code of each inner segment (-1: none)
    points: kr.ChangePoints
    extra: kr.Transients | None
    entity_points: kr.ChangePoints | None = None  # with fx: per user entity, converted
    entity_extra: kr.Transients | None = None     # with fx: transients of user entities
    pair_entity: I64 | None = None                # with fx: user entity of each pair
    pair_currency: I64 | None = None              # with fx: currency code of each pair
    currency_factor: NDArray[np.float64] | None = None  # with fx: (n_currencies, 1 + T)
    inner_bridge: kr.Bridge | None = None         # this table's bridge in local units
    # Made on first use and shared by every copy of the run (cached runs are copies):
    # metrics that read only the change points (cohort NRR) never build the bridge.
    memo: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def totals(self) -> Totals:
        """This table's bridge, in the result's currency."""
        found: Totals | None = self.memo.get("totals")
        if found is None:
            b = bridge_in_pieces(self.points, self.inner.segment_of_entity,
                                 self.inner.n_segments, self.base, self.n_periods, self.extra)
            zero = np.zeros((self.seg.n_segments, self.n_periods), dtype=np.int64)
            found = self.memo["totals"] = Totals(self.plan, b, zero)
        return found

    @property
    def bridge(self) -> kr.Bridge:
        return self.totals.bridge

    @property
    def fx_line(self) -> I64:
        return self.totals.fx_line


_CACHE: weakref.WeakKeyDictionary[SubscriptionTable, OrderedDict[Hashable, Run]] = (
    weakref.WeakKeyDictionary())
_PLANS: weakref.WeakKeyDictionary[SubscriptionTable, OrderedDict[Hashable, Plan]] = (
    weakref.WeakKeyDictionary())


_CACHE_SIZE = 4


def _remember(cache: weakref.WeakKeyDictionary[SubscriptionTable, OrderedDict[Hashable, Any]],
              table: SubscriptionTable, key: Hashable, value: Any) -> None:
    entries = cache.setdefault(table, OrderedDict())
    entries[key] = value
    while len(entries) > _CACHE_SIZE:
        entries.popitem(last=False)


def run(subscriptions: Any, start: PeriodLike, end: PeriodLike, *, freq: str | Frequency,
        by: By, policy: MetricPolicy | None, fx: FxRates | None, context: str,
        money: bool = True) -> Run:
    """The run of a window over the whole table (see the module documentation)."""
    table = as_table(subscriptions, context, by=by)
    return part_run(table, plan_for(table, start, end, freq=freq, by=by, policy=policy, fx=fx,
                                    context=context, money=money))


def plan_for(table: SubscriptionTable, start: PeriodLike, end: PeriodLike, *,
             freq: str | Frequency, by: By, policy: MetricPolicy | None, fx: FxRates | None,
             context: str, money: bool = True) -> Plan:
    """The plan of a window over the whole ``table`` (see ``Plan``).

    Tables are immutable, so the last few plans and runs of each table are kept: asking for
    NRR, GRR and churn of one window computes its bridge once. Only hashable options are
    cached (a ``by=`` mapping is not). ``money=False`` is for metrics that only count
    customers: several currencies are then no obstacle.
    """
    pol = resolve(policy)
    if not money and fx is None and table.currencies.size <= 1:
        money = True  # one currency cannot mix: counting runs share the run with money
    key: Hashable | None = None
    if by is None or isinstance(by, str):
        key = (_hashable(start), _hashable(end), str(freq), by, pol, id(fx) if fx else None,
               money)
        try:
            hash(key)
        except TypeError:  # a window that cannot be a key (a list): the grid refuses it below
            key = None
    if key is not None:
        cached = _PLANS.get(table, OrderedDict()).get(key)
        if cached is not None and cached.fx is fx:
            return cached
    plan = make_plan(table, start, end, freq=freq, by=by, policy=pol, fx=fx, context=context,
                     money=money, key=key)
    if key is not None:
        _remember(_PLANS, table, key, plan)
    return plan


def _hashable(value: PeriodLike) -> Hashable:
    return str(value) if isinstance(value, np.datetime64) else value


def window_job(subscriptions: Any, start: PeriodLike, end: PeriodLike, *,
               freq: str | Frequency, by: By, policy: MetricPolicy | None,
               fx: FxRates | None, context: str, finish: Callable[[Partials, Plan], R],
               gather: Callable[[Run], Partials] | None = None, money: bool = True
               ) -> Job[R]:
    """A revenue metric over a window as a job: each part's run gives its partials
    (``gather``, the bridge by default) and ``finish`` makes the result of their sum."""
    table = as_table(subscriptions, context, by=by)
    plan = plan_for(table, start, end, freq=freq, by=by, policy=policy, fx=fx,
                    context=context, money=money)
    return Job(table, plan, functools.partial(_gathered, gather or bridge_partials), finish)


def _gathered(gather: Callable[[Run], Partials], part: SubscriptionTable, plan: Plan
              ) -> Partials:
    return gather(part_run(part, plan))


def make_plan(table: SubscriptionTable, start: PeriodLike, end: PeriodLike, *,
              freq: str | Frequency, by: By, policy: MetricPolicy, fx: FxRates | None,
              context: str, money: bool = True, key: Hashable | None = None) -> Plan:
    """The plan of a window over the whole ``table`` (see ``Plan``), uncached."""
    seg = segment(table, by, context)
    grid = snapshot_grid(start, end, freq)
    history = (period_ends_before(table.start.min(), grid.dates[0], grid.freq)
               if len(table) else np.empty(0, dtype="datetime64[D]"))
    snaps = np.concatenate([history, grid.dates]).astype(np.int64)
    base = history.size
    currency_of_segment = np.full(seg.n_segments, -1, dtype=np.int64)
    if fx is None:
        if money:
            # Rows with money inside the window; history only tells new from returning.
            start_days, end_days = table.start.view(np.int64), table.end.view(np.int64)
            first, last = snaps[base], snaps[-1]

            def counted(lo: int, hi: int) -> NDArray[np.bool_]:
                end = end_days[lo:hi]
                return np.asarray((start_days[lo:hi] <= last)
                                  & ((end > first) | (end == _NAT))
                                  & (table.mrr_units[lo:hi] != 0))

            digits, names = currency_digits(table, seg, counted, context)
            currency_of_segment = np.array([_index(table, n) for n in names], dtype=np.int64)
        else:
            digits, names = np.full(seg.n_segments, 2, dtype=np.int64), []
    else:
        check_convertible(table, fx, grid.dates)
        digits = np.full(seg.n_segments, MINOR_UNITS[fx.reporting_currency], dtype=np.int64)
        names = [fx.reporting_currency] * seg.n_segments
    used = sorted({n for n in names if n})
    currency = ", ".join(used) if used else (str(table.currencies[0]) if table.currencies.size
                                             else "")
    # An empty table has no currency: one cell per segment, of no currency, all the same.
    currencies = table.currencies if table.currencies.size else np.array([""])
    return Plan(by, seg.name, seg.labels, grid, snaps, base, digits, currency,
                currency_of_segment, currencies, policy, fx, context, key,
                customer_segments(table, seg))


def part_run(table: SubscriptionTable, plan: Plan) -> Run:
    """The run of ``plan`` over ``table``: the whole, or one part of its customers (a
    ``take()`` of their rows, which keeps the code tables)."""
    if plan.key is not None:
        cached = _CACHE.get(table, OrderedDict()).get(plan.key)
        if cached is not None and cached.plan is plan:
            return replace(cached, table=table)
    result = _part_run(table, plan)
    if plan.key is not None:
        # The cache is keyed weakly by the table: its entries must not hold the table.
        _remember(_CACHE, table, plan.key, replace(result, table=None))
    return result


def _part_run(table: SubscriptionTable, plan: Plan) -> Run:
    pol, snaps, base, n_periods = plan.policy, plan.snapshots, plan.base, plan.n_periods
    seg = segment_as(table, plan.by, plan.labels, plan.seg_name, plan.context,
                     plan.of_customer)
    if plan.fx is None:
        inner = seg
        outer_of_inner = np.arange(seg.n_segments, dtype=np.int64)
        currency_of_inner = plan.currency_of_segment
    else:
        inner, outer_of_inner, currency_of_inner = _cells(table, seg, plan)
    free = pol.free_customers == "customers"
    points = shared_points(table, plan.by, plan.fx is None, inner, snaps, free=free,
                           reactivation_window=pol.reactivation_window_days)
    extra = (kr.transients(points, inner.entity_of_row, *days(table), table.mrr_units, snaps,
                           base, free_is_customer=free,
                           reactivation_window=pol.reactivation_window_days)
             if pol.same_period_churn else None)
    if plan.fx is None:
        return Run(table, plan, seg, inner, outer_of_inner, currency_of_inner, points, extra)
    b = bridge_in_pieces(points, inner.segment_of_entity, inner.n_segments, base, n_periods,
                         extra)
    # Each pair's currency at each window snapshot: the rates needed where it holds money.
    has_money = np.concatenate([b.starting[:, None], b.ending], axis=1) != 0
    factor = currency_factors(plan, has_money)
    pair_entity = pair_owner(seg, inner)
    pair_currency = cv.pair_currency(table, inner)
    ent_points = kcur.entity_points(points, pair_entity, pair_currency, seg.n_entities,
                                  factor, snaps, base,
                                  reactivation_window=pol.reactivation_window_days)
    ent_extra = None
    if extra is not None:
        rate = factor[pair_currency[extra.entity], np.minimum(extra.period,
                                                              factor.shape[1] - 1)]
        ent_extra = kr.Transients(pair_entity[extra.entity], extra.period,
                                  np.rint(extra.peak * rate).astype(np.int64), extra.returning)
    moved = kr.bridge(ent_points, seg.segment_of_entity, seg.n_segments, base, n_periods,
                      ent_extra)
    r = Run(table, plan, seg, inner, outer_of_inner, currency_of_inner, points, extra,
            ent_points, ent_extra, pair_entity, pair_currency, factor, b)
    r.memo["totals"] = totals(bridge_partials(r, moved), plan)
    return r


_BRIDGE = ("starting", "ending", "amounts", "counts", "starting_count", "ending_count")


def bridge_partials(r: Run, moved: kr.Bridge | None = None) -> Partials:
    """The additive part of a run's bridge: per cell and period, in local minor units, and
    with ``fx`` the constant-currency bridge of the entities (``moved_*``)."""
    if r.plan.fx is None:
        return Partials("bridge", {name: getattr(r.bridge, name) for name in _BRIDGE})
    assert r.inner_bridge is not None
    if moved is None:
        assert r.entity_points is not None
        moved = kr.bridge(r.entity_points, r.seg.segment_of_entity, r.seg.n_segments,
                          r.base, r.n_periods, r.entity_extra)
    arrays = {name: getattr(r.inner_bridge, name) for name in _BRIDGE}
    arrays.update({f"moved_{name}": getattr(moved, name) for name in _BRIDGE})
    return Partials("bridge", arrays)


def totals(partials: Partials, plan: Plan) -> Totals:
    """The bridge of combined parts in the result's currency (converted with ``fx``)."""
    b = kr.Bridge(*(partials[name] for name in _BRIDGE))
    if plan.fx is None:
        return Totals(plan, b, np.zeros((plan.n_segments, plan.n_periods), dtype=np.int64))
    moved = kr.Bridge(*(partials[f"moved_{name}"] for name in _BRIDGE))
    has_money = np.concatenate([b.starting[:, None], b.ending], axis=1) != 0
    n_cur = plan.n_currencies
    rates = currency_factors(plan, has_money)[np.arange(plan.n_cells) % n_cur]
    outer = np.arange(plan.n_cells, dtype=np.int64) // n_cur
    converted, fx_line = convert_bridge(b, rates, outer, plan.n_segments, moved)
    return Totals(plan, converted, fx_line)


def _cells(table: SubscriptionTable, seg: Segmentation, plan: Plan
           ) -> tuple[Segmentation, I64, I64]:
    """(entity, currency) pairs of ``table`` in the plan's (segment, currency) cells."""
    n_cur = plan.n_currencies
    pairs, entity = np.unique(seg.entity_of_row * n_cur + table.currency_codes,
                              return_inverse=True)
    cell = seg.segment_of_entity[pairs // n_cur] * n_cur + pairs % n_cur
    cells = np.arange(plan.n_cells, dtype=np.int64)
    inner = Segmentation(plan.seg_name, plan.labels[cells // n_cur],
                         entity.reshape(-1).astype(np.int64), cell.astype(np.int64),
                         seg.customer_of_entity[pairs // n_cur], plan.context)
    return inner, cells // n_cur, cells % n_cur


def currency_factors(plan: Plan, has_money: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Factors from each currency's minor units to the reporting currency's, at each
    window snapshot (rows: currency codes); a rate is required where a cell of that
    currency holds money (``has_money``: cells x snapshots)."""
    assert plan.fx is not None
    n_cur = plan.n_currencies
    needed = np.zeros((n_cur, plan.grid.dates.size), dtype=bool)
    np.logical_or.at(needed, np.arange(has_money.shape[0]) % n_cur, has_money)
    return conversion(plan.currencies, plan.fx, plan.grid.dates, needed=needed)


def _index(table: SubscriptionTable, name: str) -> int:
    hits = np.flatnonzero(table.currencies == name)
    return int(hits[0]) if hits.size else -1
