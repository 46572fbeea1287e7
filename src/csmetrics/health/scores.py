"""Health scoring results: ``HealthScores`` and one account's ``ScoreExplanation``.

``HealthScores.explain`` re-runs the scoring arithmetic on one account and writes out its
group and overall formulas. Re-exported by ``csmetrics.health``.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.checks import Checker
from csmetrics._core.formatting import format_bound, format_number
from csmetrics.exceptions import AccountNotFoundError
from csmetrics.health.compute import _evaluate, _Parts, _points
from csmetrics.health.rules import Floats, Linear
from csmetrics.results import TableResult

if TYPE_CHECKING:
    from csmetrics.health.scorecard import HealthScorecard, Measure


def _band_index(bands: NDArray[Any], names: tuple[str, ...]) -> NDArray[np.int64]:
    """Position of each band name in ``names``; ``len(names)`` for no band."""
    out = np.full(bands.size, len(names), dtype=np.int64)
    for i, name in enumerate(names):
        out[bands == name] = i
    return out


class HealthScores(TableResult):
    """Health scores of every account: score, band, coverage and each measure's contribution.

    Columns, one row per account in input order: the id column, ``score`` (NaN when
    withheld), ``band`` (None without a score), ``coverage``, any kept columns, ``mrr`` when
    given, and one column per measure with its contribution to the score.

    Use ``explain`` for one account's arithmetic, ``group_scores`` for the measure
    groups, ``points`` for every measure's points, and ``health_rollup``,
    ``health_trend`` and ``at_risk`` for the portfolio.
    """

    scorecard: HealthScorecard
    id_column: str
    band_names: tuple[str, ...]
    _raw: dict[str, NDArray[Any]]
    _groups: Floats

    @classmethod
    def _build(cls, card: HealthScorecard, ids: NDArray[Any], id_column: str, parts: _Parts,
               raw: dict[str, NDArray[Any]], kept: dict[str, NDArray[Any]],
               money: Floats | None) -> HealthScores:
        names = np.array([*card._plan.band_names, None], dtype=object)
        columns: dict[str, Any] = {id_column: ids, "score": parts.score,
                                   "band": names[parts.band], "coverage": parts.coverage}
        columns.update(kept)
        if money is not None:
            columns["mrr"] = money
        for measure, c in zip(card.measures, parts.contributions, strict=True):
            columns[measure.name] = c
        for name in ("score", "band", "coverage", *(m.name for m in card.measures)):
            if columns[name].base is None:  # computed here: the result need not copy it
                columns[name].flags.writeable = False
        out = cls(columns, title=f"Health scores ({card.name})",
                  money=("mrr",) if money is not None else ())
        out._set(scorecard=card, id_column=id_column, band_names=card._plan.band_names,
                 _raw=raw, _groups=parts.group_scores)
        return out

    def __repr__(self) -> str:
        n = len(self)
        scored = int(np.count_nonzero(~np.isnan(self["score"])))
        return (f"HealthScores({n:,} account{'s' * (n != 1)}, {scored:,} scored, scorecard "
                f"{self.scorecard.name!r})")

    def _row(self, customer_id: Any) -> int:
        ids = self[self.id_column]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            equal = np.asarray(ids == customer_id)
        hits = np.flatnonzero(equal) if equal.shape == ids.shape else np.zeros(0, np.int64)
        if hits.size == 0 and ids.size:
            hits = np.flatnonzero(ids.astype(str) == str(customer_id))
        if hits.size == 0:
            raise AccountNotFoundError(f"{type(self).__name__}: no account {customer_id!r} "
                                       f"among the {len(self):,} scored.")
        return int(hits[0])

    def explain(self, customer_id: Any) -> ScoreExplanation:
        """The arithmetic of one account's score: value, rule, points, weights, contribution.

        Parameters
        ----------
        customer_id : str or int
            The account.

        Returns
        -------
        ScoreExplanation
            One row per measure: ``group``, ``measure``, ``value``, ``rule``, ``points``,
            ``status`` (present, or what the missing policy did), ``weight`` (its nominal
            share of the score), ``used_weight`` (the share it carried for this account) and
            ``contribution``. Printing it adds the group and overall formulas, the band and
            the coverage.

        Raises
        ------
        AccountNotFoundError
            The account is not in the result.

        Examples
        --------
        >>> from csmetrics.health import HealthScorecard, Linear, Measure
        >>> card = HealthScorecard(measures=[
        ...     Measure(name="usage", rule=Linear(low=0, high=1), weight=3),
        ...     Measure(name="nps", rule=Linear(low=-100, high=100))])
        >>> scores = card.score({"customer_id": ["a"], "usage": [0.5], "nps": [None]})
        >>> e = scores.explain("a")
        >>> e["status"].tolist(), e["used_weight"].tolist()
        (['present', 'missing'], [1.0, 0.0])
        >>> for line in e.lines:
        ...     print(line)
        score = (3 × 50) / 3 = 50 (nps missing: weight re-normalised away)
        band: red [0, 50]
        coverage: 0.75 of the weight has a value
        """
        return _explain(self, self._row(customer_id), customer_id)

    def points(self) -> TableResult:
        """Every measure's points for every account (NaN where the value is missing)."""
        card = self.scorecard
        cols: dict[str, Any] = {self.id_column: self[self.id_column]}
        for m in card.measures:
            cols[m.name] = _points(m, self._raw[m.name], card.scale,
                                   Checker(len(self), "HealthScores.points"))[0]
        return TableResult(cols, title=f"Measure points ({card.name})")

    def group_scores(self) -> TableResult:
        """Score of every measure group (and ungrouped measure) for every account.

        Examples
        --------
        >>> from csmetrics.health import HealthScorecard, Linear, Measure
        >>> card = HealthScorecard(measures=[
        ...     Measure(name="a", group="usage", rule=Linear(low=0, high=1)),
        ...     Measure(name="b", group="usage", rule=Linear(low=0, high=1)),
        ...     Measure(name="c", rule=Linear(low=0, high=1))])
        >>> g = card.score({"customer_id": ["x"], "a": [1], "b": [0.5], "c": [0]}).group_scores()
        >>> float(g["usage"][0]), float(g["c"][0])
        (75.0, 0.0)
        """
        plan = self.scorecard._plan
        cols: dict[str, Any] = {self.id_column: self[self.id_column]}
        for i, unit in enumerate(plan.units):
            cols[unit] = self._groups[:, i]
        return TableResult(cols, title=f"Group scores ({self.scorecard.name})")


class ScoreExplanation(TableResult):
    """One account's score, measure by measure, with the formulas that produce it.

    Attributes ``customer_id``, ``score``, ``band``, ``coverage`` and ``lines`` (the
    formulas, printed under the table).
    """

    customer_id: Any
    score: float
    band: str | None
    coverage: float
    lines: tuple[str, ...]

    def __str__(self) -> str:
        return "\n".join([super().__str__(), *self.lines])

    def _format(self, name: str, values: NDArray[Any]) -> list[str]:
        if name == "value":  # measured values print short: 0.151631, not 0.15163057809548353
            return ["" if v is None else format_bound(v) if isinstance(v, float) else str(v)
                    for v in values.tolist()]
        return super()._format(name, values)

    def __repr__(self) -> str:
        return (f"ScoreExplanation({self.customer_id!r}: score {format_number(self.score)}, band "
                f"{self.band})")


def _explain(scores: HealthScores, row: int, customer_id: Any) -> ScoreExplanation:
    card = scores.scorecard
    plan = card._plan
    m = len(card.measures)
    chk = Checker(1, "HealthScores.explain")
    values = {k: v[row:row + 1] for k, v in scores._raw.items()}
    pts = np.empty((1, m), order="F")
    for j, measure in enumerate(card.measures):
        pts[:, j] = _points(measure, values[measure.name], card.scale, chk)[0]
    parts = _evaluate(card, pts)  # the same kernel, on one account
    present = ~np.isnan(pts[0])
    fill = card.missing.fill
    status = []
    for j in range(m):
        if present[j]:
            status.append("present")
        elif fill == "renormalize":
            status.append("missing")
        else:
            status.append(f"missing -> {format_bound(plan.fill[j])}")
    value_col = np.empty(m, dtype=object)
    value_col[:] = [None if not present[j] else _value(values[mm.name][0])
                    for j, mm in enumerate(card.measures)]
    table = {
        "group": np.array([mm.group or "" for mm in card.measures], dtype=object),
        "measure": np.array([mm.name for mm in card.measures], dtype=object),
        "value": value_col,
        "rule": np.array([_describe(mm, card.scale) for mm in card.measures], dtype=object),
        "points": pts[0],
        "status": np.array(status, dtype=object),
        "weight": plan.effective,
        "used_weight": np.array([u[0] for u in parts.used_weights]),
        "contribution": np.array([c[0] for c in parts.contributions]),
    }
    score = float(scores["score"][row])
    band = scores["band"][row]
    coverage = float(scores["coverage"][row])
    lines = _formulas(card, pts[0], present, parts)
    band_text = "none (no score)" if band is None else str(
        card.bands[plan.band_names.index(band)])
    lines.append(f"band: {band_text}")
    need = card.missing.min_coverage
    lines.append(f"coverage: {format_number(coverage)} of the weight has a value"
                 + (f" (minimum {need:g})" if need > 0 else ""))
    out = ScoreExplanation(table, title=f"Health score of {customer_id!r} (scorecard "
                                        f"{card.name!r})")
    out._set(customer_id=customer_id, score=score, band=band, coverage=coverage,
             lines=tuple(lines))
    return out


def _value(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v


def _describe(m: Measure, scale: tuple[float, float]) -> str:
    rule = m.rule
    if isinstance(rule, Linear):
        return rule.describe(m.direction, scale)
    return rule.describe()


def _formulas(card: HealthScorecard, pts: Floats, present: NDArray[np.bool_], parts: _Parts
              ) -> list[str]:
    """The group and overall formulas of one account, as text."""
    plan = card._plan
    fill = card.missing.fill
    used = pts if fill == "renormalize" else np.where(present, pts, plan.fill)
    counts = present if fill == "renormalize" else np.ones_like(present)
    worst = card.aggregate == "worst"
    lines = []
    unit_terms = []
    missing_names = [mm.name for j, mm in enumerate(card.measures) if not present[j]]
    for g, unit in enumerate(plan.units):
        members = np.flatnonzero(plan.unit_of == g)
        gscore = parts.group_scores[0, g]
        if plan.unit_is_group[g]:
            if worst:
                terms = [format_bound(used[j]) for j in members if counts[j]]
                body = f"min({', '.join(terms)})" if terms else "no value"
            else:
                terms = [f"{format_bound(plan.within[j])} × {format_bound(used[j])}"
                         for j in members if counts[j]]
                wsum = sum(plan.within[j] for j in members if counts[j])
                body = (f"({' + '.join(terms)}) / {format_bound(wsum)}" if terms else "no value")
            rounded = " (rounded)" if card.decimals is not None else ""
            lines.append(f"{unit} = {body} = {format_number(gscore)}{rounded}")
        if gscore == gscore:
            unit_terms.append((plan.top[g], gscore))
    if worst:
        body = f"min({', '.join(format_number(s) for _, s in unit_terms)})"
    else:
        terms = [f"{format_bound(w)} × {format_number(s)}" for w, s in unit_terms]
        body = (f"({' + '.join(terms)}) / "
                f"{format_bound(sum(w for w, _ in unit_terms))}")
    score = parts.score[0]
    tail = ""
    if missing_names and fill == "renormalize":
        tail = (f" ({', '.join(missing_names)} missing: "
                f"{'left out' if worst else 'weight re-normalised away'})")
    elif missing_names:
        what = "the bottom of the scale" if fill == "zero" else "neutral points"
        tail = f" ({', '.join(missing_names)} missing: scored at {what})"
    if score != score:
        why = "no measure has a value" if not present.any() else "coverage below the minimum"
        lines.append(f"score = none: {why}{tail}")
    else:
        rounded = " (rounded)" if card.decimals is not None else ""
        lines.append(f"score = {body} = {format_number(score)}{rounded}{tail}")
    return lines

