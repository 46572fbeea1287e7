"""Issue 14: the report as a document people forward — headline figures worked by hand, the
period a report is about, human formats, the text report's width, the at-risk reasons."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

import csmetrics as cm
from csmetrics.report.headline import Figure, compared_periods
from csmetrics.report.labels import blocks, cell, humanize, label
from csmetrics.report.more import _at_risk
from csmetrics.report.text import WIDTH

NAN = float("nan")


def _tiny() -> cm.SubscriptionTable:
    """Worked by hand below: a pays 100 from 2023-01 and 20 more from 2024-12-01; b pays 50
    from 2023-06-01 to 2024-11-15 (churns in November 2024); c pays 200 from 2024-12-10."""
    return cm.SubscriptionTable.from_columns({
        "customer_id": ["a", "a", "b", "c"],
        "subscription_id": ["a1", "a2", "b1", "c1"],
        "start": ["2023-01-01", "2024-12-01", "2023-06-01", "2024-12-10"],
        "end": [None, None, "2024-11-15", None],
        "amount": [100, 20, 50, 200],
        "plan": ["basic", "seats", "basic", "<b>pro</b>"]})


def _same(got: tuple[float, ...], want: tuple[float, ...]) -> bool:
    return all((math.isnan(g) and math.isnan(w)) or g == pytest.approx(w)
               for g, w in zip(got, want, strict=True))


class TestHeadline:
    def test_a_month_against_the_month_before_and_a_year_before(self) -> None:
        head = cm.Portfolio(subscriptions=_tiny()).report("2024-12").headline
        assert head is not None
        assert head.periods == ("2024-12", "2024-11", "2023-12")
        # MRR on 2024-12-31: a 120 + c 200; on 2024-11-30: a 100; on 2023-12-31: a 100 + b 50
        assert _same(head["mrr"].values, (320, 100, 150))
        assert _same(head["arr"].values, (3840, 1200, 1800))
        # December: new 200 + expansion 20; November: churn 50; December 2023: nothing
        assert _same(head["net_new_mrr"].values, (220, -50, 0))
        # NRR over 2024-01..2024-12: the 150 paying on 2023-12-31 keep 120 (a) and 0 (b);
        # over 2023-12..2024-11: 100 of 150; over 2023: nobody paid on 2022-12-31
        assert _same(head["nrr"].values, (0.8, 100 / 150, NAN))
        assert _same(head["grr"].values, (100 / 150, 100 / 150, NAN))
        # December 2024: a alone at the start, stays; November: b of a and b leaves
        assert _same(head["logo_churn"].values, (0.0, 0.5, 0.0))

    def test_changes_and_their_tone(self) -> None:
        head = cm.Portfolio(subscriptions=_tiny()).report("2024-12").headline
        assert head is not None
        assert head["mrr"].change(1) == pytest.approx(2.2)            # 320 / 100 - 1
        assert head["mrr"].change(2) == pytest.approx(320 / 150 - 1)
        assert math.isnan(head["net_new_mrr"].change(1))             # a negative base
        assert head["nrr"].change(1) == pytest.approx((0.8 - 100 / 150) * 100)   # points
        assert head["logo_churn"].change(1) == pytest.approx(-50.0)
        page = cm.Portfolio(subscriptions=_tiny()).report("2024-12").to_html(charts=False)
        cards = dict(re.findall(r'<div class="label">([^<]+)</div>.*?<div class="delta (\w+)"',
                                page))
        assert cards["MRR"] == "good"
        assert cards["Logo churn"] == "good"
        assert cards["Net new MRR"] == "flat"                             # not comparable

    def test_a_quarter_is_that_quarter_with_monthly_detail(self) -> None:
        report = cm.Portfolio(subscriptions=_tiny()).report("2024-Q4")
        assert (report.first, report.period, report.label) == ("2024-10", "2024-12", "2024-Q4")
        assert report["mrr_bridge"].table is not None
        assert report["mrr_bridge"].table["period"].tolist() == ["2024-10", "2024-11",
                                                                 "2024-12"]
        head = report.headline
        assert head is not None
        assert head.periods == ("2024-Q4", "2024-Q3", "2023-Q4")
        assert _same(head["net_new_mrr"].values, (170, 0, 0))   # -50 in Nov, +220 in Dec
        # Q4 2024 starts with a and b, loses b
        assert _same(head["logo_churn"].values, (0.5, 0.0, 0.0))

    def test_a_year_and_an_explicit_window(self) -> None:
        report = cm.Portfolio(subscriptions=_tiny()).report("2024")
        assert (report.first, report.period) == ("2024-01", "2024-12")
        assert report.headline is not None
        assert report.headline.periods == ("2024", "2023", "")
        assert _same(report.headline["mrr"].values, (320, 150, NAN))
        six = cm.Portfolio(subscriptions=_tiny()).report("2024-12", months=6)
        assert (six.first, six.period) == ("2024-07", "2024-12")
        assert compared_periods(cm.Period.parse("2024-03"))[2] == cm.Period.parse("2023-03")

    def test_json_carries_the_headline_and_sources(self) -> None:
        data = json.loads(cm.Portfolio(subscriptions=_tiny(), sources={
            "subscriptions": "subs.csv"}).report("2024-12").to_json())
        figures = {f["key"]: f for f in data["headline"]["figures"]}
        assert figures["mrr"]["value"] == 320
        assert figures["nrr"]["year_before"] is None
        assert data["sources"] == [{"name": "subscriptions", "rows": 4, "rejected": 0,
                                    "origin": "subs.csv"}]

    @pytest.mark.parametrize("sources", [5, {"subscriptions": 3}, ["subs.csv"]])
    def test_bad_sources_are_a_clear_error(self, sources: object) -> None:
        with pytest.raises(cm.InvalidParameterError, match="sources must map table names"):
            cm.Portfolio(subscriptions=_tiny(), sources=sources)  # type: ignore[arg-type]

    def test_figure_changes_are_points_for_rates(self) -> None:
        rate = Figure("x", "X", "percent", (0.25, 0.2, NAN), higher_is_better=False)
        assert rate.change(1) == pytest.approx(5.0)
        assert math.isnan(rate.change(2))
        assert Figure("m", "M", "money", (5.0, 0.0, 4.0)).change(1) != 0   # NaN: zero base


class TestFormats:
    def test_labels_are_words(self) -> None:
        assert label("churned_customers") == "Churned customers"
        assert label("mrr_share_red") == "MRR share red"
        assert humanize("MRR by plan_family and customer_id") == (
            "MRR by plan family and customer")

    def test_cells(self) -> None:
        assert cell(0.40236, "percent") == "40.2%"
        assert cell(1102.3643, "money", 2) == "1,102.36"
        assert cell(1500.0, "money", 0) == "1,500"
        assert cell(None, "text") == cell(NAN, "percent") == "—"
        assert cell(np.datetime64("NaT"), "date") == "—"

    def test_blocks_repeat_the_row_labels(self) -> None:
        assert blocks([5, 5, 5, 5], 12, keys=1) == [[0, 1], [0, 2], [0, 3]]
        assert blocks([5, 5, 5, 5], 100, keys=2) == [[0, 1, 2, 3]]


def _demo(**kw: object) -> cm.Portfolio:
    return cm.Portfolio(subscriptions=cm.datasets.demo_portfolio(),
                        surveys=cm.datasets.demo_surveys(), usage=cm.datasets.demo_usage(),
                        tickets=cm.datasets.demo_tickets(), **kw)  # type: ignore[arg-type]


class TestText:
    @pytest.mark.parametrize("by", [None, "plan"])
    def test_within_100_columns_with_no_nan_and_no_code_names(self, by: str | None) -> None:
        text = str(_demo().report("2024-12", by=by))
        assert max(len(line) for line in text.splitlines()) <= WIDTH
        assert not re.search(r"\b(NaN|nan|None|inf)\b", text)
        headers = [line for line in text.splitlines() if line.startswith(("Period ", "Metric"))]
        assert headers
        assert not any(re.search(r"\b[a-z]+_[a-z_]+\b", h) for h in headers)

    def test_long_labels_wrap_instead_of_widening(self) -> None:
        subs = cm.SubscriptionTable.from_columns({
            "customer_id": ["a", "b"], "start": ["2024-01-01"] * 2, "amount": [10, 20],
            "plan": ["x" * 150, "a plan whose name goes on and on " * 4]})
        text = str(cm.Portfolio(subscriptions=subs).report("2024-06"))
        assert max(len(line) for line in text.splitlines()) <= WIDTH
        assert "a plan whose name" in text


class TestAtRisk:
    def test_reasons_are_the_points_each_measure_cost(self) -> None:
        """Worked by hand: usage 0.2 on a 0-1 line is 20 points with weight 3, NPS -100 on
        -100..100 is 0 points with weight 1; score (3 x 20 + 0) / 4 = 15. Usage cost
        0.75 x 100 - 15 = 60 points, NPS 0.25 x 100 - 0 = 25."""
        card = cm.HealthScorecard(measures=[
            cm.Measure(name="usage", rule=cm.Linear(low=0, high=1), weight=3),
            cm.Measure(name="nps", rule=cm.Linear(low=-100, high=100))])
        scores = card.score({"customer_id": ["x", "y"], "usage": [0.2, 1.0],
                             "nps": [-100, 100], "mrr": [90.0, 10.0]}, mrr="mrr")
        section = _at_risk(cm.at_risk(scores), scores)
        assert section.table is not None
        assert section.table["customer_id"].tolist() == ["x"]
        assert section.table["score"].tolist() == [15.0]
        assert section.table["top_reasons"].tolist() == ["usage (-60\u00a0pts); NPS (-25\u00a0pts)"]


class TestHtml:
    def test_user_strings_are_escaped_and_the_footer_names_the_data(self) -> None:
        page = cm.Portfolio(subscriptions=_tiny(), sources={"subscriptions": "<x>.csv"}
                            ).report("2024-12").to_html(charts=False)
        assert "<b>pro</b>" not in page
        assert "&lt;b&gt;pro&lt;/b&gt;" in page
        assert "&lt;x&gt;.csv" in page
        assert "4 rows" in page
        assert "Charts are left out" in page

    def test_no_nan_and_no_snake_case_headers(self) -> None:
        page = _demo().report("2024-12").to_html(charts=False)
        assert not re.search(r">[^<]*\b(NaN|nan|None)\b[^<]*<", page)
        for header in re.findall(r"<(?:th|h1|h2)[^>]*>([^<]*)<", page):
            assert not re.search(r"\b[a-z0-9]+_[a-z0-9_]+\b", header), header
