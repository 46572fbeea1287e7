"""Support tickets, first contact resolution, open tickets and trial conversion.

Expected numbers are worked by hand beside each assertion or quoted from the cited source.
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csmetrics import Subscription
from csmetrics.datasets.tickets import synthetic_ticket_columns, synthetic_tickets
from csmetrics.exceptions import DataValidationError, InvalidParameterError, UndefinedMetricWarning
from csmetrics.revenue.trials import trial_conversion_rate
from csmetrics.support.metrics import first_contact_resolution_rate, open_tickets
from csmetrics.tables.tickets import SupportTicket, SupportTicketTable


def tickets(rows: list[tuple[Any, str, str | None, int | None]]) -> SupportTicketTable:
    """A table from (customer, opened_at, resolved_at, contacts) tuples."""
    return SupportTicketTable.from_columns({
        "customer_id": [r[0] for r in rows], "opened_at": [r[1] for r in rows],
        "resolved_at": [r[2] for r in rows], "contacts": [r[3] for r in rows]})


# --- the table ---------------------------------------------------------------------------------


def test_timestamps_are_utc_and_rules_name_rows() -> None:
    t = tickets([("a", "2024-03-01T10:00:00+02:00", "2024-03-01T09:00:00Z", 1)])
    assert t.opened_at.tolist() == [dt.datetime(2024, 3, 1, 8)]
    assert t.resolved_at.tolist() == [dt.datetime(2024, 3, 1, 9)]
    with pytest.raises(DataValidationError, match="'resolved_at' must not be before") as err:
        tickets([("a", "2024-03-02", "2024-03-03", 1), ("a", "2024-03-02", "2024-03-01", 1)])
    assert err.value.positions == (1,)
    with pytest.raises(DataValidationError, match="must not mix timezone-aware and naive"):
        tickets([("a", "2024-03-02T00:00Z", None, 1), ("a", "2024-03-02T00:00Z", None, 1),
                 ("a", "2024-03-02T00:00", None, 1)])


def test_contacts_rules() -> None:
    with pytest.raises(DataValidationError, match="whole number >= 0") as err:
        SupportTicketTable.from_columns({"customer_id": ["a"] * 3,
                                         "opened_at": ["2024-01-01"] * 3,
                                         "contacts": [1, 1.5, -1]})
    assert err.value.positions == (1, 2)
    with pytest.raises(DataValidationError, match="must not be missing on a resolved ticket"):
        tickets([("a", "2024-01-01", "2024-01-02", None)])
    open_ok = tickets([("a", "2024-01-01", None, None)])
    assert open_ok.contacts.tolist() == [-1]
    assert open_ok.column("contacts").tolist() == [None]


def test_ticket_ids_are_unique_and_skip_hands_rows_back() -> None:
    cols = {"customer_id": ["a", "b", "c"], "ticket_id": [1, 2, 1],
            "opened_at": ["2024-01-01", "2024-01-01", "2024-01-01"]}
    with pytest.raises(DataValidationError, match="must be unique") as err:
        SupportTicketTable.from_columns(cols)
    assert err.value.positions == (2,)
    t = SupportTicketTable.from_columns(cols, errors="skip")
    assert t.skipped.rows.tolist() == [2]
    assert t.customer_ids.tolist() == ["a", "b"]


def test_records_and_columns_agree() -> None:
    recs = [SupportTicket(customer_id="a", opened_at="2024-03-01T09:00:00Z",
                          resolved_at="2024-03-01T10:00:00Z", contacts=1, ticket_id="t1"),
            SupportTicket(customer_id="b", opened_at="2024-03-02T09:00:00Z")]
    cols = {"customer_id": ["a", "b"], "ticket_id": ["t1", None],
            "opened_at": ["2024-03-01T09:00:00Z", "2024-03-02T09:00:00Z"],
            "resolved_at": ["2024-03-01T10:00:00Z", None], "contacts": [1, None]}
    np.testing.assert_equal(SupportTicketTable.from_records(recs).to_dict(),
                            SupportTicketTable.from_columns(cols).to_dict())
    with pytest.raises(DataValidationError, match="column 'contacts' must be greater than"):
        SupportTicketTable.from_records([{"customer_id": 1, "opened_at": "2024-01-01",
                                          "contacts": -2}])
    assert repr(SupportTicketTable.from_records(recs)) == (
        "SupportTicketTable(2 tickets, 2 accounts, 1 open, 2024-03-01 to 2024-03-02 UTC)")


# --- first contact resolution ------------------------------------------------------------------


def test_zendesk_one_touch_counts_fewer_than_two_replies_on_solved_tickets() -> None:
    # Zendesk, "How are one-touch resolutions calculated?":
    # IF (VALUE(Agent replies) < 2 AND status is Solved or Closed) THEN [Ticket ID].
    # Solved with 0, 1, 2 and 3 replies, and two open tickets: one-touch = 2 of 4 solved.
    t = tickets([("a", "2024-03-01", "2024-03-01T01:00", 0),
                 ("a", "2024-03-01", "2024-03-01T02:00", 1),
                 ("a", "2024-03-01", "2024-03-02", 2),
                 ("a", "2024-03-01", "2024-03-03", 3),
                 ("a", "2024-03-01", None, 1), ("a", "2024-03-01", None, None)])
    fcr = first_contact_resolution_rate(t)
    assert fcr.rate == 0.5
    assert fcr["tickets"].tolist() == [4]
    assert fcr["first_contact"].tolist() == [2]
    # Leaving zero-reply tickets out: 1 of 3.
    assert first_contact_resolution_rate(t, zero_contacts="exclude").rate == pytest.approx(1 / 3)


def test_received_denominator_reproduces_published_examples() -> None:
    # Mindmesh glossary: 354 requests received in Q1, 246 resolved at first contact:
    # 246 / 354 = 69.5%. Here 246 one-contact resolutions, 80 with more, 28 still open.
    rows = ([("acme", "2024-02-01", "2024-02-02", 1)] * 246
            + [("acme", "2024-02-01", "2024-02-05", 3)] * 80
            + [("acme", "2024-03-30", None, None)] * 28)
    fcr = first_contact_resolution_rate(tickets(rows), denominator="received",
                                        start="2024-Q1", end="2024-Q1")
    assert fcr.rate == pytest.approx(246 / 354)
    assert round(100 * fcr.rate, 1) == 69.5
    # Zapscale: 100 tickets received in a month, 70 resolved on the first interaction: 70%.
    rows = [("x", "2024-05-03", "2024-05-03T04:00", 1)] * 70 + [
        ("x", "2024-05-03", "2024-05-09", 2)] * 30
    assert first_contact_resolution_rate(tickets(rows), denominator="received",
                                         start="2024-05", end="2024-05").rate == 0.7


def test_window_membership_differs_by_denominator() -> None:
    # Freshservice: FCR% is over the tickets *resolved* in the period.
    t = tickets([("a", "2024-02-28", "2024-03-02", 1),   # opened Feb, resolved Mar
                 ("a", "2024-03-10", "2024-03-11", 1),   # March both
                 ("a", "2024-03-20", "2024-03-22", 4),   # March both, 4 contacts
                 ("a", "2024-03-30", "2024-04-02", 1)])  # opened Mar, resolved Apr
    resolved = first_contact_resolution_rate(t, start="2024-03", end="2024-03")
    # Resolved in March: tickets 0, 1, 2 -> 2 of 3.
    assert resolved["tickets"].tolist() == [3]
    assert resolved.rate == pytest.approx(2 / 3)
    received = first_contact_resolution_rate(t, denominator="received", start="2024-03",
                                             end="2024-03")
    # Received in March: tickets 1, 2, 3; ticket 3 is not resolved by 31 March: 1 of 3.
    assert received["tickets"].tolist() == [3]
    assert received.rate == pytest.approx(1 / 3)


def test_fcr_per_account_segments_and_undefined_accounts() -> None:
    t = tickets([("a", "2024-03-01", "2024-03-01T05:00", 1), ("a", "2024-03-02", "2024-03-04", 2),
                 ("b", "2024-03-02", "2024-03-03", 1)])
    with pytest.warns(UndefinedMetricWarning, match="1 of 3"):
        r = first_contact_resolution_rate(t, customers=["a", "b", "c"], by="customer_id")
    assert r["fcr_rate"][:2].tolist() == [0.5, 1.0]
    assert np.isnan(r["fcr_rate"][2])
    seg = first_contact_resolution_rate(t, by={"a": "x", "b": "x"})
    # Pooled: 2 first-contact of 3 resolved.
    assert seg["fcr_rate"].tolist() == [pytest.approx(2 / 3)]
    assert r.metric == "fcr_rate"
    assert r.rate == pytest.approx(2 / 3)


def test_fcr_errors() -> None:
    no_contacts = SupportTicketTable.from_columns(
        {"customer_id": ["a"], "opened_at": ["2024-01-01"], "resolved_at": ["2024-01-02"]})
    with pytest.raises(InvalidParameterError, match="carry no contacts"):
        first_contact_resolution_rate(no_contacts)
    t = tickets([("a", "2024-03-01", "2024-03-01T05:00", 1)])
    with pytest.raises(InvalidParameterError, match="both start= and end="):
        first_contact_resolution_rate(t, start="2024-03")
    with pytest.raises(InvalidParameterError, match="denominator must be one of 'resolved', "
                                                    "'received', got 'handled'"):
        first_contact_resolution_rate(t, denominator="handled")  # type: ignore[arg-type]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert np.isnan(first_contact_resolution_rate(t, start="2023-01", end="2023-01").rate)
    assert [str(w.message) for w in caught] == [
        "first_contact_resolution_rate: undefined for 1 of 1 result(s) because the number of "
        "tickets resolved (2023-01-01 to 2023-01-31) is zero; returning NaN."]


# --- open tickets ------------------------------------------------------------------------------


def test_open_tickets_at_the_end_of_the_day() -> None:
    t = tickets([("a", "2024-03-31T23:59:59Z", None, None),         # opened that day: open
                 ("a", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z", 2),  # solved after
                 ("a", "2024-03-10T00:00:00Z", "2024-03-31T23:00:00Z", 1),  # solved that day
                 ("b", "2024-04-01T00:00:00Z", None, None)])         # opened after
    with pytest.warns(UndefinedMetricWarning, match="1 of 2 accounts have no open ticket"):
        r = open_tickets(t, "2024-03-31", window="7D", by="customer_id")
    assert r["open_tickets"].tolist() == [2, 0]
    # The oldest open ticket of a was opened 31 days before the end of 31 March.
    assert r["oldest_open_days"][0] == 31.0
    assert np.isnan(r["oldest_open_days"][1])
    # Opened in 25-31 March: the first ticket; resolved in it: the third.
    assert r["opened"].tolist() == [1, 0]
    assert r["resolved"].tolist() == [1, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        with pytest.warns(DeprecationWarning, match="by='all'"):
            assert open_tickets(t, at="2024-03-31", by="all")["open_tickets"].tolist() == [2]
        assert open_tickets(t, "2024-03-31", customers=["z", "a"], by="customer_id")[
            "open_tickets"].tolist() == [0, 2]
    # Pooled, the oldest open ticket is the oldest of all (31 days), not a mean of ages.
    pooled = open_tickets(t, "2024-03-31", window="7D")
    assert (int(pooled), pooled["oldest_open_days"].tolist()) == (2, [31.0])


# --- trial conversion --------------------------------------------------------------------------


def _trial(cid: str, start: str, days: int = 14, paid_after: int | None = None,
           discount: bool = False) -> list[Subscription]:
    s = dt.date.fromisoformat(start)
    end = s + dt.timedelta(days=days)
    rows = [Subscription(customer_id=cid, start=s, end=end, amount=0 if not discount else 49,
                         discount=1 if discount else 0)]
    if paid_after is not None:
        rows.append(Subscription(customer_id=cid, start=s + dt.timedelta(days=paid_after),
                                 amount=49))
    return rows


def test_chartmogul_trial_to_paid_example() -> None:
    # ChartMogul, "Trial-to-paid conversion rate": 10 customers started a trial in May 2015
    # and 5 became paying customers: 50% for May 2015.
    subs: list[Subscription] = []
    for i in range(10):
        subs += _trial(f"c{i}", f"2015-05-{i + 1:02d}", paid_after=14 if i < 5 else None)
    tc = trial_conversion_rate(subs, start="2015-05", end="2015-05", at="2015-07-31")
    assert tc.rate == 0.5
    assert tc["trials"].tolist() == [10]
    assert tc["pending"].tolist() == [0]
    assert tc["median_days_to_convert"].tolist() == [14.0]


def test_what_counts_as_a_trial() -> None:
    subs = (_trial("free", "2024-01-05", paid_after=10)             # $0 then paid: converted
            + _trial("discount", "2024-01-06", discount=True)        # 100% discount: a trial
            + [Subscription(customer_id="paid", start="2024-01-07", amount=49),  # no trial
               # Paid first, then moved to a free plan: not a trial.
               Subscription(customer_id="downgrade", start="2024-01-01", end="2024-01-10",
                            amount=49),
               Subscription(customer_id="downgrade", start="2024-01-10", amount=0)])
    tc = trial_conversion_rate(subs, start="2024-01", end="2024-01", at="2024-02-29")
    assert tc.trials_detail["customer_id"].tolist() == ["discount", "free"]
    assert tc.trials_detail["status"].tolist() == ["not converted", "converted"]
    assert tc.trials_detail["days_to_convert"][1] == 10.0


def test_pending_trials_and_the_conversion_window() -> None:
    subs = (_trial("early", "2024-01-02", paid_after=10)
            + _trial("late", "2024-01-03", days=60, paid_after=50)   # converts on day 50
            + _trial("running", "2024-01-20", days=30))               # free until 19 Feb
    tc = trial_conversion_rate(subs, start="2024-01", end="2024-01", at="2024-01-31")
    # On 31 January: early converted; late and running are still in their free spans.
    assert tc["converted"].tolist() == [1]
    assert tc["pending"].tolist() == [2]
    assert tc.rate == pytest.approx(1 / 3)
    assert tc["decided_rate"].tolist() == [1.0]
    later = trial_conversion_rate(subs, start="2024-01", end="2024-01", at="2024-04-30")
    assert later.trials_detail["status"].tolist() == ["converted", "converted",
                                                      "not converted"]
    # ChartMogul's "trial-to-paid in days" filter: within 45 days of the trial start only.
    within = trial_conversion_rate(subs, start="2024-01", end="2024-01", at="2024-04-30",
                                   within_days=45)
    assert within.trials_detail["status"].tolist() == ["converted", "not converted",
                                                       "not converted"]
    seg = trial_conversion_rate(subs, start="2024-01", end="2024-01", at="2024-04-30",
                                by={"early": "x", "late": "x", "running": "y"})
    assert seg["conversion_rate"].tolist() == [1.0, 0.0]


# --- generator and properties ----------------------------------------------------------------


def test_synthetic_tickets_are_seeded_and_valid() -> None:
    a = synthetic_ticket_columns(30, seed=4)
    np.testing.assert_equal(a, synthetic_ticket_columns(30, seed=4))
    t = synthetic_tickets(30, seed=4)
    assert len(t) == a["ticket_id"].size
    assert 0 < np.isnat(t.resolved_at).sum() < len(t)
    assert (t.contacts[~np.isnat(t.resolved_at)] >= 0).all()


@st.composite
def ticket_rows(draw: st.DrawFn) -> list[tuple[str, str, str | None, int | None]]:
    rows = []
    for _ in range(draw(st.integers(0, 25))):
        opened = dt.datetime(2024, 3, 1) + dt.timedelta(hours=draw(st.integers(0, 24 * 45)))
        delay = draw(st.one_of(st.none(), st.integers(0, 24 * 20)))
        resolved = None if delay is None else opened + dt.timedelta(hours=delay)
        contacts = None if resolved is None else draw(st.integers(0, 4))
        rows.append((draw(st.sampled_from("abc")), opened.isoformat(),
                     None if resolved is None else resolved.isoformat(), contacts))
    return rows


@settings(max_examples=60)
@given(ticket_rows(), st.sampled_from(["resolved", "received"]), st.randoms(
    use_true_random=False))
def test_fcr_matches_the_oracle_in_any_row_order(rows: list[Any], denominator: str,
                                                 rnd: Any) -> None:
    lo, hi = dt.datetime(2024, 3, 1), dt.datetime(2024, 4, 1)
    num = den = 0
    for _, o, r, c in rows:
        opened = dt.datetime.fromisoformat(o)
        resolved = None if r is None else dt.datetime.fromisoformat(r)
        done = resolved is not None and resolved < hi
        counted = (done and resolved >= lo) if denominator == "resolved" else lo <= opened < hi
        den += counted
        num += counted and done and c <= 1
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        a = first_contact_resolution_rate(tickets(rows), denominator=denominator,  # type: ignore[arg-type]
                                          start="2024-03", end="2024-03", customers=["a", "b", "c"])
        b = first_contact_resolution_rate(tickets(shuffled), denominator=denominator,  # type: ignore[arg-type]
                                          start="2024-03", end="2024-03", customers=["a", "b", "c"])
        oa = open_tickets(tickets(rows), at="2024-03-20", customers=["a", "b", "c"])
        ob = open_tickets(tickets(shuffled), at="2024-03-20", customers=["a", "b", "c"])
    np.testing.assert_equal(a.to_dict(), b.to_dict())
    np.testing.assert_equal(oa.to_dict(), ob.to_dict())
    if den:
        assert a.rate == pytest.approx(num / den)
    else:
        assert np.isnan(a.rate)
