"""Planning a survey: how many NPS answers an interval of a given width needs.

``nps_sample_size`` is a formula of the planned margin and the expected shares, not a
metric of data: it returns a plain ``int``. Re-exported by ``csmetrics.surveys``.
"""

from __future__ import annotations

import math
import numbers
from typing import Literal

import numpy as np

from csmetrics._core.options import CONFIDENCE, Interval, Satisfies, validate_params
from csmetrics.exceptions import InvalidParameterError
from csmetrics.surveys.stats import TEST_INTERVAL, _z

_MARGIN = Interval(0, 200, closed="right")
_SHARE = Satisfies(lambda v: v is None or (isinstance(v, numbers.Real) and not isinstance(
    v, bool | np.bool_) and 0 <= float(v) <= 1), "a share between 0 and 1 (inclusive), or None")


@validate_params({"margin": _MARGIN, "confidence": CONFIDENCE, "promoters": _SHARE,
                  "detractors": _SHARE, "interval": TEST_INTERVAL})
def nps_sample_size(
    margin: float,
    *,
    confidence: float = 0.95,
    promoters: float | None = None,
    detractors: float | None = None,
    interval: Literal["adjusted_wald", "wald"] = "adjusted_wald",
) -> int:
    """Answers needed for an NPS interval of ``± margin`` points (a planning number, an int).

    Parameters
    ----------
    margin : float
        The half-width wanted, in NPS points (5 means ±5); more than 0, at most 200.
    confidence : float, default 0.95
    promoters, detractors : float, optional
        Expected shares (fractions). Without them, the worst case (half promoters, half
        detractors: the largest variance) is assumed, which never under-samples.
    interval : {"adjusted_wald", "wald"}, default "adjusted_wald"
        The method the interval will be computed with.

    Returns
    -------
    int
        The smallest number of answers whose expected margin is at most ``margin``. This is
        a formula for planning a survey, not a metric of data, so it returns a plain number
        rather than a result table.

    Raises
    ------
    InvalidParameterError
        An option is out of range, only one of ``promoters`` and ``detractors`` is given,
        or their sum is more than 1.

    Notes
    -----
    With ``V = p + d - (p - d)^2`` and ``z`` the normal quantile, the Wald margin is
    ``100 z sqrt(V / n)``, so ``n = ceil((100 z)^2 V / margin^2)``; the adjusted-Wald margin
    uses ``n + 3``, so three fewer answers are needed (taking ``V`` at the expected shares).
    At ``p = d = 1/3`` and 95% this is the rule of thumb "margin ≈ 160 / sqrt(n)"
    (Engelhardt, 2016).

    References
    ----------
    Engelhardt, A. (2016). Net Promoter Score confidence intervals 2: maths and stats.
    cybaea.net. Rocks, B. (2016). Interval Estimation for the "Net Promoter Score". The
    American Statistician 70(4), 365-372.

    Examples
    --------
    >>> nps_sample_size(5, promoters=1/3, detractors=1/3, interval="wald")
    1025
    >>> nps_sample_size(5)           # worst case
    1534
    """
    ctx = "nps_sample_size"
    if (promoters is None) != (detractors is None):
        raise InvalidParameterError(f"{ctx}: give both promoters and detractors, or neither.")
    p = 0.5 if promoters is None else float(promoters)
    d = 0.5 if detractors is None else float(detractors)
    if p + d > 1:
        raise InvalidParameterError(
            f"{ctx}: promoters and detractors are shares with a sum of at most 1, got "
            f"{p:g} + {d:g}.")
    var = p + d - (p - d) ** 2
    n = (100 * _z(confidence)) ** 2 * var / margin ** 2
    if interval == "adjusted_wald":
        n -= 3
    # Round away float noise before the ceiling: 1024.0000000001 answers is 1024.
    return max(math.ceil(round(n, 9)), 1)
