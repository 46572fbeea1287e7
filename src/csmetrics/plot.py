"""Every chart of csmetrics under a short name: ``cm.plot.mrr_bridge(movements)``.

The same functions as ``csmetrics.plotting`` (and as the results' own ``.plot()``), named
after what they draw. Each takes the result first and ``ax=`` (a matplotlib Axes; a new
figure's by default) and returns the Axes. matplotlib is imported when a chart is drawn,
not when this module is: ``import csmetrics as cm`` then ``cm.plot`` loads this module on
first use.

========================  =====================================  ==========================
name                      draws                                  result
========================  =====================================  ==========================
``mrr_bridge``            waterfall from starting to ending MRR  ``mrr_movements``
``movements``             movements per period, net line         ``mrr_movements``
``churn_reasons``         churned MRR stacked by reason or type  ``churn_breakdown``
``mrr_series``            MRR per period, a line per segment     ``mrr_series``
``retention``             NRR and GRR per period                 ``nrr_series``
``renewals``              ARR up for renewal by outcome          ``renewals``
``cohorts``               cohort heat map                        ``cohort_table``
``survival``              Kaplan-Meier steps with their band     ``survival_curve``
``sbg``                   sBG projection against observed        ``ShiftedBetaGeometric``
``nps``                   shares of the NPS bands                ``net_promoter_score``
``survey_estimate``       CSAT or CES with its interval          ``customer_*_score``
``csat``, ``ces``         the same, by the metric's name         ``customer_*_score``
``survey_trend``          a survey metric per period, its band   ``survey_trend``
``health_bands``          accounts and MRR in each band          ``health_rollup``
``at_risk``               MRR of the top accounts at risk        ``at_risk``
``health_transitions``    band-to-band movements                 ``health_trend``
``backtest``              survival by band and the ROC of churn  ``health_backtest``
``sla_attainment``        SLA attainment with its interval       ``sla_attainment``
``ticket_times``          median and percentiles in hours        ``*_time``
``churn_drivers``         odds ratios with their intervals       ``churn_drivers``
``mrr_forecast``          MRR history, forecast and its fan      ``mrr_forecast``
``key_drivers``           importance-performance quadrants       ``key_drivers``
========================  =====================================  ==========================

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import csmetrics as cm
>>> movements = cm.mrr_movements(cm.datasets.demo_portfolio(), "2024-01", "2024-12")
>>> cm.plot.mrr_bridge(movements).get_ylabel()
'MRR (USD)'
"""

from csmetrics import plotting as _plotting

at_risk = _plotting.plot_at_risk
churn_reasons = _plotting.plot_churn_breakdown
backtest = _plotting.plot_backtest
churn_drivers = _plotting.plot_churn_drivers
cohorts = _plotting.plot_cohort_table
health_bands = _plotting.plot_health_bands
health_transitions = _plotting.plot_health_transitions
key_drivers = _plotting.plot_key_drivers
movements = _plotting.plot_mrr_movements
mrr_bridge = _plotting.plot_mrr_bridge
mrr_forecast = _plotting.plot_mrr_forecast
mrr_series = _plotting.plot_mrr_series
nps = _plotting.plot_nps
renewals = _plotting.plot_renewals
retention = _plotting.plot_retention_trend
sbg = _plotting.plot_sbg_projection
survey_estimate = _plotting.plot_survey_estimate
survey_trend = _plotting.plot_survey_trend
survival = _plotting.plot_survival_curve
sla_attainment = _plotting.plot_sla_attainment
ticket_times = _plotting.plot_ticket_times

csat = survey_estimate
ces = survey_estimate

__all__ = [
    "at_risk",
    "backtest",
    "ces",
    "churn_drivers",
    "churn_reasons",
    "cohorts",
    "csat",
    "health_bands",
    "health_transitions",
    "key_drivers",
    "movements",
    "mrr_bridge",
    "mrr_forecast",
    "mrr_series",
    "nps",
    "renewals",
    "retention",
    "sbg",
    "sla_attainment",
    "survey_estimate",
    "survey_trend",
    "survival",
    "ticket_times",
]
