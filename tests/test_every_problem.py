"""Every broken rule of an input is reported at once (issue 11, "every problem at once"):
column, rule, how many rows, the first rows (or file lines) with their values, for the
columns path, the records path and the CSV readers alike; ``errors="skip"`` is unchanged."""

from __future__ import annotations

import pickle
from pathlib import Path

import pandas as pd
import pytest

import csmetrics as cm
from csmetrics.exceptions import Problem, Problems
from csmetrics.io.csv import CSVDataError, read_subscriptions_csv, read_surveys_csv

# Five rows, four of them broken in four different ways (and row 4 twice over).
MESSY = {
    "customer_id": ["a", None, "c", "d", "e"],
    "start": ["2024-01-01", "2024-01-01", "2024-13-01", "2024-02-01", "2024-02-01"],
    "amount": [10, 20, 30, "$1,200.00", -5],
    "currency": ["usd", "usd", "usd", "usd", "XYZ"],
}


def test_one_error_lists_every_rule_broken_with_rows_and_values() -> None:
    with pytest.raises(cm.DataValidationError) as info:
        cm.SubscriptionTable.from_columns(MESSY)
    problems = info.value.problems.to_dict()
    assert problems["column"] == ["customer_id", "start", "amount", "amount", "currency"]
    assert problems["count"] == [1, 1, 1, 1, 1]
    assert problems["rows"] == [[1], [2], [3], [4], [4]]
    assert problems["values"] == [["blank"], ["'2024-13-01'"], ["'$1,200.00'"], ["-5"],
                                  ["'XYZ'"]]
    message = str(info.value)
    assert message.startswith("SubscriptionTable.from_columns: the input breaks 5 rules:\n")
    assert ("  - column 'amount' must be a number; 1 of 5 rows breaks this rule "
            "(at row 3; value '$1,200.00'). These are amounts written as text: pass "
            "amount_format='1,234.56' to read them.") in message.splitlines()
    # The first problem is still the error's own column, rule and rows.
    assert (info.value.column, info.value.count, info.value.positions) == ("customer_id", 1,
                                                                          (1,))


def test_skip_leaves_out_exactly_the_broken_rows_with_their_first_rule() -> None:
    table = cm.SubscriptionTable.from_columns(MESSY, errors="skip")
    assert table.customer_ids.tolist() == ["a"]
    assert table.skipped["row"].tolist() == [1, 2, 3, 4]
    assert table.skipped["column"].tolist() == ["customer_id", "start", "amount", "amount"]


def test_a_cell_that_breaks_one_rule_is_reported_once() -> None:
    # "oops" is not a number; it is not also reported as missing or negative.
    with pytest.raises(cm.DataValidationError) as info:
        cm.SubscriptionTable.from_columns({"customer_id": ["a", "b"],
                                           "start": ["2024-01-01"] * 2, "amount": [1, "oops"]})
    assert len(info.value.problems) == 1


def test_the_records_path_reports_record_and_column_rules_together() -> None:
    records = [
        {"customer_id": "a", "start": "2024-01-01", "amount": -1},           # a record rule
        {"customer_id": "b", "start": "2024-01-01", "amount": 5, "currency": "xyz"},
        {"customer_id": "c", "start": "2024-01-01", "amount": 5,
         "subscription_id": "s", "end": "2024-03-01"},
        {"customer_id": "c", "start": "2024-02-01", "amount": 5,             # overlaps row 2
         "subscription_id": "s"},
    ]
    with pytest.raises(cm.DataValidationError) as info:
        cm.SubscriptionTable.from_records(records)
    got = info.value.problems.to_dict()
    assert got["column"] == ["amount", "currency", "start"]
    assert got["rows"] == [[0], [1], [3]]   # positions in the records given, not the kept ones
    assert got["values"][0] == ["-1"]
    assert info.value.n_rows == 4


def test_problems_convert_and_the_error_pickles() -> None:
    with pytest.raises(cm.DataValidationError) as info:
        cm.SubscriptionTable.from_columns(MESSY)
    frame = info.value.problems.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert frame.shape == (5, 8)   # column, rule, count, rows, lines, values, hint, part
    assert frame["count"].sum() == 5
    again = pickle.loads(pickle.dumps(info.value))
    assert str(again) == str(info.value)
    assert again.problems.to_dict() == info.value.problems.to_dict()


def test_a_csv_error_names_every_line_with_its_value_in_the_files_terms(tmp_path: Path
                                                                        ) -> None:
    path = tmp_path / "subs.csv"
    path.write_text("customer_id,start,amount\n"
                    "a,2024-01-01,10\n"
                    ",2024-01-01,20\n"          # line 3: blank customer
                    "\n"                        # line 4: blank line, skipped but counted
                    "c,2024-01-01,$1200\n"      # line 5
                    "d,2024-01-01,-5\n"         # line 6
                    "e,2024-01-01,-7\n")        # line 7
    with pytest.raises(CSVDataError) as info:
        read_subscriptions_csv(path)
    lines = str(info.value).splitlines()
    assert lines == [
        f"{path}: the input breaks 3 rules:",
        "  - line 3: column 'customer_id' must not be blank; 1 of 5 rows breaks this rule "
        "(value blank)",
        "  - line 5: column 'amount' must be a number; 1 of 5 rows breaks this rule "
        "(value '$1200'). These are amounts written as text: pass amount_format='1,234.56' "
        "to read them.",
        "  - lines 6, 7: column 'amount' must be >= 0; 2 of 5 rows break this rule "
        "(values '-5', '-7')",
    ]
    assert info.value.problems.to_dict()["lines"] == [[3], [5], [6, 7]]
    assert isinstance(info.value.problems, Problems)


def test_every_survey_rule_at_once(tmp_path: Path) -> None:
    path = tmp_path / "nps.csv"
    path.write_text("customer_id,survey,score,submitted_at\n"
                    "a,nps,11,2024-01-05\n"
                    "b,nps,7,someday\n")
    with pytest.raises(CSVDataError) as info:
        read_surveys_csv(path)
    assert [(p.column, p.lines) for p in info.value.problems] == [("score", (2,)),
                                                                   ("submitted_at", (3,))]


def test_a_problem_describes_itself() -> None:
    p = Problem("amount", "must be >= 0", 7, (0, 1, 2, 3, 4), ("-1",) * 5)
    assert p.describe(10) == ("column 'amount' must be >= 0; 7 of 10 rows break this rule "
                              "(first at rows 0, 1, 2, 3, 4; values -1, -1, -1, -1, -1)")


def test_a_presets_own_rules_and_the_tables_are_reported_together(tmp_path: Path) -> None:
    # An unknown Stripe status (the preset's rule) on line 2 and a negative amount (the
    # table's rule) on line 3: one error names both, at their file lines.
    header = ("id,Customer ID,Amount,Currency,Interval,Status,Start (UTC),"
              "Current Period End (UTC),Ended At (UTC)\n")
    path = tmp_path / "stripe.csv"
    path.write_text(header
                    + "sub_1,cus_1,10.00,usd,month,sleeping,2024-01-05 10:00,,\n"
                    + "sub_2,cus_2,-5.00,usd,month,active,2024-01-05 10:00,,\n"
                    + "sub_3,cus_3,7.00,usd,month,active,2024-01-05 10:00,,\n")
    with pytest.raises(CSVDataError) as info:
        read_subscriptions_csv(path, preset="stripe")
    got = info.value.problems.to_dict()
    assert got["column"] == ["Status", "Amount"]
    assert got["lines"] == [[2], [3]]
    assert got["values"] == [["'sleeping'"], ["'-5.00'"]]
    assert info.value.n_rows == 3


def test_amounts_written_as_text_get_a_hint_never_a_guess(tmp_path: Path) -> None:
    cols = {"customer_id": ["a", "b"], "start": ["2024-01-01"] * 2,
            "amount": ["1.200,00 €", "5"], "currency": ["EUR", "EUR"]}
    with pytest.raises(cm.DataValidationError) as info:
        cm.SubscriptionTable.from_columns(cols)
    assert str(info.value).endswith(
        "(at row 0; value '1.200,00 €'). These are amounts written as text: pass "
        "amount_format='1.234,56' to read them.")
    assert info.value.problems[0].hint.startswith("These are amounts")
    # With the format named, the same column reads.
    table = cm.SubscriptionTable.from_columns(cols, amount_format="1.234,56")
    assert table.amount.tolist() == [1200.0, 5.0]
    # Text that is no amount in any format gets no hint.
    with pytest.raises(cm.DataValidationError) as info:
        cm.SubscriptionTable.from_columns({**cols, "amount": ["ten", "5"]})
    assert info.value.problems[0].hint == ""


@pytest.mark.parametrize("kind", ["usage", "tickets"])
def test_a_kept_segment_cell_is_checked_like_any_other(kind: str) -> None:
    # A tuple in a kept column was silently read as "no segment" by the usage and ticket
    # tables once rules were collected: it is a broken rule, raised or skipped.
    if kind == "usage":
        build = cm.UsageTable.from_columns
        data = {"customer_id": ["a", "b"], "user_id": ["u", "v"],
                "at": ["2024-01-01T00:00:00Z"] * 2, "region": [("x",), "y"]}
    else:
        build = cm.SupportTicketTable.from_columns
        data = {"customer_id": ["a", "b"], "opened_at": ["2024-01-01T00:00:00Z"] * 2,
                "region": [("x",), "y"]}
    with pytest.raises(cm.DataValidationError, match=r"column 'region' must be a scalar"):
        build(data, segments=["region"])
    table = build(data, segments=["region"], errors="skip")
    assert table.column("region").tolist() == ["y"]
    assert table.skipped["row"].tolist() == [0]
