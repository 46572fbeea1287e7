"""Every script and notebook in examples/ runs to the end."""

from __future__ import annotations

import json
import os
import runpy
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent.parent / "examples"
SCRIPTS = sorted(HERE.glob("*.py"))
NOTEBOOKS = sorted(HERE.glob("*.ipynb"))


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_example_runs(script: Path, capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    # The million-customer script runs at full size in CI (about ten seconds) unless
    # CSMETRICS_QUICK_EXAMPLES asks for a small portfolio.
    size = "20000" if os.environ.get("CSMETRICS_QUICK_EXAMPLES") else "1000000"
    monkeypatch.setattr(sys, "argv", [str(script), size])
    runpy.run_path(str(script), run_name="__main__")
    assert capsys.readouterr().out.strip()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(notebook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the notebook's code cells in order, in one namespace, as a kernel would."""
    monkeypatch.chdir(HERE)
    cells = json.loads(notebook.read_text())["cells"]
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for number, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        try:
            exec(compile(source, f"{notebook.name}[{number}]", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message is the point
            raise AssertionError(f"cell {number} of {notebook.name} failed: {exc!r}") from exc


def test_there_are_examples() -> None:
    assert len(SCRIPTS) >= 4
    assert NOTEBOOKS
