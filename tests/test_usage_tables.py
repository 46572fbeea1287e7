"""UsageTable: timestamps in UTC, validation rules, skipping, and every input path agreeing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from csmetrics.datasets.usage import synthetic_seats, synthetic_usage, synthetic_usage_columns
from csmetrics.exceptions import ColumnNotFoundError, DataValidationError, InvalidParameterError
from csmetrics.periods.windows import window_days
from csmetrics.tables.usage import UsageEvent, UsageTable

UTC = dt.timezone.utc


def us(text: str) -> np.datetime64:
    return np.datetime64(text, "us")


def table(at: list[object], **extra: list[object]) -> UsageTable:
    cols: dict[str, list[object]] = {"customer_id": ["a"] * len(at),
                                     "user_id": list(range(len(at))), "at": at}
    cols.update(extra)
    return UsageTable.from_columns(cols)


# --- timestamps --------------------------------------------------------------------------------


def test_aware_strings_are_converted_to_utc() -> None:
    # 10:00 at +02:00 is 08:00 UTC; 09:00 at -05:30 is 14:30 UTC; Z is UTC.
    t = table(["2024-03-01T10:00:00+02:00", "2024-03-01T09:00:00-05:30",
               "2024-03-01T07:15:00Z"])
    assert t.at.tolist() == [dt.datetime(2024, 3, 1, 8), dt.datetime(2024, 3, 1, 14, 30),
                             dt.datetime(2024, 3, 1, 7, 15)]


def test_naive_values_are_taken_as_utc() -> None:
    t = table(["2024-03-01T10:00:00", "2024-03-01 11:30", "2024-03-02"])
    assert t.at.tolist() == [dt.datetime(2024, 3, 1, 10), dt.datetime(2024, 3, 1, 11, 30),
                             dt.datetime(2024, 3, 2)]


def test_aware_datetime_objects_in_any_zone_become_utc() -> None:
    paris = ZoneInfo("Europe/Paris")
    # 1 July: Paris is at +02:00 (summer time); 1 January: +01:00.
    t = table([dt.datetime(2024, 7, 1, 12, tzinfo=paris), dt.datetime(2024, 1, 1, 12, tzinfo=paris),
               dt.datetime(2024, 1, 1, 12, tzinfo=UTC)])
    assert t.at.tolist() == [dt.datetime(2024, 7, 1, 10), dt.datetime(2024, 1, 1, 11),
                             dt.datetime(2024, 1, 1, 12)]


def test_a_mix_of_aware_and_naive_values_is_an_error_naming_the_minority() -> None:
    with pytest.raises(DataValidationError) as err:
        table(["2024-03-01T10:00:00Z", "2024-03-01T10:00:00", "2024-03-01T11:00:00Z",
               "2024-03-02T10:00:00Z"])
    e = err.value
    assert e.column == "at"
    assert e.count == 1
    assert e.positions == (1,)
    assert "must not mix timezone-aware and naive timestamps (3 aware, 1 naive" in str(e)


def test_a_mix_of_datetime_objects_is_an_error_too() -> None:
    with pytest.raises(DataValidationError, match="must not mix timezone-aware and naive"):
        table([dt.datetime(2024, 1, 1, tzinfo=UTC), dt.datetime(2024, 1, 1),
               dt.datetime(2024, 1, 2)])


def test_numbers_are_not_timestamps() -> None:
    with pytest.raises(DataValidationError, match="not a number"):
        table([1_700_000_000, 1_700_000_100])
    with pytest.raises(DataValidationError, match="not a number") as err:
        table(["2024-01-01T00:00:00", 1_700_000_000])
    assert err.value.positions == (1,)


def test_unreadable_and_implausible_timestamps_name_their_rows() -> None:
    with pytest.raises(DataValidationError, match="must be a timestamp") as err:
        table(["2024-01-01", "yesterday", "2024-13-45T00:00"])
    assert err.value.positions == (1, 2)
    with pytest.raises(DataValidationError, match="between 1900-01-01 and 2199-12-31"):
        table([np.datetime64("2400-01-01T00:00")])


def test_missing_timestamps_are_an_error() -> None:
    with pytest.raises(DataValidationError, match="'at' must not be missing") as err:
        table(["2024-01-01", None, "NaT"])
    assert err.value.count == 2
    assert err.value.positions == (1, 2)


def test_datetime64_columns_of_any_unit_are_read() -> None:
    ns = np.array(["2024-01-01T00:00:00.123456789"], dtype="datetime64[ns]")
    t = UsageTable.from_columns({"customer_id": [1], "user_id": [1], "at": ns})
    assert t.at.tolist() == [dt.datetime(2024, 1, 1, 0, 0, 0, 123456)]
    days = np.array(["2024-01-05"], dtype="datetime64[D]")
    t = UsageTable.from_columns({"customer_id": [1], "user_id": [1], "at": days})
    assert t.at.tolist() == [dt.datetime(2024, 1, 5)]


# --- other rules ---------------------------------------------------------------------------------


def test_missing_ids_and_bad_durations_are_errors_with_positions() -> None:
    base = {"customer_id": ["a", None, "b"], "user_id": [1, 2, 3],
            "at": ["2024-01-01"] * 3}
    with pytest.raises(DataValidationError, match="'customer_id' must not be missing"):
        UsageTable.from_columns(base)
    cols = {"customer_id": ["a"] * 3, "user_id": [1, 2, 3], "at": ["2024-01-01"] * 3,
            "duration_s": [5.0, -1.0, float("inf")]}
    with pytest.raises(DataValidationError, match="must be finite") as err:
        UsageTable.from_columns(cols)
    assert err.value.positions == (2,)
    cols["duration_s"] = [5.0, -1.0, 3.0]
    with pytest.raises(DataValidationError, match="must be >= 0"):
        UsageTable.from_columns(cols)


def test_skip_returns_every_skipped_row_with_its_rule() -> None:
    t = UsageTable.from_columns(
        {"customer_id": ["a", "b", None, "c", "c"], "user_id": [1, 2, 3, 4, 5],
         "at": ["2024-01-01", "soon", "2024-01-02", "2024-01-03", "2024-01-04"],
         "duration_s": [1.0, 2.0, 3.0, -4.0, None]}, errors="skip")
    assert len(t) == 2
    assert t.source_rows.tolist() == [0, 4]
    assert t.skipped.to_dict() == {
        "row": [1, 2, 3],
        "column": ["at", "customer_id", "duration_s"],
        "rule": ["must be a timestamp (ISO 8601 such as '2024-03-15T09:30:00Z', a date, a "
                 "datetime or a datetime64)", "must not be missing (None/NaN)",
                 "must be >= 0"],
    }
    # Ids only skipped rows referred to are gone.
    assert t.customer_ids.tolist() == ["a", "c"]


def test_missing_and_misnamed_columns() -> None:
    with pytest.raises(ColumnNotFoundError, match="Did you mean 'user_idd'"):
        UsageTable.from_columns({"customer_id": [1], "user_idd": [1], "at": ["2024-01-01"]})
    with pytest.raises(ColumnNotFoundError):
        UsageTable.from_columns({"customer_id": [1], "user_id": [1], "at": ["2024-01-01"]},
                                feature="event_name")
    with pytest.raises(InvalidParameterError, match="must all have one length"):
        UsageTable.from_columns({"customer_id": [1, 2], "user_id": [1], "at": ["2024-01-01"]})


def test_a_user_id_shared_by_two_accounts_is_two_users() -> None:
    t = UsageTable.from_columns({"customer_id": ["a", "b", "a"], "user_id": [7, 7, 7],
                                 "at": ["2024-01-01"] * 3})
    assert t.n_members == 2
    assert t.member_codes.tolist() == [0, 1, 0]
    assert t.member_customer.tolist() == [0, 1]
    assert t.member_user.tolist() == [0, 0]


def test_unique_users_per_account_need_no_pair_factorization() -> None:
    t = UsageTable.from_columns({"customer_id": ["b", "a", "b"], "user_id": [3, 1, 2],
                                 "at": ["2024-01-01"] * 3})
    assert t.member_codes.tolist() == t.user_codes.tolist() == [2, 0, 1]
    assert t.member_customer.tolist() == [0, 1, 1]


# --- paths agree ---------------------------------------------------------------------------------


RECORDS = [
    {"customer_id": "acme", "user_id": "ann", "at": "2024-03-01T09:30:00+01:00",
     "feature": "login", "duration_s": 300},
    {"customer_id": "acme", "user_id": "bob", "at": "2024-03-02T10:00:00Z", "feature": "report"},
    {"customer_id": "globex", "user_id": "cy", "at": "2024-03-03T23:59:59.5Z",
     "feature": None, "duration_s": 12.5},
]


def _same(a: UsageTable, b: UsageTable) -> None:
    np.testing.assert_equal(a.to_dict(), b.to_dict())
    assert a.member_codes.tolist() == b.member_codes.tolist()


def test_records_columns_and_dataframes_build_the_same_table() -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    from_records = UsageTable.from_records([UsageEvent(**r) for r in RECORDS])  # type: ignore[arg-type]
    columns = {k: [r.get(k) for r in RECORDS] for k in
               ("customer_id", "user_id", "at", "feature", "duration_s")}
    from_columns = UsageTable.from_columns(columns)
    _same(from_records, from_columns)
    frame = pd.DataFrame(columns)
    aware = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
    frame["at"] = aware.dt.tz_convert("Asia/Tokyo")
    _same(from_records, UsageTable.from_columns(frame))
    _same(from_records, UsageTable.from_columns(pl.from_pandas(frame)))
    _same(from_records, UsageTable.from_columns(pa.Table.from_pandas(frame)))
    assert from_records.at.tolist()[0] == dt.datetime(2024, 3, 1, 8, 30)


def test_record_errors_name_the_field() -> None:
    with pytest.raises(DataValidationError, match="column 'duration_s' must be greater than"):
        UsageTable.from_records([{"customer_id": 1, "user_id": 1, "at": "2024-01-01",
                                  "duration_s": -2}])
    with pytest.raises(DataValidationError, match="column 'at' must be an ISO 8601 timestamp"):
        UsageTable.from_records([{"customer_id": 1, "user_id": 1, "at": "tomorrow"}])


def test_records_mixing_zones_break_the_same_rule_as_columns() -> None:
    with pytest.raises(DataValidationError, match="must not mix"):
        UsageTable.from_records([
            UsageEvent(customer_id=1, user_id=1, at="2024-01-01T10:00:00Z"),
            UsageEvent(customer_id=1, user_id=2, at="2024-01-01T10:00:00"),
            UsageEvent(customer_id=1, user_id=3, at="2024-01-01T11:00:00Z"),
        ])


# --- access ----------------------------------------------------------------------------------


def test_take_between_and_column() -> None:
    t = table(["2024-01-31T23:59:59Z", "2024-02-01T00:00:00Z", "2024-02-29T12:00:00Z",
               "2024-03-01T00:00:00Z"], feature=["x", None, "y", "x"])
    feb = t.between("2024-02", "2024-02")
    assert feb.source_rows.tolist() == [1, 2]
    assert feb.column("feature").tolist() == [None, "y"]
    assert t.between("2024-02-29", "2024-03-01").source_rows.tolist() == [2, 3]
    assert t.take(np.array([True, False, False, True])).column("user_id").tolist() == [0, 3]
    with pytest.raises(ColumnNotFoundError):
        t.column("nope")


def test_repr_and_conversions() -> None:
    t = table(["2024-01-01", "2024-01-02"])
    assert repr(t) == ("UsageTable(2 events, 1 account, 2 users, 0 features, 2024-01-01 to "
                       "2024-01-02 UTC)")
    assert "<table" in t._repr_html_()
    assert t.to_dict()["customer_id"] == ["a", "a"]
    pd = pytest.importorskip("pandas")
    assert list(t.to_pandas().columns) == ["customer_id", "user_id", "at", "feature",
                                           "duration_s"]
    assert isinstance(t.to_pandas(), pd.DataFrame)
    assert repr(UsageTable.from_columns({"customer_id": [], "user_id": [], "at": []})) == (
        "UsageTable(0 events)")


def test_tables_are_read_only() -> None:
    t = table(["2024-01-01"])
    with pytest.raises(ValueError, match="read-only"):
        t.customer_codes[0] = 5
    with pytest.raises(AttributeError):
        t.at = t.at  # type: ignore[misc]


def test_windows_are_whole_days() -> None:
    assert window_days("30D", "x") == 30
    assert window_days(" 7d ", "x") == 7
    assert window_days("4W", "x") == 28
    with pytest.warns(DeprecationWarning, match="window='28D'"):
        assert window_days(28, "x") == 28   # a bare number of days, before 0.2
    for bad in ("1M", "0D", "", 2.5, True, "30"):
        with pytest.raises(InvalidParameterError):
            window_days(bad, "x")  # type: ignore[arg-type]


# --- generator -----------------------------------------------------------------------------------


def test_generator_is_seeded_time_ordered_and_uses_the_given_seats() -> None:
    a = synthetic_usage_columns(40, days=20, seed=9)
    b = synthetic_usage_columns(40, days=20, seed=9)
    np.testing.assert_equal(a, b)
    assert (np.diff(a["at"].astype(np.int64)) >= 0).all()
    assert str(a["at"].min())[:10] >= "2024-01-01"
    assert str(a["at"].max())[:10] <= "2024-01-20"
    seats = synthetic_seats(40, seed=9)
    users = UsageTable.from_columns(a)
    per_account = np.bincount(users.member_customer, minlength=users.n_customers)
    held = np.array([seats[i] for i in users.customer_ids.tolist()])
    assert (per_account <= np.ceil(held * 1.4) + 1).all()
    big = synthetic_usage(5, seats=[100, 100, 100, 100, 100], days=5, seed=1)
    assert big.n_members > 200


def test_building_a_table_never_freezes_the_callers_arrays() -> None:
    cols = {"customer_id": np.array([1, 2]), "user_id": np.array([3, 4]),
            "at": np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[us]"),
            "duration_s": np.array([1.0, 2.0])}
    UsageTable.from_columns(cols)
    assert all(a.flags.writeable for a in cols.values())
