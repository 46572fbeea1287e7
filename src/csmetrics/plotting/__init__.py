"""Charts of results (matplotlib, imported only when a chart is drawn).

One module per domain's charts (``revenue``, ``value``, ``surveys``, ``health``) on a small
shared module (``axes``: money, percentage and NPS axes, period ticks that never overlap,
legends outside the data). Results call these from their ``.plot()`` methods; every
function draws on ``ax`` (or on a new figure's axes) and returns the matplotlib ``Axes``.
``csmetrics.plot`` has the same charts under short names.
"""

from csmetrics.plotting.drivers import plot_key_drivers
from csmetrics.plotting.health import plot_at_risk, plot_health_bands, plot_health_transitions
from csmetrics.plotting.revenue import (
    plot_mrr_bridge,
    plot_mrr_movements,
    plot_mrr_series,
    plot_retention_trend,
)
from csmetrics.plotting.surveys import plot_nps, plot_survey_estimate, plot_survey_trend
from csmetrics.plotting.value import plot_cohort_table, plot_sbg_projection, plot_survival_curve

__all__ = [
    "plot_at_risk",
    "plot_cohort_table",
    "plot_health_bands",
    "plot_health_transitions",
    "plot_key_drivers",
    "plot_mrr_bridge",
    "plot_mrr_movements",
    "plot_mrr_series",
    "plot_nps",
    "plot_retention_trend",
    "plot_sbg_projection",
    "plot_survey_estimate",
    "plot_survey_trend",
    "plot_survival_curve",
]
