"""Voice of the customer: survey comments, sentiment, distinctive terms, themes, key drivers
and closing the loop with detractors (docs/feedback.md, docs/key_drivers.md)."""

from csmetrics.feedback.driver_results import KeyDrivers
from csmetrics.feedback.drivers import MAX_SHAPLEY_DRIVERS, key_drivers

__all__ = ["MAX_SHAPLEY_DRIVERS", "KeyDrivers", "key_drivers"]
