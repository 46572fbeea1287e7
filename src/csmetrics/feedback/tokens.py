"""The tokenizer of the feedback metrics: lower-cased words, English stop words, bigrams.

A *word* is a run of letters (any script), with apostrophes inside it kept (``don't``,
``customer's``); digits, punctuation, symbols and emoji separate words and are dropped. Words
are lower-cased (``str.lower``). *Stop words* (``STOP_WORDS``, a short English list written
for csmetrics: articles, pronouns, auxiliaries, prepositions, conjunctions) are dropped. A
*bigram* is two words next to each other among the comment's words (punctuation between them
does not separate them), neither a stop word: ``"not easy"`` is one (``not`` is kept, it
carries meaning), ``"price of licences"`` gives none. The rules are for English; text in
scripts without spaces (Chinese, Japanese) gives one "word" per run of letters.
"""

from __future__ import annotations

import itertools
import re

STOP_WORDS = frozenset((
    "a", "about", "above", "after", "again", "all", "also", "am", "an", "and", "any", "are",
    "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but",
    "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for",
    "from", "further", "get", "got", "had", "has", "have", "having", "he", "her", "here",
    "hers", "herself", "him", "himself", "his", "how", "i", "i'd", "i'll", "i'm", "i've", "if",
    "in", "into", "is", "it", "it's", "its", "itself", "just", "let's", "me", "more", "most",
    "my", "myself", "of", "off", "on", "once", "one", "only", "or", "other", "our", "ours",
    "ourselves", "out", "over", "own", "really", "same", "she", "should", "so", "some", "such",
    "than", "that", "that's", "the", "their", "theirs", "them", "themselves", "then", "there",
    "there's", "these", "they", "they're", "this", "those", "through", "to", "too", "under",
    "until", "up", "us", "very", "was", "we", "we're", "were", "what", "when", "where",
    "which", "while", "who", "whom", "why", "will", "with", "would", "you", "you're", "your",
    "yours", "yourself", "yourselves",
))
"""English stop words dropped by the tokenizer (written for csmetrics; negations such as
``not``, ``no``, ``never`` and ``don't`` are kept, as they carry the meaning of a comment)."""

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")


def words(text: str) -> list[str]:
    """The words of ``text``, lower-cased, stop words kept (see the module documentation).

    Examples
    --------
    >>> words("Don't like the NEW pricing—2x more!")
    ["don't", 'like', 'the', 'new', 'pricing', 'x', 'more']
    """
    return [w.replace("\u2019", "'") for w in _WORD.findall(text.lower())]


def terms(text: str, *, bigrams: bool = True) -> list[str]:
    """The unigrams (words that are not stop words) and, with ``bigrams``, the bigrams
    (two such words next to each other, joined by a space) of ``text``.

    Examples
    --------
    >>> terms("The support team is slow, really slow")
    ['support', 'team', 'slow', 'slow', 'support team']
    """
    found = words(text)
    kept = [w for w in found if w not in STOP_WORDS]
    if not bigrams:
        return kept
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(found)
             if a not in STOP_WORDS and b not in STOP_WORDS]
    return kept + pairs
