"""The usage metrics as mergeable partials: any partition of the accounts gives the whole.

Every metric of ``csmetrics.usage.partials.PARTS`` is checked with ``assert_partition`` over
the data of ``test_contract`` for ``by=None``, a customer mapping (with unmapped accounts),
the id column, a column with one value per account, and, for the metrics counted over
events, columns that vary within an account (``"feature"``, ``"user_id"``, a kept column);
with option variants (windows, ``customers=`` naming an account without events, rules,
seats as a mapping or as subscriptions, milestones, plans). ``engagement`` is not
registered: its median session length is a median over events (see the module
documentation of ``csmetrics.usage.partials``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import csmetrics as cm
from csmetrics.partials import PARTS, combine
from csmetrics.usage import common as usage_common
from csmetrics.usage.partials import PARTS as USAGE_PARTS
from partition import assert_partition, quiet
from test_contract import (
    REGISTRY,
    SEATS,
    STARTS,
    _subscriptions,
    _usage,
    as_records,
    customer_mapping,
)


def _tables() -> tuple[cm.UsageTable, cm.UsageTable, cm.SubscriptionTable]:
    cols = _usage()
    rng = np.random.default_rng(7)
    ids = np.asarray(cols["customer_id"])
    tier_of = {c: ("gold" if c % 3 == 0 else "silver" if c % 3 == 1 else None)
               for c in np.unique(ids).tolist()}
    kept = dict(cols, tier=np.array([tier_of[c] for c in ids.tolist()], dtype=object),
                device=rng.choice(np.array(["web", "ios", None], dtype=object), ids.size))
    plain = cm.UsageTable.from_columns(cols)
    segmented = cm.UsageTable.from_columns(kept, segments=["tier", "device"])
    subs = cm.SubscriptionTable.from_columns(_subscriptions())
    return plain, segmented, subs


USAGE, SEGMENTED, SUBS = _tables()
MAPPING = customer_mapping(_usage(), leave_out=3)
SUB_MAPPING = customer_mapping(_subscriptions(), leave_out=3)
AT = "2024-03-31"
ACCOUNT_BYS: tuple[Any, ...] = (None, MAPPING, "customer_id", "tier")
EVENT_BYS: tuple[Any, ...] = (*ACCOUNT_BYS, "feature", "user_id", "device")
SOME = [3, 1, 4, 999]  # customers=: 999 has no events


def _cases() -> list[tuple[str, Any, tuple[Any, ...], dict[str, Any]]]:
    u = SEGMENTED
    out: list[tuple[str, Any, tuple[Any, ...], dict[str, Any]]] = []
    for by in EVENT_BYS:
        out += [("active_users", u, (AT,), {"by": by}),
                ("active_users_trend", u, (AT,), {"by": by}),
                ("active_users_series", u, ("2024-01", "2024-03"), {"by": by}),
                ("stickiness", u, ("2024-03",), {"by": by})]
    for by in ACCOUNT_BYS:
        out += [("adoption_rate", u, (AT,), {"by": by}),
                ("adoption_breadth", u, (AT,), {"by": by, "features": ["login", "api"]}),
                ("feature_adoption", u, (AT,), {"by": by, "feature": "api"}),
                ("feature_adoption", u, (AT,), {"by": by, "feature": ["api", "report"],
                                                "eligible_users": SEATS}),
                ("license_utilization", u, (SEATS, AT), {"by": by}),
                ("time_to_value", STARTS, (u, AT), {"by": by, "milestone": "api"})]
    for by in (None, SUB_MAPPING, "customer_id", "plan"):
        out.append(("seats_at", SUBS, ("2024-06",), {"by": by}))
    out += [
        ("active_users", USAGE, (AT,), {"window": "7D", "customers": SOME}),
        ("active_users", USAGE, ("2024-02-10",), {"window": "1D", "by": "feature"}),
        ("active_users_trend", USAGE, (AT,), {"window": "2W", "customers": SOME,
                                              "by": "customer_id"}),
        ("active_users_series", USAGE, ("2024-02-01", "2024-02-20"),
         {"freq": "day", "by": "feature"}),
        ("active_users_series", USAGE, ("2024-01", "2024-03"), {"freq": "week",
                                                                "customers": SOME}),
        ("stickiness", USAGE, ("2024-03-20",), {"window": "28D", "by": "feature"}),
        ("stickiness", USAGE, ("2024-03-20",), {"customers": SOME, "by": "customer_id"}),
        ("adoption_rate", USAGE, (AT,), {"rule": cm.AdoptionRule(min_active_days=1,
                                                                 periods=2)}),
        ("adoption_rate", USAGE, (AT,), {"rule": cm.AdoptionRule(
            min_active_days=1, min_users_per_day=2, key_features=("api", "report"),
            min_periods=2), "by": MAPPING, "customers": SOME}),
        ("adoption_breadth", USAGE, (AT,), {"features": ["login", "api", "report"],
                                            "min_users": 2, "window": "7D"}),
        ("feature_adoption", USAGE, (AT,), {"feature": "api", "eligible_users": SUBS,
                                            "by": MAPPING}),
        ("license_utilization", USAGE, (SUBS, AT), {"by": "customer_id"}),
        ("license_utilization", USAGE, (SUBS, AT), {"plans": ["pro", "starter"], "by": MAPPING}),
        ("license_utilization", USAGE, ({0: 2, 1: 0, 998: 5}, AT), {"window": "7D"}),
        ("license_utilization", USAGE, (np.arange(4.0), AT), {"customers": SOME}),
        ("time_to_value", SUBS, (USAGE,), {"milestone": cm.Milestone(count=2,
                                                                      distinct_users=True)}),
        ("time_to_value", STARTS, (USAGE, "2024-01-20"),
         {"milestone": cm.Milestone(features=("api", "export"), count=3),
          "by": "customer_id", "customers": SOME}),
        ("seats_at", SUBS, ("2024-03",), {"plans": ["pro", None], "by": "customer_id"}),
        ("seats_at", SUBS, ("2023-12-15",), {"plans": ["growth", "addon"], "by": "plan"}),
    ]
    return out


CASES = _cases()


def _id(case: tuple[str, Any, tuple[Any, ...], dict[str, Any]]) -> str:
    name, _, args, options = case
    shown = {k: (v if isinstance(v, str | int | None) else type(v).__name__)
             for k, v in options.items()}
    return f"{name}-{args[-1] if args else ''}-{shown}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_every_case_over_three_parts(case: tuple[str, Any, tuple[Any, ...], dict[str, Any]]
                                     ) -> None:
    name, data, args, options = case
    assert_partition(name, data, args, options, seed=12, n_parts=3)


@given(case=st.sampled_from(CASES), seed=st.integers(0, 2**32 - 1),
       n_parts=st.integers(1, 4))
def test_any_partition_gives_the_whole(case: tuple[str, Any, tuple[Any, ...], dict[str, Any]],
                                       seed: int, n_parts: int) -> None:
    name, data, args, options = case
    assert_partition(name, data, args, options, seed=seed, n_parts=n_parts)


_COLUMNS = _usage()
_RECORDS = as_records("usage", {k: v[:400] for k, v in _COLUMNS.items()})


@given(seed=st.integers(0, 2**32 - 1), n_parts=st.integers(1, 4),
       by=st.sampled_from((None, MAPPING, "customer_id", "feature", "user_id")),
       records=st.booleans())
def test_columns_and_records_partition_alike(seed: int, n_parts: int, by: Any,
                                             records: bool) -> None:
    """Input that is not yet a table is read once by prepare; the parts are its rows."""
    data = _RECORDS if records else _COLUMNS
    assert_partition("active_users", data, ("2024-01-02",), {"by": by, "window": "2D"},
                     seed=seed, n_parts=n_parts)
    assert_partition("time_to_value", STARTS, (data,), {"by": by if by in (
        None, "customer_id") else MAPPING, "milestone": "report"}, seed=seed, n_parts=n_parts)


@pytest.mark.parametrize("by", ["feature", "user_id", "device"])
def test_entities_found_by_binary_search_partition_alike(by: str,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """Parts find (account, value) entities by a binary search when the key space is large."""
    monkeypatch.setattr(usage_common, "small_key_space", lambda bound, n: False)
    for name, args in (("active_users", (AT,)), ("stickiness", ("2024-03",)),
                       ("active_users_series", ("2024-01", "2024-03"))):
        for seed in range(3):
            assert_partition(name, SEGMENTED, args, {"by": by, "customers": SOME},
                             seed=seed, n_parts=3)


def test_every_additive_usage_metric_is_registered() -> None:
    usage_kinds = {"usage"}
    names = {spec.name for spec in REGISTRY
             if spec.additive and (spec.data in usage_kinds or spec.name == "seats_at")}
    assert names - set(USAGE_PARTS) == {"engagement"}  # a median over events: see partials
    assert set(USAGE_PARTS) <= set(PARTS)


def test_partials_are_integer_arrays_that_add() -> None:
    steps = PARTS["active_users"]
    table, plan = steps.prepare(USAGE, AT, by="customer_id")
    odd = table.customer_codes % 2 == 1
    halves = [steps.partial(table.take(rows), plan) for rows in (odd, ~odd)]
    whole = steps.partial(table, plan)
    for part in halves:
        assert part["active_users"].dtype == np.int64
    assert (halves[0]["active_users"] + halves[1]["active_users"]).tolist() == whole[
        "active_users"].tolist()
    assert combine(halves)["active_users"].tolist() == whole["active_users"].tolist()
    # each account's users are in the half that holds its rows, zero in the other
    assert not (halves[0]["active_users"] * halves[1]["active_users"]).any()
    result = steps.finalize(combine(halves), plan)
    assert result["active_users"].tolist() == cm.active_users(
        USAGE, AT, by="customer_id")["active_users"].tolist()


def test_an_empty_part_adds_nothing() -> None:
    steps = PARTS["license_utilization"]
    table, plan = steps.prepare(USAGE, SEATS, AT, by=MAPPING)
    empty = steps.partial(table.take(np.zeros(0, dtype=np.int64)), plan)
    assert all(not np.asarray(a).any() for a in empty.arrays.values())
    merged = quiet(steps.finalize, combine([empty, steps.partial(table, plan)]), plan)
    whole = quiet(cm.license_utilization, USAGE, SEATS, AT, by=MAPPING)
    assert str(merged) == str(whole)


def test_prepare_checks_options_as_the_metric_does() -> None:
    with pytest.raises(cm.InvalidParameterError, match=r"^active_users_series: "):
        PARTS["active_users_series"].prepare(USAGE, "2024-01", "2024-02", freq="hour")
    with pytest.raises(cm.InvalidParameterError, match=r"^adoption_rate: "):
        PARTS["adoption_rate"].prepare(USAGE, AT, by="feature")
