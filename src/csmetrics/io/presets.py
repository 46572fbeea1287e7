"""Vendor presets: a billing or survey tool's documented CSV export, read in one pass.

A preset is a column mapping (the vendor's column names for the table's fields) plus a
documented transform of the raw text columns into the spans ``from_columns`` validates. The
readers take it as ``preset="stripe"`` (``read_subscriptions_csv``), ``"chargebee"``
(``read_subscriptions_csv``) and ``"delighted"`` (``read_surveys_csv``); ``columns=`` still
overrides any field's column.

What the subscription presets encode
------------------------------------
* **Amounts** are major units per unit per billing interval (``49.00``), as both exports
  print them; **currencies** are the export's lower-case ISO codes (the table upper-cases).
* **Timestamps** ``2024-03-05 14:22``, ``2024-03-05 14:22:01``, with ``UTC``, ``Z`` or
  ``+00:00``, or a bare date, are read as their UTC day. Another offset, or any other text,
  is the rule ``must be a date ... in UTC``.
* **Trials** are free until their end, as ``trial_conversion_rate`` expects (a trial is an
  account whose first spans are free): a row with a trial becomes a free span (a 100%
  discount, so its amount is still checked) from the trial start to the trial end, then the
  paid span from the trial end. A subscription still in its trial at the export
  (``trialing``, ``in_trial``) is a free span only, open until it ends: the export does not
  know whether it will pay, so it is a pending trial, never revenue.
* **Cancellation**: a subscription that ended stops on its end date (Stripe
  ``Ended At (UTC)``, Chargebee ``subscription[cancelled_at]``); one scheduled to cancel
  (Stripe ``Cancel At Period End`` true, Chargebee ``non_renewing``) is active until the end
  of its paid period (Stripe ``Current Period End (UTC)``, Chargebee
  ``subscription[cancelled_at]``), then ended. Stripe's ``Canceled At (UTC)`` is the date
  the cancellation was *requested*, so it is the end only of a ``canceled`` row without
  ``Ended At (UTC)``.
* **Renewal and scheduled cancellation**: ``renews_at`` is Stripe's
  ``Current Period End (UTC)`` or Chargebee's ``subscription[current_term_end]``, of a
  subscription not canceled; ``cancel_at`` is Stripe's ``Cancel At (UTC)`` or, with
  ``Cancel At Period End`` true, the period end (then ``auto_renew`` is false), and
  Chargebee's ``subscription[cancelled_at]`` of a ``non_renewing`` row. Chargebee's
  ``subscription[cancel_reason]`` is the ``churn_reason``, Stripe's ``Product`` the
  ``product``.
* **Never paid**: Stripe ``incomplete`` and ``incomplete_expired`` (the first invoice was
  never paid) and Chargebee ``future`` (not started) rows are not revenue. They are left
  out by definition, not as errors, and one ``PresetExclusionWarning`` says how many and on
  which lines, so nothing is dropped unseen.
* Stripe ``past_due`` and ``unpaid`` (invoices outstanding, subscription not canceled) and
  Chargebee ``paused`` (the export has no pause dates) count as subscribed until they end;
  Stripe ``paused`` (a trial that ended without a payment method) keeps its trial span and
  has no paid span.

Sources
-------
Stripe subscription statuses and the meaning of ``cancel_at_period_end``, ``canceled_at``,
``ended_at``, ``trial_end``: https://docs.stripe.com/api/subscriptions/object and
https://docs.stripe.com/billing/subscriptions/overview (read through
https://docs.rs/async-stripe-shared/1.0.0-alpha.9/stripe_shared/enum.SubscriptionStatus.html and
https://docs.gravitydata.co/sources/stripe/tables/subscriptions, which quote them).
Chargebee subscription statuses (``future``, ``in_trial``, ``active``, ``non_renewing``,
``paused``, ``cancelled``), ``trial_end`` and ``cancelled_at`` ("canceled or is set to be
canceled"): https://apidocs.chargebee.com/docs/api/v1/subscriptions and
https://datacatalog.chargebee.com/subscriptions; its import-friendly CSV names columns
``subscription[...]`` / ``customer[...]``: https://www.chargebee.com/docs/2.0/bulk-operations.html .
Delighted survey responses (``score`` 0-10, ``comment``, ``created_at``, the person's
email): https://delighted.com/docs/api (schema quoted at
https://raw.githubusercontent.com/api-evangelist/delighted/refs/heads/main/json-schema/survey-response.json).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.warnings import find_stacklevel
from csmetrics.exceptions import ColumnNotFoundError, InvalidParameterError
from csmetrics.io.preset_text import _DATE_RULE, _column, _status, _true, _where, utc_days

I64 = NDArray[np.int64]


class PresetExclusionWarning(UserWarning):
    """Rows a vendor preset leaves out by definition (never paid, not started): how many,
    why and on which file lines."""


@dataclass(frozen=True)
class Prepared:
    """A preset's output: columns for ``from_columns`` and where each row came from.

    Attributes
    ----------
    data : dict
        Columns, named after the vendor's columns they come from (so errors name them).
    columns : dict
        Field -> key of ``data``, passed to ``from_columns`` as its column names.
    origin : ndarray of int64
        For each row of ``data``, the file's data row (0-based) it came from; a row with a
        trial gives two rows.
    problems : list of (ndarray, str, str)
        File data rows, column and rule of values the transform itself could not read.
    excluded : dict of str to ndarray
        Why -> file data rows left out by definition.
    options : dict
        Further ``from_columns`` options (``survey_name=`` of a survey export).
    """

    data: dict[str, Any]
    columns: dict[str, str]
    origin: I64
    problems: list[tuple[I64, str, str]] = field(default_factory=list)
    excluded: dict[str, I64] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Preset:
    """A vendor's export: its columns for the table's fields and the transform of its rows.

    Attributes
    ----------
    name : str
    kind : {"subscriptions", "surveys"}
    columns : mapping
        Field (or preset-only key such as ``status``) -> the vendor's column name.
    required : tuple of str
        The fields whose column must be in the file.
    prepare : callable
        ``prepare(raw, columns)``: the raw text columns and the effective mapping ->
        ``Prepared``.
    sources : tuple of str
        The vendor documentation the preset encodes.
    """

    name: str
    kind: str
    columns: Mapping[str, str]
    required: tuple[str, ...]
    prepare: Callable[[Mapping[str, Sequence[str | None]], Mapping[str, str]], Prepared]
    sources: tuple[str, ...]


# --- shared pieces --------------------------------------------------------------------------

@dataclass
class _Spans:
    """The subscription rows of one export, split into free trial spans and paid spans."""

    raw: Mapping[str, Sequence[str | None]]
    cols: Mapping[str, str]
    n: int
    problems: list[tuple[I64, str, str]] = field(default_factory=list)

    @classmethod
    def read(cls, raw: Mapping[str, Sequence[str | None]], cols: Mapping[str, str]
             ) -> tuple[_Spans, int, NDArray[np.str_], NDArray[np.datetime64],
                        NDArray[np.datetime64], NDArray[np.datetime64]]:
        """An export's spans, its rows, status (active without a status column), start and
        trial days: what every subscription preset reads first."""
        n = len(next(iter(raw.values()))) if raw else 0
        s = cls(raw, cols, n)
        return (s, n, _status(s.get("status"), n, "active"), s.days("start"),
                s.days("trial_start"), s.days("trial_end"))

    def get(self, key: str) -> NDArray[Any] | None:
        return _column(self.raw, self.cols.get(key), self.n)

    def days(self, key: str) -> NDArray[np.datetime64]:
        values, bad = utc_days(self.get(key), self.n)
        if bad.any():
            self.problems.append((_where(bad), self.cols[key], _DATE_RULE))
        return values

    def build(self, status: NDArray[Any], known: Sequence[str], *, start: NDArray[Any],
              trial_start: NDArray[Any], trial_end: NDArray[Any], end: NDArray[Any],
              pending: NDArray[np.bool_], no_paid: NDArray[np.bool_],
              never: NDArray[np.bool_], never_reason: str,
              extras: Mapping[str, NDArray[Any]] | None = None) -> Prepared:
        """Spans of the rows: ``pending`` rows are in a trial at the export (a free span
        until ``end``); ``no_paid`` rows' trial ended unpaid (a free span, no paid span);
        ``never`` rows are left out. ``extras`` (field -> a value per file row: renewal,
        cancellation, churn fields) go to every span of their row."""
        unknown = ~np.isin(status, list(known))
        if unknown.any():
            self.problems.append((_where(unknown), self.cols["status"],
                                  f"must be one of {', '.join(map(repr, known))}"))
        ts = _first(trial_start, start)
        has_trial = ~np.isnat(trial_end) & (trial_end > ts)
        before_end = np.isnat(end) | (trial_end < end)
        # A free span [trial start, trial end or end), then a paid span [trial end, end).
        free = has_trial | pending | no_paid
        free_stop = np.where(pending, end, np.where(before_end, trial_end, end))
        free_stop = np.where(no_paid & np.isnat(free_stop), end, free_stop)
        paid = ~pending & ~no_paid & (~has_trial | before_end)
        keep = ~never
        rows_free, rows_paid = _where(keep & free), _where(keep & paid)
        origin = np.concatenate([rows_free, rows_paid])
        order = np.argsort(origin, kind="stable")  # file order; a row's trial comes first
        origin = origin[order]
        start_col = np.concatenate([ts[rows_free], np.where(
            has_trial[rows_paid], trial_end[rows_paid], start[rows_paid])])[order]
        end_col = np.concatenate([free_stop[rows_free], end[rows_paid]])[order]
        discount = np.concatenate([np.ones(rows_free.size), np.zeros(rows_paid.size)])[order]
        starts, ends = self.cols["start"], self.cols["end"]
        data: dict[str, Any] = {starts: start_col, ends: end_col, _DISCOUNT: discount}
        columns = {"start": starts, "end": ends, "discount": _DISCOUNT}
        for fld in ("customer_id", "subscription_id", "plan", "amount", "currency", "interval",
                    "interval_count", "quantity", "churn_reason", "product"):
            values = self.get(fld)
            if values is not None:
                data[self.cols[fld]] = values[origin]
                columns[fld] = self.cols[fld]
        for fld, values in (extras or {}).items():
            data[f"{fld} (from the export)"] = values[origin]
            columns[fld] = f"{fld} (from the export)"
        # Problems were found on file rows; rows left out by definition are not problems.
        problems = [(rows[~never[rows]], c, r) for rows, c, r in self.problems]
        excluded = {never_reason: _where(never)} if never.any() else {}
        return Prepared(data, columns, origin.astype(np.int64),
                        [p for p in problems if p[0].size], excluded)


_DISCOUNT = "free trial (from the trial dates)"


def _first(*columns: NDArray[np.datetime64]) -> NDArray[np.datetime64]:
    out: NDArray[np.datetime64] = columns[0].copy()
    for c in columns[1:]:
        out = np.where(np.isnat(out), c, out)
    return out


# --- Stripe --------------------------------------------------------------------------------

STRIPE_STATUSES = ("active", "past_due", "unpaid", "canceled", "trialing", "paused",
                   "incomplete", "incomplete_expired")


def _stripe(raw: Mapping[str, Sequence[str | None]], cols: Mapping[str, str]) -> Prepared:
    s, n, status, start, trial_start, trial_end = _Spans.read(raw, cols)
    ended, canceled_at = s.days("end"), s.days("canceled_at")
    period_end = s.days("current_period_end")
    at_period_end, unreadable = _true(s.get("cancel_at_period_end"), n)
    if unreadable.any():
        s.problems.append((_where(unreadable), cols["cancel_at_period_end"],
                           "must be true or false (or blank)"))
    end = _first(ended, np.where(status == "canceled", canceled_at, np.datetime64("NaT")),
                 np.where(at_period_end, period_end, np.datetime64("NaT")))
    lacking = (status == "canceled") & np.isnat(end) & ~_bad_rows(s, n)
    if lacking.any():
        s.problems.append((_where(lacking), cols["end"],
                           "must not be blank for a canceled subscription (nor "
                           f"{cols['canceled_at']!r})"))
    lacking = at_period_end & np.isnat(end) & (status != "canceled") & ~_bad_rows(s, n)
    if lacking.any():
        s.problems.append((_where(lacking), cols["current_period_end"],
                           f"must not be blank when {cols['cancel_at_period_end']!r} is true"))
    never = np.isin(status, ["incomplete", "incomplete_expired"])
    # The current period ends at the next renewal; a cancellation is scheduled by Cancel At,
    # or at that period's end when Cancel At Period End is true (then it does not renew).
    live = ~np.isin(status, ["canceled", "incomplete_expired"])
    extras = {"renews_at": np.where(live, period_end, np.datetime64("NaT")),
              "cancel_at": _first(s.days("cancel_at"), np.where(
                  at_period_end, period_end, np.datetime64("NaT")))}
    if s.get("cancel_at_period_end") is not None:
        renews = (~at_period_end).astype(object)
        renews[unreadable | ~live] = None
        extras["auto_renew"] = renews
    return s.build(status, STRIPE_STATUSES, start=start, trial_start=trial_start,
                   trial_end=trial_end, end=end, pending=status == "trialing",
                   no_paid=status == "paused", never=never,
                   never_reason="never paid (status incomplete or incomplete_expired)",
                   extras=extras)


def _bad_rows(s: _Spans, n: int) -> NDArray[np.bool_]:
    bad = np.zeros(n, dtype=bool)
    for rows, _, _ in s.problems:
        bad[rows] = True
    return bad


STRIPE = Preset(
    name="stripe", kind="subscriptions",
    columns={"customer_id": "Customer ID", "subscription_id": "id", "plan": "Plan",
             "start": "Start (UTC)", "end": "Ended At (UTC)", "amount": "Amount",
             "currency": "Currency", "interval": "Interval", "interval_count": "Interval Count",
             "quantity": "Quantity", "status": "Status", "trial_start": "Trial Start (UTC)",
             "trial_end": "Trial End (UTC)", "canceled_at": "Canceled At (UTC)",
             "cancel_at_period_end": "Cancel At Period End",
             "current_period_end": "Current Period End (UTC)", "cancel_at": "Cancel At (UTC)",
             "product": "Product"},
    required=("customer_id", "start", "amount"),
    prepare=_stripe,
    sources=("https://docs.stripe.com/api/subscriptions/object",
             "https://docs.gravitydata.co/sources/stripe/tables/subscriptions"),
)


# --- Chargebee ------------------------------------------------------------------------------

CHARGEBEE_STATUSES = ("future", "in_trial", "active", "non_renewing", "paused", "cancelled")


def _chargebee(raw: Mapping[str, Sequence[str | None]], cols: Mapping[str, str]) -> Prepared:
    s, n, status, start, trial_start, trial_end = _Spans.read(raw, cols)
    cancelled = s.days("end")
    # cancelled_at: when it was cancelled, or is set to be (non_renewing): the end either way.
    end = np.where(np.isin(status, ["cancelled", "non_renewing"]), cancelled,
                   np.datetime64("NaT"))
    lacking = np.isin(status, ["cancelled", "non_renewing"]) & np.isnat(end) & ~_bad_rows(s, n)
    if lacking.any():
        s.problems.append((_where(lacking), cols["end"],
                           "must not be blank for a cancelled or non_renewing subscription"))
    # non_renewing: cancelled at the term end (cancelled_at), so it does not renew.
    extras = {"renews_at": np.where(status == "cancelled", np.datetime64("NaT"), s.days(
        "renews_at")), "cancel_at": np.where(
        status == "non_renewing", cancelled, np.datetime64("NaT"))}
    return s.build(status, CHARGEBEE_STATUSES, start=start, trial_start=trial_start,
                   trial_end=trial_end, end=end, pending=status == "in_trial",
                   no_paid=np.zeros(n, dtype=bool), never=status == "future",
                   never_reason="not started (status future)", extras=extras)


CHARGEBEE = Preset(
    name="chargebee", kind="subscriptions",
    columns={"customer_id": "customer[id]", "subscription_id": "subscription[id]",
             "plan": "subscription[plan_id]", "start": "subscription[started_at]",
             "end": "subscription[cancelled_at]", "amount": "subscription[plan_unit_price]",
             "currency": "subscription[currency_code]",
             "interval": "subscription[billing_period_unit]",
             "interval_count": "subscription[billing_period]",
             "quantity": "subscription[plan_quantity]", "status": "subscription[status]",
             "trial_start": "subscription[trial_start]",
             "trial_end": "subscription[trial_end]",
             "renews_at": "subscription[current_term_end]",
             "churn_reason": "subscription[cancel_reason]"},
    required=("customer_id", "start", "amount"),
    prepare=_chargebee,
    sources=("https://apidocs.chargebee.com/docs/api/v1/subscriptions",
             "https://datacatalog.chargebee.com/subscriptions",
             "https://www.chargebee.com/docs/2.0/bulk-operations.html"),
)


# --- Delighted ------------------------------------------------------------------------------

def _delighted(raw: Mapping[str, Sequence[str | None]], cols: Mapping[str, str]) -> Prepared:
    n = len(next(iter(raw.values()))) if raw else 0
    data: dict[str, Any] = {}
    columns: dict[str, str] = {}
    problems: list[tuple[I64, str, str]] = []
    for fld in ("customer_id", "respondent_id", "score", "survey", "weight", "comment"):
        values = _column(raw, cols.get(fld), n)
        if values is not None:
            data[cols[fld]] = values
            columns[fld] = cols[fld]
    days, bad = utc_days(_column(raw, cols["submitted_at"], n), n)
    if bad.any():
        problems.append((_where(bad), cols["submitted_at"], _DATE_RULE))
    data[cols["submitted_at"]] = days
    columns["submitted_at"] = cols["submitted_at"]
    options: dict[str, Any] = {}
    if "survey" not in columns:
        options["survey_name"] = "nps"   # a Delighted NPS project: one survey per file
    return Prepared(data, columns, np.arange(n, dtype=np.int64), problems, {}, options)


DELIGHTED = Preset(
    name="delighted", kind="surveys",
    columns={"customer_id": "Email", "respondent_id": "Email", "score": "Score",
             "submitted_at": "Created at", "survey": "Survey", "comment": "Comment"},
    required=("customer_id", "score", "submitted_at"),
    prepare=_delighted,
    sources=("https://delighted.com/docs/api",),
)


PRESETS: Mapping[str, Preset] = {p.name: p for p in (STRIPE, CHARGEBEE, DELIGHTED)}
"""Every preset by name."""


def get_preset(name: Any, kind: str) -> Preset:
    """The preset called ``name`` for files of ``kind``; an unknown name is an error listing
    the presets of that kind.

    Raises
    ------
    InvalidParameterError
        No preset of that name reads files of ``kind``.

    Examples
    --------
    >>> get_preset("stripe", "subscriptions").columns["customer_id"]
    'Customer ID'
    """
    preset = PRESETS.get(name) if isinstance(name, str) else None
    if preset is None or preset.kind != kind:
        names = ", ".join(repr(p.name) for p in PRESETS.values() if p.kind == kind)
        raise InvalidParameterError(f"preset must be one of {names} for {kind}, got {name!r}.")
    return preset


def apply_preset(preset: Preset, raw: Mapping[str, Sequence[str | None]],
                 columns: Mapping[str, str], context: str, lines: Sequence[int]) -> Prepared:
    """The preset's transform of a file's raw columns, ``columns=`` overriding its names.

    Only the columns the file has are used, except the required ones, whose absence is a
    ``ColumnNotFoundError`` naming the vendor's column. Rows left out by definition are
    announced with one ``PresetExclusionWarning`` per reason (with their file lines).

    Raises
    ------
    ColumnNotFoundError
        A required column is not in the file.
    """
    cols = {**preset.columns, **columns}
    for fld in preset.required:
        if cols[fld] not in raw:
            raise ColumnNotFoundError(cols[fld], list(raw),
                                      context=f"{context} (preset {preset.name!r}, {fld})")
    out = preset.prepare(raw, cols)
    for why, rows in out.excluded.items():
        shown = ", ".join(f"{lines[r]:,}" for r in rows[:5].tolist())
        more = "" if rows.size <= 5 else f" and {rows.size - 5:,} more"
        warnings.warn(
            f"{context}: {rows.size:,} row{'s' * (rows.size != 1)} left out as {why}, not "
            f"revenue (preset {preset.name!r}; line{'s' * (rows.size != 1)} {shown}{more}).",
            PresetExclusionWarning, stacklevel=find_stacklevel())
    return out
