"""The surveys metrics as mergeable partials (see ``csmetrics._core.partials``).

NPS, CSAT and CES, and ``survey_trend`` of any of them, share one design. ``prepare``
validates the call's answers (the rows a partition splits, by ``customer_codes``; answers
given as an array have no customer, code -1, and may go to any part) and fixes the plan:
the scale, the segment labels (per period and segment for the trend), the weighting, each
account's revenue for ``account_weighting="revenue"``, and the metric's options. The
partials of a part are its answers counted per group and scale point (``counts``, int64) and
the answers per group (``rows``); with weights, ``counts`` are float64 sums of weights and
``sum_w2`` their squares; with account weighting, the sums of each account's unit and of its
square (every answer of an account is in one part); on a continuous scale, the sums of the
answers (and of their squares) around the scale's centre; for a weighted bootstrap, answers
per (group, category, distinct weight). Counts combine bit for bit; float sums of weights
combine to within rounding.
"""

from __future__ import annotations

from csmetrics._core.partials import MetricParts
from csmetrics.surveys.score_steps import SCORE_PARTS
from csmetrics.surveys.trend import _trend_finalize, _trend_partial, _trend_prepare

PARTS: dict[str, MetricParts] = {
    **SCORE_PARTS,
    "survey_trend": MetricParts(_trend_prepare, _trend_partial, _trend_finalize),
}
"""Each additive surveys metric's prepare, partial and finalize steps, by public name."""
