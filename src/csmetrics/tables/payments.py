"""Payments: the record and the validated table of one-off transactions."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from pydantic import ConfigDict, field_validator

from csmetrics._core.amounts import (
    check_amount_format,
    parse_amounts,
    suggest_amount_format,
)
from csmetrics._core.checks import Checker, ErrorMode
from csmetrics._core.columns import column_getter
from csmetrics._core.convert import to_codes, to_dates, to_float
from csmetrics._core.currency import MINOR_UNITS
from csmetrics._kernels.primitives import round_half_even
from csmetrics.exceptions import (
    ColumnNotFoundError,
    InvalidParameterError,
)
from csmetrics.results import SkippedRows
from csmetrics.tables.base import Coded, ColumnTable
from csmetrics.tables.records import (
    RecordModel,
    iso_currency,
    money_amount,
    record_date,
    record_label,
)
from csmetrics.tables.rules import currency_codes


class Payment(RecordModel):
    """One payment (a one-off purchase or an invoice paid).

    Parameters
    ----------
    customer_id : str or int
        The paying account.
    date : date
        Day the payment was made.
    amount : Decimal, int or float
        Amount paid, excluding tax; >= 0 (net refunds into the amount before).
    currency : str, default "USD"
        ISO 4217 code.
    payment_id : str or int, optional
        Identifies the payment.

    Examples
    --------
    >>> Payment(customer_id="acme", date="2024-03-15", amount=49.9)
    Payment(customer_id='acme', date=datetime.date(2024, 3, 15), amount=49.9, currency='USD', payment_id=None)
    """  # noqa: E501

    model_config = ConfigDict(frozen=True, extra="forbid")

    customer_id: str | int
    date: _dt.date
    amount: Decimal | int | float
    currency: str = "USD"
    payment_id: str | int | None = None

    _labels_as_the_columns_read_them = field_validator(
        "customer_id", "payment_id", mode="before")(record_label)

    _amount_is_finite_and_not_negative = field_validator("amount")(money_amount)
    _currency_is_iso_4217 = field_validator("currency")(iso_currency)
    _date_as_the_columns_read_it = field_validator("date", mode="before")(record_date)


_PAYMENT_COLUMNS = ("customer_id", "date", "amount", "currency", "payment_id")


_MAX_AMOUNT = 1e12


@dataclass(frozen=True, repr=False, eq=False)
class PaymentTable(ColumnTable):
    """Payments as validated, read-only numpy columns.

    Build one with ``from_records`` or ``from_columns``; every metric of payments also takes
    records or columns and builds the table itself.

    Attributes
    ----------
    customer_codes : ndarray of int64
        Index of each payment's customer into ``customer_ids`` (sorted unique ids).
    date : ndarray of datetime64[D]
    amount : ndarray of float64
    amount_minor : ndarray of int64
        Each amount in minor units of its currency (cents), rounded half to even.
    currency_codes : ndarray of int64
        Codes into ``currencies``.
    source_rows : ndarray of int64
        Each row's position in the input.
    skipped : SkippedRows
        Rows left out with ``errors="skip"``.

    Examples
    --------
    >>> PaymentTable.from_columns({"customer_id": ["a", "b", "a"],
    ...                            "date": ["2024-01-03", "2024-01-09", "2024-02-11"],
    ...                            "amount": [20, 35.5, 12]})
    PaymentTable(3 payments, 2 customers, 2024-01-03 to 2024-02-11, USD)
    """

    _FIELDS: ClassVar[tuple[str, ...]] = ("customer_id", "date", "amount", "currency")
    _CODED: ClassVar[Mapping[str, tuple[str, str]]] = {
        "customer_id": ("customer_codes", "customer_ids"),
        "currency": ("currency_codes", "currencies"),
    }
    _COMPACT: ClassVar[tuple[str, ...]] = ()  # payments keep every customer id they read
    _RECORD: ClassVar[Any] = Payment
    _RECORD_CONVERT: ClassVar[Mapping[str, Any]] = {"amount": float}
    _NOUN: ClassVar[str] = "payments"

    customer_codes: NDArray[np.int64]
    customer_ids: NDArray[Any]
    date: NDArray[np.datetime64]
    amount: NDArray[np.float64]
    amount_minor: NDArray[np.int64]
    currency_codes: NDArray[np.int64]
    currencies: NDArray[np.str_]
    source_rows: NDArray[np.int64]
    skipped: SkippedRows = field(default_factory=lambda: SkippedRows.empty())
    segments: Mapping[str, Coded] = field(default_factory=dict)

    @classmethod
    def from_records(cls, records: Iterable[Payment | Mapping[str, Any]], *,
                     errors: ErrorMode = "raise") -> PaymentTable:
        """Build a table from ``Payment`` records or dicts of their fields.

        Examples
        --------
        >>> PaymentTable.from_records([Payment(customer_id=1, date="2024-05-01", amount=10)])
        PaymentTable(1 payment, 1 customer, 2024-05-01 to 2024-05-01, USD)
        """
        return cls._from_records(records, errors=errors, context="PaymentTable.from_records")

    @classmethod
    def from_columns(cls, data: Any, *, customer_id: str = "customer_id", date: str = "date",
                     amount: str = "amount", currency: str = "currency",
                     segments: Sequence[str] = (), errors: ErrorMode = "raise",
                     amount_format: str | None = None,
                     _context: str = "PaymentTable.from_columns") -> PaymentTable:
        """Build a table from columns: a mapping of arrays or lists, or a DataFrame.

        Parameters
        ----------
        data : mapping, pandas.DataFrame, polars.DataFrame or pyarrow.Table
        customer_id, date, amount, currency : str
            Names of the columns; ``currency`` is optional (default "USD").
        segments : sequence of str, optional
            Other columns of the input to keep as segments, so that ``by=`` can name them.
        errors : {"raise", "skip"}, default "raise"
            Stop at the first broken rule, or leave bad rows out and list them in
            ``skipped``.
        amount_format : {"1,234.56", "1.234,56", "1 234,56", "1'234.56"}, optional
            How text amounts are written (``"$1,200.00"``): as in
            ``SubscriptionTable.from_columns``; default plain numbers only.

        Raises
        ------
        ColumnNotFoundError
            A required column is missing.
        InvalidParameterError
            ``amount_format`` names no known format.
        DataValidationError
            A missing customer or date, an unreadable date, an amount that is missing,
            negative, not finite or too large, or an unknown currency.
        """
        ctx = _context
        check_amount_format(amount_format, ctx)
        names, get = column_getter(data, ctx)
        for wanted in (customer_id, date, amount):
            if wanted not in names:
                raise ColumnNotFoundError(wanted, names, context=ctx)
        cust_raw, date_raw, amount_raw = get(customer_id), get(date), get(amount)
        n = int(np.asarray(cust_raw).shape[0])
        cur_raw = get(currency) if currency in names else np.full(n, "USD", dtype=object)
        lengths = {name: int(np.asarray(v).shape[0]) for name, v in (
            (customer_id, cust_raw), (date, date_raw), (amount, amount_raw),
            (currency, cur_raw)) if name in names}
        if len(set(lengths.values())) > 1:  # the message of every other table's columns
            sizes = ", ".join(f"'{k}' has {v:,}" for k, v in lengths.items())
            raise InvalidParameterError(f"{ctx}: columns must all have one length; {sizes}.")
        chk = Checker(n, ctx, errors, collect=True)
        chk.show({customer_id: np.asarray(cust_raw), date: np.asarray(date_raw),
                  amount: np.asarray(amount_raw), currency: np.asarray(cur_raw)})
        codes, ids = to_codes(np.asarray(cust_raw), customer_id, chk, required=True)
        days = to_dates(np.asarray(date_raw), date, chk)
        chk.check(np.isnat(days) & ~chk.flagged(date), date, "must not be missing")
        amt_raw = np.asarray(amount_raw)
        if amount_format is not None:
            amt_raw = parse_amounts(amt_raw, amount_format, amount, chk, np.asarray(cur_raw),
                                    currency)
        amt = to_float(amt_raw, amount, chk)
        if amount_format is None:
            suggest_amount_format(chk, amount)
        chk.check(np.isnan(amt) & ~chk.flagged(amount), amount, "must not be missing (None/NaN)")
        chk.check(np.isinf(amt), amount, "must be finite")
        chk.check(amt < 0, amount, "must be >= 0 (net refunds into the amount)")
        chk.check(amt >= _MAX_AMOUNT, amount, f"must be below {_MAX_AMOUNT:,.0f}")
        cur_codes, currencies = currency_codes(np.asarray(cur_raw, dtype=object), currency, chk)
        digits = np.array([MINOR_UNITS[c] for c in currencies.tolist()], dtype=np.int64)
        safe = np.where(chk.bad, 0.0, np.nan_to_num(amt))
        minor = round_half_even(safe * 10.0 ** digits[cur_codes])
        table = cls(customer_codes=codes, customer_ids=ids, date=days, amount=amt,
                    amount_minor=minor, currency_codes=cur_codes, currencies=currencies,
                    source_rows=np.arange(n, dtype=np.int64))
        return table._keep_segments(data, segments, chk)._finish(chk)

    def __repr__(self) -> str:
        n = len(self)
        if n == 0:
            return f"PaymentTable(0 payments{self._skipped_text()})"
        cur = ", ".join(self.currencies[np.unique(self.currency_codes)].tolist())
        k = self.n_customers
        skipped = self._skipped_text()
        return (f"PaymentTable({n:,} payment{'s' * (n != 1)}, {k:,} customer{'s' * (k != 1)}, "
                f"{self.date.min()} to {self.date.max()}, {cur}{skipped})")


