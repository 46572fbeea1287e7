"""The contract of every usage and support metric (docs/conventions.md), checked on a registry.

One small portfolio, worked by hand below, feeds every metric. The window is the 30 days
2 to 31 March 2024 (``AT``).

Usage events::

    a  u1  2024-03-10  report  100 s
    a  u2  2024-03-11  login   (no duration)
    a  u1  2024-03-12  report  300 s
    b  v1  2024-03-15  login   50 s
    c  w1  2024-01-05  report  (outside the window)

Seats ``{"a": 4, "b": 1, "d": 2}``: d bought seats and has no event. Start dates
``{"a": 1 March, "b": 10 March, "e": 20 March}``: e started and has no event.

Tickets::

    a  opened 1 March,  resolved 2 March, 1 contact
    a  opened 5 March,  open
    b  opened 10 March, resolved 20 March, 3 contacts
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from csmetrics.exceptions import (
    ColumnNotFoundError,
    InvalidParameterError,
    SignatureError,
    UndefinedMetricWarning,
)
from csmetrics.support import (
    FirstContactResolution,
    SupportTicket,
    first_contact_resolution_rate,
    open_tickets,
)
from csmetrics.tables.usage import UsageEvent, UsageTable
from csmetrics.usage import (
    AccountResult,
    AdoptionRate,
    AdoptionRule,
    Milestone,
    TimeToValue,
    active_users,
    active_users_series,
    active_users_trend,
    adoption_breadth,
    adoption_rate,
    engagement,
    feature_adoption,
    license_utilization,
    seats_at,
    stickiness,
    time_to_value,
)

AT = "2024-03-31"
EVENTS: dict[str, list[Any]] = {
    "customer_id": ["a", "a", "a", "b", "c"],
    "user_id": ["u1", "u2", "u1", "v1", "w1"],
    "at": ["2024-03-10T09:00:00Z", "2024-03-11T09:00:00Z", "2024-03-12T09:00:00Z",
           "2024-03-15T09:00:00Z", "2024-01-05T09:00:00Z"],
    "feature": ["report", "login", "report", "login", "report"],
    "duration_s": [100.0, None, 300.0, 50.0, None],
}
REGION = {"a": "EU", "b": "US", "c": "EU"}   # as a column: one value per account
SEATS = {"a": 4, "b": 1, "d": 2}
STARTS = {"a": "2024-03-01", "b": "2024-03-10", "e": "2024-03-20"}
TICKETS: dict[str, list[Any]] = {
    "customer_id": ["a", "a", "b"],
    "opened_at": ["2024-03-01T09:00:00Z", "2024-03-05T09:00:00Z", "2024-03-10T09:00:00Z"],
    "resolved_at": ["2024-03-02T09:00:00Z", None, "2024-03-20T09:00:00Z"],
    "contacts": [1, None, 3],
}

Metric = Callable[..., AccountResult]

# Every usage and support metric, as (name, call, result type, refuses row-level by=).
REGISTRY: list[tuple[str, Metric, type, bool]] = [
    ("active_users", lambda u, t, **kw: active_users(u, AT, **kw), AccountResult, False),
    ("active_users_trend", lambda u, t, **kw: active_users_trend(u, AT, **kw), AccountResult,
     False),
    ("active_users_series", lambda u, t, **kw: active_users_series(u, "2024-02", "2024-03",
                                                                   **kw), AccountResult, False),
    ("stickiness", lambda u, t, **kw: stickiness(u, "2024-03", **kw), AccountResult, False),
    ("engagement", lambda u, t, **kw: engagement(u, AT, **kw), AccountResult, False),
    ("adoption_rate", lambda u, t, **kw: adoption_rate(u, AT, rule=AdoptionRule(
        min_active_days=1, periods=1), **kw), AdoptionRate, True),
    ("adoption_breadth", lambda u, t, **kw: adoption_breadth(
        u, AT, features=["report", "login"], **kw), AccountResult, True),
    ("feature_adoption", lambda u, t, **kw: feature_adoption(u, AT, feature="report", **kw),
     AccountResult, True),
    ("license_utilization", lambda u, t, **kw: license_utilization(u, SEATS, AT, **kw),
     AccountResult, True),
    ("time_to_value", lambda u, t, **kw: time_to_value(STARTS, u, AT, milestone="report",
                                                       **kw), TimeToValue, True),
    ("first_contact_resolution_rate", lambda u, t, **kw: first_contact_resolution_rate(
        t, "2024-03", "2024-03", **kw), FirstContactResolution, False),
    ("open_tickets", lambda u, t, **kw: open_tickets(t, AT, **kw), AccountResult, False),
]
NAMES = [r[0] for r in REGISTRY]


def quiet(metric: Metric, *args: Any, **kwargs: Any) -> AccountResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return metric(*args, **kwargs)


def with_region(data: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {**data, "region": [REGION[c] for c in data["customer_id"]]}


# --- by= -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "metric", "kind", "refuses"), REGISTRY, ids=NAMES)
def test_one_result_type_whatever_by(name: str, metric: Metric, kind: type,
                                     refuses: bool) -> None:
    u, t = with_region(EVENTS), with_region(TICKETS)
    results = [quiet(metric, u, t, by=by) for by in
               (None, "customer_id", {"a": "x"}, "region")]
    assert {type(r) for r in results} == {kind}
    whole, per, mapped, region = results
    assert whole.segment_column in (None, "period", "feature")   # no by= column
    assert per.column_names[0] == "customer_id" or name == "active_users_series"
    assert mapped.segment_column == "segment"
    assert "(none)" in mapped["segment"].tolist()   # b, c ... are not in the mapping
    assert region.segment_column == "region"
    if len(whole) == 1:
        float(whole)   # the one number of the portfolio


@pytest.mark.parametrize(("name", "metric", "kind", "refuses"), REGISTRY, ids=NAMES)
def test_segments_add_up_to_the_portfolio(name: str, metric: Metric, kind: type,
                                          refuses: bool) -> None:
    whole = quiet(metric, EVENTS, TICKETS)
    for by in ("customer_id", {"a": "x", "b": "y"}):
        parts = quiet(metric, EVENTS, TICKETS, by=by)
        # Every account counts once (once per period or feature in the rows of those).
        assert parts["accounts"].sum() == whole["accounts"].sum()
        for count in ("active_users", "events", "tickets", "open_tickets", "seats",
                      "started", "reached", "adopted", "feature_users"):
            if count in whole.columns:
                assert np.nansum(parts[count]) == np.nansum(whole[count]), count


@pytest.mark.parametrize(("name", "metric", "kind", "refuses"), REGISTRY, ids=NAMES)
def test_a_column_varying_within_an_account(name: str, metric: Metric, kind: type,
                                            refuses: bool) -> None:
    u = {**EVENTS, "device": ["web", "ios", "web", "web", "ios"]}
    t = {**TICKETS, "channel": ["email", "chat", "email"]}
    by = "channel" if "ticket" in name or name.startswith("first") else "device"
    if refuses:
        with pytest.raises(InvalidParameterError, match="several values within one account"):
            metric(u, t, by=by)
    else:
        r = quiet(metric, u, t, by=by)
        assert type(r) is kind
        assert r.segment_column == by


def test_active_users_by_feature_count_the_users_of_each_feature() -> None:
    # report: (a, report) has u1 in the window, (c, report) nobody: 1 user, 2 accounts.
    # login: a's u2 and b's v1: 2 users, 2 accounts.
    r = active_users(EVENTS, AT, by="feature")
    assert r["feature"].tolist() == ["login", "report"]
    assert r["active_users"].tolist() == [2, 1]
    assert r["accounts"].tolist() == [2, 2]
    assert r["active"].tolist() == [2, 1]
    # Stickiness of a feature over March: login 2 user-days, report 2 (u1 on the 10th and
    # 12th): (2 / 31) / 2 and (2 / 31) / 1.
    s = stickiness(EVENTS, "2024-03", by="feature")
    assert s["stickiness"].tolist() == pytest.approx([1 / 31, 2 / 31])


def test_a_column_with_one_value_per_account_is_an_account_segment() -> None:
    # EU: a (2 active users) and c (0); US: b (1). Seat holder d has no region: "(none)".
    r = quiet(license_utilization, with_region(EVENTS), SEATS, AT, by="region")
    assert r["region"].tolist() == ["EU", "US", "(none)"]
    assert r["accounts"].tolist() == [2, 1, 1]
    assert r["active_users"].tolist() == [2, 1, 0]
    # EU: 2 active users on a's 4 seats (c has none known); US 1 / 1; (none) 0 / 2.
    assert r["utilization"].tolist() == [0.5, 1.0, 0.0]


def test_mapping_puts_unmapped_accounts_in_none() -> None:
    r = active_users(EVENTS, AT, by={"a": "smb"})
    assert r["segment"].tolist() == ["smb", "(none)"]
    assert r["accounts"].tolist() == [1, 2]   # b and c unmapped
    assert r["active_users"].tolist() == [2, 1]


def test_by_errors_list_the_columns_and_the_shape() -> None:
    with pytest.raises(ColumnNotFoundError, match="'plan' not found"):
        active_users(EVENTS, AT, by="plan")
    with pytest.raises(InvalidParameterError) as err:
        active_users(EVENTS, AT, by=3)  # type: ignore[arg-type]
    assert str(err.value) == ("active_users: by must be None, a column name or a mapping from "
                              "customer id to segment, got 3.")
    with pytest.raises(InvalidParameterError, match="by='feature' is not needed"):
        feature_adoption(EVENTS, AT, feature="report", by="feature")


@pytest.mark.parametrize(("name", "metric", "kind", "refuses"), REGISTRY, ids=NAMES)
def test_by_all_is_deprecated_and_means_the_portfolio(name: str, metric: Metric, kind: type,
                                                      refuses: bool) -> None:
    with pytest.warns(DeprecationWarning, match="by='all' is deprecated"):
        old = quiet(metric, EVENTS, TICKETS, by="all")
    np.testing.assert_equal(old.to_dict(), quiet(metric, EVENTS, TICKETS).to_dict())


# --- the account universe --------------------------------------------------------------------


def test_every_account_of_the_events_or_the_seats_counts() -> None:
    # The audit finding: feature_adoption(eligible_users=seats) dropped d (seats, no event)
    # while license_utilization kept it. Both now count a, b, c (events) and d (seats).
    util = quiet(license_utilization, EVENTS, SEATS, AT, by="customer_id")
    adopt = quiet(feature_adoption, EVENTS, AT, feature="report", eligible_users=SEATS,
                  by="customer_id")
    assert util["customer_id"].tolist() == adopt["customer_id"].tolist() == ["a", "b", "c", "d"]
    # d: 0 users of 2 seats or eligible users: a defined 0, not a missing row.
    assert util.row("d")["utilization"].tolist() == [0.0]
    assert adopt.row("d")["adoption"].tolist() == [0.0]
    # Pooled: report users 1 (a) over the known eligible users 4 + 1 + 2 (c unknown): 1 / 7;
    # it was 1 / 5 with d dropped.
    pooled = quiet(feature_adoption, EVENTS, AT, feature="report", eligible_users=SEATS)
    assert float(pooled) == pytest.approx(1 / 7)
    assert pooled["accounts"].tolist() == [4]
    assert float(quiet(license_utilization, EVENTS, SEATS, AT)) == pytest.approx(3 / 7)


def test_every_account_with_a_start_or_events_counts_in_time_to_value() -> None:
    # a reaches "report" 9 days after its start; b is censored at 21 days, e at 11; c has
    # events but no start date. Kaplan-Meier: S(9) = 2/3 and never 1/2 or below: no median.
    with pytest.warns(UndefinedMetricWarning, match="median time to value is not reached"):
        ttv = time_to_value(STARTS, EVENTS, AT, milestone="report")
    assert ttv.accounts_detail["customer_id"].tolist() == ["a", "b", "c", "e"]
    assert ttv.accounts_detail["status"].tolist() == ["reached", "not yet reached",
                                                      "no start date", "not yet reached"]
    assert ttv.accounts_detail["observed_days"].tolist()[:2] == [9.0, 21.0]
    assert (ttv["accounts"].tolist(), ttv["started"].tolist(), ttv["reached"].tolist()) == (
        [4], [3], [1])
    assert ttv["share_reached"].tolist() == [pytest.approx(1 / 3)]


@pytest.mark.parametrize(("name", "metric", "kind", "refuses"), REGISTRY, ids=NAMES)
def test_customers_fixes_the_accounts_in_order(name: str, metric: Metric, kind: type,
                                               refuses: bool) -> None:
    r = quiet(metric, EVENTS, TICKETS, by="customer_id", customers=["z", "b", "a"])
    ids = r["customer_id"].tolist()
    assert ids[:3] == ["z", "b", "a"] or name == "active_users_series"
    whole = quiet(metric, EVENTS, TICKETS, customers=["z", "b", "a"])
    assert whole["accounts"].tolist()[0] == 3


# --- inputs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "metric", "kind", "refuses"), REGISTRY, ids=NAMES)
def test_records_columns_pandas_and_polars_give_the_same_result(
        name: str, metric: Metric, kind: type, refuses: bool) -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    n, m = len(EVENTS["at"]), len(TICKETS["opened_at"])
    usage_records = [UsageEvent(**{k: v[i] for k, v in EVENTS.items()}) for i in range(n)]
    ticket_records = [SupportTicket(**{k: v[i] for k, v in TICKETS.items()}) for i in range(m)]
    inputs = [(EVENTS, TICKETS), (usage_records, ticket_records),
              (pd.DataFrame(EVENTS), pd.DataFrame(TICKETS)),
              (pl.DataFrame(EVENTS), pl.DataFrame(TICKETS)),
              (UsageTable.from_columns(EVENTS), TICKETS)]
    expected = quiet(metric, EVENTS, TICKETS, by="customer_id").to_dict()
    for u, t in inputs:
        np.testing.assert_equal(quiet(metric, u, t, by="customer_id").to_dict(), expected)


def test_a_column_of_a_dataframe_named_by_by_is_kept() -> None:
    pd = pytest.importorskip("pandas")
    r = active_users(pd.DataFrame(with_region(EVENTS)), AT, by="region")
    assert r["region"].tolist() == ["EU", "US"]
    assert r["active_users"].tolist() == [2, 1]
    kept = UsageTable.from_columns(with_region(EVENTS), segments=["region"])
    np.testing.assert_equal(active_users(kept, AT, by="region").to_dict(), r.to_dict())


@pytest.mark.parametrize(("name", "metric", "kind", "refuses"), REGISTRY, ids=NAMES)
def test_empty_input_is_nan_or_zero_never_an_error(name: str, metric: Metric, kind: type,
                                                   refuses: bool) -> None:
    no_events = {"customer_id": [], "user_id": [], "at": [], "feature": []}
    no_tickets = {"customer_id": [], "opened_at": [], "resolved_at": [], "contacts": []}
    if name in ("adoption_breadth", "feature_adoption"):
        no_events = UsageTable.from_columns(no_events, features=["report", "login"])
    if name == "license_utilization":
        r = quiet(license_utilization, no_events, {}, AT)
    elif name == "time_to_value":
        r = quiet(time_to_value, {}, no_events, AT, milestone=Milestone())
    else:
        r = quiet(metric, no_events, no_tickets)
    assert type(r) is kind
    assert r["accounts"].sum() == 0
    value = np.asarray(r[r.metric], dtype=np.float64)
    counts = ("active_users", "open_tickets", "seats")
    assert (value == 0).all() if r.metric in counts else np.isnan(value).all()


@pytest.mark.parametrize("name", ["stickiness", "engagement", "license_utilization",
                                  "first_contact_resolution_rate", "active_users_trend"])
def test_an_undefined_value_warns_once_at_the_callers_line(name: str) -> None:
    metric = {r[0]: r[1] for r in REGISTRY}[name]
    if name == "license_utilization":   # an account with no seats
        metric = lambda u, t: license_utilization(u, {"a": 0}, AT)  # noqa: E731
    no_events = {"customer_id": ["a"], "user_id": ["u"], "at": ["2020-01-01"]}
    no_tickets = {"customer_id": ["a"], "opened_at": ["2020-01-01"], "resolved_at": [None],
                  "contacts": [None]}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = metric(no_events, no_tickets)
    undefined = [w for w in caught if issubclass(w.category, UndefinedMetricWarning)]
    assert np.isnan(float(r))
    assert len({str(w.message) for w in undefined}) == len(undefined) >= 1
    assert {w.filename for w in undefined} == {__file__}


# --- options and deprecated forms ------------------------------------------------------------


def test_bad_options_raise_with_the_shared_message_shape() -> None:
    cases: list[tuple[Callable[[], Any], str]] = [
        (lambda: first_contact_resolution_rate(TICKETS, denominator="handled"),  # type: ignore[arg-type]
         "first_contact_resolution_rate: denominator must be one of 'resolved', 'received', "
         "got 'handled'."),
        (lambda: first_contact_resolution_rate(TICKETS, zero_contacts="never"),  # type: ignore[arg-type]
         "first_contact_resolution_rate: zero_contacts must be one of 'first_contact', "
         "'exclude', got 'never'."),
        (lambda: adoption_breadth(EVENTS, AT, features=["report"], min_users=0),
         "adoption_breadth: min_users must be a whole number >= 1, got 0."),
        (lambda: adoption_rate(EVENTS, AT, rule=3),  # type: ignore[arg-type]
         "adoption_rate: rule must be an AdoptionRule or None, got 3."),
        (lambda: time_to_value(STARTS, EVENTS, AT, milestone=5),  # type: ignore[arg-type]
         "time_to_value: milestone must be a feature name or a Milestone, got 5."),
        (lambda: active_users(EVENTS, AT, window="1M"),
         "active_users: window must be in days or weeks here"),
        (lambda: open_tickets(TICKETS, AT, window="thirty"),
         "open_tickets: window must be a length with its unit"),
    ]
    for call, message in cases:
        with pytest.raises(InvalidParameterError) as err:
            call()
        assert str(err.value).startswith(message)


def test_old_argument_orders_and_names_warn_and_still_work() -> None:
    new_and_old: list[tuple[Callable[[], Any], Callable[[], Any], str]] = [
        (lambda: feature_adoption(EVENTS, AT, feature="report"),
         lambda: feature_adoption(EVENTS, "report", at=AT), "argument order"),
        (lambda: adoption_rate(EVENTS, AT, rule=AdoptionRule(periods=1)),
         lambda: adoption_rate(EVENTS, AdoptionRule(periods=1), at=AT), "argument order"),
        (lambda: adoption_breadth(EVENTS, AT, features=["report"]),
         lambda: adoption_breadth(EVENTS, ["report"], at=AT), "argument order"),
        (lambda: stickiness(EVENTS, "2024-03"),
         lambda: stickiness(EVENTS, month="2024-03"), "month= is deprecated"),
        (lambda: time_to_value(STARTS, EVENTS, AT, milestone="report"),
         lambda: time_to_value(subs_or_start_dates=STARTS, usage=EVENTS, at=AT,
                               milestone="report"), "subs_or_start_dates= is deprecated"),
        (lambda: active_users(EVENTS, AT, window="7D"),
         lambda: active_users(EVENTS, AT, window=7), "window=7"),
    ]
    for new, old, message in new_and_old:
        with pytest.warns(DeprecationWarning, match=message):
            before = quiet(old)
        np.testing.assert_equal(before.to_dict(), quiet(new).to_dict())
    with pytest.raises(SignatureError, match=r"call feature_adoption\(usage, at, \*"):
        feature_adoption(EVENTS)  # type: ignore[call-arg]


def test_keyword_at_still_binds() -> None:
    # Before 0.2 at was keyword-only; it is now the second positional, so at= still works.
    assert int(active_users(EVENTS, at=AT)) == 3
    assert int(open_tickets(TICKETS, at=AT)) == 1


def test_the_old_per_account_accessors_are_deprecated() -> None:
    per = active_users(EVENTS, AT, by="customer_id")
    with pytest.warns(DeprecationWarning, match=r"value\(\.\.\.\) is deprecated"):
        assert per.value("a") == 2.0
    with pytest.warns(DeprecationWarning, match=r"value\(\.\.\.\) is deprecated"):
        assert per.value("a", "active") == 1.0
    assert per.row("a").value == 2.0
    with pytest.warns(DeprecationWarning, match=r"by_segment\(\) is deprecated"):
        pooled = per.by_segment({"a": "x", "b": "x"})
    np.testing.assert_equal(pooled.to_dict(),
                            active_users(EVENTS, AT, by={"a": "x", "b": "x"}).to_dict())
    with pytest.raises(InvalidParameterError, match="reads a per-account result"), \
            pytest.warns(DeprecationWarning, match="is deprecated"):
        active_users(EVENTS, AT, by="feature").value("a")
    with pytest.raises(InvalidParameterError, match="pools a per-account result"), \
            pytest.warns(DeprecationWarning, match="is deprecated"):
        active_users(EVENTS, AT).by_segment(None)


def test_results_print_render_and_convert() -> None:
    pd = pytest.importorskip("pandas")
    r = quiet(license_utilization, EVENTS, SEATS, AT, by={"a": "<smb>"})
    assert "&lt;smb&gt;" in r._repr_html_()
    assert r.to_pandas().shape == (len(r), len(r.column_names) - 1)   # the segment: index
    assert r.to_pandas(index=False).shape == (len(r), len(r.column_names))
    assert isinstance(r.to_pandas(), pd.DataFrame)
    assert f"{quiet(license_utilization, EVENTS, SEATS, AT):.1%}" == "42.9%"   # 3 / 7
    assert repr(active_users(EVENTS, AT)) == "AccountResult(active_users=3)"
    assert repr(seats_at([], AT)) == "AccountResult(seats=0)"
