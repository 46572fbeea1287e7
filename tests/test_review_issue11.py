"""Defects a fresh-eyes review of issue 11 found, each reproduced with the reviewer's input
and fixed (durations read as dates, a hint that guessed a format, a raw UnicodeError, a cell
reported twice, blank text scores, empty tables that hid their skipped rows, dates with a
zone word)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import csmetrics as cm
from csmetrics.io.csv import CSVFormatError, read_subscriptions_csv

BASE = {"customer_id": ["a", "b"], "amount": [1.0, 2.0], "start": ["2024-01-01"] * 2}


@pytest.mark.parametrize("column", [
    np.array([dt.timedelta(days=19723)] * 2, dtype="timedelta64[us]"),
    pa.array([dt.timedelta(days=19723)] * 2, type=pa.duration("us")),
], ids=["numpy", "arrow"])
def test_a_duration_is_not_a_date(column: object) -> None:
    # 19,723 days after 1970-01-01 is 2024-01-01: numpy would read the duration as that day.
    with pytest.raises(cm.DataValidationError, match="must be a date, not a duration"):
        cm.SubscriptionTable.from_columns({**BASE, "start": column})


def test_the_amount_hint_names_every_format_that_reads_the_cells_differently() -> None:
    # "1.200 €" is 1.2 in '1,234.56' and 1,200 in '1.234,56': naming one would be a guess.
    with pytest.raises(cm.DataValidationError) as info:
        cm.SubscriptionTable.from_columns({**BASE, "amount": ["1.200 €", "5"]})
    hint = info.value.problems[0].hint
    assert "amount_format='1,234.56'" in hint
    assert "amount_format='1.234,56'" in hint
    assert "the one they are written in" in hint
    # Cells every format reads alike ('$1200'): one format named, no ambiguity to resolve.
    with pytest.raises(cm.DataValidationError) as info:
        cm.SubscriptionTable.from_columns({**BASE, "amount": ["$1200", "5"]})
    assert info.value.problems[0].hint == ("These are amounts written as text: pass "
                                           "amount_format='1,234.56' to read them.")


def test_utf16_without_a_byte_order_mark_is_a_format_error(tmp_path: Path) -> None:
    # A UTF-8 file read as UTF-16: Python's decoder refuses it before naming any byte.
    path = tmp_path / "u8.csv"
    path.write_text("customer_id,start,amount\na,2024-01-01,5\n")
    with pytest.raises(CSVFormatError, match="not utf-16 text"):
        read_subscriptions_csv(path, encoding="utf-16")


def test_a_blank_interval_count_is_reported_once() -> None:
    with pytest.raises(cm.DataValidationError) as info:
        cm.SubscriptionTable.from_columns({**BASE, "interval_count": [None, 1]})
    assert [(p.column, p.rule) for p in info.value.problems] == [
        ("interval_count", "must not be missing (None/NaN)")]


def test_blank_text_scores_are_non_responses_on_every_path() -> None:
    cols = {"customer_id": ["a", "b", "c"], "survey": ["nps"] * 3, "score": ["", 9, "  "],
            "submitted_at": ["2024-01-01"] * 3}
    table = cm.SurveyTable.from_columns(cols)
    assert (len(table), table.non_responses) == (1, 2)
    records = [dict(zip(cols, row, strict=True)) for row in zip(*cols.values(), strict=True)]
    again = cm.SurveyTable.from_records(records)
    assert (len(again), again.non_responses) == (1, 2)
    # The one answer, a 9, is a promoter: NPS 100 on both paths.
    assert float(cm.net_promoter_score(table)) == float(cm.net_promoter_score(again)) == 100.0


def test_an_empty_table_still_says_what_it_skipped() -> None:
    subs = cm.SubscriptionTable.from_columns({**BASE, "amount": [-1, -2]}, errors="skip")
    assert repr(subs) == "SubscriptionTable(0 rows, 2 skipped)"
    nps = cm.SurveyTable.from_columns({"customer_id": ["a"], "survey": ["nps"],
                                       "score": [None], "submitted_at": ["2024-01-01"]})
    assert repr(nps) == "SurveyTable(0 responses, 1 non-response)"


def test_dates_with_the_zone_as_a_word() -> None:
    subs = cm.SubscriptionTable.from_columns(
        {**BASE, "start": ["2024-03-05 14:22:01 UTC", "2024-03-05 UTC"]})
    assert subs.start.tolist() == [dt.date(2024, 3, 5)] * 2


SURVEY = {"customer_id": ["a"], "survey": ["NPS Q1"], "score": [9],
          "submitted_at": ["2024-01-01"]}


@pytest.mark.parametrize(("names", "message"), [
    ({"NPS Q1": "nps", "nps q1": "csat"}, "map it once"),      # the last one won, silently
    ({"NPS Q1": "bogus"}, "no known scale"),                     # refused only with skip
])
def test_a_survey_name_mapping_that_cannot_be_meant_is_refused(names: dict[str, str],
                                                               message: str) -> None:
    with pytest.raises(cm.InvalidParameterError, match=message):
        cm.SurveyTable.from_columns(SURVEY, survey_names=names, errors="skip")


def test_survey_name_and_survey_names_together_are_refused() -> None:
    without = {k: v for k, v in SURVEY.items() if k != "survey"}
    with pytest.raises(cm.InvalidParameterError, match="give one"):
        cm.SurveyTable.from_columns(without, survey_name="nps", survey_names={"x": "nps"})


def test_the_cli_says_survey_problems_in_its_own_terms(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    from csmetrics.cli import main

    data = str(Path(__file__).parent / "data" / "delighted_nps.csv")
    assert main(["nps", "--surveys", data, "--preset", "delighted", "--survey-name",
                 "nope"]) == 2
    err = capsys.readouterr().err
    assert "scales=" not in err
    assert "the known surveys are ces, csat and nps" in err
    assert main(["report", "--surveys", data, "--preset", "delighted", "--survey-names",
                 "NPS Q1=bogus", "--errors", "skip", "--quiet"]) == 2
    assert "no known scale" in capsys.readouterr().err


def _stripe_file(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "stripe.csv"
    path.write_text("id,Customer ID,Amount,Currency,Interval,Status,Start (UTC),"
                    "Cancel At Period End,Current Period End (UTC),Ended At (UTC)\n"
                    + "".join(r + "\n" for r in rows))
    return path


def test_a_preset_refuses_flags_and_statuses_it_would_have_to_guess(tmp_path: Path) -> None:
    # "maybe" was read as false (so the row ran on forever), and a blank status as active.
    path = _stripe_file(tmp_path, [
        "sub_1,cus_1,10.00,usd,month,active,2024-01-05 10:00,maybe,2024-02-05 10:00,",
        "sub_2,cus_2,10.00,usd,month,,2024-01-05 10:00,false,,",
        "sub_3,cus_3,10.00,usd,month,active,2024-01-05 10:00,,,",
    ])
    from csmetrics.io.csv import CSVDataError

    with pytest.raises(CSVDataError) as info:
        read_subscriptions_csv(path, preset="stripe")
    got = {(p.column, p.lines) for p in info.value.problems}
    assert got == {("Cancel At Period End", (2,)), ("Status", (3,))}
    table = read_subscriptions_csv(path, preset="stripe", errors="skip")
    assert table.customer_ids.tolist() == ["cus_3"]


@pytest.mark.parametrize("fast", [True, False], ids=["pyarrow", "csv-module"])
def test_a_csv_keeps_id_cells_as_written_and_warns(tmp_path: Path, fast: bool) -> None:
    # Stripping merged ' c1', 'c1 ' and 'c1' into one customer without a word; the columns
    # path keeps them apart with a SimilarIdsWarning, and so does every reader now.
    path = tmp_path / "ids.csv"
    rows = "c1,2024-01-01, 10 \n c1,2024-01-01,10\nc1\u00a0,2024-01-01,10\n"
    if not fast:
        rows += "c2,2024-01-01\n"     # a short line: the csv module reads this file
    path.write_text("customer_id,start,amount\n" + rows, encoding="utf-8")
    with pytest.warns(cm.SimilarIdsWarning, match="' c1'"):
        table = read_subscriptions_csv(path, errors="raise" if fast else "skip")
    assert sorted(table.customer_ids.tolist())[:3] == [" c1", "c1", "c1\u00a0"]
    assert table.amount.tolist()[:3] == [10.0, 10.0, 10.0]   # other cells are stripped


def test_an_id_of_spaces_is_blank(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("customer_id,start,amount\n   ,2024-01-01,10\nc1,2024-01-01,10\n"
                    "  ,  ,  \n")       # the last line is blank cells only: not a row
    from csmetrics.io.csv import CSVDataError

    with pytest.raises(CSVDataError) as info:
        read_subscriptions_csv(path)
    assert [(p.column, p.rule, p.lines) for p in info.value.problems] == [
        ("customer_id", "must not be blank", (2,))]
    assert info.value.n_rows == 2


def test_a_rule_found_twice_on_a_column_is_one_problem() -> None:
    # None (missing) and '  ' (an id of spaces) are found by two passes: one line each.
    with pytest.raises(cm.DataValidationError) as info:
        cm.SubscriptionTable.from_columns({"customer_id": ["c1", "  ", None],
                                           "amount": [1, 2, 3], "start": ["2024-01-01"] * 3})
    assert len(info.value.problems) == 1
    assert (info.value.count, info.value.positions) == (2, (1, 2))


def test_a_currency_written_with_the_amount_must_be_the_rows() -> None:
    # '€1.000,00' on a USD row was read as 1,000 USD, and 'abc 7' as 7: checked now.
    cols = {"customer_id": ["a", "b", "c", "d"], "start": ["2024-01-01"] * 4,
            "amount": ["€1.000,00", "GBP 50,00", "abc 7", "USD 5"], "currency": ["USD"] * 4}
    with pytest.raises(cm.DataValidationError) as info:
        cm.SubscriptionTable.from_columns(cols, amount_format="1.234,56")
    assert info.value.problems[0].rule.startswith("must not name a currency other than")
    assert info.value.positions == (0, 1, 2)
    ok = cm.SubscriptionTable.from_columns(
        {**cols, "currency": ["eur", "GBP", "USD", "USD"], "amount": ["€1.000,00",
                                                                    "GBP 50,00", "7", "$5"]},
        amount_format="1.234,56")
    assert ok.amount.tolist() == [1000.0, 50.0, 7.0, 5.0]


def test_digits_of_other_scripts_are_refused_on_both_paths() -> None:
    cols = {"customer_id": ["a"], "survey": ["nps"], "score": ["١٠"],
            "submitted_at": ["2024-01-01"]}
    with pytest.raises(cm.DataValidationError, match="must be a number"):
        cm.SurveyTable.from_columns(cols)
    with pytest.raises(cm.DataValidationError):
        cm.SurveyTable.from_records([{k: v[0] for k, v in cols.items()}])


def test_the_cli_lists_every_files_problems_in_one_run(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    from csmetrics.cli import main

    subs, surveys = tmp_path / "subs.csv", tmp_path / "nps.csv"
    subs.write_text("customer_id,start,amount\na,2024-01-01,-5\n")
    surveys.write_text("customer_id,survey,score,submitted_at\na,nps,11,2024-01-01\n")
    assert main(["report", "--subscriptions", str(subs), "--surveys", str(surveys)]) == 1
    err = capsys.readouterr().err
    assert f"{subs}: line 2: column 'amount' must be >= 0" in err
    assert f"{surveys}: line 2: column 'score' must be on its survey's scale" in err
    assert main(["report", "--subscriptions", str(tmp_path)]) == 2
    assert "not a file" in capsys.readouterr().err


def test_exchange_rates_list_every_problem_with_its_value() -> None:
    with pytest.raises(cm.DataValidationError) as info:
        cm.FxRates.from_columns({"date": ["2024-01-01", "x", "2024-01-01"],
                                 "currency": ["EUR", "EUR", "ZZZ"], "rate": ["abc", 1.1, 1.2]},
                                reporting_currency="USD")
    got = info.value.problems.to_dict()
    assert got["column"] == ["currency", "date", "rate"]
    assert got["values"] == [["'ZZZ'"], ["'x'"], ["'abc'"]]


def test_record_failures_speak_the_columns_rules_and_show_the_values() -> None:
    records = [
        {"customer_id": None, "start": "2024-01-01", "amount": 1},
        {"customer_id": "a", "start": "2024-02-01", "end": "2024-01-01", "amount": 1},
        5,
        {"customer_id": "b", "start": "2024-01-01", "amount": "x"},
        {"customer_id": "c", "amount": 1},
    ]
    with pytest.raises(cm.DataValidationError) as info:
        cm.SubscriptionTable.from_records(records)
    got = [(p.column, p.rule, p.values) for p in info.value.problems]
    assert got == [
        ("customer_id", "must not be missing", ("blank",)),
        ("start, end", "must not end before it starts", ("'2024-02-01 / 2024-01-01'",)),
        ("record", "must be a mapping of the record's fields, or the record itself", ("5",)),
        ("amount", "must be a number", ("'x'",)),
        ("start", "must not be missing", ("blank",)),
    ]


def test_a_csv_error_shows_the_cells_as_the_file_has_them(tmp_path: Path) -> None:
    # The fast reader casts the amount column to numbers: the message still shows '-5',
    # the file's text, not the -5.0 read from it.
    path = tmp_path / "neg.csv"
    path.write_text("customer_id,start,amount\na,2024-01-01,-5\nb,2024-01-01,7\n")
    from csmetrics.io.csv import CSVDataError

    with pytest.raises(CSVDataError) as info:
        read_subscriptions_csv(path)
    assert info.value.problems[0].values == ("'-5'",)


def test_compact_dates_get_a_hint_in_each_ones_terms(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(cm.DataValidationError) as info:
        cm.SubscriptionTable.from_columns({**BASE, "start": ["20240305", "2024-01-01"]})
    assert "date_format='%Y%m%d'" in info.value.problems[0].hint
    from csmetrics.cli import main

    path = tmp_path / "compact.csv"
    path.write_text("customer_id,start,amount\na,20240305,5\n")
    assert main(["report", "--subscriptions", str(path)]) == 1
    assert "read them with --date-format '%Y%m%d'" in capsys.readouterr().err
    # ... and with the format named, the file reads.
    assert len(read_subscriptions_csv(path, date_format="%Y%m%d")) == 1


def test_customer_attribute_errors_show_the_ids() -> None:
    from csmetrics.datasets import demo_portfolio

    with pytest.raises(cm.DataValidationError, match=r"values 'a', 'a'"):
        cm.Portfolio(subscriptions=demo_portfolio(),
                     customers={"customer_id": ["a", "a"], "region": ["x", "y"]})
