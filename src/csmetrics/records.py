"""Typed records: the friendly front door for small inputs, tests and documentation.

Records validate one row at a time (pydantic costs a few microseconds a record); data at
portfolio scale should enter through :meth:`csmetrics.SubscriptionTable.from_columns`, which
applies the same rules to whole columns. Both paths build the same table.
"""

from __future__ import annotations

import datetime as _dt
import math
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from csmetrics._currency import MINOR_UNITS
from csmetrics._validation import missing_one, one_date

__all__ = ["INTERVALS", "Interval", "Subscription"]

Interval = Literal["day", "week", "month", "quarter", "year"]
INTERVALS: tuple[Interval, ...] = ("day", "week", "month", "quarter", "year")
"""Billing intervals, in the order of their integer codes in a table."""


class Subscription(BaseModel):
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

    Examples
    --------
    >>> Subscription(customer_id="acme", start="2024-01-15", amount=1200, interval="year")
    Subscription(customer_id='acme', subscription_id=None, plan=None, start=datetime.date(2024, 1, 15), end=None, amount=1200, currency='USD', interval='year', interval_count=1, quantity=1.0, discount=0.0)
    """  # noqa: E501

    model_config = ConfigDict(frozen=True, extra="forbid")

    customer_id: str | int
    subscription_id: str | int | None = None
    plan: str | None = None
    start: _dt.date
    end: _dt.date | None = None
    amount: Decimal | int | float
    currency: str = "USD"
    interval: Interval = "month"
    interval_count: int = Field(default=1, ge=1, le=10_000)
    quantity: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    discount: float = Field(default=0.0, ge=0, le=1, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _missing_values_are_none(cls, data: Any) -> Any:
        # A row from a DataFrame carries NaN, NaT or pd.NA where a value is missing.
        if isinstance(data, dict):
            return {k: None if missing_one(v) else v for k, v in data.items()}
        return data

    @field_validator("start", "end", mode="before")
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

    @field_validator("amount")
    @classmethod
    def _amount_is_finite_and_not_negative(cls, v: Decimal | int | float) -> Decimal | int | float:
        if (isinstance(v, Decimal) and not v.is_finite()) or (isinstance(v, float) and not (
            math.isfinite(v)
        )):
            raise ValueError("must be a finite number")
        if v < 0:
            raise ValueError("must be >= 0")
        return v

    @field_validator("currency")
    @classmethod
    def _currency_is_iso_4217(cls, v: str) -> str:
        code = v.strip().upper()
        if code not in MINOR_UNITS:
            raise ValueError(f"{v!r} is not an ISO 4217 currency code")
        return code

    @model_validator(mode="after")
    def _end_not_before_start(self) -> Subscription:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} must not be before start {self.start}")
        return self
