"""The chart functions under their 0.1 module path, for imports written against it.

The charts live in one module per domain (``plotting.revenue``, ``plotting.value``,
``plotting.surveys``, ``plotting.health``); import them from ``csmetrics.plotting``.
"""

from csmetrics.plotting import (
    plot_cohort_table,
    plot_health_bands,
    plot_mrr_bridge,
    plot_mrr_movements,
    plot_nps,
    plot_retention_trend,
    plot_sbg_projection,
    plot_survival_curve,
)

__all__ = [
    "plot_cohort_table",
    "plot_health_bands",
    "plot_mrr_bridge",
    "plot_mrr_movements",
    "plot_nps",
    "plot_retention_trend",
    "plot_sbg_projection",
    "plot_survival_curve",
]
