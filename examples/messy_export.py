"""A messy vendor export, read the way a RevOps analyst meets it (issue 11: real data in).

A Stripe subscriptions export in three currencies, with trials, cancellations and four broken
rows: every problem is reported at once (file line, column, rule and the value found); the
broken rows are then skipped and handed back; a Parquet copy and a DuckDB query read the same
rows; MRR is converted with dated exchange rates.

Run: python examples/messy_export.py
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

import csmetrics as cm
from csmetrics.io.exports import read_fx_csv

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
EXPORT = DATA / "stripe_subscriptions.csv"


def main() -> None:
    # 1. Read it strictly: one error lists every broken row. (A row Stripe never billed,
    #    status incomplete, is left out by definition, with a PresetExclusionWarning.)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.io.PresetExclusionWarning)
        show(strict=True)
        subs = show(strict=False)
    convert(subs)


def show(*, strict: bool) -> cm.SubscriptionTable:
    """The export read strictly (printing the error), or skipping the broken rows."""
    if not strict:
        # 2. Leave the broken rows out; they come back with their lines and rules.
        subs = cm.read_subscriptions_csv(EXPORT, preset="stripe", errors="skip")
        print(subs)
        print(subs.skipped)
        return subs
    try:
        cm.read_subscriptions_csv(EXPORT, preset="stripe")
    except cm.DataValidationError as error:
        print(error)
        print(error.problems.to_dict()["lines"])       # for code: one entry per rule
    return cm.read_subscriptions_csv(EXPORT, preset="stripe", errors="skip")


def convert(subs: cm.SubscriptionTable) -> None:
    """MRR in one currency and per currency, and the same rows through Parquet and Arrow."""
    # 3. Several currencies: dated rates (units of USD per unit of each currency).
    rates = read_fx_csv(str(DATA / "fx_rates.csv"), "USD")   # what --fx reads
    print(cm.mrr(subs, "2024-06", fx=rates))
    print(cm.mrr(subs, "2024-06", by="currency"))     # each in its own currency, no rates
    # 4. The same rows as Parquet, and through an Arrow stream (any __arrow_c_stream__).
    folder = Path(tempfile.mkdtemp())
    pq.write_table(pa.table(subs.to_dict()), folder / "subs.parquet")
    again = cm.read_subscriptions_parquet(folder / "subs.parquet")
    reader = pa.table(subs.to_dict()).to_reader()
    streamed = cm.SubscriptionTable.from_columns(reader)
    print(float(cm.mrr(again, "2024-06", fx=rates)), float(cm.mrr(streamed, "2024-06", fx=rates)))


if __name__ == "__main__":
    main()
