"""Rule-based adoption and the breadth of key-feature adoption.

:class:`AdoptionRule` ("active on 3+ days a week, every week of the last four"), the
:class:`AdoptionRate` of accounts meeting it (:func:`adoption_rate`), and
:func:`adoption_breadth` (how many of a list of key features each account used).
Re-exported by :mod:`csmetrics.usage`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import ArrayLike
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from csmetrics._kernels import usage as ku
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.calendar import PeriodLike
from csmetrics.results import TableResult
from csmetrics.usage.common import (
    AccountResult,
    By,
    _events,
    _feature_codes,
    _finish,
    _rows,
    _usage,
    _warn,
    _window,
)

# --- rule-based adoption ---------------------------------------------------------------------


class AdoptionRule(BaseModel):
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
    """Accounts against an :class:`AdoptionRule`: per account, and the share adopted.

    Columns: ``customer_id``, ``qualifying_days``, ``periods_met`` and ``adopted`` (metric).
    Attributes ``rule`` and ``rate`` (adopted accounts / accounts, NaN with no account).
    """

    rule: AdoptionRule
    rate: float

    def __repr__(self) -> str:
        return f"AdoptionRate({self.rate:.4g} of {len(self):,} accounts adopted)"


@overload
def adoption_rate(usage: Any, rule: AdoptionRule | None = ..., *,
                  at: PeriodLike | _dt.datetime, by: None = None,
                  customers: ArrayLike | None = ...) -> AdoptionRate: ...
@overload
def adoption_rate(usage: Any, rule: AdoptionRule | None = ..., *,
                  at: PeriodLike | _dt.datetime, by: Mapping[Any, Any] | Literal["all"],
                  customers: ArrayLike | None = ...) -> TableResult: ...


def adoption_rate(usage: Any, rule: AdoptionRule | None = None, *,
                  at: PeriodLike | _dt.datetime, by: By = None,
                  customers: ArrayLike | None = None) -> AdoptionRate | TableResult:
    """The share of accounts meeting a rule-based "fully adopted" definition.

    Parameters
    ----------
    usage : UsageTable, list of UsageEvent, or columns
    rule : AdoptionRule, optional
        Default ``AdoptionRule()``: active on 3 or more days in each of the last four weeks.
    at : date, period or timestamp
        Last UTC day of the last block.
    by : mapping or "all", optional
        Share adopted per segment (``adoption_rate``) with counts.
    customers : sequence of ids, optional
        The accounts judged, in order; accounts without events are not adopted. This is
        the denominator of the rate (default: every account of the table).

    Returns
    -------
    AdoptionRate or TableResult
        Per account ``qualifying_days``, ``periods_met``, ``adopted``; ``.rate`` is the
        share adopted.

    Notes
    -----
    ``rate = |{accounts with periods_met >= required periods}| / |accounts|``. Blocks are
    trailing blocks of whole UTC days, not calendar weeks: with ``at`` a Sunday and 7-day
    blocks they are Monday-Sunday weeks.

    Examples
    --------
    Account ``a`` is active Monday, Wednesday and Friday of two weeks; ``b`` misses week 1:

    >>> events = {"customer_id": ["a"] * 6 + ["b"] * 3, "user_id": [1] * 6 + [2] * 3,
    ...           "at": ["2024-03-04", "2024-03-06", "2024-03-08", "2024-03-11",
    ...                  "2024-03-13", "2024-03-15", "2024-03-11", "2024-03-12",
    ...                  "2024-03-13"]}
    >>> r = adoption_rate(events, AdoptionRule(periods=2), at="2024-03-17")
    >>> r["periods_met"].tolist(), r["adopted"].tolist(), r.rate
    ([2, 1], [True, False], 0.5)
    """
    ctx = "adoption_rate"
    rule = AdoptionRule() if rule is None else rule
    table = _usage(usage, ctx)
    rows = _rows(table, customers, ctx)
    days = rule.period_days * rule.periods
    win = _window(at, days, ctx)
    feats = None
    if rule.key_features:
        _, feats = _feature_codes(table, rule.key_features, ctx)
    ev = _events(table, win, need_day=True, features=feats)
    n_acc = table.n_customers
    if rule.min_users_per_day == 1:
        cells = ku.distinct(table.member_customer[ev.member] * np.int64(days) + ev.day,
                            n_acc * days)
    else:
        keys = ku.member_days(ev.member, ev.day, table.n_members, days)
        per_cell = ku.count(table.member_customer[keys // days] * np.int64(days) + keys % days,
                            n_acc * days)
        cells = np.flatnonzero(per_cell >= rule.min_users_per_day).astype(np.int64)
    acc, day = cells // days, cells % days
    qualifying = ku.count(acc, n_acc)
    per_block = ku.count(acc * rule.periods + day // rule.period_days, n_acc * rule.periods)
    met = ku.count(np.flatnonzero(per_block >= rule.min_active_days) // rule.periods, n_acc)
    periods_met = rows.take(met, 0)
    adopted = periods_met >= rule.required_periods
    n = adopted.size
    if n == 0:
        _warn(f"{ctx}: there are no accounts, so the adoption rate is undefined; "
              "returning NaN.")
    rate = float(adopted.sum() / n) if n else float("nan")
    result = AdoptionRate(
        {"customer_id": rows.ids, "qualifying_days": rows.take(qualifying, 0),
         "periods_met": periods_met, "adopted": adopted},
        title=f"Adoption ({rule.periods} blocks of {rule.period_days} days to "
              f"{np.datetime64(win.last_day, 'D')}, {rule.min_active_days}+ qualifying days "
              f"in {rule.required_periods}+ blocks)",
        metric="adopted", sums=("adopted",), means={"adoption_rate": "adopted"},
        rule=rule, rate=rate)
    return result if by is None else result.by_segment(by)


# --- adoption breadth ------------------------------------------------------------------------


def adoption_breadth(usage: Any, features: Sequence[str], *, at: PeriodLike | _dt.datetime,
                     window: str | int = "30D", min_users: int = 1, by: By = None,
                     customers: ArrayLike | None = None) -> AccountResult | TableResult:
    """How many of a list of key features each account used in the window.

    Parameters
    ----------
    usage : UsageTable, list of UsageEvent, or columns
    features : sequence of str
        The key features (each must occur in the table).
    at, window : optional
        The window (default 30 days ending at ``at``).
    min_users : int, default 1
        A feature counts as used by the account when at least this many of its users used
        it in the window.
    by : mapping or "all", optional
        Pool into segments: mean breadth and share of accounts using all key features.
    customers : sequence of ids, optional
        The accounts to report (default: every account of the table).

    Returns
    -------
    AccountResult or TableResult
        ``customer_id``, ``features_used``, ``key_features`` (how many there are),
        ``breadth`` (metric: ``features_used / key_features``), ``all_used``, and one column
        ``users: <feature>`` per key feature with its users in the window.

    Examples
    --------
    >>> events = {"customer_id": ["a", "a", "a", "b"], "user_id": [1, 2, 1, 3],
    ...           "at": ["2024-03-10"] * 4,
    ...           "feature": ["report", "report", "export", "report"]}
    >>> r = adoption_breadth(events, ["report", "export", "report"][:2], at="2024-03-31")
    >>> r["features_used"].tolist(), r["breadth"].tolist(), r["users: report"].tolist()
    ([2, 1], [1.0, 0.5], [2, 1])
    """
    ctx = "adoption_breadth"
    if isinstance(features, str):
        raise InvalidParameterError(f"{ctx}: features must be a list of feature names; for "
                                    "one feature use feature_adoption().")
    if not isinstance(min_users, int | np.integer) or min_users < 1:
        raise InvalidParameterError(f"{ctx}: min_users must be a whole number >= 1.")
    table = _usage(usage, ctx)
    names, codes = _feature_codes(table, features, ctx)
    k = codes.size
    rows = _rows(table, customers, ctx)
    win = _window(at, window, ctx)
    ev = _events(table, win, features=codes)
    feat = table.feature_codes if ev.rows is None else table.feature_codes[ev.rows]
    lut = np.full(table.features.size + 1, -1, dtype=np.int64)
    lut[codes + 1] = np.arange(k)
    keys = ku.distinct(ev.member * np.int64(k) + lut[feat + 1], table.n_members * k)
    users = ku.count(table.member_customer[keys // k] * np.int64(k) + keys % k,
                     table.n_customers * k).reshape(table.n_customers, k)
    per_row = np.zeros((rows.ids.size, k), dtype=np.int64)
    has = rows.code >= 0
    per_row[has] = users[rows.code[has]]
    used = (per_row >= min_users).sum(axis=1)
    cols: dict[str, Any] = {"customer_id": rows.ids, "features_used": used,
                            "key_features": np.full(rows.ids.size, k, dtype=np.int64),
                            "breadth": used / k, "all_used": used == k}
    for j, name in enumerate(names):
        cols[f"users: {name}"] = per_row[:, j]
    return _finish(AccountResult(
        cols, title=f"Adoption breadth, {k} key features ({win.describe()})",
        metric="breadth", sums=("features_used", "key_features", "all_used"),
        ratios={"breadth": ("features_used", "key_features")},
        means={"all_used_share": "all_used"}), by)
