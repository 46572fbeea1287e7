"""Benchmark: voice-of-the-customer metrics (issue 16) on a million survey comments.

Section ``sentiment``: ``comment_sentiment`` against the expert baseline and a pandas
version, on ``--n`` comments (1 million by default) with a realistic mix: most are short
texts that repeat ("Great support", "Too expensive. Hard to use"; a few hundred distinct
ones), and ``--unique`` of them (2% by default) are longer texts (20 to 80 words) that
occur once. Contenders, each in its own fresh process (``_harness``), best of ``--repeat``:

* **VADER, every text** (the expert baseline): one ``SentimentIntensityAnalyzer()``, then
  ``[analyzer.polarity_scores(t) for t in texts]``;
* **pandas drop_duplicates + map**: score ``Series(texts).drop_duplicates()`` and map the
  compound scores back;
* **csmetrics** ``comment_sentiment`` (each distinct text once, both cores from 20,000
  distinct texts), and the same with ``workers=1``.

Timed: the scoring (csmetrics: the whole metric, with its groups and intervals) from texts
already in memory (csmetrics: a ``SurveyTable`` built before the clock starts). Peak
memory: the process's resident high-water mark during the run (forked workers are not
counted, they share the parent's pages). Agreement: every comment's compound score equals
the baseline's exactly.

The ``key drivers`` section is added by its own engineer below this one.

Run::

    pip install -e ".[bench,text]"
    python benchmarks/bench_feedback.py                  # 1 million comments
    python benchmarks/bench_feedback.py --n 200000       # quicker
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as h

_SHORT = ("Great support", "Too expensive", "Hard to use", "Love the new dashboard",
          "Support takes days to reply", "It does the job", "ok", "n/a", "Fine overall",
          "The app is slow and buggy", "Excellent value", "Not worth the money",
          "Easy to use and fast", "Billing errors again", "Good product but pricey",
          "Onboarding was confusing", "The team is very helpful", "meh", "Reliable",
          "We lost data after the last update")
_WORDS = ("the", "support", "team", "was", "slow", "great", "price", "expensive", "easy",
          "hard", "not", "very", "helpful", "dashboard", "reports", "billing", "bug", "crash",
          "love", "hate", "fast", "onboarding", "value", "and", "but", "really", "good",
          "bad", "terrible", "amazing", "confusing", "missing", "feature", "integration",
          "update", "data", "lost", "works", "fine", "again", "never", "always", "!", "?")


def comments(n: int, unique_share: float, seed: int) -> np.ndarray:
    """``n`` comments: repeated short texts (one or two of ``_SHORT``) and a share of long
    unique ones; deterministic by ``seed``."""
    rng = np.random.default_rng(seed)
    short = np.asarray(_SHORT, dtype=object)
    first = short[rng.integers(0, short.size, n)]
    second = short[rng.integers(0, short.size, n)]
    out = first.copy()
    two = rng.random(n) < 0.3
    out[two] = first[two] + ". " + second[two]
    long_rows = np.flatnonzero(rng.random(n) < unique_share)
    words = np.asarray(_WORDS, dtype=object)
    lengths = rng.integers(20, 81, long_rows.size)
    picks = words[rng.integers(0, words.size, int(lengths.sum()))].tolist()
    ends = np.cumsum(lengths)
    starts = ends - lengths
    # A running number makes every long text unique, as free text is.
    out[long_rows] = [f"{' '.join(picks[a:b])} (#{i})" for i, (a, b) in
                      enumerate(zip(starts.tolist(), ends.tolist(), strict=True))]
    return out


WHO = ["VADER, every text (baseline)", "pandas drop_duplicates + map", "csmetrics",
       "csmetrics, workers=1"]


def contender(data: dict[str, np.ndarray], who: str) -> Any:
    """One contender in the child process: (prepare, run, result)."""
    n, unique_share, seed = int(data["n"][0]), float(data["unique"][0]), int(data["seed"][0])
    texts = comments(n, unique_share, seed)
    if who.startswith("VADER"):
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        def baseline() -> dict[str, Any]:
            analyzer = SentimentIntensityAnalyzer()
            scores = [analyzer.polarity_scores(t) for t in texts]
            return {"compound": np.array([s["compound"] for s in scores])}
        return baseline
    if who.startswith("pandas"):
        import pandas as pd
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        def with_pandas() -> dict[str, Any]:
            analyzer = SentimentIntensityAnalyzer()
            s = pd.Series(texts)
            distinct = s.drop_duplicates()
            compound = distinct.map(lambda t: analyzer.polarity_scores(t)["compound"])
            lookup = pd.Series(compound.to_numpy(), index=distinct.to_numpy())
            return {"compound": s.map(lookup).to_numpy(dtype=np.float64)}
        return with_pandas
    import csmetrics as cm

    workers = 1 if "workers=1" in who else None
    table = cm.SurveyTable.from_columns({
        "customer_id": np.arange(n) % 50_000, "survey": np.full(n, "nps", dtype=object),
        "score": np.random.default_rng(seed + 1).integers(0, 11, n),
        "submitted_at": np.full(n, np.datetime64("2024-06-01")), "comment": texts})
    prepare: Callable[[], Any] = lambda: table  # noqa: E731 (built once, before the clock)

    def ours(t: Any) -> Any:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return cm.comment_sentiment(t, workers=workers)
    return prepare, ours, lambda r: {"compound": np.asarray(r.comments["compound"])}


def sentiment(n: int, unique_share: float, repeat: int) -> None:
    """The sentiment section."""
    with tempfile.TemporaryDirectory() as tmp:
        path = h.save_input({"n": np.array([n]), "unique": np.array([unique_share]),
                             "seed": np.array([7])}, tmp, "comments")
        lines = [h.measure(who, "bench_feedback:contender", path, who, repeat=repeat)
                 for who in WHO]
    distinct = len(set(comments(n, unique_share, 7).tolist()))
    ref = lines[0]
    h.print_table(f"sentiment: {n:,} comments ({distinct:,} distinct), VADER compound",
                  lines, ref, lambda line: h.agrees(line, ref, ["compound"]),
                  notes=["agrees: every comment's compound score equals the baseline's "
                         "exactly", "csmetrics times include its groups and intervals"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=1e6, help="comments")
    parser.add_argument("--unique", type=float, default=0.02,
                        help="share of long unique comments")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    sentiment(int(args.n), args.unique, args.repeat)


if __name__ == "__main__":
    main()
