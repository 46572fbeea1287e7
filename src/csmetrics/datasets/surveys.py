"""Synthetic survey responses for examples, tests and benchmarks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.options import Satisfies, is_names, validate_params
from csmetrics.datasets.options import CUSTOMERS, MONTH, MONTHS, RATE, SEED
from csmetrics.datasets.usage import _customer_ids
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.calendar import Period
from csmetrics.tables.surveys import SurveyTable, canonical_survey

_SEGMENTS = ("smb", "mid-market", "enterprise")


_SEGMENT_SHARE = np.array([0.6, 0.3, 0.1])


_SEGMENT_MOOD = np.array([0.15, 0.35, 0.05])      # mean latent satisfaction


_SEGMENT_ARR = np.array([6_000.0, 40_000.0, 250_000.0])


_SEGMENT_VOLUME = np.array([1.0, 1.5, 3.0])       # responses relative to smb


_SEGMENT_CONTACTS = np.array([2, 5, 12])


_SURVEY_MIX = {"nps": 0.4, "csat": 0.4, "ces": 0.2}


# Comments plausible for each NPS category (detractor, passive, promoter); a comment is one
# or two of them, so short texts repeat as they do in real exports.
_COMMENTS = (
    ("Too expensive for what we get", "Support takes days to reply", "The app is slow and buggy",
     "Onboarding was confusing", "Missing the integrations we need", "Billing errors again",
     "Hard to use", "The price went up again", "Not worth the money",
     "We lost data after the last update"),
    ("It does the job", "Good product but pricey", "Support is ok, could be faster",
     "Fine overall", "Some features are missing", "Decent, a few bugs",
     "Reporting could be better", "Works, but the setup took a while"),
    ("Great support team", "Love the new dashboard", "Easy to use and fast", "Excellent value",
     "The team is very helpful", "Saves us hours every week", "Reliable and simple",
     "Best tool we use, highly recommend"),
)
_COMMENT_RATE = np.array([0.7, 0.4, 0.5])       # share of each category who comment

_SURVEYS = Satisfies(lambda v: is_names(v, one=False), "a list of survey names (some of "
                     "'nps', 'csat', 'ces')")


@validate_params({"customers": CUSTOMERS, "months": MONTHS, "start": MONTH,
                  "responses_per_customer": RATE, "surveys": _SURVEYS, "seed": SEED,
                  "comments": Satisfies(lambda v: isinstance(v, bool), "True or False")})
def synthetic_survey_columns(
    customers: int | Sequence[Any] | NDArray[Any] = 1_000,
    *,
    months: int = 12,
    start: str = "2024-01",
    responses_per_customer: float = 6.0,
    surveys: Sequence[str] = ("nps", "csat", "ces"),
    seed: int = 0,
    comments: bool = False,
) -> dict[str, NDArray[Any]]:
    """Columns of synthetic NPS, CSAT and CES responses, for ``SurveyTable.from_columns``.

    Each customer is in a segment (``smb`` 60%, ``mid-market`` 30%, ``enterprise`` 10%) with
    an annual revenue and a latent satisfaction; each response is that satisfaction plus
    noise, cut into the survey's scale (NPS 0-10, CSAT 1-5, CES 2.0 1-7 agreement, all
    higher-is-better). Mid-market satisfaction improves from the middle of the window (a
    change to find with ``csmetrics.surveys.survey_trend``). Generation is vectorized:
    ten million responses take a few seconds. The numbers are plausible, not calibrated.

    Parameters
    ----------
    customers : int or sequence of ids, default 1000
        The customer ids, or how many (ids are then the integers ``0 .. customers - 1``).
    months : int, default 12
        Length of the window; responses fall on days spread uniformly over it.
    start : str, default "2024-01"
        First month of the window.
    responses_per_customer : float, default 6
        Mean number of responses per smb customer over the window (Poisson); mid-market
        customers answer 1.5 times as often, enterprise ones 3 times.
    surveys : sequence of {"nps", "csat", "ces"}
        Surveys to generate, mixed 40 / 40 / 20 (renormalised to those asked for).
    seed : int, default 0
        Seed of the random generator: the same arguments give the same responses.
    comments : bool, default False
        Add a ``comment`` column: short English comments plausible for the response's NPS
        category (for CSAT and CES, the matching third of the scale), drawn from a few
        dozen phrases, one or two per comment; 70% of detractors, 40% of passives and 50%
        of promoters comment (``None`` otherwise). The other columns do not change.

    Returns
    -------
    dict of str to ndarray
        ``customer_id``, ``respondent_id``, ``survey``, ``score`` (int64),
        ``submitted_at`` (datetime64[D]), and two columns the table ignores but ``by=`` and
        ``revenue=`` can use: ``segment`` (the customer's segment) and ``arr`` (its annual
        recurring revenue); with ``comments=True``, ``comment`` too.

    Examples
    --------
    >>> cols = synthetic_survey_columns(100, seed=7)
    >>> sorted(cols)
    ['arr', 'customer_id', 'respondent_id', 'score', 'segment', 'submitted_at', 'survey']
    >>> SurveyTable.from_columns(cols).n_customers <= 100
    True
    """
    ids = _customer_ids(customers, "synthetic_survey_columns")
    wanted = [canonical_survey(s) for s in surveys]
    if not wanted or any(s not in _SURVEY_MIX for s in wanted):
        raise InvalidParameterError(
            f"surveys must be some of {', '.join(_SURVEY_MIX)}, got {list(surveys)!r}.")
    rng = np.random.default_rng(seed)
    n_cust = ids.size
    segment = rng.choice(len(_SEGMENTS), size=n_cust, p=_SEGMENT_SHARE)
    mood = rng.normal(_SEGMENT_MOOD[segment], 0.8)
    arr = np.round(_SEGMENT_ARR[segment] * rng.lognormal(0.0, 0.5, n_cust), -2)
    counts = rng.poisson(responses_per_customer * _SEGMENT_VOLUME[segment])
    cust = np.repeat(np.arange(n_cust), counts)
    n = cust.size

    first_month = Period.parse(start).first_month
    first = np.datetime64(first_month, "M").astype("datetime64[D]")
    last = (np.datetime64(first_month + months, "M").astype("datetime64[D]")
            - np.timedelta64(1, "D"))
    days = rng.integers(0, int((last - first).astype(np.int64)) + 1, size=n)
    submitted = first + days.astype("timedelta64[D]")
    # Mid-market onboarding improves halfway through the window.
    later = days >= (last - first).astype(np.int64) // 2
    lift = np.where(later & (segment[cust] == 1), 0.45, 0.0)

    mix = np.array([_SURVEY_MIX[s] for s in wanted])
    kind = rng.choice(len(wanted), size=n, p=mix / mix.sum())
    latent = mood[cust] + lift + rng.normal(0.0, 1.0, n)
    names = np.asarray(wanted, dtype=object)[kind]
    score = np.empty(n, dtype=np.int64)
    for k, survey in enumerate(wanted):  # three surveys, not rows
        rows = kind == k
        x = latent[rows]
        if survey == "nps":
            score[rows] = np.clip(np.rint(7.4 + 1.9 * x), 0, 10)
        elif survey == "csat":
            score[rows] = np.clip(np.rint(3.9 + 0.95 * x), 1, 5)
        else:
            score[rows] = np.clip(np.rint(5.0 + 1.2 * (0.8 * x)), 1, 7)
    contacts = _SEGMENT_CONTACTS[segment[cust]]
    respondent = cust.astype(np.int64) * 16 + rng.integers(0, contacts)
    out = {
        "customer_id": ids[cust],
        "respondent_id": respondent,
        "survey": names,
        "score": score,
        "submitted_at": submitted,
        "segment": np.asarray(_SEGMENTS, dtype=object)[segment[cust]],
        "arr": arr[cust],
    }
    if comments:
        out["comment"] = _comments(score, names, seed)
    return out


def _comments(score: NDArray[np.int64], names: NDArray[Any], seed: int) -> NDArray[Any]:
    """Comments by category, from a generator of their own (the other columns do not
    depend on whether comments are asked for)."""
    rng = np.random.default_rng([seed, 16])
    n = score.size
    # NPS categories; CSAT 1-5 and CES 1-7 cut into thirds of their scales the same way.
    cat = np.where(score <= 6, 0, np.where(score <= 8, 1, 2))
    cat = np.where(names == "csat", np.where(score <= 2, 0, np.where(score == 3, 1, 2)), cat)
    cat = np.where(names == "ces", np.where(score <= 3, 0, np.where(score <= 5, 1, 2)), cat)
    out = np.empty(n, dtype=object)
    out[:] = None
    for k, phrases in enumerate(_COMMENTS):  # three categories, not rows
        rows = np.flatnonzero((cat == k) & (rng.random(n) < _COMMENT_RATE[k]))
        pool = np.asarray(phrases, dtype=object)
        first = pool[rng.integers(0, pool.size, rows.size)]
        second = pool[rng.integers(0, pool.size, rows.size)]
        two = rng.random(rows.size) < 0.3
        text = first.copy()
        text[two] = first[two] + ". " + second[two]
        out[rows] = text
    return out


def synthetic_surveys(
    customers: int | Sequence[Any] | NDArray[Any] = 1_000,
    *,
    months: int = 12,
    start: str = "2024-01",
    responses_per_customer: float = 6.0,
    surveys: Sequence[str] = ("nps", "csat", "ces"),
    seed: int = 0,
    comments: bool = False,
) -> SurveyTable:
    """A ``SurveyTable`` of synthetic responses (see ``synthetic_survey_columns``).

    Examples
    --------
    >>> t = synthetic_surveys(200, seed=3)
    >>> t.surveys.tolist(), len(t) > 1_000, str(t.submitted_at.max())
    (['ces', 'csat', 'nps'], True, '2024-12-31')
    """
    return SurveyTable.from_columns(synthetic_survey_columns(
        customers, months=months, start=start, responses_per_customer=responses_per_customer,
        surveys=surveys, seed=seed, comments=comments))
