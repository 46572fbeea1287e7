"""csmetrics: customer-success metrics for subscription businesses, exact and fast.

Typed records and validated columnar tables go in; MRR, its movements and (as the library
grows) churn, retention, NRR/GRR, CLV, NPS, CSAT, CES, utilization and health scores come
out, each with its definition stated in its docstring and in ``docs/``.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the names as type checkers and editors see them; at run time: _LAZY
    from csmetrics import datasets
    from csmetrics.exceptions import (
        AccountNotFoundError,
        ColumnNotFoundError,
        CSMetricsError,
        CurrencyMismatchError,
        DataValidationError,
        EngineError,
        InvalidParameterError,
        MissingDependencyError,
        MissingRateError,
        SignatureError,
        SimilarIdsWarning,
        UndefinedMetricWarning,
    )
    from csmetrics.feedback import (
        CommentSentiment,
        CommentThemes,
        DetractorFollowups,
        DistinctiveTerms,
        KeyDrivers,
        comment_sentiment,
        comment_themes,
        detractor_followups,
        distinctive_terms,
        key_drivers,
    )
    from csmetrics.forecast import (
        ForecastBacktest,
        Goal,
        GoalProgress,
        MRRForecast,
        forecast_backtest,
        mrr_forecast,
    )
    from csmetrics.fx import FxRates
    from csmetrics.health import (
        AtRiskAccounts,
        Band,
        ChurnDrivers,
        ChurnOutcomes,
        FittedScorecard,
        HealthBacktest,
        HealthRollup,
        HealthScorecard,
        HealthScores,
        HealthTrend,
        Linear,
        Measure,
        MissingPolicy,
        NamedBands,
        ScoreExplanation,
        Steps,
        account_signals,
        at_risk,
        churn_drivers,
        churn_outcomes,
        fit_scorecard,
        health_backtest,
        health_rollup,
        health_trend,
        standard_scorecard,
    )
    from csmetrics.io import (
        read_subscriptions_csv,
        read_subscriptions_parquet,
        read_surveys_csv,
        read_surveys_parquet,
        read_tickets_csv,
        read_tickets_parquet,
        read_usage_csv,
        read_usage_parquet,
    )
    from csmetrics.periods import Frequency, Period, period_range
    from csmetrics.policies import MetricPolicy
    from csmetrics.report import Portfolio, PortfolioReport
    from csmetrics.results import MetricResult, SkippedRows, TableResult
    from csmetrics.revenue import (
        ChurnBreakdown,
        MovementDetails,
        MRRMovements,
        MRRSeries,
        ProductMovements,
        RenewalCalendar,
        RetentionSeries,
        TrialConversion,
        arpa,
        average_selling_price,
        churn_breakdown,
        customer_count,
        customer_retention_rate,
        gross_revenue_retention,
        logo_churn_rate,
        mrr_movements,
        mrr_series,
        net_revenue_retention,
        nrr_series,
        product_movements,
        quick_ratio,
        revenue_churn_rate,
        trial_conversion_rate,
    )
    from csmetrics.revenue.arr import arr  # (a submodule of the same name)
    from csmetrics.revenue.mrr import mrr  # (a submodule of the same name)
    from csmetrics.revenue.renewals import renewals  # (a submodule of the same name)
    from csmetrics.support import (
        FirstContactResolution,
        SlaAttainment,
        TicketTimes,
        backlog_age,
        first_contact_resolution_rate,
        first_response_time,
        open_tickets,
        reopen_rate,
        resolution_time,
        sla_attainment,
        tickets_per_account,
    )
    from csmetrics.surveys import (
        Comparison,
        CustomerEffortScore,
        CustomerSatisfactionScore,
        NetPromoterScore,
        SurveyEstimate,
        SurveyTrend,
        compare_means,
        compare_nps,
        compare_proportions,
        compare_to_benchmark,
        customer_effort_score,
        customer_satisfaction_score,
        net_promoter_score,
        nps_sample_size,
        survey_trend,
    )
    from csmetrics.tables import (
        Payment,
        PaymentTable,
        Subscription,
        SubscriptionTable,
        SupportTicket,
        SupportTicketTable,
        SurveyResponse,
        SurveyScale,
        SurveyTable,
        UsageEvent,
        UsageTable,
    )
    from csmetrics.usage import (
        AccountResult,
        AdoptionRate,
        AdoptionRule,
        Milestone,
        TimeToValue,
        active_users,
        active_users_series,
        active_users_trend,
        adoption_breadth,
        adoption_rate,
        engagement,
        feature_adoption,
        license_utilization,
        seats_at,
    )
    from csmetrics.usage.stickiness import stickiness  # (a submodule of the same name)
    from csmetrics.usage.time_to_value import time_to_value  # (a submodule of the same name)
    from csmetrics.value import (
        CohortTable,
        LifetimeValue,
        LogRankTest,
        ShiftedBetaGeometric,
        SurvivalCurve,
        average_order_value,
        cac_payback_months,
        cohort_table,
        customer_lifetime_value,
        customer_lifetimes,
        kaplan_meier,
        lifetime_value,
        logrank_test,
        ltv_to_cac,
        purchase_frequency,
        survival_curve,
        transactional_lifetime_value,
    )
    from csmetrics.value.logrank import logrank  # (a submodule of the same name)

__version__ = "0.2.0.dev0"

__all__ = [
    "AccountNotFoundError",
    "AccountResult",
    "AdoptionRate",
    "AdoptionRule",
    "AtRiskAccounts",
    "Band",
    "CSMetricsError",
    "ChurnBreakdown",
    "ChurnDrivers",
    "ChurnOutcomes",
    "CohortTable",
    "ColumnNotFoundError",
    "CommentSentiment",
    "CommentThemes",
    "Comparison",
    "CurrencyMismatchError",
    "CustomerEffortScore",
    "CustomerSatisfactionScore",
    "DataValidationError",
    "DetractorFollowups",
    "DistinctiveTerms",
    "EngineError",
    "FirstContactResolution",
    "FittedScorecard",
    "ForecastBacktest",
    "Frequency",
    "FxRates",
    "Goal",
    "GoalProgress",
    "HealthBacktest",
    "HealthRollup",
    "HealthScorecard",
    "HealthScores",
    "HealthTrend",
    "InvalidParameterError",
    "KeyDrivers",
    "LifetimeValue",
    "Linear",
    "LogRankTest",
    "MRRForecast",
    "MRRMovements",
    "MRRSeries",
    "Measure",
    "MetricPolicy",
    "MetricResult",
    "Milestone",
    "MissingDependencyError",
    "MissingPolicy",
    "MissingRateError",
    "MovementDetails",
    "NamedBands",
    "NetPromoterScore",
    "Payment",
    "PaymentTable",
    "Period",
    "Portfolio",
    "PortfolioReport",
    "ProductMovements",
    "RenewalCalendar",
    "RetentionSeries",
    "ScoreExplanation",
    "ShiftedBetaGeometric",
    "SignatureError",
    "SimilarIdsWarning",
    "SkippedRows",
    "SlaAttainment",
    "Steps",
    "Subscription",
    "SubscriptionTable",
    "SupportTicket",
    "SupportTicketTable",
    "SurveyEstimate",
    "SurveyResponse",
    "SurveyScale",
    "SurveyTable",
    "SurveyTrend",
    "SurvivalCurve",
    "TableResult",
    "TicketTimes",
    "TimeToValue",
    "TrialConversion",
    "UndefinedMetricWarning",
    "UsageEvent",
    "UsageTable",
    "__version__",
    "account_signals",
    "active_users",
    "active_users_series",
    "active_users_trend",
    "adoption_breadth",
    "adoption_rate",
    "arpa",
    "arr",
    "at_risk",
    "average_order_value",
    "average_selling_price",
    "backlog_age",
    "cac_payback_months",
    "churn_breakdown",
    "churn_drivers",
    "churn_outcomes",
    "cohort_table",
    "comment_sentiment",
    "comment_themes",
    "compare_means",
    "compare_nps",
    "compare_proportions",
    "compare_to_benchmark",
    "customer_count",
    "customer_effort_score",
    "customer_lifetime_value",
    "customer_lifetimes",
    "customer_retention_rate",
    "customer_satisfaction_score",
    "datasets",
    "detractor_followups",
    "distinctive_terms",
    "engagement",
    "feature_adoption",
    "first_contact_resolution_rate",
    "first_response_time",
    "fit_scorecard",
    "forecast_backtest",
    "gross_revenue_retention",
    "health_backtest",
    "health_rollup",
    "health_trend",
    "kaplan_meier",
    "key_drivers",
    "license_utilization",
    "lifetime_value",
    "logo_churn_rate",
    "logrank",
    "logrank_test",
    "ltv_to_cac",
    "mrr",
    "mrr_forecast",
    "mrr_movements",
    "mrr_series",
    "net_promoter_score",
    "net_revenue_retention",
    "nps_sample_size",
    "nrr_series",
    "open_tickets",
    "period_range",
    "product_movements",
    "purchase_frequency",
    "quick_ratio",
    "read_subscriptions_csv",
    "read_subscriptions_parquet",
    "read_surveys_csv",
    "read_surveys_parquet",
    "read_tickets_csv",
    "read_tickets_parquet",
    "read_usage_csv",
    "read_usage_parquet",
    "renewals",
    "reopen_rate",
    "resolution_time",
    "revenue_churn_rate",
    "seats_at",
    "sla_attainment",
    "standard_scorecard",
    "stickiness",
    "survey_trend",
    "survival_curve",
    "tickets_per_account",
    "time_to_value",
    "transactional_lifetime_value",
    "trial_conversion_rate",
]


_WHERE: dict[str, str] = {
    "csmetrics.datasets": "datasets",
    "csmetrics.exceptions": (
        "AccountNotFoundError ColumnNotFoundError CSMetricsError CurrencyMismatchError "
        "DataValidationError EngineError InvalidParameterError MissingDependencyError "
        "MissingRateError SignatureError SimilarIdsWarning UndefinedMetricWarning"),
    "csmetrics.feedback": (
        "comment_sentiment comment_themes CommentSentiment CommentThemes "
        "detractor_followups DetractorFollowups distinctive_terms DistinctiveTerms "
        "key_drivers KeyDrivers"),
    "csmetrics.forecast": (
        "forecast_backtest ForecastBacktest Goal GoalProgress mrr_forecast MRRForecast"),
    "csmetrics.fx": "FxRates",
    "csmetrics.health": (
        "account_signals at_risk AtRiskAccounts Band churn_drivers churn_outcomes "
        "ChurnDrivers ChurnOutcomes fit_scorecard FittedScorecard health_backtest "
        "health_rollup health_trend HealthBacktest HealthRollup HealthScorecard "
        "HealthScores HealthTrend Linear Measure MissingPolicy NamedBands "
        "ScoreExplanation standard_scorecard Steps"),
    "csmetrics.io": (
        "read_subscriptions_csv read_subscriptions_parquet read_surveys_csv "
        "read_surveys_parquet read_tickets_csv read_tickets_parquet read_usage_csv "
        "read_usage_parquet"),
    "csmetrics.periods": "Frequency Period period_range",
    "csmetrics.policies": "MetricPolicy",
    "csmetrics.report": "Portfolio PortfolioReport",
    "csmetrics.results": "MetricResult SkippedRows TableResult",
    "csmetrics.revenue": (
        "arpa average_selling_price churn_breakdown ChurnBreakdown customer_count "
        "customer_retention_rate gross_revenue_retention logo_churn_rate MovementDetails "
        "mrr_movements mrr_series MRRMovements MRRSeries net_revenue_retention nrr_series "
        "product_movements ProductMovements quick_ratio RenewalCalendar RetentionSeries "
        "revenue_churn_rate trial_conversion_rate TrialConversion"),
    "csmetrics.revenue.arr": "arr",
    "csmetrics.revenue.mrr": "mrr",
    "csmetrics.revenue.renewals": "renewals",
    "csmetrics.support": (
        "backlog_age first_contact_resolution_rate first_response_time "
        "FirstContactResolution open_tickets reopen_rate resolution_time sla_attainment "
        "SlaAttainment tickets_per_account TicketTimes"),
    "csmetrics.surveys": (
        "compare_means compare_nps compare_proportions compare_to_benchmark Comparison "
        "customer_effort_score customer_satisfaction_score CustomerEffortScore "
        "CustomerSatisfactionScore net_promoter_score NetPromoterScore nps_sample_size "
        "survey_trend SurveyEstimate SurveyTrend"),
    "csmetrics.tables": (
        "Payment PaymentTable Subscription SubscriptionTable SupportTicket "
        "SupportTicketTable SurveyResponse SurveyScale SurveyTable UsageEvent UsageTable"),
    "csmetrics.usage": (
        "AccountResult active_users active_users_series active_users_trend "
        "adoption_breadth adoption_rate AdoptionRate AdoptionRule engagement "
        "feature_adoption license_utilization Milestone seats_at TimeToValue"),
    "csmetrics.usage.stickiness": "stickiness",
    "csmetrics.usage.time_to_value": "time_to_value",
    "csmetrics.value": (
        "average_order_value cac_payback_months cohort_table CohortTable "
        "customer_lifetime_value customer_lifetimes kaplan_meier lifetime_value "
        "LifetimeValue logrank_test LogRankTest ltv_to_cac purchase_frequency "
        "ShiftedBetaGeometric survival_curve SurvivalCurve transactional_lifetime_value"),
    "csmetrics.value.logrank": "logrank",
}

_LAZY: dict[str, str] = {name: module for module, names in _WHERE.items()
                        for name in names.split()}
"""Where each public name lives. ``import csmetrics`` loads none of the subpackages: a name
is imported on first use (PEP 562), so a script that only reads a CSV file pays for the
tables and the reader, not for health scores, forecasts and the report. A test checks that
this mapping and the imports above name the same objects."""


def __getattr__(name: str) -> object:
    """Import a public name on first use, and ``csmetrics.spark``, ``csmetrics.dask``
    (the engine adapters) and ``csmetrics.plot`` (the charts) likewise:
    ``cm.spark.mrr(df, ...)`` and ``cm.plot.mrr_bridge(movements)`` work after
    ``import csmetrics as cm`` alone."""
    import importlib

    if name in ("spark", "dask", "plot"):
        return importlib.import_module(f"csmetrics.{name}")
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module 'csmetrics' has no attribute {name!r}")
    module = importlib.import_module(where)
    value = module if where == f"csmetrics.{name}" else getattr(module, name)
    globals()[name] = value  # (later lookups do not come here)
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
