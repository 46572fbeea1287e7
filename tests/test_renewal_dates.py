"""Renewal dates against a reference worked span by span with dateutil's month arithmetic.

The reference follows the definitions of ``csmetrics.revenue.renewals`` literally: a term
span's renewal dates are ``renews_at + k x term`` (k >= 0) when given, else ``start + k x
term`` (k >= 1), the day clipped to the month's last (dateutil's ``relativedelta`` clips
the same way); one is due in a month when the span started before it and runs up to it.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

import csmetrics as cm
from csmetrics.revenue.renewal_dates import one_per_date, renewal_events

_BILLED = {"month": 1, "quarter": 3, "year": 12}

INTERVALS = ["month", "quarter", "year", "week"]


def _spans(seed: int, n: int) -> list[tuple]:
    """``n`` random spans (start, length, interval, count, renews_at offset, amount); a
    length is days, a 1-tuple (k,) ends the span on its k-th renewal date, None is open."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        start = dt.date(2021, 6, 1) + dt.timedelta(days=int(rng.integers(0, 760)))
        kind = rng.integers(0, 3)
        length = (None if kind == 0 else int(rng.integers(1, 1_500)) if kind == 1
                  else (int(rng.integers(1, 4)),))
        renews = None if rng.random() < 0.6 else int(rng.integers(0, 900))
        out.append((start, length, INTERVALS[int(rng.integers(0, 4))],
                    int(rng.choice([1, 1, 1, 2, 4, 12, 13, 24])), renews,
                    float(rng.choice([0.0, 50.0, 99.99, 120.0]))))
    return out


def _dates(start: dt.date, interval: str, count: int, renews: int | None
           ) -> tuple[dt.date, int, int]:
    """A span's first renewal base, its first k and its term in months."""
    billed = _BILLED.get(interval, 0) * count
    term = billed if billed >= 12 else 12
    if renews is not None:
        return start + dt.timedelta(days=renews), 0, term
    return start, 1, term


def _end(span: tuple) -> dt.date | None:
    start, length, interval, count, renews = span[:5]
    if length is None:
        return None
    if isinstance(length, tuple):   # on its k-th renewal date (after the start)
        base, k, term = _dates(start, interval, count, renews)
        day = base + relativedelta(months=(k + length[0] - 1) * term)
        return day if day > start else start + relativedelta(months=term)
    return start + dt.timedelta(days=length)


def _reference(spans: list[tuple], first: dt.date, months: int) -> list[tuple[int, dt.date]]:
    """(span, renewal date) of every renewal due in the ``months`` months from ``first``."""
    stop = first + relativedelta(months=months)
    out = []
    for i, (start, _, interval, count, renews, amount) in enumerate(spans):
        end = _end(spans[i])
        if amount == 0 or not (_BILLED.get(interval, 0) * count >= 12 or renews is not None):
            continue   # not a term plan with money
        base, k, term = _dates(start, interval, count, renews)
        while True:
            day = base + relativedelta(months=k * term)
            if day >= stop:
                break
            if day >= first and start < day and (end is None or end >= day):
                out.append((i, day))
            k += 1
    return sorted(out)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300),
       first=st.dates(dt.date(2022, 6, 1), dt.date(2024, 12, 1)), months=st.integers(1, 30))
def test_renewal_events_equal_the_dates_worked_span_by_span(
        seed: int, n: int, first: dt.date, months: int) -> None:
    spans = _spans(seed, n)
    first = first.replace(day=1)
    table = cm.SubscriptionTable.from_columns({
        "customer_id": [f"c{i}" for i in range(len(spans))],
        "start": [s[0] for s in spans],
        "end": [_end(s) for s in spans],
        "interval": [s[2] for s in spans],
        "interval_count": [s[3] for s in spans],
        "renews_at": [None if s[4] is None else s[0] + dt.timedelta(days=s[4]) for s in spans],
        "amount": [s[5] for s in spans],
    })
    month = (first.year - 1970) * 12 + first.month - 1
    rows, days = renewal_events(table, month, months)
    # Each customer holds one span: the table's row maps back through its customer id.
    source = [int(str(c)[1:]) for c in np.asarray(table.customer_ids)[table.customer_codes[rows]]]
    found = sorted(zip(source, days.astype(object).tolist(), strict=True))
    assert found == _reference(spans, first, months)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 200),
       scale=st.sampled_from([1, 1 << 40, 1 << 61]))
def test_one_event_per_subscription_and_date_is_the_first_of_each(
        seed: int, n: int, scale: int) -> None:
    rng = np.random.default_rng(seed)
    key = rng.integers(0, 4, n).astype(np.int64) * scale   # the largest keys take the 2-D path
    day = (np.datetime64("2024-01-01") + rng.integers(0, 5, n)).astype("datetime64[D]")
    row = rng.permutation(n).astype(np.int64)
    got_row, got_day = one_per_date(key, row, day)
    first: dict[tuple[int, int], int] = {}
    for i in range(n):
        first.setdefault((int(key[i]), int(day[i].astype(np.int64))), i)
    expect = [first[k] for k in sorted(first)]
    assert got_row.tolist() == row[expect].tolist()
    assert got_day.tolist() == day[expect].tolist()
