"""Time zones written as words in date and timestamp text (``2024-03-05 14:22:01 UTC``), as
databases and spreadsheets print them, read as the ISO designator."""

from __future__ import annotations

import re

_UTC_WORD = re.compile(r"(?<=\d)\s*(?:UTC|GMT)$", re.IGNORECASE)


def utc_word_as_z(text: str) -> str:
    """ISO text whose zone is written as a word (``2024-03-05 14:22:01 UTC``, as databases
    and spreadsheets print it) with the ISO designator instead (``...14:22:01Z``); other
    text unchanged.

    Examples
    --------
    >>> utc_word_as_z("2024-03-05 14:22:01 UTC"), utc_word_as_z("2024-03-05 UTC")
    ('2024-03-05 14:22:01Z', '2024-03-05')
    """
    if text[-1:] not in "CTct":
        return text
    zoned = _UTC_WORD.sub("Z", text)
    # A date alone in UTC is that date: ISO 8601 gives a date no zone.
    return zoned[:-1] if len(zoned) == 11 and zoned != text else zoned
