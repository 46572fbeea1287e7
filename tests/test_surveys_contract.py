"""The API contract (docs/conventions.md) for the survey metrics, on one small hand-worked set.

Nine answers of three accounts (a, b, c) in two regions:

======  ==========  ======  =====  ==========  ======
id      respondent  survey  score  date        region
======  ==========  ======  =====  ==========  ======
a       1           nps     10     2024-01-05  EU
a       2           nps     6      2024-01-20  EU
b       3           nps     9      2024-02-02  US
c       (none)      nps     8      2024-02-10  US
c       4           csat    5      2024-01-15  US
b       3           csat    2      2024-02-03  US
a       1           csat    4      2024-02-11  EU
a       2           ces     6      2024-01-07  EU
b       3           ces     3      2024-02-09  US
======  ==========  ======  =====  ==========  ======

NPS: promoters 10 and 9, detractor 6, passive 8: (2 - 1) / 4 = 25. CSAT (4-5 of 1-5): 5 and 4
of 5, 2, 4 = 2/3. CES 2.0: mean of 6 and 3 = 4.5.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from typing import Any

import numpy as np
import pytest

from csmetrics.exceptions import (
    ColumnNotFoundError,
    DataValidationError,
    InvalidParameterError,
    UndefinedMetricWarning,
)
from csmetrics.surveys import (
    Comparison,
    CustomerEffortScore,
    CustomerSatisfactionScore,
    NetPromoterScore,
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
from csmetrics.tables.surveys import SurveyResponse, SurveyTable

ROWS = [
    ("a", 1, "nps", 10, "2024-01-05", "EU"),
    ("a", 2, "nps", 6, "2024-01-20", "EU"),
    ("b", 3, "nps", 9, "2024-02-02", "US"),
    ("c", None, "nps", 8, "2024-02-10", "US"),
    ("c", 4, "csat", 5, "2024-01-15", "US"),
    ("b", 3, "csat", 2, "2024-02-03", "US"),
    ("a", 1, "csat", 4, "2024-02-11", "EU"),
    ("a", 2, "ces", 6, "2024-01-07", "EU"),
    ("b", 3, "ces", 3, "2024-02-09", "US"),
]
FIELDS = ("customer_id", "respondent_id", "survey", "score", "submitted_at")
METRICS = (net_promoter_score, customer_satisfaction_score, customer_effort_score)
RESULT_TYPES = {net_promoter_score: NetPromoterScore,
                customer_satisfaction_score: CustomerSatisfactionScore,
                customer_effort_score: CustomerEffortScore}


def columns() -> dict[str, list[Any]]:
    return {name: [r[i] for r in ROWS] for i, name in enumerate((*FIELDS, "region"))}


def records() -> list[SurveyResponse]:
    return [SurveyResponse(**dict(zip(FIELDS, r[:5], strict=True))) for r in ROWS]


def dicts() -> list[dict[str, Any]]:
    return [dict(zip(FIELDS, r[:5], strict=True)) for r in ROWS]


def same(a: Any, b: Any) -> bool:
    """Two results with the same columns and values (NaN equal to NaN)."""
    assert a.column_names == b.column_names
    for name in a.column_names:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    return True


def frames() -> list[Any]:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    cols = columns()
    return [pd.DataFrame(cols), pl.DataFrame(cols), pa.table(cols)]


# --- every input form gives the same result --------------------------------------------------


class TestInputForms:
    def test_table_records_dicts_columns_and_frames_are_the_same(self) -> None:
        forms = [SurveyTable.from_columns(columns()), records(), dicts(), columns(), *frames()]
        for metric in METRICS:
            expected = metric(forms[0]).to_dict()
            for form in forms[1:]:
                assert metric(form).to_dict() == expected, (metric.__name__, type(form))
        assert float(net_promoter_score(forms[0])) == 25.0
        assert float(customer_satisfaction_score(forms[0])) == pytest.approx(2 / 3)
        assert float(customer_effort_score(forms[0])) == 4.5

    def test_a_list_of_numbers_stays_an_array_of_answers(self) -> None:
        assert float(net_promoter_score([10, 6, 9, 8])) == 25.0
        assert (net_promoter_score([10, 6, 9, 8]).to_dict()
                == net_promoter_score(columns()).to_dict())

    def test_trend_and_comparison_take_every_form_too(self) -> None:
        forms = [SurveyTable.from_columns(columns()), records(), columns(), *frames()]
        expected = survey_trend(forms[0])
        # January: 10, 6 -> 0; February: 9, 8 -> 50.
        assert expected["nps"].tolist() == [0.0, 50.0]
        for form in forms[1:]:
            assert same(survey_trend(form), expected)
        january = [r for r in records() if r.submitted_at.month == 1]
        february = [r for r in records() if r.submitted_at.month == 2]
        c = compare_nps(february, january)
        assert c.to_dict() == compare_nps(net_promoter_score(february),
                                          net_promoter_score(january)).to_dict()
        assert float(c) == 50.0


# --- by= ---------------------------------------------------------------------------------------


class TestBy:
    def test_the_id_column_is_the_per_account_view(self) -> None:
        r = net_promoter_score(records(), by="customer_id")
        assert r.segment_column == "customer_id"
        assert r.column_names[0] == "customer_id"
        assert r["customer_id"].tolist() == ["a", "b", "c"]
        assert r["nps"].tolist() == [0.0, 100.0, 0.0]      # a: 10, 6; b: 9; c: 8

    def test_respondent_column_with_missing_respondents_in_none(self) -> None:
        r = net_promoter_score(records(), by="respondent_id")
        assert r["respondent_id"].tolist() == [1, 2, 3, "(none)"]
        assert r["nps"].tolist() == [100.0, -100.0, 100.0, 0.0]

    def test_survey_column(self) -> None:
        r = customer_satisfaction_score(records(), by="survey")
        assert r["survey"].tolist() == ["csat"]
        assert r["csat"].tolist() == pytest.approx([2 / 3])

    def test_a_column_of_raw_input_is_kept_by_itself(self) -> None:
        # EU: a's 10 and 6 -> 0; US: 9 and 8 -> 50.
        for form in (columns(), *frames()):
            r = net_promoter_score(form, by="region")
            assert r["region"].tolist() == ["EU", "US"]
            assert r["nps"].tolist() == [0.0, 50.0]
        with pytest.raises(ColumnNotFoundError, match="keep other input columns with segments="):
            net_promoter_score(SurveyTable.from_columns(columns()), by="region")
        kept = SurveyTable.from_columns(columns(), segments=["region"])
        assert net_promoter_score(kept, by="region")["nps"].tolist() == [0.0, 50.0]

    def test_a_mapping_puts_unmapped_ids_in_none(self) -> None:
        # ent: b's 9 -> 100; smb: a's 10, 6 -> 0; (none): c's 8 -> 0.
        r = net_promoter_score(records(), by={"a": "smb", "b": "ent", "zz": "unused"})
        assert r["segment"].tolist() == ["ent", "smb", "(none)"]
        assert r["nps"].tolist() == [100.0, 0.0, 0.0]
        assert r["n"].tolist() == [1, 2, 1]
        # Mapped to None is unmapped too: smb: 10, 6, 8 -> 0; (none): 9 -> 100.
        r = net_promoter_score(records(), by={"a": "smb", "b": None, "c": "smb"})
        assert r["segment"].tolist() == ["smb", "(none)"]
        assert r["nps"].tolist() == [0.0, 100.0]

    def test_a_named_series_mapping_names_the_segment_column(self) -> None:
        pd = pytest.importorskip("pandas")
        r = net_promoter_score(records(), by=pd.Series({"a": "smb", "b": "ent"}, name="tier"))
        assert r.column_names[0] == "tier"
        assert r["tier"].tolist() == ["ent", "smb", "(none)"]

    def test_labels_aligned_with_an_array_of_answers(self) -> None:
        pd = pytest.importorskip("pandas")
        pl = pytest.importorskip("polars")
        answers = [10, 6, 9, 8]
        labels = ["EU", "EU", "US", None]
        r = net_promoter_score(answers, by=labels)
        assert r["segment"].tolist() == ["EU", "US", "(none)"]
        assert r["nps"].tolist() == [0.0, 100.0, 0.0]
        assert net_promoter_score(answers, by=np.array(labels, dtype=object)).to_dict() == (
            r.to_dict())
        named = net_promoter_score(answers, by=pd.Series(labels, name="region"))
        assert named.column_names[0] == "region"
        assert named["region"].tolist() == [
            "EU", "US", "(none)"]
        assert net_promoter_score(answers, by=pl.Series(labels)).column_names[0] == "segment"
        assert net_promoter_score(answers, by=pl.Series("region", labels)).column_names[0] == (
            "region")

    def test_segments_add_up_to_the_portfolio(self) -> None:
        whole = net_promoter_score(records())
        for by in ("customer_id", "respondent_id", {"a": "smb"}):
            parts = net_promoter_score(records(), by=by)
            for column in ("n", "promoters", "passives", "detractors"):
                assert parts[column].sum() == whole[column].item()


# --- one result type ----------------------------------------------------------------------------


class TestOneResultType:
    @pytest.mark.filterwarnings("ignore::csmetrics.exceptions.UndefinedMetricWarning")
    @pytest.mark.parametrize("metric", METRICS)
    def test_same_type_with_and_without_by_for_arrays_and_tables(self, metric: Any) -> None:
        kind = RESULT_TYPES[metric]
        table = SurveyTable.from_columns(columns())
        answers = {net_promoter_score: [10, 6, 9, 8], customer_satisfaction_score: [5, 2, 4],
                   customer_effort_score: [6, 3]}[metric]
        results = [metric(table), metric(table, by="customer_id"), metric(answers),
                   metric(answers, by=["x"] * len(answers))]
        assert all(type(r) is kind for r in results)
        single = results[0]
        assert single.value_column == single.headline == single.metric
        assert float(single) == single.value == single.score == single[single.headline][0]
        assert f"{single:.2f}" == f"{float(single):.2f}"
        per_account = results[1]
        assert len(per_account) > 1
        with pytest.raises(InvalidParameterError, match="rows"):
            float(per_account)
        first = per_account["customer_id"][0]
        assert per_account.row(first).value == per_account[per_account.headline][0]
        one_label = results[3]
        assert one_label.row("x").value == float(results[2])

    @pytest.mark.filterwarnings("ignore::csmetrics.exceptions.UndefinedMetricWarning")
    def test_comparison_and_trend_value_columns(self) -> None:
        c = compare_proportions((56, 70), (48, 80))
        assert isinstance(c, Comparison)
        assert c.value_column == "difference"
        assert float(c) == c.difference == pytest.approx(0.2)
        trend = survey_trend(records(), metric="csat")
        assert isinstance(trend, SurveyTrend)
        assert trend.value_column == "csat"
        by = survey_trend(records(), by="customer_id")
        assert by.segment_column == "customer_id"
        assert by.column_names[:3] == ("period", "customer_id", "nps")

    def test_nps_sample_size_is_a_plain_int(self) -> None:
        assert type(nps_sample_size(5)) is int


# --- deprecated names and meanings -------------------------------------------------------------


class TestDeprecated:
    def test_value_method_warns_and_still_works(self) -> None:
        r = customer_satisfaction_score([5, 4, 4, 3, 5, 2, 5, 4])
        with pytest.warns(DeprecationWarning, match=r"CustomerSatisfactionScore\.value\(\.\.\.\)"):
            assert r.value("mean") == 4.0
        c = compare_nps([9] * 3, [6] * 3)
        with pytest.warns(DeprecationWarning, match=r"Comparison\.value\(\.\.\.\)"):
            assert c.value("difference") == 200.0
        segmented = net_promoter_score([9, 6], by=["x", "y"])
        with pytest.warns(DeprecationWarning, match="deprecated"), pytest.raises(
                InvalidParameterError, match="rows"):
            segmented.value("nps")

    def test_survey_trend_table_keyword_warns_and_still_works(self) -> None:
        t = SurveyTable.from_columns(columns())
        with pytest.warns(DeprecationWarning, match="table= is deprecated.*use surveys="):
            old = survey_trend(table=t, freq="quarter")
        assert same(old, survey_trend(t, freq="quarter"))
        assert old["nps"].tolist() == [25.0]

    def test_start_and_end_are_positional_or_keyword(self) -> None:
        t = SurveyTable.from_columns(columns())
        assert same(survey_trend(t, "2024-02", "2024-02"),
                    survey_trend(t, start="2024-02", end="2024-02"))
        assert survey_trend(t, "2024-02", "2024-02")["nps"].tolist() == [50.0]

    def test_labels_aligned_with_a_tables_rows_warn_and_still_work(self) -> None:
        t = SurveyTable.from_columns(columns())
        with pytest.warns(DeprecationWarning, match="one label per row of a table"):
            r = net_promoter_score(t, by=columns()["region"])
        assert r["nps"].tolist() == [0.0, 50.0]

    def test_a_series_of_row_labels_is_row_labels_not_a_mapping(self) -> None:
        # A positional Series was one label per row before 0.2: it stays that (deprecated)
        # rather than being read as a mapping from customer ids 0, 1, 2 ...
        pd = pytest.importorskip("pandas")
        t = SurveyTable.from_columns(columns())
        with pytest.warns(DeprecationWarning, match="one label per row of a table"):
            r = net_promoter_score(t, by=pd.Series(columns()["region"]))
        assert r["nps"].tolist() == [0.0, 50.0]


def test_errors_skip_skips_bad_rows_of_columns_and_records_too() -> None:
    # Survey data handed over as columns or dicts are built into a table by the call, so
    # errors= applies to that table: the bad row is skipped and handed back.
    cols = columns()
    cols["score"] = [*cols["score"][:1], 11, *cols["score"][2:]]  # 11: off the NPS scale
    bad = [dict(d, score=11) if i == 1 else d for i, d in enumerate(dicts())]
    clean = {k: v[:1] + v[2:] for k, v in columns().items()}
    expected = net_promoter_score(clean)
    for data in (cols, bad):
        with pytest.raises(DataValidationError, match="score"):
            net_promoter_score(data)
        r = net_promoter_score(data, errors="skip")
        assert r["nps"].tolist() == expected["nps"].tolist()
        assert r.skipped.rows.tolist() == [1]


# --- options ------------------------------------------------------------------------------------


BAD_OPTIONS = [
    (lambda: net_promoter_score([9], weight_type="survey"),
     "net_promoter_score: weight_type must be one of 'sampling', 'frequency', got 'survey'."),
    (lambda: net_promoter_score([9], account_weighting="accounts"),
     "net_promoter_score: account_weighting must be one of 'response', 'account', 'revenue', "
     "got 'accounts'."),
    (lambda: net_promoter_score([9], errors="ignore"),
     "net_promoter_score: errors must be one of 'raise', 'skip', got 'ignore'."),
    (lambda: net_promoter_score([9], interval="bootstrap", n_resamples=1),
     "net_promoter_score: n_resamples must be a whole number between 2 and 100000 "
     "(inclusive), got 1."),
    (lambda: customer_satisfaction_score([5], confidence=1.0),
     "customer_satisfaction_score: confidence must be a number between 0 and 1 (exclusive), "
     "got 1.0."),
    (lambda: customer_satisfaction_score([5], scale=(5, 1)),
     "customer_satisfaction_score: scale must be a SurveyScale or a (low, high) pair of "
     "numbers, or None, got (5, 1)."),
    (lambda: customer_satisfaction_score([5], satisfied_at=9),
     "customer_satisfaction_score: satisfied_at must be a number between 1 and 5 "
     "(inclusive), got 9."),
    (lambda: customer_effort_score([5], version="3.0"),
     "customer_effort_score: version must be '2.0' or '1.0', got '3.0'."),
    (lambda: compare_nps([9], [6], interval="bootstrap"),
     "compare_nps: interval must be one of 'adjusted_wald', 'wald', got 'bootstrap'."),
    (lambda: compare_means([1, 2], [3, 4], confidence=95),
     "compare_means: confidence must be a number between 0 and 1 (exclusive), got 95."),
    (lambda: compare_to_benchmark(net_promoter_score([9]), 10, alternative="bigger"),
     "compare_to_benchmark: alternative must be one of 'greater', 'less', 'two-sided', got "
     "'bigger'."),
    (lambda: compare_to_benchmark(net_promoter_score([9]), 150),
     "compare_to_benchmark: benchmark must be a number between -100 and 100 (inclusive), got "
     "150."),
    (lambda: survey_trend(columns(), metric="nss"),
     "survey_trend: metric must be one of 'nps', 'csat', 'ces', got 'nss'."),
    (lambda: nps_sample_size(0),
     "nps_sample_size: margin must be a number between 0 and 200 (0 excluded), got 0."),
]


@pytest.mark.parametrize(("call", "message"), BAD_OPTIONS)
def test_bad_options_raise_with_the_shared_message(call: Any, message: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        call()
    assert str(info.value) == message


def test_a_bad_freq_names_the_option() -> None:
    with pytest.raises(InvalidParameterError, match=r"^survey_trend: freq must be a period"):
        survey_trend(columns(), freq="fortnight")


def test_a_result_is_not_data() -> None:
    with pytest.raises(InvalidParameterError, match="got a NetPromoterScore"):
        net_promoter_score(net_promoter_score([9]))


# --- undefined is NaN, with one warning at the caller's line ----------------------------------


@pytest.mark.parametrize("metric", METRICS)
def test_empty_input_is_nan_with_one_warning(metric: Any) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = metric([])
    undefined = [w for w in caught if issubclass(w.category, UndefinedMetricWarning)]
    assert len(undefined) == 1
    assert "undefined for 1 of 1 result(s) because the number (or total weight) of answers " \
           "is zero" in str(undefined[0].message)
    assert undefined[0].filename == __file__
    assert math.isnan(float(r))
    assert r["n"].tolist() == [0]


def test_only_zero_weights_is_nan_with_one_warning() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = net_promoter_score([9, 3], weights=[0, 0])
    assert len(caught) == 1
    assert caught[0].category is UndefinedMetricWarning
    assert math.isnan(float(r))


def test_a_comparison_with_an_empty_sample_warns_once() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c = compare_nps([], [9, 10])
    assert [str(w.message) for w in caught] == [
        "compare_nps: undefined for 1 of 1 result(s) because a sample has no answers; "
        "returning NaN."]
    assert math.isnan(c.p_value)


def test_a_benchmark_of_an_undefined_estimate_warns() -> None:
    with pytest.warns(UndefinedMetricWarning):
        r = customer_effort_score([])
    with pytest.warns(UndefinedMetricWarning, match="compare_to_benchmark: undefined"):
        c = compare_to_benchmark(r, 5)
    assert math.isnan(c.p_value)


# --- the chart ----------------------------------------------------------------------------------


def test_nps_plots_itself() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        # (4 - 2) / 8 = 25.
        ax = net_promoter_score([10, 9, 8, 7, 3, 10, 9, 6]).plot()
        assert ax.get_title().startswith("NPS 25.0 (95% CI ")
        by = net_promoter_score([10, 6], by=["x", "y"])
        with pytest.raises(InvalidParameterError, match="row"):
            by.plot()
        assert by.row("y").plot().get_title().startswith("NPS -100.0")
    finally:
        plt.close("all")


def test_dates_of_every_kind_place_answers_in_the_same_periods() -> None:
    cols = columns()
    cols["submitted_at"] = [dt.date.fromisoformat(d) for d in cols["submitted_at"]]
    assert same(survey_trend(cols), survey_trend(columns()))


def test_a_trend_shows_the_centre_its_change_interval_is_built_on() -> None:
    # Adjusted-Wald NPS (Lewis & Sauro, MeasuringU 2021): shares (k + 3/4) / (n + 3), variance
    # (p + d - (p - d)^2) / (n + 3). January, one promoter: p = 1.75/4, d = 0.75/4, centre
    # +25; February, one detractor: centre -25. Each SE = sqrt((0.625 - 0.0625) / 4) = 0.375.
    # The centre moves by -50 while the observed score moves by -200, outside the change
    # interval -50 ± 1.96 * 37.5 * sqrt(2): change_centre says why.
    t = SurveyTable.from_columns({"customer_id": [1, 2], "survey": ["nps"] * 2,
                                  "score": [10, 0], "submitted_at": ["2024-01-05", "2024-02-05"]})
    trend = survey_trend(t, freq="month")
    half = 1.959964 * 37.5 * math.sqrt(2)
    assert trend["change"][1] == -200.0
    assert trend["change_centre"][1] == pytest.approx(-50.0)
    assert trend["change_ci_low"][1] == pytest.approx(-50.0 - half, abs=1e-3)
    assert trend["change_ci_high"][1] == pytest.approx(-50.0 + half, abs=1e-3)
    assert trend["change"][1] < trend["change_ci_low"][1]
