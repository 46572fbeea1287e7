"""Product-usage events: the record and the validated table.

A usage event is one thing one user of a customer account did at one moment: a login, a
report run, an API call. Events carry the account (customer_id), the person (user_id), the
moment (at), and optionally the feature used and the session length in seconds
(duration_s). Timestamps follow csmetrics._core.timestamps: kept as datetime64[us] in UTC.

A user is counted within their account: the same user_id at two accounts is two users (one
per account), so an account's distinct users never include another account's."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from pydantic import ConfigDict, Field, field_validator

from csmetrics._core.checks import Checker, ErrorMode
from csmetrics._core.columns import read_columns
from csmetrics._core.convert import factorize, to_codes, to_float
from csmetrics._core.ids import id_array, positions
from csmetrics._core.timestamps import as_datetime, to_timestamps
from csmetrics._kernels import usage as ku
from csmetrics.exceptions import ColumnNotFoundError, InvalidParameterError
from csmetrics.periods.calendar import PeriodLike
from csmetrics.periods.days import day_bounds_us, span_days
from csmetrics.results import SkippedRows
from csmetrics.tables.base import Coded, ColumnTable, read_segments, recode
from csmetrics.tables.records import RecordModel, record_label, record_missing_text, record_number

I64 = NDArray[np.int64]


class UsageEvent(RecordModel):
    """One product-usage event: a user of a customer account did something at a moment.

    Parameters
    ----------
    customer_id : str or int
        The account the user belongs to.
    user_id : str or int
        The person (or seat) who acted. Users are counted within their account.
    at : datetime
        When. A timezone-aware value is converted to UTC by the table; a naive one is taken
        as UTC; a date is midnight UTC. ISO 8601 strings are read with their offset.
    feature : str, optional
        The feature or event name ("login", "report_run"). Case matters.
    duration_s : float, optional
        Length of the session or action in seconds, >= 0, when known.

    Examples
    --------
    >>> UsageEvent(customer_id="acme", user_id="ann", at="2024-03-01T09:30:00Z",
    ...            feature="login", duration_s=310)
    UsageEvent(customer_id='acme', user_id='ann', at=datetime.datetime(2024, 3, 1, 9, 30, tzinfo=tzutc()), feature='login', duration_s=310.0)
    """  # noqa: E501

    model_config = ConfigDict(frozen=True, extra="forbid")

    customer_id: str | int
    user_id: str | int
    at: _dt.datetime
    feature: str | int | None = None
    duration_s: float | None = Field(default=None, ge=0, allow_inf_nan=False)

    _labels_as_the_columns_read_them = field_validator(
        "customer_id", "user_id", "feature", mode="before")(record_label)

    @field_validator("at", mode="before")
    @classmethod
    def _timestamp_as_the_columns_read_it(cls, v: Any) -> Any:
        return as_datetime(v)

    _number_as_the_columns_read_it = field_validator("duration_s", mode="before")(
        record_number)
    _missing_text_is_no_time = field_validator("at", mode="before")(record_missing_text)


_COLUMNS = ("customer_id", "user_id", "at", "feature", "duration_s")


_OPTIONAL = ("feature", "duration_s")


@dataclass(frozen=True, repr=False, eq=False)
class UsageTable(ColumnTable):
    """Usage events as validated, read-only numpy columns.

    Build one with ``from_records`` or ``from_columns``; do not call the constructor.
    Rows keep their input order.

    Attributes
    ----------
    customer_codes : ndarray of int64
        Index of each event's account into ``customer_ids`` (sorted distinct ids).
    user_codes : ndarray of int64
        Index of each event's user id into ``user_ids``.
    member_codes : ndarray of int64
        Index of each event's (account, user) pair: a *member* is one user of one account.
        ``member_customer`` and ``member_user`` give each member's account and user codes.
    at : ndarray of datetime64[us]
        When, in UTC.
    feature_codes : ndarray of int64
        Index into ``features`` (sorted names); -1 where no feature was given.
    duration_s : ndarray of float64
        Session length in seconds; NaN where not given.
    source_rows : ndarray of int64
        Each row's position in the input it was built from.
    skipped : SkippedRows
        Input rows left out with ``errors="skip"`` and the rule each broke.

    Examples
    --------
    >>> usage = UsageTable.from_columns({
    ...     "customer_id": ["acme", "acme", "globex"],
    ...     "user_id": ["ann", "bob", "cy"],
    ...     "at": ["2024-03-01T09:00:00Z", "2024-03-02T10:00:00Z", "2024-03-02T11:00:00Z"],
    ...     "feature": ["login", "report", "login"],
    ... })
    >>> usage
    UsageTable(3 events, 2 accounts, 3 users, 2 features, 2024-03-01 to 2024-03-02 UTC)
    """

    _FIELDS: ClassVar[tuple[str, ...]] = tuple(_COLUMNS)
    _CODED: ClassVar[Mapping[str, tuple[str, str]]] = {
        "customer_id": ("customer_codes", "customer_ids"),
        "user_id": ("user_codes", "user_ids"),
        "feature": ("feature_codes", "features"),
    }
    _SHARED: ClassVar[tuple[str, ...]] = ("member_customer", "member_user")
    _COMPACT: ClassVar[tuple[str, ...]] = ()  # from_columns compacts; take() keeps accounts
    _RECORD: ClassVar[Any] = UsageEvent
    _NOUN: ClassVar[str] = "usage events"

    customer_codes: I64
    customer_ids: NDArray[Any]
    user_codes: I64
    user_ids: NDArray[Any]
    member_codes: I64
    member_customer: I64
    member_user: I64
    at: NDArray[np.datetime64]
    feature_codes: I64
    features: NDArray[Any]
    duration_s: NDArray[np.float64]
    source_rows: I64
    skipped: SkippedRows = field(default_factory=lambda: SkippedRows.empty())
    segments: Mapping[str, Coded] = field(default_factory=dict)

    # --- construction ---------------------------------------------------------------------

    @classmethod
    def from_records(cls, records: Iterable[UsageEvent | Mapping[str, Any]], *,
                     features: Sequence[Any] | None = None,
                     errors: ErrorMode = "raise") -> UsageTable:
        """Build a table from ``UsageEvent`` records or dicts of their fields.

        Dicts are validated as records (a failure names the field, the rule and the rows);
        the records then pass the same column checks as ``from_columns`` (including the
        rule that aware and naive timestamps do not mix), so both paths give the same table.
        ``features`` declares the feature catalogue, as in ``from_columns``.

        Examples
        --------
        >>> t = UsageTable.from_records([
        ...     UsageEvent(customer_id=1, user_id="a", at="2024-05-01T08:00:00+02:00"),
        ...     {"customer_id": 1, "user_id": "b", "at": "2024-05-01T07:00:00Z",
        ...      "duration_s": -3},
        ... ], errors="skip")
        >>> t.skipped.to_dict()
        {'row': [1], 'column': ['duration_s'], 'rule': ['must be greater than or equal to 0']}
        >>> t.at.tolist()
        [datetime.datetime(2024, 5, 1, 6, 0)]
        """
        return cls._from_records(records, errors=errors, context="UsageTable.from_records",
                                 features=features)

    @classmethod
    def from_columns(
        cls,
        data: Any,
        *,
        customer_id: str = "customer_id",
        user_id: str = "user_id",
        at: str = "at",
        feature: str = "feature",
        duration_s: str = "duration_s",
        features: Sequence[Any] | None = None,
        segments: Sequence[str] = (),
        errors: ErrorMode = "raise",
        _context: str = "UsageTable.from_columns",
    ) -> UsageTable:
        """Build a table from columns: a mapping of arrays or lists, or a DataFrame.

        Parameters
        ----------
        data : mapping, pandas.DataFrame, polars.DataFrame or pyarrow.Table
            The input; other columns are ignored. DataFrame libraries are recognised, not
            imported.
        customer_id, user_id, at, feature, duration_s : str
            Name of the column holding each field, when it differs from the field name.
            ``customer_id``, ``user_id`` and ``at`` are required; ``feature`` and
            ``duration_s`` are optional (an optional column *renamed* here must exist).
        features : sequence, optional
            The feature catalogue. Metrics refuse a feature name the table does not know
            (most likely a typo); a feature with no event yet is known only when declared
            here. When given, every event's feature must be one of them.
        segments : sequence of str, optional
            Other columns of the input to keep as segments, so that ``by=`` can name them:
            an attribute of the account (``"region"``: one value per account) or of the
            event (``"device"``, which the metrics counted over events split by). A metric
            given raw columns keeps the column its ``by=`` names by itself.
        errors : {"raise", "skip"}, default "raise"
            ``"raise"`` reports every rule broken at once. ``"skip"`` leaves bad rows out and
            lists them, with the rule each broke, in the table's ``skipped``.

        Raises
        ------
        ColumnNotFoundError
            A required (or explicitly named) column is missing.
        DataValidationError
            A missing account or user id; a timestamp that is missing, a number, unreadable,
            outside 1900-2199, or in a column mixing timezone-aware and naive values; a
            feature outside a declared catalogue; a duration that is not a number, negative
            or infinite; columns of unequal length.

        Notes
        -----
        Validation is vectorized: integer ids and ``datetime64`` (or pandas, polars, arrow
        timestamp) columns are checked at numpy speed. Columns of Python datetime objects
        are read one value at a time (each must be asked for its timezone).

        Examples
        --------
        >>> t = UsageTable.from_columns(
        ...     {"account": [1, 1, 2], "person": ["a", "b", "c"],
        ...      "ts": ["2024-01-02T10:00:00Z", "2024-01-02T11:00:00", None]},
        ...     customer_id="account", user_id="person", at="ts", errors="skip")
        >>> print(t.skipped)
        Skipped rows
        row  column  rule
          1  ts      must not mix timezone-aware and naive timestamps (1 aware, 1 naive; the naive rows are named)
          2  ts      must not be missing
        """  # noqa: E501
        ctx = _context
        renamed = {"customer_id": customer_id, "user_id": user_id, "at": at,
                   "feature": feature, "duration_s": duration_s}
        raw, n, renamed = read_columns(data, renamed, _OPTIONAL, ctx, kinds={
            "customer_id": "codes", "user_id": "codes", "feature": "codes",
            "at": "timestamp", "duration_s": "number"})
        chk = Checker(n, ctx, errors, collect=True).show({renamed[f]: v for f, v in raw.items()})

        def required(name: str) -> NDArray[Any]:
            values = raw[name]
            if values is None:  # unreachable: absent required columns raised above
                raise ColumnNotFoundError(renamed[name], list(renamed.values()), context=ctx)
            return values

        cust_codes, cust_ids = to_codes(required("customer_id"), customer_id, chk, required=True)
        user_codes, user_ids = to_codes(required("user_id"), user_id, chk, required=True)
        when = to_timestamps(required("at"), at, chk)
        chk.check(np.isnat(when) & ~chk.flagged(at), at, "must not be missing")
        if raw["feature"] is None:
            feat_codes, feats = np.full(n, -1, dtype=np.int64), np.empty(0, dtype=object)
        else:
            feat_codes, feats = to_codes(raw["feature"], feature, chk, required=False)
        if features is not None:
            feat_codes, feats = _declared(feat_codes, feats, features, feature, chk, ctx)
        if raw["duration_s"] is None:
            dur = np.full(n, np.nan)
        else:
            dur = to_float(raw["duration_s"], duration_s, chk)
            with np.errstate(invalid="ignore"):
                chk.check(np.isinf(dur), duration_s, "must be finite (or missing)")
                chk.check(dur < 0, duration_s, "must be >= 0")
        kept = read_segments(data, segments, chk)
        chk.raise_collected()
        skipped = SkippedRows.from_checker(chk)
        if chk.bad.any():
            keep = np.flatnonzero(~chk.bad)
            cust_codes, cust_ids = recode(cust_codes[keep], cust_ids)
            user_codes, user_ids = recode(user_codes[keep], user_ids)
            feat_codes = feat_codes[keep]
            if features is None:
                feat_codes, feats = recode(feat_codes, feats)
            when, dur = when[keep], dur[keep]
            rows_kept = keep.astype(np.int64)
        else:
            rows_kept = np.arange(n, dtype=np.int64)
        member, member_cust, member_user = _members(cust_codes, user_codes, user_ids.size)
        table = cls(customer_codes=cust_codes, customer_ids=cust_ids, user_codes=user_codes,
                    user_ids=user_ids, member_codes=member, member_customer=member_cust,
                    member_user=member_user, at=when, feature_codes=feat_codes,
                    features=feats, duration_s=dur, source_rows=rows_kept, skipped=skipped)
        return replace(table, segments={k: recode(codes[rows_kept], cats)
                                       for k, (codes, cats) in kept.items()})

    # --- access -----------------------------------------------------------------------------

    @property
    def n_customers(self) -> int:
        """Distinct accounts the table knows (a table from ``take`` keeps them all)."""
        return int(self.customer_ids.size)

    @property
    def n_members(self) -> int:
        """Distinct (account, user) pairs the table knows."""
        return int(self.member_customer.size)

    @property
    def t_us(self) -> I64:
        """Timestamps as int64 microseconds since the epoch (a view, no copy)."""
        return self.at.view(np.int64)

    def feature_code(self, name: Any, context: str) -> int:
        """Code of feature ``name`` (-1 in a table without events, where every feature has
        none); otherwise an error naming the features present if it has none."""
        if len(self) == 0 and self.features.size == 0:
            return -1
        if self.features.size:
            pos = positions(self.features, np.array([name], dtype=object))
            if pos[0] >= 0:
                return int(pos[0])
        import difflib

        present = [str(f) for f in self.features.tolist()]
        close = difflib.get_close_matches(str(name), present, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        shown = ", ".join(repr(f) for f in present[:20]) or "none"
        raise InvalidParameterError(
            f"{context}: no event of feature {name!r} is in the usage table (features "
            f"present: {shown}).{hint} A feature without events yet is known when declared "
            "with UsageTable.from_columns(..., features=[...]).")

    def between(self, start: PeriodLike, end: PeriodLike | None = None) -> UsageTable:
        """Events from the first UTC day of ``start`` to the last UTC day of ``end``; with
        ``start`` alone, that one period: ``between("2024-Q4")`` is October to December.

        Examples
        --------
        >>> from csmetrics.datasets import synthetic_usage
        >>> t = synthetic_usage(20, start="2024-01-01", days=60, seed=1)
        >>> feb = t.between("2024-02", "2024-02")
        >>> str(feb.at.min())[:10] >= "2024-02-01", str(feb.at.max())[:10] <= "2024-02-29"
        (True, True)
        >>> len(t.between("2024-02")) == len(feb)
        True
        """
        first, _ = span_days(start, "UsageTable.between")
        _, last = span_days(start if end is None else end, "UsageTable.between")
        lo, hi = day_bounds_us(first, last)
        return self.take(ku.in_window(self.t_us, lo, hi))

    def __repr__(self) -> str:
        n = len(self)
        if n == 0:
            return f"UsageTable(0 events{self._skipped_text()})"
        accounts = int((np.bincount(self.customer_codes, minlength=self.n_customers) > 0).sum())
        users = int(ku.distinct(self.member_codes, self.n_members).size)
        feats = int(np.unique(self.feature_codes[self.feature_codes >= 0]).size
                    ) if self.features.size else 0
        first, last = str(self.at.min())[:10], str(self.at.max())[:10]
        skipped = self._skipped_text()
        return (f"UsageTable({n:,} event{'s' * (n != 1)}, {accounts:,} "
                f"account{'s' * (accounts != 1)}, {users:,} user{'s' * (users != 1)}, "
                f"{feats:,} feature{'s' * (feats != 1)}, {first} to {last} UTC{skipped})")


def _declared(codes: I64, cats: NDArray[Any], declared: Sequence[Any], column: str,
              checker: Checker, context: str) -> tuple[I64, NDArray[Any]]:
    """Feature codes into a declared catalogue (sorted); features outside it break a rule."""
    if isinstance(declared, str | bytes) or not isinstance(
            declared, Sequence | set | frozenset | np.ndarray):
        raise InvalidParameterError(f"{context}: features= must be a list of the features the "
                                    f"events may name, got {declared!r}.")
    catalogue = id_array(list(declared), context, "features")
    order = np.argsort(catalogue.astype(str), kind="stable")
    catalogue = catalogue[order]
    pos = positions(catalogue, cats) if cats.size else np.zeros(0, dtype=np.int64)
    lut = np.concatenate([[-1], pos])
    new = lut[codes + 1]
    checker.check((codes >= 0) & (new < 0), column,
                  "must be one of the declared features (features=)")
    return np.where(new < 0, -1, new).astype(np.int64), catalogue


def _members(cust: I64, user: I64, n_users: int) -> tuple[I64, I64, I64]:
    """Codes of (account, user) pairs, and each pair's account and user.

    When every user id belongs to one account (the usual case), a member is its user:
    no sort is needed. Otherwise the pairs are factorized.
    """
    if cust.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    owner = np.full(n_users, -1, dtype=np.int64)
    owner[user] = cust
    if bool((owner[user] == cust).all()):
        return user, owner, np.arange(n_users, dtype=np.int64)
    key = cust * np.int64(n_users) + user
    pairs, member = factorize(key)
    return member, pairs // n_users, pairs % n_users
