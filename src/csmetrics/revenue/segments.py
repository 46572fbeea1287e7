"""Resolving ``by=`` into integer segment codes, shared by every metric that splits by segment.

Metrics are computed per *entity*. Without ``by``, or with a mapping of customers to segments,
an entity is a customer. With ``by`` naming a column of the rows (a plan, a currency), a
customer's rows can sit in several segments, so an entity is a (customer, segment) pair: a
customer moving from plan A to plan B leaves A and joins B.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.currency import MINOR_UNITS
from csmetrics._core.lookup import lookup
from csmetrics.exceptions import ColumnNotFoundError, CurrencyMismatchError, InvalidParameterError
from csmetrics.tables.subscriptions import INTERVALS, SubscriptionTable

By: TypeAlias = str | Mapping[Any, Any] | None
"""A column of the table (``"plan"``, ``"currency"``, ``"interval"``) or a mapping from
customer id to segment (a dict or a pandas Series). A mapping with a ``segment_name``
attribute names the result's segment column after it."""


class NamedSegments(dict[Any, Any]):
    """A customer -> segment mapping that names its result column (``"region"``)."""

    def __init__(self, name: str, mapping: Mapping[Any, Any]) -> None:
        super().__init__(mapping)
        self.segment_name = name

SEGMENT_COLUMNS = ("plan", "currency", "interval")


@dataclass(frozen=True)
class Segmentation:
    """Entities of a table and the segment each belongs to."""

    name: str | None
    labels: NDArray[Any]
    entity_of_row: NDArray[np.int64]
    segment_of_entity: NDArray[np.int64]
    customer_of_entity: NDArray[np.int64]

    @property
    def n_entities(self) -> int:
        return int(self.segment_of_entity.size)

    @property
    def n_segments(self) -> int:
        return int(self.labels.size)


def segment(table: SubscriptionTable, by: By, context: str) -> Segmentation:
    """Entities and segments of ``table`` for ``by``."""
    n_cust = int(table.customer_ids.size)
    customers = np.arange(n_cust, dtype=np.int64)
    if by is None:
        return Segmentation(None, np.array([None], dtype=object), table.customer_codes,
                            np.zeros(n_cust, dtype=np.int64), customers)
    if isinstance(by, str):
        codes, labels = _row_segments(table, by, context)
        width = np.int64(labels.size)
        pairs, entity = np.unique(table.customer_codes * width + codes, return_inverse=True)
        return Segmentation(by, labels, entity.reshape(-1).astype(np.int64), pairs % width,
                            pairs // width)
    if isinstance(by, Mapping) or (hasattr(by, "keys") and hasattr(by, "__getitem__")):
        mapping = by if isinstance(by, Mapping) else dict(by.items())
        # Only customers with rows need a segment (a table from take() keeps every id).
        present = np.bincount(table.customer_codes, minlength=n_cust) > 0
        values = np.empty(n_cust, dtype=object)
        values[present] = lookup(table.customer_ids[present], mapping, context, "customers",
                                  required=True)
        if not present.all():
            values[~present] = values[present][0] if present.any() else "(none)"
        try:
            labels, seg = np.unique(values, return_inverse=True)
        except TypeError:
            labels, seg = np.unique(values.astype(str), return_inverse=True)
        name = str(getattr(by, "segment_name", "segment"))
        return Segmentation(name, labels.astype(object), table.customer_codes,
                            seg.reshape(-1).astype(np.int64), customers)
    raise InvalidParameterError(
        f"{context}: by must be None, a column name ({', '.join(SEGMENT_COLUMNS)}) or a mapping "
        f"from customer id to segment, got {type(by).__name__}."
    )


def _row_segments(table: SubscriptionTable, by: str, context: str
                  ) -> tuple[NDArray[np.int64], NDArray[Any]]:
    if by == "plan":
        if not (table.plan_codes < 0).any():
            return table.plan_codes, table.plans.astype(object)
        labels = np.concatenate([table.plans.astype(object), np.array([None], dtype=object)])
        return np.where(table.plan_codes < 0, labels.size - 1, table.plan_codes), labels
    if by == "currency":
        return table.currency_codes, table.currencies.astype(object)
    if by == "interval":
        return table.interval.astype(np.int64), np.asarray(INTERVALS, dtype=object)
    raise ColumnNotFoundError(by, SEGMENT_COLUMNS, context=f"{context} (by=)")


def currency_digits(table: SubscriptionTable, seg: Segmentation, rows: NDArray[np.bool_],
                    context: str) -> tuple[NDArray[np.int64], list[str]]:
    """Minor-unit digits of each segment's one currency, from the rows that count.

    Money in two currencies is never summed: a segment whose rows mix currencies is an error.
    """
    n_seg = seg.n_segments
    n_cur = table.currencies.size
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
