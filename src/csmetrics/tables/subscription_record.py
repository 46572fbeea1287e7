"""The subscription record: one span of a subscription, validated field by field.

``SubscriptionTable.from_records`` validates these and then reads them as columns, so the
record's reading of each field is the columns' reading (see ``csmetrics.tables.records``).
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from csmetrics._core.arrow import Kind
from csmetrics._core.convert import one_date
from csmetrics.tables.records import (
    RecordModel,
    iso_currency,
    money_amount,
    record_count,
    record_label,
    record_missing_text,
    record_number,
)
from csmetrics.tables.subscription_extras import (
    EXTRA_DEFAULTS,
    EXTRA_FIELDS,
    EXTRA_KINDS,
    ChurnType,
    bool_of,
    churn_type_of,
)

Interval = Literal["day", "week", "month", "quarter", "year"]


INTERVALS: tuple[Interval, ...] = ("day", "week", "month", "quarter", "year")
"""Billing intervals, in the order of their integer codes in a table."""


class Subscription(RecordModel):
    """One span of a subscription during which its price is constant.

    A price, plan, seat or discount change ends one span and starts the next (the new row's
    ``start`` equals the old row's ``end``), so a subscription's history is a run of rows.

    Parameters
    ----------
    customer_id : str or int
        The paying account. MRR and its movements are per customer.
    subscription_id : str or int, optional
        Identifies the subscription across its spans; with it, spans of one subscription are
        checked not to overlap.
    plan : str, optional
        Plan name, usable as a segment (``by="plan"``).
    start : date
        First day the span is active.
    end : date or None
        First day it is no longer active (exclusive); ``None`` while it is still running.
        ``end == start`` is an empty span that never counts.
    amount : Decimal, int or float
        Recurring charge per unit per billing interval, excluding tax; >= 0.
    currency : str, default "USD"
        ISO 4217 code (case-insensitive; stored upper-case).
    interval : {"day", "week", "month", "quarter", "year"}, default "month"
        Billing interval.
    interval_count : int, default 1
        Intervals per billing period (2 with ``"year"`` is a two-year term); 1 to 10,000.
    quantity : float, default 1
        Units (seats) billed; >= 0. The charge is ``amount * quantity``.
    discount : float, default 0
        Fraction taken off the charge, 0 to 1 (1 is free).
    renews_at : date, optional
        The renewal date or term end (not before ``start``).
    auto_renew : bool, optional
        Whether the term renews by itself (``True``/``False``, yes/no, 1/0).
    cancel_at : date, optional
        A scheduled cancellation: the customer has asked to leave on this date.
    churn_reason : str, optional
        Why the customer left, a free-text category (``"price"``, ``"switched"``).
    churn_type : {"voluntary", "delinquent"}, optional
        Whether the customer chose to leave or stopped paying.
    product : str, optional
        The product subscribed to (a customer may hold subscriptions to several).

    Examples
    --------
    >>> Subscription(customer_id="acme", start="2024-01-15", amount=1200, interval="year")
    Subscription(customer_id='acme', subscription_id=None, plan=None, start=datetime.date(2024, 1, 15), end=None, amount=1200, currency='USD', interval='year', interval_count=1, quantity=1.0, discount=0.0, renews_at=None, auto_renew=None, cancel_at=None, churn_reason=None, churn_type=None, product=None)
    """  # noqa: E501

    model_config = ConfigDict(frozen=True, extra="forbid")

    customer_id: str | int
    subscription_id: str | int | None = None
    plan: str | int | None = None
    start: _dt.date
    end: _dt.date | None = None
    amount: Decimal | int | float
    currency: str = "USD"
    interval: Interval = "month"
    interval_count: int = Field(default=1, ge=1, le=10_000)
    quantity: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    discount: float = Field(default=0.0, ge=0, le=1, allow_inf_nan=False)
    renews_at: _dt.date | None = None
    auto_renew: bool | None = None
    cancel_at: _dt.date | None = None
    churn_reason: str | int | None = None
    churn_type: ChurnType | None = None
    product: str | int | None = None

    _labels_as_the_columns_read_them = field_validator(
        "customer_id", "subscription_id", "plan", "churn_reason", "product",
        mode="before")(record_label)
    _flag_as_the_columns_read_it = field_validator("auto_renew", mode="before")(bool_of)
    _type_as_the_columns_read_it = field_validator("churn_type", mode="before")(churn_type_of)

    @field_validator("start", "end", "renews_at", "cancel_at", mode="before")
    @classmethod
    def _dates_as_the_columns_read_them(cls, v: Any) -> Any:
        # The same reading as SubscriptionTable.from_columns: ISO 8601 strings, dates,
        # datetimes (tz-aware ones in UTC) and datetime64, any time of day dropped.
        if v is None or (isinstance(v, _dt.date) and not isinstance(v, _dt.datetime)):
            return v
        try:
            return one_date(v).astype(_dt.date)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                "must be a date (ISO 8601 such as '2024-03-15', a date, or a datetime64)"
            ) from exc

    @field_validator("interval", mode="before")
    @classmethod
    def _interval_case_insensitive(cls, v: Any) -> Any:
        return v.strip().lower() if isinstance(v, str) else v

    _amount_is_finite_and_not_negative = field_validator("amount")(money_amount)
    _currency_is_iso_4217 = field_validator("currency")(iso_currency)
    _numbers_as_the_columns_read_them = field_validator(
        "quantity", "discount", mode="before")(record_number)
    _count_as_the_columns_read_it = field_validator("interval_count", mode="before")(
        record_count)
    _missing_text_is_no_date = field_validator("start", "end", "renews_at", "cancel_at",
                                               mode="before")(
        record_missing_text)

    @model_validator(mode="after")
    def _end_not_before_start(self) -> Subscription:
        if self.end is not None and self.end < self.start:
            raise ValueError("must not end before it starts")
        return self


OPTIONAL_DEFAULTS: dict[str, Any] = {
    "subscription_id": None,
    "plan": None,
    "end": None,
    "currency": "USD",
    "interval": "month",
    "interval_count": 1,
    "quantity": 1.0,
    "discount": 0.0,
    **EXTRA_DEFAULTS,
}


ARROW_KINDS: dict[str, Kind] = {
    "customer_id": "codes", "subscription_id": "codes", "plan": "codes", "start": "date",
    "end": "date", "amount": "number", "currency": "category", "interval": "category",
    "interval_count": "number", "quantity": "number", "discount": "number", **EXTRA_KINDS}
"""How each field reads an Arrow column (fast casts; see csmetrics._core.arrow)."""


SUBSCRIPTION_FIELDS: tuple[str, ...] = (
    "customer_id", "subscription_id", "plan", "start", "end", "amount", "currency",
    "interval", "interval_count", "quantity", "discount", *EXTRA_FIELDS)
"""The table's columns, in display order."""
