"""MRR change points of subscriptions at snapshot dates: what cohorts and lifetimes read.

Cohort tables and customer lifetimes both follow each entity's MRR (in minor units) from one
snapshot to the next; the change points of ``_kernels.revenue.change_points`` are the
snapshots at which it changes, so the work follows the number of changes, never
customers x periods.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._kernels import revenue as kr
from csmetrics.periods.calendar import Frequency
from csmetrics.revenue.points import shared_points
from csmetrics.revenue.segments import By, Segmentation
from csmetrics.tables.subscriptions import SubscriptionTable


def change_points(table: SubscriptionTable, seg: Segmentation, snaps: NDArray[np.int64],
                  by: By) -> kr.ChangePoints:
    """Each entity's MRR change points at the snapshot days ``snaps`` (days since 1970), for
    the segmentation ``seg`` of ``by``: the points the revenue metrics of a window ending
    at the same snapshot read, computed once (``revenue.engine.shared_points``)."""
    return shared_points(table, by, True, seg, snaps)


def period_labels(snaps: NDArray[np.datetime64], freq: Frequency) -> NDArray[Any]:
    """The label of the ``freq`` period holding each snapshot date (``"2024-03"``)."""
    months = snaps.astype("datetime64[M]").astype(np.int64)
    return np.array([freq.label(int(m)) for m in freq.period_index(months)], dtype=object)


def last_data_day(table: SubscriptionTable) -> np.datetime64:
    """The latest date in a non-empty table: its latest start or end."""
    return kr.last_day(table.start, table.end)
