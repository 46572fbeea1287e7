"""Support and onboarding signals: tickets, first contact resolution, open tickets, trials.

A support ticket is opened by a customer account at a moment, may be resolved later, and
took some number of *contacts* (agent replies, calls) to resolve. Timestamps follow the
rules of :mod:`csmetrics.usage_data`: aware ones converted to UTC, naive ones taken as UTC,
a column mixing both is an error.

Definitions
-----------
**First contact resolution (FCR).** A ticket is resolved at first contact when it is
resolved with at most one contact. With ``denominator="resolved"`` (Zendesk's one-touch
share, Freshservice's FCR %) the rate is over the tickets resolved in the window; with
``"received"`` (the contact-centre form) over the tickets opened in the window, of which
only those resolved by the end of the window can count. A ticket resolved with no contact
at all is a first-contact resolution, as in Zendesk's one-touch formula (fewer than two
agent replies); ``zero_contacts="exclude"`` leaves such tickets out altogether.

**Open tickets.** Open at the end of the UTC day ``at``: opened before the day ends and not
resolved by then.

**Trial conversion.** A trial is an account whose first subscription spans are free ($0
MRR, e.g. an amount of 0 or a 100% discount); it converts when a paid span (MRR > 0)
starts later. The rate is converted trials over trials started in the window (ChartMogul's
trial-to-paid conversion rate), with trials still undecided at ``at`` reported apart.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Literal, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from csmetrics._kernels import usage as ku
from csmetrics._table_base import ColumnTable, decode
from csmetrics._validation import (
    Checker,
    ErrorMode,
    missing_one,
    read_columns,
    to_codes,
    to_float,
    validate_records,
)
from csmetrics.exceptions import ColumnNotFoundError, InvalidParameterError
from csmetrics.periods import PeriodLike
from csmetrics.results import SkippedRows, TableResult
from csmetrics.usage import AccountResult, By, _finish, _ratio, _segments, _subscriptions, _warn
from csmetrics.usage_data import (
    _customer_ids,
    _recode,
    day_bounds_us,
    day_number,
    id_array,
    positions,
    span_days,
    to_timestamps,
    utc_day,
    window_days,
)

__all__ = [
    "FirstContactResolution",
    "SupportTicket",
    "SupportTicketTable",
    "TrialConversion",
    "first_contact_resolution_rate",
    "open_tickets",
    "synthetic_ticket_columns",
    "synthetic_tickets",
    "trial_conversion_rate",
]

I64 = NDArray[np.int64]
_NAT = np.iinfo(np.int64).min


# --- the record ------------------------------------------------------------------------------


class SupportTicket(BaseModel):
    """One support ticket of a customer account.

    Parameters
    ----------
    customer_id : str or int
        The account that raised it.
    opened_at : datetime
        When it was opened (aware values are converted to UTC by the table, naive ones are
        taken as UTC; a date is midnight UTC).
    resolved_at : datetime or None
        When it was resolved (solved or closed); ``None`` while open.
    contacts : int or None
        Contacts it took: agent replies, calls or chats with the customer (0 if resolved
        without one). Required for a resolved ticket when the column is given.
    ticket_id : str or int, optional
        Identifies the ticket; must be unique in a table.

    Examples
    --------
    >>> SupportTicket(customer_id="acme", opened_at="2024-03-01T09:00:00Z",
    ...               resolved_at="2024-03-01T11:30:00Z", contacts=1)
    SupportTicket(customer_id='acme', opened_at=datetime.datetime(2024, 3, 1, 9, 0, tzinfo=tzutc()), resolved_at=datetime.datetime(2024, 3, 1, 11, 30, tzinfo=tzutc()), contacts=1, ticket_id=None)
    """  # noqa: E501

    model_config = ConfigDict(frozen=True, extra="forbid")

    customer_id: str | int
    opened_at: _dt.datetime
    resolved_at: _dt.datetime | None = None
    contacts: int | None = Field(default=None, ge=0)
    ticket_id: str | int | None = None

    @model_validator(mode="before")
    @classmethod
    def _missing_values_are_none(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: None if missing_one(v) else v for k, v in data.items()}
        return data

    @field_validator("opened_at", "resolved_at", mode="before")
    @classmethod
    def _timestamps(cls, v: Any) -> Any:
        from csmetrics.usage_data import UsageEvent

        if v is None:
            return v
        return UsageEvent._timestamp_as_the_columns_read_it(v)


# --- the table -------------------------------------------------------------------------------

_COLUMNS = ("customer_id", "ticket_id", "opened_at", "resolved_at", "contacts")



@dataclass(frozen=True, repr=False, eq=False)
class SupportTicketTable(ColumnTable):
    """Support tickets as validated, read-only numpy columns.

    Build one with :meth:`from_records` or :meth:`from_columns`; rows keep input order.

    Attributes
    ----------
    customer_codes : ndarray of int64
        Index of each ticket's account into ``customer_ids`` (sorted distinct ids).
    ticket_codes : ndarray of int64
        Index into ``ticket_ids``; -1 where not given.
    opened_at, resolved_at : ndarray of datetime64[us]
        UTC; ``resolved_at`` is NaT while open.
    contacts : ndarray of int64
        Contacts taken; -1 where unknown (an open ticket, or no ``contacts`` column).
    source_rows : ndarray of int64
    skipped : SkippedRows

    Examples
    --------
    >>> t = SupportTicketTable.from_columns({
    ...     "customer_id": ["a", "a", "b"],
    ...     "opened_at": ["2024-03-01T09:00Z", "2024-03-02T09:00Z", "2024-03-03T09:00Z"],
    ...     "resolved_at": ["2024-03-01T10:00Z", None, "2024-03-05T09:00Z"],
    ...     "contacts": [1, None, 3]})
    >>> t
    SupportTicketTable(3 tickets, 2 accounts, 1 open, 2024-03-01 to 2024-03-03 UTC)
    """

    _FIELDS: ClassVar[tuple[str, ...]] = tuple(_COLUMNS)
    _NOUN: ClassVar[str] = "support tickets"

    customer_codes: I64
    customer_ids: NDArray[Any]
    ticket_codes: I64
    ticket_ids: NDArray[Any]
    opened_at: NDArray[np.datetime64]
    resolved_at: NDArray[np.datetime64]
    contacts: I64
    source_rows: I64
    skipped: SkippedRows = field(default_factory=lambda: SkippedRows.empty())

    @classmethod
    def from_records(cls, records: Iterable[SupportTicket | Mapping[str, Any]], *,
                     errors: ErrorMode = "raise") -> SupportTicketTable:
        """Build a table from :class:`SupportTicket` records or dicts of their fields.

        The records pass the same column rules as :meth:`from_columns`.

        Examples
        --------
        >>> SupportTicketTable.from_records([
        ...     SupportTicket(customer_id=1, opened_at="2024-01-02", contacts=0,
        ...                   resolved_at="2024-01-02T05:00"),
        ...     {"customer_id": 1, "opened_at": "2024-01-03", "contacts": -1},
        ... ], errors="skip").skipped.to_dict()
        {'row': [1], 'column': ['contacts'], 'rule': ['must be valid (Input should be greater than or equal to 0)']}
        """  # noqa: E501
        ctx = "SupportTicketTable.from_records"
        batch = validate_records(records, SupportTicket, ctx, errors)
        columns = batch.columns(_COLUMNS)
        return cast(SupportTicketTable, batch.merge(
            cls.from_columns(columns, errors=errors, _context=ctx)))

    @classmethod
    def from_columns(
        cls,
        data: Any,
        *,
        customer_id: str = "customer_id",
        ticket_id: str = "ticket_id",
        opened_at: str = "opened_at",
        resolved_at: str = "resolved_at",
        contacts: str = "contacts",
        errors: ErrorMode = "raise",
        _context: str = "SupportTicketTable.from_columns",
    ) -> SupportTicketTable:
        """Build a table from columns: a mapping of arrays or lists, or a DataFrame.

        Parameters
        ----------
        data : mapping, pandas.DataFrame, polars.DataFrame or pyarrow.Table
        customer_id, ticket_id, opened_at, resolved_at, contacts : str
            Column names. ``customer_id`` and ``opened_at`` are required; ``ticket_id``,
            ``resolved_at`` (all open) and ``contacts`` (unknown) are optional.
        errors : {"raise", "skip"}, default "raise"

        Raises
        ------
        ColumnNotFoundError
            A required (or explicitly named) column is missing.
        DataValidationError
            A missing account or opening time; an unreadable timestamp or one in a column
            mixing aware and naive values; ``resolved_at`` before ``opened_at``; contacts
            that are not whole numbers >= 0, or missing on a resolved ticket; a repeated
            ``ticket_id``.

        Examples
        --------
        >>> t = SupportTicketTable.from_columns(
        ...     {"account": ["a", "b"], "opened_at": ["2024-01-05", "2024-01-05"],
        ...      "resolved_at": ["2024-01-06", "2024-01-04"], "contacts": [1, 1]},
        ...     customer_id="account", errors="skip")
        >>> print(t.skipped)
        Skipped rows
        row  column       rule
          1  resolved_at  must not be before 'opened_at'
        """
        ctx = _context
        renamed = {"customer_id": customer_id, "ticket_id": ticket_id, "opened_at": opened_at,
                   "resolved_at": resolved_at, "contacts": contacts}
        raw, n, renamed = read_columns(data, renamed, ("ticket_id", "resolved_at", "contacts"),
                                       ctx)
        chk = Checker(n, ctx, errors)
        cust_raw, opened_raw = _present(raw["customer_id"]), _present(raw["opened_at"])
        cust, cust_ids = to_codes(cust_raw, customer_id, chk, required=True)
        if raw["ticket_id"] is None:
            tick, tick_ids = np.full(n, -1, dtype=np.int64), np.empty(0, dtype=object)
        else:
            tick, tick_ids = to_codes(raw["ticket_id"], ticket_id, chk, required=False)
            has = np.flatnonzero(tick >= 0)
            order = has[np.argsort(tick[has], kind="stable")]
            dup = np.zeros(n, dtype=bool)
            dup[order[1:][tick[order][1:] == tick[order][:-1]]] = True
            chk.check(dup, ticket_id, "must be unique (repeated ticket id)")
        opened = to_timestamps(opened_raw, opened_at, chk)
        chk.check(np.isnat(opened) & ~chk.bad, opened_at, "must not be missing")
        resolved: NDArray[Any]
        if raw["resolved_at"] is None:
            resolved = np.full(n, np.datetime64("NaT", "us"))
        else:
            resolved = to_timestamps(raw["resolved_at"], resolved_at, chk)
            chk.check(resolved < opened, resolved_at, f"must not be before '{opened_at}'")
        if raw["contacts"] is None:
            touches = np.full(n, -1, dtype=np.int64)
        else:
            values = to_float(raw["contacts"], contacts, chk)
            with np.errstate(invalid="ignore"):
                chk.check(~np.isnan(values) & ((values < 0) | (values != np.floor(values))
                                                | np.isinf(values)),
                          contacts, "must be a whole number >= 0")
            chk.check(np.isnan(values) & ~np.isnat(resolved) & ~chk.bad, contacts,
                      "must not be missing on a resolved ticket")
            touches = np.where(np.isnan(values) | chk.bad, -1,
                               np.nan_to_num(values, nan=-1.0, posinf=-1.0)).astype(np.int64)
        skipped = SkippedRows.from_checker(chk)
        rows_kept = np.arange(n, dtype=np.int64)
        if chk.bad.any():
            rows_kept = np.flatnonzero(~chk.bad).astype(np.int64)
            cust, cust_ids = _recode(cust[rows_kept], cust_ids)
            tick, tick_ids = _recode(tick[rows_kept], tick_ids)
            opened, resolved, touches = opened[rows_kept], resolved[rows_kept], touches[rows_kept]
        return cls(customer_codes=cust, customer_ids=cust_ids, ticket_codes=tick,
                   ticket_ids=tick_ids, opened_at=opened, resolved_at=resolved,
                   contacts=touches, source_rows=rows_kept, skipped=skipped)

    def __len__(self) -> int:
        return int(self.customer_codes.size)

    @property
    def n_customers(self) -> int:
        """Distinct accounts the table knows."""
        return int(self.customer_ids.size)

    def take(self, indices: Sequence[int] | NDArray[np.integer[Any]] | NDArray[np.bool_]
             ) -> SupportTicketTable:
        """The rows at ``indices`` (positions or a boolean mask); ids are kept whole."""
        idx = np.asarray(indices)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        idx = idx.astype(np.int64, copy=False)
        row_fields = ("customer_codes", "ticket_codes", "opened_at", "resolved_at", "contacts",
                      "source_rows")
        return replace(self, **{name: getattr(self, name)[idx] for name in row_fields})

    def column(self, name: str) -> NDArray[Any]:
        """One column decoded to its original values (None where absent or unknown)."""
        coded = {"customer_id": (self.customer_codes, self.customer_ids),
                 "ticket_id": (self.ticket_codes, self.ticket_ids)}
        if name in coded:
            return decode(*coded[name])
        if name in ("opened_at", "resolved_at"):
            return np.asarray(getattr(self, name))
        if name == "contacts":
            out = self.contacts.astype(object)
            out[self.contacts < 0] = None
            return out
        raise ColumnNotFoundError(name, _COLUMNS, context="SupportTicketTable.column")

    def __repr__(self) -> str:
        n = len(self)
        if n == 0:
            return "SupportTicketTable(0 tickets)"
        accounts = int((np.bincount(self.customer_codes, minlength=self.n_customers) > 0).sum())
        still_open = int(np.isnat(self.resolved_at).sum())
        skipped = f", {len(self.skipped):,} skipped" if len(self.skipped) else ""
        return (f"SupportTicketTable({n:,} ticket{'s' * (n != 1)}, {accounts:,} "
                f"account{'s' * (accounts != 1)}, {still_open:,} open, "
                f"{str(self.opened_at.min())[:10]} to {str(self.opened_at.max())[:10]} "
                f"UTC{skipped})")


def _present(values: NDArray[Any] | None) -> NDArray[Any]:
    """A required column (present by construction: absent required columns raised)."""
    if values is None:
        raise InvalidParameterError("a required column is missing.")
    return values


def _tickets(tickets: Any, context: str) -> SupportTicketTable:
    if isinstance(tickets, SupportTicketTable):
        return tickets
    if isinstance(tickets, list | tuple):
        return SupportTicketTable.from_records(tickets)
    return SupportTicketTable.from_columns(tickets, _context=context)


@dataclass(frozen=True)
class _Rows:
    ids: NDArray[Any]
    code: I64

    def take(self, per_code: NDArray[Any], fill: Any) -> NDArray[Any]:
        out = np.full(self.code.size, fill, dtype=np.result_type(per_code.dtype,
                                                                 np.asarray(fill).dtype))
        has = self.code >= 0
        out[has] = per_code[self.code[has]]
        return out


def _rows(categories: NDArray[Any], customers: ArrayLike | None, context: str) -> _Rows:
    if customers is None:
        return _Rows(categories, np.arange(categories.size, dtype=np.int64))
    ids = id_array(customers, context, "customers")
    return _Rows(ids, positions(categories, ids))


# --- first contact resolution ----------------------------------------------------------------


class FirstContactResolution(AccountResult):
    """First contact resolution per account, and for all accounts together.

    Columns: ``customer_id``, ``tickets`` (the denominator), ``first_contact`` (tickets
    resolved with at most one contact) and ``fcr_rate`` (metric). Attributes ``rate`` (all
    tickets pooled), ``denominator`` and ``window`` (a description).
    """

    rate: float
    denominator: str

    def __repr__(self) -> str:
        return f"FirstContactResolution(rate={self.rate:.4g}, denominator={self.denominator!r})"


def first_contact_resolution_rate(
    tickets: Any,
    *,
    denominator: Literal["resolved", "received"] = "resolved",
    start: PeriodLike | None = None,
    end: PeriodLike | None = None,
    zero_contacts: Literal["first_contact", "exclude"] = "first_contact",
    by: By = None,
    customers: ArrayLike | None = None,
) -> FirstContactResolution | TableResult:
    """First contact resolution rate: the share of tickets resolved with one contact (0-1).

    Parameters
    ----------
    tickets : SupportTicketTable, list of SupportTicket, or columns
    denominator : {"resolved", "received"}, default "resolved"
        ``"resolved"``: over the tickets resolved in the window (Zendesk one-touch share,
        Freshservice FCR %). ``"received"``: over the tickets opened in the window; a ticket
        not resolved by the end of the window is not (yet) a first-contact resolution.
    start, end : period or date, optional
        The window, from the first UTC day of ``start`` to the last of ``end``. Without
        them, every ticket.
    zero_contacts : {"first_contact", "exclude"}, default "first_contact"
        A ticket resolved with no contact counts as resolved at first contact (Zendesk:
        fewer than two agent replies), or is left out of both counts.
    by : mapping or "all", optional
        Pooled per segment.
    customers : sequence of ids, optional
        The accounts to report (default: every account of the table).

    Returns
    -------
    FirstContactResolution or TableResult
        Per account ``tickets``, ``first_contact`` and ``fcr_rate`` (NaN with a warning for
        an account without tickets); ``.rate`` pools every ticket of the reported accounts.

    Raises
    ------
    InvalidParameterError
        The table has no ``contacts`` column, or only one of ``start`` and ``end``.

    Notes
    -----
    ``FCR = tickets resolved with contacts <= 1 / denominator tickets``.

    References
    ----------
    Zendesk, "How are one-touch resolutions calculated?": ``Agent replies < 2`` and status
    solved or closed. Freshservice, "How do you calculate FCR%?": tickets resolved at first
    contact over the tickets resolved in the period. Mindmesh glossary, "First contact
    resolution rate": 246 of 354 requests received resolved at first contact is 69.5%.

    Examples
    --------
    >>> t = {"customer_id": ["a", "a", "a", "b"],
    ...      "opened_at": ["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04"],
    ...      "resolved_at": ["2024-03-01T05:00", "2024-03-04", None, "2024-03-05"],
    ...      "contacts": [1, 3, None, 0]}
    >>> fcr = first_contact_resolution_rate(t)      # 2 of 3 resolved tickets
    >>> fcr.rate, fcr["fcr_rate"].tolist()
    (0.6666666666666666, [0.5, 1.0])
    >>> first_contact_resolution_rate(t, denominator="received").rate   # 2 of 4 received
    0.5
    """
    ctx = "first_contact_resolution_rate"
    if denominator not in ("resolved", "received"):
        raise InvalidParameterError(
            f"{ctx}: denominator must be 'resolved' or 'received', got {denominator!r}.")
    if zero_contacts not in ("first_contact", "exclude"):
        raise InvalidParameterError(
            f"{ctx}: zero_contacts must be 'first_contact' or 'exclude', got {zero_contacts!r}.")
    table = _tickets(tickets, ctx)
    if len(table) and bool((table.contacts < 0).all()) and not bool(
            np.isnat(table.resolved_at).all()):
        raise InvalidParameterError(f"{ctx}: the tickets carry no contacts (give a 'contacts' "
                                    "column: how many contacts each ticket took).")
    rows = _rows(table.customer_ids, customers, ctx)
    if (start is None) != (end is None):
        raise InvalidParameterError(f"{ctx}: give both start= and end=, or neither.")
    opened = table.opened_at.view(np.int64)
    resolved_raw = table.resolved_at.view(np.int64)
    is_resolved = resolved_raw != _NAT
    if start is None:
        lo, hi = np.iinfo(np.int64).min + 1, np.iinfo(np.int64).max
        where = "all tickets"
    else:
        first, _ = span_days(start, ctx)
        _, last = span_days(end, ctx)  # type: ignore[arg-type]
        if last < first:
            raise InvalidParameterError(f"{ctx}: end {end!r} is before start {start!r}.")
        lo, hi = day_bounds_us(first, last)
        where = f"{np.datetime64(first, 'D')} to {np.datetime64(last, 'D')}"
    resolved_by_end = is_resolved & (resolved_raw < hi)
    if denominator == "resolved":
        counted = resolved_by_end & (resolved_raw >= lo)
    else:
        counted = (opened >= lo) & (opened < hi)
    one = resolved_by_end & (table.contacts <= 1) & (table.contacts >= 0)
    if zero_contacts == "exclude":
        zero = resolved_by_end & (table.contacts == 0)
        counted &= ~zero
        one &= ~zero
    n_acc = table.n_customers
    den = rows.take(ku.count(table.customer_codes[counted], n_acc), 0)
    num = rows.take(ku.count(table.customer_codes[counted & one], n_acc), 0)
    total_den = int(den.sum())
    if total_den == 0:
        _warn(f"{ctx}: no ticket is counted ({denominator}, {where}); the rate is NaN.")
    rate = float(num.sum() / total_den) if total_den else float("nan")
    result = FirstContactResolution(
        {"customer_id": rows.ids, "tickets": den, "first_contact": num,
         "fcr_rate": _ratio(num, den, context=ctx, what=f"the number of tickets {denominator}")},
        title=f"First contact resolution (of tickets {denominator}, {where})",
        metric="fcr_rate", sums=("tickets", "first_contact"),
        ratios={"fcr_rate": ("first_contact", "tickets")}, rate=rate, denominator=denominator)
    return _finish(result, by)


# --- open tickets ----------------------------------------------------------------------------


def open_tickets(tickets: Any, *, at: PeriodLike | _dt.datetime, window: str | int = "30D",
                 by: By = None, customers: ArrayLike | None = None
                 ) -> AccountResult | TableResult:
    """Tickets open per account at the end of a UTC day, with recent ticket flow.

    Parameters
    ----------
    tickets : SupportTicketTable, list of SupportTicket, or columns
    at : date, period or timestamp
        The day: tickets open at its end (23:59:59.999999 UTC).
    window : str or int, default "30D"
        Trailing window (ending at ``at``) for the ``opened`` and ``resolved`` counts.
    by : mapping or "all", optional
        Summed per segment.
    customers : sequence of ids, optional
        The accounts to report (0 for an account without tickets).

    Returns
    -------
    AccountResult or TableResult
        ``customer_id``, ``open_tickets`` (metric), ``oldest_open_days`` (age in days of
        the oldest open ticket; NaN, with a warning, where none is open), ``opened`` and
        ``resolved`` (in the window).

    Examples
    --------
    >>> t = {"customer_id": ["a", "a", "b"],
    ...      "opened_at": ["2024-03-01T12:00Z", "2024-03-20T00:00Z", "2024-03-30T00:00Z"],
    ...      "resolved_at": [None, "2024-04-02T00:00Z", "2024-03-31T08:00Z"]}
    >>> r = open_tickets(t, at="2024-03-31")
    >>> r["open_tickets"].tolist(), r["oldest_open_days"].tolist()
    ([2, 0], [30.5, nan])
    """
    ctx = "open_tickets"
    table = _tickets(tickets, ctx)
    rows = _rows(table.customer_ids, customers, ctx)
    days = window_days(window, ctx)
    last = day_number(utc_day(at, ctx))
    lo, hi = day_bounds_us(last - days + 1, last)
    opened = table.opened_at.view(np.int64)
    resolved = table.resolved_at.view(np.int64)
    is_open = (opened < hi) & ((resolved == _NAT) | (resolved >= hi))
    n_acc = table.n_customers
    acc = table.customer_codes
    oldest = np.full(n_acc, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(oldest, acc[is_open], opened[is_open])
    age = np.where(oldest < np.iinfo(np.int64).max, (hi - oldest) / ku.US_PER_DAY, np.nan)
    open_count = rows.take(ku.count(acc[is_open], n_acc), 0)
    oldest_days = rows.take(age, np.nan)
    if np.isnan(oldest_days).any():
        _warn(f"{ctx}: {int(np.isnan(oldest_days).sum()):,} of {oldest_days.size:,} accounts "
              "have no open ticket, so the age of their oldest open ticket is NaN.")
    in_window = (opened >= lo) & (opened < hi)
    done = (resolved != _NAT) & (resolved >= lo) & (resolved < hi)
    return _finish(AccountResult(
        {"customer_id": rows.ids, "open_tickets": open_count, "oldest_open_days": oldest_days,
         "opened": rows.take(ku.count(acc[in_window], n_acc), 0),
         "resolved": rows.take(ku.count(acc[done], n_acc), 0)},
        title=f"Open tickets at the end of {np.datetime64(last, 'D')} (flow over {days} days)",
        metric="open_tickets", sums=("open_tickets", "opened", "resolved")), by)


# --- trial conversion ------------------------------------------------------------------------


class TrialConversion(TableResult):
    """Trial-to-paid conversion of the trials started in a window.

    Columns (one row, or one per segment): ``trials``, ``converted``, ``not_converted``,
    ``pending`` (undecided at ``at``), ``conversion_rate`` (``converted / trials``),
    ``decided_rate`` (``converted / (converted + not_converted)``) and
    ``median_days_to_convert`` (of the converted trials).

    Attributes
    ----------
    rate : float
        The conversion rate of a single-row result.
    trials_detail : TableResult
        One row per trial: ``customer_id``, ``trial_start``, ``trial_end`` (NaT while the
        free span is open), ``converted_at``, ``days_to_convert`` and ``status``
        (``"converted"``, ``"not converted"``, ``"pending"``).
    at : numpy.datetime64
    """

    rate: float
    trials_detail: TableResult
    at: np.datetime64

    def __repr__(self) -> str:
        if len(self) == 1:
            return (f"TrialConversion(rate={self.rate:.4g}, trials={int(self['trials'][0]):,}, "
                    f"pending={int(self['pending'][0]):,})")
        return f"TrialConversion({len(self)} segments)"


def trial_conversion_rate(subscriptions: Any, *, start: PeriodLike, end: PeriodLike,
                          at: PeriodLike | _dt.datetime | None = None,
                          within_days: int | None = None, by: By = None) -> TrialConversion:
    """Share of the trials started from ``start`` to ``end`` that converted to paid (0-1).

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
    start, end : period or date
        Trials starting from the first day of ``start`` to the last day of ``end``.
    at : date, period or timestamp, optional
        What is known: a paid span starting after ``at`` is not (yet) a conversion.
        Default: the last day of ``end``.
    within_days : int, optional
        Count a conversion only when the paid span starts within this many days of the
        trial's start (ChartMogul's "trial-to-paid in days" filter).
    by : mapping or "all", optional
        One row per segment (a mapping from customer id to segment).

    Returns
    -------
    TrialConversion
        Counts and rates; ``.rate`` and ``.trials_detail`` (one row per trial).

    Notes
    -----
    A *trial* is an account whose earliest spans (those starting on its first start date)
    all have MRR 0, and its *trial start* is that date; its *trial end* is the latest end
    of the free spans starting before its first paid span. It *converts* when a span with
    MRR > 0 starts on or after the trial start and on or before ``at`` (and, with
    ``within_days``, no later than ``trial start + within_days``). Otherwise it is *pending*
    while the outcome is open at ``at`` (the free span is still running, or the
    ``within_days`` period has not elapsed) and *not converted* after. The rate counts
    every trial of the window in its denominator, pending ones included, as ChartMogul
    does, so it can still rise as pending trials convert; ``decided_rate`` leaves them out.

    References
    ----------
    ChartMogul, "Metric: Trial-to-paid conversion rate": if 10 customers started a trial in
    May 2015 and 5 became paying customers, the conversion rate for May 2015 is 50%.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [
    ...     Subscription(customer_id="a", start="2024-01-03", end="2024-01-17", amount=0),
    ...     Subscription(customer_id="a", start="2024-01-17", amount=49),
    ...     Subscription(customer_id="b", start="2024-01-10", end="2024-01-24", amount=0),
    ...     Subscription(customer_id="c", start="2024-01-25", amount=0),
    ...     Subscription(customer_id="d", start="2024-01-05", amount=49),
    ... ]
    >>> tc = trial_conversion_rate(subs, start="2024-01", end="2024-01")
    >>> tc.rate, tc["pending"].tolist(), tc["decided_rate"].tolist()
    (0.3333333333333333, [1], [0.5])
    >>> tc.trials_detail["status"].tolist()
    ['converted', 'not converted', 'pending']
    """
    ctx = "trial_conversion_rate"
    subs = _subscriptions(subscriptions, ctx)
    if within_days is not None and (not isinstance(within_days, int | np.integer)
                                    or within_days < 0):
        raise InvalidParameterError(f"{ctx}: within_days must be a whole number >= 0.")
    first_day, _ = span_days(start, ctx)
    _, last_day = span_days(end, ctx)
    if last_day < first_day:
        raise InvalidParameterError(f"{ctx}: end {end!r} is before start {start!r}.")
    at_day = last_day if at is None else day_number(utc_day(at, ctx))
    n = subs.customer_ids.size
    big = np.iinfo(np.int64).max
    code = subs.customer_codes
    s_day = subs.start.astype(np.int64)
    e_day = np.where(np.isnat(subs.end), big, subs.end.astype(np.int64))
    paid = subs.mrr_units > 0
    first_start = np.full(n, big, dtype=np.int64)
    np.minimum.at(first_start, code, s_day)
    first_paid = np.full(n, big, dtype=np.int64)
    np.minimum.at(first_paid, code[paid], s_day[paid])
    # A trial: nothing paid starts on the first start date, so every first span is free.
    trial = (first_start < big) & (first_paid > first_start)
    # Trial end: the latest end of the free spans that start before the first paid span.
    free = ~paid & (s_day < first_paid[code])
    trial_end = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(trial_end, code[free], e_day[free])
    in_cohort = trial & (first_start >= first_day) & (first_start <= last_day)
    limit = np.full(n, at_day, dtype=np.int64)
    if within_days is not None:
        limit = np.minimum(limit, first_start + int(within_days))
    converted = in_cohort & (first_paid <= limit)
    if within_days is None:
        open_at = trial_end > at_day  # the free span is still running after at
    else:
        open_at = (first_start + int(within_days) > at_day) & (first_paid > at_day)
    pending = in_cohort & ~converted & open_at
    lost = in_cohort & ~converted & ~pending
    idx = np.flatnonzero(in_cohort)
    status = np.where(converted[idx], "converted", np.where(pending[idx], "pending",
                                                             "not converted")).astype(object)
    days = np.where(converted[idx], first_paid[idx] - first_start[idx], np.nan)
    detail = TableResult({
        "customer_id": subs.customer_ids[idx],
        "trial_start": first_start[idx].astype("datetime64[D]"),
        "trial_end": np.where(trial_end[idx] == big, np.iinfo(np.int64).min,
                              trial_end[idx]).view("datetime64[D]"),
        "converted_at": np.where(converted[idx], first_paid[idx],
                                 np.iinfo(np.int64).min).view("datetime64[D]"),
        "days_to_convert": days, "status": status}, title="Trials")
    if by is None:
        name, labels, seg = "segment", np.array([None], dtype=object), np.zeros(idx.size,
                                                                                np.int64)
    else:
        name, labels, seg = _segments(np.asarray(subs.customer_ids[idx]), by, ctx)
    k = labels.size
    trials = np.bincount(seg, minlength=k)
    conv = np.bincount(seg[converted[idx]], minlength=k)
    not_conv = np.bincount(seg[lost[idx]], minlength=k)
    pend = np.bincount(seg[pending[idx]], minlength=k)
    ok = converted[idx]
    cols: dict[str, Any] = {} if by is None else {name: labels}
    cols.update(
        trials=trials.astype(np.int64), converted=conv.astype(np.int64),
        not_converted=not_conv.astype(np.int64), pending=pend.astype(np.int64),
        conversion_rate=_ratio(conv, trials, context=ctx, what="the number of trials"),
        decided_rate=_ratio(conv, conv + not_conv, context=ctx,
                            what="the number of decided trials"),
        median_days_to_convert=ku.per_group_median(seg[ok], days[ok], k))
    window = f"{np.datetime64(first_day, 'D')} to {np.datetime64(last_day, 'D')}"
    result = TrialConversion(cols, title=f"Trial conversion (trials started {window}, "
                                         f"as of {np.datetime64(at_day, 'D')})")
    result._set(rate=float(cols["conversion_rate"][0]) if k == 1 else float("nan"),
                trials_detail=detail, at=np.datetime64(at_day, "D"))
    return result


# --- synthetic tickets -----------------------------------------------------------------------


def synthetic_ticket_columns(customers: int | Sequence[Any] | NDArray[Any] = 200, *,
                             start: str = "2024-01-01", days: int = 90,
                             tickets_per_account: float = 4.0, seed: int = 0
                             ) -> dict[str, NDArray[Any]]:
    """Columns of synthetic support tickets, for :meth:`SupportTicketTable.from_columns`.

    Each account raises a Poisson number of tickets (its own rate around
    ``tickets_per_account``; a tenth of accounts raise four times as many), opened at
    uniform moments of the window; a ticket takes a lognormal time to resolve (median
    about 9 hours) and is open if that runs past the end of the window; contacts are 0
    (5%), 1 (about 60%) or more. Vectorized and seeded.

    Examples
    --------
    >>> cols = synthetic_ticket_columns(30, days=30, seed=1)
    >>> sorted(cols)
    ['contacts', 'customer_id', 'opened_at', 'resolved_at', 'ticket_id']
    >>> SupportTicketTable.from_columns(cols).n_customers <= 30
    True
    """
    ctx = "synthetic_ticket_columns"
    ids = _customer_ids(customers, ctx)
    if days < 1 or not tickets_per_account >= 0:
        raise InvalidParameterError(f"{ctx}: days must be >= 1 and tickets_per_account >= 0.")
    rng = np.random.default_rng([seed, 29])
    n_acc = ids.size
    rate = tickets_per_account * rng.gamma(2.0, 0.5, n_acc) * np.where(
        rng.random(n_acc) < 0.1, 4.0, 1.0)
    per = rng.poisson(rate)
    acc = np.repeat(np.arange(n_acc), per)
    n = acc.size
    first = np.datetime64(start, "D").astype("datetime64[us]").astype(np.int64)
    end = first + days * ku.US_PER_DAY
    opened = first + rng.integers(0, days * ku.US_PER_DAY, n)
    delay = (rng.lognormal(np.log(9 * 3600.0), 1.3, n) * 1e6).astype(np.int64)
    resolved = opened + delay
    still_open = resolved >= end
    contacts = np.where(rng.random(n) < 0.05, 0, 1 + rng.geometric(0.62, n) - 1)
    return {
        "ticket_id": np.arange(n, dtype=np.int64),
        "customer_id": ids[acc],
        "opened_at": opened.view("datetime64[us]"),
        "resolved_at": np.where(still_open, _NAT, resolved).view("datetime64[us]"),
        "contacts": np.where(still_open, np.nan, contacts.astype(np.float64)),
    }


def synthetic_tickets(customers: int | Sequence[Any] | NDArray[Any] = 200, *,
                      start: str = "2024-01-01", days: int = 90,
                      tickets_per_account: float = 4.0, seed: int = 0) -> SupportTicketTable:
    """A :class:`SupportTicketTable` of synthetic tickets (see :func:`synthetic_ticket_columns`).

    Examples
    --------
    >>> t = synthetic_tickets(50, seed=2)
    >>> len(t) > 50
    True
    """
    return SupportTicketTable.from_columns(synthetic_ticket_columns(
        customers, start=start, days=days, tickets_per_account=tickets_per_account, seed=seed))
