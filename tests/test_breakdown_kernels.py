"""The churn-attribution and product-split kernels on plain arrays (no tables).

Hand-worked portfolios with the arithmetic beside each number, and the kernels against
deliberately naive pure-Python oracles (one customer and one snapshot at a time, exact
fractions) on hypothesis data.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from csmetrics._kernels import breakdown as kb
from csmetrics._kernels import revenue as kr

OPEN = np.iinfo(np.int64).max
SNAPS = np.array([0, 30, 60, 90], dtype=np.int64)   # base snapshot 0, three periods
CENT = kr.UNITS_PER_MINOR                          # units per cent


def _points(entity: list[int], start: list[int], end: list[int], cents: list[int],
            *, free: bool = False) -> kr.ChangePoints:
    return kr.change_points(np.array(entity, dtype=np.int64), np.array(start, dtype=np.int64),
                            np.array(end, dtype=np.int64),
                            np.array(cents, dtype=np.int64) * CENT, SNAPS,
                            free_is_customer=free)


def _split(entity: list[int], product: list[int], start: list[int], end: list[int],
           cents: list[int]) -> kb.ProductSplit:
    e = np.array(entity, dtype=np.int64)
    pair_of_row, entity_of_pair, _ = kb.pair_codes(e, np.array(product, dtype=np.int64), 5)
    s, t = np.array(start, dtype=np.int64), np.array(end, dtype=np.int64)
    units = np.array(cents, dtype=np.int64) * CENT
    points = kr.change_points(e, s, t, units, SNAPS)
    pair_points = kr.change_points(pair_of_row, s, t, units, SNAPS)
    return kb.product_split(points, pair_points, entity_of_pair, 0, 3)


# --- products: hand-worked ---------------------------------------------------------------------


def test_gain_a_and_lose_b_with_net_positive_is_all_cross_sell() -> None:
    # Day 30: A $100 + C $40 = $140. Day 60: A $100 + B $100 = $200 (B added, +100, a
    # cross-sell gain; C dropped, -40, an offset). Net +60 is expansion and its only gain
    # is cross-sell: cross-sell = 60.00, upsell = 0 (period 2 of the window, index 1).
    split = _split([0, 0, 0], [0, 1, 2], [0, 45, 0], [OPEN, OPEN, 45], [10000, 10000, 4000])
    assert split.period.tolist() == [1]
    assert split.parts[:, 0].tolist() == [0, 6000, 0, 0]


def test_expansion_is_shared_by_the_gains_of_held_and_new_products() -> None:
    # Period 1 (day 0 -> 30): A $100 held; a second A row +$50 (upsell gain 50), new B
    # +$50 (cross-sell gain 50), C $40 removed (-40, an offset). Net +60:
    # upsell = 60 * 50 / 100 = 30.00, cross-sell = 60 - 30 = 30.00.
    split = _split([0, 0, 0, 0], [0, 0, 1, 2], [-5, 10, 10, -5], [OPEN, OPEN, OPEN, 10],
                   [10000, 5000, 5000, 4000])
    assert split.parts[:, 0].tolist() == [3000, 3000, 0, 0]


def test_a_third_of_a_cent_rounds_half_to_even_and_the_rest_is_the_other_part() -> None:
    # Gains: upsell 1 cent on A, cross-sell 2 cents on B; net 1 cent (C loses 2 cents).
    # upsell = round(1 * 1 / 3) = 0, cross-sell = 1 - 0 = 1.
    split = _split([0, 0, 0, 0], [0, 0, 1, 2], [-5, 10, 10, -5], [OPEN, OPEN, OPEN, 10],
                   [1000, 1, 2, 2])
    assert split.parts[:, 0].tolist() == [0, 1, 0, 0]
    # Gains 1 and 1, net 1 cent: 1 * 1 / 2 = 0.5 rounds to even 0; cross-sell 1.
    split = _split([0, 0, 0, 0], [0, 0, 1, 2], [-5, 10, 10, -5], [OPEN, OPEN, OPEN, 10],
                   [1000, 1, 1, 1])
    assert split.parts[:, 0].tolist() == [0, 1, 0, 0]


def test_contraction_is_shared_by_downsell_and_removal() -> None:
    # Day 0: A $100 (two rows, $70 + $30) and B $20. By day 30 the $30 A row ends
    # (downsell 30: A keeps $70) and B ends (removal 20), D $10 is added (a gain: offset).
    # Contraction 100+20 -> 70+10 = 40: downsell = 40 * 30 / 50 = 24, removal = 16.
    split = _split([0, 0, 0, 0], [0, 0, 1, 3], [-5, -5, -5, 10], [OPEN, 10, 10, OPEN],
                   [7000, 3000, 2000, 1000])
    assert split.parts[:, 0].tolist() == [0, 0, 2400, 1600]


def test_new_churn_and_reactivation_are_not_split() -> None:
    # Customer 0 is new in period 1 and churns in period 2: neither is expansion or
    # contraction, so there is no event to split.
    split = _split([0, 0], [0, 1], [10, 10], [40, 40], [1000, 500])
    assert split.entity.size == 0


# --- products: against a naive oracle ---------------------------------------------------------

ROWS = st.lists(st.tuples(st.integers(0, 3), st.integers(-1, 2), st.integers(-10, 95),
                          st.integers(1, 100), st.integers(0, 3000)),
                min_size=0, max_size=14)


def _cents(units: int) -> int:
    return (units + CENT // 2) // CENT


def _naive_split(rows: list[tuple[int, int, int, int, int]]) -> dict[tuple[int, int], list[int]]:
    """Per (entity, period): the four parts, one customer and snapshot at a time."""
    out = {}
    for e in {r[0] for r in rows}:
        def mrr(day: int, product: int | None = None, e: int = e) -> int:
            return _cents(sum(u for (c, p, s, t, u) in rows
                              if c == e and s <= day < t and (product is None or p == product)))
        for k in range(1, SNAPS.size):
            before, after = mrr(int(SNAPS[k - 1])), mrr(int(SNAPS[k]))
            if before == 0 or after == 0 or before == after:
                continue
            gains = [0, 0, 0, 0]
            for p in {r[1] for r in rows if r[0] == e}:
                b, a = mrr(int(SNAPS[k - 1]), p), mrr(int(SNAPS[k]), p)
                if a > b:
                    gains[kb.UPSELL if b > 0 else kb.CROSS_SELL] += a - b
                elif a < b:
                    gains[kb.DOWNSELL if a > 0 else kb.REMOVAL] += b - a
            size = abs(after - before)
            i, j = (kb.UPSELL, kb.CROSS_SELL) if after > before else (kb.DOWNSELL, kb.REMOVAL)
            total = gains[i] + gains[j]
            share = round(Fraction(size * gains[i], total)) if total else size
            parts = [0, 0, 0, 0]
            parts[i], parts[j] = share, size - share
            out[(e, k - 1)] = parts
    return out


@settings(max_examples=150, deadline=None)
@given(ROWS)
def test_product_split_matches_a_naive_oracle(rows: list[tuple[int, int, int, int, int]]
                                              ) -> None:
    units = [(c, p, s, s + d, u * 37) for (c, p, s, d, u) in rows]   # odd unit amounts
    e = np.array([r[0] for r in units], dtype=np.int64)
    product = np.array([r[1] for r in units], dtype=np.int64)
    start = np.array([r[2] for r in units], dtype=np.int64)
    end = np.array([r[3] for r in units], dtype=np.int64)
    amount = np.array([r[4] for r in units], dtype=np.int64)
    pair_of_row, entity_of_pair, _ = kb.pair_codes(e, product, 3)
    points = kr.change_points(e, start, end, amount, SNAPS)
    split = kb.product_split(points, kr.change_points(pair_of_row, start, end, amount, SNAPS),
                             entity_of_pair, 0, 3)
    got = {(int(a), int(b)): split.parts[:, i].tolist()
           for i, (a, b) in enumerate(zip(split.entity, split.period, strict=True))}
    assert got == _naive_split(units)
    # The parts are the bridge's expansion and contraction, to the cent.
    bridge = kr.bridge(points, np.zeros(4, dtype=np.int64), 1, 0, 3)
    assert split.parts[:2].sum() == bridge.amounts[kr.EXPANSION].sum()
    assert split.parts[2:].sum() == bridge.amounts[kr.CONTRACTION].sum()


# --- churn: hand-worked ----------------------------------------------------------------------


def _ending(entity: list[int], start: list[int], end: list[int], cents: list[int],
            rank: list[int], *, free: bool = False) -> tuple[kb.ChurnEvents, np.ndarray]:
    e = np.array(entity, dtype=np.int64)
    s, t = np.array(start, dtype=np.int64), np.array(end, dtype=np.int64)
    units = np.array(cents, dtype=np.int64) * CENT
    points = kr.change_points(e, s, t, units, SNAPS, free_is_customer=free)
    extra = kr.transients(points, e, s, t, units, SNAPS, 0, free_is_customer=free)
    events = kb.churn_events(points, extra, 0, 3)
    stop = kr.snapshot_index(SNAPS, t)
    counted = (t > s) & ((units != 0) | free)
    rows = kb.ending_rows(events, points.width, e, stop, t, units,
                          np.array(rank, dtype=np.int64), counted=counted)
    return events, rows


def test_the_reason_is_the_last_subscription_to_end() -> None:
    # Customer 0 has two subscriptions ending on days 40 and 50 (both in period 2, 30..60):
    # the one ending last (row 1) is the churn's. Customer 1's ends on day 70 (period 3).
    events, rows = _ending([0, 0, 1], [-5, -5, -5], [40, 50, 70], [1000, 500, 300], [0, 1, 2])
    assert sorted(zip(events.entity.tolist(), events.period.tolist(), rows.tolist(),
                      strict=True)) == [(0, 1, 1), (1, 2, 2)]
    assert sorted(events.amount.tolist()) == [300, 1500]


def test_a_tie_on_the_end_day_goes_to_the_larger_mrr_then_the_smaller_rank() -> None:
    _, rows = _ending([0, 0], [-5, -5], [40, 40], [1000, 500], [1, 0])
    assert rows.tolist() == [0]                     # $10 beats $5
    _, rows = _ending([0, 0], [-5, -5], [40, 40], [500, 500], [1, 0])
    assert rows.tolist() == [1]                     # same MRR: rank 0 first


def test_a_subscription_that_ended_earlier_in_a_continuing_customer_is_not_the_reason() -> None:
    # Row 0 ends in period 1 while row 1 continues (contraction, not churn); row 1 ends in
    # period 3: the churn is row 1's, not row 0's.
    events, rows = _ending([0, 0], [-5, -5], [20, 80], [1000, 500], [0, 1])
    assert events.period.tolist() == [2]
    assert rows.tolist() == [1]


def test_a_customer_who_comes_and_goes_inside_a_period_has_its_row() -> None:
    # Days 35..50 lie between snapshots 30 and 60: a transient churner, period 2.
    events, rows = _ending([0], [35], [50], [2000], [0])
    assert events.period.tolist() == [1]
    assert events.amount.tolist() == [2000]
    assert rows.tolist() == [0]


# --- churn: against a naive oracle ------------------------------------------------------------

CHURN_ROWS = st.lists(st.tuples(st.integers(0, 3), st.integers(-10, 95), st.integers(1, 60),
                                st.integers(0, 3), st.integers(0, 2)),
                      min_size=0, max_size=12)


@settings(max_examples=150, deadline=None)
@given(CHURN_ROWS)
def test_ending_rows_match_a_naive_oracle(rows: list[tuple[int, int, int, int, int]]) -> None:
    entity = [r[0] for r in rows]
    start = [r[1] for r in rows]
    end = [r[1] + r[2] for r in rows]
    cents = [r[3] * 100 for r in rows]
    rank = [r[4] for r in rows]
    events, chosen = _ending(entity, start, end, cents, rank)
    # The events' amounts and number are the bridge's churn, cell by cell.
    e = np.array(entity, dtype=np.int64)
    units = np.array(cents, dtype=np.int64) * CENT
    s, t = np.array(start, dtype=np.int64), np.array(end, dtype=np.int64)
    points = kr.change_points(e, s, t, units, SNAPS)
    extra = kr.transients(points, e, s, t, units, SNAPS, 0)
    bridge = kr.bridge(points, np.zeros(4, dtype=np.int64), 1, 0, 3, extra)
    money, count = kb.label_sums(np.zeros(events.entity.size, dtype=np.int64), events.period,
                                 np.zeros(events.entity.size, dtype=np.int64), events.amount,
                                 1, 3, 1)
    assert money[0, :, 0].tolist() == bridge.amounts[kr.CHURN][0].tolist()
    assert count[0, :, 0].tolist() == bridge.counts[kr.CHURN][0].tolist()
    # Naive choice: the event's entity's rows with money that end in its period, best first.
    for ent, period, row in zip(events.entity.tolist(), events.period.tolist(),
                                chosen.tolist(), strict=True):
        lo, hi = SNAPS[period], SNAPS[period + 1]
        candidates = [i for i in range(len(rows)) if entity[i] == ent
                      and lo < end[i] <= hi and cents[i] > 0]
        best = max(candidates, key=lambda i: (end[i], cents[i], -rank[i], -i))
        assert row == best


def test_label_sums_bin_by_segment_period_and_label() -> None:
    money, count = kb.label_sums(np.array([0, 1, 1]), np.array([0, 2, 2]), np.array([1, 0, 0]),
                                 np.array([5, 7, 9]), 2, 3, 2)
    assert money[0, 0].tolist() == [0, 5]
    assert money[1, 2].tolist() == [16, 0]          # 7 + 9
    assert count[1, 2].tolist() == [2, 0]
    assert money.sum() == 21


def test_huge_movements_still_add_up_to_the_cent() -> None:
    # $90 billion MRR products: D * G_up no longer fits in 63 bits, so the share is the
    # float quotient; the other part is the remainder, so the parts still add up exactly.
    # Gains: upsell 3e12 cents, cross-sell 6e12 cents; net 9e12 cents (nothing lost):
    # upsell = 9e12 * 3 / 9 = 3e12, cross-sell = 6e12.
    big = 9 * 10**12
    split = _split([0, 0, 0], [0, 0, 1], [-5, 10, 10], [OPEN, OPEN, OPEN],
                   [big, big // 3, 2 * big // 3])
    assert split.parts[:, 0].tolist() == [big // 3, 2 * big // 3, 0, 0]
    assert int(split.parts[:, 0].sum()) == big
