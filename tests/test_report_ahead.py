"""Parts of a report computed ahead on a second core change nothing the report shows.

``report.ahead`` starts calls in a worker and the report reads them in its order: the
report made that way equals the one made in order (every section, the headline, the text
and the HTML), on every kind of input, and raises what the serial report raises. The
helper itself is checked against plain calls: results, exceptions, calls taken back by the
reader, and no call left running when its block ends.
"""

from __future__ import annotations

import threading
import time
import warnings

import numpy as np
import pytest

import csmetrics as cm
import csmetrics.report.portfolio as portfolio_module
from csmetrics.datasets import (
    demo_portfolio,
    demo_surveys,
    demo_tickets,
    demo_usage,
    synthetic_columns,
    synthetic_portfolio,
)
from csmetrics.exceptions import CSMetricsError, UndefinedMetricWarning
from csmetrics.policies import MetricPolicy
from csmetrics.report.ahead import Ahead, worth_ahead


def _plain(report: cm.PortfolioReport) -> tuple[str, str, str]:
    data = report.to_dict()
    data.pop("made")
    text = str(report).replace(report.made, "")
    return repr(data), text, report.to_html(charts=False).replace(report.made, "")


def _both(monkeypatch: pytest.MonkeyPatch, make: object, *args: object,
          **options: object) -> tuple[object, object]:
    """The report of a fresh portfolio (``make()``), made in order and made ahead."""
    out = []
    for ahead in (False, True):
        monkeypatch.setattr(portfolio_module, "worth_ahead", lambda n, a=ahead: a)
        out.append(_plain(make().report(*args, **options)))  # type: ignore[operator]
    return out[0], out[1]


def _synthetic(seed: int = 3, **options: object) -> cm.Portfolio:
    return cm.Portfolio(subscriptions=cm.SubscriptionTable.from_columns(
        synthetic_columns(1500, seed=seed)), **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("period", ["2024-12", "2024-Q4", "2024", "2024-06"])
def test_ahead_equals_in_order(monkeypatch: pytest.MonkeyPatch, period: str) -> None:
    serial, ahead = _both(monkeypatch, _synthetic, period)
    assert serial == ahead


@pytest.mark.parametrize("by", [None, "plan", "customer_id"])
@pytest.mark.parametrize("policy", [None, MetricPolicy(same_period_churn=True)])
def test_ahead_equals_in_order_by_and_policy(monkeypatch: pytest.MonkeyPatch, by: str | None,
                                             policy: MetricPolicy | None) -> None:
    serial, ahead = _both(monkeypatch, lambda: _synthetic(5, policy=policy), "2024-Q3",
                          by=by, months=7)
    assert serial == ahead


def test_ahead_equals_in_order_every_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """Surveys, usage and tickets too: the contract sections then wait for health scores."""
    def full() -> cm.Portfolio:
        return cm.Portfolio(subscriptions=demo_portfolio(), surveys=demo_surveys(),
                            usage=demo_usage(), tickets=demo_tickets())

    for period, by in (("2024-12", None), ("2024-Q4", "plan"), (None, None)):
        serial, ahead = _both(monkeypatch, full, period, by=by)
        assert serial == ahead


def test_ahead_equals_in_order_per_currency(monkeypatch: pytest.MonkeyPatch) -> None:
    """Contract sections once per currency (the rest refuses to mix currencies)."""
    subs = synthetic_portfolio(800, seed=2, currencies=("USD", "EUR"))
    rates = cm.FxRates.constant({"EUR": 1.1}, reporting_currency="USD")
    serial, ahead = _both(monkeypatch, lambda: cm.Portfolio(subscriptions=subs, fx=rates),
                          "2024-Q2")
    assert serial == ahead


@pytest.mark.parametrize("options", [{"by": "no_such_column"}, {}])
def test_ahead_raises_what_in_order_raises(monkeypatch: pytest.MonkeyPatch,
                                           options: dict[str, object]) -> None:
    subs = synthetic_portfolio(600, seed=4, currencies=("USD", "EUR"))
    raised = []
    for ahead in (False, True):
        monkeypatch.setattr(portfolio_module, "worth_ahead", lambda n, a=ahead: a)
        with pytest.raises(CSMetricsError) as info:
            cm.Portfolio(subscriptions=subs).report("2024-06", **options)  # type: ignore[arg-type]
        raised.append((type(info.value), str(info.value)))
    assert raised[0] == raised[1]


def test_worth_ahead_only_for_large_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not worth_ahead(1000)
    monkeypatch.setenv("CSMETRICS_THREADS", "1")
    assert not worth_ahead(10_000_000)
    monkeypatch.setenv("CSMETRICS_THREADS", "2")
    assert worth_ahead(10_000_000)


# --- the helper ---------------------------------------------------------------------------


def _fail(message: str) -> None:
    raise CSMetricsError(message)


@pytest.mark.parametrize("enabled", [False, True])
def test_results_and_errors_as_plain_calls(enabled: bool) -> None:
    with Ahead(enabled) as ahead:
        total = ahead.start(sum, [1, 2, 3])
        failing = ahead.start(_fail, "no")
        array = ahead.start(np.arange, 4)
        assert total.get() == 6
        with pytest.raises(CSMetricsError, match="no"):
            failing.get()
        assert array.get().tolist() == [0, 1, 2, 3]


def test_in_order_runs_each_call_where_it_is_read() -> None:
    seen: list[str] = []
    with Ahead(False) as ahead:
        first = ahead.start(seen.append, "first")
        second = ahead.start(seen.append, "second")
        assert seen == []
        second.get()
        first.get()
    assert seen == ["second", "first"]


def test_reader_takes_back_queued_calls() -> None:
    """While the worker is busy, the reader runs what is queued behind (in its thread)."""
    gate = threading.Event()
    ran_in: dict[str, str] = {}

    def blocked() -> str:
        gate.wait(10)
        return "blocked"

    def where(name: str) -> str:
        ran_in[name] = threading.current_thread().name
        if name == "b":
            gate.set()
        return name

    with Ahead(True) as ahead:
        busy = ahead.start(blocked)
        time.sleep(0.05)   # the worker is in blocked()
        queued = [ahead.start(where, name) for name in ("a", "b")]
        assert busy.get() == "blocked"    # helped: ran a and b, which let blocked() end
        assert [p.get() for p in queued] == ["a", "b"]
    assert ran_in == {"a": threading.current_thread().name,
                      "b": threading.current_thread().name}


def test_leaving_waits_for_the_worker() -> None:
    """Nothing started ahead outlives its block (nor the report's warning filters)."""
    finished = threading.Event()

    def slow() -> None:
        time.sleep(0.2)
        finished.set()

    def report() -> None:
        with Ahead(True) as ahead:
            ahead.start(slow)
            ahead.start(_fail, "never read")
            time.sleep(0.02)
            raise CSMetricsError("the report failed first")

    with pytest.raises(CSMetricsError, match="failed first"):
        report()
    assert finished.is_set()


def test_warnings_ignored_by_the_report_stay_ignored_in_the_worker() -> None:
    from csmetrics._core.warnings import warn_undefined

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            with Ahead(True) as ahead:
                ahead.start(warn_undefined, "undefined here").get()
    assert not [w for w in caught if issubclass(w.category, UndefinedMetricWarning)]


# --- segmentations kept per table ---------------------------------------------------------


@pytest.mark.parametrize("by", [None, "plan", "customer_id", "currency"])
def test_kept_segmentation_equals_a_fresh_one(by: str | None) -> None:
    from csmetrics.revenue import segments

    table = cm.SubscriptionTable.from_columns(synthetic_columns(300, seed=7))
    kept = segments.segment(table, by, "first")
    again = segments.segment(table, by, "second")
    fresh = segments._segment(table, by, "second")
    assert again.context == "second"
    assert kept.context == "first"
    for name in ("labels", "entity_of_row", "segment_of_entity", "customer_of_entity"):
        assert np.array_equal(getattr(again, name), getattr(fresh, name))
        assert not getattr(kept, name).flags.writeable   # shared: never written in place
    assert again.name == fresh.name


def test_segmentation_of_a_mapping_is_not_kept() -> None:
    from csmetrics.revenue import segments

    table = cm.SubscriptionTable.from_columns(synthetic_columns(50, seed=1))
    first_id = str(table.customer_ids[0])
    one = segments.segment(table, {first_id: "A"}, "m")
    other = segments.segment(table, {first_id: "B"}, "m")
    assert one.labels.tolist() != other.labels.tolist()
