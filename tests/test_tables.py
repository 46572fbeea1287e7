"""SubscriptionTable: every validation rule (boundary accepted, next value rejected, message),
input formats, skipping, and the record model."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

import csmetrics as cm
from csmetrics import DataValidationError, Subscription, SubscriptionTable


def table(**overrides: list[Any]) -> SubscriptionTable:
    """Two valid rows, with any column replaced."""
    cols: dict[str, list[Any]] = {
        "customer_id": ["a", "b"],
        "subscription_id": ["s1", "s2"],
        "start": ["2024-01-01", "2024-01-01"],
        "end": [None, "2024-06-01"],
        "amount": [10.0, 20.0],
    }
    cols.update(overrides)
    return SubscriptionTable.from_columns(cols)


def rejects(match: str, **overrides: list[Any]) -> DataValidationError:
    with pytest.raises(DataValidationError, match=match) as info:
        table(**overrides)
    return info.value


class TestRules:
    def test_amount_zero_accepted_negative_rejected(self) -> None:
        assert table(amount=[0.0, 20.0]).amount.tolist() == [0.0, 20.0]
        err = rejects("must be >= 0", amount=[10.0, -0.01])
        assert str(err) == ("SubscriptionTable.from_columns: column 'amount' must be >= 0; "
                            "1 of 2 rows breaks this rule (at row 1; value -0.01).")
        assert (err.column, err.count, err.positions, err.n_rows) == ("amount", 1, (1,), 2)

    def test_amount_missing_and_nan_and_text(self) -> None:
        rejects("column 'amount' must not be missing", amount=[None, 1.0])
        rejects("column 'amount' must not be missing", amount=[float("nan"), 1.0])
        rejects("column 'amount' must be finite", amount=[float("inf"), 1.0])
        rejects("column 'amount' must be a number.*at row 1", amount=[1.0, "ten"])

    def test_end_equal_to_start_accepted_day_before_rejected(self) -> None:
        t = table(end=["2024-01-01", None])
        assert t.end[0] == np.datetime64("2024-01-01")
        err = rejects("column 'end' must not be before 'start'", end=["2023-12-31", None])
        assert err.positions == (0,)

    def test_start_missing_or_unreadable(self) -> None:
        rejects("column 'start' must not be missing", start=[None, "2024-01-01"])
        rejects("column 'start' must be a date", start=["2024-13-01", "2024-01-01"])
        rejects("column 'end' must be a date", end=["soon", None])

    def test_customer_id_missing(self) -> None:
        rejects("column 'customer_id' must not be missing", customer_id=["a", None])

    def test_quantity_zero_accepted_negative_rejected(self) -> None:
        assert table(quantity=[0, 1]).quantity.tolist() == [0.0, 1.0]
        rejects("column 'quantity' must be >= 0", quantity=[1, -1])

    def test_discount_bounds(self) -> None:
        assert table(discount=[0.0, 1.0]).discount.tolist() == [0.0, 1.0]
        rejects("column 'discount' must be between 0 and 1", discount=[1.01, 0])
        rejects("column 'discount' must be between 0 and 1", discount=[0, -0.01])

    def test_interval_count_whole_and_at_least_one(self) -> None:
        assert table(interval_count=[1, 10_000]).interval_count.tolist() == [1, 10_000]
        rejects("interval_count' must be a whole number from 1 to 10,000",
                interval_count=[10_001, 1])
        rule = "column 'interval_count' must be a whole number from 1 to 10,000"
        rejects(rule, interval_count=[0, 1])
        rejects(rule, interval_count=[1.5, 1])
        rejects(rule, interval_count=[10_001, 1])

    def test_interval_known_values_case_insensitive(self) -> None:
        t = table(interval=["Year", "week"])
        assert t.column("interval").tolist() == ["year", "week"]
        err = rejects("column 'interval' must be one of 'day', 'week', 'month'",
                      interval=["month", "monthly"])
        assert err.positions == (1,)

    def test_currency_well_formed_and_known(self) -> None:
        t = table(currency=["usd", "EUR"])
        assert t.currencies.tolist() == ["EUR", "USD"]
        assert t.column("currency").tolist() == ["USD", "EUR"]
        rejects("must be a 3-letter ISO 4217 currency code", currency=["USD", "US"])
        rejects("must be a 3-letter ISO 4217 currency code", currency=["US1", "USD"])
        rejects("must be a known ISO 4217 currency code", currency=["USD", "XYZ"])

    def test_duplicate_subscription_start(self) -> None:
        err = rejects(r"column 'subscription_id, start' must be unique per subscription",
                      subscription_id=["s1", "s1"], end=["2024-02-01", "2024-03-01"])
        assert err.count == 1
        # The same start on different subscriptions is fine.
        table(subscription_id=["s1", "s2"])

    def test_overlapping_spans_of_one_subscription(self) -> None:
        rejects("must not fall inside an earlier span of the same subscription",
                subscription_id=["s", "s"], start=["2024-01-01", "2024-02-01"],
                end=["2024-03-01", None])
        rejects("overlap", subscription_id=["s", "s"], start=["2024-01-01", "2024-02-01"],
                end=[None, None])
        # Back to back (end == next start) is the normal way to record a price change.
        t = table(subscription_id=["s", "s"], start=["2024-01-01", "2024-03-01"],
                  end=["2024-03-01", None])
        assert len(t) == 2

    def test_rows_without_subscription_id_may_overlap(self) -> None:
        t = table(subscription_id=[None, None], start=["2024-01-01", "2024-01-01"])
        assert t.subscription_codes.tolist() == [-1, -1]

    def test_positions_show_the_first_five_and_count_all(self) -> None:
        amounts = [-1.0] * 7 + [1.0] * 3
        cols = {"customer_id": list("abcdefghij"), "start": ["2024-01-01"] * 10,
                "amount": amounts}
        with pytest.raises(DataValidationError) as info:
            SubscriptionTable.from_columns(cols)
        assert ("7 of 10 rows break this rule (first at rows 0, 1, 2, 3, 4; values -1.0, "
                in str(info.value))
        assert info.value.count == 7

    def test_large_positions_are_formatted_with_separators(self) -> None:
        n = 12_000
        amount = np.ones(n)
        amount[[9_311, 11_002]] = -1
        with pytest.raises(DataValidationError, match=r"2 of 12,000 rows break this rule "
                           r"\(first at rows 9,311, 11,002; values -1.0, -1.0\)"):
            SubscriptionTable.from_columns({"customer_id": np.arange(n),
                                            "start": np.full(n, np.datetime64("2024-01-01")),
                                            "amount": amount})


class TestColumns:
    def test_missing_required_column_lists_available_and_suggests(self) -> None:
        with pytest.raises(cm.ColumnNotFoundError) as info:
            SubscriptionTable.from_columns({"customer_id": [1], "start": ["2024-01-01"],
                                            "amout": [1]})
        msg = str(info.value)
        assert "column 'amount' not found" in msg
        assert "'amout'" in msg
        assert "Did you mean 'amout'?" in msg
        assert isinstance(info.value, KeyError)

    def test_renamed_columns(self) -> None:
        t = SubscriptionTable.from_columns(
            {"account": ["x"], "begins": ["2024-01-01"], "price": [5.0]},
            customer_id="account", start="begins", amount="price")
        assert float(cm.mrr(t, "2024-01")) == 5.0

    def test_a_renamed_optional_column_must_exist(self) -> None:
        with pytest.raises(cm.ColumnNotFoundError, match="'ends'"):
            SubscriptionTable.from_columns(
                {"customer_id": ["x"], "start": ["2024-01-01"], "amount": [5.0]}, end="ends")

    def test_columns_of_different_lengths(self) -> None:
        with pytest.raises(cm.InvalidParameterError,
                           match="must all have one length; 'customer_id' has 2, 'start' has 1"):
            SubscriptionTable.from_columns({"customer_id": [1, 2], "start": ["2024-01-01"],
                                            "amount": [1, 2]})

    def test_not_a_table(self) -> None:
        with pytest.raises(cm.InvalidParameterError, match="expected a mapping of columns"):
            SubscriptionTable.from_columns(42)

    def test_dates_in_many_forms(self) -> None:
        t = table(start=[dt.date(2024, 1, 1), dt.datetime(2024, 1, 2, 13, 30)])
        assert t.start.tolist() == [dt.date(2024, 1, 1), dt.date(2024, 1, 2)]
        t = table(start=np.array(["2024-01-01T10:00", "2024-01-02T23:59"],
                                 dtype="datetime64[m]"))
        assert t.start.tolist() == [dt.date(2024, 1, 1), dt.date(2024, 1, 2)]

    def test_iso_strings_with_times_and_offsets_are_taken_in_utc(self) -> None:
        # 23:30 at UTC-5 is 04:30 the next day in UTC; naive times are taken as they are.
        t = table(start=["2024-01-15T23:30:00-05:00", "2024-01-15T23:30:00"])
        assert t.start.astype(str).tolist() == ["2024-01-16", "2024-01-15"]
        t = table(start=np.array(["2024-01-15T23:30Z", "2024-02-01"]))
        assert t.start.astype(str).tolist() == ["2024-01-15", "2024-02-01"]
        tz = dt.timezone(dt.timedelta(hours=-5))
        t = table(start=[dt.datetime(2024, 1, 15, 23, 30, tzinfo=tz), dt.date(2024, 2, 1)])
        assert t.start.astype(str).tolist() == ["2024-01-16", "2024-02-01"]

    def test_non_iso_date_strings_are_rejected_not_guessed(self) -> None:
        rejects("column 'start' must be a date", start=["01/02/2024", "2024-01-01"])

    def test_integer_and_mixed_ids(self) -> None:
        t = table(customer_id=[10, 3])
        assert t.customer_ids.tolist() == [3, 10]
        assert t.column("customer_id").tolist() == [10, 3]
        mixed = table(customer_id=[10, "3"])
        assert mixed.n_customers == 2

    def test_pandas_polars_and_arrow_give_the_same_table(self) -> None:
        pd = pytest.importorskip("pandas")
        pl = pytest.importorskip("polars")
        pa = pytest.importorskip("pyarrow")
        cols = {"customer_id": ["a", "b", "a"], "plan": ["x", None, "y"],
                "start": [dt.date(2024, 1, 1), dt.date(2024, 1, 5), dt.date(2024, 3, 1)],
                "end": [dt.date(2024, 3, 1), None, None], "amount": [10.0, 20.0, 30.0],
                "currency": ["USD", "usd", "USD"]}
        reference = SubscriptionTable.from_columns(cols).to_dict()
        frames = [pd.DataFrame(cols), pl.DataFrame(cols), pa.table(cols)]
        for frame in frames:
            assert SubscriptionTable.from_columns(frame).to_dict() == reference

    def test_pandas_datetime_and_tz_aware_columns(self) -> None:
        pd = pytest.importorskip("pandas")
        frame = pd.DataFrame({
            "customer_id": [1, 2],
            "start": pd.to_datetime(["2024-01-01 23:00", "2024-01-02 00:00"]).tz_localize("UTC"),
            "end": pd.to_datetime([None, "2024-02-01"]),
            "amount": [1.0, 2.0],
        })
        t = SubscriptionTable.from_columns(frame)
        assert t.start.tolist() == [dt.date(2024, 1, 1), dt.date(2024, 1, 2)]
        assert np.isnat(t.end[0])

    def test_missing_extra_names_the_extra(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import builtins

        real_import = builtins.__import__

        def no_pandas(name: str, *args: Any, **kwargs: Any) -> Any:
            if name == "pandas":
                raise ImportError("no pandas here")
            return real_import(name, *args, **kwargs)

        monkeypatch.setattr(builtins, "__import__", no_pandas)
        monkeypatch.delitem(__import__("sys").modules, "pandas", raising=False)
        with pytest.raises(ImportError, match=r"pip install 'csmetrics\[pandas\]'"):
            table().to_pandas()


class TestSkip:
    def test_skip_returns_every_bad_row_with_its_rule(self) -> None:
        cols = {"customer_id": ["a", "b", "c", None, "e"],
                "start": ["2024-01-01", "2024-01-01", "2024-02-01", "2024-01-01", "2024-01-01"],
                "end": [None, None, "2024-01-01", None, None],
                "amount": [1.0, -2.0, 3.0, 4.0, 5.0]}
        t = SubscriptionTable.from_columns(cols, errors="skip")
        assert t.column("customer_id").tolist() == ["a", "e"]
        assert t.source_rows.tolist() == [0, 4]
        assert t.customer_ids.tolist() == ["a", "e"]
        assert t.skipped.to_dict() == {
            "row": [1, 2, 3],
            "column": ["amount", "end", "customer_id"],
            "rule": ["must be >= 0", "must not be before 'start'",
                     "must not be missing (None/NaN)"],
        }
        assert "2 skipped" not in repr(t)
        assert "3 skipped" in repr(t)
        assert len(t) + len(t.skipped) == 5

    def test_skip_keeps_mrr_of_good_rows(self) -> None:
        t = SubscriptionTable.from_columns(
            {"customer_id": ["a", "b"], "start": ["2024-01-01"] * 2, "amount": [5.0, "x"]},
            errors="skip")
        assert float(cm.mrr(t, "2024-01")) == 5.0

    def test_unknown_errors_mode(self) -> None:
        with pytest.raises(cm.InvalidParameterError, match="'raise' or 'skip'"):
            SubscriptionTable.from_columns({"customer_id": [1], "start": ["2024-01-01"],
                                            "amount": [1]}, errors="ignore")  # type: ignore[arg-type]


class TestRecords:
    def test_record_rules(self) -> None:
        ok = {"customer_id": "a", "start": "2024-01-01", "amount": 0}
        Subscription(**ok)  # type: ignore[arg-type]
        bad: list[dict[str, Any]] = [
            {**ok, "amount": -1},
            {**ok, "amount": float("nan")},
            {**ok, "amount": Decimal("NaN")},
            {**ok, "end": "2023-12-31"},
            {**ok, "currency": "XYZ"},
            {**ok, "interval": "monthly"},
            {**ok, "interval_count": 0},
            {**ok, "quantity": -1},
            {**ok, "discount": 1.5},
            {**ok, "colour": "red"},
        ]
        for fields in bad:
            with pytest.raises(cm.InvalidParameterError):
                Subscription(**fields)

    def test_records_are_frozen(self) -> None:
        s = Subscription(customer_id="a", start=dt.date(2024, 1, 1), amount=1)
        with pytest.raises(cm.InvalidParameterError):
            s.amount = 2  # type: ignore[misc]

    def test_decimal_amount_and_lowercase_currency(self) -> None:
        s = Subscription(customer_id="a", start=dt.date(2024, 1, 1), amount=Decimal("19.99"),
                         currency="eur")
        assert s.currency == "EUR"
        assert float(cm.mrr([s], "2024-01")) == 19.99

    def test_from_records_names_field_and_rows(self) -> None:
        recs: list[dict[str, Any]] = [
            {"customer_id": "a", "start": "2024-01-01", "amount": 1},
            {"customer_id": "b", "start": "2024-01-01", "amount": -1},
            {"customer_id": "c", "start": "2024-01-01", "amount": -3},
        ]
        with pytest.raises(DataValidationError, match=r"column 'amount' .*2 of 3 rows break "
                           r"this rule \(first at rows 1, 2; values -1, -3\)"):
            SubscriptionTable.from_records(recs)

    def test_from_records_skip(self) -> None:
        recs: list[dict[str, Any]] = [
            {"customer_id": "a", "start": "2024-01-01", "amount": 1, "subscription_id": 1},
            {"customer_id": "b", "start": "2024-01-01", "amount": -1},
            {"customer_id": "c", "start": "2024-01-01", "amount": 3, "subscription_id": 1},
        ]
        t = SubscriptionTable.from_records(recs, errors="skip")
        assert t.column("customer_id").tolist() == ["a"]
        assert t.skipped["row"].tolist() == [1, 2]
        assert t.skipped["column"].tolist() == ["amount", "subscription_id, start"]

    def test_records_and_columns_build_equal_tables(self) -> None:
        recs = [Subscription(customer_id="a", start=dt.date(2024, 1, 1), amount=10,
                             interval="year", plan="p"),
                Subscription(customer_id="b", start=dt.date(2024, 2, 1), amount=5,
                             end=dt.date(2024, 5, 1))]
        cols = {"customer_id": ["a", "b"], "start": ["2024-01-01", "2024-02-01"],
                "end": [None, "2024-05-01"], "amount": [10, 5], "interval": ["year", "month"],
                "plan": ["p", None]}
        assert (SubscriptionTable.from_records(recs).to_dict()
                == SubscriptionTable.from_columns(cols).to_dict())


class TestTableAPI:
    def test_len_take_and_repr(self) -> None:
        t = table()
        assert len(t) == 2
        assert repr(t) == "SubscriptionTable(2 rows, 2 customers, 2024-01-01 to open, USD)"
        one = t.take([1])
        assert len(one) == 1
        assert one.column("customer_id").tolist() == ["b"]
        assert len(t.take(np.array([True, False]))) == 1

    def test_arrays_are_read_only(self) -> None:
        t = table()
        with pytest.raises(ValueError, match="read-only"):
            t.amount[0] = 5

    def test_html_escapes_values(self) -> None:
        t = table(customer_id=["<script>", "b"])
        html = t._repr_html_()
        assert "<script>" not in html
        assert "&lt;script&gt;" in html

    def test_unknown_column(self) -> None:
        with pytest.raises(cm.ColumnNotFoundError):
            table().column("colour")


class TestInputPitfalls:
    """Inputs that once slipped through (found in review): each now errors or reads right."""

    def test_numbers_and_compact_strings_are_not_dates(self) -> None:
        rejects("must be a date, not a number", start=[20240101, 20240102])
        rejects("must be a date", start=["20240105", "2024-01-01"])

    def test_column_names_differing_in_case_are_used(self) -> None:
        t = SubscriptionTable.from_columns({"customer_id": ["a"], "start": ["2024-01-01"],
                                            "amount": [1200], "Interval": ["year"],
                                            "Currency": ["EUR"]})
        assert t.column("interval").tolist() == ["year"]
        assert t.currencies.tolist() == ["EUR"]
        assert float(cm.mrr(t, "2024-01")) == 100.0

    def test_a_misspelled_optional_column_is_an_error_not_a_default(self) -> None:
        with pytest.raises(cm.ColumnNotFoundError, match="'curency' looks like a misspelling"):
            SubscriptionTable.from_columns({"customer_id": ["a"], "start": ["2024-01-01"],
                                            "amount": [10], "curency": ["EUR"]})

    def test_arrow_dictionary_columns_keep_their_nulls(self) -> None:
        pa = pytest.importorskip("pyarrow")
        data = pa.table({"customer_id": pa.array(["a", None, "c"]).dictionary_encode(),
                         "start": ["2024-01-01"] * 3, "amount": [1.0, 2.0, 3.0]})
        with pytest.raises(DataValidationError, match=r"customer_id' must not be missing.*row 1"):
            SubscriptionTable.from_columns(data)

    def test_pandas_na_in_object_columns_is_missing(self) -> None:
        pd = pytest.importorskip("pandas")
        rejects("customer_id' must not be missing", customer_id=["a", pd.NA])
        rejects("amount' must not be missing", amount=[1.0, pd.NA])

    def test_ids_that_only_look_alike_stay_apart(self) -> None:
        assert table(customer_id=[3, "03"]).n_customers == 2
        # A fraction is no id (as a record refuses it): it is refused, not kept apart.
        with pytest.raises(DataValidationError, match="column 'customer_id' must be text or "
                           "a whole number"):
            table(customer_id=[1, 1.7])

    def test_skip_drops_every_span_inside_an_open_one(self) -> None:
        cols = {"customer_id": ["a"] * 3, "subscription_id": ["s"] * 3,
                "start": ["2024-01-01", "2024-02-01", "2024-04-01"],
                "end": [None, "2024-03-01", "2024-05-01"], "amount": [10.0, 20.0, 30.0]}
        skipped = SubscriptionTable.from_columns(cols, errors="skip")
        assert skipped.skipped["row"].tolist() == [1, 2]
        assert float(cm.mrr(skipped, "2024-04-15")) == 10.0

    def test_empty_spans_are_neither_duplicates_nor_overlaps(self) -> None:
        t = table(subscription_id=["s", "s"], start=["2024-01-01", "2024-01-01"],
                  end=["2024-01-01", None])
        assert float(cm.mrr(t, "2024-01")) == 20.0

    def test_records_read_values_as_the_columns_do(self) -> None:
        pd = pytest.importorskip("pandas")
        tokyo = dt.timezone(dt.timedelta(hours=9))
        rows: list[dict[str, Any]] = [
            {"customer_id": "a", "start": dt.datetime(2024, 1, 1, 0, 30, tzinfo=tokyo),
             "amount": 5, "interval": " Month", "end": pd.NaT, "plan": float("nan")},
            {"customer_id": "b", "start": "2024-01-02T10:00:00", "amount": 7,
             "end": "2024-03-01"},
        ]
        via_records = SubscriptionTable.from_records(rows).to_dict()
        cols = {k: [r.get(k) for r in rows] for k in ("customer_id", "start", "amount", "end")}
        cols["interval"] = [" Month", "month"]
        via_columns = SubscriptionTable.from_columns(cols).to_dict()
        assert via_records["start"] == via_columns["start"] == [dt.date(2023, 12, 31),
                                                                dt.date(2024, 1, 2)]
        assert via_records["interval"] == via_columns["interval"] == ["month", "month"]
        assert via_records["end"] == via_columns["end"]

    def test_take_keeps_ids_but_counts_only_customers_with_rows(self) -> None:
        t = table().take([0])
        assert t.n_customers == 1
        assert "1 customer," in repr(t)
        assert cm.mrr(t, "2024-01", by={"a": "x"})["mrr"].tolist() == [10.0]
        assert len(table().take([])) == 0

    def test_mapping_keys_that_went_through_floats(self) -> None:
        t = table(customer_id=[1, 2])
        assert cm.mrr(t, "2024-01", by={1.0: "x", 2.0: "y"})["mrr"].tolist() == [10.0, 20.0]
        # A customer mapped to NaN has no segment: it is in "(none)", not dropped.
        by_nan = cm.mrr(t, "2024-01", by={1: "x", 2: float("nan")})
        assert by_nan["segment"].tolist() == ["x", "(none)"]
        assert by_nan["mrr"].tolist() == [10.0, 20.0]

    def test_tables_and_results_pickle(self) -> None:
        import pickle

        t = table()
        again = pickle.loads(pickle.dumps(t))
        assert again.to_dict() == t.to_dict()
        r = cm.mrr_movements(t, "2024-01", "2024-06")
        assert pickle.loads(pickle.dumps(r)).to_dict() == r.to_dict()
        assert pickle.loads(pickle.dumps(r)).details().to_dict() == r.details().to_dict()

    def test_old_rows_in_another_currency_do_not_block_a_later_window(self) -> None:
        t = table(currency=["USD", "EUR"], start=["2024-01-01", "2019-01-01"],
                  end=[None, "2019-06-01"])
        assert cm.mrr_series(t, "2024-01", "2024-03")["mrr"].tolist() == [10.0] * 3


def test_a_column_of_one_value_holds_no_memory_per_row_and_reads_the_same() -> None:
    import csmetrics as cm

    n = 1_000
    cols = {"customer_id": np.arange(n) % 7, "start": np.full(n, np.datetime64("2024-01-01")),
            "amount": np.full(n, 10.0), "interval_count": np.ones(n, dtype=np.int64),
            "discount": np.where(np.arange(n) == 3, -0.0, 0.0), "quantity": np.full(n, 2.0)}
    table = cm.SubscriptionTable.from_columns(cols)
    assert table.interval_count.strides == (0,)          # all 1: one value
    assert table.quantity.strides == (0,)
    assert table.discount.strides != (0,)                 # -0.0 and 0.0 differ in bits
    assert table.column("quantity").tolist() == [2.0] * n
    assert table.take([5, 1]).interval_count.tolist() == [1, 1]
    assert float(cm.mrr(table, "2024-01")) == n * 20.0
