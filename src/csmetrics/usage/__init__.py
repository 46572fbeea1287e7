"""Product-usage signals: active users, stickiness, engagement, adoption, licence utilization
and time to value.

Every function reads a ``UsageTable`` (or anything ``UsageTable.from_columns`` or
``from_records`` reads), takes the day (or the periods) it is read at positionally, and
returns one result type, an ``AccountResult`` (or a subclass): one row pooled over every
account without ``by=``, one row per segment with it, ``by="customer_id"`` being the
per-account view. The full text is in ``docs/usage_and_support.md``.

Definitions
-----------
**Accounts counted.** ``customers=`` when given (those ids, in that order); otherwise every
account with events and every account the other input speaks of (seat holders, the keys of
an eligible-users mapping, the accounts with a start date). An account without events counts
with 0 active users.

**Window.** ``window="30D"`` at ``at`` is the 30 UTC days ending with the day ``at`` names,
both ends included: the events with ``at - 29 days <= event day <= at``. ``at`` is a date,
a period (its last day: ``"2024-03"`` is 31 March), or a timestamp (its UTC date).
``"1D"`` is the day itself. Statsig and Mozilla define WAU and MAU the same way ("active
within the last 7 days (0-6 days)").

**Active user.** A user with at least one event in the window; counted within the account.
Users are keyed per account (a user id seen at two accounts is two users), so user counts
add up over any partition of the accounts: each usage metric but ``engagement`` is also
three mergeable steps (``csmetrics.partials.PARTS``, see ``csmetrics.usage.partials``).

**Stickiness.** ``average DAU / MAU`` over a calendar month (or a trailing window): the
mean over *every* day of the span of the users active that day, divided by the users active
in the span (Mixpanel, "DAU/MAU" tutorial).

**Licence utilization.** ``active users in the window / seats``, not clamped: above 1 is
overage. No seats (0, or none known) is NaN with an ``UndefinedMetricWarning``.

**Feature adoption.** Users of the feature in the window over eligible users (by default the
account's active users in the window). **Breadth**: how many of a list of key features the
account used (by at least ``min_users`` users) in the window.

**Time to value.** Days from the account's first subscription start to its first milestone
event, right-censored: an account that has not reached it by ``at`` is kept, with the days
observed so far, and the median comes from a Kaplan-Meier estimate.

**Pooling.** Counts are summed; ratios are recomputed from the summed numerator and
denominator over the accounts where they are defined; shares of accounts are means over the
accounts; medians are taken over the events (or accounts) of each row, never from medians.

Undefined ratios (no active user, no seat, no eligible user) are NaN with one
``UndefinedMetricWarning`` per cause, never 0.
"""

from csmetrics.tables.account_result import AccountResult
from csmetrics.usage.active import active_users, active_users_series, active_users_trend
from csmetrics.usage.adoption import AdoptionRate, AdoptionRule, adoption_breadth, adoption_rate
from csmetrics.usage.seats import seats_at
from csmetrics.usage.stickiness import engagement, stickiness
from csmetrics.usage.time_to_value import Milestone, TimeToValue, time_to_value
from csmetrics.usage.utilization import feature_adoption, license_utilization

__all__ = [
    "AccountResult",
    "AdoptionRate",
    "AdoptionRule",
    "Milestone",
    "TimeToValue",
    "active_users",
    "active_users_series",
    "active_users_trend",
    "adoption_breadth",
    "adoption_rate",
    "engagement",
    "feature_adoption",
    "license_utilization",
    "seats_at",
    "stickiness",
    "time_to_value",
]
