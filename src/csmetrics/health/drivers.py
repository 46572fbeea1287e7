"""Churn drivers: a discrete-time hazard (logistic) model over monthly account snapshots.

Definitions
-----------
Every account paying at the end of a snapshot month ``t`` and present in that month's
signals is one *account-month at risk*. Its event is churn within the next ``horizon``
months (``churn_outcomes``: MRR to zero by the bridge's definition). The model pools the
account-months (Allison 1982, discrete-time event history)::

    logit P(churn in (t, t + horizon] | at risk at t) = b0 + sum_j b_j x_j(t)

fitted by maximum likelihood (scipy, Newton steps with the exact Hessian). Each slope's odds
ratio ``exp(b_j)`` is the multiplicative change in the odds of churn per unit of signal j
(per standard deviation with ``standardize=True``), with Wald standard errors from the
inverse information, Wald intervals ``exp(b_j -/+ z se_j)`` and two-sided p-values.

Assumptions (documented in ``docs/churn_drivers.md``): proportional odds across months (one
``b_j`` for every month, one baseline ``b0``); account-months independent given the signals
(an account contributes a row each month it is at risk; with ``horizon > 1`` consecutive rows
of one account share their future, so the standard errors are optimistic); a linear effect
on the log-odds scale. Rows are never dropped silently: accounts not at risk, paying accounts
without signals, rows whose outcome window is not fully observed and rows with a missing
signal are counted in ``excluded``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.checks import Checker
from csmetrics._core.columns import as_column, column_getter
from csmetrics._core.convert import is_missing, to_float
from csmetrics._core.options import (
    CONFIDENCE,
    OneOf,
    Satisfies,
    is_names,
    validate_params,
)
from csmetrics._core.warnings import warn_undefined
from csmetrics._kernels.logistic import LogisticFit, fit_logistic, wald
from csmetrics.exceptions import ColumnNotFoundError, InvalidParameterError
from csmetrics.health.compute import _repeated
from csmetrics.health.outcomes import HORIZON_MONTHS, churn_outcomes
from csmetrics.policies import POLICY, MetricPolicy
from csmetrics.results import TableResult
from csmetrics.tables.coerce import as_table

Floats = NDArray[np.float64]
INTERCEPT = "(intercept)"
_CTX = "churn_drivers"


# --- reading ----------------------------------------------------------------------------------

def read_signals(data: Any, id_column: str, wanted: Sequence[str] | None, context: str
                 ) -> tuple[NDArray[Any], dict[str, Floats]]:
    """Account ids and the numeric signal columns of one per-account table.

    ``wanted=None`` takes every numeric column but the ids. Ids must be present and distinct;
    values must be numbers (None/NaN: missing; infinities are errors).
    """
    names, get = column_getter(data, context)
    if id_column in names:
        ids = as_column(get(id_column)).reshape(-1)
    elif getattr(getattr(data, "index", None), "name", None) == id_column:
        ids = as_column(data.index).reshape(-1)
    else:
        raise ColumnNotFoundError(id_column, names, context=f"{context} (id_column=)")
    chk = Checker(ids.size, context)
    chk.check(is_missing(ids), id_column, "must not be missing (None/NaN)")
    chk.check(_repeated(ids), id_column, "must not repeat: one row per account")
    if wanted is None:
        wanted = [c for c in names if c != id_column and _numeric(as_column(get(c)))]
    out: dict[str, Floats] = {}
    for c in wanted:
        if c not in names:
            raise ColumnNotFoundError(c, names, context=context)
        values = column_of(get, c, ids.size, id_column, context)
        x = to_float(values, c, chk)
        chk.check(np.isinf(x), c, "must be a finite number or missing (None/NaN)")
        out[c] = x
    return ids, out


def column_of(get: Any, name: str, n: int, id_column: str, context: str) -> NDArray[Any]:
    """One column of a per-account table, checked to have one value per id."""
    values = as_column(get(name)).reshape(-1)
    if values.size != n:
        raise InvalidParameterError(f"{context}: column {name!r} has {values.size:,} values but "
                                    f"{id_column!r} has {n:,}; a signals table has one row "
                                    f"per account.")
    return values


def _numeric(values: NDArray[Any]) -> bool:
    """Numbers (with missing values), not text, bools or dates: a default predictor."""
    if values.dtype.kind in "iuf":
        return True
    if values.dtype.kind != "O":
        return False
    kinds = set(map(type, values.reshape(-1).tolist()))  # distinct types, not rows
    numbers = {t for t in kinds if issubclass(t, int | float) and not issubclass(t, bool)}
    return bool(numbers) and kinds <= numbers | {type(None)}


def account_outcomes(subscriptions: Any, at: Any, horizon: int,
                     policy: MetricPolicy | None = None
                     ) -> tuple[NDArray[Any], NDArray[np.bool_], NDArray[np.bool_]]:
    """Accounts paying at ``at``: ids, churned within ``horizon`` months, outcome observed.

    From ``churn_outcomes``. An account that did not churn but was followed for less than
    the whole horizon (the data end first) has no observed outcome (``observed`` False).
    """
    o = churn_outcomes(subscriptions, at, horizon=horizon, policy=policy)
    ids = np.asarray(o["customer_id"])
    churned = np.asarray(o["churned"], dtype=bool)
    full = int((np.datetime64(o.horizon_end, "D") - np.datetime64(o.at, "D")).astype(np.int64))
    observed = churned | (np.asarray(o["days"], dtype=np.int64) >= full)
    return ids, churned, observed


def match(ids: NDArray[Any], keys: NDArray[Any]) -> NDArray[np.int64]:
    """Position of each of ``ids`` in ``keys`` (-1 where absent), ids compared as text."""
    a = np.asarray(ids).astype(str)
    b = np.asarray(keys).astype(str)
    if b.size == 0:
        return np.full(a.size, -1, dtype=np.int64)
    order = np.argsort(b, kind="stable")
    sb = b[order]
    pos = np.clip(np.searchsorted(sb, a), 0, sb.size - 1)
    hit = sb[pos] == a
    return np.where(hit, order[pos], -1).astype(np.int64)


# --- the table of coefficients ----------------------------------------------------------------

def coefficient_columns(terms: Sequence[str], fit: LogisticFit | None, confidence: float,
                        k: int) -> dict[str, Any]:
    """Term, coefficient, standard error, odds ratio and its Wald interval, z, p-value.

    ``fit=None`` (no fit possible) gives NaN for every number of the ``k`` terms.
    """
    if fit is None:
        coef = se = np.full(k, np.nan)
    else:
        coef, se = fit.coef, fit.se
    z, p, lo, hi = wald(coef, se, confidence)
    return {"term": np.asarray(list(terms), dtype=object), "coefficient": coef,
            "std_error": se, "odds_ratio": np.exp(coef), "or_low": np.exp(lo),
            "or_high": np.exp(hi), "z": z, "p_value": p}


class ChurnDrivers(TableResult):
    """Coefficients of a discrete-time churn hazard model, one row per term.

    Columns: ``term`` (``"(intercept)"`` first, then each signal, then with
    ``baseline="monthly"`` each later month's ``"(month <label>)"``), ``coefficient`` (log-odds),
    ``std_error``, ``odds_ratio``, ``or_low`` and ``or_high`` (its Wald interval at
    ``confidence``), ``z`` and ``p_value`` (two-sided Wald test of b = 0).

    Attributes
    ----------
    signals : tuple of str
        The predictors, in order (the table also has the baseline terms).
    months : tuple of str
        The snapshot months, in order.
    horizon : int
        Months after each snapshot in which churn counts as the event.
    rows, events : int
        Account-months fitted, and those that churned.
    excluded : TableResult
        Account-months left out, by reason, with counts (never silently).
    log_likelihood, null_log_likelihood : float
        At the fit and for the intercept-only model (NaN without a fit).
    standardized : bool
        Whether slopes are per standard deviation of their signal.
    scales : dict of str to (float, float)
        Mean and standard deviation used to standardize each signal (0, 1 when not).
    confidence : float
    converged : bool
    """

    signals: tuple[str, ...]
    months: tuple[str, ...]
    horizon: int
    rows: int
    events: int
    excluded: TableResult
    log_likelihood: float
    null_log_likelihood: float
    standardized: bool
    scales: dict[str, tuple[float, float]]
    confidence: float
    converged: bool

    def __repr__(self) -> str:
        k = len(self.signals)
        return (f"ChurnDrivers({k} signal{'s' * (k != 1)}, "
                f"{self.rows:,} account-months, {self.events:,} churned, "
                f"horizon {self.horizon}M)")

    def to_text(self, *, max_rows: int | None = None) -> str:
        """The table, then the sample and the exclusions."""
        dropped = ", ".join(f"{r}: {c:,}" for r, c in zip(
            self.excluded["reason"].tolist(), self.excluded["rows"].tolist(), strict=True)
                            if c) or "none"
        return (f"{super().to_text(max_rows=max_rows)}\n{self.rows:,} account-months over "
                f"{len(self.months)} month(s), {self.events:,} churned within "
                f"{self.horizon} month(s); excluded: {dropped}")

    def plot(self, *, ax: Any = None) -> Any:
        """Odds ratios with their intervals on a log axis, one line per signal (needs the
        ``plot`` extra; see ``csmetrics.plotting.plot_churn_drivers``)."""
        from csmetrics.plotting import plot_churn_drivers

        return plot_churn_drivers(self, ax=ax)


def _snapshots(signals_by_month: Any) -> list[tuple[Any, Any]]:
    if isinstance(signals_by_month, Mapping):
        pairs = list(signals_by_month.items())
    elif isinstance(signals_by_month, Sequence) and not isinstance(signals_by_month, str) and all(
            isinstance(p, tuple | list) and len(p) == 2 for p in signals_by_month):
        pairs = [tuple(p) for p in signals_by_month]
    else:
        raise InvalidParameterError(
            f"{_CTX}: signals_by_month must be a mapping month -> signals or a sequence of "
            f"(month, signals) pairs, got {type(signals_by_month).__name__}.")
    labels = [str(m) for m, _ in pairs]
    if len(set(labels)) != len(labels):
        raise InvalidParameterError(f"{_CTX}: signals_by_month repeats a month: {labels}.")
    return [(m, s) for m, s in pairs]


_REASONS = ("not paying at the month's end", "paying but without signals",
            "outcome window cut by the data's edge", "a signal missing")


@validate_params({"horizon": HORIZON_MONTHS, "standardize": OneOf(True, False),
                  "confidence": CONFIDENCE, "missing": OneOf("drop", "error"),
                  "baseline": OneOf("pooled", "monthly"), "policy": POLICY,
                  "signals": Satisfies(lambda v: v is None or is_names(v, one=False),
                                       "a list of column names, or None")})
def churn_drivers(signals_by_month: Any, subscriptions: Any, *, horizon: int,
                  signals: Sequence[str] | None = None, standardize: bool = False,
                  confidence: float = 0.95, missing: str = "drop",
                  baseline: str = "pooled", policy: MetricPolicy | None = None,
                  id_column: str = "customer_id") -> ChurnDrivers:
    """Which signals predict churn: a discrete-time logistic hazard model over snapshots.

    Parameters
    ----------
    signals_by_month : mapping of month to signals, or sequence of (month, signals)
        One per-account signals table per snapshot month (``account_signals(subs, month,
        ...)``, a mapping of columns, a DataFrame or an Arrow table), keyed by the month (or
        day) it was read at.
    subscriptions : table
        The subscriptions, in any table form: the outcomes after each month.
    horizon : int
        Churn within this many months after a snapshot is the event (1: the next month).
    signals : sequence of str, optional
        The predictors (default: every numeric column but the ids, of the first month).
    standardize : bool, default False
        Centre and scale each signal by its mean and standard deviation over the rows
        fitted: odds ratios per standard deviation, comparable across signals.
    confidence : float, default 0.95
        Level of the Wald intervals.
    missing : {"drop", "error"}, default "drop"
        An at-risk account-month with a missing signal: left out and counted in
        ``excluded`` (and a warning), or an error.
    baseline : {"pooled", "monthly"}, default "pooled"
        ``"pooled"``: one baseline log-odds for every month. ``"monthly"``: one per month
        (Allison's period dummies: ``"(intercept)"`` is the first month's, each later
        month adds a ``"(month <label>)"`` term), so a seasonal churn rate does not bias
        the signals' odds ratios.
    policy : MetricPolicy, optional
        Passed to ``churn_outcomes``: the free-customer and reactivation rules of churn.
    id_column : str, default "customer_id"

    Returns
    -------
    ChurnDrivers

    Warns
    -----
    UndefinedMetricWarning
        No row, no churn or only churn, separated data or collinear signals: the
        coefficients (or their errors) are NaN.

    Examples
    --------
    >>> subs = {"customer_id": ["a", "b", "c", "d"], "amount": [10, 10, 10, 10],
    ...         "start": ["2024-01-01"] * 4,
    ...         "end": ["2024-03-10", None, "2024-04-20", "2024-12-31"]}
    >>> snaps = {"2024-01": {"customer_id": ["a", "b", "c", "d"], "logins": [0, 8, 2, 6]},
    ...          "2024-02": {"customer_id": ["a", "b", "c", "d"], "logins": [0, 9, 3, 5]},
    ...          "2024-03": {"customer_id": ["b", "c", "d"], "logins": [7, 1, 6]}}
    >>> d = churn_drivers(snaps, subs, horizon=1)
    >>> d.rows, d.events, d["term"].tolist()
    (11, 2, ['(intercept)', 'logins'])
    >>> print(d)
    Churn drivers (churn within 1 month(s))
    term         coefficient  std_error  odds_ratio  or_low  or_high        z  p_value
    (intercept)       0.7377     1.3525       2.091  0.1476  29.6225   0.5454   0.5855
    logins           -1.1482     0.9759      0.3172  0.0468   2.1477  -1.1766   0.2393
    11 account-months over 3 month(s), 2 churned within 1 month(s); excluded: none
    """
    pairs = _snapshots(signals_by_month)
    subs = as_table(subscriptions, _CTX)  # validated once, read for every month
    counts = np.zeros(len(_REASONS), dtype=np.int64)
    blocks: list[Floats] = []
    ys: list[NDArray[np.bool_]] = []
    month_of: list[NDArray[np.int64]] = []
    names: list[str] | None = list(signals) if signals is not None else None
    for month, table in pairs:
        ids, cols = read_signals(table, id_column, names, _CTX)
        if names is None:
            names = list(cols)
        keys, churned, observed = account_outcomes(subs, month, horizon, policy)
        at = match(ids, keys)
        seen = match(keys, ids) >= 0
        counts[0] += int(np.count_nonzero(at < 0))
        counts[1] += int(np.count_nonzero(~seen))
        rows = np.flatnonzero(at >= 0)
        known = observed[at[rows]]
        counts[2] += int(np.count_nonzero(~known))
        rows = rows[known]
        x = np.column_stack([cols[c][rows] for c in names]) if names else np.zeros((rows.size, 0))
        gap = np.isnan(x).any(axis=1)
        if gap.any() and missing == "error":
            raise InvalidParameterError(
                f"{_CTX}: {int(gap.sum()):,} account-months at risk in {month} have a missing "
                f"signal ({', '.join(c for j, c in enumerate(names) if np.isnan(x[:, j]).any())}"
                f"); fill them or use missing='drop'.")
        counts[3] += int(np.count_nonzero(gap))
        blocks.append(x[~gap])
        ys.append(churned[at[rows[~gap]]])
        month_of.append(np.full(int(np.count_nonzero(~gap)), len(month_of), dtype=np.int64))
    if not names:
        raise InvalidParameterError(f"{_CTX}: no numeric signal to fit; name them with "
                                    f"signals=.")
    x = np.vstack(blocks) if blocks else np.zeros((0, len(names)))
    y = np.concatenate(ys).astype(np.float64) if ys else np.zeros(0)
    if counts[3]:
        warn_undefined(f"{_CTX}: {int(counts[3]):,} account-months at risk have a missing "
                       f"signal and are left out (see .excluded).")
    mean = x.mean(axis=0) if standardize and y.size else np.zeros(len(names))
    sd = x.std(axis=0, ddof=1) if standardize and y.size > 1 else np.ones(len(names))
    sd = np.where(sd > 0, sd, np.nan) if standardize else sd
    z = (x - mean) / sd
    terms = [INTERCEPT, *names]
    if baseline == "monthly" and len(pairs) > 1:
        codes = np.concatenate(month_of)
        dummies = (codes[:, None] == np.arange(1, len(pairs))[None, :]).astype(np.float64)
        z = np.column_stack([z, dummies])
        terms += [f"(month {m})" for m, _ in pairs[1:]]
    fit = _fit(z, y)
    table = coefficient_columns(terms, fit, confidence, len(terms))
    out = ChurnDrivers(table, title=f"Churn drivers (churn within {horizon} month(s))",
                       segment="term")
    excluded = TableResult({"reason": np.asarray(_REASONS, dtype=object), "rows": counts},
                           title="Account-months excluded", segment="reason")
    out._set(signals=tuple(names), months=tuple(str(m) for m, _ in pairs), horizon=horizon,
             rows=int(y.size),
             events=int(y.sum()), excluded=excluded,
             log_likelihood=fit.loglik if fit else float("nan"),
             null_log_likelihood=fit.null_loglik if fit else float("nan"),
             standardized=bool(standardize), confidence=float(confidence),
             converged=bool(fit and fit.converged),
             scales={c: (float(mean[j]), float(sd[j])) for j, c in enumerate(names)})
    return out


def _fit(x: Floats, y: Floats) -> LogisticFit | None:
    """The unpenalized fit, or None (with a warning) where the model has no estimate."""
    events = int(y.sum())
    if y.size == 0 or events in (0, y.size):
        warn_undefined(f"{_CTX}: {y.size:,} account-months with {events:,} churned; a "
                       f"logistic model needs both churn and no churn, so every coefficient "
                       f"is NaN.")
        return None
    if not np.all(np.isfinite(x)):
        warn_undefined(f"{_CTX}: a signal is constant over the rows fitted and cannot be "
                       f"standardized; every coefficient is NaN.")
        return None
    fit = fit_logistic(x, y)
    if not fit.converged:
        warn_undefined(f"{_CTX}: the fit did not converge (the signals separate churners "
                       f"from the others, or are collinear); every coefficient is NaN.")
        return None
    return fit
