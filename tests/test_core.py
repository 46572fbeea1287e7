"""The shared pieces of csmetrics._core: option checks, deprecation paths, warnings, windows."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import csmetrics as cm
from csmetrics._core.options import (
    CONFIDENCE,
    InstanceOf,
    Interval,
    OneOf,
    check_option,
    validate_params,
)
from csmetrics._core.ratios import divide
from csmetrics.periods.windows import Window, window_days, window_months


@validate_params({"confidence": CONFIDENCE, "method": OneOf("cohort", "bridge")},
                 renamed={"groups": "by"}, legacy=lambda data, feature, *, at, by=None: None)
def metric(data: object, at: object, *, feature: str = "all", confidence: float = 0.95,
           method: str = "cohort", by: object = None) -> tuple[object, ...]:
    return data, at, feature, confidence, method, by


class TestValidateParams:
    def test_declared_options_get_one_message_shape(self) -> None:
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^metric: confidence must be a number between 0 and 1 "
                                 r"\(exclusive\), got 95\.$"):
            metric(1, "2024-01", confidence=95)
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^metric: method must be one of 'cohort', 'bridge', "
                                 r"got 'Cohort'\.$"):
            metric(1, "2024-01", method="Cohort")

    def test_a_renamed_option_warns_and_still_works(self) -> None:
        with pytest.warns(DeprecationWarning, match="groups= is deprecated.*use by="):
            assert metric(1, "2024-01", groups="plan")[-1] == "plan"
        with pytest.raises(cm.SignatureError, match="give by= only"):
            metric(1, "2024-01", groups="plan", by="plan")

    def test_the_old_argument_order_warns_and_still_works(self) -> None:
        with pytest.warns(DeprecationWarning, match="argument order is deprecated"):
            got = metric(1, "reports", at="2024-03")
        assert got[:3] == (1, "2024-03", "reports")

    def test_a_call_that_fits_no_signature_is_a_signature_error(self) -> None:
        with pytest.raises(cm.SignatureError, match=r"metric: .*call metric\(data, at, \*"):
            metric(1, 2, 3, 4)
        assert issubclass(cm.SignatureError, TypeError)
        assert issubclass(cm.SignatureError, cm.CSMetricsError)

    def test_defaults_are_not_checked_and_the_signature_is_kept(self) -> None:
        import inspect

        assert list(inspect.signature(metric).parameters)[:2] == ["data", "at"]
        assert metric(1, "2024-01")[3] == 0.95


class TestConstraints:
    def test_interval_refuses_bools_nan_and_infinite_whole_numbers(self) -> None:
        whole = Interval(0, integer=True)
        assert whole.accepts(3)
        assert whole.accepts(np.int64(3))
        assert not whole.accepts(True)
        assert not whole.accepts(2.5)
        assert not whole.accepts(math.inf)
        assert not whole.accepts(float("nan"))
        assert Interval(0, closed="neither", optional=True).accepts(None)
        assert Interval(0, closed="neither").description == "a number > 0"

    def test_one_of_does_not_confuse_true_with_one(self) -> None:
        assert not OneOf(1, 2).accepts(True)
        assert OneOf("raise", "skip").accepts(np.str_("skip"))

    def test_instance_of(self) -> None:
        fx = InstanceOf((cm.FxRates,), optional=True, what="FxRates")
        assert fx.accepts(None)
        assert not fx.accepts("EUR")
        with pytest.raises(cm.InvalidParameterError, match="fx must be FxRates or None"):
            check_option("mrr", "fx", "EUR", fx)

    def test_flags_take_bools_only(self) -> None:
        # An array or a string is truthy; as a yes/no option it is a mistake, said so.
        subs = cm.SubscriptionTable.from_columns(
            {"customer_id": ["a"], "start": ["2024-01-01"], "amount": [10]})
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^revenue_churn_rate: net must be True or False"):
            cm.revenue_churn_rate(subs, "2024-01", "2024-02", net=np.array([1, 0]))
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^quick_ratio: include_reactivation must be True, False"):
            cm.quick_ratio(subs, "2024-01", "2024-02", include_reactivation="no")
        with pytest.warns(cm.UndefinedMetricWarning, match="lost MRR"):
            r = cm.quick_ratio(subs, "2024-01", "2024-02", include_reactivation=np.bool_(False))
        assert np.isnan(float(r))


class TestWindows:
    def test_a_window_is_written_with_its_unit(self) -> None:
        assert Window.parse("30D", "x").days == 30
        assert Window.parse(" 4w ", "x").days == 28
        assert Window.parse("2Q", "x").months == 6
        assert window_months("1Y", "x", per=3) == 12
        with pytest.raises(cm.InvalidParameterError, match="whole number of 3-month"):
            window_months("4M", "x", per=3)
        with pytest.raises(cm.InvalidParameterError, match="in days or weeks here"):
            window_days("6M", "x")
        for bad in ("30", "D", "0M", "1.5M", None, 2.5):
            with pytest.raises(cm.InvalidParameterError, match="with its unit"):
                Window.parse(bad, "x")

    def test_a_bare_number_is_deprecated_in_its_old_unit(self) -> None:
        with pytest.warns(DeprecationWarning, match="window='6M'"):
            assert window_months(6, "x") == 6
        with pytest.raises(cm.InvalidParameterError):
            Window.parse(6, "x")   # no old unit: a bare number is refused


class TestDivide:
    def test_undefined_is_nan_with_one_warning_at_the_callers_line(self) -> None:
        with pytest.warns(cm.UndefinedMetricWarning, match="2 of 3 result.*zero or unknown") \
                as caught:
            out = divide([1.0, 1.0, 1.0], [2.0, 0.0, np.nan], context="demo", what="x")
        assert out[0] == 0.5
        assert np.isnan(out[1:]).all()
        assert len(caught) == 1
        assert caught[0].filename == __file__

    def test_no_warning_when_everything_is_defined(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert divide([3], [4], context="demo", what="x").tolist() == [0.75]


class TestSegmentMappings:
    @staticmethod
    def subs() -> cm.SubscriptionTable:
        return cm.SubscriptionTable.from_columns(
            {"customer_id": ["a", "b", "c"], "start": ["2024-01-01"] * 3,
             "amount": [10, 20, 30]})

    def test_a_series_repeating_an_id_is_refused_not_collapsed(self) -> None:
        pd = pytest.importorskip("pandas")
        by = pd.Series(["east", "west"], index=["a", "a"])
        with pytest.raises(cm.InvalidParameterError, match="repeats some keys"):
            cm.mrr(self.subs(), "2024-01", by=by)

    def test_a_series_indexed_by_id_is_a_mapping(self) -> None:
        pd = pytest.importorskip("pandas")
        r = cm.mrr(self.subs(), "2024-01", by=pd.Series(["east"], index=["b"], name="region"))
        assert r["region"].tolist() == ["east", "(none)"]
        assert r["mrr"].tolist() == [20.0, 40.0]


def test_factorize_of_few_text_values_finds_one_the_sample_missed() -> None:
    from csmetrics._core.convert import factorize

    # 20,001 values sampled every 4th: the one "week", at an odd position, is not in the
    # sample of a handful of values; the fallback must still give it its own code.
    values = np.array(["month"] * 10_001 + ["year"] * 10_000, dtype="U7")
    values[5_001] = "week"
    cats, codes = factorize(values)
    assert cats.tolist() == ["month", "week", "year"]
    assert (codes[5_001], codes[0], codes[-1]) == (1, 0, 2)
    assert np.array_equal(cats[codes], values)
