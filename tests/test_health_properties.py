"""Properties of health scoring on random scorecards and accounts, and a naive oracle.

The oracle scores one account at a time in plain Python, straight from the definitions in
``docs/health.md`` (rules by comparison, group and overall weighted means or minimums, the
missing policies, coverage); the vectorized kernels must agree with it.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from csmetrics.exceptions import InvalidParameterError, UndefinedMetricWarning
from csmetrics.health import (
    Band,
    HealthScorecard,
    HealthScores,
    Linear,
    Measure,
    MissingPolicy,
    NamedBands,
    Steps,
)

VALUES = [0.0, 0.1, 0.25, 0.3, 0.5, 0.6, 0.75, 0.8, 1.0, 1.5, 2.0, math.nan]
LABELS = ["good", "average", "poor", None]


@st.composite
def bands_over(draw: st.DrawFn, lo: float, hi: float) -> dict[str, str]:
    """Two to four contiguous bands covering [lo, hi] with random inclusivity at the cuts."""
    k = draw(st.integers(2, 4))
    cuts = sorted(draw(st.lists(st.sampled_from([lo + (hi - lo) * f for f in
                                                 (0.2, 0.4, 0.5, 0.6, 0.75, 0.9)]),
                                min_size=k - 1, max_size=k - 1, unique=True)))
    edges = [lo, *cuts, hi]
    upper = [draw(st.booleans()) for _ in cuts]  # does the upper band own each cut?
    out = {}
    for i in range(k):
        left = "[" if i == 0 or upper[i - 1] else "("
        right = "]" if i == k - 1 or not upper[i] else ")"
        out[f"b{i}"] = f"{left}{edges[i]}, {edges[i + 1]}{right}"
    return out


@st.composite
def measure(draw: st.DrawFn, i: int, lo: float, hi: float) -> Measure:
    direction = draw(st.sampled_from(["higher", "lower"]))
    kind = draw(st.sampled_from(["linear", "steps", "bands", "labels"]))
    pts = sorted(draw(st.lists(st.sampled_from([lo, lo + (hi - lo) * 0.3, (lo + hi) / 2,
                                                 lo + (hi - lo) * 0.8, hi]),
                               min_size=3, max_size=3)))
    if direction == "lower":
        pts = pts[::-1]
    rule: Any
    if kind == "linear":
        low = draw(st.sampled_from([0.0, 0.1, 0.3]))
        rule = Linear(low=low, high=low + draw(st.sampled_from([0.5, 0.7, 1.0])))
    elif kind == "steps":
        rule = Steps(thresholds=[0.3, 0.75], points=pts,
                     closed=draw(st.sampled_from(["left", "right"])))
    elif kind == "bands":
        rule = NamedBands(points={"p": pts[0], "q": pts[1], "r": pts[2]},
                          bands={"p": "(-inf, 0.3]", "q": "(0.3, 0.75)", "r": "[0.75, inf)"})
    else:
        rule = NamedBands(points={"good": pts[2], "average": pts[1], "poor": pts[0]})
    return Measure(name=f"m{i}", rule=rule, direction=direction,
                   weight=draw(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.7])),
                   group=draw(st.sampled_from([None, "g0", "g1"])),
                   neutral=draw(st.sampled_from([None, lo, hi])))


@st.composite
def scorecards(draw: st.DrawFn) -> HealthScorecard:
    lo, hi = draw(st.sampled_from([(0.0, 100.0), (1.0, 5.0), (-1.0, 1.0)]))
    m = draw(st.integers(1, 5))
    measures = [draw(measure(i, lo, hi)) for i in range(m)]
    used = sorted({x.group for x in measures if x.group is not None})
    groups = ({g: draw(st.sampled_from([0.0, 1.0, 2.5, 40.0])) for g in used}
              if draw(st.booleans()) else {})
    try:
        return HealthScorecard(
            measures=measures, groups=groups, scale=(lo, hi), bands=draw(bands_over(lo, hi)),
            missing=MissingPolicy(fill=draw(st.sampled_from(["renormalize", "zero", "neutral"])),
                                  min_coverage=draw(st.sampled_from([0.0, 0.3, 0.7]))),
            aggregate=draw(st.sampled_from(["mean", "worst"])),
            decimals=draw(st.sampled_from([None, None, 0, 1])))
    except InvalidParameterError:  # all weights zero, a group of zero weights: invalid on purpose
        assume(False)
        raise


@st.composite
def tables(draw: st.DrawFn, card: HealthScorecard) -> dict[str, list[Any]]:
    n = draw(st.integers(0, 10))
    data: dict[str, list[Any]] = {"customer_id": [f"c{i}" for i in range(n)]}
    for m in card.measures:
        labels = isinstance(m.rule, NamedBands) and m.rule.bands is None
        data[m.source] = draw(st.lists(st.sampled_from(LABELS if labels else VALUES),
                                       min_size=n, max_size=n))
    return data


def score(card: HealthScorecard, data: dict[str, list[Any]]) -> HealthScores:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return card.score(data)


# --- the oracle -------------------------------------------------------------------------------


def in_band(x: float, b: Band) -> bool:
    above = x > b.low or (x == b.low and b.low_closed)
    below = x < b.high or (x == b.high and b.high_closed)
    return above and below


def points_of(m: Measure, value: Any, scale: tuple[float, float]) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    rule = m.rule
    lo, hi = scale
    if isinstance(rule, Linear):
        t = min(1.0, max(0.0, (float(value) - rule.low) / (rule.high - rule.low)))
        if m.direction == "lower":
            t = 1.0 - t
        return lo + t * (hi - lo)
    if isinstance(rule, Steps):
        for b, p in zip(rule.bands(), rule.points, strict=True):
            if in_band(value, b):
                return p
        raise AssertionError("a value in no step")
    if rule.bands is None:
        return float(rule.point_map[value])
    for b in rule.bands:
        if in_band(value, b):
            return rule.point_map[b.name]
    raise AssertionError("a value in no band")


def rounded(x: float, decimals: int | None) -> float:
    if decimals is None or math.isnan(x):
        return x
    f = 10.0 ** decimals
    # Values within a hair of a half step could round either way in floating point.
    assume(abs(abs(x) * f % 1 - 0.5) > 1e-6)
    return math.copysign(math.floor(abs(x) * f + 0.5) / f, x)


def oracle(card: HealthScorecard, row: dict[str, Any]) -> tuple[float, float]:
    """(score, coverage) of one account, from the definitions."""
    lo, hi = card.scale
    fill = card.missing.fill
    units: dict[str, list[tuple[float, float | None, float]]] = {}
    unit_weight: dict[str, float] = {}
    groups = dict(card.groups)
    for m in card.measures:
        p = points_of(m, row[m.source], card.scale)
        present = p is not None
        if not present and fill == "zero":
            p = lo
        elif not present and fill == "neutral":
            p = (lo + hi) / 2 if m.neutral is None else m.neutral
        unit = m.group if m.group is not None else "measure:" + m.name
        units.setdefault(unit, []).append((m.weight if m.group else 1.0, p, float(present)))
        if m.group is None:
            unit_weight[unit] = m.weight
        else:
            unit_weight[unit] = groups.get(m.group, unit_weight.get(unit, 0.0) + m.weight) if (
                groups) else unit_weight.get(unit, 0.0) + m.weight
    total_top = sum(unit_weight.values())
    coverage = 0.0
    unit_scores: dict[str, float] = {}
    for unit, members in units.items():
        wsum = sum(w for w, _, _ in members)
        for w, _, has_value in members:
            coverage += unit_weight[unit] / total_top * (w / wsum if wsum else 0.0) * has_value
        if card.aggregate == "mean":
            counted = [(w, p) for w, p, _ in members if p is not None]
            den = sum(w for w, _ in counted)
            s = sum(w * p for w, p in counted) / den if den > 0 else math.nan
        else:
            live = [p for w, p, _ in members if p is not None
                    and (w if unit.startswith("measure:") else 1) * unit_weight[unit] > 0
                    and w > 0]
            s = min(live) if live else math.nan
        unit_scores[unit] = rounded(s, card.decimals)
    scored = [(unit_weight[u], s) for u, s in unit_scores.items() if not math.isnan(s)]
    if card.aggregate == "mean":
        den = sum(w for w, _ in scored)
        total = sum(w * s for w, s in scored) / den if den > 0 else math.nan
    else:
        total = min((s for _, s in scored), default=math.nan)
    total = rounded(total, card.decimals)
    if coverage <= 1e-15 or coverage < card.missing.min_coverage - 1e-12:
        total = math.nan
    return total, coverage


# --- properties -------------------------------------------------------------------------------


@given(st.data())
def test_kernels_agree_with_the_oracle(data: st.DataObject) -> None:
    card = data.draw(scorecards())
    table = data.draw(tables(card))
    scores = score(card, table)
    n = len(table["customer_id"])
    for i in range(n):
        row = {k: v[i] for k, v in table.items()}
        want, cov = oracle(card, row)
        got = scores["score"][i]
        assert scores["coverage"][i] == pytest.approx(cov, abs=1e-12)
        if math.isnan(want):
            assert math.isnan(got)
        else:
            assert got == pytest.approx(want, abs=1e-9)


@given(st.data())
def test_scores_stay_in_the_scale_and_coverage_in_0_1(data: st.DataObject) -> None:
    card = data.draw(scorecards())
    scores = score(card, data.draw(tables(card)))
    lo, hi = card.scale
    s = scores["score"]
    ok = ~np.isnan(s)
    assert ((s[ok] >= lo) & (s[ok] <= hi)).all()
    assert ((scores["coverage"] >= 0) & (scores["coverage"] <= 1)).all()
    assert [b is None for b in scores["band"]] == (~ok).tolist()
    bands = {b.name: b for b in card.bands}
    for value, name in zip(s[ok].tolist(), scores["band"][ok].tolist(), strict=True):
        assert in_band(value, bands[name]) or min(
            abs(value - b.low) for b in card.bands) < 1e-6  # an edge, up to float noise


@given(st.data())
def test_an_account_score_depends_on_nothing_else(data: st.DataObject) -> None:
    card = data.draw(scorecards())
    table = data.draw(tables(card))
    n = len(table["customer_id"])
    scores = score(card, table)
    order = data.draw(st.permutations(range(n)))
    shuffled = score(card, {k: [v[i] for i in order] for k, v in table.items()})
    for name in ("score", "coverage", *(m.name for m in card.measures)):
        np.testing.assert_array_equal(shuffled[name], scores[name][list(order)])
    assert shuffled["band"].tolist() == scores["band"][list(order)].tolist()
    for i in range(n):  # each account alone: bit-for-bit the same numbers
        alone = score(card, {k: v[i:i + 1] for k, v in table.items()})
        np.testing.assert_array_equal(alone["score"], scores["score"][i:i + 1])
        np.testing.assert_array_equal(alone["coverage"], scores["coverage"][i:i + 1])


@given(st.data())
def test_renormalized_weights_sum_to_one_and_contributions_to_the_score(
        data: st.DataObject) -> None:
    card = data.draw(scorecards())
    card = card.model_copy(update={"aggregate": "mean", "decimals": None})
    table = data.draw(tables(card))
    scores = score(card, table)
    for i, cid in enumerate(table["customer_id"]):
        e = scores.explain(cid)
        if math.isnan(scores["score"][i]):
            continue
        assert e["used_weight"].sum() == pytest.approx(1.0)
        assert e["contribution"].sum() == pytest.approx(scores["score"][i], abs=1e-9)
        assert sum(scores[m.name][i] for m in card.measures) == pytest.approx(
            scores["score"][i], abs=1e-9)
        if card.missing.fill == "renormalize":
            missing = e["status"] == "missing"
            assert (e["used_weight"][missing] == 0).all()
        else:
            assert e["used_weight"] == pytest.approx(e["weight"])


@given(st.data())
def test_effective_weights_sum_to_one(data: st.DataObject) -> None:
    card = data.draw(scorecards())
    assert sum(card.effective_weights.values()) == pytest.approx(1.0)
