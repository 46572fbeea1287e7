"""The optional charts: each draws and returns its Axes; without matplotlib, a clear error."""

from __future__ import annotations

import sys
import warnings
from typing import Any

import numpy as np
import pytest

from csmetrics.datasets.subscriptions import demo_portfolio
from csmetrics.exceptions import UndefinedMetricWarning
from csmetrics.value.cohorts import cohort_table
from csmetrics.value.sbg import ShiftedBetaGeometric
from csmetrics.value.survival import kaplan_meier, survival_curve


@pytest.fixture
def plt() -> object:
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as pyplot

    yield pyplot
    pyplot.close("all")


def test_cohort_heat_map(plt: object) -> None:
    from matplotlib.axes import Axes

    table = cohort_table(demo_portfolio(), start="2024-01", end="2024-06")
    ax = table.plot()
    assert isinstance(ax, Axes)
    image: Any = ax.get_images()[0].get_array()
    assert image.mask[0].tolist() == [False] * 6  # first cohort observed at every age
    assert image.mask[-1].tolist() == [False] + [True] * 5  # censored cells stay blank
    assert len(ax.texts) == int((~np.isnan(table.values)).sum())


def test_survival_curve_with_band_and_segments(plt: object) -> None:
    from matplotlib.axes import Axes

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        curve = survival_curve(demo_portfolio(), at="2024-12", by="interval")
    ax = curve.plot()
    assert isinstance(ax, Axes)
    assert len(ax.lines) == 2
    assert len(ax.collections) == 2
    legend: Any = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["month", "year"]
    assert len(kaplan_meier([1, 2], [1, 0]).plot(band=False).collections) == 0


def test_sbg_projection_against_actuals(plt: object) -> None:
    sbg = ShiftedBetaGeometric.fit([1000, 631, 468, 382, 326, 289, 262, 241])
    held_out = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
    ax = sbg.plot(12, observed=held_out)
    model, observed = ax.lines
    assert model.get_xdata().tolist() == list(range(13))
    assert observed.get_ydata().tolist() == pytest.approx([x / 1000 for x in held_out])


def test_draws_on_a_given_axes(plt: object) -> None:
    _, ax = plt.subplots()  # type: ignore[attr-defined]
    assert kaplan_meier([1, 2, 3], [1, 1, 0]).plot(ax=ax) is ax


def test_missing_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'csmetrics\[plot\]'"):
        kaplan_meier([1, 2], [1, 0]).plot()
