"""The segments a value metric's parts agree on: the plan side of ``by=``.

A part of the customers (``table.take()`` of their rows) may lack some segments, and the
labels of ``_core.segments.from_codes`` (only categories some row uses) and of a mapping
(the values of its present customers) depend on which rows are there. So the plan resolves
``by`` once over the whole input, and each part maps its rows into the plan's labels:

* when ``by`` assigns segments to customers (``None``, a mapping, the id column) the plan
  keeps the segment of each customer code (parts keep the table's code tables), so a part
  reads its customers' segments and never resolves the mapping again (a part holding only
  customers the mapping lacks is then a part of "(none)", not a mapping that matches no one);
* when ``by`` is a row column (a plan, a currency) each part resolves it over its own rows
  and maps the labels with ``relabel()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.partials import relabel
from csmetrics._core.segments import By, Segments, SegmentSource, resolve
from csmetrics.revenue.segments import Segmentation, segment_as
from csmetrics.tables.subscriptions import SubscriptionTable

__all__ = ["PlanSegments", "plan_segments", "row_segments", "subscription_segments"]

I64 = NDArray[np.int64]


class _Coded(Protocol):
    @property
    def customer_codes(self) -> I64: ...

    @property
    def customer_ids(self) -> NDArray[Any]: ...


@dataclass(frozen=True)
class PlanSegments:
    """The segments of the whole input for one ``by``: what every part maps into.

    Attributes
    ----------
    name : str or None
        The result's segment column (None: the portfolio).
    labels : ndarray of object
        One label per segment, in result order.
    by : str, mapping or None
        The ``by`` given (a row column is resolved again over each part's rows).
    of_customer : ndarray of int64 or None
        The segment of each customer code when ``by`` assigns segments to customers; None
        for a row column.
    context : str
        The metric's name, for messages.
    """

    name: str | None
    labels: NDArray[Any]
    by: By
    of_customer: I64 | None
    context: str

    @property
    def n(self) -> int:
        """Number of segments."""
        return int(self.labels.size)


def plan_segments(segs: Segments, table: _Coded, by: By, context: str) -> PlanSegments:
    """The plan's segments from ``segs``, the resolution of ``by`` over the whole ``table``."""
    of_customer: I64 | None = None
    if segs.per_customer:
        # Customers without rows (ids of a table from take()) take segment 0; they have no
        # rows in any part, so they count nowhere.
        of_customer = np.zeros(table.customer_ids.size, dtype=np.int64)
        of_customer[table.customer_codes] = segs.of_row
        of_customer.flags.writeable = False
    return PlanSegments(segs.name, segs.labels, by, of_customer, context)


def row_segments(part: SegmentSource, plan: PlanSegments) -> I64:
    """The plan segment of each row of ``part``."""
    if plan.of_customer is not None:
        return plan.of_customer[part.customer_codes]
    segs = resolve(plan.by, part, plan.context)
    return relabel(segs.labels, plan.labels, plan.context)[segs.of_row]


def subscription_segments(part: SubscriptionTable, plan: PlanSegments) -> Segmentation:
    """The entities of ``part`` (customers, or (customer, segment) pairs for a row column;
    see ``revenue.segments``) with the plan segment of each (``revenue.segments.segment_as``,
    as the revenue engine's parts)."""
    return segment_as(part, plan.by, plan.labels, plan.name, plan.context, plan.of_customer)
