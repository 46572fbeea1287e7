"""Voice of the customer: survey comments, sentiment, distinctive terms, themes, key drivers
and closing the loop with detractors (docs/feedback.md, docs/key_drivers.md)."""
