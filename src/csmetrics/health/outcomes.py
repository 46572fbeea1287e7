"""What happened to each paying account after a date: churn, time to churn, contraction.

Definitions
-----------
For a snapshot ``at`` (a period's last day, or a date) and a ``horizon`` of whole months,
the *horizon end* is the same day ``horizon`` months later (the month's last day when ``at``
is a month end; clipped to the month's length otherwise). The accounts followed are those
that are customers (MRR > 0, under the policy's free-customer rule) at the end of ``at``.

**Churned.** The account stops being a customer and is still not one at the next month end
(or at the horizon end): churn as ``mrr_movements`` counts it, at month-end snapshots, so a
gap between two renewals inside a month is not a churn. A later return within the horizon
(a reactivation, or new business under a ``reactivation_window_days`` policy) does not undo
the churn; ``returned`` marks it.

**Days.** For a churned account, the days from ``at`` to the first day it was no longer a
customer; otherwise the days it was followed: to the horizon end, or to the data's edge
(its latest start or end date) when that comes first (right-censored).

**Contracted.** MRR at the horizon end below MRR at ``at``; a churned account that has not
returned has MRR 0 there, so it counts as contracted too.

Only subscription data after ``at`` decides an outcome; the state at ``at`` itself picks the
accounts.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.currency import MINOR_UNITS
from csmetrics._core.options import Satisfies, is_whole, validate_params
from csmetrics.exceptions import CurrencyMismatchError, InvalidParameterError
from csmetrics.periods.calendar import PeriodLike, snapshot_date
from csmetrics.policies import POLICY, MetricPolicy, resolve
from csmetrics.results import TableResult
from csmetrics.revenue.points import shared_points
from csmetrics.revenue.segments import segment
from csmetrics.tables.coerce import as_table
from csmetrics.tables.subscriptions import SubscriptionTable
from csmetrics.value.changes import last_data_day

__all__ = ["HORIZON_MONTHS", "ChurnOutcomes", "churn_outcomes", "horizon_end"]

I64 = NDArray[np.int64]

HORIZON_MONTHS = Satisfies(lambda v: is_whole(v) and 1 <= v <= 1200,
                           "a whole number of months from 1 to 1200")
"""The ``horizon=`` option: whole months after ``at``."""


def horizon_end(at: np.datetime64, months: int) -> np.datetime64:
    """The day ``months`` months after ``at``: a month end stays a month end, another day
    keeps its day of the month, clipped to the month's length.

    Raises
    ------
    InvalidParameterError
        The day would be after the year 9999.

    Examples
    --------
    >>> import numpy as np
    >>> str(horizon_end(np.datetime64("2024-02-29"), 1)), str(horizon_end(np.datetime64(
    ...     "2024-01-31"), 1)), str(horizon_end(np.datetime64("2024-01-15"), 12))
    ('2024-03-31', '2024-02-29', '2025-01-15')
    """
    day: dt.date = np.asarray(at, dtype="datetime64[D]").astype(dt.date).item()
    year, month = divmod(day.year * 12 + day.month - 1 + int(months), 12)
    if year > dt.MAXYEAR:
        raise InvalidParameterError(
            f"horizon: {months} months after {day} is after the year {dt.MAXYEAR}.")
    last = calendar.monthrange(year, month + 1)[1]
    month_end = day.day == calendar.monthrange(day.year, day.month)[1]
    return np.datetime64(dt.date(year, month + 1, last if month_end else min(day.day, last)),
                         "D")


class ChurnOutcomes(TableResult):
    """Each account paying at ``at`` and what happened to it within the horizon.

    Columns, one row per account (in customer id order): ``customer_id``, ``currency``,
    ``mrr_at`` and ``mrr_at_horizon`` (in the account's currency), ``churned``, ``days``
    (to churn, or followed when not churned), ``contracted`` and ``returned`` (churned,
    then a customer again at the horizon end). See ``csmetrics.health.outcomes``.

    Attributes
    ----------
    at, horizon_end, follow_up_end : str
        The snapshot, the horizon end and the last day observed (the horizon end or the
        data's edge, whichever is first), as ISO dates.
    horizon : int
        Months of the horizon.
    """

    at: str
    horizon_end: str
    follow_up_end: str
    horizon: int

    def __init__(self, columns: Mapping[str, Any], *, at: str, horizon_end: str,
                 follow_up_end: str, horizon: int) -> None:
        super().__init__(columns, title=f"Outcomes of accounts paying at {at} within "
                                        f"{horizon} months (to {horizon_end})",
                         money=("mrr_at", "mrr_at_horizon"))
        self._set(at=at, horizon_end=horizon_end, follow_up_end=follow_up_end,
                  horizon=horizon)

    def __repr__(self) -> str:
        churned = int(np.count_nonzero(self["churned"]))
        return (f"ChurnOutcomes({len(self):,} accounts at {self.at}, {churned:,} churned "
                f"within {self.horizon} months)")


@validate_params({"horizon": HORIZON_MONTHS, "policy": POLICY})
def churn_outcomes(subscriptions: Any, at: PeriodLike, *, horizon: int,
                   policy: MetricPolicy | None = None) -> ChurnOutcomes:
    """Churn, time to churn and contraction within ``horizon`` months of every account
    paying at ``at``.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans.
    at : period or date
        The snapshot: accounts that are customers at the end of its last day are followed.
    horizon : int
        Whole months to follow them (1 to 1200).
    policy : MetricPolicy, optional
        As in ``mrr_movements``: whether a free (MRR 0) account is a customer, and when a
        return counts as a reactivation. Default ``MetricPolicy()``.

    Returns
    -------
    ChurnOutcomes
        One row per account paying at ``at`` (see the module documentation for the
        definitions): ``customer_id``, ``currency``, ``mrr_at``, ``mrr_at_horizon``,
        ``churned``, ``days``, ``contracted``, ``returned``. A list of accounts, not a
        metric: the outcomes a health backtest (``health_backtest``) scores against.

    Raises
    ------
    InvalidParameterError
        ``horizon`` is not a whole number of months from 1 to 1200, or a bad policy.
    CurrencyMismatchError
        An account is billed in several currencies (its MRR has no one currency).

    Notes
    -----
    The outcomes are read from the same MRR change points as ``mrr_movements`` and
    ``customer_lifetimes``, at daily snapshots from ``at`` to the horizon end: the days of
    a churn are exact, while whether a drop is a churn is decided at month ends, as the
    bridge decides it. An open-ended span never churns at the data's edge; an account still
    paying there is censored at the edge (``days`` is the follow-up).

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [Subscription(customer_id="a", start="2023-06-01", end="2024-03-10", amount=90),
    ...         Subscription(customer_id="b", start="2023-09-01", amount=50),
    ...         Subscription(customer_id="b", start="2023-09-01", end="2024-05-01", amount=20),
    ...         Subscription(customer_id="c", start="2024-07-01", amount=10)]
    >>> out = churn_outcomes(subs, "2023-12", horizon=6)
    >>> out["customer_id"].tolist(), out["churned"].tolist(), out["days"].tolist()
    (['a', 'b'], [True, False], [70, 182])
    >>> out["contracted"].tolist(), out["mrr_at_horizon"].tolist()
    ([True, True], [0.0, 50.0])
    """
    ctx = "churn_outcomes"
    table = as_table(subscriptions, ctx)
    pol = resolve(policy)
    at_day = snapshot_date(at)
    end_day = horizon_end(at_day, int(horizon))
    cols, follow = _outcomes(table, at_day, end_day, pol, ctx)
    return ChurnOutcomes(cols, at=str(at_day), horizon_end=str(end_day),
                         follow_up_end=str(follow), horizon=int(horizon))


def _outcomes(table: SubscriptionTable, at_day: np.datetime64, end_day: np.datetime64,
              policy: MetricPolicy, context: str
              ) -> tuple[dict[str, Any], np.datetime64]:
    """The outcome columns and the last day followed."""
    at_i = int(at_day.astype(np.int64))
    n_days = int((end_day - at_day).astype(np.int64))
    edge = last_data_day(table) if len(table) else at_day
    follow = min(max(edge, at_day), end_day)
    seg = segment(table, None, context)
    snaps = np.arange(at_i, at_i + n_days + 1, dtype=np.int64)
    points = shared_points(
        table, None, True, seg, snaps, free=policy.free_customers == "customers",
        reactivation_window=policy.reactivation_window_days)
    entities = np.arange(seg.n_entities, dtype=np.int64)
    mrr0, customer0 = points.state_at(entities, np.zeros_like(entities))
    mrr_h, customer_h = points.state_at(entities, np.full_like(entities, n_days))
    followed = np.flatnonzero(customer0)
    churn_day = _first_churn(points.entity, points.snapshot, points.was_customer,
                             points.is_customer, _month_end_indices(at_day, end_day),
                             seg.n_entities)
    churned = churn_day[followed] >= 0
    days = np.where(churned, churn_day[followed],
                    int((follow - at_day).astype(np.int64))).astype(np.int64)
    customer = seg.customer_of_entity[followed]
    currency, digits = _currencies(table, context)
    scale = np.power(10.0, digits[customer])
    cols: dict[str, Any] = {
        "customer_id": table.customer_ids[customer],
        "currency": currency[customer],
        "mrr_at": mrr0[followed] / scale,
        "mrr_at_horizon": mrr_h[followed] / scale,
        "churned": churned,
        "days": days,
        "contracted": mrr_h[followed] < mrr0[followed],
        "returned": churned & customer_h[followed],
    }
    return cols, follow


def _month_end_indices(at_day: np.datetime64, end_day: np.datetime64) -> I64:
    """Day offsets from ``at_day`` of the month ends after it up to ``end_day``, and of
    ``end_day`` itself: the snapshots at which the bridge would see a churn."""
    first = at_day.astype("datetime64[M]") + np.timedelta64(1, "M")
    last = end_day.astype("datetime64[M]") + np.timedelta64(1, "M")
    ends = np.arange(first, last + np.timedelta64(1, "M"), dtype="datetime64[M]")
    days = ends.astype("datetime64[D]") - np.timedelta64(1, "D")
    days = days[(days > at_day) & (days < end_day)]
    out: I64 = (np.append(days, end_day).astype("datetime64[D]").astype(np.int64)
                - np.int64(at_day.astype(np.int64)))
    return out


def _first_churn(entity: I64, snapshot: I64, was: NDArray[np.bool_],
                 now: NDArray[np.bool_], month_ends: I64, n_entities: int) -> I64:
    """Each entity's first day (snapshot index) of leaving that the next month end still
    sees (the entity has not come back by then); -1 without one. Points are sorted by
    entity, then snapshot."""
    out = np.full(n_entities, -1, dtype=np.int64)
    leave = np.flatnonzero(was & ~now & (snapshot > 0))
    if leave.size == 0:
        return out
    confirm = month_ends[np.searchsorted(month_ends, snapshot[leave], side="left")]
    nxt = leave + 1
    same = nxt < entity.size
    same[same] = entity[nxt[same]] == entity[leave[same]]
    back = np.where(same, snapshot[np.minimum(nxt, entity.size - 1)], np.iinfo(np.int64).max)
    kept = leave[back > confirm]
    first_entity, first = np.unique(entity[kept], return_index=True)
    out[first_entity] = snapshot[kept[first]]
    return out


def _currencies(table: SubscriptionTable, context: str) -> tuple[NDArray[Any], I64]:
    """Each customer code's currency and its minor-unit digits (a customer's MRR is in one
    currency: several is an error)."""
    n_cust = int(table.customer_ids.size)
    codes = table.currency_codes
    names = np.asarray(table.currencies, dtype=object)
    of_customer = np.zeros(n_cust, dtype=np.int64)
    if codes.size:
        width = np.int64(max(int(names.size), 1))
        pairs = np.unique(table.customer_codes * width + codes)
        owner = pairs // width
        if owner.size != np.unique(owner).size:
            mixed = np.unique(owner[1:][owner[1:] == owner[:-1]])
            rows = np.isin(table.customer_codes, mixed)
            shown = ", ".join(repr(v) for v in table.customer_ids[mixed[:5]].tolist())
            raise CurrencyMismatchError(
                column="currency",
                rule=f"must hold one currency per account, found several for {mixed.size:,} "
                     f"account(s) (such as {shown}): an account's MRR is in one currency",
                count=int(rows.sum()), positions=table.source_rows[rows][:5].tolist(),
                n_rows=len(table), context=context)
        of_customer[owner] = pairs % width
    currency = (names[of_customer] if names.size
                else np.full(n_cust, "", dtype=object))
    digits = np.array([MINOR_UNITS.get(str(c), 2) for c in names.tolist()] or [2],
                      dtype=np.int64)[of_customer]
    return currency, digits
