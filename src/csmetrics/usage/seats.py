"""Seats: the quantity of the subscriptions active on a day, and seats (or eligible users)
given as subscriptions, a mapping or an array.

``seats_at`` reads seats from subscriptions; ``SeatSource`` is what licence utilization and
feature adoption divide by, and says which accounts it speaks of (the holders of seats, or
every key of a mapping), so that those accounts get a row even without events.
Re-exported by ``csmetrics.usage``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.checks import Checker
from csmetrics._core.convert import to_float
from csmetrics._core.ids import id_array, positions
from csmetrics._core.options import PLANS, Constraint, validate_params
from csmetrics._core.partials import Partials, relabel
from csmetrics._core.segments import By, resolve, segment_columns
from csmetrics._kernels import revenue as kr
from csmetrics.exceptions import DataValidationError, InvalidParameterError
from csmetrics.periods.calendar import PeriodLike
from csmetrics.periods.days import utc_day
from csmetrics.tables.account_result import AccountResult
from csmetrics.tables.accounts import ACCOUNT, BY, Pooling, resolve_by
from csmetrics.tables.coerce import as_table
from csmetrics.tables.subscriptions import SubscriptionTable
from csmetrics.usage.common import F64, I64, column, is_subscriptions, mapping_items

SEATS_OPTIONS: dict[str, Constraint] = {"by": BY, "plans": PLANS}
"""What ``seats_at``'s options accept."""


@validate_params(SEATS_OPTIONS)
def seats_at(subscriptions: Any, at: PeriodLike | _dt.datetime, *,
             plans: Sequence[str | None] | None = None, by: By = None) -> AccountResult:
    """Seats on a day: the summed ``quantity`` of the subscriptions active on ``at``.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
    at : date, period or timestamp
        The day (a period means its last day).
    plans : sequence of str, optional
        Count only the spans of these plans (``None`` in the list: spans without a plan);
        add-ons often carry a quantity of 1 that is not a seat.
    by : None, str or mapping, optional
        ``None``: every account together; ``"customer_id"``: one row per account; a column
        of the subscriptions (``"plan"``: seats per plan); or a mapping from customer id to
        segment. Seats are summed.

    Returns
    -------
    AccountResult
        Value column ``seats``, with ``accounts`` (the customers with a subscription in the
        row, seats or not).

    Raises
    ------
    InvalidParameterError
        A plan of ``plans`` that no subscription has.

    Notes
    -----
    A span is active on ``at`` when ``start <= at < end``, as for MRR.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [Subscription(customer_id="a", start="2024-01-01", amount=10, quantity=25),
    ...         Subscription(customer_id="a", start="2024-01-01", amount=5, quantity=1,
    ...                      plan="addon"),
    ...         Subscription(customer_id="b", start="2024-01-01", end="2024-02-01",
    ...                      amount=10, quantity=5)]
    >>> float(seats_at(subs, "2024-03-31"))
    26.0
    >>> seats_at(subs, "2024-03-31", by="customer_id")["seats"].tolist()
    [26.0, 0.0]
    >>> seats_at(subs, "2024-01-15", plans=[None], by="customer_id")["seats"].tolist()
    [25.0, 5.0]
    """
    table, plan = prepare_seats_at(subscriptions, at, plans=plans, by=by)
    return finalize_seats_at(partial_seats_at(table, plan), plan)


@dataclass(frozen=True)
class SeatsAtPlan:
    """The plan of ``seats_at``: the day, the plan codes counted (None: every plan; -1 in
    them: spans without a plan), ``by`` and the segments of the whole table: each
    customer's, when ``by`` segments customers (None, a mapping, the id column); otherwise
    a part resolves its own rows' segments and maps them into ``labels``."""

    day: np.datetime64
    plan_codes: I64 | None
    by: Any
    name: str | None
    labels: NDArray[Any]
    of_customer: I64 | None


def prepare_seats_at(subscriptions: Any, at: PeriodLike | _dt.datetime, *,
                     plans: Sequence[str | None] | None = None, by: By = None
                     ) -> tuple[SubscriptionTable, SeatsAtPlan]:
    """``seats_at``'s table and plan."""
    ctx = "seats_at"
    by = resolve_by(by, ctx)
    subs = as_table(subscriptions, ctx, by=by)
    day = utc_day(at, ctx)
    kept: I64 | None = None
    if plans is not None:
        wanted = [plans] if isinstance(plans, str) else list(plans)  # one plan, or several
        named = [p for p in wanted if p is not None]
        codes = positions(subs.plans, np.array(named, dtype=object)) if named else np.zeros(
            0, np.int64)
        unknown = [p for p, c in zip(named, codes.tolist(), strict=True) if c < 0]
        if unknown:
            shown = ", ".join(repr(p) for p in subs.plans.tolist()[:20]) or "none"
            raise InvalidParameterError(f"{ctx}: no subscription has plan(s) {unknown!r} "
                                        f"(plans: {shown}).")
        kept = np.concatenate([codes, [-1]]) if None in wanted else codes
    seg = resolve(by, subs, ctx)
    of_customer = None
    if seg.per_customer:
        of_customer = np.full(subs.customer_ids.size, -1, dtype=np.int64)
        of_customer[subs.customer_codes] = seg.of_row
    return subs, SeatsAtPlan(day, kept, by, seg.name, seg.labels, of_customer)


def partial_seats_at(part: SubscriptionTable, plan: SeatsAtPlan) -> Partials:
    """Seats (float sums of ``quantity``, exact while quantities are whole numbers) and
    customers with a subscription, per segment of the plan, over the part's spans."""
    ctx = "seats_at"
    active = kr.active_on(part.start, part.end, plan.day)
    if plan.plan_codes is not None:
        active &= np.isin(part.plan_codes, plan.plan_codes)
    n = plan.labels.size
    if plan.of_customer is not None:
        of_row = plan.of_customer[part.customer_codes]
    else:
        seg = resolve(plan.by, part, ctx)
        of_row = relabel(seg.labels, plan.labels, ctx)[seg.of_row]
    seats = np.bincount(of_row[active], weights=part.quantity[active], minlength=n)
    width = np.int64(max(n, 1))
    pairs = np.unique(part.customer_codes * width + of_row)
    accounts = np.bincount(pairs % width, minlength=n).astype(np.int64)
    return Partials("seats_at", {"accounts": accounts, "seats": seats.astype(np.float64)})


def finalize_seats_at(partials: Partials, plan: SeatsAtPlan) -> AccountResult:
    """``seats_at``'s result from its combined partials."""
    cols = segment_columns(plan.name, plan.labels, "seats_at")
    cols.update(accounts=partials["accounts"], seats=partials["seats"])
    return AccountResult(cols, value="seats", title=f"Seats on {plan.day}", segment=plan.name,
                         pooling=Pooling(sums=("seats",)))


@dataclass(frozen=True)
class SeatSource:
    """Seats (or eligible users) keyed by customer id, from subscriptions or a mapping.

    Attributes
    ----------
    ids : ndarray of object
        The accounts the source speaks of.
    amounts : ndarray of float64
        Each one's seats (NaN: not known).
    from_subscriptions : bool
        Whether the amounts are seats on a day: an account without a subscription then has
        0 seats; one missing from a mapping has an unknown number (NaN).
    """

    ids: NDArray[Any]
    amounts: F64
    from_subscriptions: bool

    @property
    def fill(self) -> float:
        """The amount of an account the source lacks."""
        return 0.0 if self.from_subscriptions else float("nan")

    @property
    def holders(self) -> NDArray[Any]:
        """Accounts the source speaks of: with seats (subscriptions) or every key."""
        if self.from_subscriptions:
            return self.ids[self.amounts > 0]
        return self.ids

    def amounts_of(self, ids: NDArray[Any]) -> F64:
        """The amounts of the accounts ``ids`` (``fill`` for those the source lacks)."""
        pos = positions(self.ids, ids)
        out = np.full(ids.size, self.fill)
        out[pos >= 0] = self.amounts[pos[pos >= 0]]
        return out


def seat_source(value: Any, at: Any, plans: Sequence[str | None] | None, what: str,
                context: str) -> SeatSource | None:
    """The source of subscriptions or a mapping; None for an array aligned with the rows."""
    if is_subscriptions(value):
        seats = seats_at(value, at, plans=plans, by=ACCOUNT)
        return SeatSource(np.asarray(seats[ACCOUNT], dtype=object),
                          np.asarray(seats["seats"], dtype=np.float64), True)
    if plans is not None:
        raise InvalidParameterError(f"{context}: plans= applies to seats from subscriptions.")
    if hasattr(value, "keys") and hasattr(value, "items"):
        keys, values = mapping_items(value)
        ids = id_array(keys, context, f"the keys of {what}")
        raw = column(values, context)
        amounts = to_float(raw, what, Checker(raw.size, context))
        _check_amounts(amounts, what, context)
        return SeatSource(ids, amounts, False)
    return None


def aligned_amounts(value: Any, n: int, what: str, context: str) -> F64:
    """Seats (or eligible users) given as an array with one value per account."""
    raw = column(value, context)
    amounts = to_float(raw, what, Checker(raw.size, context))
    if amounts.shape != (n,):
        raise InvalidParameterError(
            f"{context}: {what} given as an array must have one value per account "
            f"({n:,}, in the order of customers=, or of the usage table's sorted customer "
            f"ids), got {amounts.size:,}.")
    _check_amounts(amounts, what, context)
    return amounts


def _check_amounts(amounts: F64, what: str, context: str) -> None:
    with np.errstate(invalid="ignore"):
        bad = (amounts < 0) | np.isinf(amounts)
    if bad.any():
        raise DataValidationError(column=what, rule="must be a finite number >= 0",
                                  count=int(bad.sum()),
                                  positions=np.flatnonzero(bad)[:5].tolist(),
                                  n_rows=amounts.size, context=context)
