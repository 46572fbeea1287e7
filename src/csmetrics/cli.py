"""The ``csmetrics`` command.

``csmetrics report --demo`` prints the full report of a bundled synthetic portfolio;
``csmetrics report --subscriptions subs.csv [--surveys answers.csv] ...`` the report of your
own exports, as text, JSON or a self-contained HTML page with charts. ``csmetrics mrr`` and
``csmetrics nps`` print single metrics (as a table, CSV or JSON).

Exit codes: 0 success; 1 the data break a rule (the message names file, lines, column and
rule); 2 a usage error (an unknown option, a bad period, a file that cannot be read); 3 an
unexpected error, a bug in csmetrics (one line on standard error, never a traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from csmetrics import __version__
from csmetrics.exceptions import (
    CSMetricsError,
    DataValidationError,
    InvalidParameterError,
    MissingDependencyError,
)
from csmetrics.io.csv import (
    FIELDS,
    CSVFormatError,
    csv_header,
    read_csv_columns,
    read_subscriptions_csv,
    read_surveys_csv,
    read_tickets_csv,
    read_usage_csv,
    write_csv,
)
from csmetrics.report.render import json_safe

EXIT_OK, EXIT_DATA_ERROR, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3


class _UsageError(Exception):
    """A problem with the command line rather than with the data."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="csmetrics", description="Customer-success metrics for subscription businesses.",
        epilog="Exit codes: 0 ok, 1 the data break a rule, 2 usage error, 3 a bug in "
               "csmetrics.")
    parser.add_argument("--version", action="version", version=f"csmetrics {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    def inputs(cmd: argparse.ArgumentParser, *, surveys: bool = True) -> None:
        cmd.add_argument("--demo", action="store_true",
                         help="use the bundled synthetic demo data")
        cmd.add_argument("--subscriptions", metavar="CSV", help="subscriptions export")
        if surveys:
            cmd.add_argument("--surveys", metavar="CSV", help="survey answers export")
            cmd.add_argument("--usage", metavar="CSV", help="product usage events "
                             "(customer_id, user_id, at, feature)")
            cmd.add_argument("--tickets", metavar="CSV", help="support tickets "
                             "(customer_id, opened_at, resolved_at, contacts)")
        cmd.add_argument("--columns", metavar="FIELD=COLUMN", nargs="+", default=[],
                         help="map a field to a column of your files, e.g. "
                              "customer_id='Customer ID' amount=Amount")
        cmd.add_argument("--date-format", metavar="FMT",
                         help="strptime format of subscription dates (default ISO 8601)")

    report = commands.add_parser("report", help="every metric the data support")
    inputs(report)
    report.add_argument("--customers", metavar="CSV",
                        help="customer attributes (customer_id plus columns usable with --by)")
    report.add_argument("--period", help="last month of the report, or a quarter/year whose "
                        "last month ends it (default: the data's last month)")
    report.add_argument("--months", type=int, default=12, help="months in the window (12)")
    report.add_argument("--by", help="split segment sections by a subscription column "
                        "(plan, currency, interval) or a customer attribute")
    report.add_argument("--format", choices=("text", "json", "html"), default="text")
    report.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")

    mrr = commands.add_parser("mrr", help="MRR movements by period")
    inputs(mrr, surveys=False)
    mrr.add_argument("--start", required=False, help="first period (default: 11 before --end)")
    mrr.add_argument("--end", required=False, help="last period (default: the data's last)")
    mrr.add_argument("--freq", default="month", help="month, quarter, year or year-<mon>")
    mrr.add_argument("--by", help="split by plan, currency or interval")
    mrr.add_argument("--format", choices=("text", "csv", "json"), default="text")
    mrr.add_argument("--output", metavar="FILE")

    nps = commands.add_parser("nps", help="NPS with its confidence interval")
    nps.add_argument("--demo", action="store_true")
    nps.add_argument("--surveys", metavar="CSV")
    nps.add_argument("--columns", metavar="FIELD=COLUMN", nargs="+", default=[])
    nps.add_argument("--survey-name", help="survey of every row, for an export without a "
                     "survey column (e.g. nps)")
    nps.add_argument("--by", help="customer_id, respondent_id, or none")
    nps.add_argument("--trend", choices=("month", "quarter", "year"),
                     help="one row per period instead of one overall")
    nps.add_argument("--format", choices=("text", "csv", "json"), default="text")
    nps.add_argument("--output", metavar="FILE")
    return parser


def _columns(pairs: Sequence[str]) -> dict[str, list[str]]:
    """FIELD=COLUMN pairs; a field may be given several times, one per file's naming."""
    out: dict[str, list[str]] = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field or not column:
            raise _UsageError(f"--columns takes FIELD=COLUMN pairs, got {pair!r}")
        out.setdefault(field.strip(), []).append(column.strip())
    return out


_READERS: dict[str, Any] = {"subscriptions": read_subscriptions_csv,
                            "surveys": read_surveys_csv, "usage": read_usage_csv,
                            "tickets": read_tickets_csv}


def _read(kind: str, path: str | None, columns: dict[str, list[str]], *,
          require_rows: bool = True, **kw: Any) -> Any:
    """One export read by its table's adapter, ``--columns`` mapping its fields (None
    without a path); a file with a header only is a usage error with ``require_rows``."""
    if path is None:
        return None
    if not Path(path).is_file() and path != "-":
        raise _UsageError(f"--{kind}: no such file: {path}")
    table = _READERS[kind](path, columns=_mapping_for(path, kind, columns), **kw)
    if require_rows and len(table) == 0:  # the library reads an empty table; a command stops
        raise _UsageError(f"{path}: the file has a header but no rows")
    return table


def _portfolio(args: argparse.Namespace) -> Any:
    from csmetrics.report.portfolio import Portfolio

    customers = None
    if getattr(args, "customers", None):
        if not Path(args.customers).is_file():
            raise _UsageError(f"--customers: no such file: {args.customers}")
        customers = read_csv_columns(args.customers)
    if args.demo:
        from csmetrics.datasets.subscriptions import (
            demo_portfolio,
            demo_surveys,
            demo_tickets,
            demo_usage,
        )

        return Portfolio(subscriptions=demo_portfolio(), surveys=demo_surveys(),
                         usage=demo_usage(), tickets=demo_tickets(), customers=customers)
    columns = _columns(args.columns)
    known = {field for fields in FIELDS.values() for field in fields}
    unknown = sorted(set(columns) - known)
    if unknown:
        raise _UsageError(f"--columns: unknown fields {unknown}")
    subs = _read("subscriptions", args.subscriptions, columns, date_format=args.date_format)
    surveys = _read("surveys", getattr(args, "surveys", None), columns)
    usage = _read("usage", getattr(args, "usage", None), columns)
    tickets = _read("tickets", getattr(args, "tickets", None), columns)
    if subs is None and surveys is None and usage is None and tickets is None:
        raise _UsageError("give --demo, or at least one of --subscriptions, --surveys, "
                          "--usage and --tickets")
    return Portfolio(subscriptions=subs, surveys=surveys, usage=usage, tickets=tickets,
                     customers=customers)


def _mapping_for(path: str, kind: str, columns: dict[str, list[str]]) -> dict[str, str]:
    """The ``--columns`` pairs that apply to this file: for each of its fields, the first
    named column the file has. Where it has none of them but has the field's own name, no
    mapping; where it has neither, the first name, which the reader reports as missing."""
    header = set(csv_header(path)) if path != "-" else set()
    out: dict[str, str] = {}
    for field, names in columns.items():
        if field not in FIELDS[kind]:
            continue
        present = [n for n in names if n in header]
        if present:
            out[field] = present[0]
        elif field not in header:
            out[field] = names[0]
    return out


def _emit(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _table_out(table: Any, fmt: str) -> str:
    if fmt == "csv":
        return write_csv(table.to_dict())
    if fmt == "json":
        return json.dumps(json_safe(table.to_dict()), indent=2, allow_nan=False, default=str)
    return str(table)


def _check_by(portfolio: Any, by: str | None) -> None:
    if by is None:
        return
    allowed = ["plan", "currency", "interval", *sorted(portfolio.customers or {})]
    if by not in allowed:
        raise _UsageError(f"--by {by!r}: split by one of {', '.join(allowed)} "
                          "(customer attributes come from --customers)")


def _run_report(args: argparse.Namespace) -> str:
    if args.months < 1:
        raise _UsageError("--months must be >= 1")
    portfolio = _portfolio(args)
    _check_by(portfolio, args.by)
    period = _period(args.period, "--period")
    report = portfolio.report(period, by=args.by, months=args.months)
    if args.format == "json":
        return str(report.to_json())
    if args.format == "html":
        return str(report.to_html())
    return str(report)


def _run_mrr(args: argparse.Namespace) -> str:
    from csmetrics.periods.calendar import Period
    from csmetrics.revenue import mrr_movements

    portfolio = _portfolio(args)
    if portfolio.subscriptions is None:
        raise _UsageError("mrr needs --subscriptions or --demo")
    if args.by is not None and args.by not in ("plan", "currency", "interval"):
        raise _UsageError(f"--by {args.by!r}: split by plan, currency or interval")
    end = _period(args.end, "--end", args.freq) or portfolio.last_period()
    start = _period(args.start, "--start", args.freq) or Period.parse(end, "month") - 11
    return _table_out(mrr_movements(portfolio.subscriptions, start, end, freq=args.freq,
                                    by=args.by), args.format)


def _run_nps(args: argparse.Namespace) -> str:
    from csmetrics.surveys import net_promoter_score, survey_trend

    if args.demo:
        from csmetrics.datasets.subscriptions import demo_surveys

        table = demo_surveys()
    elif args.surveys:
        table = _read("surveys", args.surveys, _columns(args.columns), require_rows=False,
                      survey_name=args.survey_name)
    else:
        raise _UsageError("nps needs --surveys or --demo")
    if len(table) == 0:  # the library answers NaN for no answers; a command says why
        raise _UsageError(f"{args.surveys}: the file holds no answers to survey 'nps'")
    by = None if args.by in (None, "none") else args.by
    if by not in (None, "customer_id", "respondent_id"):
        raise _UsageError(f"--by {args.by!r}: use customer_id, respondent_id or none")
    if args.trend:
        result: Any = survey_trend(table, metric="nps", freq=args.trend, by=by)
    else:
        result = net_promoter_score(table, by=by)
    return _table_out(result, args.format)


def _period(value: str | None, option: str, freq: str | None = None) -> Any:
    """The last month of the period ``value`` names (read with ``freq`` for fiscal names)."""
    if value is None:
        return None
    from csmetrics.periods.calendar import Period

    try:
        return Period.parse(Period.parse(value, freq).end, "month")
    except CSMetricsError as exc:
        raise _UsageError(f"{option}: {exc}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 bad data, 2 bad usage)."""
    args = _parser().parse_args(argv)
    run = {"report": _run_report, "mrr": _run_mrr, "nps": _run_nps}[args.command]
    try:
        text = run(args)
        _emit(text, getattr(args, "output", None))
    except _UsageError as exc:
        print(f"csmetrics {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (DataValidationError, KeyError, CSVFormatError) as exc:
        message = str(exc) if not isinstance(exc, KeyError) else str(exc).strip("'\"")
        print(f"csmetrics {args.command}: {message}", file=sys.stderr)
        return EXIT_DATA_ERROR
    except (InvalidParameterError, MissingDependencyError, OSError, UnicodeError) as exc:
        print(f"csmetrics {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CSMetricsError as exc:
        print(f"csmetrics {args.command}: {exc}", file=sys.stderr)
        return EXIT_DATA_ERROR
    except Exception as exc:  # a bug: one line that can be reported, not a traceback
        print(f"csmetrics {args.command}: unexpected error ({type(exc).__name__}: {exc}); "
              "this is a bug in csmetrics, please report it.", file=sys.stderr)
        return EXIT_BUG
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
