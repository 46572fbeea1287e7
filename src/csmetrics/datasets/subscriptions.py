"""Seeded synthetic portfolios, so every example and benchmark runs offline and repeatably.

The generator is vectorized (no loop over customers), so a million customers take seconds.
Each customer follows a simple lifecycle: sign up on a plan (monthly or annual billing, a few
seats), then a run of up to six stages, each ending in an upgrade, a downgrade, a seat change
or a cancellation; about a third of cancelled customers come back later on a new subscription
(a reactivation). Some customers also buy an add-on for a while (expansion, then
contraction). Anything still running at the end of the data is open-ended. The numbers are
plausible, not calibrated to any real business.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.currency import MINOR_UNITS
from csmetrics._core.options import Satisfies, validate_params
from csmetrics._kernels import revenue as kr
from csmetrics.datasets.options import COUNT, MONTH, MONTHS, SEED
from csmetrics.datasets.surveys import synthetic_surveys
from csmetrics.datasets.tickets import synthetic_tickets
from csmetrics.datasets.usage import synthetic_usage
from csmetrics.periods.calendar import Period
from csmetrics.tables.subscriptions import SubscriptionTable
from csmetrics.tables.surveys import SurveyTable
from csmetrics.tables.tickets import SupportTicketTable
from csmetrics.tables.usage import UsageTable

PLANS = ("starter", "growth", "pro", "enterprise")
_SEAT_PRICE = np.array([15.0, 35.0, 75.0, 150.0])  # per seat per month, USD
_ANNUAL_MONTHS_CHARGED = 10  # annual billing: twelve months for the price of ten
_ADDON_PRICE = 20.0
_ROUGH_RATE = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "CAD": 1.36, "AUD": 1.52, "JPY": 150.0}
_STAGES = 6
_DAYS_PER_MONTH = 30.44


_CURRENCIES = Satisfies(
    lambda c: not isinstance(c, str) and len(c) > 0 and all(v in _ROUGH_RATE for v in c),
    "a non-empty sequence of some of " + ", ".join(sorted(_ROUGH_RATE)))


@validate_params({"n_customers": COUNT, "months": MONTHS, "seed": SEED, "start": MONTH,
                  "currencies": _CURRENCIES})
def synthetic_columns(
    n_customers: int,
    *,
    months: int = 36,
    seed: int = 0,
    start: str = "2022-01",
    currencies: Sequence[str] = ("USD",),
) -> dict[str, NDArray[Any]]:
    """Columns of a synthetic portfolio, ready for ``SubscriptionTable.from_columns``.

    Parameters
    ----------
    n_customers : int
        Customers to generate (about 2 rows each).
    months : int, default 36
        Length of the observed window; the data end at the last day of its last month.
        A fifth of the customers signed up in the two years before it.
    seed : int, default 0
        Seed of the random generator: the same seed gives the same portfolio.
    start : str, default "2022-01"
        First month of the window.
    currencies : sequence of str, default ("USD",)
        Currencies customers are billed in, spread evenly; prices are converted at rough
        fixed rates and rounded to the currency's minor unit.

    Returns
    -------
    dict of str to ndarray
        ``customer_id``, ``plan``, ``currency``, ``interval`` (numpy strings),
        ``subscription_id`` (int), ``start``, ``end`` (``datetime64[D]``, NaT while open),
        ``amount``, ``interval_count``, ``quantity``, ``discount``; and ``renews_at``,
        ``cancel_at`` (``datetime64[D]``), ``auto_renew``, ``churn_reason``,
        ``churn_type``, ``product`` (numpy strings, blank where not given), drawn apart so
        that the other columns are those of earlier versions.

    Raises
    ------
    InvalidParameterError
        ``n_customers`` or ``months`` is not a whole number >= 1, or ``currencies`` names
        a currency without a rough rate (USD, EUR, GBP, CAD, AUD, JPY).

    Examples
    --------
    >>> cols = synthetic_columns(1_000, months=12, seed=1)
    >>> sorted(cols) == sorted(["customer_id", "subscription_id", "plan", "start", "end",
    ...     "amount", "currency", "interval", "interval_count", "quantity", "discount",
    ...     "renews_at", "auto_renew", "cancel_at", "churn_reason", "churn_type", "product"])
    True
    """
    rng = np.random.default_rng(seed)
    first = Period.parse(start, "month")
    window_start = np.datetime64(first.start, "D")
    data_end = np.datetime64((first + months).start, "D")  # exclusive
    span_days = int((data_end - window_start).astype(np.int64))
    n, k = n_customers, _STAGES

    # Sign-up: 20% in the two years before the window, the rest spread over it.
    early = rng.random(n) < 0.2
    offset = np.where(early, -rng.integers(1, 730, n), rng.integers(0, span_days, n))
    signup = window_start + offset.astype("timedelta64[D]")

    # Stage lengths in days; annual customers change only at renewals.
    annual = rng.random(n) < 0.25
    stage_months = rng.geometric(1 / 9, size=(n, k))
    stage_months = np.where(annual[:, None], 12 * np.ceil(stage_months / 12), stage_months)
    stage_days = np.rint(stage_months * _DAYS_PER_MONTH).astype(np.int64)
    # What ends each stage: 0 upgrade, 1 downgrade, 2 seat change, 3 cancel.
    event = rng.choice(4, size=(n, k), p=[0.3, 0.12, 0.28, 0.3])
    returns = rng.random((n, k)) < 0.35
    gap_days = np.where(event == 3, rng.integers(30, 400, (n, k)), 0)
    last_stage = np.where(event == 3, ~returns, False)
    last_stage[:, -1] = True
    # A stage exists while no earlier stage was a final cancellation.
    exists = np.concatenate([np.ones((n, 1), bool),
                             np.cumsum(last_stage, axis=1)[:, :-1] == 0], axis=1)

    stage_start = signup[:, None] + np.concatenate(
        [np.zeros((n, 1), np.int64), np.cumsum(stage_days + gap_days, axis=1)[:, :-1]], axis=1
    ).astype("timedelta64[D]")
    stage_end = stage_start + stage_days.astype("timedelta64[D]")
    continues = exists & (event != 3)
    # A stage followed by a plan change ends where the next starts (no gap); a cancelled
    # stage ends at its own end. A continuing final stage has no known end.
    stage_end = np.where(continues & (np.arange(k) == k - 1), np.datetime64("NaT"), stage_end)

    plan0 = rng.choice(4, n, p=[0.45, 0.3, 0.18, 0.07])
    seats0 = np.minimum(rng.geometric(0.25, n), 200)
    step_plan = np.where(event == 0, 1, np.where(event == 1, -1, 0))
    step_seat = np.where(event == 2, rng.choice([-2, -1, 1, 2, 3], (n, k)), 0)
    plan = np.clip(plan0[:, None] + np.concatenate(
        [np.zeros((n, 1), np.int64), np.cumsum(step_plan, axis=1)[:, :-1]], axis=1), 0, 3)
    seats = np.maximum(seats0[:, None] + np.concatenate(
        [np.zeros((n, 1), np.int64), np.cumsum(step_seat, axis=1)[:, :-1]], axis=1), 1)
    restarts = np.concatenate([np.zeros((n, 1), np.int64),
                               np.cumsum(event == 3, axis=1)[:, :-1]], axis=1)
    discount = np.where(rng.random(n) < 0.1, 0.2, 0.0)

    cust_idx = np.broadcast_to(np.arange(n)[:, None], (n, k))
    keep = exists & (stage_start < data_end)
    # Nothing after the data's end is known: spans running past it are open-ended.
    stage_end = np.where(stage_end >= data_end, np.datetime64("NaT"), stage_end)

    cur_idx = np.arange(n) % len(currencies)
    cur_names = np.asarray(list(currencies), dtype=str)
    rate = np.array([_ROUGH_RATE[c] for c in currencies])[cur_idx]
    digits = np.array([MINOR_UNITS[c] for c in currencies])[cur_idx]
    price = _round_to(_SEAT_PRICE[plan] * rate[:, None], digits[:, None])
    amount = np.where(annual[:, None], price * _ANNUAL_MONTHS_CHARGED, price)

    # Add-on: a second subscription for 15% of customers during their first stage.
    has_addon = (rng.random(n) < 0.15) & (stage_days[:, 0] > 60)
    addon_start = signup + rng.integers(20, 60, n).astype("timedelta64[D]")
    addon_end = addon_start + rng.integers(30, 300, n).astype("timedelta64[D]")
    first_end = np.where(np.isnat(stage_end[:, 0]), data_end, stage_end[:, 0])
    addon_end = np.minimum(addon_end, first_end)
    has_addon &= (addon_start < addon_end) & (addon_start < data_end)
    addon_end = np.where(addon_end >= data_end, np.datetime64("NaT"), addon_end)
    a = np.flatnonzero(has_addon)

    main_c = cust_idx[keep]
    customer = np.concatenate([main_c, a])
    order = np.argsort(customer, kind="stable")
    ids = np.char.add("cus_", np.char.zfill(np.arange(n).astype(str), len(str(n - 1))))
    sub_main = main_c * 10 + restarts[keep]
    columns = {
        "customer_id": ids[customer][order],
        "subscription_id": np.concatenate([sub_main, a * 10 + 9])[order],
        "plan": np.concatenate([np.asarray(PLANS)[plan[keep]],
                                np.full(a.size, "addon")])[order],
        "start": np.concatenate([stage_start[keep], addon_start[a]])[order],
        "end": np.concatenate([stage_end[keep], addon_end[a]])[order],
        "amount": np.concatenate([amount[keep],
                                  _round_to(_ADDON_PRICE * rate[a], digits[a])])[order],
        "currency": np.concatenate([cur_names[cur_idx][main_c], cur_names[cur_idx][a]])[order],
        "interval": np.concatenate([np.where(annual, "year", "month")[main_c],
                                    np.full(a.size, "month")])[order],
        "interval_count": np.ones(customer.size, dtype=np.int64),
        "quantity": np.concatenate([seats[keep], np.ones(a.size, np.int64)])[order]
        .astype(np.float64),
        "discount": np.concatenate([np.broadcast_to(discount[:, None], (n, k))[keep],
                                    discount[a]])[order],
    }
    return {**columns, **_renewal_columns(columns, data_end, seed)}


CHURN_REASONS = ("price", "switched", "missing features", "no longer needed", "budget")
"""The synthetic churn reasons, most common first."""


def _renewal_columns(cols: dict[str, NDArray[Any]], data_end: np.datetime64, seed: int
                     ) -> dict[str, NDArray[Any]]:
    """The renewal, cancellation, churn and product columns of a synthetic portfolio, drawn
    from a generator of their own so that the other columns stay as they were.

    Annual spans renew on their first anniversary (``renews_at``; 85% by themselves); a
    span that ends without a next span of its subscription is a cancellation, with a
    reason and a type (80% voluntary); 5% of the spans still open at the data's end are
    scheduled to cancel (``cancel_at``) within 90 days after it.
    """
    rng = np.random.default_rng([seed, 15])
    n = cols["start"].size
    start, end, sub = cols["start"], cols["end"], cols["subscription_id"]
    annual = cols["interval"] == "year"
    month = start.astype("datetime64[M]")
    day = (start - month.astype("datetime64[D]")).astype(np.int64)
    anniversary = (month + 12).astype("datetime64[D]")
    last_day = ((month + 13).astype("datetime64[D]") - anniversary).astype(np.int64) - 1
    anniversary = anniversary + np.minimum(day, last_day).astype("timedelta64[D]")
    renews_at = np.where(annual, anniversary, np.datetime64("NaT"))
    auto = np.where(rng.random(n) < 0.85, "true", "false")
    auto_renew = np.where(annual, auto, "")
    # A span ends in a cancellation when no span of its subscription starts at its end.
    days = np.where(np.isnat(end), -1, end.astype(np.int64))
    key_next = sub.astype(np.int64) * np.int64(1 << 20) + (start.astype(np.int64) & 0xFFFFF)
    key_end = sub.astype(np.int64) * np.int64(1 << 20) + (days & 0xFFFFF)
    addon = cols["plan"] == "addon"
    cancelled = ~np.isnat(end) & ~np.isin(key_end, key_next) & ~addon
    scheduled = np.isnat(end) & ~addon & (rng.random(n) < 0.05)
    cancel_at = np.where(scheduled, data_end + rng.integers(0, 90, n).astype("timedelta64[D]"),
                         np.datetime64("NaT"))
    churned = cancelled | scheduled
    reason = np.asarray(CHURN_REASONS)[rng.choice(len(CHURN_REASONS), n,
                                                  p=[0.3, 0.25, 0.2, 0.15, 0.1])]
    kind = np.where(scheduled | (rng.random(n) < 0.8), "voluntary", "delinquent")
    return {
        "renews_at": renews_at,
        "auto_renew": auto_renew,
        "cancel_at": cancel_at,
        "churn_reason": np.where(churned, reason, ""),
        "churn_type": np.where(churned, kind, ""),
        "product": np.where(addon, "addon", "core"),
    }


def _round_to(x: NDArray[np.float64], digits: NDArray[np.int64]) -> NDArray[np.float64]:
    scale = 10.0 ** digits
    rounded: NDArray[np.float64] = np.rint(x * scale) / scale
    return rounded


def synthetic_portfolio(
    n_customers: int,
    *,
    months: int = 36,
    seed: int = 0,
    start: str = "2022-01",
    currencies: Sequence[str] = ("USD",),
) -> SubscriptionTable:
    """A seeded synthetic ``SubscriptionTable`` (see ``synthetic_columns``).

    Examples
    --------
    >>> subs = synthetic_portfolio(500, months=12, seed=3)
    >>> subs.n_customers
    500
    """
    return SubscriptionTable.from_columns(synthetic_columns(
        n_customers, months=months, seed=seed, start=start, currencies=currencies))


def demo_portfolio() -> SubscriptionTable:
    """The small portfolio used by ``csmetrics report --demo``: 400 customers, 2023-2024.

    Examples
    --------
    >>> demo_portfolio().n_customers
    400
    """
    return synthetic_portfolio(400, months=24, seed=2024, start="2023-01")


def demo_surveys() -> SurveyTable:
    """NPS, CSAT and CES answers of the demo portfolio's customers, 2023-2024.

    Examples
    --------
    >>> demo_surveys().n_customers <= 400
    True
    """
    return synthetic_surveys(demo_portfolio().customer_ids, months=24, start="2023-01",
                             seed=2024)


def demo_usage() -> UsageTable:
    """Product usage of the demo portfolio's customers over the last 90 days of 2024, with
    seat-holders drawn up to each account's seats on 31 December 2024 (some accounts use
    more seats than they bought).

    Examples
    --------
    >>> str(demo_usage().at.max()) < "2025-01-01"
    True
    """
    subs = demo_portfolio()
    # Seats: the quantity of each customer's plan spans (not add-ons) active that day.
    active = kr.active_on(subs.start, subs.end, np.datetime64("2024-12-31"))
    active &= np.isin(subs.column("plan"), np.array(PLANS, dtype=object))
    seats = np.bincount(subs.customer_codes[active], weights=subs.quantity[active],
                        minlength=subs.customer_ids.size)
    return synthetic_usage(subs.customer_ids, seats=np.maximum(seats, 1), start="2024-10-03",
                           days=90, seed=2024)


def demo_tickets() -> SupportTicketTable:
    """Support tickets of the demo portfolio's customers over the last 90 days of 2024.

    Examples
    --------
    >>> len(demo_tickets()) > 0
    True
    """
    return synthetic_tickets(demo_portfolio().customer_ids, start="2024-10-03", days=90,
                             seed=2024)
