"""Shared by the suite and the doctests of src/: charts drawn by a doctest are closed after
it, so the figures the examples open never pile up past matplotlib's open-figure warning
(the suite turns RuntimeWarning into an error)."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
