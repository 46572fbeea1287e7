"""Subscriptions: the record and the validated, frozen, columnar table.

A table is built once, from records or from columns, and checked as a whole with vectorized
rules. Every metric then trusts it. Ids become integer codes into a sorted array of the
original ids; dates become datetime64[D]; money stays float64 as given, and each row's MRR is
also kept as an exact integer (1/100 of the currency's minor unit) so that sums are exact and
order-independent. Records validate one row at a time (pydantic costs a few microseconds a
record); data at portfolio scale should enter through SubscriptionTable.from_columns, which
applies the same rules to whole columns. Both paths build the same table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.amounts import (
    check_amount_format,
    parse_amounts,
    suggest_amount_format,
)
from csmetrics._core.arrow import Encoded
from csmetrics._core.checks import Checker, ErrorMode
from csmetrics._core.columns import read_columns
from csmetrics._core.convert import to_codes, to_dates
from csmetrics._core.currency import MINOR_UNITS
from csmetrics._kernels import revenue as kr
from csmetrics.results import SkippedRows
from csmetrics.tables.base import Coded, ColumnTable, constant, uniform
from csmetrics.tables.rules import (
    categorical_codes,
    check_mrr_bound,
    check_spans,
    currency_codes,
    required_number,
)
from csmetrics.tables.subscription_extras import (
    CHURN_TYPES,
    decode_churn_types,
    decode_flags,
    read_extras,
)
from csmetrics.tables.subscription_record import (
    ARROW_KINDS,
    INTERVALS,
    OPTIONAL_DEFAULTS,
    SUBSCRIPTION_FIELDS,
    Interval,
    Subscription,
)

__all__ = ["INTERVALS", "Interval", "Subscription", "SubscriptionTable"]


@dataclass(frozen=True, repr=False, eq=False)
class SubscriptionTable(ColumnTable):
    """Subscription spans as validated, read-only numpy columns.

    Build one with ``from_records()`` or ``from_columns()``; do not call the constructor.
    Each row is a span of one subscription with a constant price (see
    ``csmetrics.Subscription`` for the meaning of each column).

    Attributes
    ----------
    customer_codes : ndarray of int64
        Index of each row's customer into ``customer_ids`` (sorted unique ids).
    subscription_codes, plan_codes : ndarray of int64
        Codes into ``subscription_ids`` and ``plans``; -1 where not given.
    start, end : ndarray of datetime64[D]
        Span bounds, ``end`` exclusive and NaT while open.
    amount, quantity, discount : ndarray of float64
    interval : ndarray of int8
        Codes into ``csmetrics.records.INTERVALS``.
    interval_count : ndarray of int64
    currency_codes : ndarray of int64
        Codes into ``currencies`` (upper-case ISO 4217).
    renews_at, cancel_at : ndarray of datetime64[D]
        Renewal (term end) and scheduled cancellation dates, NaT where not given.
    auto_renew : ndarray of int8
        1 renews by itself, 0 does not, -1 not given (``column("auto_renew")`` decodes).
    churn_reason_codes, product_codes : ndarray of int64
        Codes into ``churn_reasons`` and ``products``; -1 where not given.
    churn_type : ndarray of int8
        Codes into ``csmetrics.tables.subscription_extras.CHURN_TYPES``; -1 where not given.
    mrr_units : ndarray of int64
        Each row's MRR in 1/100 of its currency's minor unit.
    source_rows : ndarray of int64
        Each row's position in the input it was built from.
    skipped : SkippedRows
        Input rows left out with ``errors="skip"`` and the rule each broke (empty otherwise).

    Examples
    --------
    >>> subs = SubscriptionTable.from_columns({
    ...     "customer_id": ["a", "b", "b"],
    ...     "start": ["2024-01-01", "2024-01-10", "2024-03-01"],
    ...     "end": [None, "2024-03-01", None],
    ...     "amount": [100, 1200, 1500],
    ...     "interval": ["month", "year", "year"],
    ... })
    >>> subs
    SubscriptionTable(3 rows, 2 customers, 2024-01-01 to open, USD)
    >>> len(subs), subs.customer_ids.tolist()
    (3, ['a', 'b'])
    """

    _FIELDS: ClassVar[tuple[str, ...]] = tuple(SUBSCRIPTION_FIELDS)
    _CODED: ClassVar[Mapping[str, tuple[str, str]]] = {
        "customer_id": ("customer_codes", "customer_ids"),
        "subscription_id": ("subscription_codes", "subscription_ids"),
        "plan": ("plan_codes", "plans"),
        "currency": ("currency_codes", "currencies"),
        "churn_reason": ("churn_reason_codes", "churn_reasons"),
        "product": ("product_codes", "products"),
    }
    _RECORD: ClassVar[Any] = Subscription
    _RECORD_CONVERT: ClassVar[Mapping[str, Any]] = {"amount": float}
    _NOUN: ClassVar[str] = "subscriptions"

    customer_codes: NDArray[np.int64]
    customer_ids: NDArray[Any]
    subscription_codes: NDArray[np.int64]
    subscription_ids: NDArray[Any]
    plan_codes: NDArray[np.int64]
    plans: NDArray[Any]
    start: NDArray[np.datetime64]
    end: NDArray[np.datetime64]
    amount: NDArray[np.float64]
    currency_codes: NDArray[np.int64]
    currencies: NDArray[np.str_]
    interval: NDArray[np.int8]
    interval_count: NDArray[np.int64]
    quantity: NDArray[np.float64]
    discount: NDArray[np.float64]
    renews_at: NDArray[np.datetime64]
    auto_renew: NDArray[np.int8]
    cancel_at: NDArray[np.datetime64]
    churn_reason_codes: NDArray[np.int64]
    churn_reasons: NDArray[Any]
    churn_type: NDArray[np.int8]
    product_codes: NDArray[np.int64]
    products: NDArray[Any]
    mrr_units: NDArray[np.int64]
    source_rows: NDArray[np.int64]
    skipped: SkippedRows = field(default_factory=lambda: SkippedRows.empty())
    segments: Mapping[str, Coded] = field(default_factory=dict)

    # --- construction ---------------------------------------------------------------------

    @classmethod
    def from_records(
        cls, records: Iterable[Subscription | Mapping[str, Any]], *, errors: ErrorMode = "raise"
    ) -> SubscriptionTable:
        """Build a table from ``Subscription`` records or dicts of their fields.

        Dicts are validated as records; a failure names the field, the rule and the rows.
        The records then go through the same vectorized checks as ``from_columns()``
        (duplicates and overlaps are rules across rows), so both paths agree.

        Examples
        --------
        >>> from csmetrics import Subscription
        >>> SubscriptionTable.from_records([
        ...     Subscription(customer_id="a", start="2024-01-01", amount=50),
        ...     {"customer_id": "b", "start": "2024-02-01", "amount": 90, "interval": "quarter"},
        ... ])
        SubscriptionTable(2 rows, 2 customers, 2024-01-01 to open, USD)
        """
        return cls._from_records(records, errors=errors, context="SubscriptionTable.from_records",
                                 whole_record="start, end")

    @classmethod
    def from_columns(
        cls,
        data: Any,
        *,
        customer_id: str = "customer_id",
        subscription_id: str = "subscription_id",
        plan: str = "plan",
        start: str = "start",
        end: str = "end",
        amount: str = "amount",
        currency: str = "currency",
        interval: str = "interval",
        interval_count: str = "interval_count",
        quantity: str = "quantity",
        discount: str = "discount",
        renews_at: str = "renews_at",
        auto_renew: str = "auto_renew",
        cancel_at: str = "cancel_at",
        churn_reason: str = "churn_reason",
        churn_type: str = "churn_type",
        product: str = "product",
        segments: Sequence[str] = (),
        errors: ErrorMode = "raise",
        amount_format: str | None = None,
        _context: str = "SubscriptionTable.from_columns",
    ) -> SubscriptionTable:
        """Build a table from columns: a mapping of arrays or lists, or a DataFrame.

        Parameters
        ----------
        data : mapping, pandas.DataFrame, polars.DataFrame or pyarrow.Table
            The input. DataFrame libraries are recognised, not imported.
        customer_id, subscription_id, plan, start, end, amount, currency, interval, \
interval_count, quantity, discount, renews_at, auto_renew, cancel_at, churn_reason, \
churn_type, product : str
            Name of the column holding each field, when it differs from the field name.
            ``customer_id``, ``start`` and ``amount`` are required. An optional column that
            is absent takes its default (no id, no plan, open-ended, "USD", "month", 1, 1, 0;
            the renewal, cancellation, churn and product fields not given);
            an optional column *renamed* here must exist.
        segments : sequence of str, optional
            Other columns of the input to keep as segments, so that ``by=`` can name them
            (``segments=["region"]``, then ``mrr(subs, at, by="region")``).
        errors : {"raise", "skip"}, default "raise"
            ``"raise"`` reports every rule broken at once. ``"skip"`` leaves bad rows out and
            lists them, with the rule each broke, in the table's ``skipped``.
        amount_format : {"1,234.56", "1.234,56", "1 234,56", "1'234.56"}, optional
            How text amounts are written, for exports that print money (``"$1,200.00"``,
            ``"1.200,00 €"``): a currency symbol or ISO code and that format's thousands
            separators are stripped. Default ``None``: amounts must be plain numbers, and
            ``"$1,200.00"`` breaks the rule ``must be a number``.

        Raises
        ------
        ColumnNotFoundError
            A required (or explicitly named) column is missing.
        InvalidParameterError
            ``amount_format`` names no known format.
        DataValidationError
            A value breaks a rule: missing value, not a number or date, negative amount or
            quantity, discount outside 0..1, interval_count not a whole number >= 1, end,
            renews_at or cancel_at before start, unknown interval, churn_type neither
            'voluntary' nor 'delinquent', auto_renew not true or false, malformed or
            unknown currency, duplicate ``(subscription_id, start)``, or overlapping spans
            of one subscription.

        Notes
        -----
        Validation is vectorized: 3 million rows of numeric ids and datetime64 dates take
        under a second. The message names the column, the rule, the number of rows and
        the first positions (0-based, in input order). Dates may be ``datetime64``, dates,
        datetimes or ISO 8601 strings; timezone-aware values are converted to UTC and any
        time of day is dropped.

        Examples
        --------
        >>> subs = SubscriptionTable.from_columns(
        ...     {"account": ["a", "b"], "since": ["2024-01-01", "2024-02-15"],
        ...      "price": [50, -5]},
        ...     customer_id="account", start="since", amount="price", errors="skip")
        >>> subs
        SubscriptionTable(1 row, 1 customer, 2024-01-01 to open, USD, 1 skipped)
        >>> subs.skipped.to_dict()
        {'row': [1], 'column': ['price'], 'rule': ['must be >= 0']}
        """
        ctx = _context
        check_amount_format(amount_format, ctx)
        renamed = {"customer_id": customer_id, "subscription_id": subscription_id, "plan": plan,
                   "start": start, "end": end, "amount": amount, "currency": currency,
                   "interval": interval, "interval_count": interval_count, "quantity": quantity,
                   "discount": discount, "renews_at": renews_at, "auto_renew": auto_renew,
                   "cancel_at": cancel_at, "churn_reason": churn_reason,
                   "churn_type": churn_type, "product": product}
        raw, n, renamed = read_columns(data, renamed, OPTIONAL_DEFAULTS, ctx, kinds=ARROW_KINDS)
        chk = Checker(n, ctx, errors, collect=True).show({renamed[f]: v for f, v in raw.items()})

        def col(field_name: str) -> NDArray[Any]:
            v = raw[field_name]
            if v is None:  # typed defaults ("USD" as text, 1 as an integer): no objects
                default = OPTIONAL_DEFAULTS[field_name]
                return np.full(n, default, dtype=object if default is None else None)
            return v

        def optional_codes(field_name: str) -> tuple[NDArray[np.int64], NDArray[Any]]:
            values = raw[field_name]
            if values is None:  # absent: no ids, and no memory per row
                return constant(-1, n, np.int64), np.empty(0, dtype=object)
            return to_codes(values, renamed[field_name], chk, required=False)

        cust_codes, cust_ids = to_codes(col("customer_id"), renamed["customer_id"], chk,
                                        required=True)
        sub_codes, sub_ids = optional_codes("subscription_id")
        plan_codes, plans = optional_codes("plan")

        start_d = to_dates(col("start"), renamed["start"], chk)
        chk.check(np.isnat(start_d) & ~chk.flagged(renamed["start"]), renamed["start"],
                  "must not be missing")
        end_d = (np.full(n, np.datetime64("NaT"), dtype="datetime64[D]") if raw["end"] is None
                 else to_dates(col("end"), renamed["end"], chk))
        chk.check(end_d < start_d, renamed["end"], f"must not be before '{renamed['start']}'")
        extras = read_extras(raw, renamed, chk, n, start_d)

        amt_raw = col("amount")
        if amount_format is not None:
            cur = raw["currency"]
            amt_raw = parse_amounts(amt_raw, amount_format, renamed["amount"], chk,
                                    cur.decoded() if isinstance(cur, Encoded) else cur,
                                    renamed["currency"])
        amt = required_number(amt_raw, renamed["amount"], chk, required=True)
        if amount_format is None:
            suggest_amount_format(chk, renamed["amount"])
        chk.check(amt < 0, renamed["amount"], "must be >= 0")
        if raw["quantity"] is None:
            qty = constant(1.0, n, np.float64)
        else:
            qty = required_number(raw["quantity"], renamed["quantity"], chk, required=True)
            chk.check(qty < 0, renamed["quantity"], "must be >= 0")
        if raw["discount"] is None:
            disc = constant(0.0, n, np.float64)
        else:
            disc = required_number(raw["discount"], renamed["discount"], chk, required=True)
            chk.check((disc < 0) | (disc > 1), renamed["discount"], "must be between 0 and 1")
        if raw["interval_count"] is None:
            count = constant(1, n, np.int64)
        else:
            count_f = required_number(raw["interval_count"], renamed["interval_count"], chk,
                                      required=True)
            chk.check(((count_f < 1) | (count_f != np.floor(count_f)) | (count_f > 10_000))
                      & ~chk.flagged(renamed["interval_count"]),
                      renamed["interval_count"], "must be a whole number from 1 to 10,000")
            count = np.where(chk.bad, 1, np.nan_to_num(count_f, nan=1.0)).astype(np.int64)
            del count_f

        if raw["interval"] is None:
            interval_codes = constant(INTERVALS.index("month"), n, np.int8)
        else:
            interval_codes = categorical_codes(
                raw["interval"], renamed["interval"], chk, INTERVALS,
                "must be one of 'day', 'week', 'month', 'quarter', 'year'")
        if raw["currency"] is None:
            cur_codes, currencies = constant(0, n, np.int64), np.array(["USD"])
        else:
            cur_codes, currencies = currency_codes(raw["currency"], renamed["currency"], chk)

        digits = np.array([MINOR_UNITS.get(c, 2) for c in currencies.tolist()], dtype=np.int64)
        safe = ~chk.bad
        # With no bad row, no copies with the bad rows zeroed.
        a, q, d = ((amt, qty, disc) if bool(safe.all()) else
                   (np.where(safe, v, 0.0) for v in (amt, qty, disc)))
        mrr = kr.row_mrr(a, q, d, interval_codes, count)
        del a, q, d
        check_mrr_bound(mrr, amt, qty, interval_codes, count, safe, renamed, chk)
        if not bool((~chk.bad).all()):
            mrr = np.where(chk.bad, 0.0, mrr)
        row_digits = digits[cur_codes] if digits.size > 1 else digits
        units = kr.row_mrr_units(mrr, row_digits)
        del mrr, safe  # (their memory serves the span checks)

        check_spans(sub_codes, start_d, end_d, renamed, chk)
        # A column of one value (every interval_count 1, no discount) holds no memory per row.
        count, qty, disc = (uniform(v) for v in (count, qty, disc))

        table = cls(
            customer_codes=cust_codes, customer_ids=cust_ids, subscription_codes=sub_codes,
            subscription_ids=sub_ids, plan_codes=plan_codes, plans=plans, start=start_d,
            end=end_d, amount=amt, currency_codes=cur_codes, currencies=currencies,
            interval=interval_codes, interval_count=count, quantity=qty, discount=disc,
            mrr_units=units, source_rows=np.arange(n, dtype=np.int64),
            renews_at=extras["renews_at"], auto_renew=extras["auto_renew"],
            cancel_at=extras["cancel_at"], churn_reason_codes=extras["churn_reason_codes"],
            churn_reasons=extras["churn_reasons"], churn_type=extras["churn_type"],
            product_codes=extras["product_codes"], products=extras["products"],
        )
        return table._keep_segments(data, segments, chk)._finish(chk)

    # --- access -----------------------------------------------------------------------------

    def _column(self, name: str) -> NDArray[Any] | None:
        """``interval`` decoded from its codes.

        Examples
        --------
        >>> subs = SubscriptionTable.from_columns({"customer_id": [7, 3], "amount": [5, 9],
        ...                                        "start": ["2024-01-01", "2024-02-01"]})
        >>> subs.column("customer_id").tolist(), subs.column("interval").tolist()
        ([7, 3], ['month', 'month'])
        """
        if name == "interval":
            return np.asarray(INTERVALS, dtype=object)[self.interval]
        if name == "auto_renew":
            return decode_flags(self.auto_renew)
        if name == "churn_type":
            return decode_churn_types(self.churn_type)
        return None

    def _extra_segments(self) -> Mapping[str, Coded]:
        return {"interval": (self.interval.astype(np.int64), np.asarray(INTERVALS, dtype=object)),
                "churn_type": (self.churn_type.astype(np.int64),
                               np.asarray(CHURN_TYPES, dtype=object))}

    def to_dict(self) -> dict[str, list[Any]]:
        """Columns as lists of Python values (dates as ``datetime.date``), in field order."""
        return {name: self.column(name).tolist() for name in (*SUBSCRIPTION_FIELDS, *self.segments)}

    def __repr__(self) -> str:
        if len(self) == 0:
            return f"SubscriptionTable(0 rows{self._skipped_text()})"
        first = str(self.start.min())
        last = "open" if np.isnat(self.end).any() else str(self.end.max())
        cur = ", ".join(self.currencies[np.unique(self.currency_codes)].tolist())
        rows, cust = len(self), self.n_customers
        return (f"SubscriptionTable({rows:,} row{'s' * (rows != 1)}, {cust:,} "
                f"customer{'s' * (cust != 1)}, {first} to {last}, {cur}{self._skipped_text()})")
