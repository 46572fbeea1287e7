"""The three steps every survey metric shares: prepare the answers, count a part, finalize.

``prepare_answers`` validates the answers of one call (``_Data`` of
``csmetrics.surveys.inputs``, the rows a partition splits by customer) and fixes the
``_Plan`` the parts agree on: the scale, the segment (or period x segment) labels, the
weighting and the revenue of each account. ``count_part`` counts one part's answers into
additive arrays (``Partials``); ``tally`` turns the combined arrays into the ``_Tally`` the
metrics' columns are computed from.

The arrays, per group (segment, or period x segment): ``rows`` (answers, int64); on an
integer scale ``counts`` per scale point (int64, or float64 sums of weights); on a
continuous scale the (weighted) sums of ``x - centre`` and of its square around the plan's
centre; with weights ``sum_w2``; with account weighting the sums of each account's unit and
of its square; for a weighted bootstrap the answers per (category, distinct weight).
Integer arrays combine bit for bit; float sums of weights combine to within rounding.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.checks import Checker
from csmetrics._core.convert import factorize
from csmetrics._core.lookup import lookup
from csmetrics._core.partials import Partials
from csmetrics._kernels import surveys as ks
from csmetrics.exceptions import InvalidParameterError
from csmetrics.results import SkippedRows
from csmetrics.surveys.inputs import (
    AccountWeighting,
    Floats,
    WeightType,
    _check_scores,
    _check_weights,
    _Data,
    _drop_bad,
)
from csmetrics.tables.surveys import SurveyScale


@dataclass(frozen=True)
class _Plan:
    """What every part of one survey metric's answers agrees on (never the answers)."""

    metric: str
    context: str
    scale: SurveyScale
    n_groups: int
    labels: NDArray[Any]
    by_name: str | None
    skipped: SkippedRows
    weighted: bool
    weight_type: WeightType
    accounts: AccountWeighting
    revenue: Floats | None = None          # per customer code, for revenue weighting
    sparse: bool = False                   # drop groups without answers when finalizing
    threshold: float | None = None         # continuous scales: the share's threshold
    at_most: bool = False
    weight_levels: Floats | None = None    # weighted bootstrap: the distinct weights
    centre: float = 0.0                    # continuous scales: sums are around it
    key: str = ""                          # the plan's answers carry their counts under it


def prepare_answers(data: _Data, *, metric: str, account_weighting: AccountWeighting,
                    revenue: Mapping[Any, Any] | None, threshold: float | None = None,
                    at_most: bool = False, bootstrap: bool = False) -> tuple[_Data, _Plan]:
    """Validate every answer (raise, or skip) and fix the plan of one metric call."""
    ctx = data.context
    # Answers are checked as they are counted; a table's were checked when it was built, so
    # answers to be reweighted by account (and counted in their parts) need no extra pass.
    if data.scale.integer and (account_weighting == "response" or not data.from_table):
        data = _checked(data, count=account_weighting == "response")
    per_customer = _account_revenue(data, account_weighting, revenue)
    levels = None
    if bootstrap:
        if account_weighting != "response":
            raise InvalidParameterError(
                f"{ctx}: the bootstrap resamples answers, which account weighting does not "
                "allow; use interval='adjusted_wald' or 'wald'.")
        if data.weights is not None and data.weight_type == "sampling":
            levels = np.asarray(factorize(data.weights)[0], dtype=np.float64)
    scale = data.scale
    plan = _Plan(metric, ctx, scale, data.n_groups, data.labels, data.by_name, data.skipped,
                 data.weights is not None or account_weighting != "response",
                 "sampling" if account_weighting != "response" else data.weight_type,
                 account_weighting, per_customer,
                 data.sparse, None if scale.integer else threshold, at_most, levels,
                 0.0 if scale.integer else (float(scale.low) + float(scale.high)) / 2,
                 uuid.uuid4().hex)
    if data.counted is not None:
        data = replace(data, counted=(plan.key, data.counted[1]))
    return data, plan


def _checked(data: _Data, *, count: bool) -> _Data:
    """``data`` with every answer a whole number on its scale and every weight finite and
    >= 0: the rows at fault raise, or are skipped. With ``count``, the check is the count
    itself (the kernel checks while it counts), kept on the answers for their partial."""
    low, points = int(data.scale.low), data.scale.n_points

    def check() -> tuple[bool, ks.LevelCounts | None]:
        if not count:
            return ks.levels_ok(data.values, low, points, data.weights), None
        lc = ks.level_counts(data.values, low, points, groups=data.groups,
                             n_groups=data.n_groups, weights=data.weights)
        return lc.ok, lc

    ok, lc = check()
    if not ok:  # find the rows at fault, then raise, or skip them and check again
        chk = Checker(data.values.size, data.context, data.errors)
        _check_scores(data.values.astype(np.float64), data.scale, data.column, chk)
        if data.weights is not None:
            _check_weights(data.weights, chk)
        data = _drop_bad(data, chk)
        ok, lc = check()
    return replace(data, counted=("", lc) if ok and lc is not None else None)


def _account_revenue(data: _Data, mode: AccountWeighting, revenue: Mapping[Any, Any] | None
                     ) -> Floats | None:
    """The checks of account weighting, and the revenue of each customer code ("revenue")."""
    ctx = data.context
    if mode == "response":
        if revenue is not None:
            raise InvalidParameterError(
                f"{ctx}: revenue= is used only with account_weighting='revenue'.")
        return None
    if data.customers is None or data.customer_ids is None:
        raise InvalidParameterError(
            f"{ctx}: account_weighting={mode!r} needs survey data in a table form (a "
            "SurveyTable, records or columns), which knows each answer's account.")
    if (mode == "revenue") != (revenue is not None):
        raise InvalidParameterError(
            f"{ctx}: account_weighting='revenue' needs revenue= (a mapping from customer id "
            "to revenue), and revenue= needs account_weighting='revenue'.")
    if mode == "account":
        return None
    assert revenue is not None
    present = np.unique(data.customers)
    raw = lookup(data.customer_ids[present], revenue, ctx, "customers", required=True)
    try:
        values = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{ctx}: revenue= must map customers to numbers.") from None
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        shown = ", ".join(repr(c) for c in data.customer_ids[present][bad][:5].tolist())
        raise InvalidParameterError(
            f"{ctx}: revenue must be a finite number >= 0 for every account; "
            f"{int(bad.sum()):,} are not (first: {shown}).")
    per_customer = np.zeros(max(int(data.customer_ids.size), 1))
    per_customer[present] = values
    return per_customer


def _weigh_accounts(data: _Data, plan: _Plan) -> tuple[Floats | None, dict[str, Floats]]:
    """Answers' weights so that accounts, not answers, are the units (B2B), and the sums of
    the units (for Kish's effective number of accounts) per group.

    ``"account"``: within each group, an account's answers share one unit of weight (in
    proportion to their own weights), so the metric averages the accounts' own values.
    ``"revenue"``: the account's unit is its revenue instead. Every answer of an account is
    in the same part, so each part weighs its own accounts.
    """
    if plan.accounts == "response":
        return data.weights, {}
    assert data.customers is not None
    assert data.customer_ids is not None
    n_cust = max(int(data.customer_ids.size), 1)
    g = np.zeros(data.values.size, dtype=np.int64) if data.groups is None else data.groups
    pair_keys, pair_idx = factorize(g * np.int64(n_cust) + data.customers)
    w = np.ones(data.values.size) if data.weights is None else data.weights
    account_w = np.bincount(pair_idx, weights=w, minlength=pair_keys.size)
    pair_cust, pair_group = pair_keys % n_cust, pair_keys // n_cust
    if plan.revenue is None:
        unit = (account_w > 0).astype(np.float64)
    else:
        unit = np.where(account_w > 0, plan.revenue[pair_cust], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(account_w > 0, unit / account_w, 0.0)
    sums = {"unit_w": ks.sum_by(pair_group, unit, plan.n_groups),
            "unit_w2": ks.sum_by(pair_group, unit * unit, plan.n_groups)}
    return w * share[pair_idx], sums


def count_part(data: _Data, plan: _Plan) -> Partials:
    """The additive arrays of one part's answers (see the module documentation)."""
    weights, sums = _weigh_accounts(data, plan)
    arrays: dict[str, NDArray[Any]] = dict(sums)
    k = plan.n_groups
    groups = data.groups
    weighted = weights is not None
    if plan.scale.integer:
        memo = data.counted
        lc = memo[1] if memo is not None and memo[0] == plan.key else ks.level_counts(
            data.values, int(plan.scale.low), plan.scale.n_points, groups=groups, n_groups=k,
            weights=weights)
        arrays["rows"] = lc.n
        arrays["counts"] = lc.counts
        if weighted:
            arrays["sum_w2"] = lc.sum_w2
    else:
        p = ks.power_sums(data.values.astype(np.float64, copy=False), plan.centre,
                          groups=groups, n_groups=k, weights=weights)
        arrays.update(rows=p.n, sum_w=p.sum_w, sum_w2=p.sum_w2, sum_x=p.sum_x, sum_xx=p.sum_xx)
        if plan.threshold is not None:
            arrays["hit"] = ks.share_at_least(
                data.values.astype(np.float64, copy=False), plan.threshold, groups=groups,
                n_groups=k, weights=weights, at_most=plan.at_most)
    if plan.weight_levels is not None:
        arrays["cells"] = _bootstrap_cells(data, plan)
    return Partials(plan.metric, arrays)


def _bootstrap_cells(data: _Data, plan: _Plan) -> NDArray[np.int64]:
    """Answers per (group, category -1/0/+1, distinct weight): what a weighted bootstrap
    resamples."""
    assert plan.weight_levels is not None
    assert data.weights is not None
    n_levels = plan.weight_levels.size
    v = data.values
    cat = (v >= 9).astype(np.int64) - (v <= 6).astype(np.int64) + 1
    g = np.zeros(v.size, dtype=np.int64) if data.groups is None else data.groups
    code = np.searchsorted(plan.weight_levels, data.weights)
    key = (g * 3 + cat) * np.int64(n_levels) + code
    return np.bincount(key, minlength=plan.n_groups * 3 * n_levels).astype(np.int64).reshape(
        plan.n_groups, 3, n_levels)


@dataclass(frozen=True)
class _Tally:
    """Answers counted per group: the raw material of every metric."""

    plan: _Plan
    n: NDArray[np.int64]
    rows: NDArray[np.int64]
    sum_w: Floats
    n_eff: Floats
    counts: Floats | None
    mean: Floats
    sum_sq: Floats
    hit: Floats | None = None
    cells: NDArray[np.int64] | None = None

    def total_at(self, threshold: float, at_most: bool) -> Floats:
        """Weighted number of answers ``>= threshold`` (or ``<=`` with ``at_most``)."""
        if self.counts is not None:
            points = self.plan.scale.low + np.arange(self.counts.shape[1])
            hit = points <= threshold if at_most else points >= threshold
            return np.asarray(self.counts[:, hit].sum(axis=1), dtype=np.float64)
        assert self.hit is not None
        assert threshold == self.plan.threshold
        return self.hit


def tally(parts: Partials, plan: _Plan) -> _Tally:
    """The combined arrays of every part as counts, totals and moments per group."""
    a = parts.arrays
    rows = np.asarray(a["rows"], dtype=np.int64)
    hit = cells = None
    if plan.scale.integer:
        counts: Floats | None = np.asarray(a["counts"], dtype=np.float64)
        assert counts is not None
        sum_w = counts.sum(axis=1)
        sum_w2 = np.asarray(a["sum_w2"]) if plan.weighted else sum_w
        mean, sum_sq = ks.level_moments(counts, plan.scale.low)
    else:
        counts = None
        sum_w, sum_w2 = np.asarray(a["sum_w"]), np.asarray(a["sum_w2"])
        with np.errstate(invalid="ignore", divide="ignore"):
            shift = a["sum_x"] / sum_w
            mean = plan.centre + shift
            sum_sq = np.maximum(a["sum_xx"] - shift * a["sum_x"], 0.0)
        hit = None if "hit" not in a else np.asarray(a["hit"], dtype=np.float64)
    if not bool(np.isfinite(sum_w2).all()):
        raise InvalidParameterError(
            f"{plan.context}: weights are too large: their squares overflow float64.")
    if "cells" in a:
        cells = np.asarray(a["cells"], dtype=np.int64)
    unit = (np.asarray(a["unit_w"]), np.asarray(a["unit_w2"])) if "unit_w" in a else None
    n = rows
    if plan.sparse and not bool((rows > 0).all()):
        # Segment numbers without answers are no segments: drop their groups.
        keep = rows > 0
        plan = replace(plan, n_groups=int(keep.sum()), labels=plan.labels[keep], sparse=False)
        n = rows = rows[keep]
        sum_w, sum_w2, mean, sum_sq = sum_w[keep], sum_w2[keep], mean[keep], sum_sq[keep]
        counts = None if counts is None else counts[keep]
        hit = None if hit is None else hit[keep]
        cells = None if cells is None else cells[keep]
        unit = None if unit is None else (unit[0][keep], unit[1][keep])
    if unit is not None:
        n_eff = ks.kish(*unit)
    elif not plan.weighted:
        n_eff = n.astype(np.float64)
    elif plan.weight_type == "frequency":
        n_eff = sum_w
        n = np.rint(sum_w).astype(np.int64)
    else:
        n_eff = ks.kish(sum_w, sum_w2)
    return _Tally(plan, n, rows, sum_w, n_eff, counts, mean, sum_sq, hit, cells)
