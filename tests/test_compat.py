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


def test_names_that_moved_out_of_support_warn_once_at_the_users_line() -> None:
    import csmetrics.support as support

    for moved in ("trial_conversion_rate", "synthetic_tickets"):
        vars(support).pop(moved, None)
    with pytest.warns(DeprecationWarning, match="moved to csmetrics.revenue") as caught:
        assert support.trial_conversion_rate is cm.trial_conversion_rate
    with pytest.warns(DeprecationWarning, match="moved to csmetrics.datasets") as caught_from:
        from csmetrics.support import synthetic_tickets
    from csmetrics.datasets import synthetic_tickets as new

    assert synthetic_tickets is new
    for record in (caught, caught_from):
        assert [w.filename for w in record] == [__file__]  # one warning, naming this line
    with pytest.raises(AttributeError):
        support.no_such_name  # noqa: B018


def test_an_old_module_warns_at_the_importing_line() -> None:
    # The import machinery's frames sit between the user and the warning; warnings.warn
    # skips them itself, so the stack level must not count them.
    sys.modules.pop("csmetrics.churn", None)
    with pytest.warns(DeprecationWarning, match="csmetrics.churn is deprecated") as caught:
        import csmetrics.churn  # noqa: F401
    assert [w.filename for w in caught] == [__file__]
