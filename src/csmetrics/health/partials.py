"""The health metrics as mergeable partials (see ``csmetrics._core.partials``).

``health_rollup`` reads one row per scored account. ``prepare`` fixes the segment labels,
each account code's segment, the bands and their points; a part's partials are int64
counts per segment (``accounts``, ``scored``, and ``bands``: accounts per segment and band,
the last column unscored) and float64 sums per account code (``score``, and with MRR
``mrr``, ``scored_mrr``, ``weighted`` and ``band_mrr``). Every account is in one part, so
the float sums fill disjoint entries: they add up exactly, and ``finalize`` sums them per
segment in one order whatever the partition, so the roll-up is bit for bit the same.
"""

from __future__ import annotations

from csmetrics._core.partials import MetricParts
from csmetrics.health.rollup import _rollup_finalize, _rollup_partial, _rollup_prepare

PARTS: dict[str, MetricParts] = {
    "health_rollup": MetricParts(_rollup_prepare, _rollup_partial, _rollup_finalize),
}
"""Each additive health metric's prepare, partial and finalize steps, by public name."""
