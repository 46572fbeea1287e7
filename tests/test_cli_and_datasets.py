"""The command line and the synthetic datasets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import csmetrics as cm
from csmetrics.cli import main
from csmetrics.datasets import (
    synthetic_seats,
    synthetic_survey_columns,
    synthetic_ticket_columns,
    synthetic_usage_columns,
)
from csmetrics.datasets.subscriptions import demo_portfolio, synthetic_columns, synthetic_portfolio


def test_report_demo_prints_the_bridge(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--demo"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("csmetrics report, 2024-12\n")
    assert "monthly detail 2024-01 to 2024-12" in out
    for title in ("Summary (USD)", "MRR movements by month (USD)", "Churn and retention",
                  "Logo cohorts", "Lifetime and lifetime value", "Surveys", "NPS by month"):
        assert title in out
    # The headline equals the library's own number.
    headline = next(line for line in out.splitlines() if line.startswith("MRR on 2024-12-31"))
    assert headline.split()[-1] == f"{float(cm.mrr(demo_portfolio(), '2024-12')):,.2f}"


def test_report_demo_with_period_and_months(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--demo", "--period", "2024-06", "--months", "3"]) == 0
    assert "2024-04 to 2024-06" in capsys.readouterr().out


def test_report_without_data_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report"]) == 2
    assert "--demo" in capsys.readouterr().err


def test_bad_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--demo", "--period", "soon"]) == 2
    assert "cannot read 'soon'" in capsys.readouterr().err
    assert main(["report", "--demo", "--months", "0"]) == 2


def test_a_quarter_ends_the_report_at_its_last_month(capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    assert main(["report", "--demo", "--period", "2024-Q3", "--months", "3"]) == 0
    assert "2024-07 to 2024-09" in capsys.readouterr().out


def test_unknown_command_exits_2() -> None:
    with pytest.raises(SystemExit) as info:
        main(["dance"])
    assert info.value.code == 2


def test_installed_console_script_runs() -> None:
    exe = Path(sys.executable).with_name("csmetrics")
    if not exe.exists():
        pytest.skip("console script not installed in this environment")
    done = subprocess.run([str(exe), "report", "--demo", "--months", "2"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "MRR movements by month" in done.stdout


class TestDatasets:
    def test_same_seed_same_portfolio_other_seed_differs(self) -> None:
        a, b = synthetic_columns(500, seed=1), synthetic_columns(500, seed=1)
        c = synthetic_columns(500, seed=2)
        assert all(np.array_equal(a[k].astype(str), b[k].astype(str)) for k in a)
        assert not np.array_equal(a["amount"], c["amount"])

    def test_portfolio_is_valid_and_has_every_movement(self) -> None:
        subs = synthetic_portfolio(2_000, months=24, seed=4)
        assert subs.n_customers == 2_000
        assert len(subs.skipped) == 0
        r = cm.mrr_movements(subs, "2022-01", "2023-12")
        for col in ("new", "expansion", "contraction", "churn", "reactivation"):
            assert r[col].sum() > 0, col
        intervals = set(subs.column("interval").tolist())
        assert intervals == {"month", "year"}
        assert np.isnat(subs.end).any()          # open-ended subscriptions
        assert (subs.start < np.datetime64("2022-01-01")).any()  # customers before the window

    def test_nothing_starts_after_the_data_end(self) -> None:
        subs = synthetic_portfolio(1_000, months=12, seed=9, start="2023-01")
        assert subs.start.max() < np.datetime64("2024-01-01")
        ends = subs.end[~np.isnat(subs.end)]
        assert ends.max() < np.datetime64("2024-01-01")

    def test_several_currencies(self) -> None:
        subs = synthetic_portfolio(300, months=6, seed=1, currencies=("USD", "EUR", "JPY"))
        assert subs.currencies.tolist() == ["EUR", "JPY", "USD"]
        with pytest.raises(cm.CurrencyMismatchError):
            float(cm.mrr(subs, "2022-06"))
        assert len(cm.mrr(subs, "2022-06", by="currency")) == 3

    def test_bad_arguments(self) -> None:
        with pytest.raises(cm.InvalidParameterError, match=r"^synthetic_columns: n_customers "
                           r"must be a whole number between 1 and 100000000 \(inclusive\), "
                           r"got 0\.$"):
            synthetic_columns(0)
        with pytest.raises(cm.InvalidParameterError, match="months must be a whole number"):
            synthetic_columns(10, months=0)
        with pytest.raises(cm.InvalidParameterError, match=r"currencies must be a non-empty "
                           r"sequence of some of AUD, CAD, EUR, GBP, JPY, USD, got \('XXX',\)"):
            synthetic_columns(10, currencies=("XXX",))
        with pytest.raises(cm.InvalidParameterError, match="currencies must be"):
            synthetic_columns(10, currencies=())

    @pytest.mark.parametrize(("call", "message"), [
        (lambda: synthetic_columns(10, seed=-1), r"^synthetic_columns: seed must be a whole "
                                                 r"number >= 0, got -1\.$"),
        (lambda: synthetic_columns(10, start="2024-13"), "start must be a month such as"),
        (lambda: synthetic_columns(10**30), "n_customers must be a whole number between 1 and "
                                            "100000000"),
        (lambda: synthetic_columns(10, months=10**30), "months must be a whole number between"),
        (lambda: synthetic_usage_columns(["a", ("b",)]),
         r"^synthetic_usage_columns: customers must be a number of customers \(0 to "
         r"100,000,000\) or a list of customer ids, got \['a', \('b',\)\]\.$"),
        (lambda: synthetic_usage_columns(2.5), "customers must be a number of customers"),
        (lambda: synthetic_usage_columns(3, seats=[1, 2, "x"]), "seats must be None or a list"),
        (lambda: synthetic_usage_columns(3, start="x"), "start must be a day such as"),
        (lambda: synthetic_usage_columns(3, days=10**30), "days must be a whole number between"),
        (lambda: synthetic_usage_columns(3, events_per_active_day=0),
         "events_per_active_day must be a number between 1 and 10000"),
        (lambda: synthetic_ticket_columns(3, seed=1.5), "seed must be a whole number"),
        (lambda: synthetic_survey_columns(3, surveys=5), "surveys must be a list of survey names"),
        (lambda: synthetic_survey_columns(3, responses_per_customer=10**30),
         "responses_per_customer must be a number between 0 and 10000"),
        (lambda: synthetic_seats(None), "customers must be a number of customers"),
    ])
    def test_hostile_arguments_are_option_errors(self, call: Any, message: str) -> None:
        with pytest.raises(cm.InvalidParameterError, match=message):
            call()



def test_import_stays_light() -> None:
    # scipy, pandas, polars, pyarrow and matplotlib load only when a function needs them.
    code = ("import sys, csmetrics; heavy = ('scipy', 'pandas', 'polars', 'pyarrow', "
            "'matplotlib', 'duckdb'); print([m for m in heavy if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_import_loads_nothing_until_a_name_is_used() -> None:
    # `import csmetrics` is lazy (PEP 562): reading a CSV file pays for the tables and the
    # reader, not for health scores, forecasts or the report.
    code = ("import sys, csmetrics as cm; a = 'numpy' in sys.modules; cm.read_subscriptions_csv; "
            "print(a, 'csmetrics.tables.subscriptions' in sys.modules, "
            "'csmetrics.report' in sys.modules, 'csmetrics.health' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["False", "True", "False", "False"]


def test_the_lazy_names_are_the_imported_names() -> None:
    # The TYPE_CHECKING imports (what mypy and editors see) and _LAZY (what runs) must name
    # the same object for every public name.
    import ast
    import importlib
    from pathlib import Path

    tree = ast.parse(Path(cm.__file__).read_text(encoding="utf-8"))
    imported = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(
                "csmetrics"):
            for alias in node.names:
                imported[alias.asname or alias.name] = (node.module, alias.name)
    assert set(imported) == set(cm._LAZY) == set(cm.__all__) - {"__version__"}
    for name, (module, attr) in imported.items():
        expected = getattr(importlib.import_module(module), attr)
        assert getattr(cm, name) is expected, name
    assert "mrr" in dir(cm)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        cm.nope  # noqa: B018


def test_reading_files_does_not_import_pandas(tmp_path: Path) -> None:
    # pyarrow's pa.array(numpy), to_numpy() and dataset import pandas when it is installed
    # (0.3 s a process); the readers go around them. Text ids that need a sort, categories
    # with blanks and a Parquet file with dictionaries are the paths that used them.
    csv_path = tmp_path / "subs.csv"
    csv_path.write_text("customer_id,start,amount,plan,auto_renew,churn_type\n"
                        "cus_2,2024-01-01,5,pro, ,voluntary\ncus_10,2024-02-01,7,,yes,\n"
                        "cus_1,2024-03-01,9,basic,no,delinquent\n", encoding="utf-8")
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    text = {"customer_id": ["cus_2", "cus_10", "cus_1"], "plan": ["pro", None, "basic"],
            "auto_renew": [" ", "yes", "no"]}
    pq.write_table(pa.table({**{k: pa.array(v).dictionary_encode() for k, v in text.items()},
                             "start": pa.array([19723, 19754, 19783], pa.date32()),
                             "amount": pa.array([5.0, 7.0, 9.0])}), tmp_path / "subs.parquet")
    code = (f"import sys, csmetrics as cm; t = cm.read_subscriptions_csv({str(csv_path)!r}); "
            f"p = cm.read_subscriptions_parquet({str(tmp_path / 'subs.parquet')!r}); "
            "assert p.customer_ids.tolist() == t.customer_ids.tolist(); "
            "print(t.customer_ids.tolist(), 'pandas' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split("] ")[-1].strip() == "False", done.stdout
    assert "['cus_1', 'cus_10', 'cus_2']" in done.stdout
