"""Every script and notebook in examples/ runs to the end."""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path

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
def test_notebook_runs(notebook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the notebook in a real Jupyter kernel, as a user runs it, and look at its outputs.

    The kernel is this interpreter (a kernelspec written for the test) importing the
    csmetrics under test; no cell may fail; cells tagged ``shows-table`` must display HTML and
    cells tagged ``shows-chart`` a PNG (the notebook's ``%matplotlib inline``), every cell
    that draws must be tagged so, and no cell may print a warning.
    """
    pytest.importorskip("ipykernel", reason="running a notebook needs ipykernel "
                        "(pip install 'csmetrics[test]')")
    import nbformat
    from ipykernel.kernelspec import install
    from nbclient import NotebookClient

    import csmetrics

    # A kernelspec of this interpreter, so the kernel is not some other Python's "python3".
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share" / "jupyter"))
    install(kernel_name="csmetrics-test", prefix=str(tmp_path))
    # The kernel inherits the environment: the source tree under test first on its path
    # (absolute: the kernel runs in examples/), and no GUI backend for anything not inline.
    source = str(Path(csmetrics.__file__).resolve().parent.parent)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [source, *filter(None, [os.environ.get("PYTHONPATH")])]))
    monkeypatch.setenv("MPLBACKEND", "Agg")

    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import csmetrics as _cm, os as _os; print(_os.path.realpath(_cm.__file__))"))
    client = NotebookClient(nb, kernel_name="csmetrics-test", timeout=300,
                            startup_timeout=120, allow_errors=False,
                            resources={"metadata": {"path": str(HERE)}})
    client.execute()   # raises CellExecutionError, naming the cell, if any cell fails

    checked = nb.cells.pop()
    assert checked.outputs[0]["text"].strip() == os.path.realpath(csmetrics.__file__), \
        "the kernel imported another csmetrics than the one under test"
    missing: list[str] = []
    for number, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tags = set(cell.metadata.get("tags", []))
        kinds = {kind for out in cell.outputs for kind in out.get("data", {})}
        draws = ".plot(" in cell.source or "cm.plot." in cell.source
        first = cell.source.splitlines()[0]
        if draws and "shows-chart" not in tags:
            missing.append(f"cell {number} ({first!r}) draws but is not tagged shows-chart")
        if "shows-chart" in tags and "image/png" not in kinds:
            missing.append(f"cell {number} ({first!r}) shows no chart: outputs {sorted(kinds)}")
        if "shows-table" in tags and "text/html" not in kinds:
            missing.append(f"cell {number} ({first!r}) shows no HTML: outputs {sorted(kinds)}")
        errors = [out for out in cell.outputs if out.get("output_type") == "error"]
        assert not errors, f"cell {number} failed: {errors}"
        # A warning printed under a cell (a deprecated call in csmetrics' own code, an
        # undefined metric on the demo data) is what a reader would see: none is expected.
        warned = [out["text"] for out in cell.outputs if out.get("name") == "stderr"
                  and "Warning" in out["text"]]
        if warned:
            missing.append(f"cell {number} ({first!r}) printed a warning: {warned}")
    assert not missing, "\n".join(missing)
    tagged = [set(c.metadata.get("tags", [])) for c in nb.cells if c.cell_type == "code"]
    assert sum("shows-chart" in t for t in tagged) >= 5
    assert sum("shows-table" in t for t in tagged) >= 5


def test_there_are_examples() -> None:
    assert len(SCRIPTS) >= 4
    assert NOTEBOOKS
