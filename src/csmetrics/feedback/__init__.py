"""Voice of the customer: survey comments, sentiment, distinctive terms, themes, key drivers
and closing the loop with detractors (docs/feedback.md, docs/key_drivers.md).

The parts are layered without cycles: the comments a metric reads and their groups
(comments), the tokenizer (tokens) and the VADER engine (vader), then the metrics: comment
sentiment (sentiment), distinctive terms (terms), themes (themes), the detractors to follow
up (followups), and the key drivers of a score (drivers, with its result in driver_results).
"""

from csmetrics.feedback.driver_results import KeyDrivers
from csmetrics.feedback.drivers import MAX_SHAPLEY_DRIVERS, key_drivers
from csmetrics.feedback.followups import DetractorFollowups, detractor_followups
from csmetrics.feedback.sentiment import CommentSentiment, comment_sentiment
from csmetrics.feedback.terms import DistinctiveTerms, distinctive_terms
from csmetrics.feedback.themes import CommentThemes, comment_themes

__all__ = [
    "MAX_SHAPLEY_DRIVERS",
    "CommentSentiment",
    "CommentThemes",
    "DetractorFollowups",
    "DistinctiveTerms",
    "KeyDrivers",
    "comment_sentiment",
    "comment_themes",
    "detractor_followups",
    "distinctive_terms",
    "key_drivers",
]
