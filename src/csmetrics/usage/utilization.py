"""Licence utilization and feature adoption: active users over what an account could use.

Both divide an account's users by a number that belongs to the whole account (its seats,
its eligible users), so ``by=`` splits by accounts (``"customer_id"``, a mapping, or a column
with one value per account), never by a column of the events. The accounts counted are
every account with events *and* every account the seats (or eligible users) speak of, so
an account that bought seats and never used them is in the signal, at 0 users.
Re-exported by ``csmetrics.usage``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from csmetrics._core.options import FEATURE, PLANS, Constraint, validate_params
from csmetrics._core.partials import Partials
from csmetrics._core.segments import By, segment_columns
from csmetrics._kernels import usage as ku
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.calendar import PeriodLike
from csmetrics.tables.account_result import AccountResult
from csmetrics.tables.accounts import BY, AccountSet, Pooling, pool, resolve_by
from csmetrics.tables.coerce import as_usage
from csmetrics.tables.usage import UsageTable
from csmetrics.usage.common import (
    F64,
    I64,
    Entities,
    Scope,
    Window,
    active_per_entity,
    events,
    feature_codes,
    finish,
    scope,
    trailing,
)
from csmetrics.usage.seats import SeatSource, aligned_amounts, seat_source


def _counted(usage: Any, source: SeatSource | None, by: By, customers: ArrayLike | None,
             what: str, context: str) -> Scope:
    """The scope of an account-level metric: the table's accounts and the source's."""
    table = as_usage(usage, context, by=by)
    acc = AccountSet.of(table.customer_ids, customers=customers,
                        also=None if source is None else source.holders, context=context)
    return scope(table, by, acc, context,
                 refuse_rows=f"{what} divides by a number each whole account has")


def _amounts(sc: Scope, source: SeatSource | None, value: Any, what: str, context: str
             ) -> F64:
    ids = sc.split.account
    if source is None:
        return aligned_amounts(value, ids.size, what, context)
    return source.amounts_of(ids)


SEAT_OPTIONS: dict[str, Constraint] = {"by": BY, "plans": PLANS}
"""What ``license_utilization``'s options accept."""


@validate_params(SEAT_OPTIONS)
def license_utilization(usage: Any, seats: Any, at: PeriodLike | _dt.datetime, *,
                        window: str | int = "30D", by: By = None,
                        customers: ArrayLike | None = None,
                        plans: Sequence[str | None] | None = None) -> AccountResult:
    """Licence (seat) utilization: active users in the window over seats (unclamped).

    Parameters
    ----------
    usage : UsageTable, list of UsageEvent, or columns
    seats : SubscriptionTable, list of Subscription, mapping, or array
        Seats per account: subscriptions (the quantity of the spans active on ``at``, see
        ``seats_at``), a mapping from customer id to seats (a dict or pandas Series; an
        account missing from it has no known seats), or an array with one value per account
        in the order of ``customers`` (or of the usage table's sorted customer ids).
    at : date, period or timestamp
        Last UTC day of the window, and the day seats are read.
    window : str, default "30D"
        Window of activity, ending at ``at`` inclusive.
    by : None, str or mapping, optional
        ``None``: every account together; ``"customer_id"``: one row per account; a mapping
        from customer id to segment, or a column with one value per account.
    customers : sequence of ids, optional
        The accounts counted, in order. Default: every account with events or with seats
        (seats > 0 from subscriptions; every key of a mapping).
    plans : sequence of str, optional
        With subscriptions, count the quantity of these plans only.

    Returns
    -------
    AccountResult
        Value column ``utilization`` (unclamped), with ``accounts``, ``active_users``,
        ``seated_active_users`` (the active users of accounts with seats: what is divided by
        the seats), ``seats`` (NaN where unknown), ``unused_seats`` (``max(seats - active,
        0)`` per account, summed), ``overage`` (``max(active - seats, 0)`` per account,
        summed) and ``over_limit`` (accounts above their seats). Attributes
        ``accounts_over_limit`` and ``accounts_without_seats`` (over every account).

    Raises
    ------
    DataValidationError
        A negative or infinite number of seats.
    InvalidParameterError
        ``by`` names a column of the events (seats belong to the whole account).

    Notes
    -----
    ``utilization = active_users / seats``, never clamped at 1: an account with 12 active
    users on 10 seats is at 1.2 with an overage of 2. No seats (0, or not known) gives NaN
    with an ``UndefinedMetricWarning``, never a division error or a silent 0. Pooled,
    ``sum(seated_active_users) / sum(seats)`` over the accounts with seats.

    References
    ----------
    GitLab handbook, "License Utilization": billable users over licensed users, per
    subscription, rolled up per account in Gainsight. Petavue glossary, "License
    Utilization": 100 seats with 60 active users is 60%.

    Examples
    --------
    >>> events = {"customer_id": ["a"] * 3 + ["b"] * 3, "user_id": [1, 2, 3, 4, 5, 6],
    ...           "at": ["2024-03-10"] * 6}
    >>> float(license_utilization(events, {"a": 4, "b": 2}, "2024-03-31"))   # 6 / 6
    1.0
    >>> r = license_utilization(events, {"a": 4, "b": 2, "c": 0}, "2024-03-31",
    ...                         by="customer_id")
    >>> print(r.select("customer_id", "active_users", "seats", "utilization", "overage"))
    Licence utilization (30 days 2024-03-02 to 2024-03-31)
    customer_id  active_users  seats  utilization  overage
    a                       3      4         0.75        0
    b                       3      2          1.5        1
    c                       0      0          NaN        0
    """
    table, plan = prepare_license_utilization(usage, seats, at, window=window, by=by,
                                              customers=customers, plans=plans)
    return finalize_license_utilization(partial_license_utilization(table, plan), plan)


@dataclass(frozen=True)
class SeatPlan:
    """The plan of ``license_utilization`` and ``feature_adoption``: the accounts, the
    window, each counted account's seats or eligible users (None: its active users), and
    for feature adoption the features (names and codes) and what the denominator is."""

    entities: Entities
    win: Window
    amounts: F64 | None
    names: list[Any] = field(default_factory=list)
    codes: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    what: str = ""


def prepare_license_utilization(usage: Any, seats: Any, at: PeriodLike | _dt.datetime, *,
                                window: str | int = "30D", by: By = None,
                                customers: ArrayLike | None = None,
                                plans: Sequence[str | None] | None = None
                                ) -> tuple[UsageTable, SeatPlan]:
    """``license_utilization``'s table and plan (with each counted account's seats)."""
    ctx = "license_utilization"
    by = resolve_by(by, ctx)
    source = seat_source(seats, at, plans, "seats", ctx)
    sc = _counted(usage, source, by, customers, "licence utilization", ctx)
    win = trailing(at, window, ctx)
    return sc.table, SeatPlan(Entities.of(sc.table, sc.split), win,
                              _amounts(sc, source, seats, "seats", ctx))


def partial_license_utilization(part: UsageTable, plan: SeatPlan) -> Partials:
    """Distinct active users of each counted account among the part's rows."""
    sc = plan.entities.scope(part)
    return Partials("license_utilization", {
        "active_users": sc.split.take(active_per_entity(sc, events(sc, plan.win)), 0)})


def finalize_license_utilization(partials: Partials, plan: SeatPlan) -> AccountResult:
    """``license_utilization``'s result from its combined partials."""
    ctx, win, sp = "license_utilization", plan.win, plan.entities.split
    active = partials["active_users"].astype(np.float64)
    assert plan.amounts is not None
    seat = plan.amounts
    known = ~np.isnan(seat)
    filled = np.nan_to_num(seat)
    over = np.where(known, np.maximum(active - filled, 0.0), np.nan)
    unused = np.where(known, np.maximum(filled - active, 0.0), np.nan)
    over_limit = known & (filled > 0) & (active > filled)
    # Pooled rows divide the active users of accounts that have seats by those seats: the
    # column says which active users that is, so a pooled row divides out.
    seated_active = np.where(seat > 0, active, 0.0)
    how = Pooling(sums=("active_users", "seated_active_users", "seats", "unused_seats",
                        "overage", "over_limit"),
                  ratios={"utilization": ("seated_active_users", "seats",
                                          "the number of seats")})
    result: AccountResult = finish(
        sp, {"active_users": active.astype(np.int64), "seated_active_users": seated_active,
             "seats": seat, "unused_seats": unused, "overage": over,
             "over_limit": over_limit}, how,
        ("accounts", "active_users", "seated_active_users", "seats", "utilization",
         "unused_seats", "overage", "over_limit"),
        value="utilization", title=f"Licence utilization ({win.describe()})", context=ctx)
    result._set(accounts_over_limit=int(over_limit.sum()),
                accounts_without_seats=int((~(seat > 0)).sum()))
    return result



def _old_feature_adoption(usage: Any, feature: str | Sequence[str], *,
                          eligible_users: Any = None, at: PeriodLike | _dt.datetime,
                          window: str | int = "30D", by: By = None,
                          customers: ArrayLike | None = None,
                          plans: Sequence[str] | None = None) -> None:
    """The signature before 0.2: ``feature_adoption(usage, feature, at=...)``."""


ADOPTION_OPTIONS: dict[str, Constraint] = {"feature": FEATURE, "by": BY}
"""What ``feature_adoption``'s options accept."""


@validate_params(ADOPTION_OPTIONS, legacy=_old_feature_adoption)
def feature_adoption(usage: Any, at: PeriodLike | _dt.datetime, *,
                     feature: str | Sequence[str], eligible_users: Any = None,
                     window: str | int = "30D", by: By = None,
                     customers: ArrayLike | None = None,
                     plans: Sequence[str | None] | None = None) -> AccountResult:
    """Share of eligible users who used a feature in the window (not clamped).

    Parameters
    ----------
    usage : UsageTable, list of UsageEvent, or columns
    at : date, period or timestamp
        Last UTC day of the window (and the day seats are read).
    feature : str or sequence of str
        The feature; with several, one row per feature (per segment and feature with
        ``by``).
    eligible_users : SubscriptionTable, mapping or array, optional
        Who could use it. Default: each account's active users in the window (so the share
        is of active users). Otherwise as ``seats`` in ``license_utilization``: the accounts
        it speaks of are counted even without events.
    window : str, default "30D"
        The window, ending at ``at`` inclusive.
    by : None, str or mapping, optional
        ``None``: every account together; ``"customer_id"``: one row per account (and
        feature); a mapping from customer id to segment, or a column with one value per
        account. ``by="feature"`` is refused: the rows are already per feature.
    customers : sequence of ids, optional
        The accounts counted (default: every account of the table, and every account of
        ``eligible_users``).
    plans : sequence of str, optional
        With subscriptions as ``eligible_users``, count these plans only.

    Returns
    -------
    AccountResult
        Value column ``adoption`` (``feature_users / eligible_users``), with ``feature``,
        ``accounts``, ``feature_users``, ``eligible_users``, ``used`` (accounts with at
        least one user of the feature) and ``account_share`` (their share).

    Raises
    ------
    InvalidParameterError
        A feature with no event in the table (most likely misspelt; the message lists the
        features present), or ``by`` naming a column of the events.

    Notes
    -----
    Pooled, ``sum(feature_users) / sum(eligible_users)`` over the accounts with eligible
    users. ``feature_adoption(usage, "export", at=...)`` (before 0.2) still works, with a
    DeprecationWarning.

    Examples
    --------
    >>> events = {"customer_id": ["a"] * 4, "user_id": [1, 2, 3, 1],
    ...           "at": ["2024-03-10"] * 4, "feature": ["login"] * 3 + ["export"]}
    >>> r = feature_adoption(events, "2024-03-31", feature="export")
    >>> r["feature_users"].tolist(), r["eligible_users"].tolist(), float(r)
    ([1], [3.0], 0.3333333333333333)
    """
    table, plan = prepare_feature_adoption(usage, at, feature=feature,
                                           eligible_users=eligible_users, window=window,
                                           by=by, customers=customers, plans=plans)
    return finalize_feature_adoption(partial_feature_adoption(table, plan), plan)


def prepare_feature_adoption(usage: Any, at: PeriodLike | _dt.datetime, *,
                             feature: str | Sequence[str], eligible_users: Any = None,
                             window: str | int = "30D", by: By = None,
                             customers: ArrayLike | None = None,
                             plans: Sequence[str | None] | None = None
                             ) -> tuple[UsageTable, SeatPlan]:
    """``feature_adoption``'s table and plan (with each counted account's eligible users
    when they are given)."""
    ctx = "feature_adoption"
    by = resolve_by(by, ctx)
    if isinstance(by, str) and by == "feature":
        raise InvalidParameterError(
            f"{ctx}: by='feature' is not needed: the result has one row per feature of "
            "feature= (with by, one row per segment and feature).")
    source = None if eligible_users is None else seat_source(
        eligible_users, at, plans, "eligible_users", ctx)
    sc = _counted(usage, source, by, customers, "feature adoption", ctx)
    names, codes = feature_codes(sc.table, feature, ctx)
    win = trailing(at, window, ctx)
    if eligible_users is None:
        return sc.table, SeatPlan(Entities.of(sc.table, sc.split), win, None, names, codes,
                                  "the number of active users in the window")
    return sc.table, SeatPlan(Entities.of(sc.table, sc.split), win,
                              _amounts(sc, source, eligible_users, "eligible_users", ctx),
                              names, codes, "the number of eligible users")


def partial_feature_adoption(part: UsageTable, plan: SeatPlan) -> Partials:
    """Users of each feature of each counted account among the part's rows (shape:
    accounts x features), and, without eligible users given, each one's active users."""
    table, codes = part, plan.codes
    k = codes.size
    sc = plan.entities.scope(part)
    sp = sc.split
    ev = events(sc, plan.win)
    lut = np.full(table.features.size + 1, -1, dtype=np.int64)
    lut[codes + 1] = np.arange(k)
    which = lut[ev.of(table.feature_codes) + 1]
    picked = which >= 0
    keys = ku.distinct(ev.member[picked] * np.int64(k) + which[picked], table.n_members * k)
    users = ku.count(table.member_customer[keys // k] * np.int64(k) + keys % k,
                     table.n_customers * k).reshape(table.n_customers, k)
    arrays = {"feature_users": sp.take(users, 0).reshape(sp.n, k)}
    if plan.amounts is None:
        arrays["active_users"] = sp.take(active_per_entity(sc, ev), 0)
    return Partials("feature_adoption", arrays)


def finalize_feature_adoption(partials: Partials, plan: SeatPlan) -> AccountResult:
    """``feature_adoption``'s result from its combined partials."""
    ctx, win, names, what, sp = ("feature_adoption", plan.win, plan.names, plan.what,
                                 plan.entities.split)
    k = plan.codes.size
    eligible = (partials["active_users"].astype(np.float64) if plan.amounts is None
                else plan.amounts)
    feature_users = partials["feature_users"].reshape(-1)
    how = Pooling(sums=("feature_users", "eligible_users", "used"),
                  ratios={"adoption": ("feature_users", "eligible_users", what)},
                  means={"account_share": ("used", "the number of accounts")})
    n_s = sp.n_segments
    group = (sp.segment[:, None] * k + np.arange(k)[None, :]).reshape(-1)
    pooled = pool({"feature_users": feature_users, "eligible_users": np.repeat(eligible, k),
                   "used": feature_users > 0}, group, n_s * k, how, context=ctx)
    cols = segment_columns(sp.name, np.repeat(sp.labels, k), ctx)
    name_col = np.empty(n_s * k, dtype=object)
    name_col[:] = [names[j % k] for j in range(n_s * k)]
    cols["feature"] = name_col
    cols.update((c, pooled[c]) for c in ("accounts", "feature_users", "eligible_users",
                                         "adoption", "used", "account_share"))
    return AccountResult(cols, value="adoption", title=f"Feature adoption ({win.describe()})",
                         # rows are features when several are asked for the portfolio
                         segment=sp.name or ("feature" if k > 1 else None), pooling=how,
                         keys=("feature",))
