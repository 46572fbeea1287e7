"""Rule-based adoption and the breadth of key-feature adoption.

``AdoptionRule`` ("active on 3+ days a week, every week of the last four"), the
``AdoptionRate`` of accounts meeting it (``adoption_rate``), and ``adoption_breadth`` (how
many of a list of key features each account used). Both judge whole accounts, so ``by=``
splits by accounts (``"customer_id"``, a mapping, or a column with one value per account),
never by a column of the events such as ``"feature"``. Re-exported by ``csmetrics.usage``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from pydantic import ConfigDict, Field, field_validator, model_validator

from csmetrics._core.models import OptionModel
from csmetrics._core.options import (
    Constraint,
    InstanceOf,
    Interval,
    Satisfies,
    is_names,
    validate_params,
)
from csmetrics._core.partials import Partials
from csmetrics._core.segments import By
from csmetrics._core.warnings import warn_undefined
from csmetrics._kernels import usage as ku
from csmetrics.periods.calendar import PeriodLike
from csmetrics.tables.account_result import AccountResult
from csmetrics.tables.accounts import BY, AccountSet, Pooling, resolve_by
from csmetrics.tables.coerce import as_usage
from csmetrics.tables.usage import UsageTable
from csmetrics.usage.common import (
    I64,
    WHOLE_ACCOUNT,
    Entities,
    Window,
    events,
    feature_codes,
    finish,
    scope,
    trailing,
)

# --- rule-based adoption ---------------------------------------------------------------------


class AdoptionRule(OptionModel):
    """When an account counts as fully adopted: active on enough days in enough periods.

    The rule looks at ``periods`` consecutive blocks of ``period_days`` UTC days ending at
    ``at`` (the default, four 7-day blocks, is the last 28 days). A day *qualifies* for an
    account when at least ``min_users_per_day`` of its users were active that day and, if
    ``key_features`` is given, used at least one key feature that day (only key-feature
    events count). A block is *met* with at least ``min_active_days`` qualifying days. The
    account is adopted when at least ``min_periods`` blocks (default: all) are met.

    Examples
    --------
    "Active on 3+ days a week, every week of the last four, using a key feature each time":

    >>> AdoptionRule(min_active_days=3, key_features=("report", "dashboard"))
    AdoptionRule(min_active_days=3, period_days=7, periods=4, min_periods=None, key_features=('report', 'dashboard'), min_users_per_day=1)
    """  # noqa: E501

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_active_days: int = Field(default=3, ge=1)
    period_days: int = Field(default=7, ge=1, le=366)
    periods: int = Field(default=4, ge=1, le=520)
    min_periods: int | None = Field(default=None, ge=1)
    key_features: tuple[str, ...] = ()
    min_users_per_day: int = Field(default=1, ge=1)

    @field_validator("key_features", mode="before")
    @classmethod
    def _one_name_is_a_tuple(cls, v: Any) -> Any:
        return (v,) if isinstance(v, str) else v

    @model_validator(mode="after")
    def _consistent(self) -> AdoptionRule:
        if self.min_active_days > self.period_days:
            raise ValueError(f"min_active_days ({self.min_active_days}) cannot exceed "
                             f"period_days ({self.period_days})")
        if self.min_periods is not None and self.min_periods > self.periods:
            raise ValueError(f"min_periods ({self.min_periods}) cannot exceed periods "
                             f"({self.periods})")
        return self

    @property
    def required_periods(self) -> int:
        """Blocks that must be met."""
        return self.periods if self.min_periods is None else self.min_periods


class AdoptionRate(AccountResult):
    """Accounts against an ``AdoptionRule``: the share adopted, pooled or per segment.

    Columns: the segment column, ``accounts``, ``adopted`` (accounts meeting the rule),
    ``adoption_rate`` (value column: ``adopted / accounts``), ``qualifying_days`` and
    ``periods_met`` (summed over the accounts: per account with ``by="customer_id"``).

    Attributes
    ----------
    rule : AdoptionRule
    rate : float
        The share of every account of the result adopted (NaN without accounts).
    """

    rule: AdoptionRule
    rate: float

    def __repr__(self) -> str:
        accounts = int(np.asarray(self["accounts"]).sum())
        return f"AdoptionRate({self.rate:.4g} of {accounts:,} accounts adopted)"


def _old_adoption_rate(usage: Any, rule: AdoptionRule | None = None, *,
                       at: PeriodLike | _dt.datetime, by: By = None,
                       customers: ArrayLike | None = None) -> None:
    """The signature before 0.2: ``adoption_rate(usage, rule, at=...)``."""


RATE_OPTIONS: dict[str, Constraint] = {
    "rule": InstanceOf((AdoptionRule,), optional=True, what="an AdoptionRule"), "by": BY}
"""What ``adoption_rate``'s options accept."""


@validate_params(RATE_OPTIONS, legacy=_old_adoption_rate)
def adoption_rate(usage: Any, at: PeriodLike | _dt.datetime, *, rule: AdoptionRule | None = None,
                  by: By = None, customers: ArrayLike | None = None) -> AdoptionRate:
    """The share of accounts meeting a rule-based "fully adopted" definition (0-1).

    Parameters
    ----------
    usage : UsageTable, list of UsageEvent, or columns
    at : date, period or timestamp
        Last UTC day of the last block.
    rule : AdoptionRule, optional
        Default ``AdoptionRule()``: active on 3 or more days in each of the last four weeks.
    by : None, str or mapping, optional
        ``None``: every account together; ``"customer_id"``: one row per account; a mapping
        from customer id to segment, or a column with one value per account.
    customers : sequence of ids, optional
        The accounts judged, in order; accounts without events are not adopted. They are the
        denominator of the rate (default: every account of the table).

    Returns
    -------
    AdoptionRate
        Value column ``adoption_rate``, with ``accounts``, ``adopted``, ``qualifying_days``
        and ``periods_met``; ``.rate`` is the share of every account adopted.

    Raises
    ------
    InvalidParameterError
        ``by`` names a column of the events, such as ``"feature"``: adoption judges a whole
        account.

    Notes
    -----
    ``adoption_rate = |{accounts with periods_met >= required periods}| / |accounts|``.
    Blocks are trailing blocks of whole UTC days, not calendar weeks: with ``at`` a Sunday
    and 7-day blocks they are Monday-Sunday weeks. ``adoption_rate(usage, rule, at=...)``
    (before 0.2) still works, with a DeprecationWarning.

    Examples
    --------
    Account ``a`` is active Monday, Wednesday and Friday of two weeks; ``b`` misses week 1:

    >>> events = {"customer_id": ["a"] * 6 + ["b"] * 3, "user_id": [1] * 6 + [2] * 3,
    ...           "at": ["2024-03-04", "2024-03-06", "2024-03-08", "2024-03-11",
    ...                  "2024-03-13", "2024-03-15", "2024-03-11", "2024-03-12",
    ...                  "2024-03-13"]}
    >>> r = adoption_rate(events, "2024-03-17", rule=AdoptionRule(periods=2))
    >>> float(r), r.rate
    (0.5, 0.5)
    >>> per = adoption_rate(events, "2024-03-17", rule=AdoptionRule(periods=2), by="customer_id")
    >>> per["periods_met"].tolist(), per["adopted"].tolist()
    ([2, 1], [1, 0])
    """
    table, plan = prepare_adoption_rate(usage, at, rule=rule, by=by, customers=customers)
    return finalize_adoption_rate(partial_adoption_rate(table, plan), plan)


@dataclass(frozen=True)
class RulePlan:
    """The plan of ``adoption_rate``: the accounts, the rule, its window and the codes of
    its key features (None: every event counts)."""

    entities: Entities
    rule: AdoptionRule
    win: Window
    features: I64 | None


def prepare_adoption_rate(usage: Any, at: PeriodLike | _dt.datetime, *,
                          rule: AdoptionRule | None = None, by: By = None,
                          customers: ArrayLike | None = None) -> tuple[UsageTable, RulePlan]:
    """``adoption_rate``'s table and plan."""
    ctx = "adoption_rate"
    rule = AdoptionRule() if rule is None else rule
    by = resolve_by(by, ctx)
    table = as_usage(usage, ctx, by=by)
    acc = AccountSet.of(table.customer_ids, customers=customers, context=ctx)
    sc = scope(table, by, acc, ctx, refuse_rows=WHOLE_ACCOUNT.format(what="adoption"))
    win = trailing(at, f"{rule.period_days * rule.periods}D", ctx)
    feats = None
    if rule.key_features:
        _, feats = feature_codes(table, rule.key_features, ctx)
    return table, RulePlan(Entities.of(sc.table, sc.split), rule, win, feats)


def partial_adoption_rate(part: UsageTable, plan: RulePlan) -> Partials:
    """Qualifying days and blocks met of each counted account among the part's rows."""
    rule, table = plan.rule, part
    sc = plan.entities.scope(part)
    days = rule.period_days * rule.periods
    ev = events(sc, plan.win, need_day=True, features=plan.features)
    n_acc = table.n_customers
    if rule.min_users_per_day == 1:
        cells = ku.distinct(table.member_customer[ev.member] * np.int64(days) + ev.day,
                            n_acc * days)
    else:
        keys = ku.member_days(ev.member, ev.day, table.n_members, days)
        per_cell = ku.count(table.member_customer[keys // days] * np.int64(days) + keys % days,
                            n_acc * days)
        cells = np.flatnonzero(per_cell >= rule.min_users_per_day).astype(np.int64)
    account, day = cells // days, cells % days
    qualifying = ku.count(account, n_acc)
    per_block = ku.count(account * rule.periods + day // rule.period_days,
                         n_acc * rule.periods)
    met = ku.count(np.flatnonzero(per_block >= rule.min_active_days) // rule.periods, n_acc)
    sp = sc.split
    return Partials("adoption_rate", {"qualifying_days": sp.take(qualifying, 0),
                                      "periods_met": sp.take(met, 0)})


def finalize_adoption_rate(partials: Partials, plan: RulePlan) -> AdoptionRate:
    """``adoption_rate``'s result from its combined partials."""
    ctx, rule, win, sp = "adoption_rate", plan.rule, plan.win, plan.entities.split
    periods_met = partials["periods_met"]
    adopted = periods_met >= rule.required_periods
    how = Pooling(sums=("adopted", "qualifying_days", "periods_met"),
                  means={"adoption_rate": ("adopted", "the number of accounts")})
    result: AdoptionRate = finish(
        sp, {"adopted": adopted, "qualifying_days": partials["qualifying_days"],
             "periods_met": periods_met}, how,
        ("accounts", "adopted", "adoption_rate", "qualifying_days", "periods_met"),
        value="adoption_rate", context=ctx, cls=AdoptionRate,
        title=f"Adoption ({rule.periods} blocks of {rule.period_days} days to "
              f"{np.datetime64(win.last_day, 'D')}, {rule.min_active_days}+ qualifying days "
              f"in {rule.required_periods}+ blocks)")
    n = adopted.size
    if n == 0 and sp.name is not None:
        warn_undefined(f"{ctx}: there are no accounts, so the adoption rate is undefined; "
                       "returning NaN.")
    result._set(rule=rule, rate=float(adopted.sum() / n) if n else float("nan"))
    return result


# --- adoption breadth ------------------------------------------------------------------------


_FEATURES = Satisfies(lambda f: is_names(f, one=False),
                      "a list of feature names (for one feature use feature_adoption())")


def _old_adoption_breadth(usage: Any, features: Sequence[str], *,
                          at: PeriodLike | _dt.datetime, window: str | int = "30D",
                          min_users: int = 1, by: By = None,
                          customers: ArrayLike | None = None) -> None:
    """The signature before 0.2: ``adoption_breadth(usage, features, at=...)``."""


BREADTH_OPTIONS: dict[str, Constraint] = {
    "features": _FEATURES, "min_users": Interval(1, integer=True), "by": BY}
"""What ``adoption_breadth``'s options accept."""


@validate_params(BREADTH_OPTIONS, legacy=_old_adoption_breadth)
def adoption_breadth(usage: Any, at: PeriodLike | _dt.datetime, *, features: Sequence[str],
                     window: str | int = "30D", min_users: int = 1, by: By = None,
                     customers: ArrayLike | None = None) -> AccountResult:
    """How many of a list of key features the accounts used in the window, as a share (0-1).

    Parameters
    ----------
    usage : UsageTable, list of UsageEvent, or columns
    at : date, period or timestamp
        Last UTC day of the window.
    features : sequence of str
        The key features (each must occur in the table).
    window : str, default "30D"
        The window, ending at ``at`` inclusive.
    min_users : int, default 1
        A feature counts as used by an account when at least this many of its users used
        it in the window.
    by : None, str or mapping, optional
        As in ``adoption_rate`` (breadth is over each whole account's features).
    customers : sequence of ids, optional
        The accounts counted (default: every account of the table).

    Returns
    -------
    AccountResult
        Value column ``breadth`` (``features_used / key_features``), with ``accounts``,
        ``features_used`` and ``key_features`` (summed over the accounts: their key
        features used, and the key features each could use), ``all_used`` (accounts using
        every key feature), ``all_used_share`` (their share) and one column
        ``users: <feature>`` per key feature with its users in the window.

    Notes
    -----
    Pooled, the breadth is the mean breadth of the accounts (every account has the same
    number of key features). ``adoption_breadth(usage, features, at=...)`` (before 0.2)
    still works, with a DeprecationWarning.

    Examples
    --------
    >>> events = {"customer_id": ["a", "a", "a", "b"], "user_id": [1, 2, 1, 3],
    ...           "at": ["2024-03-10"] * 4,
    ...           "feature": ["report", "report", "export", "report"]}
    >>> r = adoption_breadth(events, "2024-03-31", features=["report", "export"])
    >>> float(r), r["features_used"].tolist(), r["key_features"].tolist()
    (0.75, [3], [4])
    >>> per = adoption_breadth(events, "2024-03-31", features=["report", "export"],
    ...                        by="customer_id")
    >>> per["breadth"].tolist(), per["users: report"].tolist()
    ([1.0, 0.5], [2, 1])
    """
    table, plan = prepare_adoption_breadth(usage, at, features=features, window=window,
                                           min_users=min_users, by=by, customers=customers)
    return finalize_adoption_breadth(partial_adoption_breadth(table, plan), plan)


@dataclass(frozen=True)
class BreadthPlan:
    """The plan of ``adoption_breadth``: the accounts, the window, the key features (names
    and codes) and ``min_users``."""

    entities: Entities
    win: Window
    names: list[Any]
    codes: I64
    min_users: int


def prepare_adoption_breadth(usage: Any, at: PeriodLike | _dt.datetime, *,
                             features: Sequence[str], window: str | int = "30D",
                             min_users: int = 1, by: By = None,
                             customers: ArrayLike | None = None
                             ) -> tuple[UsageTable, BreadthPlan]:
    """``adoption_breadth``'s table and plan."""
    ctx = "adoption_breadth"
    by = resolve_by(by, ctx)
    table = as_usage(usage, ctx, by=by)
    names, codes = feature_codes(table, features, ctx)
    acc = AccountSet.of(table.customer_ids, customers=customers, context=ctx)
    sc = scope(table, by, acc, ctx, refuse_rows=WHOLE_ACCOUNT.format(what="breadth"))
    win = trailing(at, window, ctx)
    return table, BreadthPlan(Entities.of(sc.table, sc.split), win, names, codes, min_users)


def partial_adoption_breadth(part: UsageTable, plan: BreadthPlan) -> Partials:
    """Users of each key feature of each counted account among the part's rows (shape:
    accounts x key features)."""
    table, codes = part, plan.codes
    k = codes.size
    sc = plan.entities.scope(part)
    sp = sc.split
    ev = events(sc, plan.win, features=codes)
    feat = ev.of(table.feature_codes)
    lut = np.full(table.features.size + 1, -1, dtype=np.int64)
    lut[codes + 1] = np.arange(k)
    keys = ku.distinct(ev.member * np.int64(k) + lut[feat + 1], table.n_members * k)
    users = ku.count(table.member_customer[keys // k] * np.int64(k) + keys % k,
                     table.n_customers * k).reshape(table.n_customers, k)
    return Partials("adoption_breadth", {"users": sp.take(users, 0).reshape(sp.n, k)})


def finalize_adoption_breadth(partials: Partials, plan: BreadthPlan) -> AccountResult:
    """``adoption_breadth``'s result from its combined partials."""
    ctx, win, names, sp = "adoption_breadth", plan.win, plan.names, plan.entities.split
    k = plan.codes.size
    per_row = partials["users"]
    used = (per_row >= plan.min_users).sum(axis=1)
    parts: dict[str, Any] = {"features_used": used,
                             "key_features": np.full(sp.n, k, dtype=np.int64),
                             "all_used": used == k}
    user_cols = [f"users: {name}" for name in names]
    for j, col in enumerate(user_cols):
        parts[col] = per_row[:, j]
    how = Pooling(sums=("features_used", "key_features", "all_used", *user_cols),
                  ratios={"breadth": ("features_used", "key_features",
                                      "the number of accounts")},
                  means={"all_used_share": ("all_used", "the number of accounts")})
    return finish(sp, parts, how,
                  ("accounts", "features_used", "key_features", "breadth", "all_used",
                   "all_used_share", *user_cols), value="breadth", context=ctx,
                  title=f"Adoption breadth, {k} key features ({win.describe()})")
