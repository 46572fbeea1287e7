"""Portfolio reports, CSV loading and the command line (the HTML report in a real browser:
tests/test_report_browser.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import csmetrics as cm
from csmetrics.cli import main
from csmetrics.io.csv import (
    FIELDS,
    CSVDataError,
    CSVFormatError,
    escape_csv_cell,
    read_subscriptions_csv,
    read_surveys_csv,
    read_table_csv,
    read_tickets_csv,
    read_usage_csv,
    write_csv,
)
from csmetrics.report.portfolio import Portfolio

SUBS_CSV = """Customer ID,Plan,Start (UTC),Ended At (UTC),Amount,Interval
acme,pro,2024-01-15,,1200,year
globex,team,2024-02-01,2024-06-10,90,quarter
initech,team,2024-03-05,,49,month
"""


@pytest.fixture
def subs_csv(tmp_path: Path) -> Path:
    path = tmp_path / "subs.csv"
    path.write_text(SUBS_CSV)
    return path


STRIPE_COLUMNS = {"customer_id": "Customer ID", "plan": "Plan", "start": "Start (UTC)",
                  "end": "Ended At (UTC)", "amount": "Amount", "interval": "Interval"}


class TestCSV:
    def test_read_with_a_column_mapping(self, subs_csv: Path) -> None:
        subs = read_subscriptions_csv(subs_csv, columns=STRIPE_COLUMNS)
        # acme 1200/12 = 100, globex 90/3 = 30, initech 49 on 31 March.
        assert float(cm.mrr(subs, "2024-03")) == 179.0
        assert float(cm.mrr(subs, "2024-06")) == 149.0

    def test_error_names_file_line_column_and_rule(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.csv"
        path.write_text("customer_id,start,amount\na,2024-01-01,10\nb,2024-01-01,-5\n"
                        "c,2024-01-01,oops\n")
        with pytest.raises(CSVDataError) as info:
            read_subscriptions_csv(path)
        # Both broken rules at once, each with its line and the value found there.
        assert str(info.value) == (
            f"{path}: the input breaks 2 rules:\n"
            "  - line 4: column 'amount' must be a number; 1 of 3 rows breaks this rule "
            "(value 'oops')\n"
            "  - line 3: column 'amount' must be >= 0; 1 of 3 rows breaks this rule "
            "(value '-5')")
        assert info.value.lines == (4,)
        assert info.value.problems.to_dict()["lines"] == [[4], [3]]

    def test_missing_mapped_column_lists_those_present(self, subs_csv: Path) -> None:
        with pytest.raises(cm.ColumnNotFoundError, match="'Customer ID'"):
            read_subscriptions_csv(subs_csv, columns={"customer_id": "Customer"})

    def test_date_format(self, tmp_path: Path) -> None:
        path = tmp_path / "eu.csv"
        path.write_text("customer_id,start,amount\na,15/01/2024,10\nb,31/02/2024,10\n")
        with pytest.raises(CSVDataError, match=r"line 3: column 'start' must be a date in "
                           r"the format '%d/%m/%Y'"):
            read_subscriptions_csv(path, date_format="%d/%m/%Y")

    def test_empty_file_and_ragged_rows(self, tmp_path: Path) -> None:
        empty = tmp_path / "empty.csv"
        empty.write_text("")
        with pytest.raises(CSVFormatError, match="empty"):
            read_subscriptions_csv(empty)
        ragged = tmp_path / "ragged.csv"
        ragged.write_text("customer_id,start,amount\na,2024-01-01,10,extra\n")
        with pytest.raises(CSVFormatError, match="line 2 has 4 cells"):
            read_subscriptions_csv(ragged)
        twice = tmp_path / "twice.csv"
        twice.write_text("customer_id,start,amount,amount\na,2024-01-01,10,999\n")
        with pytest.raises(CSVFormatError, match="repeats column 'amount'"):
            read_subscriptions_csv(twice)

    def test_lines_count_blank_lines(self, tmp_path: Path) -> None:
        path = tmp_path / "gaps.csv"
        path.write_text("customer_id,start,amount\na,2024-01-01,10\n\nb,2024-01-01,-5\n")
        with pytest.raises(CSVDataError, match=r"gaps.csv: line 4: column 'amount'"):
            read_subscriptions_csv(path)
        subs = read_subscriptions_csv(path, errors="skip")
        assert subs.skipped["rule"].tolist() == ["must be >= 0 (line 4)"]

    def test_date_format_with_skip_skips_the_bad_dates(self, tmp_path: Path) -> None:
        path = tmp_path / "eu.csv"
        path.write_text("customer_id,start,amount\na,15/01/2024,10\nb,31/02/2024,10\n"
                        "c,2024-01-07,10\n")
        subs = read_subscriptions_csv(path, date_format="%d/%m/%Y", errors="skip")
        assert len(subs) == 1
        # The ISO date is not in the given format: skipped too, never read another way.
        assert subs.skipped["row"].tolist() == [1, 2]

    def test_formula_cells_are_escaped(self) -> None:
        assert escape_csv_cell("=1+1") == "'=1+1"
        assert escape_csv_cell("@SUM(A1)") == "'@SUM(A1)"
        assert escape_csv_cell("+33 1 23") == "'+33 1 23"
        assert escape_csv_cell("-cmd") == "'-cmd"
        assert escape_csv_cell("acme") == "acme"
        assert escape_csv_cell(-12.5) == "-12.5"
        text = write_csv({"customer": ["=HYPERLINK(\"x\")", "ok"], "mrr": [1.0, -2.0]})
        assert text.splitlines() == ["customer,mrr", "\"'=HYPERLINK(\"\"x\"\")\",1.0",
                                     "ok,-2.0"]


# One case per adapter: a file whose columns carry other names than the fields, with one bad
# value on line 3 (the header is line 1) in the column named last.
ADAPTERS = {
    "subscriptions": (cm.SubscriptionTable, "acct,begins,price\na,2024-01-01,10\n"
                      "b,2024-01-01,-5\n",
                      {"customer_id": "acct", "start": "begins", "amount": "price"},
                      "column 'price' must be >= 0"),
    "surveys": (cm.SurveyTable, "acct,survey,score,date\na,nps,9,2024-01-05\n"
                "b,nps,11,2024-01-06\n", {"customer_id": "acct", "submitted_at": "date"},
                "column 'score' must be on its survey's scale"),
    "usage": (cm.UsageTable, "acct,user,time\na,ann,2024-01-05T10:00:00Z\nb,bob,soon\n",
              {"customer_id": "acct", "user_id": "user", "at": "time"},
              "column 'time' must be a timestamp"),
    "tickets": (cm.SupportTicketTable, "acct,opened,contacts\na,2024-01-05T10:00:00Z,1\n"
                "b,2024-01-06T10:00:00Z,-1\n", {"customer_id": "acct", "opened_at": "opened"},
                "column 'contacts' must be a whole number >= 0"),
}
READERS = {"subscriptions": read_subscriptions_csv, "surveys": read_surveys_csv,
           "usage": read_usage_csv, "tickets": read_tickets_csv}


@pytest.mark.parametrize("kind", sorted(ADAPTERS))
class TestOneReaderForEveryTable:
    def write(self, tmp_path: Path, kind: str, text: str | None = None) -> Path:
        path = tmp_path / f"{kind}.csv"
        path.write_text(ADAPTERS[kind][1] if text is None else text)
        return path

    def test_the_same_table_as_the_same_columns(self, tmp_path: Path, kind: str) -> None:
        table_type, text, mapping, _ = ADAPTERS[kind]
        good = "\n".join(text.splitlines()[:2]) + "\n"
        table = READERS[kind](self.write(tmp_path, kind, good), columns=mapping)
        header, row = (line.split(",") for line in good.splitlines())
        direct = table_type.from_columns({h: [v] for h, v in zip(header, row, strict=True)},
                                         **mapping)
        assert type(table) is table_type
        assert repr(table.to_dict()) == repr(direct.to_dict())      # NaN equal to NaN
        generic = read_table_csv(table_type, self.write(tmp_path, kind, good),
                                 fields=FIELDS[kind], columns=mapping)
        assert repr(generic.to_dict()) == repr(table.to_dict())

    def test_a_bad_value_names_file_line_column_and_rule(self, tmp_path: Path,
                                                          kind: str) -> None:
        _, _, mapping, rule = ADAPTERS[kind]
        path = self.write(tmp_path, kind)
        with pytest.raises(CSVDataError, match=rf"^{re.escape(str(path))}: line 3: "
                           rf"{re.escape(rule)}") as info:
            READERS[kind](path, columns=mapping)
        assert info.value.lines == (3,)
        assert info.value.path == str(path)

    def test_skipped_rows_name_their_line(self, tmp_path: Path, kind: str) -> None:
        _, text, mapping, _ = ADAPTERS[kind]
        gappy = text.replace("\n", "\n\n", 2)     # a blank line 3: the bad row is on line 5
        table = READERS[kind](self.write(tmp_path, kind, gappy), columns=mapping,
                              errors="skip")
        assert len(table) == 1
        assert table.skipped["row"].tolist() == [1]
        assert table.skipped["rule"][0].endswith("(line 5)")

    def test_mapping_errors_are_the_same_for_every_table(self, tmp_path: Path,
                                                         kind: str) -> None:
        path = self.write(tmp_path, kind)
        with pytest.raises(cm.InvalidParameterError,
                           match=rf"^{re.escape(str(path))}: columns= maps unknown fields "
                                 rf"\['owner'\]; the fields are \["):
            READERS[kind](path, columns={"owner": "acct"})
        with pytest.raises(cm.ColumnNotFoundError, match="'Account'") as info:
            READERS[kind](path, columns={"customer_id": "Account"})
        assert f"{path} (for customer_id)" in str(info.value)

    def test_file_format_errors_are_the_same_for_every_table(self, tmp_path: Path,
                                                             kind: str) -> None:
        with pytest.raises(CSVFormatError, match="the file is empty"):
            READERS[kind](self.write(tmp_path, kind, ""))
        header = ADAPTERS[kind][1].splitlines()[0]
        n = header.count(",") + 1
        ragged = ",".join(["x"] * (n + 1))
        with pytest.raises(CSVFormatError, match=f"line 2 has {n + 1} cells but the header "
                           f"has {n}"):
            READERS[kind](self.write(tmp_path, kind, f"{header}\n{ragged}\n"))
        with pytest.raises(CSVFormatError, match="repeats column 'acct'"):
            READERS[kind](self.write(tmp_path, kind, f"{header},acct\n"))


def test_bad_options_get_the_shared_message(tmp_path: Path) -> None:
    path = tmp_path / "subs.csv"
    path.write_text("customer_id,start,amount\na,2024-01-01,10\n")
    for reader in READERS.values():
        with pytest.raises(cm.InvalidParameterError,
                           match=rf"^{reader.__name__}: errors must be one of 'raise', "
                                 r"'skip', got 'ignore'\.$"):
            reader(path, errors="ignore")  # type: ignore[operator]
    subs = read_subscriptions_csv(path)
    with pytest.raises(cm.InvalidParameterError, match=r"^Portfolio\.report: months must be "
                       r"a whole number between 1 and 1200 \(inclusive\), got 0\.$"):
        Portfolio(subscriptions=subs).report(months=0)
    with pytest.raises(cm.InvalidParameterError, match=r"got 100000\.$"):
        Portfolio(subscriptions=subs).report(months=100_000)
    with pytest.raises(cm.InvalidParameterError, match=r"^Portfolio: fx must be FxRates or "
                       r"None, got 'EUR'\.$"):
        Portfolio(subscriptions=subs, fx="EUR")  # type: ignore[arg-type]


def test_the_fields_of_each_adapter_are_its_records() -> None:
    assert FIELDS["subscriptions"] == tuple(cm.Subscription.model_fields)
    assert set(FIELDS["tickets"]) == {"customer_id", "ticket_id", "opened_at", "resolved_at",
                                      "contacts", "first_response_at", "priority",
                                      "reopened_at"}
    assert FIELDS["usage"] == ("customer_id", "user_id", "at", "feature", "duration_s")


def test_io_exports_the_reader_and_the_adapters() -> None:
    import csmetrics.io as io
    import csmetrics.io.csv as io_csv

    for name in ("read_table_csv", "read_subscriptions_csv", "read_surveys_csv",
                 "read_usage_csv", "read_tickets_csv", "write_csv", "escape_csv_cell",
                 "read_csv_columns", "CSVDataError", "CSVFormatError"):
        assert getattr(io, name) is getattr(io_csv, name)


class TestPortfolio:
    def test_subscriptions_only(self) -> None:
        report = Portfolio(subscriptions=cm.datasets.demo_portfolio()).report()
        keys = [s.key for s in report.sections]
        assert keys == ["summary", "mrr_bridge", "retention", "mrr_by_segment", "cohorts",
                        "lifetime", "renewals", "renewals_due", "churn_by_reason",
                        "churn_by_type"]
        assert report.period == "2024-12"
        assert report["summary"].table["value"][0] == float(cm.mrr(cm.datasets.demo_portfolio(),
                                                              "2024-12"))

    def test_surveys_only(self) -> None:
        report = Portfolio(surveys=cm.datasets.demo_surveys()).report("2024-Q4", months=3)
        assert [s.key for s in report.sections] == ["surveys", "nps_trend", "followups"]
        assert report.first == "2024-10"
        assert report["surveys"].table["metric"].tolist() == ["NPS", "CSAT", "CES"]

    def test_needs_some_data(self) -> None:
        with pytest.raises(cm.InvalidParameterError):
            Portfolio()

    def test_by_a_customer_attribute(self) -> None:
        subs = cm.datasets.demo_portfolio()
        ids = subs.customer_ids.tolist()
        customers = {"customer_id": ids, "region": ["EU" if i % 2 else "US"
                                                    for i in range(len(ids))]}
        report = Portfolio(subscriptions=subs, customers=customers).report(by="region")
        assert report["mrr_by_segment"].table["region"].tolist() == ["EU", "US"]
        assert report["mrr_by_segment"].table["mrr"].sum() == pytest.approx(
            float(cm.mrr(subs, "2024-12")))

    def test_long_reports_show_every_row_and_leave_matplotlib_alone(self) -> None:
        matplotlib = pytest.importorskip("matplotlib")
        matplotlib.use("pdf")
        report = Portfolio(subscriptions=cm.datasets.demo_portfolio()).report(months=24)
        page = report.to_html(charts=True)
        assert all(f">{p}<" in page for p in cm.period_range("2023-01", "2024-12"))
        assert "2023-07" in str(report)
        assert matplotlib.get_backend().lower() == "pdf"

    def test_plots_refuse_segmented_results(self) -> None:
        pytest.importorskip("matplotlib")
        from csmetrics.plotting import plot_mrr_bridge

        split = cm.mrr_movements(cm.datasets.demo_portfolio(), "2024-01", "2024-03",
                                 by="plan")
        with pytest.raises(cm.InvalidParameterError, match="split by segment"):
            plot_mrr_bridge(split)

    def test_json_is_strict_and_html_is_escaped(self) -> None:
        subs = [cm.Subscription(customer_id="<script>alert(1)</script>", start="2024-01-01",
                                amount=10, plan="<b>pro</b>")]
        report = Portfolio(subscriptions=subs).report("2024-03", months=3)
        data = json.loads(report.to_json())          # NaN would not parse: it is null
        assert data["period"] == "2024-03"
        page = report.to_html(charts=False)
        assert "<script>" not in page
        assert "<b>pro</b>" not in page
        assert "&lt;b&gt;pro&lt;/b&gt;" in page


class TestReportParts:
    def test_charts_are_the_results_own_plots_and_leave_pyplot_alone(self) -> None:
        pytest.importorskip("matplotlib")
        import matplotlib.pyplot as plt

        report = Portfolio(usage=cm.datasets.demo_usage(),
                           tickets=cm.datasets.demo_tickets()).report("2024-12")
        section = report["health"]
        assert isinstance(section.table, cm.TableResult)
        assert section.chart is not None
        before = plt.get_fignums()
        page = report.to_html(charts=True)
        assert page.count("<svg") == 1
        assert plt.get_fignums() == before

    def test_chart_of_a_result_without_a_plot_is_none(self) -> None:
        from csmetrics.report.render import chart_of

        assert chart_of(cm.TableResult({"x": [1]})) is None
        drawn: list[Any] = []

        class Plottable:
            def plot(self, *, ax: Any = None, kind: str = "") -> None:
                drawn.append((ax, kind))

        chart = chart_of(Plottable(), kind="bridge")
        assert chart is not None
        chart("the axes")
        assert drawn == [("the axes", "bridge")]

    def test_json_safe_makes_nan_and_infinity_null(self) -> None:
        from csmetrics.report.render import json_safe

        data = {"a": [1.0, float("nan")], "b": {"c": float("inf")}, "d": "x"}
        assert json_safe(data) == {"a": [1.0, None], "b": {"c": None}, "d": "x"}
        assert json.loads(json.dumps(json_safe(data), allow_nan=False))["a"] == [1.0, None]

    def test_segment_names_a_customer_attribute_and_leaves_none_to_the_resolver(self) -> None:
        from csmetrics._core.segments import NamedSegments

        subs = [cm.Subscription(customer_id=c, start="2024-01-01", amount=10)
                for c in ("a", "b", "c")]
        customers = {"customer_id": ["a", "b"], "region": ["EU", None]}
        p = Portfolio(subscriptions=subs, customers=customers)
        mapping = p.segment("region")
        assert isinstance(mapping, NamedSegments)
        assert mapping.segment_name == "region"
        assert dict(mapping) == {"a": "EU", "b": None}     # c is not listed at all
        assert p.segment("plan") == "plan"
        by_region = p.report("2024-03", by="region", months=3)["mrr_by_segment"].table
        assert by_region is not None
        # a in EU; b (no value) and c (not listed) in "(none)": 10 + 10.
        assert by_region["region"].tolist() == ["EU", "(none)"]
        assert by_region["mrr"].tolist() == [10.0, 20.0]

    def test_report_classes_keep_their_old_module(self) -> None:
        from csmetrics.report import portfolio, render

        assert portfolio.ReportSection is render.ReportSection
        assert portfolio.PortfolioReport is render.PortfolioReport


def test_plotting_exports_every_chart_from_its_domain_module() -> None:
    import csmetrics.plotting as plotting
    from csmetrics.plotting import (
        backtest,
        breakdown,
        drivers,
        drivers_health,
        forecast,
        health,
        renewals,
        revenue,
        support,
        surveys,
        value,
    )

    homes = {"plot_churn_breakdown": breakdown, "plot_mrr_bridge": revenue,
             "plot_mrr_movements": revenue,
             "plot_mrr_series": revenue, "plot_retention_trend": revenue,
             "plot_cohort_table": value, "plot_survival_curve": value,
             "plot_sbg_projection": value, "plot_nps": surveys,
             "plot_survey_estimate": surveys, "plot_survey_trend": surveys,
             "plot_health_bands": health, "plot_at_risk": health,
             "plot_health_transitions": health, "plot_renewals": renewals,
             "plot_backtest": backtest, "plot_sla_attainment": support,
             "plot_ticket_times": support, "plot_churn_drivers": drivers_health,
             "plot_mrr_forecast": forecast, "plot_key_drivers": drivers}
    assert sorted(plotting.__all__) == sorted(homes)
    for name, module in homes.items():
        assert getattr(plotting, name) is getattr(module, name)


def test_importing_plotting_does_not_import_matplotlib() -> None:
    code = ("import sys, csmetrics.plotting, csmetrics.report; "
            "print('matplotlib' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"


class TestCLI:
    def test_report_formats(self, tmp_path: Path, subs_csv: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
        cols = [f"{k}={v}" for k, v in STRIPE_COLUMNS.items()]
        base = ["report", "--subscriptions", str(subs_csv), "--columns", *cols,
                "--period", "2024-06", "--months", "6"]
        assert main(base) == 0
        assert "MRR on 2024-06-30" in capsys.readouterr().out
        assert main([*base, "--format", "json"]) == 0
        assert json.loads(capsys.readouterr().out)["period"] == "2024-06"
        out = tmp_path / "r.html"
        assert main([*base, "--format", "html", "--output", str(out)]) == 0
        assert out.read_text().startswith("<!DOCTYPE html>")

    def test_exit_codes(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["report"]) == 2
        assert main(["report", "--subscriptions", str(tmp_path / "nope.csv")]) == 2
        assert "no such file" in capsys.readouterr().err
        bad = tmp_path / "bad.csv"
        bad.write_text("customer_id,start,amount\na,2024-01-01,-1\n")
        assert main(["report", "--subscriptions", str(bad)]) == 1
        err = capsys.readouterr().err
        assert f"{bad}: line 2: column 'amount' must be >= 0" in err
        assert main(["report", "--demo", "--period", "someday"]) == 2
        assert main(["report", "--demo", "--months", "0"]) == 2
        assert main(["report", "--subscriptions", str(bad), "--columns", "nonsense"]) == 2
        with pytest.raises(SystemExit) as info:
            main(["report", "--format", "pdf"])
        assert info.value.code == 2

    def test_usage_and_tickets_files(self, tmp_path: Path, subs_csv: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
        usage = tmp_path / "usage.csv"
        usage.write_text("customer_id,user_id,at,feature\nacme,ann,2024-06-20T10:00:00Z,"
                         "reports\nacme,bob,2024-06-21T10:00:00Z,reports\n")
        tickets = tmp_path / "tickets.csv"
        tickets.write_text("customer_id,opened_at,resolved_at,contacts\n"
                           "acme,2024-06-01T09:00:00Z,,1\n")
        cols = [f"{k}={v}" for k, v in STRIPE_COLUMNS.items()]
        assert main(["report", "--subscriptions", str(subs_csv), "--columns", *cols,
                     "--usage", str(usage), "--tickets", str(tickets),
                     "--period", "2024-06", "--format", "json"]) == 0
        keys = [s["key"] for s in json.loads(capsys.readouterr().out)["sections"]]
        assert keys[-3:] == ["utilization", "health", "at_risk"]
        bad = tmp_path / "bad_usage.csv"
        bad.write_text("customer_id,user_id,at\nacme,ann,yesterday\n")
        assert main(["report", "--usage", str(bad)]) == 1
        assert f"{bad}: line 2" in capsys.readouterr().err

    def test_option_values_are_usage_errors(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["report", "--demo", "--by", "nope"]) == 2
        assert "split by one of plan, currency, interval" in capsys.readouterr().err
        assert main(["nps", "--demo", "--by", "none"]) == 0
        assert main(["nps", "--demo", "--by", "plan"]) == 2

    def test_fiscal_periods_on_the_command_line(self, capsys: pytest.CaptureFixture[str]
                                                ) -> None:
        assert main(["mrr", "--demo", "--freq", "year-apr", "--start", "FY2024",
                     "--end", "FY2025"]) == 0
        out = capsys.readouterr().out
        assert "FY2024" in out
        assert "FY2025" in out

    def test_customer_file_problems_are_data_errors(self, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
        twice = tmp_path / "customers.csv"
        twice.write_text("customer_id,region\ncus_001,EU\ncus_001,US\n")
        assert main(["report", "--demo", "--customers", str(twice)]) == 1
        assert "customer_id' must be unique" in capsys.readouterr().err

    def test_missing_column_is_a_data_error(self, subs_csv: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["report", "--subscriptions", str(subs_csv)]) == 1
        assert "column 'customer_id' not found" in capsys.readouterr().err

    def test_mrr_csv_output(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["mrr", "--demo", "--start", "2024-01", "--end", "2024-03",
                     "--format", "csv"]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert lines[0].startswith("period,starting_mrr,new")
        assert len(lines) == 4

    def test_nps(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = tmp_path / "nps.csv"
        path.write_text("account,score,date\na,10,2024-01-05\nb,6,2024-01-09\nc,9,2024-02-01\n")
        assert main(["nps", "--surveys", str(path), "--columns", "customer_id=account",
                     "submitted_at=date", "--survey-name", "nps", "--format", "json"]) == 0
        data = json.loads(capsys.readouterr().out)
        assert data["nps"] == [pytest.approx(100 * (2 - 1) / 3)]
        assert main(["nps", "--surveys", str(path), "--columns", "customer_id=account",
                     "submitted_at=date", "--survey-name", "nps", "--trend", "month"]) == 0
        assert "2024-02" in capsys.readouterr().out


def test_usage_and_tickets_readers_map_columns_and_name_lines(tmp_path: Path) -> None:
    from csmetrics.io.csv import read_tickets_csv, read_usage_csv

    events = tmp_path / "events.csv"
    events.write_text("account,user,time\na,ann,2024-01-05T10:00:00Z\nb,bob,soon\n")
    with pytest.raises(CSVDataError, match=r"events.csv: line 3: column 'time'"):
        read_usage_csv(events, columns={"customer_id": "account", "user_id": "user",
                                        "at": "time"})
    tickets = tmp_path / "tickets.csv"
    tickets.write_text("account,opened,closed,contacts\na,2024-01-05T10:00:00Z,,1\n")
    table = read_tickets_csv(tickets, columns={"customer_id": "account", "opened_at": "opened",
                                               "resolved_at": "closed"})
    assert len(table) == 1
    with pytest.raises(cm.InvalidParameterError, match="unknown fields"):
        read_tickets_csv(tickets, columns={"owner": "account"})


def test_columns_apply_to_usage_files_and_missing_attributes_are_none(
        tmp_path: Path, subs_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    usage = tmp_path / "usage.csv"
    usage.write_text("account,user,time\nacme,ann,2024-06-20T10:00:00Z\n")
    customers = tmp_path / "customers.csv"
    customers.write_text("customer_id,region\nacme,EU\n")      # globex, initech unlisted
    cols = [f"{k}={v}" for k, v in STRIPE_COLUMNS.items()]
    assert main(["report", "--subscriptions", str(subs_csv), "--usage", str(usage),
                 "--customers", str(customers), "--by", "region", "--period", "2024-06",
                 "--columns", *cols, "customer_id=account", "user_id=user", "at=time",
                 "--format", "json"]) == 0
    sections = {s["key"]: s for s in json.loads(capsys.readouterr().out)["sections"]}
    assert sections["mrr_by_segment"]["columns"]["region"] == ["EU", "(none)"]


def test_empty_survey_file_is_a_clear_error(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "answers.csv"
    empty.write_text("customer_id,survey,score,submitted_at\n")
    assert main(["nps", "--surveys", str(empty)]) == 2
    assert "no answers to survey 'nps'" in capsys.readouterr().err
