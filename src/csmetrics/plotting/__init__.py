"""Charts of results (matplotlib, imported only when a chart is drawn).

One module per domain's charts (``revenue``, ``value``, ``surveys``, ``health``) on a small
shared module (``axes``). Results call these from their ``.plot()`` methods; every function
draws on ``ax`` (or on a new figure's axes) and returns the matplotlib ``Axes``.
"""

from csmetrics.plotting.health import plot_health_bands
from csmetrics.plotting.revenue import plot_mrr_bridge, plot_mrr_movements, plot_retention_trend
from csmetrics.plotting.surveys import plot_nps
from csmetrics.plotting.value import plot_cohort_table, plot_sbg_projection, plot_survival_curve

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
