"""Old module paths and names keep working for one release, each with a DeprecationWarning."""

from __future__ import annotations

import importlib
import sys

import pytest

import csmetrics as cm

OLD_MODULES = {
    "csmetrics.records": ["Subscription", "INTERVALS"],
    "csmetrics.churn": ["logo_churn_rate", "customer_count"],
    "csmetrics.retention": ["net_revenue_retention", "nrr_series"],
    "csmetrics.cohorts": ["cohort_table", "kaplan_meier", "SurvivalCurve"],
    "csmetrics.payments": ["Payment", "PaymentTable", "purchase_frequency"],
    "csmetrics.sbg": ["ShiftedBetaGeometric"],
    "csmetrics.survey_data": ["SurveyTable", "synthetic_surveys"],
    "csmetrics.usage_data": ["UsageTable", "synthetic_usage", "to_timestamps"],
    "csmetrics.signals": ["account_signals", "standard_scorecard"],
    "csmetrics.portfolio": ["Portfolio", "PortfolioReport"],
}


@pytest.mark.parametrize("module", sorted(OLD_MODULES))
def test_old_module_paths_warn_and_still_work(module: str) -> None:
    sys.modules.pop(module, None)
    with pytest.warns(DeprecationWarning, match=rf"{module} is deprecated"):
        old = importlib.import_module(module)
    for name in OLD_MODULES[module]:
        assert hasattr(old, name), name
        new = getattr(cm, name, None) or getattr(importlib.import_module("csmetrics.datasets"),
                                                 name, None)
        assert getattr(old, name) is new or name in ("INTERVALS", "to_timestamps")


@pytest.mark.parametrize("package", ["tables", "revenue", "value", "surveys", "usage", "support",
                                     "health", "report", "io", "plotting", "datasets",
                                     "periods"])
def test_subpackages_keep_the_old_module_paths(package: str) -> None:
    # csmetrics.tables, .surveys, .usage ... were modules; they are packages with the same
    # public names.
    module = importlib.import_module(f"csmetrics.{package}")
    assert module.__all__
    for name in module.__all__:
        assert hasattr(module, name), f"csmetrics.{package}.{name}"


def test_names_that_moved_out_of_support_warn() -> None:
    import csmetrics.support as support

    with pytest.warns(DeprecationWarning, match="moved to csmetrics.revenue"):
        assert support.trial_conversion_rate is cm.trial_conversion_rate
    with pytest.warns(DeprecationWarning, match="moved to csmetrics.datasets"):
        from csmetrics.support import synthetic_tickets
    from csmetrics.datasets import synthetic_tickets as new

    assert synthetic_tickets is new
    with pytest.raises(AttributeError):
        support.no_such_name  # noqa: B018
