"""What every chart shares: the axes to draw on, the colours, axis formats (money, percent,
NPS points), period ticks that never overlap, legends outside the data, headroom for bar
labels, and the check that a result has one row per period.

matplotlib is imported when a chart is drawn, never when csmetrics is imported; given an
``ax``, a chart draws there and leaves pyplot alone (no figure is created or selected).

Every chart is made to read well on a constrained-layout figure of 8 x 3.6 or 6 x 3.2
inches (the HTML report's and a notebook cell's): legends sit to the right of the axes,
outside the data; period labels are thinned to a step that fits the axes' width; value
labels get headroom inside the view limits.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from csmetrics._core.compact import money_ticks, percent_ticks
from csmetrics._core.optional import import_optional
from csmetrics.exceptions import InvalidParameterError

GAIN, LOSS, LEVEL, NEUTRAL = "#2a9d8f", "#e76f51", "#457b9d", "#b8b8b8"
"""Colours: a gain, a loss, a level (starting and ending MRR), a neutral part (fx, passives)."""

SERIES = ("#457b9d", "#e76f51", "#2a9d8f", "#8e6c8a", "#e9c46a", "#264653", "#f4a261",
          "#6d597a")
"""Colours of lines drawn one per segment, in order (then repeated)."""

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
"""Markers of lines drawn one per segment, so they differ in grey print too."""

LINESTYLES = ("-", "--", "-.", ":")

FIGSIZE = (8.0, 3.6)
"""Size (inches) of a chart drawn without ``ax``: the HTML report's."""

_STEPS = (1, 2, 3, 4, 6, 12, 24, 36, 48, 60, 120)


def axes(ax: Any, purpose: str) -> Any:
    """``ax``, or the axes of a new pyplot figure (constrained layout, ``FIGSIZE``) when it
    is None; matplotlib is imported only then.

    Raises
    ------
    MissingDependencyError
        matplotlib is not installed (the message names ``pip install 'csmetrics[plot]'``).
    """
    if ax is not None:
        return ax
    plt = import_optional("matplotlib.pyplot", "plot", purpose)
    _, new = plt.subplots(figsize=FIGSIZE, layout="constrained")
    return new


def one_row_per_period(result: Any, periods: int, purpose: str, hint: str = "") -> None:
    """Refuse a result split by segment (more rows than ``periods``): a chart shows one.

    Raises
    ------
    InvalidParameterError
        The result has another number of rows than ``periods``.
    """
    if len(result) != periods:
        raise InvalidParameterError(
            f"{purpose}: the result is split by segment ({len(result)} rows for {periods} "
            "period" + "s" * (periods != 1) + "); "
            + (hint or "compute it without by= or plot one segment's rows."))


def _formatter(labels: Callable[[Sequence[float]], list[str]]) -> Any:
    """A matplotlib tick formatter writing every tick of an axis with ``labels`` at once."""
    ticker = import_optional("matplotlib.ticker", "plot", "charts")

    class _Ticks(ticker.Formatter):  # type: ignore[misc, name-defined]
        def __call__(self, x: float, pos: int | None = None) -> str:
            return labels([x])[0]

        def format_ticks(self, values: Sequence[float]) -> list[str]:
            return labels(list(values))

    return _Ticks()


def _axis(ax: Any, which: str) -> Any:
    return ax.yaxis if which == "y" else ax.xaxis


def money_axis(ax: Any, currency: str, which: str = "y", *, nbins: int = 5) -> None:
    """Write the ``which`` axis of ``ax`` as money of ``currency`` (``$160k``, ``€1.2M``).

    See ``csmetrics._core.compact.money_ticks``: one unit per axis, exact decimals.
    """
    ticker = import_optional("matplotlib.ticker", "plot", "charts")
    axis = _axis(ax, which)
    axis.set_major_locator(ticker.MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(_formatter(lambda v: money_ticks(v, currency)))


def percent_axis(ax: Any, which: str = "y", *, nbins: int = 5) -> None:
    """Write the ``which`` axis of ``ax``, which holds fractions, as percentages (``40%``)."""
    ticker = import_optional("matplotlib.ticker", "plot", "charts")
    axis = _axis(ax, which)
    axis.set_major_locator(ticker.MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(_formatter(percent_ticks))


def nps_axis(ax: Any, low: float, high: float, which: str = "y") -> None:
    """An axis of NPS points: whole-number ticks, headroom around ``low`` .. ``high`` (the
    data and their intervals), limits no further than 6 points past -100..100 (so that a
    marker on -100 is drawn whole, not cut by the axes)."""
    ticker = import_optional("matplotlib.ticker", "plot", "charts")
    lo, hi = (low, high) if math.isfinite(low) and math.isfinite(high) else (-100.0, 100.0)
    pad = max(5.0, 0.1 * (hi - lo))
    limits = (max(-106.0, lo - pad), min(106.0, hi + pad))
    (ax.set_ylim if which == "y" else ax.set_xlim)(*limits)
    axis = _axis(ax, which)
    axis.set_major_locator(ticker.MaxNLocator(nbins=5, integer=True, steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(_formatter(lambda v: [f"{x:g}" for x in v]))


def period_step(ax: Any, labels: Sequence[str], *, reserve: float = 0.0,
                fontsize: Any = None) -> int:
    """The step of labelled periods that fits ``ax``'s width: every 1, 2, 3, 4, 6, 12 ...

    The width is read from the figure (its size times the axes' share, less ``reserve``
    inches for a legend beside it), the labels' measured in the tick font.
    """
    mpl = import_optional("matplotlib", "plot", "charts")
    if not labels:
        return 1
    textpath = import_optional("matplotlib.textpath", "plot", "charts")
    font = mpl.font_manager.FontProperties(size=fontsize or mpl.rcParams["xtick.labelsize"])
    measure = textpath.TextToPath().get_text_width_height_descent
    widest = max(measure(str(s), font, ismath=False)[0] for s in set(labels))
    label_in = widest / 72 + 0.15   # points to inches, and a gap between labels
    fig = ax.get_figure()
    if fig.get_layout_engine() is not None and len(fig.axes) == 1:
        # Constrained or tight layout: the axes will span the figure less the y labels.
        width_in = fig.get_figwidth() - 1.0 - reserve
    else:
        width_in = fig.get_figwidth() * ax.get_position().width * 0.95 - reserve
    fits = max(1, int(width_in / label_in))
    return next((s for s in _STEPS if math.ceil(len(labels) / s) <= fits), len(labels))


def period_ticks(ax: Any, labels: Sequence[str], *, reserve: float = 0.0,
                 which: str = "x") -> None:
    """Label the positions 0..n-1 of ``ax`` with ``labels`` (periods), thinned to a step
    that fits (``period_step``), with a small unlabelled tick at every period."""
    step = period_step(ax, labels, reserve=reserve)
    n = len(labels)
    axis = _axis(ax, which)
    axis.set_ticks(range(0, n, step), [str(labels[i]) for i in range(0, n, step)])
    axis.set_ticks(range(n), minor=True)


def legend_outside(ax: Any, **options: Any) -> Any:
    """A legend to the right of the axes, outside the data (constrained layout makes room).
    Returns the legend, or None when nothing is labelled."""
    found, found_names = ax.get_legend_handles_labels()
    handles = options.pop("handles", found)
    names = options.pop("labels", found_names)
    if not handles:
        return None
    settings = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "borderaxespad": 0.0,
                "frameon": False, "fontsize": "small", **options}
    return ax.legend(handles, names, **settings)


LEGEND_WIDTH = 1.2
"""Inches a legend beside the axes takes, for ``period_step``'s ``reserve``."""


def headroom(ax: Any, low: float, high: float, *, share: float = 0.14) -> None:
    """Y limits from ``low`` to ``high`` (both including 0 when the bars start there), with
    ``share`` of the span as room above (and below, when negative) for value labels."""
    lo, hi = min(0.0, low), max(0.0, high)
    span = (hi - lo) or 1.0
    ax.set_ylim(lo - (share * span if lo < 0 else 0.0), hi + share * span)


def value_labels(ax: Any, x: Sequence[float], ends: Sequence[float], texts: Sequence[str],
                 *, fontsize: float = 7.5, horizontal: bool = False) -> None:
    """Write ``texts`` just beyond the ends of bars at ``x`` (above a positive end, below a
    negative one; right of a horizontal bar)."""
    for xi, end, text in zip(x, ends, texts, strict=True):
        if not text:
            continue
        if horizontal:
            ax.annotate(text, (end, xi), xytext=(3, 0), textcoords="offset points",
                        ha="left", va="center", fontsize=fontsize)
        else:
            up = end >= 0
            ax.annotate(text, (xi, end), xytext=(0, 2 if up else -2),
                        textcoords="offset points", ha="center",
                        va="bottom" if up else "top", fontsize=fontsize)
