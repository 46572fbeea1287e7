"""Voice of the customer: survey comments, sentiment, distinctive terms, themes, key drivers
and closing the loop with detractors (docs/feedback.md, docs/key_drivers.md)."""

from csmetrics.feedback.followups import DetractorFollowups, detractor_followups

__all__ = ["DetractorFollowups", "detractor_followups"]
