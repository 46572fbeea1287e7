"""Deprecated: ``csmetrics.survey_data`` moved to ``csmetrics.tables``; this alias goes in 0.3.

Import the same names from ``csmetrics`` or from ``csmetrics.tables``
(the synthetic data from ``csmetrics.datasets``).
"""

from csmetrics._core.warnings import warn_deprecated
from csmetrics.datasets.surveys import synthetic_survey_columns, synthetic_surveys
from csmetrics.tables.surveys import SCALES, SurveyResponse, SurveyScale, SurveyTable

__all__ = [
    "SCALES",
    "SurveyResponse",
    "SurveyScale",
    "SurveyTable",
    "synthetic_survey_columns",
    "synthetic_surveys",
]

warn_deprecated("csmetrics.survey_data is deprecated and will be removed in 0.3; import from "
                "csmetrics, csmetrics.tables or csmetrics.datasets.")
