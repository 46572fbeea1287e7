"""Hostile inputs: whatever a caller passes, only a result or a CSMetricsError comes back.

Each test is an input a review found escaping as a plain Python, numpy or pydantic error (or
accepted silently), and pins the message that now names the parameter or column, the rule
and the offending value.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import csmetrics as cm

SUBS = {"customer_id": ["a", "b", "c"], "start": ["2024-01-01", "2024-02-01", "2024-01-15"],
        "end": [None, "2024-05-01", None], "amount": [100.0, 50.0, 20.0],
        "plan": ["p", "q", "p"]}


def subs(**columns: object) -> dict[str, object]:
    return {**SUBS, **columns}


class TestRepeatedColumns:
    def test_a_dataframe_with_a_repeated_column_names_it(self) -> None:
        df = pd.DataFrame(SUBS)
        twice = pd.concat([df, df[["amount"]]], axis=1)
        with pytest.raises(cm.DataValidationError,
                           match=r"^mrr: the input has several columns named 'amount'; every "
                                 r"column needs its own name \(rename or drop the copies\)\.$"):
            cm.mrr(twice, "2024-03")

    def test_a_repeated_id_column_is_not_read_as_two_rows_per_row(self) -> None:
        df = pd.DataFrame(SUBS)
        df.columns = ["customer_id", "start", "end", "amount", "customer_id"]
        with pytest.raises(cm.DataValidationError, match="named 'customer_id'") as info:
            cm.SubscriptionTable.from_columns(df)
        assert info.value.column == "customer_id"

    def test_every_table_and_a_pyarrow_table_say_the_same(self) -> None:
        answers = pd.DataFrame({"customer_id": ["a", "b"], "survey": ["nps"] * 2,
                                "score": [10, 0], "submitted_at": ["2024-01-01"] * 2})
        twice = pd.concat([answers, pd.DataFrame({"score": [0, 0]})], axis=1)
        with pytest.raises(cm.DataValidationError, match="several columns named 'score'"):
            cm.net_promoter_score(twice)
        table = pa.Table.from_arrays([pa.array(["a"]), pa.array(["2024-01-01"]),
                                      pa.array([1.0]), pa.array([2.0])],
                                     names=["customer_id", "start", "amount", "amount"])
        with pytest.raises(cm.DataValidationError, match="several columns named 'amount'"):
            cm.SubscriptionTable.from_columns(table)

    def test_mapping_keys_that_read_as_one_name(self) -> None:
        with pytest.raises(cm.DataValidationError, match="several columns named '1'"):
            cm.SubscriptionTable.from_columns({**SUBS, 1: [1, 2, 3], "1": [1, 2, 3]})

    def test_a_column_named_by_a_number_is_read(self) -> None:
        df = pd.DataFrame(SUBS).assign(**{"7": ["x", "y", "x"]}).rename(columns={"7": 7})
        table = cm.SubscriptionTable.from_columns(df, segments=["7"])
        assert cm.mrr(table, "2024-03", by="7")["7"].tolist() == ["x", "y"]


class TestCellsHoldingSeveralValues:
    RULE = (r"must be a scalar \(text or a number\), not a list, tuple, set or dict; "
            r"1 of 3 rows breaks this rule \(at row 0; value .+\)\.$")

    @pytest.mark.parametrize("cell", [("a", 1), ["a"], {"a": 1}, {"a"}, np.array([1, 2])],
                             ids=["tuple", "list", "dict", "set", "array"])
    def test_an_id_cell(self, cell: object) -> None:
        ids = np.empty(3, dtype=object)
        ids[:] = [None, "b", "c"]
        ids[0] = cell
        with pytest.raises(cm.DataValidationError,
                           match=r"^mrr: column 'customer_id' " + self.RULE) as info:
            cm.mrr(subs(customer_id=ids), "2024-03")
        assert (info.value.column, info.value.count, info.value.positions) == (
            "customer_id", 1, (0,))

    def test_every_id_a_pair(self) -> None:
        with pytest.raises(cm.DataValidationError, match="3 of 3 rows break"):
            cm.mrr(subs(customer_id=[("a", 1), ("b", 2), ("c", 3)]), "2024-03")

    @pytest.mark.parametrize("column", ["plan", "interval", "currency", "region"])
    def test_a_category_cell(self, column: str) -> None:
        values = {"plan": "p", "interval": "month", "currency": "USD", "region": "EU"}[column]
        data = subs(**{column: [(values,), values, values]})
        with pytest.raises(cm.DataValidationError, match=f"^mrr: column '{column}' " + self.RULE):
            cm.mrr(data, "2024-03", by="region" if column == "region" else None)

    def test_skipped_rather_than_raised(self) -> None:
        table = cm.SubscriptionTable.from_columns(subs(customer_id=[("a",), "b", "c"]),
                                                  errors="skip")
        assert len(table) == 2
        assert table.skipped["rule"].tolist() == [
            "must be a scalar (text or a number), not a list, tuple, set or dict"]

    def test_the_other_tables(self) -> None:
        events = {"customer_id": ["a", "a", "b"], "user_id": [(1,), 2, 3],
                  "at": ["2024-12-20", "2024-12-01", "2024-11-01"]}
        with pytest.raises(cm.DataValidationError, match="column 'user_id' must be a scalar"):
            cm.UsageTable.from_columns(events)
        answers = {"customer_id": ["a", "b"], "survey": [["nps"], "nps"], "score": [10, 3],
                   "submitted_at": ["2024-10-01"] * 2}
        with pytest.raises(cm.DataValidationError, match="column 'survey' must be a scalar"):
            cm.SurveyTable.from_columns(answers)
        tickets = {"customer_id": ["a", "b"], "ticket_id": [("t",), "u"],
                   "opened_at": ["2024-10-01"] * 2}
        with pytest.raises(cm.DataValidationError, match="column 'ticket_id' must be a scalar"):
            cm.SupportTicketTable.from_columns(tickets)

    def test_list_columns_of_polars_and_arrow(self) -> None:
        pl = pytest.importorskip("polars")
        listed = subs(customer_id=[["a"], ["b"], ["c"]])
        with pytest.raises(cm.DataValidationError, match="column 'customer_id' must be a scalar"):
            cm.mrr(pl.DataFrame(listed), "2024-03")
        with pytest.raises(cm.DataValidationError, match="column 'customer_id' must be a scalar"):
            cm.mrr(pa.table(listed), "2024-03")
        structs = pl.DataFrame(subs(customer_id=[{"k": 1}, {"k": 2}, {"k": 3}]))
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^mrr: column 'customer_id': a column must be "
                                 r"one-dimensional \(one value per row\)"):
            cm.mrr(structs, "2024-03")

    def test_labels_and_mappings_given_as_by(self) -> None:
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^net_promoter_score: by must hold single values \(text or "
                                 r"numbers\), not lists, tuples, sets or dicts; 1 of 3 do"):
            cm.net_promoter_score([10, 9, 0], by=[("a",), "b", "b"])
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^mrr: the mapping's values must be single values .*, not "
                                 r"lists, sets, dicts or arrays; got 'a': \['x'\]\.$"):
            cm.mrr(SUBS, "2024-03", by={"a": ["x"], "b": "y"})
        with pytest.raises(cm.InvalidParameterError, match="the mapping's keys must be single"):
            cm.mrr(SUBS, "2024-03", by={("a",): "x"})

    def test_a_tuple_is_one_label_of_a_mapping(self) -> None:
        # A composite segment, as before; mixed with text, labels are compared as text.
        by = {"a": ("EU", 1), "b": ("US", 2), "c": ("EU", 1)}
        assert cm.mrr(SUBS, "2024-03", by=by)["segment"].tolist() == [("EU", 1), ("US", 2)]
        mixed = cm.mrr(SUBS, "2024-03", by={"a": ("EU", 1), "b": ("US", "x"), "c": "z"})
        assert mixed["segment"].tolist() == ["('EU', 1)", "('US', 'x')", "z"]

    def test_plain_text_and_number_ids_still_read_at_speed(self) -> None:
        table = cm.SubscriptionTable.from_columns(subs(customer_id=np.array(
            ["a", "b", "c"], dtype=object)))
        assert table.customer_ids.tolist() == ["a", "b", "c"]



class TestPeriodsAndWindows:
    OUTSIDE = r"is outside the dates csmetrics reads \(1900-01-01 to 2199-12-31, as in its tables\)"

    @pytest.mark.parametrize("at", [pd.NaT, np.datetime64("NaT")], ids=["pandas", "numpy"])
    def test_nat_is_no_date(self, at: object) -> None:
        with pytest.raises(cm.InvalidParameterError, match="must not be NaT"):
            cm.mrr(SUBS, at)
        events = {"customer_id": ["a"], "user_id": [1], "at": ["2024-03-01"]}
        with pytest.raises(cm.InvalidParameterError, match=r"^active_users: .*must not be NaT"):
            cm.active_users(events, at)

    def test_nan_is_no_date(self) -> None:
        with pytest.raises(cm.InvalidParameterError, match="cannot read nan as a period"):
            cm.mrr(SUBS, float("nan"))

    @pytest.mark.parametrize("at", ["9999-12", "0001-01", "1899-12-31", "2200", "FY2200",
                                    np.datetime64("20000-01-01"), np.datetime64("3000", "Y")])
    def test_periods_far_away(self, at: object) -> None:
        with pytest.raises(cm.InvalidParameterError, match=self.OUTSIDE):
            cm.mrr(SUBS, at) if not str(at).startswith("FY") else cm.Period.parse(at, "year-apr")

    def test_the_edges_of_the_range_are_read(self) -> None:
        assert float(cm.mrr(SUBS, "1900-01")) == 0
        assert cm.Period.parse("2199-12").end.isoformat() == "2199-12-31"

    def test_reversed_windows(self) -> None:
        with pytest.raises(cm.InvalidParameterError, match="end '2024-01' is before start"):
            cm.period_range("2024-05", "2024-01")
        with pytest.raises(cm.InvalidParameterError, match="its end is not after its start"):
            cm.mrr_movements(SUBS, "2024-06", "2024-01")

    def test_period_arithmetic_stays_in_the_calendar(self) -> None:
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^Period: first_month must be a whole number of months since "
                                 r"1970-01 within the years 1 to 9998, got 1000"):
            cm.Period.parse("2024-01") + 10**30
        with pytest.raises(cm.InvalidParameterError, match=r"^Period: freq must be a Frequency"):
            cm.Period(650, "month")  # type: ignore[arg-type]

    @pytest.mark.parametrize(("kwargs", "message"), [
        ({"months": 5}, r"months must be 1, 3 or 12 \(a month, a quarter or a year\), got 5"),
        ({"months": True}, "months must be 1, 3 or 12"),
        ({"months": 3, "fiscal_start": 0}, "fiscal_start must be a month from 1 to 12, got 0"),
        ({"months": 3, "fiscal_start": 13}, "fiscal_start must be a month from 1 to 12, got 13"),
        ({"months": 12, "fiscal_start": 4.5}, "fiscal_start must be a month from 1 to 12"),
    ])
    def test_frequency_checks_its_fields(self, kwargs: dict[str, object], message: str) -> None:
        with pytest.raises(cm.InvalidParameterError, match="^Frequency: " + message):
            cm.Frequency(**kwargs)  # type: ignore[arg-type]

    def test_frequency_takes_numpy_integers(self) -> None:
        assert cm.Frequency(np.int64(3), fiscal_start=np.int64(4)).name == "quarter-apr"  # type: ignore[arg-type]

    @pytest.mark.parametrize("window", ["10000000000000000000000000000000D", "36601D",
                                        "5229W", "1201M", "401Q", "101Y"])
    def test_windows_longer_than_a_hundred_years(self, window: str) -> None:
        events = {"customer_id": ["a"], "user_id": [1], "at": ["2024-03-01"]}
        call = (cm.active_users if window[-1] in "DW" else cm.lifetime_value)
        data = events if window[-1] in "DW" else SUBS
        with pytest.raises(cm.InvalidParameterError,
                           match=r": window must be at most 100 years \(36,600 days or 1,200 "
                                 r"months\), got '"):
            call(data, "2024-03", window=window)

    def test_a_huge_bare_number_is_refused_before_its_deprecation_warning(self) -> None:
        with pytest.raises(cm.InvalidParameterError, match="got 1000000000000000000000000000000"):
            cm.nrr_series(SUBS, "2024-02", "2024-03", window=10**30)

    def test_a_hundred_years_is_still_a_window(self) -> None:
        with pytest.warns(cm.UndefinedMetricWarning, match="zero churn"):
            assert cm.lifetime_value(SUBS, "2024-03", window="100Y")["customers"][0] == 3


class TestNameFilters:
    PLANS = (r"plans must be a plan name or a list of plan names \(None for spans without a "
             r"plan\), or None, got ")

    @pytest.mark.parametrize("plans", [3, 1.5, True, object(), [["p"]], {"p": 1}, [3]])
    def test_seats_at_plans(self, plans: object) -> None:
        with pytest.raises(cm.InvalidParameterError, match="^seats_at: " + self.PLANS):
            cm.seats_at(subs(quantity=[1, 2, 3]), "2024-03", plans=plans)  # type: ignore[arg-type]

    def test_license_utilization_plans(self) -> None:
        events = {"customer_id": ["a"], "user_id": [1], "at": ["2024-03-01"]}
        with pytest.raises(cm.InvalidParameterError, match="^license_utilization: " + self.PLANS):
            cm.license_utilization(events, subs(quantity=[1, 2, 3]), "2024-03",
                                   plans=3)  # type: ignore[arg-type]

    def test_one_plan_several_and_the_plan_less(self) -> None:
        seats = subs(quantity=[1, 2, 3], plan=["p", "q", None])
        assert float(cm.seats_at(seats, "2024-03", plans="p")) == 1
        assert float(cm.seats_at(seats, "2024-03", plans=("p", None))) == 4
        assert float(cm.seats_at(seats, "2024-03", plans=np.array(["p", "q"]))) == 3

    def test_features(self) -> None:
        events = {"customer_id": ["a"], "user_id": [1], "at": ["2024-03-01"], "feature": ["x"]}
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^adoption_breadth: features must be a list of feature names "
                                 r"\(for one feature use feature_adoption\(\)\), got \[\['x'\]\]"):
            cm.adoption_breadth(events, "2024-03", features=[["x"]])
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^account_signals: key_features must be a list of feature "
                                 r"names, or None, got \[3\]"):
            cm.account_signals(usage=events, at="2024-03", key_features=[3])
        with pytest.raises(cm.InvalidParameterError, match=r"^feature_adoption: feature must be"):
            cm.feature_adoption(events, "2024-03", feature=3)  # type: ignore[arg-type]


class TestSeeds:
    SEED = r"seed must be None, a whole number >= 0 or a numpy Generator, got "

    @pytest.mark.parametrize("seed", [-1, 1.5, "x", True, [1]])
    def test_bootstrap_seed(self, seed: object) -> None:
        with pytest.raises(cm.InvalidParameterError, match="^net_promoter_score: " + self.SEED):
            cm.net_promoter_score([10, 9, 3], interval="bootstrap",
                                  seed=seed)  # type: ignore[arg-type]

    @pytest.mark.parametrize("seed", [None, 0, np.int64(7), 2**70, np.random.default_rng(1)],
                             ids=["none", "zero", "numpy", "big", "generator"])
    def test_what_a_seed_may_be(self, seed: object) -> None:
        result = cm.net_promoter_score([10, 9, 3, 0], interval="bootstrap", n_resamples=50,
                                       seed=seed)  # type: ignore[arg-type]
        assert -100 <= float(result) <= 100


class TestExchangeRates:
    RATE = r"must be a number between 1e-09 and 1000000000 \(inclusive\), got "

    @pytest.mark.parametrize("rate", [-1, 0, float("nan"), float("inf"), "x", None, True, 1e300,
                                      1e-300, [1.1]])
    def test_a_constant_rate(self, rate: object) -> None:
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^FxRates\.constant: rates\['EUR'\] " + self.RATE):
            cm.FxRates.constant({"EUR": rate}, reporting_currency="USD")  # type: ignore[dict-item]

    @pytest.mark.parametrize("rates", [None, [("EUR", 1.1)], "EUR"])
    def test_constant_rates_that_are_not_a_mapping(self, rates: object) -> None:
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^FxRates\.constant: rates must be a mapping from currency "
                                 r"code to rate"):
            cm.FxRates.constant(rates, reporting_currency="USD")  # type: ignore[arg-type]

    def test_constant_rates_name_each_currency_once(self) -> None:
        with pytest.raises(cm.InvalidParameterError, match="rates gives EUR twice"):
            cm.FxRates.constant({"eur": 1.1, "EUR": 1.2}, reporting_currency="USD")
        with pytest.raises(cm.InvalidParameterError,
                           match=r"rates\['USD'\] must be 1 \(USD is the reporting currency\)"):
            cm.FxRates.constant({"USD": 2.0}, reporting_currency="USD")
        assert repr(cm.FxRates.constant({"USD": 1, "EUR": 1.1}, reporting_currency="usd")) == (
            "FxRates(2 rates into USD: EUR, USD)")

    def test_a_huge_rate_no_longer_overflows_into_a_negative_mrr(self) -> None:
        billed = {"customer_id": ["a"], "start": ["2024-01-01"], "amount": [10.0],
                  "currency": ["EUR"]}
        with pytest.raises(cm.InvalidParameterError, match="got 1e"):
            cm.mrr(billed, "2024-03", fx=cm.FxRates.constant({"EUR": 1e300},
                                                             reporting_currency="USD"))

    @pytest.mark.parametrize(("column", "values", "rule"), [
        ("rate", ["x"], "must be a number"),
        ("rate", [-1.0], "must be a finite number > 0, from 1e-09 to 1,000,000,000"),
        ("rate", [1e300], "must be a finite number > 0, from 1e-09 to 1,000,000,000"),
        ("rate", [float("nan")], "must be a finite number > 0, from 1e-09"),
        ("currency", [("EUR",)], "must be a scalar"),
        ("currency", [None], "must not be missing"),
        ("currency", ["EURO"], "must be a known ISO 4217 currency code"),
        ("date", ["soon"], "must be a date"),
    ])
    def test_dated_rates(self, column: str, values: list[object], rule: str) -> None:
        data: dict[str, list[object]] = {"date": ["2024-01-01"], "currency": ["EUR"],
                                         "rate": [1.1]}
        data[column] = values
        with pytest.raises(cm.DataValidationError,
                           match=rf"^FxRates\.from_columns: column '{column}' {rule}"):
            cm.FxRates.from_columns(data, reporting_currency="USD")

    def test_dated_rates_of_several_lengths_or_without_a_column(self) -> None:
        with pytest.raises(cm.InvalidParameterError, match="columns must all have one length"):
            cm.FxRates.from_columns({"date": ["2024-01-01"], "currency": ["EUR", "GBP"],
                                     "rate": [1.1]}, reporting_currency="USD")
        with pytest.raises(cm.ColumnNotFoundError, match="column 'rate' not found"):
            cm.FxRates.from_columns({"date": ["2024-01-01"], "currency": ["EUR"]},
                                    reporting_currency="USD")
        with pytest.raises(cm.DataValidationError, match="column 'rate' must be 1 for USD"):
            cm.FxRates.from_columns({"date": ["2024-01-01"], "currency": ["USD"],
                                     "rate": [1.1]}, reporting_currency="USD")


class TestCSVFiles:
    """The hostile files of the review, through the readers and the command line."""

    FILES: ClassVar[dict[str, bytes]] = {
        "ok": b"customer_id,start,end,amount\na,2024-01-01,,100\n",
        "empty": b"",
        "header": b"customer_id,start,end,amount\n",
        "binary": bytes(range(256)) * 4,
        "utf16": "customer_id,start,amount\na,2024-01-01,10\n".encode("utf-16"),
        "latin1": "customer_id,start,amount\na,2024-01-01,10\nb\xe9,2024-01-01,5\n".encode(
            "latin-1"),
        "ragged": b"customer_id,start,end,amount\na,2024-01-01,,100,extra\n",
        "semicolons": b"customer_id;start;end;amount\na;2024-01-01;;100\n",
        "repeated": b"customer_id,start,end,amount,amount\na,2024-01-01,,100,200\n",
        "utf16le": "customer_id,start,amount\na,2024-01-01,10\n".encode("utf-16-le"),
    }

    def write(self, tmp_path: Any, name: str) -> str:
        path = tmp_path / f"{name}.csv"
        path.write_bytes(self.FILES[name])
        return str(path)

    @pytest.mark.parametrize(("name", "message"), [
        ("binary", r"binary\.csv: line 2: not utf-8-sig text \(byte b'\\x80' cannot be "
                   r"decoded\); it does not look like a text file\.$"),
        ("utf16", r"line 1: not utf-8-sig text .*; it is UTF-16 \(it starts with a UTF-16 "
                  r"byte-order mark\): save it as UTF-8, or read it with encoding='utf-16'\.$"),
        ("latin1", r"latin1\.csv: line 3: not utf-8-sig text \(byte b'\\xe9' cannot be "
                   r"decoded\); save it as UTF-8"),
        ("semicolons", r"line 1 is one column holding semicolons"),
        ("ragged", r"line 2 has 5 cells but the header has 4"),
        ("repeated", r"the header repeats column 'amount'"),
        ("empty", r"the file is empty \(no header line\)"),
        ("utf16le", r"line 1 holds NUL characters: the file is not text in this encoding"),
    ])
    def test_a_file_that_is_not_a_csv_table(self, tmp_path: Any, name: str,
                                            message: str) -> None:
        with pytest.raises(cm.io.CSVFormatError, match=message):
            cm.read_subscriptions_csv(self.write(tmp_path, name))

    def test_the_right_encoding_reads_them(self, tmp_path: Any) -> None:
        assert len(cm.read_subscriptions_csv(self.write(tmp_path, "utf16"),
                                             encoding="utf-16")) == 1
        assert len(cm.read_subscriptions_csv(self.write(tmp_path, "latin1"),
                                             encoding="latin-1")) == 2

    def test_a_header_alone_is_an_empty_table(self, tmp_path: Any) -> None:
        assert len(cm.read_subscriptions_csv(self.write(tmp_path, "header"))) == 0

    def test_files_that_cannot_be_opened(self, tmp_path: Any) -> None:
        with pytest.raises(cm.io.CSVFileNotFoundError, match=r"missing\.csv: no such file\.$"):
            cm.read_subscriptions_csv(tmp_path / "missing.csv")
        with pytest.raises(FileNotFoundError):  # still the built-in a caller expects
            cm.read_usage_csv(tmp_path / "missing.csv")
        with pytest.raises(cm.io.CSVFileError) as info:
            cm.read_surveys_csv(tmp_path)
        assert isinstance(info.value, OSError)
        assert isinstance(info.value, cm.CSMetricsError)

    @pytest.mark.parametrize(("option", "value", "message"), [
        ("encoding", "nope", r"encoding must be a text encoding such as 'utf-8'"),
        ("encoding", "rot13", r"encoding must be a text encoding"),
        ("encoding", None, r"encoding must be a text encoding"),
        ("date_format", 5, r"date_format must be a strptime format of dates such as "
                           r"'%d/%m/%Y', or None, got 5\.$"),
        ("date_format", "%Q", r"date_format must be a strptime format"),
        ("date_format", "at noon", r"date_format must be a strptime format"),
        ("columns", ["customer_id"], r"columns must be a mapping from field name to column "
                                     r"name, such as \{'customer_id': 'Customer ID'\}, or None"),
        ("columns", {"customer_id": 5}, r"columns must be a mapping"),
        ("path", None, r"path must be a file path \(str or Path\), or '-' for standard input"),
        ("progress", "yes", r"progress must be True, False or None"),
    ])
    def test_bad_options(self, tmp_path: Any, option: str, value: object, message: str) -> None:
        kwargs: dict[str, object] = {"path": self.write(tmp_path, "ok"), option: value}
        with pytest.raises(cm.InvalidParameterError, match=r"^read_subscriptions_csv: " + message):
            cm.read_subscriptions_csv(**kwargs)  # type: ignore[arg-type]

    def test_the_generic_reader_checks_its_table(self, tmp_path: Any) -> None:
        with pytest.raises(cm.InvalidParameterError, match=r"^read_table_csv: kind must be "):
            cm.io.read_table_csv(dict, self.write(tmp_path, "ok"),  # type: ignore[type-var]
                                 fields=("customer_id",))

    @pytest.mark.parametrize("name", sorted(FILES))
    @pytest.mark.parametrize("command", ["report", "mrr", "nps"])
    def test_the_command_line_never_prints_a_traceback(
            self, tmp_path: Any, capsys: pytest.CaptureFixture[str], name: str,
            command: str) -> None:
        from csmetrics.cli import main

        option = "--surveys" if command == "nps" else "--subscriptions"
        code = main([command, option, self.write(tmp_path, name)])
        err = capsys.readouterr().err
        assert "Traceback" not in err
        if name == "ok" and command != "nps":
            assert code == 0
        else:
            assert code in (1, 2)
            assert err.startswith(f"csmetrics {command}: ")
            assert err.count("\n") == 1

    def test_the_command_line_names_a_file_with_only_a_header(
            self, tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
        from csmetrics.cli import main

        assert main(["report", "--subscriptions", self.write(tmp_path, "header")]) == 2
        assert "header.csv: the file has a header but no rows" in capsys.readouterr().err

    def test_an_unexpected_error_is_one_line_and_exit_code_3(
            self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        import csmetrics.cli as cli

        def broken(args: object) -> str:
            raise ZeroDivisionError("division by zero")

        monkeypatch.setitem(cli.__dict__, "_run_report", broken)
        assert cli.main(["report", "--demo"]) == 3
        assert capsys.readouterr().err == (
            "csmetrics report: unexpected error (ZeroDivisionError: division by zero); this is "
            "a bug in csmetrics, please report it.\n")


class TestShiftedBetaGeometric:
    SBG = cm.ShiftedBetaGeometric

    @pytest.mark.parametrize("survivors", [["a", "b"], ["100", "90"], [True, False], {"a": 1},
                                           [[100, 90], ["a"]]],
                             ids=["text", "numeric-text", "bools", "dict", "ragged-text"])
    def test_survivors_that_are_not_counts(self, survivors: object) -> None:
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^ShiftedBetaGeometric\.fit: survivors must be a number or an "
                                 r"array of numbers, got "):
            self.SBG.fit(survivors)

    @pytest.mark.parametrize(("survivors", "rule"), [
        ([100, np.nan, 50], "must have no gap"),
        ([100, -5, -6], "must be finite and >= 0"),
        ([100, 120, 90], "must not increase from one period to the next"),
        ([0, 0], "must start with a count > 0"),
    ])
    def test_counts_that_break_a_rule(self, survivors: list[float], rule: str) -> None:
        with pytest.raises(cm.DataValidationError, match=f"column 'survivors' {rule}"):
            self.SBG.fit(survivors)

    def test_cohorts_of_several_lengths_still_fit(self) -> None:
        fitted = self.SBG.fit([[1000, 631, 468, 382, 326, 289], [1000, 640, 470]])
        assert fitted.n_customers == 2000

    def test_huge_horizons_and_histories(self) -> None:
        model = self.SBG(0.7, 3.8)
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^ShiftedBetaGeometric\.projection: periods must be None or a "
                                 r"whole number from 1 to 10,000, got 1000000000\.$"):
            model.projection(10**9)
        assert len(model.projection(10_000)) == 10_001
        with pytest.raises(cm.DataValidationError,
                           match="column 'durations' must be at most 10,000 periods"):
            self.SBG.fit(durations=[10**12, 1], churned=[True, False])
        with pytest.raises(cm.InvalidParameterError, match="at most 10,000 periods, got 19,999"):
            self.SBG.fit(np.linspace(100, 50, 20_000))

    def test_the_model_answers_numbers_only(self) -> None:
        model = self.SBG(1.0, 1.0)
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^survival: t must be a number or an array of numbers, got "
                                 r"'3'\.$"):
            model.survival("3")  # type: ignore[arg-type]
        with pytest.raises(cm.InvalidParameterError, match="durations must be numbers"):
            self.SBG.fit(durations=["1", "2"], churned=[True, False])


class TestOptionModels:
    """Option models raise InvalidParameterError, listing every field error, never pydantic's
    ValidationError (which is no CSMetricsError)."""

    @pytest.mark.parametrize(("build", "message"), [
        (lambda: cm.MetricPolicy(reactivation_window_days=-1),
         r"^MetricPolicy: reactivation_window_days must be greater than or equal to 0, got -1\.$"),
        (lambda: cm.MetricPolicy(free_customers="maybe", same_period_churn="often"),
         r"^MetricPolicy: free_customers must be 'churned' or 'customers', got 'maybe'; "
         r"same_period_churn must be a valid boolean, got 'often'\.$"),
        (lambda: cm.AdoptionRule(foo=1),
         r"^AdoptionRule: foo is not an option \(the options are min_active_days, period_days, "),
        (lambda: cm.AdoptionRule(min_active_days=9),
         r"^AdoptionRule: min_active_days \(9\) cannot exceed period_days \(7\)\.$"),
        (lambda: cm.Milestone(features=3), r"^Milestone: features must be a valid tuple, got 3"),
        (lambda: cm.Linear(low="a", high=1), r"^Linear: low must be a valid number, got 'a'\.$"),
        (lambda: cm.Linear(low=1), r"^Linear: high is required\.$"),
        (lambda: cm.Steps(thresholds=[1, 0], points=[0, 1, 2]),
         r"^Steps: thresholds must increase, got \[1\.0, 0\.0\]\.$"),
        (lambda: cm.NamedBands(points={}), r"^NamedBands: points must have at least 1 item"),
        (lambda: cm.MissingPolicy(fill="bogus"),
         r"^MissingPolicy: fill must be 'renormalize', 'zero' or 'neutral', got 'bogus'\.$"),
        (lambda: cm.HealthScorecard(measures=[]), r"^HealthScorecard: measures must have at "),
        (lambda: cm.Measure(name="x", rule={"kind": "nope"}),
         r"^Measure: rule is not valid \(input tag 'nope' found using 'kind'"),
        (lambda: cm.Band(name="red", low=5, high=1), r"^Band: band 'red': needs low < high"),
        (lambda: cm.Band.parse("red", "[0, x]"),
         r"^band 'red': the edges of '\[0, x\]' must be numbers"),
        (lambda: cm.HealthScorecard(measures=[cm.Measure(name="u", rule=cm.Linear(low=0, high=1))],
                                    bands={"red": "[0, 60]", "green": "[50, 100]"}),
         r"^HealthScorecard: bands: bands red \[0, 60\] and green \[50, 100\] overlap\.$"),
    ])
    def test_building(self, build: Any, message: str) -> None:
        with pytest.raises(cm.InvalidParameterError, match=message):
            build()

    def test_positional_arguments_are_a_signature_error(self) -> None:
        with pytest.raises(cm.SignatureError,
                           match=r"^Band: takes keyword arguments only \(name, low, high, "
                                 r"closed\), got 2 positional\.$"):
            cm.Band("red", "[0, 1]")  # type: ignore[call-arg]

    def test_validating_mappings_and_json(self) -> None:
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^MetricPolicy: free_customers must be 'churned' or "
                                 r"'customers', got 1; foo is not an option"):
            cm.MetricPolicy.model_validate({"free_customers": 1, "foo": 2})
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^HealthScorecard: the JSON is not valid \(EOF while parsing"):
            cm.HealthScorecard.model_validate_json("{")
        nested = ('{"measures": [{"name": "u", "rule": {"kind": "linear", "low": "a", '
                  '"high": 1}}]}')
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^HealthScorecard: measures\.0: Measure: rule\.linear: Linear: "
                                 r"low must be a valid number, got 'a'\.$"):
            cm.HealthScorecard.model_validate_json(nested)
        with pytest.raises(cm.InvalidParameterError, match="must be a valid integer, got 'x'"):
            cm.MetricPolicy.model_validate_strings({"reactivation_window_days": "x"})

    def test_frozen_models_refuse_assignment(self) -> None:
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^MetricPolicy: free_customers cannot be changed: the model is "
                                 r"frozen \(build a changed copy with "
                                 r"model_copy\(update=\.\.\.\)\)"):
            cm.MetricPolicy().free_customers = "customers"  # type: ignore[misc]

    def test_they_stay_pydantic_models(self) -> None:
        import pydantic

        card = cm.standard_scorecard()
        assert isinstance(card, pydantic.BaseModel)
        assert isinstance(cm.MetricPolicy.maxio(), pydantic.BaseModel)
        assert cm.HealthScorecard.model_validate_json(card.model_dump_json()) == card
        assert cm.MetricPolicy.model_validate({"free_customers": "customers"}).free_customers == (
            "customers")


class TestAccountSignalsWindows:
    SUBS: ClassVar[list[cm.Subscription]] = [
        cm.Subscription(customer_id="a", start="2024-01-01", amount=10, quantity=2)]
    EVENTS: ClassVar[dict[str, list[object]]] = {
        "customer_id": ["a", "a"], "user_id": [1, 2], "at": ["2024-12-20", "2024-12-01"],
        "feature": ["x", "y"]}

    @pytest.mark.parametrize(("option", "value", "message"), [
        ("survey_window", "6M", r"survey_window must be in days or weeks here"),
        ("survey_window", "10000000000D", r"survey_window must be at most 100 years"),
        ("mrr_window", "30D", r"mrr_window must be in months, quarters or years here"),
        ("mrr_window", "0M", r"mrr_window must be a length with its unit"),
        ("window", "6M", r"window must be in days or weeks here"),
    ])
    def test_messages_name_the_parameter_given(self, option: str, value: str,
                                               message: str) -> None:
        with pytest.raises(cm.InvalidParameterError, match=r"^account_signals: " + message):
            cm.account_signals(self.SUBS, "2024-12", usage=self.EVENTS, **{option: value})

    def test_a_bare_number_warns_once_under_its_name(self) -> None:
        import warnings

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cm.account_signals(self.SUBS, "2024-12", usage=self.EVENTS, window=30)
        deprecations = [str(w.message) for w in caught if w.category is DeprecationWarning]
        assert deprecations == ["account_signals: window=30 (a bare number) is deprecated and "
                                "will be removed in 0.3; write the unit: window='30D'."]
        with pytest.warns(DeprecationWarning, match=r"survey_window=90 \(a bare number\) .* "
                                                     r"write the unit: survey_window='90D'"):
            cm.account_signals(self.SUBS, at="2024-12", survey_window=90)

    def test_the_same_signals_as_with_the_unit(self) -> None:
        with pytest.warns(DeprecationWarning, match="window=30"):
            old = cm.account_signals(self.SUBS, "2024-12", usage=self.EVENTS, window=30)
        new = cm.account_signals(self.SUBS, "2024-12", usage=self.EVENTS, window="30D")
        assert old.to_dict() == new.to_dict()

    def test_at_is_read_with_the_function_name(self) -> None:
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^account_signals: cannot read '2024-13' as a period"):
            cm.account_signals(self.SUBS, at="2024-13")

    def test_the_window_helpers_take_the_name(self) -> None:
        from csmetrics.periods.windows import Window, window_days, window_months

        with pytest.raises(cm.InvalidParameterError, match=r"^demo: horizon must be a length "):
            Window.parse("soon", "demo", name="horizon")
        with pytest.raises(cm.InvalidParameterError, match=r"^demo: span must be in days"):
            window_days("3M", "demo", name="span")
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^demo: lookback '4M' is not a whole number of 3-month"):
            window_months("4M", "demo", per=3, name="lookback")


def test_customers_lists_hold_ids() -> None:
    events = {"customer_id": ["a"], "user_id": [1], "at": ["2024-03-01"]}
    with pytest.raises(cm.InvalidParameterError,
                       match=r"^active_users: customers must be ids \(text or numbers\), not "
                             r"lists, tuples, sets or dicts \(at position 1\)\.$"):
        cm.active_users(events, "2024-03", customers=["a", ("b", 1)])
    with pytest.raises(cm.InvalidParameterError, match=r"\(at positions 0, 1\)"):
        cm.open_tickets({"customer_id": ["a"], "opened_at": ["2024-03-01"]}, "2024-03",
                        customers=[["a"], ["b"]])


class TestMoreOptions:
    """Found by a sweep of the other public functions and methods with hostile values."""

    @pytest.mark.parametrize("low", ["x", None, [1], b"1", True])
    def test_survey_scales_are_numbers(self, low: object) -> None:
        with pytest.raises(cm.InvalidParameterError, match=r"^a scale is \(low, high\) numbers"):
            cm.SurveyScale(low, 10)  # type: ignore[arg-type]

    def test_survey_scales_given_as_something_else(self) -> None:
        answers = {"customer_id": ["a"], "survey": ["x"], "score": [1],
                   "submitted_at": ["2024-01-01"]}
        with pytest.raises(cm.InvalidParameterError, match=r"scales= must be a mapping"):
            cm.SurveyTable.from_columns(answers, scales=[(1, 5)])  # type: ignore[arg-type]

    @pytest.mark.parametrize("segments", [5, "region", [1], [["region"]], None])
    def test_segments_are_column_names(self, segments: object) -> None:
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^SubscriptionTable\.from_columns: segments= must be a list of "
                                 r"column names, such as \['region'\], got "):
            cm.SubscriptionTable.from_columns(SUBS, segments=segments)  # type: ignore[arg-type]

    def test_declared_features_are_a_list(self) -> None:
        events = {"customer_id": ["a"], "user_id": [1], "at": ["2024-01-01"]}
        with pytest.raises(cm.InvalidParameterError, match="features= must be a list of the"):
            cm.UsageTable.from_columns(events, features=5)  # type: ignore[arg-type]

    @pytest.mark.parametrize(("indices", "message"), [
        ("x", "indices must be row positions"), ([0.5], "indices must be row positions"),
        ([[0], [1, 2]], "indices must be row positions"), (None, "indices must be row positions"),
        ([10**30], "indices must be row positions"), ([3], r"row positions must be from -3 to 2"),
        ([True, False], r"a boolean mask needs one value per row \(3\), got 2"),
    ])
    def test_take(self, indices: object, message: str) -> None:
        table = cm.SubscriptionTable.from_columns(SUBS)
        with pytest.raises(cm.InvalidParameterError, match=r"^SubscriptionTable\.take: " + message):
            table.take(indices)  # type: ignore[arg-type]
        assert len(table.take([-1, 0])) == 2
        assert len(table.take([])) == 0

    @pytest.mark.parametrize("records", [5, None, "a,b", {"customer_id": "a"}])
    def test_records_must_be_a_list(self, records: object) -> None:
        with pytest.raises(cm.InvalidParameterError,
                           match=r"^SubscriptionTable\.from_records: records must be a list of "
                                 r"Subscription or of mappings of its fields"):
            cm.SubscriptionTable.from_records(records)  # type: ignore[arg-type]

    def test_durations_of_several_lengths(self) -> None:
        with pytest.raises(cm.InvalidParameterError, match="must be 1-d and of one length"):
            cm.kaplan_meier([[1], [2, 3]], [1, 0])

    def test_fx_rates_method(self) -> None:
        fx = cm.FxRates.constant({"EUR": 1.1}, reporting_currency="USD")
        with pytest.raises(cm.InvalidParameterError, match=r"^FxRates\.rates: currencies must"):
            fx.rates(5, np.array(["2024-01-01"], "datetime64[D]"))  # type: ignore[arg-type]


def test_a_measures_table_with_list_ids() -> None:
    measures = {"customer_id": [["a"], "b"], "utilization": [0.5, 0.6]}
    card = cm.HealthScorecard(measures=[cm.Measure(name="utilization",
                                                   rule=cm.Linear(low=0, high=1))])
    with pytest.raises(cm.DataValidationError,
                       match=r"column 'customer_id' must be a scalar \(text or a number\)"):
        card.score(measures)


def test_model_copy_validates_its_update() -> None:
    with pytest.raises(cm.InvalidParameterError,
                       match=r"^MetricPolicy: reactivation_window_days must be greater than or "
                             r"equal to 0, got -5\.$"):
        cm.MetricPolicy().model_copy(update={"reactivation_window_days": -5})
    assert cm.MetricPolicy().model_copy(update={"same_period_churn": True}).same_period_churn
    with pytest.raises(cm.InvalidParameterError, match=r"^AdoptionRule: min_active_days \(9\)"):
        cm.AdoptionRule().model_copy(update={"min_active_days": 9})


def test_a_report_draws_charts_on_a_yes_or_no() -> None:
    report = cm.Portfolio(subscriptions=SUBS).report("2024-03", months=2)
    with pytest.raises(cm.InvalidParameterError,
                       match=r"^PortfolioReport\.to_html: charts must be True, False or None, got "
                             r"'yes'\.$"):
        report.to_html(charts="yes")  # type: ignore[arg-type]


class TestRevenueArguments:
    SUBS: ClassVar = [cm.Subscription(customer_id="a", start="2024-01-01", amount=10)]

    def test_a_bad_period_names_the_function_called(self) -> None:
        with pytest.raises(cm.InvalidParameterError, match=r"^mrr: cannot read '2024-13'"):
            cm.mrr(self.SUBS, "2024-13")
        with pytest.raises(cm.InvalidParameterError, match=r"^logo_churn_rate: cannot read"):
            cm.logo_churn_rate(self.SUBS, "2024-01", "someday")

    def test_a_huge_trial_window_is_refused(self) -> None:
        with pytest.raises(cm.InvalidParameterError, match="within_days must be a whole number"):
            cm.trial_conversion_rate(self.SUBS, "2024-01", "2024-02", within_days=10**30)

    def test_a_reversed_rolling_window_is_refused(self) -> None:
        with pytest.raises(cm.InvalidParameterError, match="end '2024-01' is before start"):
            cm.nrr_series(self.SUBS, "2024-05", "2024-01")

    def test_container_labels_of_an_array_metric_are_refused(self) -> None:
        with pytest.raises(cm.InvalidParameterError, match="at positions 0, 2"):
            cm.kaplan_meier([1, 2, 3], [1, 0, 1], by=[(1, 2), "a", (3,)])

    def test_a_bootstrap_of_a_trillion_resamples_is_refused(self) -> None:
        with pytest.raises(cm.InvalidParameterError, match="n_resamples must be"):
            cm.net_promoter_score([9, 3], interval="bootstrap", n_resamples=10**12)


def test_rates_that_would_overflow_the_converted_mrr_are_refused() -> None:
    # 1.8e12 EUR a month at 1e9 USD per EUR is 1.8e23 cents: past int64, which would wrap.
    subs = cm.SubscriptionTable.from_columns(
        {"customer_id": ["a", "b", "c"], "start": ["2024-01-01"] * 3,
         "amount": [9e11, 9e11, 5], "currency": ["EUR", "EUR", "USD"]})
    fx = cm.FxRates.constant({"EUR": 1e9, "USD": 1.0}, reporting_currency="USD")
    for call in (lambda: cm.mrr(subs, "2024-01", fx=fx),
                 lambda: cm.mrr_movements(subs, "2024-01", "2024-03", fx=fx)):
        with pytest.raises(cm.DataValidationError, match=r"in EUR, converted to USD") as info:
            call()
        assert info.value.positions == (0, 1)
    fine = cm.FxRates.constant({"EUR": 1.1, "USD": 1.0}, reporting_currency="USD")
    assert float(cm.mrr(subs, "2024-01", fx=fine)) == pytest.approx(1.98e12 + 5)


# --- issue 11: the error contract holds for every input ----------------------------------
# Each test reproduces the exact input of a defect listed in issue 11 ("Real data in").

ONE_ROW = {"start": ["2024-01-01"], "amount": [10.0]}
TWO_ROWS = {"start": ["2024-01-01", "2024-02-01"], "amount": [10.0, 20.0]}


def _record_rows() -> dict[str, tuple[Any, dict[str, Any]]]:
    return {
        "subscriptions": (cm.SubscriptionTable,
                          {"customer_id": "c0", "start": "2024-01-01", "amount": 10}),
        "usage": (cm.UsageTable, {"customer_id": "c0", "user_id": "u0",
                                  "at": "2024-01-01T10:00:00"}),
        "tickets": (cm.SupportTicketTable, {"customer_id": "c0",
                                            "opened_at": "2024-01-01T10:00:00"}),
        "payments": (cm.PaymentTable, {"customer_id": "c0", "date": "2024-01-01",
                                       "amount": 10}),
        "surveys": (cm.SurveyTable, {"customer_id": "c0", "survey": "nps", "score": 9,
                                     "submitted_at": "2024-01-01"}),
    }


RECORD_ROWS = _record_rows()


class TestIssue11ContainersInIdCells:
    def test_a_tuple_id_in_one_row_columns_is_refused_not_two_rows(self) -> None:
        with pytest.raises(cm.DataValidationError, match="column 'customer_id' must be a "
                           "scalar"):
            cm.SubscriptionTable.from_columns({"customer_id": [(1, 2)], **ONE_ROW})

    def test_list_ids_against_two_row_columns_are_refused_not_four_rows(self) -> None:
        with pytest.raises(cm.DataValidationError, match="column 'customer_id' must be a "
                           "scalar") as info:
            cm.SubscriptionTable.from_columns({"customer_id": [[1, 2], [3, 4]], **TWO_ROWS})
        assert (info.value.count, info.value.n_rows) == (2, 2)

    def test_skipping_keeps_the_row_count(self) -> None:
        t = cm.SubscriptionTable.from_columns({"customer_id": [[1, 2], "c"], **TWO_ROWS},
                                              errors="skip")
        assert (len(t), t.skipped.to_dict()["row"]) == (1, [0])


def test_issue11_a_duplicated_customer_id_column_of_a_dataframe_is_refused() -> None:
    df = pd.DataFrame([["a", "b", "2024-01-01", 5.0]],
                      columns=["customer_id", "customer_id", "start", "amount"])
    with pytest.raises(cm.DataValidationError, match="several columns named 'customer_id'"):
        cm.SubscriptionTable.from_columns(df)


class TestIssue11RawErrors:
    @pytest.mark.parametrize("column", ["customer_id", "plan"])
    def test_non_ascii_bytes_in_a_text_column(self, column: str) -> None:
        cols = {"customer_id": ["a"], **ONE_ROW, column: [b"\xff\xfe"]}
        with pytest.raises(cm.DataValidationError, match=f"column '{column}' must be text or "
                           "a whole number"):
            cm.SubscriptionTable.from_columns(cols)
        record = {"customer_id": "a", "start": "2024-01-01", "amount": 1, column: b"\xff\xfe"}
        with pytest.raises(cm.DataValidationError, match=f"column '{column}'"):
            cm.SubscriptionTable.from_records([record])

    @pytest.mark.parametrize("column", ["amount", "quantity"])
    def test_an_integer_beyond_float64(self, column: str) -> None:
        cols = {"customer_id": ["a"], **ONE_ROW, column: [10**400]}
        with pytest.raises(cm.DataValidationError, match=f"column '{column}' must be finite"):
            cm.SubscriptionTable.from_columns(cols)
        record = {"customer_id": "a", "start": "2024-01-01", "amount": 1, column: 10**400}
        # The same rule in the records' words: "must be finite" (or "a finite number").
        with pytest.raises(cm.DataValidationError,
                           match=f"column '{column}' must be (a )?finite"):
            cm.SubscriptionTable.from_records([record])

    @pytest.mark.parametrize(("kind", "column"), [
        ("surveys", "score"), ("surveys", "weight"), ("payments", "amount"),
        ("usage", "duration_s")])
    def test_an_integer_beyond_float64_in_the_other_tables(self, kind: str,
                                                           column: str) -> None:
        table, row = RECORD_ROWS[kind]
        for build in (lambda: table.from_records([{**row, column: 10**400}]),
                      lambda: table.from_columns({k: [v] for k, v in
                                                  {**row, column: 10**400}.items()})):
            with pytest.raises(cm.DataValidationError, match=f"column '{column}'"):
                build()

    def test_a_list_in_a_text_cell_names_its_column(self) -> None:
        with pytest.raises(cm.DataValidationError, match="column 'plan' must be a scalar"):
            cm.SubscriptionTable.from_columns({"customer_id": ["a"], **ONE_ROW,
                                               "plan": [["x"]]})

    def test_nested_lists_in_timestamps(self) -> None:
        with pytest.raises(cm.DataValidationError, match="column 'at'"):
            cm.UsageTable.from_columns({"customer_id": ["a"], "user_id": ["u"],
                                        "at": [[["2024-01-01T10:00:00"]]]})
        with pytest.raises(cm.DataValidationError, match="column 'start'"):
            cm.SubscriptionTable.from_columns({"customer_id": ["a", "b"],
                                               "start": [["2024-01-01"], ["2024-01-01"]],
                                               "amount": [1, 1]})

    @pytest.mark.parametrize("column", ["customer_id", "start", "amount"])
    def test_a_pyarrow_list_column(self, column: str) -> None:
        values = {"customer_id": ["a"], "start": ["2024-01-01"], "amount": [1.0]}
        values[column] = [[values[column][0]]]
        with pytest.raises(cm.CSMetricsError, match=f"'{column}'"):
            cm.SubscriptionTable.from_columns(pa.table(values))

    @pytest.mark.parametrize("kind", list(RECORD_ROWS))
    def test_pandas_nat_in_records(self, kind: str) -> None:
        table, row = RECORD_ROWS[kind]
        required = {"subscriptions": "start", "usage": "at", "tickets": "opened_at",
                    "payments": "date", "surveys": "submitted_at"}[kind]
        with pytest.raises(cm.DataValidationError, match=f"column '{required}'"):
            table.from_records([{**row, required: pd.NaT}])

    @pytest.mark.parametrize(("kind", "column"), [("subscriptions", "end"),
                                                  ("tickets", "resolved_at")])
    def test_pandas_nat_in_an_optional_date_of_a_record_is_missing(self, kind: str,
                                                                   column: str) -> None:
        table, row = RECORD_ROWS[kind]
        with_nat = table.from_records([{**row, column: pd.NaT}])
        without = table.from_records([row])
        assert with_nat.to_dict() == without.to_dict()

    @pytest.mark.parametrize("kind", list(RECORD_ROWS))
    def test_records_that_are_none(self, kind: str) -> None:
        table, _ = RECORD_ROWS[kind]
        with pytest.raises(cm.InvalidParameterError, match="records must be a list"):
            table.from_records(None)


class TestIssue11Periods:
    @pytest.mark.parametrize("text", ["0000-01", "9999-12", "0000", "0000-Q1", "10000-01"])
    def test_periods_beyond_the_calendar_are_refused(self, text: str) -> None:
        with pytest.raises(cm.InvalidParameterError):
            cm.Period.parse(text)

    @pytest.mark.parametrize("at", ["0000-01", "9999-12"])
    def test_metrics_refuse_them_by_name(self, at: str) -> None:
        with pytest.raises(cm.InvalidParameterError, match=f"mrr: '{at}' is outside"):
            cm.mrr(subs(), at)

    @pytest.mark.parametrize("first_month", [(0 - 1970) * 12, (9999 - 1970) * 12])
    def test_period_objects_stay_within_years_1_to_9998(self, first_month: int) -> None:
        freq = cm.Period.parse("2024-01").freq
        with pytest.raises(cm.InvalidParameterError, match="years 1 to 9998"):
            cm.Period(first_month, freq)

    def test_the_last_period_object_has_an_end(self) -> None:
        last = cm.Period((9998 - 1970) * 12 + 11, cm.Period.parse("2024-01").freq)
        assert str(last.end) == "9998-12-31"
        with pytest.raises(cm.InvalidParameterError):
            last + 1

    @pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31"])
    def test_table_dates_outside_the_range(self, day: str) -> None:
        with pytest.raises(cm.DataValidationError, match="column 'start' must be a date"):
            cm.SubscriptionTable.from_columns(subs(start=[day] * 3))


def test_issue11_column_not_found_with_a_column_that_is_not_text() -> None:
    assert str(cm.ColumnNotFoundError(None, ["a"])) == (  # type: ignore[arg-type]
        "column 'None' not found; available columns: 'a'.")
    assert "Did you mean '5x'" in str(cm.ColumnNotFoundError(5, ["5x"]))  # type: ignore[arg-type]


@pytest.mark.parametrize(("option", "value"), [("columns", {"customer_id": ["x"]}),
                                               ("date_format", 5)])
def test_issue11_csv_options_of_the_wrong_type(tmp_path: Any, option: str,
                                               value: object) -> None:
    path = tmp_path / "subs.csv"
    path.write_text("customer_id,start,amount\na,2024-01-01,5\n", encoding="utf-8")
    with pytest.raises(cm.InvalidParameterError, match=f"read_subscriptions_csv: {option}"):
        cm.read_subscriptions_csv(path, **{option: value})


class TestIssue11RecordModels:
    @pytest.mark.parametrize(("model", "fields", "said"), [
        (cm.Subscription, {"customer_id": "a", "start": "x", "amount": 1}, "start: must be a date"),
        (cm.Subscription, {"customer_id": "a", "start": "2024-01-01", "amount": -1},
         "amount: must be >= 0"),
        (cm.UsageEvent, {"customer_id": "a", "user_id": "u"}, "at is required"),
        (cm.Payment, {"customer_id": True, "date": "2024-01-01", "amount": 1},
         "customer_id: must be text or a whole number"),
        (cm.SupportTicket, {"customer_id": "a", "opened_at": "2024-01-01", "contacts": -1},
         "contacts must be greater than or equal to 0"),
        (cm.SurveyResponse, {"customer_id": "a", "survey": "nps", "score": "x",
                             "submitted_at": "2024-01-01"}, "score"),
    ])
    def test_direct_construction_raises_a_csmetrics_value_error(
            self, model: Any, fields: dict[str, Any], said: str) -> None:
        with pytest.raises(cm.InvalidParameterError, match=f"{model.__name__}: .*{said}") as info:
            model(**fields)
        assert isinstance(info.value, ValueError)

    def test_assignment_to_a_frozen_record(self) -> None:
        s = cm.Subscription(customer_id="a", start="2024-01-01", amount=1)
        with pytest.raises(cm.InvalidParameterError, match="amount cannot be changed"):
            s.amount = 2  # type: ignore[misc]

    def test_they_stay_pydantic_models(self) -> None:
        import pydantic

        s = cm.Payment(customer_id="a", date="2024-01-01", amount=1)
        assert isinstance(s, pydantic.BaseModel)
        assert cm.Payment.model_validate_json(s.model_dump_json()) == s
        with pytest.raises(pydantic.ValidationError):  # validation keeps pydantic's error
            cm.Payment.model_validate({"customer_id": "a"})


@pytest.mark.parametrize("kind", list(RECORD_ROWS))
def test_issue11_every_table_pickles_and_comes_back_the_same(kind: str) -> None:
    import pickle

    table, row = RECORD_ROWS[kind]
    built = table.from_records([row, {**row, "customer_id": "c1"}])
    back = pickle.loads(pickle.dumps(built))
    assert type(back) is table
    assert repr(back.to_dict()) == repr(built.to_dict())  # (repr: NaN equals NaN)
    assert not back.customer_codes.flags.writeable
    assert repr(back) == repr(built)


class TestIssue11Messages:
    def test_a_payment_table_length_mismatch_names_the_lengths(self) -> None:
        with pytest.raises(cm.InvalidParameterError, match="columns must all have one length; "
                           "'customer_id' has 2, 'date' has 1, 'amount' has 2") as info:
            cm.PaymentTable.from_columns({"customer_id": ["a", "b"], "date": ["2024-01-01"],
                                          "amount": [1, 2]})
        assert "rows )" not in str(info.value)

    @pytest.mark.parametrize(("amount", "quantity", "column"), [
        (1.0, 1e300, "'quantity'"), (1e300, 1.0, "'amount'"), (1e7, 1e7, "'amount, quantity'")])
    def test_a_monthly_amount_too_large_names_the_column_that_makes_it(
            self, amount: float, quantity: float, column: str) -> None:
        # 1e7 x 1e7 = 1e14 a month, beyond the 1e12 bound, though neither is alone.
        with pytest.raises(cm.DataValidationError,
                           match=f"column {column} must give a monthly amount below"):
            cm.SubscriptionTable.from_columns({"customer_id": ["a"], **ONE_ROW,
                                               "amount": [amount], "quantity": [quantity]})


class TestIssue11SimilarIds:
    @pytest.mark.parametrize("twin", ["c0\u200b", " c0", "c0 ", "c0\u00a0", "c0\u200d",
                                      "\ufeffc0", "\tc0"])
    def test_ids_that_differ_only_by_invisible_characters_warn(self, twin: str) -> None:
        with pytest.warns(cm.SimilarIdsWarning, match="column 'customer_id'") as caught:
            t = cm.SubscriptionTable.from_columns(subs(customer_id=["c0", twin, "c1"]))
        said = str(caught[0].message)
        assert repr(twin) in said
        assert "'c0'" in said
        assert caught[0].filename == __file__  # points at the caller's line
        assert t.n_customers == 3  # nothing changed silently

    def test_records_warn_too(self) -> None:
        rows = [{"customer_id": c, "start": "2024-01-01", "amount": 1} for c in ("c0", "c0 ")]
        with pytest.warns(cm.SimilarIdsWarning):
            cm.SubscriptionTable.from_records(rows)

    def test_the_other_tables_and_columns(self) -> None:
        with pytest.warns(cm.SimilarIdsWarning, match="column 'user_id'"):
            cm.UsageTable.from_columns({"customer_id": ["a", "a"], "user_id": ["u", "u\u200b"],
                                        "at": ["2024-01-01T00:00:00"] * 2})

    def test_ids_that_only_look_alike_to_a_person_do_not_warn(self) -> None:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("error", cm.SimilarIdsWarning)
            cm.SubscriptionTable.from_columns(subs(customer_id=["c0", "C0", "c 0"]))
            cm.SubscriptionTable.from_columns(subs(customer_id=["café", "cafe", "cafe!"]))


def test_integers_beyond_float_range_are_refused_options_not_overflow_errors() -> None:
    subs, tickets = cm.datasets.demo_portfolio(), cm.datasets.demo_tickets()
    huge = 10**400
    with pytest.raises(cm.InvalidParameterError):
        cm.mrr_forecast(subs, "2025-01", huge)
    with pytest.raises(cm.InvalidParameterError):
        cm.Goal("mrr", huge, baseline=1)
    with pytest.raises(cm.InvalidParameterError):
        cm.sla_attainment(tickets, "2024-12-31", targets=huge)
    with pytest.raises(cm.InvalidParameterError):
        cm.Portfolio(tickets=tickets, sla_targets={"urgent": -huge})


def test_one_sla_target_for_every_priority_in_the_report() -> None:
    # 48 hours for every ticket: the demo's p90 first responses are under 5 hours.
    report = cm.Portfolio(tickets=cm.datasets.demo_tickets(), sla_targets=48).report("2024-12")
    section = report["support"]
    assert section.table is not None
    assert all(v > 0.9 for v in section.table["sla_attainment"].tolist())
    assert any("every ticket: 48" in note for note in section.notes)
