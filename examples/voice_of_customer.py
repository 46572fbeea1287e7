"""Voice of the customer: what a synthetic B2B customer base says in its NPS comments.

Sentiment by NPS category and quarter (VADER, offline), the words that set detractors apart
from promoters (weighted log-odds, Monroe et al. 2008), and themes of our own with their
change between two half-years. Needs the text extra: pip install 'csmetrics[text]'.

Run: python examples/voice_of_customer.py
"""

from __future__ import annotations

import warnings

import csmetrics as cm
from csmetrics.datasets import synthetic_survey_columns

columns = synthetic_survey_columns(1_500, months=12, start="2024-01", seed=42, comments=True)
responses = cm.SurveyTable.from_columns(columns, segments=["segment"])
print(responses)
print()

# 1. Sentiment: the mean compound score (-1 .. 1) and the shares positive and negative.
sentiment = cm.comment_sentiment(responses)
print(sentiment.select("category", "comments", "mean_compound", "ci_low", "ci_high",
                       "share_positive", "share_negative"))
print()
by_quarter = cm.comment_sentiment(responses, freq="quarter")
rows = by_quarter["category"] == "detractor"
for period, mean in zip(by_quarter["period"][rows].tolist(),
                        by_quarter["mean_compound"][rows].tolist(), strict=True):
    print(f"  detractors' mean sentiment {period}: {mean:+.3f}")
print()

# The three most negative distinct comments, as written (escaped when shown as HTML).
per_comment = sentiment.comments
scored = dict(zip(per_comment["comment"].tolist(), per_comment["compound"].tolist(),
                  strict=True))
for text, score in sorted(scored.items(), key=lambda kv: kv[1])[:3]:
    print(f"  {score:+.3f}  {text}")
print()

# 2. What detractors say that promoters don't.
terms = cm.distinctive_terms(responses, top=6)
print(terms.select("term", "count_a", "count_b", "z", "favours"))
print()

# 3. Themes of our own, the second half-year against the first.
themes = {"pricing": ["price", "expensive", "pricey", "money"],
          "support": ["support", "reply"],
          "quality": ["slow", "buggy", "bugs", "lost data"]}
with warnings.catch_warnings():  # small segments may leave a category without comments
    warnings.simplefilter("ignore", cm.UndefinedMetricWarning)
    change = cm.comment_themes(responses, themes, "2024-07", "2024-12",
                               compare=("2024-01", "2024-06"))
print(change.select("theme", "category", "comments", "share", "previous_share", "change",
                    "p_value"))
print()

# 4. Closing the loop: the detractors to call back this quarter, largest MRR at risk first.
# Subscriptions of the same accounts (the synthetic portfolio names them cus_0000, ...; the
# survey export by number).
book = cm.datasets.synthetic_portfolio(1_500, months=12, start="2024-01", seed=1).to_dict()
book["customer_id"] = [int(c.removeprefix("cus_")) for c in book["customer_id"]]
subs = cm.SubscriptionTable.from_columns(book)
followups = cm.detractor_followups(responses, subscriptions=subs, since="2024-10",
                                   at="2024-12")
print(repr(followups))
print(followups.select("customer_id", "score", "days_since", "mrr", "comment"))
