"""SurveyTable (every validation rule, records and columns, DataFrames), metrics of a table,
B2B account weighting and trends, each worked by hand."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest

from csmetrics.datasets.surveys import synthetic_survey_columns, synthetic_surveys
from csmetrics.exceptions import (
    ColumnNotFoundError,
    DataValidationError,
    InvalidParameterError,
    UndefinedMetricWarning,
)
from csmetrics.surveys import (
    customer_effort_score,
    customer_satisfaction_score,
    net_promoter_score,
    survey_trend,
)
from csmetrics.tables.surveys import SurveyResponse, SurveyScale, SurveyTable


def table(**overrides: list[Any]) -> SurveyTable:
    """Three valid rows, with any column replaced."""
    cols: dict[str, list[Any]] = {
        "customer_id": ["a", "b", "b"],
        "survey": ["nps", "csat", "ces"],
        "score": [9, 4, 6],
        "submitted_at": ["2024-01-05", "2024-01-06", "2024-02-01"],
    }
    cols.update(overrides)
    return SurveyTable.from_columns(cols)


def rejects(match: str, **overrides: list[Any]) -> DataValidationError:
    with pytest.raises(DataValidationError, match=match) as info:
        table(**overrides)
    return info.value


class TestRules:
    def test_scores_on_each_surveys_own_scale(self) -> None:
        t = table(score=[0, 1, 1])
        assert t.score.tolist() == [0.0, 1.0, 1.0]
        t = table(score=[10, 5, 7])
        assert t.score.tolist() == [10.0, 5.0, 7.0]
        err = rejects("must be on its survey's scale", score=[9, 6, 6])
        assert str(err) == (
            "SurveyTable.from_columns: column 'score' must be on its survey's scale "
            "(ces: 1-7, csat: 1-5, nps: 0-10); 1 of 3 rows breaks this rule (at row 1; value 6).")
        rejects("must be on its survey's scale", score=[-1, 4, 6])
        rejects("must be on its survey's scale", score=[9, 4, 0])

    def test_non_integer_missing_and_text_scores(self) -> None:
        err = rejects("must be a whole number on its survey's scale", score=[6.5, 4, 6])
        assert err.positions == (0,)
        # A blank score is a non-response (issue 11), not an error: see TestNonResponses.
        assert table(score=[9, None, 6]).non_responses == 1
        assert table(score=[9, float("nan"), 6]).non_responses == 1
        rejects("column 'score' must be on its survey's scale", score=[9, float("inf"), 6])
        rejects("column 'score' must be a number", score=[9, "four", 6])

    def test_survey_names(self) -> None:
        t = table(survey=[" NPS", "CSAT ", "Ces"])
        assert t.surveys.tolist() == ["ces", "csat", "nps"]
        rejects("must name a survey with a known scale", survey=["nps", "csat", "sus"])
        rejects("column 'survey' must not be missing", survey=["nps", None, "ces"])

    def test_custom_scales(self) -> None:
        cols = {"customer_id": [1, 2], "survey": ["sus", "csat"], "score": [72.5, 7],
                "submitted_at": ["2024-01-01", "2024-01-02"]}
        t = SurveyTable.from_columns(cols, scales={"SUS": SurveyScale(0, 100, integer=False),
                                                   "csat": (1, 7)})
        assert t.scale_of("sus").integer is False
        assert str(t.scale_of("csat")) == "1-7"
        with pytest.raises(InvalidParameterError, match="low < high"):
            SurveyScale(5, 1)
        with pytest.raises(InvalidParameterError, match="whole-number bounds"):
            SurveyScale(0.5, 10)

    def test_customer_and_date_required(self) -> None:
        rejects("column 'customer_id' must not be missing", customer_id=["a", None, "b"])
        rejects("column 'submitted_at' must not be missing",
                submitted_at=["2024-01-01", None, "2024-01-01"])
        rejects("column 'submitted_at' must be a date",
                submitted_at=["2024-01-01", "yesterday", "2024-01-01"])

    def test_weights(self) -> None:
        t = table(weight=[0, 1.5, 2])
        assert t.weight.tolist() == [0.0, 1.5, 2.0]
        rejects("column 'weight' must be >= 0", weight=[1, -1, 1])
        rejects("column 'weight' must be finite", weight=[1, float("inf"), 1])
        rejects("column 'weight' must not be missing", weight=[1, None, 1])

    def test_missing_columns_and_lengths(self) -> None:
        with pytest.raises(ColumnNotFoundError, match="Did you mean 'scores'"):
            SurveyTable.from_columns({"customer_id": [1], "survey": ["nps"], "scores": [9],
                                      "submitted_at": ["2024-01-01"]})
        with pytest.raises(InvalidParameterError, match="must all have one length"):
            table(score=[9, 4])

    def test_survey_name_for_data_without_a_survey_column(self) -> None:
        t = SurveyTable.from_columns(
            {"account": ["x", "y"], "ltr": [10, 3], "when": ["2024-03-01", "2024-03-02"]},
            customer_id="account", score="ltr", submitted_at="when", survey_name="NPS")
        assert t.surveys.tolist() == ["nps"]
        with pytest.raises(InvalidParameterError, match="no known scale"):
            SurveyTable.from_columns({"customer_id": [1], "score": [3],
                                      "submitted_at": ["2024-01-01"]}, survey_name="effort")

    def test_skip_lists_every_bad_row_with_its_first_rule(self) -> None:
        t = SurveyTable.from_columns({
            "customer_id": ["a", "b", None, "d", "e"],
            "survey": ["nps", "nps", "nps", "csat", "nps"],
            "score": [9, 6.5, 7, 6, 10],
            "submitted_at": ["2024-01-01"] * 5,
        }, errors="skip")
        assert len(t) == 2
        assert t.column("customer_id").tolist() == ["a", "e"]
        assert t.customer_ids.tolist() == ["a", "e"]
        assert t.source_rows.tolist() == [0, 4]
        assert t.skipped.to_dict()["row"] == [1, 2, 3]
        assert t.skipped.to_dict()["column"] == ["score", "customer_id", "score"]
        assert "2 responses" in repr(t)
        assert "3 skipped" in repr(t)


class TestRecords:
    def test_records_equal_columns(self) -> None:
        recs = [
            SurveyResponse(customer_id="a", survey="nps", score=9,
                           submitted_at=dt.date(2024, 1, 5)),
            {"customer_id": "b", "respondent_id": 7, "survey": "CSAT", "score": 4,
             "submitted_at": "2024-01-06", "weight": 2},
        ]
        a = SurveyTable.from_records(recs)
        b = SurveyTable.from_columns({"customer_id": ["a", "b"], "respondent_id": [None, 7],
                                      "survey": ["nps", "csat"], "score": [9, 4],
                                      "submitted_at": ["2024-01-05", "2024-01-06"],
                                      "weight": [1, 2]})
        assert a.to_dict() == b.to_dict()

    def test_record_rules(self) -> None:
        # A NaN score is a non-response (issue 11), as the columns read it: no answer.
        assert SurveyResponse(customer_id="a", survey="nps", score=float("nan"),
                              submitted_at="2024-01-01").score is None
        with pytest.raises(InvalidParameterError):
            SurveyResponse(customer_id="a", survey="nps", score=float("inf"),
                           submitted_at="2024-01-01")
        with pytest.raises(InvalidParameterError):
            SurveyResponse(customer_id="a", survey=" ", score=1, submitted_at="2024-01-01")
        with pytest.raises(DataValidationError, match="column 'weight' must be greater than"):
            SurveyTable.from_records([{"customer_id": "a", "survey": "nps", "score": 1,
                                       "submitted_at": "2024-01-01", "weight": -1}])

    def test_records_skip_keeps_positions_of_the_input(self) -> None:
        t = SurveyTable.from_records([
            {"customer_id": "a", "survey": "nps", "score": 1, "submitted_at": "2024-01-01"},
            {"customer_id": "b", "survey": "nps", "score": 1, "submitted_at": "bad"},
            {"customer_id": "c", "survey": "nps", "score": 11, "submitted_at": "2024-01-02"},
            {"customer_id": "d", "survey": "nps", "score": 5, "submitted_at": "2024-01-03"},
        ], errors="skip")
        assert t.source_rows.tolist() == [0, 3]
        assert t.skipped.to_dict()["row"] == [1, 2]

    def test_timezones_are_taken_in_utc(self) -> None:
        t = SurveyTable.from_records([SurveyResponse(
            customer_id=1, survey="nps", score=9,
            submitted_at=dt.datetime(2024, 1, 1, 23, 30, tzinfo=dt.timezone(
                dt.timedelta(hours=-5))))])
        assert str(t.submitted_at[0]) == "2024-01-02"


class TestDataFrames:
    def test_pandas_polars_arrow_give_the_same_table(self) -> None:
        pd = pytest.importorskip("pandas")
        pl = pytest.importorskip("polars")
        pa = pytest.importorskip("pyarrow")
        cols = {"customer_id": ["a", "b", "c"], "survey": ["nps", "nps", "csat"],
                "score": [10, 6, 4],
                "submitted_at": [dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)]}
        expected = SurveyTable.from_columns(cols).to_dict()
        for frame in (pd.DataFrame(cols), pl.DataFrame(cols), pa.table(cols)):
            assert SurveyTable.from_columns(frame).to_dict() == expected
        assert SurveyTable.from_columns(cols).to_pandas().shape == (3, 6)


class TestMetricsOfATable:
    def test_table_equals_array(self) -> None:
        cols = synthetic_survey_columns(300, seed=4)
        t = SurveyTable.from_columns(cols)
        nps = cols["score"][cols["survey"] == "nps"]
        assert net_promoter_score(t).to_dict() == net_promoter_score(nps).to_dict()
        csat = cols["score"][cols["survey"] == "csat"]
        assert (customer_satisfaction_score(t).to_dict()
                == customer_satisfaction_score(csat).to_dict())

    def test_table_weights_are_used(self) -> None:
        t = table(score=[9, 4, 6], weight=[2, 1, 1], survey=["nps"] * 3, customer_id=["a"] * 3)
        r = net_promoter_score(t)
        # weights 2 (a 9) + 1 (a 4) + 1 (a 6): p = 1/2, d = 1/2 -> 0; Kish 16 / 6.
        assert r.score == 0.0
        assert r["effective_n"].item() == pytest.approx(16 / 6)
        with pytest.raises(InvalidParameterError, match="carries its own weights"):
            net_promoter_score(t, weights=[1, 1, 1])

    def test_survey_and_scale_checks(self) -> None:
        t = table()
        with pytest.raises(InvalidParameterError, match="surveys present: 'ces', 'csat', 'nps'"
                           r"\. Did you mean 'nps'\?"):
            net_promoter_score(t, survey="npss")
        with pytest.raises(InvalidParameterError, match="NPS needs 0-10"):
            net_promoter_score(t, survey="csat")
        with pytest.raises(InvalidParameterError, match="disagrees with the table's scale"):
            customer_satisfaction_score(t, scale=(1, 7))
        with pytest.warns(UndefinedMetricWarning, match="fewer than two"):
            assert customer_effort_score(t).score == 6.0

    def test_ces_1_needs_a_1_to_5_scale_in_the_table(self) -> None:
        cols = {"customer_id": [1, 2], "survey": ["ces", "ces"], "score": [1, 4],
                "submitted_at": ["2024-01-01", "2024-01-02"]}
        with pytest.raises(InvalidParameterError, match=r"declare scales=\{'ces': \(1, 5\)\}"):
            customer_effort_score(SurveyTable.from_columns(cols), version="1.0")
        t = SurveyTable.from_columns(cols, scales={"ces": (1, 5)})
        r = customer_effort_score(t, version="1.0")
        assert (r.score, r["easy_share"].item(), r.polarity) == (2.5, 0.5, "lower is easier")

    def test_by_customer_mapping_array_and_id(self) -> None:
        t = SurveyTable.from_columns({
            "customer_id": ["a", "b", "c", "a"], "score": [10, 0, 9, 7],
            "submitted_at": ["2024-01-01"] * 4}, survey_name="nps")
        by_map = net_promoter_score(t, by={"a": "smb", "b": "smb", "c": "ent", "zz": "x"})
        assert by_map["segment"].tolist() == ["ent", "smb"]
        assert by_map["nps"].tolist() == [100.0, 0.0]           # smb: 10, 0, 7
        # Labels aligned with the table's rows: the meaning before 0.2, deprecated.
        with pytest.warns(DeprecationWarning, match="one label per row of a table"):
            by_array = net_promoter_score(t, by=["smb", "smb", "ent", "smb"])
        assert by_array.to_dict() == by_map.to_dict()
        per_account = net_promoter_score(t, by="customer_id")
        assert per_account["customer_id"].tolist() == ["a", "b", "c"]
        assert per_account["n"].tolist() == [2, 1, 1]
        # Ids the mapping lacks are in "(none)": b (a 0) and c (a 9) -> (1 - 1) / 2 = 0.
        partial = net_promoter_score(t, by={"a": "smb"})
        assert partial["segment"].tolist() == ["smb", "(none)"]
        assert partial["nps"].tolist() == [50.0, 0.0]           # smb: 10, 7
        assert partial["n"].tolist() == [2, 2]
        with pytest.raises(ColumnNotFoundError):
            net_promoter_score(t, by="plan")


class TestAccountWeighting:
    """Account A answers 10, 10, 0; account B answers 0 (hand-worked)."""

    @pytest.fixture
    def t(self) -> SurveyTable:
        return SurveyTable.from_columns({
            "customer_id": ["A", "A", "A", "B"], "score": [10, 10, 0, 0],
            "submitted_at": ["2024-01-01"] * 4}, survey_name="nps")

    def test_every_response_counts(self, t: SurveyTable) -> None:
        r = net_promoter_score(t)                # 2 promoters, 2 detractors of 4
        assert (r.score, r["effective_n"].item()) == (0.0, 4.0)

    def test_every_account_counts_once(self, t: SurveyTable) -> None:
        # A: 2/3 promoter, 1/3 detractor; B: detractor. Averaging the two accounts:
        # p = (2/3) / 2 = 1/3, d = (1/3 + 1) / 2 = 2/3, NPS = -33.33, n = 2 accounts.
        r = net_promoter_score(t, account_weighting="account")
        assert r.score == pytest.approx(-100 / 3)
        assert r["effective_n"].item() == pytest.approx(2.0)
        assert r["n"].item() == 4
        # Wald with n = 2: Var = 1/3 + 2/3 - 1/9 = 8/9, SE = 100 sqrt(4/9) = 66.67.
        w = net_promoter_score(t, account_weighting="account", interval="wald")
        assert w["se"].item() == pytest.approx(200 / 3)

    def test_revenue_weighted(self, t: SurveyTable) -> None:
        # A = 300, B = 100: p = 300 * 2/3 / 400 = .5, d = (300/3 + 100) / 400 = .5 -> 0.
        # Kish over accounts: 400^2 / (300^2 + 100^2) = 1.6.
        r = net_promoter_score(t, account_weighting="revenue", revenue={"A": 300, "B": 100})
        assert r.score == pytest.approx(0.0, abs=1e-12)
        assert r["effective_n"].item() == pytest.approx(1.6)

    def test_revenue_errors(self, t: SurveyTable) -> None:
        with pytest.raises(InvalidParameterError, match="needs revenue="):
            net_promoter_score(t, account_weighting="revenue")
        with pytest.raises(InvalidParameterError, match="finite number >= 0"):
            net_promoter_score(t, account_weighting="revenue", revenue={"A": -1, "B": 1})
        with pytest.raises(InvalidParameterError, match="no entry in the mapping"):
            net_promoter_score(t, account_weighting="revenue", revenue={"A": 1})
        with pytest.raises(InvalidParameterError, match="only with account_weighting"):
            net_promoter_score(t, revenue={"A": 1, "B": 1})
        with pytest.raises(InvalidParameterError, match="bootstrap resamples answers"):
            net_promoter_score(t, account_weighting="account", interval="bootstrap")

    def test_csat_account_mean(self) -> None:
        t = SurveyTable.from_columns({
            "customer_id": ["A", "A", "B"], "score": [5, 3, 1],
            "submitted_at": ["2024-01-01"] * 3}, survey_name="csat")
        # Account means: A = 4 (half satisfied), B = 1 -> mean 2.5, share 0.25.
        r = customer_satisfaction_score(t, account_weighting="account")
        assert (r["mean"].item(), r.score) == (2.5, 0.25)


class TestTrend:
    @staticmethod
    def columns() -> dict[str, list[Any]]:
        # January: 10 answers, 2 promoters, 6 detractors (NPS -40); February: none;
        # March: 10 answers, 8 promoters, 1 detractor (NPS 70); April: the same as March.
        # Each month's first five answers are team x, the next five team y.
        months = (["2024-01-15"] * 10 + ["2024-03-10"] * 10 + ["2024-04-02"] * 10)
        scores = ([10, 9] + [8, 7] + [0] * 6) + ([10] * 8 + [7, 2]) * 2
        return {"customer_id": list(range(30)), "score": scores, "submitted_at": months,
                "team": (["x"] * 5 + ["y"] * 5) * 3}

    @pytest.fixture
    def t(self) -> SurveyTable:
        return SurveyTable.from_columns(self.columns(), survey_name="nps")

    def test_every_period_is_listed_and_gaps_are_nan(self, t: SurveyTable) -> None:
        with pytest.warns(UndefinedMetricWarning, match=r"undefined for 1 of 4 result\(s\)"):
            tr = survey_trend(t)
        assert tr["period"].tolist() == ["2024-01", "2024-02", "2024-03", "2024-04"]
        assert tr["nps"][[0, 2, 3]].tolist() == pytest.approx([-40.0, 70.0, 70.0])
        assert math.isnan(tr["nps"][1])
        assert tr["n"].tolist() == [10, 0, 10, 10]
        # No previous period for January; February has none; March's previous is empty.
        assert np.isnan(tr["change"][[0, 1, 2]]).all()
        assert tr["change"][3] == 0.0
        assert not tr["significant"].any()
        assert repr(tr) == "SurveyTrend(nps, 4 periods, 2024-01 to 2024-04, 0 significant changes)"

    def test_quarters_flag_a_significant_change(self, t: SurveyTable) -> None:
        tr = survey_trend(t, freq="quarter", interval="wald")
        assert tr["period"].tolist() == ["2024-Q1", "2024-Q2"]
        # Q1: 10 promoters, 1 passive... by hand: Q1 has January and March: promoters 2 + 8,
        # detractors 6 + 1 of 20 -> NPS 15; Q2 (April): 70. Change 55.
        assert tr["nps"].tolist() == pytest.approx([15.0, 70.0])
        assert tr["change"][1] == pytest.approx(55.0)
        # Wald: Var_Q1 = .5 + .35 - .0225 = .8275, Var_Q2 = .9 - .49 = .41;
        # SE = sqrt(.8275/20 + .41/10) = .287663, z = .55 / .287663 = 1.911959, p = .05588.
        assert tr["p_value"][1] == pytest.approx(math.erfc(0.55 / math.sqrt(
            0.8275 / 20 + 0.41 / 10) / math.sqrt(2)), rel=1e-6)
        assert not tr["significant"][1]
        assert survey_trend(t, freq="quarter", interval="wald",
                            confidence=0.9)["significant"][1]

    def test_window_and_segments(self, t: SurveyTable) -> None:
        # March and April, team x: 10 x5 -> 100; team y: 10, 10, 10, 7, 2 -> (3 - 1) / 5 = 40.
        # by= names a column of the raw input, which the table keeps by itself.
        tr = survey_trend({**self.columns(), "survey": ["nps"] * 30}, "2024-03", "2024-04",
                          by="team")
        assert tr["period"].tolist() == ["2024-03", "2024-03", "2024-04", "2024-04"]
        assert tr["team"].tolist() == ["x", "y", "x", "y"]
        assert tr.segment_column == "team"
        assert tr["n"].tolist() == [5, 5, 5, 5]
        assert tr["nps"].tolist() == pytest.approx([100.0, 40.0, 100.0, 40.0])
        assert tr["change"][2:].tolist() == [0.0, 0.0]
        # The same through a customer mapping: customers 20-24 and 25-29 are April's x and y.
        teams = dict(zip(range(30), self.columns()["team"], strict=True))
        by_map = survey_trend(t, start="2024-03", end="2024-04", by=teams)
        assert by_map["segment"].tolist() == ["x", "y", "x", "y"]
        assert by_map["nps"].tolist() == pytest.approx([100.0, 40.0, 100.0, 40.0])
        # And, deprecated, labels aligned with the table's rows.
        with pytest.warns(DeprecationWarning, match="one label per row of a table"):
            old = survey_trend(t, start="2024-03", end="2024-04", by=self.columns()["team"])
        assert old["nps"].tolist() == pytest.approx([100.0, 40.0, 100.0, 40.0])

    def test_csat_and_ces_trends(self) -> None:
        t = synthetic_surveys(400, months=6, start="2024-01", seed=5)
        csat = survey_trend(t, metric="csat", freq="quarter")
        assert csat.metric == "csat"
        assert len(csat) == 2
        assert ((csat["ci_low"] <= csat["csat"]) & (csat["csat"] <= csat["ci_high"])).all()
        ces = survey_trend(t, metric="ces", freq="quarter", account_weighting="account")
        assert (ces["effective_n"] <= ces["n"]).all()
        assert ((ces["ci_low"] <= ces["ces"]) & (ces["ces"] <= ces["ci_high"])).all()

    def test_trend_options(self, t: SurveyTable) -> None:
        with pytest.raises(InvalidParameterError, match="metric must be one of"):
            survey_trend(t, metric="nss")  # type: ignore[arg-type]
        with pytest.raises(InvalidParameterError, match=r"end .* is before start"):
            survey_trend(t, start="2024-04", end="2024-01")
        with pytest.raises(InvalidParameterError, match="an array of answers has no dates"):
            survey_trend([1, 2])


class TestSynthetic:
    def test_same_seed_same_data(self) -> None:
        a = synthetic_survey_columns(200, seed=3)
        b = synthetic_survey_columns(200, seed=3)
        c = synthetic_survey_columns(200, seed=4)
        assert all(np.array_equal(a[k], b[k]) for k in a)
        assert not np.array_equal(a["score"], c["score"])

    def test_valid_and_on_scale(self) -> None:
        t = synthetic_surveys(500, months=3, seed=1)
        assert set(t.surveys.tolist()) == {"nps", "csat", "ces"}
        assert str(t.submitted_at.min()) >= "2024-01-01"
        assert str(t.submitted_at.max()) <= "2024-03-31"

    def test_given_ids_and_one_survey(self) -> None:
        cols = synthetic_survey_columns(["x", "y", "z"], surveys=["nps"],
                                        responses_per_customer=20, seed=2)
        assert set(cols["customer_id"].tolist()) <= {"x", "y", "z"}
        assert set(cols["survey"].tolist()) == {"nps"}
        with pytest.raises(InvalidParameterError, match="surveys must be"):
            synthetic_survey_columns(5, surveys=["sus"])
