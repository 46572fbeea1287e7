"""detractor_followups: the closed-loop list, worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

import csmetrics as cm

# Five respondents at four accounts. Worked by hand:
# - r1 (acct a) answered 3 on 03-01, then 2 on 03-20: latest 2, a detractor; the first
#   answer is superseded.
# - r2 (acct a) answered 6 on 03-10: a detractor (6 is the highest detractor answer).
# - r3 (acct b) answered 4 on 02-01, then 9 on 03-15: latest is a promoter, gone (1
#   superseded).
# - r4 (acct c) answered 7 on 03-18: a passive, not listed.
# - r5 (acct d) answered 0 on 03-25: a detractor; d has no subscription (MRR 0).
# MRR on 2024-03-31: a = 300 + 200 = 500 (two plans), b = 100, c = 50, d none.
# Ordered by MRR then most recent: r1 (a, 500, 03-20), r2 (a, 500, 03-10), r5 (d, 0).
# MRR at risk counts account a once: 500. Days since 2024-03-31: 11, 21, 6.
ANSWERS = {
    "customer_id": ["a", "a", "b", "b", "c", "d", "a"],
    "respondent_id": ["r1", "r2", "r3", "r3", "r4", "r5", "r1"],
    "survey": ["nps"] * 7,
    "score": [3, 6, 4, 9, 7, 0, 2],
    "submitted_at": ["2024-03-01", "2024-03-10", "2024-02-01", "2024-03-15", "2024-03-18",
                     "2024-03-25", "2024-03-20"],
    "comment": ["slow", "<script>alert(1)</script>", "meh", "love it", "", "=HYPERLINK(1)",
                "still slow"],
    "followed_up": ["yes", "no", "", "", "", "true", "no"],
}
SUBS = {
    "customer_id": ["a", "a", "b", "c"],
    "start": ["2024-01-01"] * 4,
    "amount": [300, 200, 100, 50],
    "currency": ["USD"] * 4,
    "interval": ["month"] * 4,
}


def test_hand_worked_list() -> None:
    f = cm.detractor_followups(ANSWERS, subscriptions=SUBS, at="2024-03")
    assert f["respondent_id"].tolist() == ["r1", "r2", "r5"]
    assert f["customer_id"].tolist() == ["a", "a", "d"]
    assert f["score"].tolist() == [2, 6, 0]
    assert f["mrr"].tolist() == [500.0, 500.0, 0.0]
    assert f["days_since"].tolist() == [11, 21, 6]
    assert f["comment"].tolist() == ["still slow", "<script>alert(1)</script>", "=HYPERLINK(1)"]
    # r1's latest answer says "no": the follow-up column is read from the latest answer.
    assert f["followed_up"].tolist() == [False, False, True]
    assert (f.detractors, f.accounts, f.mrr_at_risk, f.superseded) == (3, 2, 500.0, 2)
    assert f.followed_up_share == pytest.approx(1 / 3)
    assert str(f.at) == "2024-03-31"


def test_as_of_and_since_window() -> None:
    # As of 2024-03-15: r1's 2 (03-20) and r5 (03-25) are not seen yet; r1's 3 is its latest.
    # r3's 9 on 03-15 counts (the as-of day is inclusive), so r3 is gone.
    f = cm.detractor_followups(ANSWERS, subscriptions=SUBS, at="2024-03-15")
    # Both at account a (MRR 500): the most recent first, r2 (03-10) then r1 (03-01).
    assert f["respondent_id"].tolist() == ["r2", "r1"]
    assert f["days_since"].tolist() == [5, 14]
    # Since March 5: r1's answer of 03-01 is outside; r2 only.
    g = cm.detractor_followups(ANSWERS, subscriptions=SUBS, at="2024-03-15", since="2024-03-05")
    assert g["respondent_id"].tolist() == ["r2"]


def test_without_subscriptions_most_recent_first_and_default_as_of() -> None:
    f = cm.detractor_followups(ANSWERS)
    # Default as-of: the latest answer (03-25), never the clock.
    assert str(f.at) == "2024-03-25"
    assert f["respondent_id"].tolist() == ["r5", "r1", "r2"]
    assert np.isnan(f["mrr"]).all()
    assert f.mrr_at_risk == 0.0


def test_order_recent() -> None:
    f = cm.detractor_followups(ANSWERS, subscriptions=SUBS, order="recent")
    assert f["respondent_id"].tolist() == ["r5", "r1", "r2"]


def test_without_respondents_the_account_is_the_respondent() -> None:
    answers = {k: v for k, v in ANSWERS.items() if k != "respondent_id"}
    f = cm.detractor_followups(answers, subscriptions=SUBS)
    # Account a's latest answer is r1's 2 (03-20); b's is 9; c's 7; d's 0.
    assert f["customer_id"].tolist() == ["a", "d"]
    assert f.superseded == 3   # a's 3 and 6, b's 4


def test_every_input_path_gives_the_same_list() -> None:
    base = cm.detractor_followups(ANSWERS, subscriptions=SUBS)
    frames = [pd.DataFrame(ANSWERS), pl.DataFrame(ANSWERS),
              cm.SurveyTable.from_columns(ANSWERS, segments=["followed_up"])]
    for data in frames:
        other = cm.detractor_followups(data, subscriptions=SUBS)
        assert other.to_dict() == base.to_dict()


def test_row_order_does_not_matter() -> None:
    order = [6, 2, 0, 5, 1, 4, 3]
    shuffled = {k: [v[i] for i in order] for k, v in ANSWERS.items()}
    assert (cm.detractor_followups(shuffled, subscriptions=SUBS).to_dict()
            == cm.detractor_followups(ANSWERS, subscriptions=SUBS).to_dict())


def test_follow_up_column_rules() -> None:
    bad = {**ANSWERS, "followed_up": ["maybe", "no", "", "", "", "true", "no"]}
    with pytest.raises(cm.DataValidationError, match="'maybe'") as err:
        cm.detractor_followups(bad)
    assert err.value.column == "followed_up"
    assert err.value.positions == (0,)
    plain = {k: v for k, v in ANSWERS.items() if k != "followed_up"}
    assert "followed_up" not in cm.detractor_followups(plain).column_names
    assert np.isnan(cm.detractor_followups(plain).followed_up_share)
    with pytest.raises(cm.ColumnNotFoundError):
        cm.detractor_followups(plain, followed_up="called_back")


def test_a_survey_on_another_scale_is_refused() -> None:
    csat = {"customer_id": ["a"], "survey": ["csat"], "score": [2],
            "submitted_at": ["2024-01-01"]}
    with pytest.raises(cm.InvalidParameterError, match="0-10"):
        cm.detractor_followups(csat, survey="csat")
    with pytest.raises(cm.InvalidParameterError):
        cm.detractor_followups(ANSWERS, order="largest")


def test_empty_and_hostile_text_shown_escaped() -> None:
    empty = cm.detractor_followups(cm.SurveyTable.from_columns(
        {"customer_id": [], "survey": [], "score": [], "submitted_at": []}))
    assert len(empty) == 0
    assert empty.detractors == 0
    f = cm.detractor_followups(ANSWERS, subscriptions=SUBS)
    html = f._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "DetractorFollowups(3 detractors" in repr(f)
    long = {**ANSWERS, "comment": ["x" * 10_000 + " \u0645\u0631\u062d\u0628\u0627 \U0001f600"] * 7}
    g = cm.detractor_followups(long)
    assert g["comment"][0].endswith("\U0001f600")


def test_in_the_report_hostile_comments_escaped_and_cut() -> None:
    hostile = ["<img src=x onerror=alert(1)>", "=cmd|' /C calc'!A0", "x" * 10_000,
               "\u062e\u062f\u0645\u0629 \u0633\u064a\u0626\u0629 \U0001f621", "\u592a\u8d35\u4e86",
               "a\x00b\x07c", "ok"]
    answers = {**ANSWERS, "comment": hostile}
    report = cm.Portfolio(subscriptions=SUBS, surveys=answers).report("2024-03")
    section = report["followups"]
    assert section.table is not None
    shown = section.table["comment"].tolist()
    # r1's latest comment is the 7th ("ok"), r2's the 2nd, r5's the 6th: cut and flattened.
    assert shown == ["ok", "=cmd|' /C calc'!A0", "a\ufffdb\ufffdc"]
    html = report.to_html()
    assert "<img src=x" not in html
    assert "\x00" not in html
    assert "\x00" not in str(report)
    many = {**ANSWERS, "comment": ["y" * 10_000] * 7}
    long = cm.Portfolio(surveys=many).report("2024-03")["followups"].table
    assert long is not None
    assert len(long["comment"][0]) == 160
    assert long["comment"][0].endswith("\u2026")
    assert "\u2026" in str(cm.Portfolio(surveys=many).report("2024-03"))


def test_the_report_says_what_comments_say() -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    comments = ["Terrible support, slow and expensive", "Too expensive for what it does",
                "Great product, love it", "Excellent support team, fast", "ok I guess",
                "Slow and expensive", "Love the new dashboard"]
    scores = [2, 4, 10, 9, 7, 3, 10]
    answers = {"customer_id": list("abcdefg"), "survey": ["nps"] * 7, "score": scores,
               "submitted_at": [f"2024-03-0{i + 1}" for i in range(7)],
               "comment": comments}
    report = cm.Portfolio(surveys=answers).report("2024-03", months=1)
    mood = report["sentiment"].table
    assert mood is not None
    # The package's own analyzer on the detractors' comments (scores 0-6), averaged here.
    vader = SentimentIntensityAnalyzer()
    detractors = [vader.polarity_scores(c)["compound"] for c, s in zip(comments, scores,
                                                                       strict=True) if s <= 6]
    row = mood["category"].tolist().index("detractor")
    assert mood["mean_compound"][row] == pytest.approx(np.mean(detractors), abs=1e-12)
    terms = report["distinctive_terms"].table
    assert terms is not None
    # "expensive" appears three times in detractors' comments and never in promoters'.
    at = terms["term"].tolist().index("expensive")
    assert (terms["detractor_mentions"][at], terms["promoter_mentions"][at]) == (3, 0)
    assert terms["favours"][at] == "detractor"


def test_the_report_shows_key_drivers_of_nps_from_attribute_ratings() -> None:
    rng = np.random.default_rng(1)
    n = 400
    ease, value, support = rng.integers(1, 8, n), rng.integers(1, 8, n), rng.integers(1, 6, n)
    # The score is driven by ease (0.8) and value (0.5); support is noise.
    score = np.clip(np.round(0.8 * ease + 0.5 * value + rng.normal(0, 1.5, n)), 0, 10)
    table = cm.SurveyTable.from_columns(
        {"customer_id": [f"c{i}" for i in range(n)], "survey": ["nps"] * n, "score": score,
         "submitted_at": ["2024-03-01"] * n, "ease": ease, "value": value, "support": support},
        attributes={"ease": (1, 7), "value": (1, 7), "support": (1, 5)})
    report = cm.Portfolio(surveys=table).report("2024-03", months=1)
    drivers = report["key_drivers"].table
    assert drivers is not None
    assert drivers["driver"].tolist() == ["ease", "value", "support"]
    assert float(np.sum(drivers["importance"])) == pytest.approx(1.0)
    assert drivers["importance_high"][2] < drivers["importance_low"][1]
    # Performance: the mean rating on 0-100 of its scale, worked here from the ratings.
    assert drivers["performance"][0] == pytest.approx((ease.mean() - 1) / 6 * 100)
    assert "-0" not in str(report["followups"].table)
