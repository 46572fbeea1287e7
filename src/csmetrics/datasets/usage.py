"""Synthetic usage events and seat counts for examples, tests and benchmarks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.options import Interval, validate_params
from csmetrics._kernels import usage as ku
from csmetrics.datasets.options import CUSTOMERS, DAY, DAYS, SEATS, SEED
from csmetrics.exceptions import InvalidParameterError
from csmetrics.tables.usage import UsageTable

I64 = NDArray[np.int64]


_FEATURES = ("login", "dashboard", "report", "export", "api", "integration")


_FEATURE_WEIGHT = np.array([0.35, 0.25, 0.18, 0.08, 0.1, 0.04])


_FEATURE_ADOPTION = np.array([1.0, 0.9, 0.7, 0.45, 0.3, 0.25])  # share of accounts using it


def _customer_ids(customers: int | Sequence[Any] | NDArray[Any], context: str) -> NDArray[Any]:
    if isinstance(customers, int | np.integer) and not isinstance(customers, bool):
        if customers < 0:
            raise InvalidParameterError(f"{context}: customers must be >= 0, got {customers}.")
        return np.arange(int(customers), dtype=np.int64)
    return np.asarray(customers)


@validate_params({"customers": CUSTOMERS, "seed": SEED})
def synthetic_seats(customers: int | Sequence[Any] | NDArray[Any] = 200, *, seed: int = 0
                    ) -> dict[Any, int]:
    """Licensed seats per account, as ``synthetic_usage_columns`` draws them.

    Examples
    --------
    >>> seats = synthetic_seats(3, seed=4)
    >>> sorted(seats) == [0, 1, 2] and all(s >= 1 for s in seats.values())
    True
    """
    ids = _customer_ids(customers, "synthetic_seats")
    seats = _draw_seats(ids.size, seed)
    return dict(zip(ids.tolist(), seats.tolist(), strict=True))


def _draw_seats(n: int, seed: int) -> I64:
    rng = np.random.default_rng([seed, 17])
    return np.minimum(rng.geometric(0.12, n), 250).astype(np.int64)


@validate_params({"customers": CUSTOMERS, "seats": SEATS, "start": DAY, "days": DAYS,
                  "events_per_active_day": Interval(1, 10_000), "seed": SEED})
def synthetic_usage_columns(
    customers: int | Sequence[Any] | NDArray[Any] = 200,
    *,
    seats: ArrayLike | None = None,
    start: str = "2024-01-01",
    days: int = 90,
    events_per_active_day: float = 3.0,
    seed: int = 0,
) -> dict[str, NDArray[Any]]:
    """Columns of synthetic usage events, for ``UsageTable.from_columns``.

    Each account has licensed seats (given, or drawn as ``synthetic_seats`` draws them)
    and a number of users around 75% of them (a few accounts over-use their licence, some
    hardly use it). Each user has a habit, a probability of being active on a given day,
    which for a fifth of the accounts fades over the window (accounts drifting away). An
    active user-day holds ``1 + Poisson(events_per_active_day - 1)`` events at uniform
    times of the UTC day, each of a feature the account has adopted, with a session length
    (lognormal, median about 6 minutes) on 85% of the events. Events come in time order, as
    from an event log. Generation is vectorized: the work follows the number of events.

    Parameters
    ----------
    customers : int or sequence of ids, default 200
        The account ids, or how many (ids are then ``0 .. customers - 1``).
    seats : array-like of int, optional
        Seats per account, aligned with ``customers``.
    start : str, default "2024-01-01"
        First UTC day of the events.
    days : int, default 90
        Number of days covered.
    events_per_active_day : float, default 3
        Mean events of a user on a day they are active (>= 1).
    seed : int, default 0
        Seed of the random generator: the same arguments give the same events.

    Returns
    -------
    dict of str to ndarray
        ``customer_id``, ``user_id`` (int64, unique across accounts), ``at``
        (``datetime64[us]``, UTC), ``feature`` (str), ``duration_s`` (float64, NaN where
        not recorded).

    Examples
    --------
    >>> cols = synthetic_usage_columns(50, days=30, seed=2)
    >>> sorted(cols)
    ['at', 'customer_id', 'duration_s', 'feature', 'user_id']
    >>> UsageTable.from_columns(cols).n_customers <= 50
    True
    """
    ctx = "synthetic_usage_columns"
    ids = _customer_ids(customers, ctx)
    n_acc = ids.size
    seat = (_draw_seats(n_acc, seed) if seats is None
            else np.asarray(seats, dtype=np.float64).astype(np.int64))
    if seat.shape != (n_acc,) or (seat < 0).any():
        raise InvalidParameterError(f"{ctx}: seats must be >= 0, one per customer.")
    rng = np.random.default_rng(seed)
    fill = np.clip(rng.beta(4.0, 1.5, n_acc) * 1.1, 0.0, 1.4)
    n_users = np.maximum(np.rint(seat * fill).astype(np.int64), np.minimum(seat, 1))
    acc_of_user = np.repeat(np.arange(n_acc), n_users)
    n_u = acc_of_user.size
    habit = rng.beta(1.2, 2.5, n_u) * np.where(rng.random(n_acc) < 0.1, 0.2, 1.0)[acc_of_user]
    fading = (rng.random(n_acc) < 0.2)[acc_of_user]

    # Active user-days: a binomial number of days per user, days drawn at random.
    active_days = rng.binomial(days, habit)
    ud_user = np.repeat(np.arange(n_u), active_days)
    ud_day = rng.integers(0, days, ud_user.size)
    # Fading accounts: activity late in the window is thinned out.
    keep = ~fading[ud_user] | (rng.random(ud_user.size) > ud_day / days)
    ud_user, ud_day = ud_user[keep], ud_day[keep]
    per_day = 1 + rng.poisson(events_per_active_day - 1.0, ud_user.size)
    ev_user = np.repeat(ud_user, per_day)
    ev_day = np.repeat(ud_day, per_day)
    n_ev = ev_user.size

    first = np.datetime64(start, "D").astype("datetime64[us]").astype(np.int64)
    t = first + ev_day * ku.US_PER_DAY + rng.integers(0, ku.US_PER_DAY, n_ev)
    # Features: each account has adopted some; events pick among the adopted ones.
    adopted = rng.random((n_acc, len(_FEATURES))) < _FEATURE_ADOPTION
    adopted[:, 0] = True
    weights = adopted * _FEATURE_WEIGHT
    cum = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    cum[:, -1] = 1.0
    ev_acc = acc_of_user[ev_user]
    # Inverse CDF per event: each account's cumulative weights shifted by its index, so
    # one sorted search over all of them picks every event's feature.
    shifted = (cum + np.arange(n_acc)[:, None]).reshape(-1)
    pick = np.searchsorted(shifted, ev_acc + rng.random(n_ev), side="right") - ev_acc * len(
        _FEATURES)
    feature = np.asarray(_FEATURES)[np.minimum(pick, len(_FEATURES) - 1)]
    duration = np.round(rng.lognormal(np.log(360.0), 0.9, n_ev), 1)
    duration[rng.random(n_ev) < 0.15] = np.nan
    # Like an export of an event log: in time order.
    order = np.argsort(t, kind="stable")
    return {
        "customer_id": ids[ev_acc[order]],
        "user_id": ev_user[order].astype(np.int64),
        "at": t[order].view("datetime64[us]"),
        "feature": feature[order],
        "duration_s": duration[order],
    }


def synthetic_usage(
    customers: int | Sequence[Any] | NDArray[Any] = 200,
    *,
    seats: ArrayLike | None = None,
    start: str = "2024-01-01",
    days: int = 90,
    events_per_active_day: float = 3.0,
    seed: int = 0,
) -> UsageTable:
    """A ``UsageTable`` of synthetic events (see ``synthetic_usage_columns``).

    Examples
    --------
    >>> t = synthetic_usage(100, days=30, seed=3)
    >>> len(t) > 1_000, str(t.at.max())[:10] <= "2024-01-30"
    (True, True)
    """
    return UsageTable.from_columns(synthetic_usage_columns(
        customers, seats=seats, start=start, days=days,
        events_per_active_day=events_per_active_day, seed=seed))
