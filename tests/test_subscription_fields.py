"""The optional renewal, cancellation, churn and product fields of subscriptions (issue 15):
read alike by every input path, checked by rules reported like all others, and kept by
slices, filters and pickling."""

from __future__ import annotations

import datetime as dt
import pickle

import numpy as np
import pytest

import csmetrics as cm
from csmetrics.exceptions import DataValidationError

ROWS = [
    {"customer_id": "a", "start": "2024-01-01", "amount": 100, "interval": "year",
     "renews_at": "2025-01-01", "auto_renew": "yes", "product": "core"},
    {"customer_id": "a", "start": "2024-02-01", "amount": 30, "interval": "month",
     "product": "addon",
     "cancel_at": "2024-09-01", "churn_reason": "price", "churn_type": " Voluntary "},
    {"customer_id": "b", "start": "2024-01-15", "end": "2024-04-15", "amount": 50,
     "interval": "month", "auto_renew": False, "churn_type": "DELINQUENT", "churn_reason": "card"},
]


def _columns(rows: list[dict[str, object]]) -> dict[str, list[object]]:
    names = sorted({k for r in rows for k in r})
    return {k: [r.get(k) for r in rows] for k in names}


def test_the_fields_read_as_documented() -> None:
    t = cm.SubscriptionTable.from_columns(_columns(ROWS))
    d = t.to_dict()
    assert d["renews_at"] == [dt.date(2025, 1, 1), None, None]
    assert d["cancel_at"] == [None, dt.date(2024, 9, 1), None]
    assert d["auto_renew"] == [True, None, False]
    assert d["churn_type"] == [None, "voluntary", "delinquent"]
    assert d["churn_reason"] == [None, "price", "card"]
    assert d["product"] == ["core", "addon", None]
    assert t.renews_at.dtype == np.dtype("datetime64[D]")
    assert t.auto_renew.tolist() == [1, -1, 0]
    assert t.churn_type.tolist() == [-1, 0, 1]
    assert t.products.tolist() == ["addon", "core"]


def test_records_and_columns_build_the_same_table() -> None:
    a = cm.SubscriptionTable.from_records(ROWS)
    b = cm.SubscriptionTable.from_columns(_columns(ROWS))
    assert a.to_dict() == b.to_dict()
    record = cm.Subscription(**ROWS[1])
    assert (record.churn_type, record.cancel_at) == ("voluntary", dt.date(2024, 9, 1))


def test_arrow_pandas_and_polars_build_what_lists_build() -> None:
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    lists = cm.SubscriptionTable.from_columns(_columns(ROWS)).to_dict()
    frame = pd.DataFrame(_columns(ROWS))
    assert cm.SubscriptionTable.from_columns(frame).to_dict() == lists
    arrow = pa.Table.from_pandas(frame.astype({"auto_renew": "string"}), preserve_index=False)
    assert cm.SubscriptionTable.from_columns(arrow).to_dict() == lists
    assert cm.SubscriptionTable.from_columns(pl.from_arrow(arrow)).to_dict() == lists
    typed = pa.table({"customer_id": ["a", "b"], "start": [dt.date(2024, 1, 1)] * 2,
                      "amount": [1.0, 2.0], "auto_renew": pa.array([True, None]),
                      "cancel_at": pa.array([None, dt.date(2024, 3, 1)], pa.date32())})
    d = cm.SubscriptionTable.from_columns(typed).to_dict()
    assert d["auto_renew"] == [True, None]
    assert d["cancel_at"] == [None, dt.date(2024, 3, 1)]


def test_broken_rules_are_reported_with_column_rule_count_and_rows() -> None:
    cols = {"customer_id": ["a", "b", "c"], "start": ["2024-02-01"] * 3, "amount": [1, 1, 1],
            "cancel_at": ["2024-01-01", None, "2024-03-01"],
            "renews_at": [None, "2023-12-31", None],
            "churn_type": ["voluntary", "involuntary", "x"],
            "auto_renew": ["maybe", True, 1]}
    with pytest.raises(DataValidationError) as err:
        cm.SubscriptionTable.from_columns(cols)
    found = {(p.column, p.rule): p.positions for p in err.value.problems}
    assert found[("cancel_at", "must not be before 'start'")] == (0,)
    assert found[("renews_at", "must not be before 'start'")] == (1,)
    assert found[("churn_type", "must be one of 'voluntary', 'delinquent' (or blank)")] == (1, 2)
    assert found[("auto_renew",
                  "must be true or false (true/false, yes/no, 1/0, or blank)")] == (0,)
    skipped = cm.SubscriptionTable.from_columns(cols, errors="skip")
    assert len(skipped) == 0
    assert len(skipped.skipped) == 3
    with pytest.raises(DataValidationError, match="churn_type"):
        cm.SubscriptionTable.from_records([{**ROWS[0], "churn_type": "other"}])


def test_renamed_columns_and_absent_columns() -> None:
    t = cm.SubscriptionTable.from_columns(
        {"customer_id": ["a"], "start": ["2024-01-01"], "amount": [5], "why": ["price"]},
        churn_reason="why")
    assert t.column("churn_reason").tolist() == ["price"]
    assert t.column("product").tolist() == [None]
    assert t.column("auto_renew").tolist() == [None]
    assert np.isnat(t.cancel_at).all()


def test_slices_filters_and_pickles_keep_the_fields() -> None:
    t = cm.SubscriptionTable.from_columns(_columns(ROWS))
    back = pickle.loads(pickle.dumps(t))
    assert back.to_dict() == t.to_dict()
    assert t.take([2, 1]).to_dict()["churn_type"] == ["delinquent", "voluntary"]
    assert t.take(t.churn_type == 1).column("churn_reason").tolist() == ["card"]
    with pytest.raises(ValueError, match="read-only"):
        t.auto_renew[0] = 0  # read-only like every column


def test_by_product_and_churn_type_split_mrr() -> None:
    t = cm.SubscriptionTable.from_columns(_columns(ROWS))
    by_product = cm.mrr(t, "2024-03-01", by="product").to_dict()
    # core: 100 a year = 8.33 a month (to the cent); addon 30; b has no product: 50.
    got = dict(zip(by_product["product"], by_product["mrr"], strict=True))
    assert got == pytest.approx({"addon": 30.0, "core": 8.33, "(none)": 50.0})
    by_type = cm.mrr(t, "2024-03-01", by="churn_type").to_dict()
    got = dict(zip(by_type["churn_type"], by_type["mrr"], strict=True))
    assert got == pytest.approx({"voluntary": 30.0, "delinquent": 50.0, "(none)": 8.33})


@pytest.mark.filterwarnings("ignore::csmetrics.io.presets.PresetExclusionWarning")
def test_vendor_presets_read_renewal_and_cancellation_columns() -> None:
    from pathlib import Path

    from csmetrics.io import read_subscriptions_csv

    data = Path(__file__).parent / "data"
    t = read_subscriptions_csv(data / "stripe_subscriptions.csv", preset="stripe",
                               errors="skip")
    by_customer = {c: (r, a, x, p) for c, r, a, x, p in zip(
        *(t.to_dict()[k] for k in ("customer_id", "renews_at", "cancel_at", "auto_renew",
                                   "product")), strict=True)}
    # sub_E1: Cancel At Period End true, Current Period End 2024-07-15 10:00 UTC: scheduled
    # to cancel then and not renewing. sub_C1: yearly, period end 2025-03-10. sub_D1:
    # canceled, so no renewal date.
    assert by_customer["cus_E"] == (dt.date(2024, 7, 15), dt.date(2024, 7, 15), False, "Basic")
    assert by_customer["cus_C"] == (dt.date(2025, 3, 10), None, True, "Pro")
    assert by_customer["cus_D"][:3] == (None, None, None)
    cb = read_subscriptions_csv(data / "chargebee_subscriptions.csv", preset="chargebee",
                                errors="skip").to_dict()
    rows = dict(zip(cb["customer_id"], zip(cb["renews_at"], cb["cancel_at"], strict=True),
                    strict=False))
    # cb_E1 is non_renewing with cancelled_at 2024-07-15: the scheduled cancellation.
    assert rows["cust_E"] == (dt.date(2024, 7, 15), dt.date(2024, 7, 15))
    assert rows["cust_C"] == (dt.date(2024, 9, 10), None)
