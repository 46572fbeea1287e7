"""Arrow at the boundary: Arrow streams and column layouts, the pyarrow CSV reading (against
the csv-module reading it replaces), Parquet files and datasets, zone words in dates, and
progress bars.

Reference values are written out by hand in each test (or are the csv module's reading of the
same text, which is the behaviour the fast reading must keep)."""

from __future__ import annotations

import datetime as dt
import decimal
import importlib
import io
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

import csmetrics as cm
from csmetrics._core.arrow import arrow_codes, arrow_column, arrow_to_numpy
from csmetrics._core.progress import progress_bar, progress_enabled
from csmetrics.io import (
    CSVDataError,
    CSVFormatError,
    ParquetDataError,
    ParquetFileNotFoundError,
    ParquetFormatError,
    read_csv_columns,
    read_subscriptions_parquet,
    read_surveys_parquet,
    read_tickets_parquet,
    read_usage_parquet,
)
from csmetrics.io.csv.fast import Source, read_arrow
from csmetrics.io.csv.reader import _recount
from csmetrics.io.csv.textfile import read_python as _read_python

SUBS = {"customer_id": ["a", "b", "b", None], "start": ["2024-01-01", "2024-01-10",
                                                       "2024-03-01", "2024-02-01"],
        "amount": [100.0, 1200.0, 1500.0, 10.0], "plan": ["pro", None, "pro", "basic"]}


def same_table(a: Any, b: Any) -> None:
    assert repr(a.to_dict()) == repr(b.to_dict())
    assert repr(a.skipped.to_dict()) == repr(b.skipped.to_dict())


# --- Arrow columns of every layout build the table the same lists build -----------------------


class TestArrowLayouts:
    def reference(self) -> cm.SubscriptionTable:
        return cm.SubscriptionTable.from_columns(SUBS, errors="skip")

    def test_chunked_dictionary_large_string_and_view_text(self) -> None:
        ids = pa.chunked_array([["a", "b"], ["b", None]])
        for column in (ids, ids.dictionary_encode(), ids.cast(pa.large_string()),
                       ids.cast(pa.string_view())):
            data = {**SUBS, "customer_id": column}
            same_table(cm.SubscriptionTable.from_columns(pa.table(data), errors="skip"),
                       self.reference())

    def test_dates_timestamps_with_zones_and_decimals(self) -> None:
        days = [dt.date(2024, 1, 1), dt.date(2024, 1, 10), dt.date(2024, 3, 1),
                dt.date(2024, 2, 1)]
        # 23:30 on 2023-12-31 in New York is 04:30 UTC on 2024-01-01: the UTC day counts.
        zoned = pa.array([dt.datetime(2024, 1, 1, 4, 30), dt.datetime(2024, 1, 10),
                          dt.datetime(2024, 3, 1, 12), dt.datetime(2024, 2, 1)],
                         pa.timestamp("us", "UTC")).cast(pa.timestamp("us", "America/New_York"))
        amounts = pa.array([decimal.Decimal(x) for x in ("100.00", "1200.00", "1500.00",
                                                         "10.00")], pa.decimal128(9, 2))
        for start in (pa.array(days, pa.date32()), zoned):
            data = pa.table({**SUBS, "start": start, "amount": amounts})
            same_table(cm.SubscriptionTable.from_columns(data, errors="skip"),
                       self.reference())

    def test_a_null_type_column_is_all_missing(self) -> None:
        data = pa.table({**SUBS, "end": pa.nulls(4)})
        same_table(cm.SubscriptionTable.from_columns(data, errors="skip"), self.reference())

    def test_list_and_struct_columns_are_refused_by_name(self) -> None:
        listed = pa.table({**SUBS, "customer_id": [["a"], ["b"], ["b"], ["c"]]})
        with pytest.raises(cm.DataValidationError,
                           match="column 'customer_id' must be a scalar"):
            cm.SubscriptionTable.from_columns(listed)
        structs = pa.table({**SUBS, "customer_id": ["a", "b", "b", "c"],
                            "plan": [{"k": 1}] * 4})
        with pytest.raises(cm.DataValidationError, match="column 'plan' must be a scalar"):
            cm.SubscriptionTable.from_columns(structs)
        union = pa.UnionArray.from_sparse(pa.array([0] * 4, pa.int8()), [pa.array([1] * 4)])
        with pytest.raises(cm.InvalidParameterError, match="column 'customer_id': an Arrow "
                           "sparse_union"):
            cm.SubscriptionTable.from_columns(pa.table({**SUBS, "customer_id": union}))

    def test_a_reader_is_read_once_for_fields_and_segments(self) -> None:
        import gc

        from csmetrics._core import columns

        full = {**SUBS, "customer_id": ["a", "b", "b", "c"]}
        reader = pa.table(full).to_reader()
        subs = cm.SubscriptionTable.from_columns(reader, segments=["plan"])
        same_table(subs, cm.SubscriptionTable.from_columns(full, segments=["plan"]))
        assert subs.segments["plan"][1].tolist() == ["basic", "pro"]
        assert id(reader) in columns._STREAMS
        key = id(reader)
        del reader
        gc.collect()
        assert key not in columns._STREAMS  # kept only while the reader lives

    def test_a_stream_that_fails_is_a_clear_error(self) -> None:
        class Broken:
            def __arrow_c_stream__(self, requested_schema: object = None) -> object:
                raise pa.ArrowInvalid("the cursor is closed")

        with pytest.raises(cm.InvalidParameterError,
                           match=r"Arrow stream of Broken could not be read \(the cursor is "):
            cm.SubscriptionTable.from_columns(Broken())

    def test_a_duckdb_relation_with_segments(self) -> None:
        duckdb = pytest.importorskip("duckdb")
        con = duckdb.connect()
        rel = con.sql("select 'a' as customer_id, date '2024-01-01' as start, 5.0 as amount, "
                      "'EU' as region")
        subs = cm.SubscriptionTable.from_columns(rel, segments=["region"])
        assert subs.customer_ids.tolist() == ["a"]
        assert subs.segments["region"][1].tolist() == ["EU"]

    def test_a_chunked_array_is_not_a_table(self) -> None:
        with pytest.raises(cm.InvalidParameterError, match="expected a mapping of columns"):
            cm.SubscriptionTable.from_columns(pa.chunked_array([[1]]))


@pytest.mark.parametrize("column", [
    pa.array([1, None, 3]), pa.array([1, 2, 3], pa.int8()), pa.array([1.5, None]),
    pa.array([True, False]), pa.array([True, None]), pa.array([1.0, 2.0], pa.float32()),
    pa.array([dt.date(2024, 1, 1), None], pa.date32()), pa.array([0, None], pa.date64()),
    pa.array([1, None], pa.timestamp("ms", "UTC")), pa.array([1, 2], pa.timestamp("s")),
    pa.array([1, 2, 3, 4], pa.uint32()).slice(1, 2), pa.chunked_array([[1, 2], [None]]),
    pa.chunked_array([], pa.int64()), pa.array(["a", None]),
], ids=str)
def test_buffers_read_as_pyarrow_reads_them(column: Any) -> None:
    got, ref = arrow_to_numpy(column), np.asarray(column.to_numpy(zero_copy_only=False))
    assert got.dtype == ref.dtype
    assert repr(got.tolist()) == repr(ref.tolist())


class TestFastConversions:
    """pyarrow's casts take a column only when they read it as the tables' rules do."""

    @pytest.mark.parametrize("text", ["1.5", "-0", "+2", ".5", "1e3", "inf", "nan", "0001",
                                      " 7", "1_000", "1,5", "x"])
    def test_numbers_cast_or_fall_back_to_the_same_value(self, text: str) -> None:
        fast = arrow_column(pa.array([text, None]), "number")
        slow = arrow_to_numpy(pa.array([text, None]))
        chk = cm.SubscriptionTable  # the table's rules read both
        data = {"customer_id": ["a", "b"], "start": ["2024-01-01"] * 2}
        got = [chk.from_columns({**data, "amount": col}, errors="skip").to_dict()["amount"]
               for col in (fast, slow)]
        assert repr(got[0]) == repr(got[1])

    @pytest.mark.parametrize(("text", "day"), [
        ("2024-03-05", "2024-03-05"), ("2024-03-05T23:30:00", "2024-03-05"),
        ("2024-03-05 23:30:00Z", "2024-03-05"),
        ("2024-03-05T23:30:00-02:00", "2024-03-06"),     # 01:30 UTC the next day
        ("2024-03-05 14:22:01 UTC", "2024-03-05"), ("2024-03-05 23:22:01+02:00", "2024-03-05"),
    ])
    def test_dates_with_times_and_zones_are_the_utc_day(self, text: str, day: str) -> None:
        for column in (pa.array([text]), [text]):
            subs = cm.SubscriptionTable.from_columns({"customer_id": ["a"], "start": column,
                                                      "amount": [1]})
            assert str(subs.start[0]) == day

    def test_timestamps_with_the_word_utc(self) -> None:
        at = ["2024-03-05 14:22:01 UTC", "2024-03-05T16:22:01+02:00", "2024-03-05T14:22:01Z"]
        for column in (pa.array(at), at):
            usage = cm.UsageTable.from_columns({"customer_id": ["a"] * 3, "user_id": ["u"] * 3,
                                                "at": column})
            assert set(usage.at.astype(str).tolist()) == {"2024-03-05T14:22:01.000000"}
        assert cm.Subscription(customer_id="a", start="2024-03-05 23:00:00 UTC",
                               amount=1).start == dt.date(2024, 3, 5)

    def test_a_column_mixing_zoned_and_naive_text_is_still_refused(self) -> None:
        with pytest.raises(cm.DataValidationError, match="must not mix timezone-aware and naive"):
            cm.UsageTable.from_columns(pa.table({
                "customer_id": ["a", "a"], "user_id": ["u", "u"],
                "at": ["2024-03-05 14:22:01 UTC", "2024-03-05 14:22:01"]}))

    def test_text_ids_encode_as_numpy_factorizes_them(self) -> None:
        words = ["b", "ä", "a", None, "B", "a", "ab", ""]
        codes, cats, missing = arrow_codes(pa.chunked_array([words[:3], words[3:]]))
        present = [w for w in words if w is not None]
        expected = sorted(set(present))          # code-point order: "B" < "a" < "ab" < "ä"
        assert cats.tolist() == expected
        assert codes.tolist() == [expected.index(w) if w is not None else -1 for w in words]
        assert missing.tolist() == [w is None for w in words]
        assert arrow_codes(pa.array([None, None], pa.string())) is None
        assert arrow_codes(pa.array([1, 2])) is None

    def test_dictionaries_with_repeats_and_unused_values(self) -> None:
        # Values b, a, (missing), b, b | q, a: "zz" is in no row, "b" is in the dictionary twice.
        first = pa.DictionaryArray.from_arrays(pa.array([0, 2, None, 3, 0], pa.int32()),
                                               pa.array(["b", "zz", "a", "b"]))
        second = pa.DictionaryArray.from_arrays(pa.array([0, 1], pa.int32()),
                                                pa.array(["q", "a"]))
        codes, cats, missing = arrow_codes(pa.chunked_array([first, second]))
        assert cats.tolist() == ["a", "b", "q"]
        assert codes.tolist() == [1, 0, -1, 1, 1, 2, 0]
        assert missing.tolist() == [False, False, True, False, False, False, False]
        subs = cm.SubscriptionTable.from_columns(pa.table({
            "customer_id": pa.chunked_array([first.fill_null("c"), second]),
            "start": ["2024-01-01"] * 7, "amount": [1] * 7}))
        assert subs.customer_ids.tolist() == ["a", "b", "c", "q"]

    def test_low_cardinality_text_is_encoded(self) -> None:
        out = arrow_column(pa.array(["USD", "EUR", "USD"]).dictionary_encode(), "category")
        assert (out.codes.tolist(), out.categories.tolist()) == ([1, 0, 1], ["EUR", "USD"])
        assert arrow_column(pa.array(["USD", None]), "category").decoded().tolist() == [
            "USD", None]

    @pytest.mark.parametrize("errors", ["skip", "raise"])
    def test_messy_categories_read_as_the_lists_read_them(self, errors: str) -> None:
        # Currencies and intervals in odd case and spacing, blanks, nulls, unknown codes:
        # the Arrow columns (read once per category) give the table and the problems that
        # Python lists (read per row) give.
        currency = ["usd", " EUR", "USD", None, "", "XYZ", "US", "eur", "usd", "JPY"]
        interval = ["Month", " year ", None, "month", "", "fortnight", "MONTH", "week",
                    "quarter", "day"]
        n = len(currency)
        cols: dict[str, Any] = {"customer_id": [f"c{i % 4}" for i in range(n)],
                                "start": ["2024-01-01"] * n, "amount": [10.0 * i for i in range(n)],
                                "currency": currency, "interval": interval}
        tables = []
        for text in (list, pa.array, lambda v: pa.array(v).dictionary_encode()):
            data = {**cols, "currency": text(currency), "interval": text(interval)}
            try:
                tables.append(cm.SubscriptionTable.from_columns(
                    data if text is list else pa.table(data), errors=errors))
            except cm.DataValidationError as exc:
                tables.append(str(exc))
        if errors == "raise":
            assert "XYZ" in tables[0]
            assert "fortnight" in tables[0]
            assert tables[1:] == tables[:1] * 2
        else:
            # Rows 3-6 break a currency rule (null, blank, XYZ, US), 2, 4 and 5 an interval rule.
            assert tables[0].skipped["row"].tolist() == [2, 3, 4, 5, 6]
            for table in tables[1:]:
                same_table(table, tables[0])


# --- the pyarrow CSV reading against the csv-module reading ---------------------------------


def both(tmp_path: Path, data: bytes, encoding: str = "utf-8-sig") -> tuple[Any, Any]:
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    source = Source.open(path, str(path))
    return read_arrow(source, encoding, False, _recount), source


CELLS = st.sampled_from(["a", "b", " ", "", "é", "\u3000x", '"', ",", "\n", "\r\n", "1",
                         "\t", "\x1c", '"q"', "\r"])


@given(st.lists(CELLS, min_size=1, max_size=30))
def test_the_fast_reading_is_the_csv_module_reading(pieces: list[str]) -> None:
    import tempfile

    text = "h1,h2\n" + "".join(pieces)
    with tempfile.TemporaryDirectory() as tmp:
        fast, source = both(Path(tmp), text.encode("utf-8"))
        try:
            slow_columns, slow_lines = _read_python(source, encoding="utf-8-sig",
                                                    progress=False)
        except (CSVFormatError, CSVDataError):
            assert fast is None  # the csv module refuses it: the fast reading gave way
            return
        if fast is None:
            return  # (the csv-module reading is then the one used)
        columns, lines = fast
        assert {k: v.to_pylist() for k, v in columns.items()} == slow_columns
        assert list(lines) == slow_lines


@pytest.mark.parametrize("late", ['"x\ny"', '"x\r\ny"', 'a"b', '"he said ""hi""\nbye"'])
def test_a_large_file_with_a_cell_over_two_lines_reads_as_the_csv_module_reads_it(
        tmp_path: Path, late: str) -> None:
    # pyarrow splits files at line breaks to parse blocks in threads (4 MiB): a cell over
    # two lines far into a large file, after a stray quote or escaped quotes, must still read.
    row = '"cus_{:07d}","2024-01-01",12.5\n'
    head = "customer_id,start,amount\n" + "".join(row.format(i) for i in range(300_000))
    text = head + f'{late},"2024-02-01",1\n' + "".join(row.format(i) for i in range(30_000))
    assert len(text) > 9 << 20
    fast, source = both(tmp_path, text.encode("utf-8"))
    slow_columns, slow_lines = _read_python(source, encoding="utf-8-sig", progress=False)
    if fast is not None:  # (None: the csv module's reading is the one used)
        columns, lines = fast
        assert {k: v.to_pylist() for k, v in columns.items()} == slow_columns
        assert list(lines) == slow_lines


class TestCSVReading:
    def test_a_cell_over_several_lines_keeps_exact_line_numbers(self, tmp_path: Path) -> None:
        path = tmp_path / "multi.csv"
        path.write_text('customer_id,start,amount,plan\na,2024-01-01,10,"two\nlines"\n\n'
                        "b,2024-01-01,-5,x\n")
        with pytest.raises(CSVDataError, match=r"multi.csv: line 5: column 'amount'"):
            cm.read_subscriptions_csv(path)
        subs = cm.read_subscriptions_csv(path, errors="skip")
        assert subs.to_dict()["plan"] == ["two\nlines"]
        assert subs.skipped["rule"].tolist() == ["must be >= 0 (line 5)"]

    def test_cells_are_stripped_and_blank_lines_skipped(self, tmp_path: Path) -> None:
        path = tmp_path / "pad.csv"
        path.write_text(" customer_id , region\r\n  a  ,\u00a0EU\u3000\r\n , \r\n   \r\nb,  \r\n")
        assert read_csv_columns(path) == {"customer_id": ["a", "b"], "region": ["EU", None]}

    def test_encodings(self, tmp_path: Path) -> None:
        path = tmp_path / "enc.csv"
        text = "customer_id,region\nJosé,Zürich\n"
        for encoding in ("latin-1", "utf-16", "utf-8-sig", "cp1252"):
            path.write_bytes(text.encode(encoding))
            assert read_csv_columns(path, encoding=encoding) == {
                "customer_id": ["José"], "region": ["Zürich"]}

    def test_lines_of_a_utf16_file(self, tmp_path: Path) -> None:
        # "Ċ" (U+010A) is the bytes 0A 01 in UTF-16-LE: a 0x0A byte that is not a newline.
        path = tmp_path / "wide.csv"
        path.write_bytes("customer_id,start,amount\nĊa,2024-01-01,1\nĊb,2024-01-01,-1\n"
                         .encode("utf-16"))
        with pytest.raises(CSVDataError, match=r"wide.csv: line 3: column 'amount'"):
            cm.read_subscriptions_csv(path, encoding="utf-16")

    def test_not_text_in_the_encoding_names_file_and_line(self, tmp_path: Path) -> None:
        path = tmp_path / "latin.csv"
        path.write_bytes("customer_id,region\na,EU\nJosé,x\n".encode("latin-1"))
        with pytest.raises(CSVFormatError, match=r"latin.csv: line 3: not utf-8-sig text"):
            read_csv_columns(path)

    def test_standard_input(self, monkeypatch: pytest.MonkeyPatch) -> None:
        stdin = io.TextIOWrapper(io.BytesIO(b"customer_id,start,amount\na,2024-01-01,5\n"))
        monkeypatch.setattr(sys, "stdin", stdin)
        subs = cm.read_subscriptions_csv("-")
        assert subs.customer_ids.tolist() == ["a"]

    def test_the_same_table_as_from_columns_of_the_text(self, tmp_path: Path) -> None:
        path = tmp_path / "subs.csv"
        path.write_text("customer_id,subscription_id,plan,start,end,amount,currency,interval\n"
                        "a,7,pro,2024-01-01,,12.5,usd,Month\n"
                        "b,8,,2024-02-01,2024-05-01,120,EUR,year\n")
        direct = cm.SubscriptionTable.from_columns({
            "customer_id": ["a", "b"], "subscription_id": ["7", "8"], "plan": ["pro", None],
            "start": ["2024-01-01", "2024-02-01"], "end": [None, "2024-05-01"],
            "amount": ["12.5", "120"], "currency": ["usd", "EUR"],
            "interval": ["Month", "year"]})
        same_table(cm.read_subscriptions_csv(path), direct)


# --- Parquet ------------------------------------------------------------------------------


class TestParquet:
    def table(self) -> pa.Table:
        return pa.table({"account": ["a", "b", "c"],
                         "start": pa.array([dt.date(2024, 1, 1), dt.date(2024, 2, 1),
                                            dt.date(2024, 3, 1)], pa.date32()),
                         "amount": [10.0, 20.0, 30.0], "region": ["EU", "US", "EU"]})

    def test_a_file_written_by_pyarrow_and_by_polars(self, tmp_path: Path) -> None:
        pl = pytest.importorskip("polars")
        direct = cm.SubscriptionTable.from_columns(self.table(), customer_id="account")
        pq.write_table(self.table(), tmp_path / "a.parquet")
        pl.from_arrow(self.table()).write_parquet(tmp_path / "b.parquet")
        for name in ("a.parquet", "b.parquet"):
            got = read_subscriptions_parquet(tmp_path / name, columns={"customer_id": "account"})
            same_table(got, direct)

    def test_a_hive_partitioned_dataset(self, tmp_path: Path) -> None:
        pq.write_to_dataset(self.table(), tmp_path / "ds", partition_cols=["region"])
        subs = read_subscriptions_parquet(tmp_path / "ds", columns={"customer_id": "account"})
        assert sorted(subs.customer_ids.tolist()) == ["a", "b", "c"]
        assert float(cm.mrr(subs, "2024-03")) == 60.0

    def test_a_bad_row_names_the_file_and_its_row(self, tmp_path: Path) -> None:
        folder = tmp_path / "parts"
        folder.mkdir()
        pq.write_table(self.table(), folder / "part-0.parquet")
        bad = self.table().set_column(2, "amount", pa.array([1.0, 2.0, -3.0]))
        pq.write_table(bad, folder / "part-1.parquet")
        with pytest.raises(ParquetDataError, match=r"parts: row part-1.parquet 2: "
                           r"column 'amount' must be >= 0") as info:
            read_subscriptions_parquet(folder, columns={"customer_id": "account"})
        assert info.value.rows == ((str(folder / "part-1.parquet"), 2),)
        skipped = read_subscriptions_parquet(folder, columns={"customer_id": "account"},
                                             errors="skip").skipped
        assert skipped["row"].tolist() == [5]
        assert skipped["rule"].tolist() == ["must be >= 0 (part-1.parquet row 2)"]
        one = tmp_path / "one.parquet"
        pq.write_table(bad, one)
        with pytest.raises(ParquetDataError, match=r"one.parquet: row 2: column 'amount'"):
            read_subscriptions_parquet(one, columns={"customer_id": "account"})

    def test_missing_not_parquet_and_empty(self, tmp_path: Path) -> None:
        with pytest.raises(ParquetFileNotFoundError, match=r"nope\.parquet"):
            read_subscriptions_parquet(tmp_path / "nope.parquet")
        assert issubclass(ParquetFileNotFoundError, FileNotFoundError)
        text = tmp_path / "text.parquet"
        text.write_text("customer_id\na\n")
        with pytest.raises(ParquetFormatError, match=r"text\.parquet: not a Parquet file"):
            read_subscriptions_parquet(text)
        (tmp_path / "empty").mkdir()
        with pytest.raises(ParquetFormatError, match="holds no Parquet files"):
            read_subscriptions_parquet(tmp_path / "empty")

    def test_mapping_errors_and_a_misspelled_column(self, tmp_path: Path) -> None:
        path = tmp_path / "s.parquet"
        pq.write_table(self.table().append_column("curency", pa.array(["EUR"] * 3)), path)
        with pytest.raises(cm.ColumnNotFoundError, match="'Account'"):
            read_subscriptions_parquet(path, columns={"customer_id": "Account"})
        with pytest.raises(cm.InvalidParameterError, match="maps unknown fields"):
            read_subscriptions_parquet(path, columns={"owner": "account"})
        with pytest.raises(cm.ColumnNotFoundError, match="looks like a misspelling"):
            read_subscriptions_parquet(path, columns={"customer_id": "account"})

    def test_the_other_tables(self, tmp_path: Path) -> None:
        pq.write_table(pa.table({"customer_id": ["a", "b"], "score": [10, 3],
                                 "submitted_at": ["2024-01-05", "2024-01-09"]}),
                       tmp_path / "s.parquet")
        assert float(cm.net_promoter_score(read_surveys_parquet(tmp_path / "s.parquet",
                                                                survey_name="nps"))) == 0.0
        at = pa.array([dt.datetime(2024, 1, 5, 10)], pa.timestamp("ms", "Europe/Paris"))
        pq.write_table(pa.table({"customer_id": ["a"], "user_id": ["u"], "at": at}),
                       tmp_path / "u.parquet")
        usage = read_usage_parquet(tmp_path / "u.parquet")
        assert usage.at.astype(str).tolist() == ["2024-01-05T10:00:00.000000"]
        pq.write_table(pa.table({"customer_id": ["a"], "opened_at": ["2024-01-05T10:00Z"],
                                 "resolved_at": pa.nulls(1, pa.string())}),
                       tmp_path / "t.parquet")
        assert len(read_tickets_parquet(tmp_path / "t.parquet")) == 1


# --- progress -------------------------------------------------------------------------------


class TestProgress:
    def test_a_bar_shows_only_when_asked_or_on_a_terminal(self, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
        path = tmp_path / "s.csv"
        path.write_text("customer_id,start,amount\na,2024-01-01,5\n")
        cm.read_subscriptions_csv(path, progress=True)
        assert "s.csv" in capsys.readouterr().err
        cm.read_subscriptions_csv(path, progress=False)
        cm.read_subscriptions_csv(path)          # stderr is not a terminal under pytest
        assert capsys.readouterr().err == ""
        pq.write_table(pa.table({"customer_id": ["a"], "start": ["2024-01-01"],
                                 "amount": [5]}), tmp_path / "s.parquet")
        read_subscriptions_parquet(tmp_path / "s.parquet", progress=True)
        assert "s.parquet" in capsys.readouterr().err

    def test_enabled_follows_the_terminal(self, monkeypatch: pytest.MonkeyPatch) -> None:
        class Terminal(io.StringIO):
            def isatty(self) -> bool:
                return True

        monkeypatch.setattr(sys, "stderr", Terminal())
        assert progress_enabled(None) is True
        assert progress_enabled(False) is False
        with progress_bar(2, desc="work", enabled=None) as bar:
            bar.update(2)
        assert "work" in sys.stderr.getvalue()

    def test_the_python_reading_reports_rows_too(self, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
        path = tmp_path / "short.csv"   # a short line: read by the csv module
        path.write_text("customer_id,start,amount\na,2024-01-01\n")
        with pytest.raises(CSVDataError):
            cm.read_subscriptions_csv(path, progress=True)
        assert "rows read" in capsys.readouterr().err


def test_numpy_columns_stay_numpy() -> None:
    subs = cm.SubscriptionTable.from_columns({"customer_id": np.array([3, 1]),
                                              "start": np.array(["2024-01-01"] * 2, "M8[D]"),
                                              "amount": np.array([1.0, 2.0])})
    assert subs.currencies.tolist() == ["USD"]
    assert subs.interval.tolist() == [2, 2]


class TestReportProgress:
    """Issue 11: a report that takes more than a moment shows its progress (tqdm on stderr),
    section by section; off when stderr is not a terminal, and with --quiet."""

    def test_a_report_counts_its_sections(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from csmetrics.datasets import demo_portfolio, demo_surveys

        class Terminal(io.StringIO):
            def isatty(self) -> bool:
                return True

        seen: dict[int, tuple[float | None, int]] = {}
        real = importlib.import_module("tqdm.std").tqdm

        class Spy(real):  # type: ignore[misc, valid-type]
            def close(self) -> None:
                seen.setdefault(id(self), (self.total, self.n))
                super().close()

        monkeypatch.setattr(importlib.import_module("tqdm.std"), "tqdm", Spy)
        monkeypatch.setattr(sys, "stderr", Terminal())
        portfolio = cm.Portfolio(subscriptions=demo_portfolio(), surveys=demo_surveys())
        portfolio.report("2024-12")                      # a terminal: shown
        # the headline, five revenue parts and the survey section, each counted once
        assert list(seen.values()) == [(7, 7)]
        assert "report" in sys.stderr.getvalue()
        portfolio.report("2024-12", progress=False)      # silenced
        assert len(seen) == 1

    def test_on_in_a_jupyter_kernel(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Issue 14: in Jupyter stderr is no terminal, but someone watches the cell."""
        import types

        class Shell:
            kernel = object()

        fake = types.ModuleType("IPython")
        fake.get_ipython = Shell  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "IPython", fake)
        monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
        monkeypatch.setattr(sys, "stderr", io.StringIO())   # not a terminal
        assert progress_enabled(None) is True
        assert progress_enabled(False) is False
        fake.get_ipython = lambda: None  # type: ignore[attr-defined]   # IPython, no kernel
        assert progress_enabled(None) is False

    def test_off_when_not_a_terminal_and_with_quiet(self, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]
                                                    ) -> None:
        from csmetrics.cli import main
        from csmetrics.datasets import demo_portfolio

        cm.Portfolio(subscriptions=demo_portfolio()).report("2024-12")
        assert capsys.readouterr().err == ""            # stderr is not a terminal here
        assert main(["report", "--demo", "--quiet"]) == 0
        assert capsys.readouterr().err == ""

    def test_a_bad_progress_option_is_refused(self) -> None:
        from csmetrics.datasets import demo_portfolio

        with pytest.raises(cm.InvalidParameterError, match="progress"):
            cm.Portfolio(subscriptions=demo_portfolio()).report("2024-12", progress="yes")


@pytest.mark.parametrize("layout", ["plain", "dictionary", "large"])
def test_arrow_flags_and_churn_types_read_as_the_lists_do(layout: str) -> None:
    # auto_renew and churn_type from Arrow text are read once per distinct value (the
    # column is dictionary-encoded by pyarrow); the table, and the problems of bad values,
    # must equal those of the same values as Python lists.
    flags = [" Yes", "no", None, "1", "", "maybe", "NO"]
    types = ["Voluntary", "", "delinquent", None, " x ", "voluntary", "DELINQUENT"]
    base = {"customer_id": list("abcdefg"), "start": ["2024-01-01"] * 7,
            "amount": [1, 2, 3, 4, 5, 6, 7]}

    def column(values: list[str | None]) -> pa.Array:
        array = pa.array(values, pa.large_string() if layout == "large" else pa.string())
        return array.dictionary_encode() if layout == "dictionary" else array

    arrow = pa.table({**{k: pa.array(v) for k, v in base.items()},
                      "auto_renew": column(flags), "churn_type": column(types)})
    lists = {**base, "auto_renew": flags, "churn_type": types}
    errors = []
    for data in (arrow, lists):
        with pytest.raises(cm.DataValidationError) as caught:
            cm.SubscriptionTable.from_columns(data)
        errors.append(str(caught.value))
    assert errors[0] == errors[1]
    assert "value 'maybe'" in errors[0]
    assert "value ' x '" in errors[0]
    skipped = [cm.SubscriptionTable.from_columns(d, errors="skip") for d in (arrow, lists)]
    # rows 4 (' x ') and 5 ('maybe') are left out; blank and missing are "not given" (-1)
    assert skipped[0].auto_renew.tolist() == skipped[1].auto_renew.tolist() == [1, 0, -1, 1, 0]
    assert skipped[0].churn_type.tolist() == skipped[1].churn_type.tolist() == [0, -1, 1, -1, 1]


def test_reading_swaps_pyarrows_default_pool_only_while_it_reads(tmp_path: Path,
                                                                 monkeypatch: Any) -> None:
    # Reading allocates from jemalloc (or the system allocator) rather than the wheels'
    # mimalloc, which hands pages back at once; a pool the user chose is kept.
    from csmetrics._core.arrowpool import reading_pool

    path = tmp_path / "s.csv"
    path.write_text("customer_id,start,amount\na,2024-01-01,5\n", encoding="utf-8")
    before = pa.default_memory_pool()
    if before.backend_name != "mimalloc":
        pytest.skip("pyarrow's default pool here is not the wheels' mimalloc")
    swaps: list[str] = []
    real_set = pa.set_memory_pool
    monkeypatch.setattr(pa, "set_memory_pool",
                        lambda pool: (swaps.append(pool.backend_name), real_set(pool))[1])
    assert len(cm.read_subscriptions_csv(path)) == 1
    assert swaps[0] in ("jemalloc", "system")
    assert swaps[1:] == ["mimalloc"]  # put back when the reading is done
    assert pa.default_memory_pool().backend_name == "mimalloc"
    swaps.clear()
    with reading_pool():
        inner = pa.default_memory_pool().backend_name
        with reading_pool():  # re-entrant: the inner one changes nothing
            assert pa.default_memory_pool().backend_name == inner
    assert len(swaps) == 2
    real_set(pa.system_memory_pool())  # the user's own choice is kept
    try:
        swaps.clear()
        assert len(cm.read_subscriptions_csv(path)) == 1
        assert swaps == []
    finally:
        real_set(before)


def test_numpy_huge_pages_are_off_only_while_reading(tmp_path: Path, monkeypatch: Any) -> None:
    # New arrays get no transparent huge pages while csmetrics reads (their first touch is
    # what costs), and numpy's setting is back afterwards; a setting the user made by
    # NUMPY_MADVISE_HUGEPAGE is left alone.
    from csmetrics._core import arrowpool

    switch = arrowpool._hugepage_switch()
    if switch is None:
        pytest.skip("this numpy has no huge-page switch, or NUMPY_MADVISE_HUGEPAGE is set")
    path = tmp_path / "s.csv"
    path.write_text("customer_id,start,amount\na,2024-01-01,5\n", encoding="utf-8")
    calls: list[bool] = []

    def spy(on: bool) -> bool:
        calls.append(on)
        return bool(switch(on))

    monkeypatch.setattr(arrowpool, "_hugepage_switch", lambda: spy)
    before = bool(switch(True))
    try:
        with arrowpool.reading_pool(), arrowpool.reading_pool():
            pass
        assert calls == [False, True]   # off once on entry, back on when the last one leaves
        assert bool(switch(True)) is True
        calls.clear()
        assert len(cm.read_subscriptions_csv(path)) == 1
        assert calls == [False, True]
    finally:
        switch(before)
    monkeypatch.undo()  # (the real switch again)
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
    assert arrowpool._hugepage_switch() is None
