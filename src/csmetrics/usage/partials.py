"""The usage metrics as mergeable partials (see ``csmetrics._core.partials``).

The customer of usage data is the **account** (the usage table's ``customer_codes``; for
``seats_at``, the subscription table's). Users are keyed per account: a table's *member* is
one (account, user) pair, and an active user is a member with an event, so a user id seen
at two accounts is two users (as every pooled row of these metrics already counts it).
Hence distinct-user counts are additive over any partition of the accounts: every member,
and every (account, value) entity of ``by="feature"`` or ``by="user_id"``, lies in exactly
one part. (Were users keyed across accounts, a user active at accounts in two parts would
count twice in a combined portfolio total; they are not.)

The plan of each metric holds what parts agree on: the accounts counted (``customers=``, or
every account of the table and of the other input), their entities and segments (the
``Split`` of the whole table, without its per-row array; for (account, value) entities
their sorted keys, from which a part finds each row's entity), the window or periods, the
rule or features, and whatever belongs to an account rather than to its events (seats,
eligible users, start dates: one number per counted account). An account without rows in a
part contributes zeros there; an account without events anywhere is counted from the plan
alone.

The partials are int64 arrays **per counted entity** (an account, or an (account, value)
pair), zero for the entities whose rows are in other parts, so their sum is the whole's
arrays exactly and ``finalize`` pools them into rows as the one-step metrics do:

* ``active_users``: ``active_users`` per entity; ``active_users_trend``: ``active_users``
  and ``previous_active_users``; ``active_users_series``: ``active_users`` per entity and
  period (entities x periods).
* ``stickiness``: ``active_users`` and ``user_days`` (distinct (user, day) pairs) per
  entity.
* ``adoption_rate``: ``qualifying_days`` and ``periods_met`` per account (adopted is decided
  in finalize); ``adoption_breadth``: users of each key feature per account (accounts x
  features).
* ``feature_adoption``: users of each feature per account, and ``active_users`` per account
  when no eligible users are given (else those are in the plan);
  ``license_utilization``: ``active_users`` per account (the seats are in the plan).
* ``time_to_value``: per account, ``found`` (1 when the milestone is reached by ``at``) and
  ``when`` (its time in microseconds, 0 otherwise); the Kaplan-Meier medians are taken in
  finalize.
* ``seats_at``: per segment of the plan (a part maps its own segments into the plan's with
  ``relabel``, or reads each customer's segment from the plan), ``accounts`` (customers with
  a subscription) and ``seats``: float64 sums of ``quantity``, exact while quantities are
  whole numbers (seats are); fractional quantities combine to within rounding.

Not registered: ``engagement``. Its ``median_session_s`` is a median over the timed events
of each row, which no sum of per-part arrays gives exactly (a sketch would not be
bit-identical), and its ``total_duration_s`` is a float sum over events.

The partials are per entity, not per segment: O(accounts) per part whatever ``by``, which
is what lets finalize keep the one-step results bit for bit (derived per-account values such
as ``active > 0`` or unused seats are taken after the sum, and medians over accounts need
the accounts).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from csmetrics._core.options import Constraint, validate_params
from csmetrics._core.partials import MetricParts
from csmetrics.tables.accounts import BY
from csmetrics.usage.active import (
    SERIES_FREQ,
    finalize_active_users,
    finalize_active_users_series,
    finalize_active_users_trend,
    partial_active_users,
    partial_active_users_series,
    partial_active_users_trend,
    prepare_active_users,
    prepare_active_users_series,
    prepare_active_users_trend,
)
from csmetrics.usage.adoption import (
    BREADTH_OPTIONS,
    RATE_OPTIONS,
    finalize_adoption_breadth,
    finalize_adoption_rate,
    partial_adoption_breadth,
    partial_adoption_rate,
    prepare_adoption_breadth,
    prepare_adoption_rate,
)
from csmetrics.usage.seats import (
    SEATS_OPTIONS,
    finalize_seats_at,
    partial_seats_at,
    prepare_seats_at,
)
from csmetrics.usage.stickiness import (
    finalize_stickiness,
    partial_stickiness,
    prepare_stickiness,
)
from csmetrics.usage.time_to_value import (
    VALUE_OPTIONS,
    finalize_time_to_value,
    partial_time_to_value,
    prepare_time_to_value,
)
from csmetrics.usage.utilization import (
    ADOPTION_OPTIONS,
    SEAT_OPTIONS,
    finalize_feature_adoption,
    finalize_license_utilization,
    partial_feature_adoption,
    partial_license_utilization,
    prepare_feature_adoption,
    prepare_license_utilization,
)


def _steps(name: str, prepare: Callable[..., Any], partial: Callable[[Any, Any], Any],
           finalize: Callable[[Any, Any], Any],
           constraints: Mapping[str, Constraint] | None = None) -> MetricParts:
    """A metric's three steps; ``prepare`` checks the options the public function checks,
    under the public function's name."""

    @functools.wraps(prepare)
    def checked(*args: Any, **kwargs: Any) -> Any:
        return prepare(*args, **kwargs)

    checked.__name__ = name
    return MetricParts(validate_params(constraints or {"by": BY})(checked), partial, finalize)


PARTS: dict[str, MetricParts] = {
    "active_users": _steps("active_users", prepare_active_users, partial_active_users,
                           finalize_active_users),
    "active_users_trend": _steps("active_users_trend", prepare_active_users_trend,
                                 partial_active_users_trend, finalize_active_users_trend),
    "active_users_series": _steps("active_users_series", prepare_active_users_series,
                                  partial_active_users_series, finalize_active_users_series,
                                  {"by": BY, "freq": SERIES_FREQ}),
    "stickiness": _steps("stickiness", prepare_stickiness, partial_stickiness,
                         finalize_stickiness),
    "adoption_rate": _steps("adoption_rate", prepare_adoption_rate, partial_adoption_rate,
                            finalize_adoption_rate, RATE_OPTIONS),
    "adoption_breadth": _steps("adoption_breadth", prepare_adoption_breadth,
                               partial_adoption_breadth, finalize_adoption_breadth,
                               BREADTH_OPTIONS),
    "feature_adoption": _steps("feature_adoption", prepare_feature_adoption,
                               partial_feature_adoption, finalize_feature_adoption,
                               ADOPTION_OPTIONS),
    "license_utilization": _steps("license_utilization", prepare_license_utilization,
                                  partial_license_utilization, finalize_license_utilization,
                                  SEAT_OPTIONS),
    "time_to_value": _steps("time_to_value", prepare_time_to_value, partial_time_to_value,
                            finalize_time_to_value, VALUE_OPTIONS),
    "seats_at": _steps("seats_at", prepare_seats_at, partial_seats_at, finalize_seats_at,
                       SEATS_OPTIONS),
}
"""Each additive usage metric's prepare, partial and finalize steps, by public name."""
