"""Result objects: text, HTML, dict and DataFrame views."""

from __future__ import annotations

import json

import numpy as np
import pytest

import csmetrics as cm
from csmetrics import Subscription
from csmetrics.results import MetricResult


@pytest.fixture
def bridge() -> cm.MRRMovements:
    subs = [Subscription(customer_id="<b>&co", start="2024-01-10", amount=1234.5, plan="x"),
            Subscription(customer_id="z", start="2023-11-02", end="2024-02-02", amount=10)]
    return cm.mrr_movements(subs, "2024-01", "2024-02")


def test_repr_is_one_line(bridge: cm.MRRMovements) -> None:
    assert repr(bridge) == "MRRMovements(2 periods, 2024-01 to 2024-02, USD)"
    assert "\n" not in repr(bridge.details())


def test_str_is_an_aligned_table_with_money_formatting(bridge: cm.MRRMovements) -> None:
    text = str(bridge).splitlines()
    assert text[0] == "MRR movements (USD)"
    assert text[1].split()[:3] == ["period", "starting_mrr", "new"]
    assert text[2].split()[:3] == ["2024-01", "10.00", "1,234.50"]
    assert len({len(line) for line in text[1:]}) <= 2  # right-aligned columns


def test_long_results_are_elided_in_text() -> None:
    r = cm.TableResult({"i": np.arange(100)}, title="t")
    lines = str(r).splitlines()
    assert "…" in lines[17]
    assert len(lines) == 2 + 31


def test_html_is_a_table_with_every_string_escaped(bridge: cm.MRRMovements) -> None:
    html = bridge.details()._repr_html_()
    assert html.startswith('<table class="csmetrics">')
    assert "&lt;b&gt;&amp;co" in html
    assert "<b>" not in html


def test_to_dict_is_json_ready(bridge: cm.MRRMovements) -> None:
    d = bridge.to_dict()
    assert d["period"] == ["2024-01", "2024-02"]
    assert d["new"] == [1234.5, 0.0]
    assert json.loads(json.dumps(d)) == d


def test_to_pandas_and_polars(bridge: cm.MRRMovements) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("polars")
    frame = bridge.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert frame.index.name == "period"             # the period is the index
    assert list(frame.columns) == list(bridge.column_names)[1:]
    assert frame["ending_mrr"].tolist() == [1244.5, 1234.5]
    flat = bridge.to_pandas(index=False)               # the frame of earlier releases
    assert list(flat.columns) == list(bridge.column_names)
    assert flat["period"].tolist() == ["2024-01", "2024-02"]
    assert bridge.to_polars()["churn"].to_list() == [0.0, 10.0]


def test_results_are_read_only(bridge: cm.MRRMovements) -> None:
    with pytest.raises(AttributeError):
        bridge.title = "x"  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        bridge["new"][0] = 1.0


def test_unknown_column(bridge: cm.MRRMovements) -> None:
    with pytest.raises(cm.ColumnNotFoundError, match="Did you mean 'churn'"):
        bridge["chrun"]


def test_select_keeps_money_formatting(bridge: cm.MRRMovements) -> None:
    s = bridge.select("period", "new", title="New")
    assert str(s).splitlines() == ["New", "period        new", "2024-01  1,234.50",
                                   "2024-02      0.00"]


def test_nan_and_bool_cells() -> None:
    r = cm.TableResult({"x": [np.nan, 0.5], "ok": [True, False], "m": [np.nan, 1.0]},
                       money=("m",))
    assert str(r).splitlines() == ["  x   ok     m", "NaN  yes   NaN", "0.5   no  1.00"]


def test_a_health_rollup_is_a_metric_result_with_every_view() -> None:
    pd = pytest.importorskip("pandas")
    card = cm.HealthScorecard(measures=[cm.Measure(name="u", rule=cm.Linear(low=0, high=1))])
    scores = card.score({"customer_id": ["a", "b"], "u": [0.2, 0.9], "seg": ["<x>", "y"]},
                        keep=["seg"])
    rollup = cm.health_rollup(scores, by="seg")
    assert isinstance(rollup, MetricResult)
    assert "&lt;x&gt;" in rollup._repr_html_()
    assert "<x>" not in rollup._repr_html_()
    frame = rollup.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert frame["mean_score"].tolist() == [20.0, 90.0]   # 0.2 and 0.9 of the way to 100
    assert rollup.row("y").value == 90.0


def test_a_result_compared_with_a_number_says_what_to_read() -> None:
    # result == 0.5 would be False whatever the value: a silent bug in an `if`.
    one = MetricResult({"nrr": [0.5]}, value="nrr")
    many = MetricResult({"plan": ["a", "b"], "nrr": [0.5, 0.7]}, value="nrr", segment="plan")
    for op in (lambda r: r == 0.5, lambda r: r != 0.5, lambda r: r > 0.5, lambda r: r >= 0.5):
        with pytest.raises(cm.InvalidParameterError, match=r"read result\.value"):
            op(one)
        with pytest.raises(cm.InvalidParameterError, match=r"result\['nrr'\]"):
            op(many)
    assert one.value == 0.5
    assert one != many   # results still compare (and hash) as objects
    assert len({one, many}) == 2


def test_the_old_value_of_several_rows_is_an_error_as_a_number() -> None:
    pd = pytest.importorskip("pandas")
    usage = cm.UsageTable.from_columns(pd.DataFrame({
        "customer_id": ["a", "b"], "user_id": ["u1", "u2"], "feature": ["x", "x"],
        "at": ["2024-01-02", "2024-01-03"]}))
    per = cm.active_users(usage, "2024-01", by="customer_id")
    for use in (lambda v: v * 2, lambda v: v + 1, lambda v: v > 1, lambda v: round(v),
                lambda v: bool(v), lambda v: v == 1):
        with pytest.raises(cm.InvalidParameterError, match="2 rows"):
            use(per.value)
    with pytest.warns(DeprecationWarning, match=r"value\(\.\.\.\) is deprecated"):
        assert per.value("a") == 1


def test_the_old_callable_value_pickles_and_copies_as_its_number() -> None:
    import copy
    import pickle

    nps = cm.net_promoter_score([10, 9, 3])
    for copied in (pickle.loads(pickle.dumps(nps.value)), copy.deepcopy(nps.value)):
        assert copied == nps.value
        assert type(copied) is float


def test_to_polars_takes_segment_numbers_beside_the_none_segment() -> None:
    pytest.importorskip("polars")
    subs = [Subscription(customer_id="a", start="2024-01-01", amount=10),
            Subscription(customer_id="b", start="2024-01-01", amount=20)]
    r = cm.mrr(subs, "2024-01", by={"a": 1})   # segment 1, and "(none)" for b
    frame = r.to_polars()
    assert frame["segment"].to_list() == ["1", "(none)"]
    assert frame["mrr"].to_list() == [10.0, 20.0]
    mixed = cm.TableResult({"x": np.array([1, 2.5, None], dtype=object)}).to_polars()
    assert mixed["x"].to_list() == [1.0, 2.5, None]


def test_reading_a_result_the_wrong_way_is_a_clear_error() -> None:
    r = MetricResult({"plan": ["a"], "nrr": [0.5]}, value="nrr", segment="plan")
    with pytest.raises(cm.InvalidParameterError, match="takes one column name"):
        r[["nrr"]]  # type: ignore[index]
    assert r.select(["plan", "nrr"]).column_names == ("plan", "nrr")
    with pytest.raises(cm.InvalidParameterError, match="cannot format its value with 'x'"):
        f"{r:x}"
    assert f"{r:.0%}" == "50%"
