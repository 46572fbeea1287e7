"""Charts of results (matplotlib, imported only when a chart is drawn).

One module per domain's charts (``revenue``, ``value``, ``surveys``, ``support``,
``health``, ``backtest``, ``drivers_health``, ``forecast``, ...) on a small shared module
(``axes``: money, percentage and NPS axes, period ticks that never overlap, legends outside
the data). Results call these from their ``.plot()`` methods; every function draws on ``ax``
(or on a new figure's axes) and returns the matplotlib ``Axes``. ``csmetrics.plot`` has the
same charts under short names.
"""

from csmetrics.plotting.backtest import plot_backtest
from csmetrics.plotting.breakdown import plot_churn_breakdown
from csmetrics.plotting.drivers import plot_key_drivers
from csmetrics.plotting.drivers_health import plot_churn_drivers
from csmetrics.plotting.forecast import plot_mrr_forecast
from csmetrics.plotting.health import plot_at_risk, plot_health_bands, plot_health_transitions
from csmetrics.plotting.renewals import plot_renewals
from csmetrics.plotting.revenue import (
    plot_mrr_bridge,
    plot_mrr_movements,
    plot_mrr_series,
    plot_retention_trend,
)
from csmetrics.plotting.support import plot_sla_attainment, plot_ticket_times
from csmetrics.plotting.surveys import plot_nps, plot_survey_estimate, plot_survey_trend
from csmetrics.plotting.value import plot_cohort_table, plot_sbg_projection, plot_survival_curve

__all__ = [
    "plot_at_risk",
    "plot_backtest",
    "plot_churn_breakdown",
    "plot_churn_drivers",
    "plot_cohort_table",
    "plot_health_bands",
    "plot_health_transitions",
    "plot_key_drivers",
    "plot_mrr_bridge",
    "plot_mrr_forecast",
    "plot_mrr_movements",
    "plot_mrr_series",
    "plot_nps",
    "plot_renewals",
    "plot_retention_trend",
    "plot_sbg_projection",
    "plot_sla_attainment",
    "plot_survey_estimate",
    "plot_survey_trend",
    "plot_survival_curve",
    "plot_ticket_times",
]
