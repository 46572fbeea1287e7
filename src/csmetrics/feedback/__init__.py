"""Voice of the customer: survey comments, sentiment, distinctive terms, themes, key drivers
and closing the loop with detractors (docs/feedback.md, docs/key_drivers.md).

The parts are layered without cycles: the comments a metric reads and their groups
(comments), the tokenizer (tokens) and the VADER engine (vader), then the metrics: comment
sentiment (sentiment), distinctive terms (terms), themes (themes) and the detractors to
follow up (followups).
"""

from csmetrics.feedback.followups import DetractorFollowups, detractor_followups
from csmetrics.feedback.sentiment import CommentSentiment, comment_sentiment
from csmetrics.feedback.terms import DistinctiveTerms, distinctive_terms
from csmetrics.feedback.themes import CommentThemes, comment_themes

__all__ = [
    "CommentSentiment",
    "CommentThemes",
    "DetractorFollowups",
    "DistinctiveTerms",
    "comment_sentiment",
    "comment_themes",
    "detractor_followups",
    "distinctive_terms",
]
