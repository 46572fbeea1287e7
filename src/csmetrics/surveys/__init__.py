"""Survey metrics: NPS, CSAT and CES with confidence intervals, comparisons, weights and trends.

The parts are layered without cycles: results, input handling (inputs), counting and
intervals (stats), the scores, then the two-sample tests (compare), the benchmark test
(benchmark), survey planning (sample_size) and trends (trend).
"""

from csmetrics.surveys.benchmark import compare_to_benchmark
from csmetrics.surveys.compare import compare_means, compare_nps, compare_proportions
from csmetrics.surveys.results import (
    Comparison,
    CustomerEffortScore,
    CustomerSatisfactionScore,
    NetPromoterScore,
    SurveyEstimate,
    SurveyTrend,
)
from csmetrics.surveys.sample_size import nps_sample_size
from csmetrics.surveys.scores import (
    customer_effort_score,
    customer_satisfaction_score,
    net_promoter_score,
)
from csmetrics.surveys.trend import survey_trend

__all__ = [
    "Comparison",
    "CustomerEffortScore",
    "CustomerSatisfactionScore",
    "NetPromoterScore",
    "SurveyEstimate",
    "SurveyTrend",
    "compare_means",
    "compare_nps",
    "compare_proportions",
    "compare_to_benchmark",
    "customer_effort_score",
    "customer_satisfaction_score",
    "net_promoter_score",
    "nps_sample_size",
    "survey_trend",
]
