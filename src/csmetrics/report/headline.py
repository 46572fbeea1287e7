"""The headline figures of a report: each for the report's period, the period before, and the
same period a year before, with the direction that is good.

A figure is computed the same way for the three periods, so a change is the change of one
definition (the definitions are in ``FIGURE_DEFINITIONS`` and in docs/report.md):

* **MRR** on the period's last day; **ARR** is 12 x that MRR (run rate).
* **Net new MRR**: new + expansion + reactivation - contraction - churn over the period
  (currency revaluation, the ``fx`` movement, is not growth and is left out).
* **NRR** and **GRR**: cohort retention over the 12 months ending with the period's last
  month (the customers paying at the start of those 12 months).
* **Logo churn**: the period's logo churn rate under the report's policy.
* **NPS** and **CSAT**: the answers submitted in the period.
* **Accounts in red**: the share of paying accounts in the red band of the standard
  scorecard on the period's last day; not compared for a period whose last 60 days the usage
  or ticket data do not reach (every account would look idle).

Money changes are relative (``+7.4%``); rates, shares and scores change in points.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from csmetrics.periods.calendar import Period
from csmetrics.report.shared import Shared

if TYPE_CHECKING:
    from csmetrics.report.portfolio import Portfolio

LOOK_BACK = 60
"""Days of usage and tickets a health score reads before its day (see ``_covered``)."""

Kind = Literal["money", "percent", "score"]

FIGURE_DEFINITIONS = {
    "mrr": "MRR on the period's last day.",
    "arr": "Annual run rate: 12 x MRR on the period's last day.",
    "net_new_mrr": "New + expansion + reactivation - contraction - churn in the period "
                   "(currency revaluation left out).",
    "nrr": "Net revenue retention, cohort method, over the 12 months ending with the period: "
           "MRR at the end of the customers paying at the start, over their MRR at the start.",
    "grr": "Gross revenue retention: as NRR with each customer capped at its starting MRR.",
    "logo_churn": "Customers lost in the period over the customers at its start (the "
                  "report's policy).",
    "nps": "Net Promoter Score of the period's answers: % promoters (9-10) - % detractors "
           "(0-6).",
    "csat": "Share of the period's CSAT answers that are satisfied (top-2-box).",
    "red_share": "Share of paying accounts in the red band of the standard scorecard on the "
                 "period's last day.",
}


@dataclass(frozen=True)
class Figure:
    """One headline figure in three periods.

    Attributes
    ----------
    key, label : str
        Its name in ``to_dict`` and the label people read.
    kind : {"money", "percent", "score"}
        Money changes relatively; percentages (fractions) and scores change in points.
    values : tuple of float
        For the report's period, the one before, and the same period a year before (NaN
        where undefined or not compared).
    higher_is_better : bool
        Whether a rise is good news (MRR) or bad (churn).
    """

    key: str
    label: str
    kind: Kind
    values: tuple[float, float, float]
    higher_is_better: bool = True

    @property
    def value(self) -> float:
        """The figure for the report's period."""
        return self.values[0]

    def change(self, against: int) -> float:
        """The change against period ``against`` (1: the one before, 2: a year before):
        relative for money, in points for percentages (x 100) and scores; NaN when either
        value is undefined or a money base is zero."""
        now, then = self.values[0], self.values[against]
        if now != now or then != then:
            return float("nan")
        if self.kind == "money":
            return now / then - 1 if then > 0 else float("nan")
        return (now - then) * (100 if self.kind == "percent" else 1)

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the key, label, kind, the three values and both changes."""
        return {"key": self.key, "label": self.label, "kind": self.kind,
                "value": self.values[0], "previous": self.values[1],
                "year_before": self.values[2], "change_previous": self.change(1),
                "change_year_before": self.change(2),
                "higher_is_better": self.higher_is_better}


@dataclass(frozen=True)
class Headline:
    """The headline figures of a report and the periods they compare.

    Attributes
    ----------
    periods : tuple of str
        The report's period, the one before, and the same period a year before ("" when a
        year before is the period before, as for a yearly report).
    currency : str or None
        The currency of the money figures.
    figures : tuple of Figure
    notes : tuple of str
        What the figures leave out, and why.
    """

    periods: tuple[str, str, str]
    currency: str | None
    figures: tuple[Figure, ...]
    notes: tuple[str, ...] = ()

    def __getitem__(self, key: str) -> Figure:
        for figure in self.figures:
            if figure.key == key:
                return figure
        raise KeyError(f"no figure {key!r}; figures: {[f.key for f in self.figures]}")

    def to_dict(self) -> dict[str, Any]:
        """Plain data, ready for JSON (NaN made None by the report)."""
        return {"period": self.periods[0], "previous": self.periods[1],
                "year_before": self.periods[2] or None, "currency": self.currency,
                "figures": [f.to_dict() for f in self.figures], "notes": list(self.notes)}


def compared_periods(period: Period) -> tuple[Period, Period, Period | None]:
    """The report's period, the one before, and the same period a year before (None when
    that is the one before: a year).

    Examples
    --------
    >>> compared_periods(Period.parse("2024-Q4"))
    (Period('2024-Q4'), Period('2024-Q3'), Period('2023-Q4'))
    >>> compared_periods(Period.parse("2024"))[2] is None
    True
    """
    months = months_in(period)
    per_year = 12 // months if 12 % months == 0 else 0
    year_ago = period - per_year if per_year > 1 else None
    return period, period - 1, year_ago


def months_in(period: Period) -> int:
    """Calendar months a period spans (1, 3 or 12 for months, quarters and years).

    Examples
    --------
    >>> months_in(Period.parse("2024-Q4")), months_in(Period.parse("2024"))
    (3, 12)
    """
    s, e = period.start, period.end
    return (e.year - s.year) * 12 + e.month - s.month + 1


def _month(day: Any) -> Period:
    return Period.parse(day, "month")


def headline(p: Portfolio, period: Period, health: Callable[[Period], Any] | None,
             shared: Shared | None = None) -> Headline:
    """The headline figures of ``p`` for ``period`` (see the module documentation).

    ``health(at)`` returns the standard health scores of the paying accounts at a period's
    end (or None); it is the report's own, so that the figures and the health section agree.
    ``shared`` is the report's shared work (its bridge runs).
    """
    now, before, year_ago = compared_periods(period)
    compared = [now, before, year_ago]
    figures: list[Figure] = []
    currency = None
    notes: list[str] = []
    if p.subscriptions is not None and len(p.subscriptions):
        money, currency, note = _revenue(p, compared, shared or Shared())
        figures += money
        notes += [note] if note else []
    if p.surveys is not None and len(p.surveys):
        figures += _surveys(p, compared)
    if health is not None:
        shares = [_red_share(health, x) if x is not None and _covered(p, x) else float("nan")
                  for x in compared]
        if any(s == s for s in shares):
            figures.append(Figure("red_share", "Accounts in red", "percent",
                                  _three(shares), higher_is_better=False))
    return Headline((str(now), str(before), "" if year_ago is None else str(year_ago)),
                    currency or None, tuple(figures), tuple(notes))


def _three(values: list[float]) -> tuple[float, float, float]:
    return float(values[0]), float(values[1]), float(values[2])


Values = dict[str, list[float]]


def _revenue(p: Portfolio, compared: list[Period | None], shared: Shared
             ) -> tuple[list[Figure], str, str]:
    """The revenue figures, and a note when exchange rates do not reach back to a compared
    period (its figures are then left undefined rather than failing the report)."""
    money, currency, note_a = _tolerant(lambda c: _money(p, c, shared), compared)
    ratios, _, note_b = _tolerant(lambda c: _ratios(p, c, shared), compared)
    churn = _churn(p, compared)
    figures = [
        Figure("mrr", "MRR", "money", _three(money["mrr"])),
        Figure("arr", "ARR", "money", _three([12 * v for v in money["mrr"]])),
        Figure("net_new_mrr", "Net new MRR", "money", _three(money["net"])),
        Figure("nrr", "NRR (12 months)", "percent", _three(ratios["nrr"])),
        Figure("grr", "GRR (12 months)", "percent", _three(ratios["grr"])),
        Figure("logo_churn", "Logo churn", "percent", _three(churn), higher_is_better=False),
    ]
    return figures, currency, note_a or note_b


def _churn(p: Portfolio, compared: list[Period | None]) -> list[float]:
    """Logo churn of each compared period, as ``logo_churn_rate`` of its months gives it,
    read off one run over all of them: one set of change points rather than one per
    period (each ends in a different month)."""
    from csmetrics.revenue.churn import logo_churn_rate
    from csmetrics.revenue.windows import bridge_periods

    present = [x for x in compared if x is not None]
    first = min(_month(x.start) for x in present)
    job = logo_churn_rate.job(p.subscriptions, first, max(_month(x.end) for x in present),
                              policy=p.policy)
    whole = job.partial(job.table, job.plan)
    out = []
    for x in compared:
        if x is None:
            out.append(float("nan"))
            continue
        i = _month(x.start).first_month - first.first_month
        j = _month(x.end).first_month - first.first_month
        out.append(float(job.finalize(bridge_periods(whole, i, j + 1), job.plan)))
    return out


def _tolerant(compute: Callable[[list[Period | None]], tuple[Values, str]],
              compared: list[Period | None]) -> tuple[Values, str, str]:
    """``compute(compared)``, leaving out the oldest compared periods while exchange rates
    are missing for them (their values NaN, and a note saying so)."""
    from csmetrics.exceptions import MissingRateError

    tried = list(compared)
    for drop in (None, 2, 1, 0):
        if drop is not None:
            tried[drop] = None
        if all(x is None for x in tried):
            break
        try:
            values, currency = compute(tried)
        except MissingRateError:
            continue
        left = [str(x) for x, t in zip(compared, tried, strict=True) if x is not None and t is None]
        note = (f"Not shown for {', '.join(left)}: the exchange rates do not reach back that "
                "far." if left else "")
        return values, currency, note
    nan = [float("nan")] * 3
    return ({"mrr": nan, "net": nan, "nrr": nan, "grr": nan}, "",
            "Revenue figures not shown: the exchange rates do not cover the period.")


def _money(p: Portfolio, compared: list[Period | None], shared: Shared
           ) -> tuple[Values, str]:
    present = [x for x in compared if x is not None]
    first = min(_month(x.start) for x in present)
    last = max(_month(x.end) for x in present)
    bridge = shared.movements(p.subscriptions, first, last, p.policy, p.fx)
    months = [str(m) for m in bridge.periods]
    col = {k: np.asarray(bridge[k], dtype=float) for k in
           ("ending_mrr", "new", "expansion", "reactivation", "contraction", "churn")}
    net = col["new"] + col["expansion"] + col["reactivation"] - col["contraction"] - col["churn"]
    out: Values = {"mrr": [], "net": []}
    for x in compared:
        if x is None:
            out["mrr"].append(float("nan"))
            out["net"].append(float("nan"))
            continue
        i, j = months.index(str(_month(x.start))), months.index(str(_month(x.end)))
        out["mrr"].append(float(col["ending_mrr"][j]))
        out["net"].append(float(net[i:j + 1].sum()))
    return out, bridge.currency


def _ratios(p: Portfolio, compared: list[Period | None], shared: Shared
            ) -> tuple[Values, str]:
    from csmetrics.revenue.retention import nrr_series, series_rows

    ends = [_month(x.end) for x in compared if x is not None]
    job = nrr_series.job(p.subscriptions, min(ends), max(ends), window="12M", policy=p.policy,
                         fx=p.fx)
    # Only the compared periods' windows are read (the series' others are not shown).
    found = series_rows(job, 12, sorted({str(e) for e in ends}))
    if found is None:
        series = job.result()
        found = {str(k): (float(n), float(g)) for k, n, g in zip(
            series["period"].tolist(), series["nrr"].tolist(), series["grr"].tolist(),
            strict=True)}
    if p.fx is None:   # without rates, a window inside this one refuses nothing it did not
        shared.series_window = (min(ends) - 11, max(ends))
    nan = (float("nan"), float("nan"))
    pairs = [nan if x is None else found.get(str(_month(x.end)), nan) for x in compared]
    return {"nrr": [a for a, _ in pairs], "grr": [b for _, b in pairs]}, ""


def _surveys(p: Portfolio, compared: list[Period | None]) -> list[Figure]:
    from csmetrics.surveys import customer_satisfaction_score, net_promoter_score

    assert p.surveys is not None
    nan = float("nan")
    found: dict[str, list[float]] = {"nps": [], "csat": []}
    for x in compared:
        table = None if x is None else p.surveys.between(_month(x.start), _month(x.end))
        names = (set() if table is None or not len(table) else
                 set(np.asarray(table.surveys)[np.unique(table.survey_codes)].tolist()))
        found["nps"].append(float(net_promoter_score(table)) if "nps" in names else nan)
        found["csat"].append(float(customer_satisfaction_score(table)) if "csat" in names
                             else nan)
    out = []
    if found["nps"][0] == found["nps"][0]:
        out.append(Figure("nps", "NPS", "score", _three(found["nps"])))
    if found["csat"][0] == found["csat"][0]:
        out.append(Figure("csat", "CSAT", "percent", _three(found["csat"])))
    return out


def _covered(p: Portfolio, x: Period) -> bool:
    """Whether the usage and ticket data reach back over the health measures' look-back
    before ``x`` ends (``LOOK_BACK``: the 30-day usage window and the one before it, which
    the activity trend compares): before the data begin, every account would look idle."""
    start = np.datetime64(x.end, "D") - np.timedelta64(LOOK_BACK, "D")
    for table, at in ((p.usage, "at"), (p.tickets, "opened_at")):
        if table is not None and len(table) and np.datetime64(
                getattr(table, at).min(), "D") > start:
            return False
    return True


def _red_share(health: Callable[[Period], Any], x: Period) -> float:
    scores = health(_month(x.end))
    if scores is None:
        return float("nan")
    bands = np.asarray(scores["band"], dtype=object)
    scored = bands != None  # noqa: E711 - elementwise on an object array
    if not scored.any():
        return float("nan")
    return float(np.count_nonzero(bands == "red") / np.count_nonzero(scored))
