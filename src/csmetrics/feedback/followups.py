"""Closing the loop: the detractors to call back, largest MRR at risk first.

A detractor is an answer of 0 to 6 to the 0-10 "how likely are you to recommend" question
(Reichheld 2003, the NPS categories every survey platform uses). ``detractor_followups``
lists each respondent whose **latest** answer in the window is a detractor's: a respondent
who answered 3 in March and 9 in May is no longer waiting for a call. Respondents are the
``respondent_id`` of the table, or the account when the table has none.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.formatting import format_money
from csmetrics._core.ids import positions
from csmetrics._core.options import OneOf, Satisfies, validate_params
from csmetrics.exceptions import ColumnNotFoundError, DataValidationError, InvalidParameterError
from csmetrics.fx import FX, FxRates
from csmetrics.periods.calendar import PeriodLike
from csmetrics.periods.days import day_bounds
from csmetrics.results import TableResult
from csmetrics.tables.coerce import as_surveys, as_table
from csmetrics.tables.surveys import SurveyTable

DETRACTOR_MAX = 6
"""The highest detractor answer on the 0-10 scale."""

_TRUE = frozenset({"true", "yes", "y", "1", "done", "t"})
_FALSE = frozenset({"false", "no", "n", "0", "", "f", "none", "nan"})


class DetractorFollowups(TableResult):
    """Detractors to follow up, largest MRR at risk first (then the most recent answer).

    Columns: ``customer_id``, ``respondent_id``, ``score``, ``submitted_at``,
    ``days_since`` (whole days from the answer to ``at``), ``comment`` (``None`` when the
    answer has none), ``mrr`` (the account's MRR at ``at``; NaN without subscriptions) and
    ``followed_up`` (when the surveys have such a column; otherwise absent).
    Attributes: ``at`` (the as-of day), ``detractors`` (rows), ``accounts`` (distinct
    accounts), ``mrr_at_risk`` (their MRR, each account once), ``followed_up_share`` (NaN
    without the column) and ``superseded`` (detractor answers left out because the same
    respondent answered again, less negatively or not, later in the window: only the
    latest counts).
    """

    at: _dt.date
    detractors: int
    accounts: int
    mrr_at_risk: float
    followed_up_share: float
    superseded: int

    def __repr__(self) -> str:
        followed = ("" if np.isnan(self.followed_up_share) else
                    f", {100 * self.followed_up_share:.0f}% followed up")
        return (f"DetractorFollowups({self.detractors:,} detractors, {self.accounts:,} "
                f"accounts, MRR at risk {format_money(self.mrr_at_risk, 2)}{followed}, as of "
                f"{self.at})")


def _flag(values: NDArray[Any], column: str) -> NDArray[np.bool_]:
    """Yes/no cells as booleans; anything else is an error naming the values."""
    text = np.array(["" if v is None else str(v).strip().lower() for v in values.tolist()],
                    dtype=object)
    yes = np.isin(text, list(_TRUE))
    no = np.isin(text, list(_FALSE))
    bad = ~(yes | no)
    if bad.any():
        raise DataValidationError(
            column=column, rule="must say yes or no (true/false, yes/no, 1/0, done)",
            count=int(bad.sum()), positions=np.flatnonzero(bad).tolist(),
            values=[repr(v) for v in values[bad].tolist()], n_rows=values.size,
            context="detractor_followups")
    return yes


def _load(surveys: Any, followed_up: str | None, explicit: bool) -> tuple[SurveyTable, bool]:
    """The table, keeping the follow-up column; whether it has one."""
    if isinstance(surveys, SurveyTable):
        if followed_up is not None and followed_up in surveys.segments:
            return surveys, True
        if explicit and followed_up is not None:
            raise ColumnNotFoundError(followed_up, list(surveys.segments),
                                      context="detractor_followups")
        return surveys, False
    if followed_up is None:
        return as_surveys(surveys, "detractor_followups"), False
    try:
        return as_surveys(surveys, "detractor_followups", by=followed_up), True
    except ColumnNotFoundError:
        if explicit:
            raise
        return as_surveys(surveys, "detractor_followups"), False


_NAME = Satisfies(lambda v: v is None or (isinstance(v, str) and bool(v.strip())),
                  "a column name, or None")


@validate_params({"survey": _NAME, "followed_up": _NAME, "fx": FX,
                  "order": OneOf("mrr", "recent")})
def detractor_followups(
    surveys: Any,
    *,
    subscriptions: Any = None,
    since: PeriodLike | None = None,
    at: PeriodLike | None = None,
    survey: str = "nps",
    followed_up: str | None = "followed_up",
    order: str = "mrr",
    fx: FxRates | None = None,
) -> DetractorFollowups:
    """Detractors to call back, ordered by the MRR at risk, with what they said.

    Parameters
    ----------
    surveys : SurveyTable, list of SurveyResponse, or columns
        Survey answers; the ``survey`` question must be on the 0-10 scale.
    subscriptions : SubscriptionTable, records or columns, optional
        For each account's MRR at ``at`` (the order of the list). Without it ``mrr`` is NaN
        and the list is ordered by the most recent answer.
    since : period or date, optional
        Answers from the first day of ``since``; default every answer.
    at : period or date, optional
        The as-of day (the last day of a period): answers after it are not seen, MRR is
        read on it and ``days_since`` counts to it. Default: the day of the latest answer
        (never the clock, so a rerun gives the same list).
    survey : str, default "nps"
        The NPS question's survey name.
    followed_up : str or None, default "followed_up"
        A yes/no column of the surveys saying whether someone has followed up. Used when
        present; naming a column that is absent (other than the default) is an error.
    order : {"mrr", "recent"}, default "mrr"
        Largest MRR at risk first (ties: most recent answer first), or most recent first.
    fx : FxRates, optional
        Rates for accounts billed in other currencies (as ``mrr``).

    Returns
    -------
    DetractorFollowups
        One row per respondent whose latest answer in the window is a detractor's.

    Examples
    --------
    >>> import csmetrics as cm
    >>> answers = {"customer_id": ["a", "b", "c", "a"], "survey": ["nps"] * 4,
    ...            "score": [3, 9, 5, 2], "comment": ["too slow", "great", "", "pricey"],
    ...            "submitted_at": ["2024-03-01", "2024-03-02", "2024-03-05", "2024-03-20"]}
    >>> subs = {"customer_id": ["a", "c"], "start": ["2024-01-01"] * 2,
    ...         "amount": [500, 90], "currency": ["USD"] * 2, "interval": ["month"] * 2}
    >>> f = cm.detractor_followups(answers, subscriptions=subs)
    >>> f["customer_id"].tolist(), f["comment"].tolist(), f["days_since"].tolist()
    (['a', 'c'], ['pricey', None], [0, 15])
    >>> f.mrr_at_risk, f.superseded
    (590.0, 1)
    """
    explicit = followed_up is not None and followed_up != "followed_up"
    table, has_flag = _load(surveys, followed_up, explicit)
    scale = table.scale_of(survey) if len(table) else None
    if scale is not None and (scale.low, scale.high) != (0, 10):
        raise InvalidParameterError(
            f"detractor_followups: survey {survey!r} is on the {scale} scale; detractors "
            "are defined on the 0-10 likelihood-to-recommend scale.")
    rows = table.survey_rows(survey) if len(table) else None
    idx = np.arange(len(table)) if rows is None else rows
    day = _as_of(table, idx, at)
    dates = table.submitted_at[idx]
    keep = dates <= day
    if since is not None:
        keep &= dates >= day_bounds(since)[0]
    idx = idx[keep & ~np.isnan(table.score[idx])]
    # The respondent's latest answer (ties: the later row) decides.
    resp = table.respondent_codes[idx]
    who = np.where(resp >= 0, resp, table.respondent_ids.size + table.customer_codes[idx])
    latest = np.lexsort((idx, table.submitted_at[idx], who))
    last = np.ones(latest.size, dtype=bool)
    last[:-1] = who[latest][1:] != who[latest][:-1]
    final = idx[latest[last]]
    detractor = table.score[idx] <= DETRACTOR_MAX
    picked = final[table.score[final] <= DETRACTOR_MAX]
    superseded = int(detractor.sum()) - picked.size
    return _result(table, picked, day, subscriptions, has_flag, followed_up, order, fx,
                   superseded)


def _as_of(table: SurveyTable, idx: NDArray[np.int64], at: PeriodLike | None
           ) -> np.datetime64:
    if at is not None:
        day: np.datetime64 = day_bounds(at)[1]
        return day
    if idx.size == 0:
        return np.datetime64("1970-01-01", "D")
    latest: np.datetime64 = table.submitted_at[idx].max()
    return latest


def _result(table: SurveyTable, picked: NDArray[np.int64], day: np.datetime64, subscriptions: Any,
            has_flag: bool, followed_up: str | None, order: str, fx: FxRates | None,
            superseded: int) -> DetractorFollowups:
    customers = table.customer_ids[table.customer_codes[picked]]
    mrr = np.full(picked.size, np.nan)
    if subscriptions is not None:
        from csmetrics.revenue import mrr as mrr_of

        subs = as_table(subscriptions, "detractor_followups")
        per = mrr_of(subs, day, by="customer_id", fx=fx)
        pos = positions(np.asarray(per["customer_id"], dtype=object),
                        np.asarray(customers, dtype=object))
        values = np.asarray(per["mrr"], dtype=np.float64)
        mrr = np.where(pos >= 0, values[np.maximum(pos, 0)] if values.size else 0.0, 0.0)
    dates = table.submitted_at[picked]
    recent = -dates.astype(np.int64)
    ranked = (np.lexsort((recent, -np.nan_to_num(mrr, nan=0.0))) if order == "mrr"
              else np.lexsort((-np.nan_to_num(mrr, nan=0.0), recent)))
    picked, customers, mrr, dates = picked[ranked], customers[ranked], mrr[ranked], dates[ranked]
    codes = table.respondent_codes[picked]
    respondents = np.full(picked.size, None, dtype=object)
    if table.respondent_ids.size:
        respondents[codes >= 0] = np.asarray(table.respondent_ids, dtype=object)[codes[codes >= 0]]
    comments = (table.comments[picked] if table.has_comments
                else np.full(picked.size, None, dtype=object))
    columns: dict[str, Any] = {
        "customer_id": np.asarray(customers, dtype=object),
        "respondent_id": np.asarray(respondents, dtype=object),
        "score": table.score[picked] + 0.0, "submitted_at": dates,   # no -0
        "days_since": (day - dates).astype(np.int64), "comment": comments, "mrr": mrr}
    share = float("nan")
    if has_flag and followed_up is not None:
        codes, categories = table.segment_column(followed_up, "followed_up")
        # Every cell is read, so a bad one is reported even on a row not listed.
        cells = np.full(codes.size, None, dtype=object)
        cells[codes >= 0] = np.asarray(categories, dtype=object)[codes[codes >= 0]]
        flags = _flag(cells, followed_up)[picked]
        columns["followed_up"] = flags
        share = float(flags.mean()) if flags.size else float("nan")
    out = DetractorFollowups(columns, title="Detractors to follow up", money=("mrr",))
    # Each account once: its MRR is at risk however many of its people are detractors.
    _, first = np.unique(table.customer_codes[picked], return_index=True)
    at_risk = float(np.nansum(mrr[first])) if first.size else 0.0
    out._set(at=day.astype(_dt.date), detractors=int(picked.size), accounts=int(first.size),
             mrr_at_risk=round(at_risk, 2), followed_up_share=share, superseded=superseded)
    return out
