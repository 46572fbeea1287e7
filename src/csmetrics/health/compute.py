"""The arithmetic of a health scorecard: reading a measures table and scoring its accounts.

A scorecard compiles to a ``_Plan`` (its weights and bands as arrays). The columns of a
per-account measures table are read and validated (ids, numbers, labels, MRR), each measure's
rule turns its column into points (``_points``), and ``_evaluate`` runs the kernels
that aggregate the points into group and overall scores, coverage and bands. Used by
``csmetrics.health.HealthScorecard.score``, the results and the roll-ups.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.checks import Checker
from csmetrics._core.columns import as_column
from csmetrics._core.convert import SCALAR_RULE, factorize, is_missing, not_scalar, to_float
from csmetrics._core.warnings import warn_undefined
from csmetrics._kernels import health as kh
from csmetrics.exceptions import ColumnNotFoundError, InvalidParameterError
from csmetrics.health.rules import Floats, Linear, NamedBands, Steps, _Intervals

if TYPE_CHECKING:
    from csmetrics.health.scorecard import HealthScorecard, Measure

# Coverage within this of min_coverage meets it (0.6 may be summed as 0.5999999999999999).
_COVERAGE_TOLERANCE = 1e-12


@dataclass(frozen=True, eq=False)
class _Plan:
    """A scorecard compiled to arrays once: the kernels' view of it.

    It is a function of the scorecard's fields, which decide equality: any two plans compare
    equal, so pydantic's comparison of private attributes never looks inside the arrays.
    """

    units: tuple[str, ...]           # top-level units: groups and ungrouped measures
    unit_is_group: tuple[bool, ...]
    unit_of: NDArray[np.int64]       # (m,)
    within: Floats                   # (m,) weight inside the unit
    top: Floats                      # (k,) weight of the unit
    effective: Floats                # (m,) nominal share of the overall score, sums to 1
    fill: Floats                     # (m,) points given to a missing value (fill modes)
    bands: _Intervals
    band_names: tuple[str, ...]
    tolerance: float

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Plan)

    def __hash__(self) -> int:
        return 0


# --- reading the measures table --------------------------------------------------------------

_CONTEXT = "HealthScorecard.score"


def _read_ids(data: Any, names: list[str], get: Callable[[str], Any], id_column: str
              ) -> NDArray[Any]:
    if id_column in names:
        ids = as_column(get(id_column))
    elif getattr(getattr(data, "index", None), "name", None) == id_column:
        ids = as_column(data.index)  # pandas, ids in the index
    else:
        raise ColumnNotFoundError(id_column, names, context=f"{_CONTEXT} (id_column=)")
    ids = ids.reshape(-1)
    chk = Checker(ids.size, _CONTEXT)
    several = not_scalar(ids)
    if several is not None:
        chk.check(several, id_column, SCALAR_RULE)
    missing = is_missing(ids)
    chk.check(missing, id_column, "must not be missing (None/NaN)")
    if ids.dtype.kind == "f":
        ids = ids.astype(np.int64) if bool(np.all(ids == np.round(ids))) else ids
    chk.check(_repeated(ids), id_column, "must not repeat: one row per account")
    return ids


def _repeated(ids: NDArray[Any]) -> NDArray[np.bool_]:
    """True at every row whose id appeared in an earlier row."""
    n = ids.size
    if ids.dtype.kind in "iu":
        cats, codes = factorize(ids)
        if cats.size == n:
            return np.zeros(n, dtype=bool)
    elif ids.dtype.kind in "OUS":
        if len(set(ids.tolist())) == n:  # hashing, in C: the fast path for distinct ids
            return np.zeros(n, dtype=bool)
        _, codes = factorize(ids)
    else:
        _, codes = factorize(ids)
    order = np.argsort(codes, kind="stable")
    dup = np.zeros(n, dtype=bool)
    sorted_codes = codes[order]
    dup[order[1:]] = sorted_codes[1:] == sorted_codes[:-1]
    return dup


def _column(get: Callable[[str], Any], name: str, n: int, id_column: str) -> NDArray[Any]:
    values = as_column(get(name)).reshape(-1)
    if values.size != n:
        raise InvalidParameterError(f"{_CONTEXT}: column {name!r} has {values.size:,} values but "
                                    f"{id_column!r} has {n:,}; a measures table has one row "
                                    f"per account.")
    return values


def _numbers(values: NDArray[Any], column: str, chk: Checker) -> Floats:
    x = to_float(values, column, chk)
    chk.check(np.isinf(x), column, "must be a finite number or missing (None/NaN)")
    return x


def _points(m: Measure, values: NDArray[Any], scale: tuple[float, float], chk: Checker
            ) -> tuple[Floats, NDArray[Any]]:
    """Points of one measure for every account, and the values read (for explanations)."""
    rule = m.rule
    col = m.source
    lo, hi = scale
    if isinstance(rule, Linear):
        x = _numbers(values, col, chk)
        at_low, at_high = (lo, hi) if m.direction == "higher" else (hi, lo)
        return kh.linear_points(x, rule.low, rule.high, at_low, at_high), x
    if isinstance(rule, Steps):
        x = _numbers(values, col, chk)
        codes = _Intervals.of(rule.bands()).codes(x)
        return np.append(np.asarray(rule.points, dtype=np.float64), np.nan)[codes], x
    if rule.bands is not None:
        x = _numbers(values, col, chk)
        codes = _Intervals.of(rule.bands).codes(x)
        outside = (codes < 0) & ~np.isnan(x)
        chk.check(outside, col, f"must fall in a band of measure {m.name!r} "
                  f"({', '.join(str(b) for b in rule.bands)})")
        pts = np.append(np.asarray(rule.ordered_points(), dtype=np.float64), np.nan)
        return pts[codes], x
    return _label_points(m, rule, values, chk), values


_NOT_LABELS = ("must hold text labels for measure {name!r} (a NamedBands rule without bands= "
               "maps labels; give bands= or use Steps for numbers)")


def _label_points(m: Measure, rule: NamedBands, values: NDArray[Any], chk: Checker) -> Floats:
    col = m.source
    if values.dtype.kind in "iufb":
        chk.check(~is_missing(values), col, _NOT_LABELS.format(name=m.name))
    missing = is_missing(values)
    keys = np.array(sorted(rule.point_map), dtype=str)
    pts = np.array([rule.point_map[k] for k in keys.tolist()], dtype=np.float64)
    out = np.full(values.size, np.nan)
    present = np.flatnonzero(~missing)
    labels = values[present].astype(str)
    codes = kh.label_codes(labels, keys)
    unknown = codes < 0
    if unknown.any():
        bad = np.zeros(values.size, dtype=bool)
        bad[present[unknown]] = True
        numbers = np.array([not isinstance(v, str) for v in values[bad].tolist()])
        if numbers.any():  # error path only: say that numbers are not labels
            not_text = np.zeros(values.size, dtype=bool)
            not_text[np.flatnonzero(bad)[numbers]] = True
            chk.check(not_text, col, _NOT_LABELS.format(name=m.name))
        shown = ", ".join(repr(s) for s in dict.fromkeys(labels[unknown][:50].tolist()))
        chk.check(bad, col, f"must be one of the labels {sorted(rule.point_map)} of measure "
                  f"{m.name!r} (found {shown})")
    out[present] = pts[codes]
    return out


def _aligned(values: Any, ids: NDArray[Any], names: list[str], get: Callable[[str], Any] | None,
             what: str, context: str) -> NDArray[Any]:
    """A per-account quantity given as a column name, a mapping from id, or aligned values."""
    n = ids.size
    if isinstance(values, str):
        if get is None or values not in names:
            raise ColumnNotFoundError(values, names, context=f"{context} ({what}=)")
        out = as_column(get(values)).reshape(-1)
    elif isinstance(values, Mapping) or (hasattr(values, "index") and hasattr(values, "items")
                                         and not hasattr(values, "columns")):
        out = _mapped(ids, values, what, context)
    else:
        out = as_column(values).reshape(-1) if not isinstance(values, list | tuple) else (
            np.asarray(values, dtype=object))
    if out.size != n:
        raise InvalidParameterError(f"{context}: {what}= has {out.size:,} values for {n:,} "
                                    f"accounts; give one per row, a mapping from account id, "
                                    f"or a column name.")
    return out


def _mapped(ids: NDArray[Any], mapping: Any, what: str, context: str) -> NDArray[Any]:
    """Values of ``mapping`` (a dict or a pandas Series keyed by account id) for each id."""
    if isinstance(mapping, Mapping):
        keys = np.asarray(list(mapping.keys()))
        vals = np.empty(keys.size, dtype=object)
        vals[:] = list(mapping.values())
    else:  # pandas Series: its index is the key
        keys = as_column(mapping.index)
        vals = as_column(mapping)
    if keys.dtype.kind == "f" and bool(np.all(np.isfinite(keys) & (keys == np.round(keys)))):
        keys = keys.astype(np.int64)
    targets = ids
    if keys.dtype.kind != targets.dtype.kind and {keys.dtype.kind, targets.dtype.kind} != {
            "i", "u"}:
        keys, targets = keys.astype(str), targets.astype(str)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    if sorted_keys.size and bool(np.any(sorted_keys[1:] == sorted_keys[:-1])):
        raise InvalidParameterError(f"{context}: the mapping given as {what}= repeats some "
                                    f"account ids.")
    pos = np.minimum(np.searchsorted(sorted_keys, targets), max(sorted_keys.size - 1, 0))
    found = (sorted_keys[pos] == targets) if sorted_keys.size else np.zeros(ids.size, bool)
    if not found.all():
        shown = ", ".join(repr(v) for v in ids[~found][:5].tolist())
        raise InvalidParameterError(f"{context}: {int((~found).sum()):,} of {ids.size:,} "
                                    f"accounts have no entry in the mapping given as {what}= "
                                    f"(first: {shown}).")
    return np.asarray(vals[order[pos]])


def _money(values: NDArray[Any], what: str, context: str) -> Floats:
    chk = Checker(values.size, context)
    x = to_float(values, what, chk)
    chk.check(np.isnan(x), what, "must not be missing (give 0 for accounts without revenue)")
    chk.check(np.isinf(x) | (x < 0), what, "must be a finite number >= 0")
    return x

@dataclass(frozen=True)
class _Parts:
    score: Floats
    coverage: Floats
    band: NDArray[np.int64]
    group_scores: Floats
    used_weights: list[Floats]
    contributions: list[Floats]


def _evaluate(card: HealthScorecard, points: Floats) -> _Parts:
    """The kernels applied to an accounts x measures array of points (NaN: missing)."""
    plan = card._plan
    present = ~np.isnan(points)
    fill = card.missing.fill
    if fill != "renormalize":
        points = np.where(present, points, plan.fill)
    if card.aggregate == "mean":
        scored = kh.weighted_mean(points, present if fill == "renormalize" else None,
                                  plan.unit_of, plan.within, plan.top, card.decimals)
    else:
        counted = plan.effective > 0  # weight 0 (of the measure or its group) leaves it out
        scored = kh.worst_of(points, counted, plan.unit_of, len(plan.units), card.decimals)
    cov = kh.coverage(present, plan.effective)
    withheld = (cov <= 0) | (cov < card.missing.min_coverage - _COVERAGE_TOLERANCE)
    score = np.where(withheld, np.nan, scored.score)
    lo, hi = card.scale
    score = np.clip(score, lo, hi)  # a mean of points within the scale, up to rounding
    contributions, used = scored.contributions, scored.used_weights
    if withheld.any():
        contributions = [np.where(withheld, np.nan, c) for c in contributions]
        used = [np.where(withheld, np.nan, u) for u in used]
    band = kh.band_codes(score, plan.bands.edges, plan.bands.upper_owns, plan.tolerance)
    return _Parts(score, cov, band, scored.group_scores, used, contributions)


def _warn_unscored(score: Floats, cov: Floats, min_coverage: float, context: str) -> None:
    unscored = np.isnan(score)
    if not unscored.any():
        return
    empty = int((cov[unscored] <= 0).sum())
    low = int(unscored.sum()) - empty
    reasons = []
    if empty:
        reasons.append(f"{empty:,} have no measure with a value")
    if low:
        reasons.append(f"{low:,} have coverage below min_coverage={min_coverage:g}")
    warn_undefined(f"{context}: {int(unscored.sum()):,} of {score.size:,} accounts have no "
                   f"score ({'; '.join(reasons)}); their score is NaN and their band None.")
