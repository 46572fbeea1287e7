"""Charts of results (matplotlib, imported only when a chart is drawn)."""

from csmetrics.plotting.charts import (
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
