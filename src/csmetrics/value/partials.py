"""The value metrics as mergeable partials (see ``csmetrics._core.partials``)."""

from __future__ import annotations

from csmetrics._core.partials import MetricParts

PARTS: dict[str, MetricParts] = {}
"""Each additive value metric's prepare, partial and finalize steps, by public name."""
