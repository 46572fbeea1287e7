"""Product-usage signals: active users, stickiness, engagement, adoption, licence utilization
and time to value."""

from csmetrics.usage.active import (
    active_users,
    active_users_series,
    active_users_trend,
    engagement,
    stickiness,
)
from csmetrics.usage.adoption import AdoptionRate, AdoptionRule, adoption_breadth, adoption_rate
from csmetrics.usage.common import AccountResult
from csmetrics.usage.time_to_value import Milestone, TimeToValue, time_to_value
from csmetrics.usage.utilization import feature_adoption, license_utilization, seats_at

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
