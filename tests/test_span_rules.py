"""The span rules of a subscription table against a brute-force check of every pair."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

import csmetrics as cm

_row = st.tuples(st.sampled_from([None, 1, 2, 3]), st.integers(0, 12),
                 st.one_of(st.none(), st.integers(0, 6)))


def _expected(rows: list[tuple[int | None, int, int | None]]) -> tuple[set[int], set[int]]:
    """Rows reported as duplicate spans and as overlaps, worked pair by pair: a row is a
    duplicate when an earlier-sorted span of its subscription starts on its day, and an
    overlap when it starts inside an earlier span (open spans never end). Empty spans hold
    no day and take part in neither."""
    day0 = dt.date(2024, 1, 1)
    spans = [(sub, day0 + dt.timedelta(days=s),
              None if length is None else day0 + dt.timedelta(days=s + length), i)
             for i, (sub, s, length) in enumerate(rows)
             if sub is not None and length != 0]
    spans.sort(key=lambda r: (r[0], r[1], r[3]))  # (by subscription, start, then row)
    duplicate, overlap = set(), set()
    for k, (sub, start, _, row) in enumerate(spans):
        earlier = [r for r in spans[:k] if r[0] == sub]
        if any(r[1] == start for r in earlier) and spans[k - 1][1] == start:
            duplicate.add(row)
        elif any(r[2] is None or r[2] > start for r in earlier):
            overlap.add(row)
    return duplicate, overlap


@settings(max_examples=150, deadline=None)
@given(st.lists(_row, min_size=1, max_size=12), st.booleans())
def test_duplicates_and_overlaps_are_the_pairs_that_break_the_rule(
        rows: list[tuple[int | None, int, int | None]], presorted: bool) -> None:
    if presorted:  # the path for exports already in order of subscription and start
        rows = sorted(rows, key=lambda r: (r[0] is None, r[0] or 0, r[1]))
    day0 = dt.date(2024, 1, 1)
    columns = {
        "customer_id": [f"c{r[0]}" for r in rows],
        "subscription_id": [r[0] for r in rows],
        "start": [day0 + dt.timedelta(days=r[1]) for r in rows],
        "end": [None if r[2] is None else day0 + dt.timedelta(days=r[1] + r[2]) for r in rows],
        "amount": [10.0] * len(rows),
    }
    table = cm.SubscriptionTable.from_columns(columns, errors="skip")
    skipped = table.skipped.to_dict()
    found_dup = {r for r, rule in zip(skipped["row"], skipped["rule"], strict=True)
                 if "duplicate" in rule}
    found_overlap = {r for r, rule in zip(skipped["row"], skipped["rule"], strict=True)
                     if "overlap" in rule}
    assert (found_dup, found_overlap) == _expected(rows)
