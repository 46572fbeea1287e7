"""What the usage metrics share: the entities they count, their window and its events.

A usage metric reads a ``UsageTable`` (anything ``as_usage`` turns into one), decides the
accounts it counts (``csmetrics.tables.accounts.AccountSet``: ``customers=``, or every
account with events and every account the other input speaks of) and the entities of its
``by=`` (``split``): accounts, or (account, value) pairs for a column that varies within an
account, such as ``by="feature"``. ``Scope`` recodes the table's users within those
entities, so every kernel counts per entity exactly as it counts per account.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.columns import column_getter, is_arrow_stream
from csmetrics._core.convert import factorize
from csmetrics._kernels import usage as ku
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.days import day_bounds_us, day_number, utc_day
from csmetrics.periods.windows import window_days
from csmetrics.tables.account_result import AccountResult
from csmetrics.tables.accounts import AccountSet, Pooling, Split, pool, resolve_by, split
from csmetrics.tables.coerce import as_usage
from csmetrics.tables.subscriptions import Subscription, SubscriptionTable
from csmetrics.tables.usage import UsageTable

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]

ROW_FIELDS = ("user_id", "feature")
"""Fields of a usage event that describe the event, not the account."""

_R = TypeVar("_R", bound=AccountResult)

WHOLE_ACCOUNT = "{what} is a property of a whole account"
"""Why an account-level metric refuses ``by`` columns that vary within an account."""


# --- entities --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The table's events recoded for one ``by=``: each counted row's *member* (one user of
    one entity) and each member's entity.

    With whole accounts the members are the table's own (account, user) pairs; with
    (account, value) entities, a member is a user of that entity.
    """

    table: UsageTable
    split: Split
    member_of_row: I64  # -1 where the row is not counted
    member_entity: I64
    n_members: int

    @property
    def n_entities(self) -> int:
        """Table-space entities."""
        return self.split.n_entities

    @property
    def counts_every_row(self) -> bool:
        """Whether every row of the table belongs to a table-space entity."""
        return self.split.per_account


def scope(table: UsageTable, by: Any, accounts: AccountSet, context: str, *,
          refuse_rows: str | None = None) -> Scope:
    """The entities of ``by`` over ``accounts`` and the table's members within them."""
    sp = split(table, by, accounts, context, row_fields=ROW_FIELDS, refuse_rows=refuse_rows)
    return _scope_of(table, sp)


def event_scope(usage: Any, by: Any, customers: ArrayLike | None, context: str) -> Scope:
    """The scope of a metric counted over events: ``usage`` as a table, every account of it
    (or ``customers``), any ``by``."""
    by = resolve_by(by, context)
    table = as_usage(usage, context, by=by)
    return scope(table, by, AccountSet.of(table.customer_ids, customers=customers,
                                          context=context), context)


def _scope_of(table: UsageTable, sp: Split, values: I64 | None = None, width: int = 0
              ) -> Scope:
    """The scope of a split. With (account, value) entities, their members are (entity,
    user) pairs, that is (account member, value) pairs: given the rows' ``values`` (codes of
    the ``by`` column, ``width`` = categories + 1) and few enough possible pairs, they are
    found by marking a table of every pair (linear); otherwise by factorizing."""
    if sp.per_account:
        return Scope(table, sp, table.member_codes, table.member_customer, table.n_members)
    counted = sp.entity_of_row >= 0
    member_of_row = np.full(len(table), -1, dtype=np.int64)
    if not counted.any():
        return Scope(table, sp, member_of_row, np.zeros(0, dtype=np.int64), 0)
    if values is None:
        codes, cats = table.segment_column(str(sp.name), sp.context)
        values, width = np.asarray(codes, dtype=np.int64), int(np.asarray(cats).size) + 1
    bound = table.n_members * width
    if small_key_space(bound, int(counted.sum())):
        key = table.member_codes[counted] * np.int64(width) + values[counted] + 1
        seen = np.zeros(bound, dtype=bool)
        seen[key] = True
        rank = np.cumsum(seen, dtype=np.int64) - 1
        inner = rank[key]
        member_entity = np.empty(int(rank[-1]) + 1, dtype=np.int64)
        member_entity[inner] = sp.entity_of_row[counted]  # one entity per (member, value)
        member_of_row[counted] = inner
        return Scope(table, sp, member_of_row, member_entity, int(member_entity.size))
    n_users = np.int64(max(table.user_ids.size, 1))
    pairs, inner = factorize(sp.entity_of_row[counted] * n_users + table.user_codes[counted])
    member_of_row[counted] = inner
    return Scope(table, sp, member_of_row, (pairs // n_users).astype(np.int64),
                 int(pairs.size))


def small_key_space(bound: int, n_keys: int) -> bool:
    """Whether ``bound`` possible keys are few enough to look ``n_keys`` keys up in a table
    of them all (at most twice the keys, or about a million)."""
    return bound <= max(2 * n_keys, 1 << 20)


@dataclass(frozen=True)
class Entities:
    """The entities of one call and their segments, without the table's rows: what every
    part of the customers must agree on (the plan's share of a ``Scope``).

    ``split`` is the whole table's ``Split`` with its per-row array dropped; with
    (account, value) entities (``by="feature"``), ``pairs`` holds their sorted keys
    ``account code * width + value code + 1``, from which ``scope`` finds the entity of each
    row of a part (a ``take()`` of the table keeps its code tables, so codes agree).
    """

    split: Split
    column: str | None
    pairs: I64
    width: int

    @classmethod
    def of(cls, table: UsageTable, sp: Split) -> Entities:
        """The entities of a split of the whole table."""
        pairs = np.zeros(0, dtype=np.int64)
        width = 1
        column_name = None
        if not sp.per_account:
            column_name = sp.name
            assert column_name is not None
            codes, cats = table.segment_column(column_name, sp.context)
            width = int(np.asarray(cats).size) + 1
            rows = sp.entity_of_row >= 0
            pairs = np.zeros(sp.n_entities, dtype=np.int64)
            pairs[sp.entity_of_row[rows]] = (table.customer_codes[rows] * np.int64(width)
                                             + np.asarray(codes, dtype=np.int64)[rows] + 1)
        return cls(replace(sp, entity_of_row=np.zeros(0, dtype=np.int64)), column_name, pairs,
                   width)

    def scope(self, part: UsageTable) -> Scope:
        """The scope of a part of the table (some customers' rows) in these entities."""
        sp = self.split
        if self.column is None:
            return _scope_of(part, replace(sp, entity_of_row=part.customer_codes))
        codes, _ = part.segment_column(self.column, sp.context)
        keys = part.customer_codes * np.int64(self.width) + np.asarray(codes, np.int64) + 1
        bound = int(part.customer_ids.size) * self.width
        if small_key_space(bound, keys.size):  # a table of every key: linear
            lut = np.full(bound, -1, dtype=np.int64)
            lut[self.pairs] = np.arange(self.pairs.size, dtype=np.int64)
            entity = lut[keys]
        elif self.pairs.size:  # few entities among many possible keys: a binary search
            at = np.minimum(np.searchsorted(self.pairs, keys), self.pairs.size - 1)
            entity = np.where(self.pairs[at] == keys, at, -1).astype(np.int64)
        else:
            entity = np.full(keys.size, -1, dtype=np.int64)
        return _scope_of(part, replace(sp, entity_of_row=entity), np.asarray(codes, np.int64),
                         self.width)




def event_entities(usage: Any, by: Any, customers: ArrayLike | None, context: str
                   ) -> tuple[UsageTable, Entities]:
    """The table and entities of a metric counted over events (as ``event_scope``, without
    recoding the users: the partial does that for its rows)."""
    by = resolve_by(by, context)
    table = as_usage(usage, context, by=by)
    accounts = AccountSet.of(table.customer_ids, customers=customers, context=context)
    sp = split(table, by, accounts, context, row_fields=ROW_FIELDS)
    return table, Entities.of(table, sp)


def finish(sp: Split, parts: Mapping[str, NDArray[Any]], how: Pooling, order: Sequence[str],
           *, value: str, title: str, context: str, extra: Mapping[str, NDArray[Any]] = {},
           cls: type[_R] = AccountResult) -> _R:  # type: ignore[assignment]
    """The result: the parts of the counted entities pooled into the segments of ``sp``,
    columns in ``order`` after the segment column (``extra`` holds columns computed per
    segment directly, such as medians)."""
    pooled = pool(parts, sp.segment, sp.n_segments, how, context=context)
    pooled.update(extra)
    columns: dict[str, Any] = sp.segment_columns()
    columns.update({name: pooled[name] for name in order})
    return cls(columns, value=value, title=title, segment=sp.name, pooling=how)


# --- the window and its events ---------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """A span of whole UTC days: first and last day (days since the epoch), and its bounds
    ``[lo, hi)`` in microseconds."""

    first_day: int
    last_day: int
    lo: int
    hi: int

    @property
    def days(self) -> int:
        """Length in days."""
        return self.last_day - self.first_day + 1

    def describe(self) -> str:
        """``"30 days 2024-03-02 to 2024-03-31"``."""
        first = np.datetime64(self.first_day, "D")
        last = np.datetime64(self.last_day, "D")
        return f"{self.days} days {first} to {last}"


def trailing(at: Any, window: object, context: str) -> Window:
    """The trailing window of ``window`` days ending with the UTC day ``at`` names."""
    days = window_days(window, context)
    last = day_number(utc_day(at, context))
    return span(last - days + 1, last)


def span(first: int, last: int) -> Window:
    """The days ``first`` to ``last`` (days since the epoch)."""
    lo, hi = day_bounds_us(first, last)
    return Window(first, last, lo, hi)


@dataclass(frozen=True)
class Events:
    """The counted events of a window: member codes, UTC day within the window (when asked
    for), and row positions in the table (None when every row is there)."""

    member: I64
    day: I64
    rows: I64 | None

    def of(self, column: NDArray[Any]) -> NDArray[Any]:
        """A per-row column of the table, for these events."""
        return column if self.rows is None else column[self.rows]


def events(sc: Scope, win: Window, *, need_day: bool = False,
           features: I64 | None = None) -> Events:
    """The events of ``win`` (of the ``features`` codes only, when given)."""
    table = sc.table
    t = table.t_us
    mask = ku.in_window(t, win.lo, win.hi)
    if features is not None:
        mask &= np.isin(table.feature_codes, features)
    if not sc.counts_every_row:
        mask &= sc.member_of_row >= 0
    if bool(mask.all()):
        day = ku.days_of(t, win.first_day) if need_day else np.zeros(0, dtype=np.int64)
        return Events(sc.member_of_row, day, None)
    rows = np.flatnonzero(mask)
    day = ku.days_of(t[rows], win.first_day) if need_day else np.zeros(0, dtype=np.int64)
    return Events(sc.member_of_row[rows], day, rows)


def active_per_entity(sc: Scope, ev: Events) -> I64:
    """Distinct active users of each table-space entity among the events."""
    members = ku.active_members(ev.member, sc.n_members)
    return ku.members_per_account(members, sc.member_entity, sc.n_entities)


def segment_of_events(sc: Scope, ev: Events) -> I64:
    """The result row (segment) of each event; -1 for events of entities not counted."""
    of_entity = sc.split.segment_of_entity()
    entity = ev.of(sc.split.entity_of_row)
    out = np.full(entity.size, -1, dtype=np.int64)
    has = entity >= 0
    out[has] = of_entity[entity[has]]
    return out


def feature_codes(table: UsageTable, features: str | Sequence[str], context: str
                  ) -> tuple[list[Any], I64]:
    """Names and codes of the features asked for; a name with no event is an error."""
    names = [features] if isinstance(features, str) else list(features)
    if not names:
        raise InvalidParameterError(f"{context}: give at least one feature.")
    if len({str(f) for f in names}) != len(names):
        raise InvalidParameterError(f"{context}: features must not repeat, got {names!r}.")
    codes = np.array([table.feature_code(f, context) for f in names], dtype=np.int64)
    return names, codes


# --- other inputs ----------------------------------------------------------------------------


def column(values: Any, context: str) -> NDArray[Any]:
    """Any sequence, array, pandas or polars series as one numpy column."""
    _, get = column_getter({"values": values}, context)
    out: NDArray[Any] = get("values")
    return out


def mapping_items(value: Any) -> tuple[list[Any], list[Any]]:
    """Keys and values of a mapping (a dict, or a pandas Series indexed by id)."""
    if isinstance(value, Mapping):
        return list(value.keys()), list(value.values())
    items = list(value.items())  # a pandas Series
    return [k for k, _ in items], [v for _, v in items]


def is_subscriptions(value: Any) -> bool:
    """Subscriptions in any form: a table, records, a DataFrame or a mapping of columns."""
    if isinstance(value, SubscriptionTable) or hasattr(value, "columns") or hasattr(
            value, "column_names") or is_arrow_stream(value):
        return True
    if isinstance(value, list | tuple):
        return bool(value) and all(isinstance(v, Subscription) for v in value)
    if isinstance(value, Mapping):
        # A mapping of columns ({"customer_id": [...], "start": [...]}), not of id -> number.
        return bool(value) and all(isinstance(v, list | tuple | np.ndarray)
                                   for v in value.values())
    return False
