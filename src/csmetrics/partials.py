"""Every additive metric as mergeable partials: the seam for threads and clusters.

``PARTS[name]`` is the metric ``csmetrics.<name>`` as three steps (``MetricParts``):
``prepare`` (the whole input's table and a small plan every part agrees on), ``partial``
(additive integer arrays over one part of the customers, a ``table.take()`` of their rows)
and ``finalize`` (the result). The combined partials of any partition of the customers give
the result over the whole, bit for bit.

Examples
--------
>>> import numpy as np
>>> import csmetrics as cm
>>> from csmetrics.partials import PARTS, combine
>>> subs = cm.datasets.synthetic_portfolio(50, months=6, seed=1)
>>> steps = PARTS["mrr_movements"]
>>> table, plan = steps.prepare(subs, "2024-01", "2024-06")
>>> odd = table.customer_codes % 2 == 1
>>> parts = [steps.partial(table.take(rows), plan) for rows in (odd, ~odd)]
>>> merged = steps.finalize(combine(parts), plan)
>>> merged["ending_mrr"].tolist() == cm.mrr_movements(subs, "2024-01", "2024-06")[
...     "ending_mrr"].tolist()
True
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import csmetrics
from csmetrics._core.partials import MetricParts, Partials, combine
from csmetrics.health.partials import PARTS as _HEALTH
from csmetrics.revenue.partials import PARTS as _REVENUE
from csmetrics.support.partials import PARTS as _SUPPORT
from csmetrics.surveys.partials import PARTS as _SURVEYS
from csmetrics.usage.partials import PARTS as _USAGE
from csmetrics.value.partials import PARTS as _VALUE

__all__ = ["PARTS", "MetricParts", "Partials", "combine"]



def _checked(name: str, steps: MetricParts) -> MetricParts:
    """``steps`` whose ``prepare`` first checks its call as the public metric does (the
    same messages for the same bad options)."""
    bind = getattr(getattr(csmetrics, name), "checked_call", None)
    if bind is None:
        return steps

    def prepare(data: Any, *args: Any, **options: Any) -> tuple[Any, Any]:
        bound = bind(data, *args, **options)
        return steps.prepare(*bound.args, **bound.kwargs)

    return replace(steps, prepare=prepare)


PARTS: dict[str, MetricParts] = {
    name: _checked(name, steps) for name, steps in
    {**_REVENUE, **_VALUE, **_SURVEYS, **_USAGE, **_SUPPORT, **_HEALTH}.items()}
"""Every additive metric's steps, by its public name."""
