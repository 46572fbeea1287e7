"""Voice of the customer (issue 16): comment sentiment, distinctive terms and themes.

References: VADER's own analyzer on the same texts (sentiment), statsmodels for the Wilson
intervals, the t interval and the two-proportion z test, and a hand computation of
Monroe, Colaresi and Quinn (2008) eq. 16-22 on a corpus written here.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import csmetrics as cm
from csmetrics.feedback import vader
from csmetrics.feedback.tokens import STOP_WORDS, terms, words

SentimentIntensityAnalyzer = pytest.importorskip(
    "vaderSentiment.vaderSentiment").SentimentIntensityAnalyzer
proportion = pytest.importorskip("statsmodels.stats.proportion")
weightstats = pytest.importorskip("statsmodels.stats.weightstats")

HOSTILE = ["<script>alert('x')</script> terrible", '=HYPERLINK("http://evil","click") great',
           "good " * 2_000, "Love it 😀🚀!!!", "سيء جدا", "非常好用", "bad\x00\x07\x1b[31m",
           "Not bad at all", "The support is NOT good"]


def _data(comments: list[str | None], scores: list[int], dates: list[str] | None = None,
          customers: list[object] | None = None) -> dict[str, list[object]]:
    n = len(comments)
    return {"customer_id": customers or [f"c{i}" for i in range(n)], "survey": ["nps"] * n,
            "score": scores, "submitted_at": dates or ["2024-03-05"] * n, "comment": comments}


def _quiet(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


# --- sentiment ---------------------------------------------------------------------------------


def test_compound_scores_are_vaders_own() -> None:
    texts = [*HOSTILE, "Great support, love it!", "Too expensive", "meh", "Great support, love it!"]
    scores = [i % 11 for i in range(len(texts))]
    r = _quiet(cm.comment_sentiment, _data(texts, scores))
    reference = SentimentIntensityAnalyzer()
    expected = [reference.polarity_scores(t) for t in texts]
    assert r.comments["comment"].tolist() == texts
    assert r.comments["compound"].tolist() == [e["compound"] for e in expected]
    assert r.comments["negative"].tolist() == [e["neg"] for e in expected]
    assert r.comments["positive"].tolist() == [e["pos"] for e in expected]
    assert r.comments["neutral"].tolist() == [e["neu"] for e in expected]


def test_the_pool_scores_as_vader_does_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vader, "PARALLEL_MIN", 5)
    texts = np.array([f"comment {i} is {'good' if i % 3 else 'awful'}" for i in range(60)]
                     + ["fine"] * 40, dtype=object)
    reference = SentimentIntensityAnalyzer()
    got = vader.sentiment_scores(texts, workers=2)
    assert got[:, 3].tolist() == [reference.polarity_scores(t)["compound"] for t in texts]


def test_groups_match_statsmodels_on_vaders_scores() -> None:
    texts = ["awful and slow", "bad support", "great", "love it", "fine I guess", None,
             "excellent team", "terrible billing", "ok", "good value"]
    scores = [0, 3, 10, 9, 7, 8, 10, 6, 8, 9]
    r = _quiet(cm.comment_sentiment, _data(texts, scores), confidence=0.9)
    reference = SentimentIntensityAnalyzer()
    category = ["detractor" if s <= 6 else "passive" if s <= 8 else "promoter" for s in scores]
    for row, name in enumerate(["all", "detractor", "passive", "promoter"]):
        compound = [reference.polarity_scores(t)["compound"]
                    for t, c in zip(texts, category, strict=True)
                    if t is not None and name in ("all", c)]
        assert r["comments"][row] == len(compound)
        assert r["mean_compound"][row] == pytest.approx(np.mean(compound))
        low, high = weightstats.DescrStatsW(compound).tconfint_mean(alpha=0.1)
        assert (r["ci_low"][row], r["ci_high"][row]) == pytest.approx((low, high))
        pos = sum(c >= 0.05 for c in compound)
        neg = sum(c <= -0.05 for c in compound)
        assert r["share_positive"][row] == pytest.approx(pos / len(compound))
        assert r["share_negative"][row] == pytest.approx(neg / len(compound))
        lo, hi = proportion.proportion_confint(pos, len(compound), alpha=0.1, method="wilson")
        assert (r["positive_ci_low"][row], r["positive_ci_high"][row]) == pytest.approx((lo, hi))
        lo, hi = proportion.proportion_confint(neg, len(compound), alpha=0.1, method="wilson")
        assert (r["negative_ci_low"][row], r["negative_ci_high"][row]) == pytest.approx((lo, hi))
    assert r["responses"].tolist() == [10, 3, 3, 4]


def test_periods_and_segments_split_the_comments() -> None:
    data = _data(["great", "awful", "good", "bad"], [10, 2, 9, 1],
                 ["2024-01-10", "2024-01-20", "2024-02-03", "2024-02-04"], ["a", "b", "a", "b"])
    r = _quiet(cm.comment_sentiment, data, freq="month", by={"a": "east"})
    assert set(r.column_names[:3]) == {"segment", "period", "category"}
    east_all = (r["segment"] == "east") & (r["category"] == "all")
    assert r["comments"][east_all].tolist() == [1, 1]
    assert r["period"][east_all].tolist() == ["2024-01", "2024-02"]
    whole = _quiet(cm.comment_sentiment, data, freq="month")
    assert whole["comments"][whole["category"] == "all"].tolist() == [2, 2]


def test_a_group_without_comments_is_nan_with_a_warning() -> None:
    with pytest.warns(cm.UndefinedMetricWarning, match="no comments"):
        r = cm.comment_sentiment(_data(["great", "bad", None], [10, 1, 8]))
    passive = r["category"] == "passive"
    assert np.isnan(r["mean_compound"][passive]).all()
    assert r["responses"][passive].tolist() == [1]


def test_a_survey_off_the_nps_scale_has_one_row_per_group() -> None:
    data = {**_data(["great", "bad"], [5, 1]), "survey": ["csat", "csat"]}
    r = _quiet(cm.comment_sentiment, data, survey="csat")
    assert r["category"].tolist() == ["all"]
    assert r["comments"].tolist() == [2]


def test_data_without_comments_is_refused() -> None:
    with pytest.raises(cm.InvalidParameterError, match="no comment column"):
        cm.comment_sentiment({"customer_id": ["a"], "survey": ["nps"], "score": [9],
                              "submitted_at": ["2024-01-01"]})


def test_without_vader_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    monkeypatch.setattr(vader, "_ANALYZER", [])
    monkeypatch.setitem(sys.modules, "vaderSentiment.vaderSentiment", None)
    with pytest.raises(cm.MissingDependencyError, match=r"csmetrics\[text\]"):
        _quiet(cm.comment_sentiment, _data(["good"], [9]))


# --- distinctive terms --------------------------------------------------------------------------


def test_the_tokenizer_is_the_documented_one() -> None:
    assert words("Don’t LIKE the new-pricing, 2x!") == ["don't", "like", "the", "new",
                                                       "pricing", "x"]
    assert terms("The price of licences is too high") == ["price", "licences", "high"]
    assert terms("not easy to use") == ["not", "easy", "use", "not easy"]
    assert {"the", "and", "is"} <= STOP_WORDS
    assert not {"not", "no", "never"} & STOP_WORDS


def test_weighted_log_odds_match_a_hand_computation() -> None:
    # Detractors: "slow support", "slow app"; promoters: "great support", "great app",
    # "great team"; a passive: "ok app". Corpus counts: slow 2, support 2, app 3, great 3,
    # team 1, ok 1 (n = 12); detractors use 4 terms, promoters 6. alpha_0 = 10.
    data = _data(["slow support", "slow app", "great support", "great app", "great team",
                  "ok app"], [1, 4, 10, 9, 10, 7])
    r = cm.distinctive_terms(data, alpha_0=10, bigrams=False, min_count=1, top=None)

    def hand(ya: int, yb: int, corpus: int) -> tuple[float, float]:
        a = 10 * corpus / 12
        delta = math.log((ya + a) / (4 + 10 - ya - a)) - math.log((yb + a) / (6 + 10 - yb - a))
        return delta, delta / math.sqrt(1 / (ya + a) + 1 / (yb + a))

    expected = {"slow": (2, 0, 2), "support": (1, 1, 2), "app": (1, 1, 3), "great": (0, 3, 3),
                "team": (0, 1, 1)}
    got = {t: i for i, t in enumerate(r["term"].tolist())}
    assert set(got) == set(expected)            # "ok": neither group uses it
    for term, (ya, yb, corpus) in expected.items():
        i = got[term]
        assert (r["count_a"][i], r["count_b"][i]) == (ya, yb)
        assert (r["delta"][i], r["z"][i]) == pytest.approx(hand(ya, yb, corpus), rel=1e-12)
    assert r["term"][0] == "slow"
    assert r["term"][-1] == "great"
    assert r["favours"][0] == "detractor"
    assert r["favours"][-1] == "promoter"
    assert list(np.asarray(r["z"])) == sorted(r["z"], reverse=True)


def test_top_keeps_the_most_distinctive_of_each_side() -> None:
    data = _data(["slow support", "slow app", "great support", "great app", "great team"],
                 [1, 4, 10, 9, 10])
    r = cm.distinctive_terms(data, top=1, min_count=1)
    assert r["favours"].tolist() == ["detractor", "promoter"]
    assert r["term"].tolist() == ["slow", "great"]


def test_groups_may_join_categories_and_must_be_disjoint() -> None:
    data = _data(["slow", "slow", "great", "fine"], [1, 4, 10, 8])
    r = cm.distinctive_terms(data, groups=("detractor", ["passive", "promoter"]), min_count=1)
    assert r.groups == ("detractor", "passive + promoter")
    with pytest.raises(cm.InvalidParameterError, match=r"^distinctive_terms: groups must be"):
        cm.distinctive_terms(data, groups=("detractor", "detractor"))


def test_terms_need_an_nps_survey() -> None:
    data = {**_data(["great"], [5]), "survey": ["csat"]}
    with pytest.raises(cm.InvalidParameterError, match="NPS scale"):
        cm.distinctive_terms(data, survey="csat")


# --- themes -------------------------------------------------------------------------------------

THEMES = {"pricing": ["price", "expensive"], "ease": ["hard to use"]}


def test_themes_match_whole_words_case_insensitively() -> None:
    texts = ["Too EXPENSIVE", "the price, doubled", "prices rose", "priceless support",
             "Hard  to\nuse", "hard to user", "great", None]
    r = _quiet(cm.comment_themes, _data(texts, [0, 2, 4, 9, 5, 10, 10, 8]), THEMES)
    pricing = r["theme"] == "pricing"
    assert r["category"][pricing].tolist() == ["all", "detractor", "passive", "promoter"]
    assert r["mentions"][pricing].tolist() == [2, 2, 0, 0]
    assert r["comments"][pricing].tolist() == [7, 4, 0, 3]
    ease = r["theme"] == "ease"
    assert r["mentions"][ease].tolist() == [1, 1, 0, 0]
    lo, hi = proportion.proportion_confint(2, 4, alpha=0.05, method="wilson")
    row = np.flatnonzero(pricing)[1]
    assert r["share"][row] == 0.5
    assert (r["ci_low"][row], r["ci_high"][row]) == pytest.approx((lo, hi))
    assert np.isnan(r["change"]).all()


def test_the_change_between_windows_is_the_pooled_z_test() -> None:
    texts = ["expensive", "expensive", "ok", "bad", "expensive", "fine", "slow", "bad", "ok"]
    dates = ["2024-01-05"] * 4 + ["2024-04-05"] * 5
    r = _quiet(cm.comment_themes, _data(texts, [1] * 9, dates), THEMES, "2024-Q2",
               compare="2024-Q1")
    row = np.flatnonzero((r["theme"] == "pricing") & (r["category"] == "detractor"))[0]
    assert (r["mentions"][row], r["comments"][row]) == (1, 5)
    assert (r["previous_mentions"][row], r["previous_comments"][row]) == (2, 4)
    assert r["change"][row] == pytest.approx(1 / 5 - 2 / 4)
    stat, p = proportion.proportions_ztest([1, 2], [5, 4])
    assert r["z"][row] == pytest.approx(stat)
    assert r["p_value"][row] == pytest.approx(p)


def test_bad_themes_have_the_one_message_shape() -> None:
    for bad in ({}, {"pricing": []}, {"pricing": [""]}, ["price"], {"": ["price"]}):
        with pytest.raises(cm.InvalidParameterError, match=r"^comment_themes: themes must be"):
            cm.comment_themes(_data(["x"], [1]), bad)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["too expensive", "price ok", "great", "",
                                            "Expensive!", None]),
                          st.integers(0, 10)), min_size=1, max_size=30))
def test_category_counts_add_up_to_all(rows: list[tuple[str | None, int]]) -> None:
    texts, scores = [t for t, _ in rows], [s for _, s in rows]
    r = _quiet(cm.comment_themes, _data(texts, scores), THEMES)
    for theme in THEMES:
        here = r["theme"] == theme
        for col in ("comments", "mentions"):
            values = r[col][here]
            assert values[0] == values[1:].sum()
        expected = sum(1 for t in texts if (t and "expensive" in t.lower())
                       or t == "price ok") if theme == "pricing" else 0
        assert r["mentions"][here][0] == expected


# --- hostile text and the demo data --------------------------------------------------------------


def test_hostile_comments_go_through_every_metric_shown_escaped() -> None:
    data = _data(HOSTILE, [i % 11 for i in range(len(HOSTILE))])
    sentiment = _quiet(cm.comment_sentiment, data)
    html = sentiment.comments._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<script>" not in repr(sentiment.comments) + str(sentiment)
    terms_r = _quiet(cm.distinctive_terms, data, min_count=1)
    assert "<script>" not in terms_r._repr_html_()
    themes = _quiet(cm.comment_themes, data, {"<b>x</b>": ["<script>", "good"]})
    assert "<b>x</b>" not in themes._repr_html_()
    assert "&lt;b&gt;" in themes._repr_html_()
    frame = sentiment.to_pandas(level="comment")
    assert frame["comment"].tolist() == HOSTILE


def test_the_demo_comments_are_deterministic_and_leave_the_rest_alone() -> None:
    plain = cm.datasets.synthetic_survey_columns(80, seed=4)
    with_text = cm.datasets.synthetic_survey_columns(80, seed=4, comments=True)
    again = cm.datasets.synthetic_survey_columns(80, seed=4, comments=True)
    assert "comment" not in plain
    for k, v in plain.items():
        np.testing.assert_array_equal(v, with_text[k])
    assert with_text["comment"].tolist() == again["comment"].tolist()
    table = cm.datasets.synthetic_surveys(80, seed=4, comments=True)
    assert table.has_comments
    assert 0 < int((table.comments != None).sum()) < len(table)  # noqa: E711
    r = _quiet(cm.comment_sentiment, table)
    means = dict(zip(r["category"].tolist(), r["mean_compound"].tolist(), strict=True))
    assert means["detractor"] < means["passive"] < means["promoter"]
