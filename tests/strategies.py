"""Hypothesis strategies shared by the property tests: small random portfolios."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

MONTHS = {"day": Fraction(12, 365), "week": Fraction(12, 52), "month": Fraction(1),
          "quarter": Fraction(3), "year": Fraction(12)}
EPOCH = dt.date(2023, 1, 1)


@st.composite
def portfolios(draw: st.DrawFn, max_rows: int = 14, monthly_only: bool = False
               ) -> list[dict[str, Any]]:
    """Subscription rows over 2023-2024: a few customers, spans that may be open-ended."""
    n = draw(st.integers(0, max_rows))
    rows = []
    for i in range(n):
        start = EPOCH + dt.timedelta(days=draw(st.integers(0, 700)))
        length = draw(st.one_of(st.none(), st.integers(0, 400)))
        rows.append({
            "customer_id": draw(st.sampled_from(["a", "b", "c", "d", "e"])),
            "subscription_id": f"s{i}",
            "plan": draw(st.sampled_from(["basic", "pro", None])),
            "start": start,
            "end": None if length is None else start + dt.timedelta(days=length),
            "amount": Fraction(draw(st.integers(0, 50_000)), 100),
            "interval": "month" if monthly_only else draw(st.sampled_from(list(MONTHS))),
            "interval_count": 1 if monthly_only else draw(st.integers(1, 3)),
            "quantity": draw(st.integers(0, 5)),
            "discount": draw(st.sampled_from(
                [Fraction(0), Fraction(1)] if monthly_only else
                [Fraction(0), Fraction(1, 10), Fraction(1, 4), Fraction(1, 2), Fraction(1)])),
        })
    return rows


def columns(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    names = ["customer_id", "subscription_id", "plan", "start", "end", "amount", "interval",
             "interval_count", "quantity", "discount"]
    return {k: [float(r[k]) if isinstance(r[k], Fraction) else r[k] for r in rows]
            for k in names}


