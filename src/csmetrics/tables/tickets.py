"""Support tickets: the record and the validated table.

A support ticket is opened by a customer account at a moment, may be resolved later, and took
some number of contacts (agent replies, calls) to resolve. Timestamps follow
csmetrics._core.timestamps: aware ones converted to UTC, naive ones taken as UTC, a column
mixing both is an error."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from pydantic import ConfigDict, Field, field_validator

from csmetrics._core.checks import Checker, ErrorMode
from csmetrics._core.columns import read_columns
from csmetrics._core.convert import to_codes, to_float
from csmetrics._core.timestamps import as_datetime, to_timestamps
from csmetrics.exceptions import InvalidParameterError
from csmetrics.results import SkippedRows
from csmetrics.tables.base import Coded, ColumnTable, read_segments, recode
from csmetrics.tables.records import RecordModel, record_count, record_label, record_missing_text

I64 = NDArray[np.int64]


_NAT = np.iinfo(np.int64).min


class SupportTicket(RecordModel):
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
    first_response_at : datetime or None
        When an agent first replied (Zendesk's first reply, Freshdesk's first response);
        ``None`` while unanswered. Must not be before ``opened_at``.
    priority : str or int, optional
        Its priority, a category such as ``"urgent"``, ``"high"``, ``"normal"``, ``"low"``:
        the key of SLA targets and a segment (``by="priority"``).
    reopened_at : datetime or None
        When it was last reopened after a resolution; ``None`` if never. Must not be before
        ``opened_at``. A timestamp rather than a count of reopenings, so that a metric as of
        a date counts only the reopenings known by then.

    Examples
    --------
    >>> SupportTicket(customer_id="acme", opened_at="2024-03-01T09:00:00Z",
    ...               resolved_at="2024-03-01T11:30:00Z", contacts=1)
    SupportTicket(customer_id='acme', opened_at=datetime.datetime(2024, 3, 1, 9, 0, tzinfo=tzutc()), resolved_at=datetime.datetime(2024, 3, 1, 11, 30, tzinfo=tzutc()), contacts=1, ticket_id=None, first_response_at=None, priority=None, reopened_at=None)
    """  # noqa: E501

    model_config = ConfigDict(frozen=True, extra="forbid")

    customer_id: str | int
    opened_at: _dt.datetime
    resolved_at: _dt.datetime | None = None
    contacts: int | None = Field(default=None, ge=0)
    ticket_id: str | int | None = None
    first_response_at: _dt.datetime | None = None
    priority: str | int | None = None
    reopened_at: _dt.datetime | None = None

    _labels_as_the_columns_read_them = field_validator(
        "customer_id", "ticket_id", "priority", mode="before")(record_label)

    @field_validator("opened_at", "resolved_at", "first_response_at", "reopened_at",
                     mode="before")
    @classmethod
    def _timestamps(cls, v: Any) -> Any:
        return None if v is None else as_datetime(v)

    _count_as_the_columns_read_it = field_validator("contacts", mode="before")(record_count)
    _missing_text_is_no_time = field_validator(
        "opened_at", "resolved_at", "first_response_at", "reopened_at", mode="before")(
        record_missing_text)


_COLUMNS = ("customer_id", "ticket_id", "opened_at", "resolved_at", "contacts",
            "first_response_at", "priority", "reopened_at")
_LATER = ("resolved_at", "first_response_at", "reopened_at")  # none may precede opened_at


@dataclass(frozen=True, repr=False, eq=False)
class SupportTicketTable(ColumnTable):
    """Support tickets as validated, read-only numpy columns.

    Build one with ``from_records`` or ``from_columns``; rows keep input order.

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
    first_response_at, reopened_at : ndarray of datetime64[us]
        UTC; NaT where not answered / never reopened (or the column is absent).
    priority_codes : ndarray of int64
        Index into ``priorities`` (sorted distinct priorities); -1 where not given.
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
    _CODED: ClassVar[Mapping[str, tuple[str, str]]] = {
        "customer_id": ("customer_codes", "customer_ids"),
        "ticket_id": ("ticket_codes", "ticket_ids"),
        "priority": ("priority_codes", "priorities"),
    }
    _COMPACT: ClassVar[tuple[str, ...]] = ()  # from_columns compacts; take() keeps accounts
    _RECORD: ClassVar[Any] = SupportTicket
    _NOUN: ClassVar[str] = "support tickets"

    customer_codes: I64
    customer_ids: NDArray[Any]
    ticket_codes: I64
    ticket_ids: NDArray[Any]
    opened_at: NDArray[np.datetime64]
    resolved_at: NDArray[np.datetime64]
    contacts: I64
    first_response_at: NDArray[np.datetime64]
    priority_codes: I64
    priorities: NDArray[Any]
    reopened_at: NDArray[np.datetime64]
    source_rows: I64
    skipped: SkippedRows = field(default_factory=lambda: SkippedRows.empty())
    segments: Mapping[str, Coded] = field(default_factory=dict)

    @classmethod
    def from_records(cls, records: Iterable[SupportTicket | Mapping[str, Any]], *,
                     errors: ErrorMode = "raise") -> SupportTicketTable:
        """Build a table from ``SupportTicket`` records or dicts of their fields.

        The records pass the same column rules as ``from_columns``.

        Examples
        --------
        >>> SupportTicketTable.from_records([
        ...     SupportTicket(customer_id=1, opened_at="2024-01-02", contacts=0,
        ...                   resolved_at="2024-01-02T05:00"),
        ...     {"customer_id": 1, "opened_at": "2024-01-03", "contacts": -1},
        ... ], errors="skip").skipped.to_dict()
        {'row': [1], 'column': ['contacts'], 'rule': ['must be greater than or equal to 0']}
        """
        return cls._from_records(records, errors=errors,
                                 context="SupportTicketTable.from_records")

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
        first_response_at: str = "first_response_at",
        priority: str = "priority",
        reopened_at: str = "reopened_at",
        segments: Sequence[str] = (),
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
        first_response_at, priority, reopened_at : str
            Optional column names: the first agent reply (absent: unknown), the priority
            (absent: none) and the last reopening (absent: never reopened).
        segments : sequence of str, optional
            Other columns of the input to keep as segments, so that ``by=`` can name them
            (a channel, a priority; a metric given raw columns keeps its ``by=`` column by
            itself).
        errors : {"raise", "skip"}, default "raise"

        Raises
        ------
        ColumnNotFoundError
            A required (or explicitly named) column is missing.
        DataValidationError
            A missing account or opening time; an unreadable timestamp or one in a column
            mixing aware and naive values; ``resolved_at``, ``first_response_at`` or
            ``reopened_at`` before ``opened_at``; contacts
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
                   "resolved_at": resolved_at, "contacts": contacts,
                   "first_response_at": first_response_at, "priority": priority,
                   "reopened_at": reopened_at}
        raw, n, renamed = read_columns(
            data, renamed, ("ticket_id", "resolved_at", "contacts", "first_response_at",
                            "priority", "reopened_at"), ctx)
        chk = Checker(n, ctx, errors, collect=True).show({renamed[f]: v for f, v in raw.items()})
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
        chk.check(np.isnat(opened) & ~chk.flagged(opened_at), opened_at, "must not be missing")
        later: dict[str, NDArray[Any]] = {}
        for name in _LATER:  # each optional, each NaT where not (yet) happened
            given = raw[name]
            if given is None:
                later[name] = np.full(n, np.datetime64("NaT", "us"))
            else:
                later[name] = to_timestamps(given, renamed[name], chk)
                chk.check(later[name] < opened, renamed[name],
                          f"must not be before '{opened_at}'")
        resolved, responded, reopened = (later[k] for k in _LATER)
        if raw["priority"] is None:
            prio, prios = np.full(n, -1, dtype=np.int64), np.empty(0, dtype=object)
        else:
            prio, prios = to_codes(raw["priority"], priority, chk, required=False)
        if raw["contacts"] is None:
            touches = np.full(n, -1, dtype=np.int64)
        else:
            values = to_float(raw["contacts"], contacts, chk)
            with np.errstate(invalid="ignore"):
                chk.check(~np.isnan(values) & ((values < 0) | (values != np.floor(values))
                                                | np.isinf(values)),
                          contacts, "must be a whole number >= 0")
            chk.check(np.isnan(values) & ~np.isnat(resolved) & ~chk.flagged(contacts), contacts,
                      "must not be missing on a resolved ticket")
            touches = np.where(np.isnan(values) | chk.bad, -1,
                               np.nan_to_num(values, nan=-1.0, posinf=-1.0)).astype(np.int64)
        kept = read_segments(data, segments, chk)
        chk.raise_collected()
        skipped = SkippedRows.from_checker(chk)
        rows_kept = np.arange(n, dtype=np.int64)
        if chk.bad.any():
            rows_kept = np.flatnonzero(~chk.bad).astype(np.int64)
            cust, cust_ids = recode(cust[rows_kept], cust_ids)
            tick, tick_ids = recode(tick[rows_kept], tick_ids)
            prio, prios = recode(prio[rows_kept], prios)
            opened, resolved, touches = opened[rows_kept], resolved[rows_kept], touches[rows_kept]
            responded, reopened = responded[rows_kept], reopened[rows_kept]
        table = cls(customer_codes=cust, customer_ids=cust_ids, ticket_codes=tick,
                    ticket_ids=tick_ids, opened_at=opened, resolved_at=resolved,
                    contacts=touches, first_response_at=responded, priority_codes=prio,
                    priorities=prios, reopened_at=reopened, source_rows=rows_kept,
                    skipped=skipped)
        return replace(table, segments={k: recode(codes[rows_kept], cats)
                                       for k, (codes, cats) in kept.items()})

    @property
    def n_customers(self) -> int:
        """Distinct accounts the table knows."""
        return int(self.customer_ids.size)

    def _column(self, name: str) -> NDArray[Any] | None:
        """``contacts`` with ``None`` where unknown."""
        if name == "contacts":
            out = self.contacts.astype(object)
            out[self.contacts < 0] = None
            return out
        return None

    def __repr__(self) -> str:
        n = len(self)
        if n == 0:
            return f"SupportTicketTable(0 tickets{self._skipped_text()})"
        accounts = int((np.bincount(self.customer_codes, minlength=self.n_customers) > 0).sum())
        still_open = int(np.isnat(self.resolved_at).sum())
        skipped = self._skipped_text()
        return (f"SupportTicketTable({n:,} ticket{'s' * (n != 1)}, {accounts:,} "
                f"account{'s' * (accounts != 1)}, {still_open:,} open, "
                f"{str(self.opened_at.min())[:10]} to {str(self.opened_at.max())[:10]} "
                f"UTC{skipped})")


def _present(values: NDArray[Any] | None) -> NDArray[Any]:
    """A required column (present by construction: absent required columns raised)."""
    if values is None:
        raise InvalidParameterError("a required column is missing.")
    return values
