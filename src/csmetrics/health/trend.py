"""Two scorings of a portfolio compared account by account: ``health_trend`` and its result,
``HealthTrend`` (with the band-to-band ``transitions``). Re-exported by ``csmetrics.health``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.convert import factorize
from csmetrics._core.options import OneOf, check_option
from csmetrics.exceptions import InvalidParameterError
from csmetrics.health.scores import HealthScores, _band_index
from csmetrics.results import TableResult

if TYPE_CHECKING:
    from csmetrics.health.scorecard import HealthScorecard

Movement = Literal["up", "down", "same", "new", "gone", "unscored"]

_WEIGHT = OneOf("accounts", "mrr")


class HealthTrend(TableResult):
    """Two scorings of a portfolio compared account by account.

    Columns: the id, ``score_before``, ``score_after``, ``change`` (after minus before),
    ``band_before``, ``band_after``, ``movement`` and, when either scoring carried MRR,
    ``mrr`` (the latest known). ``movement`` is ``"up"``, ``"down"`` or ``"same"`` (band
    order, for accounts scored both times), ``"new"`` (not in ``before``), ``"gone"`` (not in
    ``after``) or ``"unscored"`` (in both but without a score in one). Rows: the accounts of
    ``after`` in its order, then those only in ``before``.
    """

    id_column: str
    band_names: tuple[str, ...]
    scorecard: HealthScorecard

    def __repr__(self) -> str:
        moves = self["movement"]
        parts = ", ".join(f"{int((moves == m).sum()):,} {m}" for m in ("up", "down", "same"))
        return f"HealthTrend({len(self):,} accounts: {parts})"

    def plot(self, *, ax: Any = None, weight: Literal["accounts", "mrr"] = "accounts") -> Any:
        """Heat map of the band-to-band movements (``transitions``), each cell's count in
        it (needs the ``plot`` extra; see ``csmetrics.plotting.plot_health_transitions``)."""
        from csmetrics.plotting import plot_health_transitions

        return plot_health_transitions(self, ax=ax, weight=weight)

    def transitions(self, *, weight: Literal["accounts", "mrr"] = "accounts") -> TableResult:
        """Band-to-band movements: rows are ``band_before``, columns ``band_after``.

        Parameters
        ----------
        weight : {"accounts", "mrr"}, default "accounts"
            Count accounts, or sum their MRR. Accounts absent from a scoring or without a
            score are in the ``no score`` row or column.

        Returns
        -------
        TableResult
            One row per band before (and ``no score``), one column per band after.

        Raises
        ------
        InvalidParameterError
            ``weight`` is neither "accounts" nor "mrr", or ``"mrr"`` without MRR.

        Examples
        --------
        >>> from csmetrics.health import HealthScorecard, Linear, Measure
        >>> card = HealthScorecard(measures=[Measure(name="u", rule=Linear(low=0, high=1))])
        >>> t = health_trend(card.score({"customer_id": ["a", "b"], "u": [0.9, 0.6]}),
        ...                  card.score({"customer_id": ["a", "b"], "u": [0.4, 0.6]}))
        >>> print(t.transitions())
        Band transitions (accounts)
        band_before  red  yellow  green  no score
        red            0       0      0         0
        yellow         0       1      0         0
        green          1       0      0         0
        no score       0       0      0         0
        """
        context = "HealthTrend.transitions"
        check_option(context, "weight", weight, _WEIGHT)
        names = [*self.band_names, "no score"]
        w = len(names)
        before = _band_index(self["band_before"], self.band_names)
        after = _band_index(self["band_after"], self.band_names)
        values: Any = None
        if weight == "mrr":
            if "mrr" not in self.columns:
                raise InvalidParameterError(f"{context}: weight='mrr' needs scores carrying "
                                            "MRR (score(..., mrr=...)).")
            values = self["mrr"]
        grid = np.bincount(before * w + after, weights=values, minlength=w * w).reshape(w, w)
        cols: dict[str, Any] = {"band_before": np.array(names, dtype=object)}
        for i, b in enumerate(names):
            cols[b] = grid[:, i] if values is not None else grid[:, i].astype(np.int64)
        return TableResult(cols, title=f"Band transitions ({weight})",
                           money=tuple(names) if values is not None else ())


def health_trend(before: HealthScores, after: HealthScores) -> HealthTrend:
    """Compare two scorings of the same portfolio (last month and this month), per account.

    Parameters
    ----------
    before, after : HealthScores
        Scorings with the same colour bands (usually of one scorecard).

    Returns
    -------
    HealthTrend
        One row per account in either scoring: scores, ``change = score_after -
        score_before`` (NaN unless both are scored), bands and the movement between them.

    Raises
    ------
    InvalidParameterError
        ``before`` or ``after`` is not a ``HealthScores``, or their colour bands differ.

    Notes
    -----
    Accounts are matched by id. Rows are the accounts of ``after`` in its order, then those
    only in ``before``. A movement compares the position of the bands (lowest first):
    ``"up"``, ``"down"`` or ``"same"`` for accounts scored both times, ``"new"`` for
    accounts only in ``after``, ``"gone"`` for those only in ``before`` and ``"unscored"``
    for accounts in both without a score in one. ``mrr`` is the latest known: ``after``'s,
    else ``before``'s.

    Examples
    --------
    >>> from csmetrics.health import HealthScorecard, Linear, Measure
    >>> card = HealthScorecard(measures=[Measure(name="usage", rule=Linear(low=0, high=1))])
    >>> old = card.score({"customer_id": ["a", "b"], "usage": [0.9, 0.8]})
    >>> new = card.score({"customer_id": ["b", "c"], "usage": [0.4, 0.7]})
    >>> t = health_trend(old, new)
    >>> t["customer_id"].tolist(), t["movement"].tolist()
    (['b', 'c', 'a'], ['down', 'new', 'gone'])
    >>> float(t["change"][0])
    -40.0
    """
    context = "health_trend"
    for label, s in (("before", before), ("after", after)):
        if not isinstance(s, HealthScores):
            raise InvalidParameterError(f"{context}: {label} must be HealthScores (from "
                                        f"HealthScorecard.score), got {type(s).__name__}.")
    if [str(b) for b in before.scorecard.bands] != [str(b) for b in after.scorecard.bands]:
        raise InvalidParameterError(
            f"{context}: the two scorings use different colour bands "
            f"({', '.join(map(str, before.scorecard.bands))} vs "
            f"{', '.join(map(str, after.scorecard.bands))}); band movements would mean nothing.")
    ids_b, ids_a = before[before.id_column], after[after.id_column]
    na = ids_a.size
    both = np.concatenate([ids_a.astype(object), ids_b.astype(object)])
    cats, codes = factorize(both) if both.size else (both, np.zeros(0, dtype=np.int64))
    code_a, code_b = codes[:na], codes[na:]
    k = cats.size
    row = np.full(k, -1, dtype=np.int64)
    row[code_a] = np.arange(na)
    only_b = row[code_b] < 0
    row[code_b[only_b]] = na + np.arange(int(only_b.sum()))
    ids = np.empty(k, dtype=object)
    ids[row[code_a]] = ids_a
    ids[row[code_b]] = ids_b
    in_a = np.zeros(k, dtype=bool)
    in_a[row[code_a]] = True
    in_b = np.zeros(k, dtype=bool)
    in_b[row[code_b]] = True

    def spread(values: NDArray[Any], rows: NDArray[np.int64], fill: Any, dtype: Any
               ) -> NDArray[Any]:
        out = np.full(k, fill, dtype=dtype)
        out[rows] = values
        return out

    sb = spread(before["score"], row[code_b], np.nan, np.float64)
    sa = spread(after["score"], row[code_a], np.nan, np.float64)
    bb = spread(before["band"], row[code_b], None, object)
    ba = spread(after["band"], row[code_a], None, object)
    ib = _band_index(bb, before.band_names)
    ia = _band_index(ba, after.band_names)
    scored = ~np.isnan(sa) & ~np.isnan(sb)
    movement = np.full(k, "unscored", dtype=object)
    movement[scored & (ia > ib)] = "up"
    movement[scored & (ia < ib)] = "down"
    movement[scored & (ia == ib)] = "same"
    movement[~in_b] = "new"
    movement[~in_a] = "gone"
    cols: dict[str, Any] = {after.id_column: ids, "score_before": sb, "score_after": sa,
                            "change": sa - sb, "band_before": bb, "band_after": ba,
                            "movement": movement}
    if "mrr" in after.columns or "mrr" in before.columns:
        mrr = np.full(k, np.nan)
        if "mrr" in before.columns:
            mrr[row[code_b]] = before["mrr"]
        if "mrr" in after.columns:
            mrr[row[code_a]] = after["mrr"]
        cols["mrr"] = mrr
    out = HealthTrend(cols, title=f"Health trend ({after.scorecard.name})",
                      money=("mrr",) if "mrr" in cols else ())
    out._set(id_column=after.id_column, band_names=after.band_names,
             scorecard=after.scorecard)
    return out

