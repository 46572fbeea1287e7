"""VADER sentiment of many comments: each distinct text scored once, on every core.

VADER (Hutto and Gilbert 2014) is a lexicon- and rule-based English sentiment model; the
``vaderSentiment`` package (the ``text`` extra) ships its lexicon, so nothing is downloaded.
It is pure Python, about 20 microseconds for a short comment. Survey comments repeat a lot
("great", "n/a", "good service"), so each distinct text is scored once and its scores are
given to every comment holding it; when there are many distinct texts they are scored in a
process pool (one chunk per worker), which gives the same numbers as scoring them in turn.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.optional import import_optional

SCORES = ("negative", "neutral", "positive", "compound")
"""The columns of ``score_texts``: VADER's ``neg``, ``neu``, ``pos`` and ``compound``."""

_KEYS = ("neg", "neu", "pos", "compound")

PARALLEL_MIN = 20_000
"""Distinct texts from which scoring uses a process pool (below it, starting the workers
costs more than it saves)."""

_ANALYZER: list[Any] = []


def analyzer() -> Any:
    """The process's ``SentimentIntensityAnalyzer``, built once (it reads the lexicon).

    Raises
    ------
    MissingDependencyError
        ``vaderSentiment`` is not installed (``pip install 'csmetrics[text]'``).
    """
    if not _ANALYZER:
        vader = import_optional("vaderSentiment.vaderSentiment", "text", "comment sentiment")
        _ANALYZER.append(vader.SentimentIntensityAnalyzer())
    return _ANALYZER[0]


def score_texts(texts: Sequence[str]) -> NDArray[np.float64]:
    """VADER scores of ``texts`` in turn: an ``(n, 4)`` array of negative, neutral,
    positive and compound (as ``polarity_scores`` gives them, rounded by VADER).

    Examples
    --------
    >>> score_texts(["Great support!", "too slow"])[:, 3].tolist()
    [0.7959, 0.0]
    """
    polarity = analyzer().polarity_scores
    out = np.empty((len(texts), 4), dtype=np.float64)
    for i, text in enumerate(texts):  # VADER scores one text at a time
        s = polarity(text)
        out[i] = (s["neg"], s["neu"], s["pos"], s["compound"])
    return out


def distinct_texts(texts: NDArray[Any]) -> tuple[list[str], NDArray[np.int64]]:
    """The distinct texts in order of first appearance and each text's index into them
    (one hash per text; no sort of the texts)."""
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(t, len(index)) for t in texts.tolist()),
                        dtype=np.int64, count=texts.size)
    return list(index), codes


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return max(os.cpu_count() or 1, 1)


def _pool_context() -> Any:
    # Forked workers inherit the loaded lexicon and never re-run the caller's script (spawn
    # would import __main__ again, which a notebook or an unguarded script cannot allow).
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


def sentiment_scores(texts: NDArray[Any], *, workers: int | None = None
                     ) -> NDArray[np.float64]:
    """VADER scores of every text (an object array of ``str``): ``(n, 4)`` as
    ``score_texts``, each distinct text scored once, in a process pool of ``workers``
    (default: every core) when there are at least ``PARALLEL_MIN`` distinct texts."""
    distinct, codes = distinct_texts(texts)
    k = len(distinct)
    n_workers = default_workers() if workers is None else workers
    context = _pool_context()
    if n_workers <= 1 or k < PARALLEL_MIN or context is None:
        return score_texts(distinct)[codes]
    analyzer()  # load the lexicon before forking, so each worker has it
    # Chunks interleave long and short texts alike: a few per worker, to even the load.
    n_chunks = 4 * n_workers
    bounds = np.linspace(0, k, n_chunks + 1).astype(np.int64)
    chunks = [distinct[int(a):int(b)] for a, b in itertools.pairwise(bounds)]
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=context) as pool:
        parts = list(pool.map(score_texts, chunks))
    return np.concatenate(parts)[codes]
