"""One shared zoo of odd values, and a valid row of every table to put them in.

The zoo is what real inputs hold besides clean text, numbers and dates: floats standing for
integers, infinities, booleans, bytes, numpy and pandas scalars, Decimals, the many spellings
of "missing", timezone-aware timestamps, date strings with a time, blank and padded text,
integers beyond int64 and float64, negative zero, containers. ``tests/test_zoo.py`` puts each
value in each field of each table, through ``from_records`` and through ``from_columns``,
and requires both to accept or refuse it alike and to build identical tables (docs/data.md
promises it); ``tests/test_fuzz.py`` draws from it too.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

import csmetrics as cm

TABLES: dict[str, Any] = {
    "subscriptions": cm.SubscriptionTable,
    "usage": cm.UsageTable,
    "tickets": cm.SupportTicketTable,
    "payments": cm.PaymentTable,
    "surveys": cm.SurveyTable,
}
"""Every table class, by the name the zoo's rows use."""

_UTC_MINUS_5 = dt.timezone(dt.timedelta(hours=-5))

ZOO: dict[str, Any] = {
    # numbers standing where text or other numbers are expected
    "float whole": 3.0,
    "float fraction": 2.5,
    "inf": float("inf"),
    "minus inf": float("-inf"),
    "negative zero": -0.0,
    "bool true": True,
    "bool false": False,
    "numpy int": np.int64(3),
    "numpy float": np.float64(2.0),
    "numpy bool": np.bool_(True),
    "numpy str": np.str_("c9"),
    "decimal": Decimal("1.5"),
    "decimal nan": Decimal("NaN"),
    "huge int": 10**400,
    "int beyond int64": 2**63,
    "negative int": -1,
    "zero": 0,
    # text
    "empty string": "",
    "whitespace": "   ",
    "padded text": " c1 ",
    "numeric text": "5",
    "exponent text": "1e3",
    "text nan": "nan",
    "text none": "None",
    "bytes ascii": b"c0",
    "bytes non-ascii": b"\xff\xfe",
    "non-ascii text": "caf\u00e9",
    # missing, in every spelling
    "none": None,
    "float nan": float("nan"),
    "numpy nan": np.float64("nan"),
    "pandas NA": pd.NA,
    "pandas NaT": pd.NaT,
    "numpy NaT": np.datetime64("NaT"),
    # dates and times
    "date": dt.date(2024, 1, 15),
    "naive datetime": dt.datetime(2024, 1, 15, 10, 30),
    "tz datetime": dt.datetime(2024, 1, 15, 23, 30, tzinfo=_UTC_MINUS_5),
    "pandas Timestamp tz": pd.Timestamp("2024-01-15 23:30", tz="US/Eastern"),
    "pandas Timestamp": pd.Timestamp("2024-01-15 10:30"),
    "pandas Period": pd.Period("2024-01", freq="M"),
    "numpy datetime64 day": np.datetime64("2024-01-15"),
    "numpy datetime64 ns": np.datetime64("2024-01-15T10:30:00.000000001"),
    "date string with time": "2024-01-15 10:30:00",
    "date string T offset": "2024-01-15T23:30:00-05:00",
    "date string Z": "2024-01-15T10:30:00Z",
    "padded date string": " 2024-01-15 ",
    "compact date string": "20240115",
    "far date string": "3024-01-15",
    # containers and objects
    "list": [1],
    "tuple": (1, 2),
    "dict": {"a": 1},
    "set": {1},
    "object": object(),
}
"""Odd values by name (a dict, so a failing test names the kind of value)."""


BASE_ROWS: dict[str, dict[str, Any]] = {
    "subscriptions": {
        "customer_id": "c0", "subscription_id": "s0", "plan": "pro", "start": "2024-01-01",
        "end": "2024-06-01", "amount": 10, "currency": "USD", "interval": "month",
        "interval_count": 1, "quantity": 1, "discount": 0,
    },
    "usage": {
        "customer_id": "c0", "user_id": "u0", "at": "2024-01-01T10:00:00",
        "feature": "login", "duration_s": 30,
    },
    "tickets": {
        "customer_id": "c0", "ticket_id": "t0", "opened_at": "2024-01-01T10:00:00",
        "resolved_at": "2024-01-02T10:00:00", "contacts": 2,
    },
    "payments": {"customer_id": "c0", "date": "2024-01-01", "amount": 10, "currency": "USD"},
    "surveys": {
        "customer_id": "c0", "respondent_id": "r0", "survey": "nps", "score": 9,
        "submitted_at": "2024-01-01", "weight": 1, "comment": "Great support, <b>fast</b>",
    },
}
"""A valid row of each table, every field given; the zoo replaces one field at a time."""
