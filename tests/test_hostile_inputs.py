"""Hostile inputs: whatever a caller passes, only a result or a CSMetricsError comes back.

Each test is an input a review found escaping as a plain Python, numpy or pydantic error (or
accepted silently), and pins the message that now names the parameter or column, the rule
and the offending value.
"""

from __future__ import annotations

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
