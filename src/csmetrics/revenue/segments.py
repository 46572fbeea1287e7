"""Entities and segments of subscriptions: the revenue side of ``by=``.

``by`` is resolved once, by ``csmetrics._core.segments.resolve()``, into a segment per row.
Revenue metrics are computed per *entity*: without ``by``, with a customer mapping or with
``by="customer_id"`` an entity is a customer. With ``by`` naming a column that can vary
within a customer (a plan, a currency), a customer's rows can sit in several segments, so an
entity is a (customer, segment) pair: a customer moving from plan A to plan B leaves A and
joins B.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.currency import MINOR_UNITS
from csmetrics._core.partials import relabel
from csmetrics._core.scope import note_rows, scope_active
from csmetrics._core.segments import By, resolve, segment_columns
from csmetrics.exceptions import CurrencyMismatchError
from csmetrics.tables.subscriptions import SubscriptionTable

__all__ = ["By", "Segmentation", "currency_digits", "customer_segments", "dense_unique",
           "segment", "segment_as"]


@dataclass(frozen=True)
class Segmentation:
    """Entities of a table and the segment each belongs to."""

    name: str | None
    labels: NDArray[Any]
    entity_of_row: NDArray[np.int64]
    segment_of_entity: NDArray[np.int64]
    customer_of_entity: NDArray[np.int64]
    context: str = ""

    def columns(self, /, **columns: Any) -> dict[str, Any]:
        """The result's columns: the segment column first, then ``columns``; a column named
        like the segment column is an error (see ``_core.segments.segment_columns``)."""
        return segment_columns(self.name, self.labels, self.context, **columns)

    @property
    def n_entities(self) -> int:
        return int(self.segment_of_entity.size)

    @property
    def n_segments(self) -> int:
        return int(self.labels.size)


_SEGMENTATIONS: weakref.WeakKeyDictionary[SubscriptionTable, dict[str | None, Segmentation]] = (
    weakref.WeakKeyDictionary())


def segment(table: SubscriptionTable, by: By, context: str) -> Segmentation:
    """Entities and segments of ``table`` for ``by`` (see the module documentation).

    Tables are immutable, so the segmentation of ``by`` None or a column is made once per
    table and kept, read-only (a report's plans, day metrics and renewals each ask for it);
    a mapping is resolved on each call."""
    if by is not None and not isinstance(by, str):
        return _segment(table, by, context)
    found = _SEGMENTATIONS.get(table, {}).get(by)
    if found is None:
        found = _segment(table, by, context)
        for array in (found.labels, found.entity_of_row, found.segment_of_entity,
                      found.customer_of_entity):
            array.flags.writeable = False
        entries = _SEGMENTATIONS.setdefault(table, {})
        if len(entries) >= 8:
            entries.clear()
        entries[by] = found
    return found if found.context == context else replace(found, context=context)


def _segment(table: SubscriptionTable, by: By, context: str) -> Segmentation:
    segs = resolve(by, table, context)
    n_cust = int(table.customer_ids.size)
    customers = np.arange(n_cust, dtype=np.int64)
    if segs.per_customer:
        # Customers without rows (a table from take() keeps every id) take segment 0; they
        # have no change points, so they count nowhere.
        of_customer = np.zeros(n_cust, dtype=np.int64)
        of_customer[table.customer_codes] = segs.of_row
        return Segmentation(segs.name, segs.labels, table.customer_codes, of_customer,
                            customers, context)
    width = np.int64(max(segs.n, 1))
    pairs, entity = dense_unique(table.customer_codes * width + segs.of_row, n_cust * width)
    return Segmentation(segs.name, segs.labels, entity, pairs % width, pairs // width, context)


def dense_unique(keys: NDArray[np.int64], n_keys: int) -> tuple[NDArray[np.int64],
                                                                 NDArray[np.int64]]:
    """``np.unique(keys, return_inverse=True)`` of keys from 0 to ``n_keys - 1``: the sorted
    distinct keys and each key's index among them.

    When the keys' range is not much wider than the keys, a mark per possible key and a
    running count give the same two arrays without sorting the keys.

    Examples
    --------
    >>> found, index = dense_unique(np.array([7, 2, 7, 4]), 8)
    >>> found.tolist(), index.tolist()
    ([2, 4, 7], [2, 0, 2, 1])
    """
    if n_keys > 4 * keys.size + 1024:
        found, index = np.unique(keys, return_inverse=True)
        return found.astype(np.int64), index.reshape(-1).astype(np.int64)
    seen = np.zeros(n_keys, dtype=bool)
    seen[keys] = True
    rank = np.cumsum(seen, dtype=np.int64) - 1
    return np.flatnonzero(seen).astype(np.int64), rank[keys]


def customer_segments(table: SubscriptionTable, seg: Segmentation) -> NDArray[np.int64] | None:
    """The segment of every customer code of ``table``, when ``seg``'s entities are its
    customers (``by`` None, a mapping, the id column); else ``None``."""
    n_cust = int(table.customer_ids.size)
    if seg.n_entities != n_cust or not (seg.entity_of_row is table.customer_codes or np.array_equal(
            seg.entity_of_row, table.customer_codes)):
        return None
    return seg.segment_of_entity


def segment_as(table: SubscriptionTable, by: By, labels: NDArray[Any], name: str | None,
               context: str, of_customer: NDArray[np.int64] | None = None) -> Segmentation:
    """Entities of ``table`` in the segments ``labels`` (a plan's, from the whole input, of
    which ``table`` may be one part: a ``take()`` of its rows, with its customer codes).

    ``of_customer`` (from ``customer_segments()`` of the whole) gives each customer code's
    segment: the part's customers are then never looked up again."""
    if of_customer is not None and of_customer.size == table.customer_ids.size:
        n_cust = int(table.customer_ids.size)
        return Segmentation(name, labels, table.customer_codes, of_customer,
                            np.arange(n_cust, dtype=np.int64), context)
    own = segment(table, by, context)
    if own.labels.size == labels.size and bool(np.array_equal(own.labels, labels)):
        return replace(own, labels=labels)
    return replace(own, name=name, labels=labels, segment_of_entity=relabel(
        own.labels, labels, context)[own.segment_of_entity])


RowTest = Callable[[int, int], NDArray[np.bool_]]
"""Which of the rows ``lo`` to ``hi - 1`` count (a mask of ``hi - lo``)."""

_BLOCK = 1 << 16


def _any_row(test: RowTest, n: int) -> bool:
    """Whether ``test`` holds for some row, block by block (the first block usually has one)."""
    return any(bool(test(lo, min(lo + _BLOCK, n)).any()) for lo in range(0, n, _BLOCK))


def currency_digits(table: SubscriptionTable, seg: Segmentation,
                    rows: NDArray[np.bool_] | RowTest, context: str
                    ) -> tuple[NDArray[np.int64], list[str]]:
    """Minor-unit digits of each segment's one currency, from the rows that count (a mask,
    or a ``RowTest``: then one currency and one segment need only find one such row).

    Money in two currencies is never summed: a segment whose rows mix currencies is an error.
    """
    n_seg = seg.n_segments
    n_cur = table.currencies.size
    if callable(rows):
        if n_cur == 1 and n_seg == 1 and not scope_active():
            code = str(table.currencies[0]) if _any_row(rows, len(table)) else ""
            return np.array([MINOR_UNITS.get(code, 2)], dtype=np.int64), [code]
        rows = rows(0, len(table))
    _note_witnesses(table, seg, rows)
    if n_cur == 1:  # one currency: nothing can mix; segments with money hold it
        has = (np.array([bool(rows.any())]) if n_seg == 1 else np.bincount(
            seg.segment_of_entity[seg.entity_of_row[rows]], minlength=n_seg) > 0)
        code = str(table.currencies[0])
        names = [code if h else "" for h in has.tolist()]
        digits = np.array([MINOR_UNITS.get(c, 2) for c in names], dtype=np.int64)
        return digits, names
    row_seg = seg.segment_of_entity[seg.entity_of_row[rows]]
    pairs = np.unique(row_seg * n_cur + table.currency_codes[rows])
    pair_seg, pair_cur = pairs // max(n_cur, 1), pairs % max(n_cur, 1)
    per_seg = np.bincount(pair_seg, minlength=n_seg)
    if (per_seg > 1).any():
        mixed = int(np.flatnonzero(per_seg > 1)[0])
        codes = pair_cur[pair_seg == mixed]
        names = table.currencies[codes].tolist()
        in_seg = rows.copy()
        in_seg[rows] = row_seg == mixed
        counts = np.bincount(table.currency_codes[in_seg], minlength=n_cur)
        majority = int(np.argmax(counts))
        odd = in_seg & (table.currency_codes != majority)
        where = "" if seg.name is None else f" (segment {seg.labels[mixed]!r})"
        hint = ("split with by='currency', pass fx= rates, " if seg.name is None else
                "pass fx= rates, ") + "or select one currency with table.take()"
        raise CurrencyMismatchError(
            column="currency",
            rule=f"must hold one currency per result{where}, found {', '.join(names)}; "
                 f"amounts in different currencies are never summed without exchange rates "
                 f"({hint}); rows not in {table.currencies[majority]}",
            count=int(odd.sum()), positions=table.source_rows[np.flatnonzero(odd)[:5]].tolist(),
            n_rows=len(table), context=context,
        )
    currency = np.full(n_seg, -1, dtype=np.int64)
    currency[pair_seg] = pair_cur
    names = [table.currencies[c] if c >= 0 else "" for c in currency.tolist()]
    digits = np.array([MINOR_UNITS.get(c, 2) for c in names], dtype=np.int64)
    return digits, names


def _note_witnesses(table: SubscriptionTable, seg: Segmentation, rows: NDArray[np.bool_]
                    ) -> None:
    """Tell a cluster's pre-pass (``_core.scope``) which rows the currency decision rests
    on: one counted row per (segment, currency) pair."""
    if scope_active():
        at = np.flatnonzero(rows)
        key = (seg.segment_of_entity[seg.entity_of_row[at]] * max(table.currencies.size, 1)
               + table.currency_codes[at])
        _, first = np.unique(key, return_index=True)
        note_rows(at[first])
