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
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from csmetrics import __version__
from csmetrics._core.amounts import AMOUNT_FORMATS
from csmetrics.exceptions import (
    CSMetricsError,
    CurrencyMismatchError,
    DataValidationError,
    InvalidParameterError,
    MissingDependencyError,
)
from csmetrics.io.commands import (
    REFUSED,
    UsageError,
    read_export,
    reader_options,
    write_rejected,
)
from csmetrics.io.csv import (
    FIELDS,
    CSVFormatError,
    read_csv_columns,
    write_csv,
)
from csmetrics.io.exports import missing_rates, read_fx_csv
from csmetrics.io.presets import PRESETS
from csmetrics.report.render import json_safe

EXIT_OK, EXIT_DATA_ERROR, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3


_UsageError = UsageError


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
        cmd.add_argument("--preset", metavar="VENDOR", action="append", default=[],
                         choices=sorted(PRESETS),
                         help="read a vendor's documented export: stripe or chargebee "
                              "(--subscriptions), delighted (--surveys); may be repeated")
        cmd.add_argument("--amount-format", metavar="FMT", choices=sorted(AMOUNT_FORMATS),
                         help="how text amounts are written, e.g. '1,234.56' for '$1,200.00' "
                              "or '1.234,56' for '1.200,00 €' (default: plain numbers)")
        cmd.add_argument("--fx", metavar="CSV", help="exchange rates (columns month, currency, "
                         "rate: units of --currency per unit of currency)")
        cmd.add_argument("--currency", metavar="CODE",
                         help="the report currency the --fx rates convert into (e.g. USD)")
        cmd.add_argument("--errors", choices=("raise", "skip"), default="raise",
                         help="raise: stop and list the broken rules (exit 1); skip: leave "
                              "bad rows out, count them on stderr")
        cmd.add_argument("--rejected", metavar="FILE",
                         help="with --errors skip: write the refused rows (file, line, "
                              "column, rule and their original cells) as CSV")
        cmd.add_argument("--quiet", action="store_true", help="no progress on stderr")

    report = commands.add_parser("report", help="every metric the data support")
    inputs(report)
    report.add_argument("--survey-name", help="survey of every row of --surveys, for an "
                        "export without a survey column (e.g. nps)")
    report.add_argument("--survey-names", metavar="NAME=SURVEY", nargs="+", default=[],
                        help="map names of the survey column to surveys, e.g. "
                             "'NPS Q1=nps' 'NPS Q2=nps'")
    report.add_argument("--customers", metavar="CSV",
                        help="customer attributes (customer_id plus columns usable with --by)")
    report.add_argument("--period", help="the report's period: a month (2024-12), a quarter "
                        "(2024-Q4) or a year (2024); default: the data's last month")
    report.add_argument("--months", type=int, default=None, help="months of monthly detail "
                        "ending with the period (default: the period's months; 12 for a month)")
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
    nps.add_argument("--survey-names", metavar="NAME=SURVEY", nargs="+", default=[],
                     help="map names of the survey column to surveys, e.g. 'NPS Q1=nps'")
    nps.add_argument("--preset", metavar="VENDOR", action="append", default=[],
                     choices=["delighted"], help="read a Delighted export")
    nps.add_argument("--errors", choices=("raise", "skip"), default="raise")
    nps.add_argument("--rejected", metavar="FILE")
    nps.add_argument("--quiet", action="store_true", help="no progress on stderr")
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


def _read_fx(args: argparse.Namespace) -> Any:
    """``--fx`` rates into ``--currency``; None without ``--fx``."""
    if getattr(args, "fx", None) is None:
        if getattr(args, "currency", None):
            raise _UsageError("--currency needs --fx rates.csv (columns month, currency, rate)")
        return None
    if not getattr(args, "currency", None):
        raise _UsageError("--fx needs --currency, the report currency its rates convert into "
                          "(e.g. --currency USD)")
    if not Path(args.fx).is_file():
        raise _UsageError(f"--fx: no such file: {args.fx}")
    return read_fx_csv(args.fx, args.currency)


def _check_rates(subs: Any, fx: Any, period: Any, months: int, fx_path: str) -> None:
    """Every currency-month of the report whose MRR needs converting has a rate; else one
    error listing all the missing currency-months, in the command line's terms."""
    missing = missing_rates(subs, fx, period, months)
    if missing:
        listed = "; ".join(f"{cur} {', '.join(m)}" for cur, m in missing.items())
        raise _DataError(f"--fx {fx_path} has no rate for these currency-months (a rate dated "
                         f"in or before each month's end is needed): {listed}. Add rows "
                         f"'month,currency,rate' for them, in units of "
                         f"{fx.reporting_currency} per unit of the currency.")


class _DataError(Exception):
    """A problem with the data found by the command itself (exit 1)."""


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

        demo = "the bundled demo data"
        return Portfolio(subscriptions=demo_portfolio(), surveys=demo_surveys(),
                         usage=demo_usage(), tickets=demo_tickets(), customers=customers,
                         sources=dict.fromkeys(("subscriptions", "surveys", "usage",
                                                "tickets"), demo))
    columns = _columns(args.columns)
    known = {field for fields in FIELDS.values() for field in fields}
    known |= {k for p in args.preset for k in PRESETS[p].columns}
    unknown = sorted(set(columns) - known)
    if unknown:
        raise _UsageError(f"--columns: unknown fields {unknown}")
    if args.rejected and args.errors != "skip":
        raise _UsageError("--rejected needs --errors skip (without it the first broken "
                          "rules stop the command)")
    fx = _read_fx(args)
    # Every file is read before any stops the command: one run lists every file's problems.
    tables: dict[str, Any] = {}
    failed: list[DataValidationError] = []
    for kind in ("subscriptions", "surveys", "usage", "tickets"):
        try:
            tables[kind] = read_export(kind, getattr(args, kind, None), columns,
                                       **reader_options(kind, args))
        except DataValidationError as exc:
            failed.append(exc)
    if len(failed) == 1:
        raise failed[0]
    if failed:
        raise _DataError("\n".join(_cli_terms(str(e)) for e in failed))
    subs, surveys, usage, tickets = (tables[k] for k in ("subscriptions", "surveys", "usage",
                                                          "tickets"))
    write_rejected(args.rejected)
    if subs is None and surveys is None and usage is None and tickets is None:
        raise _UsageError("give --demo, or at least one of --subscriptions, --surveys, "
                          "--usage and --tickets")
    origins = {k: Path(getattr(args, k)).name for k in tables if getattr(args, k, None)}
    return Portfolio(subscriptions=subs, surveys=surveys, usage=usage, tickets=tickets,
                     customers=customers, fx=fx, sources=origins)


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


_MAX_MONTHS = 1200


def _progress(args: argparse.Namespace) -> bool | None:
    """``--quiet``: no progress bar; otherwise one when standard error is a terminal."""
    return False if getattr(args, "quiet", False) else None


def _run_report(args: argparse.Namespace) -> str:
    if args.months is not None and not 1 <= args.months <= _MAX_MONTHS:
        raise _UsageError(f"--months must be a whole number from 1 to {_MAX_MONTHS:,}, "
                          f"got {args.months}")
    period = _period(args.period, "--period", month=False)
    portfolio = _portfolio(args)
    _check_by(portfolio, args.by)
    subs = portfolio.subscriptions
    from csmetrics.periods.calendar import Period

    last = period if period is not None else portfolio.last_period()
    if args.months is None:   # the report's own default: the period's months, 12 for a month
        span = (last.end.year - last.start.year) * 12 + last.end.month - last.start.month + 1
        args.months = 12 if span == 1 else span
    if portfolio.fx is not None:
        _check_rates(subs, portfolio.fx, Period.parse(last.end, "month"), args.months, args.fx)
    elif args.by == "currency" and subs is not None and len(np.unique(subs.currency_codes)) > 1:
        return _report_per_currency(portfolio, last, args)
    try:
        report = portfolio.report(last, by=args.by, months=args.months, progress=_progress(args))
    except CurrencyMismatchError:
        found = ", ".join(subs.currencies[np.unique(subs.currency_codes)].tolist())
        raise _DataError(
            f"{args.subscriptions} bills in several currencies ({found}) and MRR is never "
            "summed across currencies without rates: give --fx rates.csv --currency USD "
            "(rates.csv with columns month, currency, rate) to convert them, or --by currency "
            "to report each currency on its own") from None
    return _render(report, args.format)


def _render(report: Any, fmt: str) -> str:
    if fmt == "json":
        return str(report.to_json())
    if fmt == "html":
        return str(report.to_html())
    return str(report)


def _report_per_currency(portfolio: Any, last: Any, args: argparse.Namespace) -> str:
    """``--by currency`` without rates: one report per currency, none converted; survey,
    usage and support sections (no money) once, after them."""
    from csmetrics.report.portfolio import Portfolio

    if args.format == "html":
        raise _UsageError("--by currency without --fx gives --format text or json (one "
                          "report per currency); add --fx rates.csv --currency USD for html")
    subs = portfolio.subscriptions
    parts: dict[str, Any] = {}
    for code in np.unique(subs.currency_codes).tolist():
        name = str(subs.currencies[code])
        one = Portfolio(subscriptions=subs.take(subs.currency_codes == code),
                        customers=portfolio.customers)
        parts[name] = one.report(last, months=args.months, progress=_progress(args))
    rest = None
    if any(t is not None for t in (portfolio.surveys, portfolio.usage, portfolio.tickets)):
        rest = Portfolio(surveys=portfolio.surveys, usage=portfolio.usage,
                         tickets=portfolio.tickets, customers=portfolio.customers
                         ).report(last, months=args.months,
                                   progress=_progress(args))
    if args.format == "json":
        out: dict[str, Any] = {"by_currency": {k: json.loads(str(r.to_json()))
                                               for k, r in parts.items()}}
        if rest is not None:
            out["other"] = json.loads(str(rest.to_json()))
        return json.dumps(out, indent=2)
    blocks = [f"== currency {k} (amounts in {k}, not converted) ==\n{r}" for k, r in parts.items()]
    if rest is not None:
        blocks.append(f"== surveys, usage and support ==\n{rest}")
    return "\n\n".join(blocks)


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
    if portfolio.fx is not None:
        first, last = Period.parse(start, "month").start, Period.parse(end, "month").start
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        _check_rates(portfolio.subscriptions, portfolio.fx, Period.parse(end, "month"),
                     months, args.fx)
    try:
        return _table_out(mrr_movements(portfolio.subscriptions, start, end, freq=args.freq,
                                        by=args.by, fx=portfolio.fx), args.format)
    except CurrencyMismatchError:
        subs = portfolio.subscriptions
        found = ", ".join(subs.currencies[np.unique(subs.currency_codes)].tolist())
        raise _DataError(
            f"{args.subscriptions} bills in several currencies ({found}): give --fx rates.csv "
            "--currency USD to convert them, or --by currency to show each currency on its "
            "own") from None


def _run_nps(args: argparse.Namespace) -> str:
    from csmetrics.surveys import net_promoter_score, survey_trend

    if args.demo:
        from csmetrics.datasets.subscriptions import demo_surveys

        table = demo_surveys()
    elif args.surveys:
        if args.rejected and args.errors != "skip":
            raise _UsageError("--rejected needs --errors skip")
        table = read_export("surveys", args.surveys, _columns(args.columns), require_rows=False,
                      **reader_options("surveys", args))
        write_rejected(args.rejected)
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


def _period(value: str | None, option: str, freq: str | None = None, *,
            month: bool = True) -> Any:
    """The period ``value`` names (read with ``freq`` for fiscal names): its last month, or
    with ``month=False`` the period itself (a quarter stays a quarter)."""
    if value is None:
        return None
    from csmetrics.periods.calendar import Period

    try:
        period = Period.parse(value, freq)
        last = Period.parse(period.end, "month")
        return last if month else period
    except CSMetricsError as exc:
        raise _UsageError(f"{option}: {exc}") from None
    except (ValueError, OverflowError):   # a year the calendar cannot hold (0000, 9999)
        raise _UsageError(f"{option}: {value!r} is not a period csmetrics can report (years "
                          "1900 to 2199)") from None


_HINTS = (
    (re.compile(r"give others with scales=, or map names with survey_names="),
     "map other names with --survey-names 'NAME=nps'"),
    (re.compile(r"amount_format='([^']*)'"), r"--amount-format '\1'"),
    (re.compile(r"date_format='([^']*)' \(--date-format on the CLI\)"), r"--date-format '\1'"),
    (re.compile(r"; give others with scales="), ""),
    (re.compile(r"; give it with scales=\{[^}]*\}"), " (the known surveys are ces, csat and nps)"),
    (re.compile(r", or read it with its encoding \(such as encoding='[^']*'\)"), ""),
)
"""The library's hints in Python terms, as the command line's flags."""


def _cli_terms(message: str) -> str:
    """A data error's message with its Python hints (``survey_names=``) written as the flags
    that do the same (``--survey-names``)."""
    for pattern, flag in _HINTS:
        message = pattern.sub(flag, message)
    return message


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 bad data, 2 bad usage)."""
    args = _parser().parse_args(argv)
    REFUSED.clear()
    run = {"report": _run_report, "mrr": _run_mrr, "nps": _run_nps}[args.command]
    try:
        text = run(args)
        _emit(text, getattr(args, "output", None))
    except _UsageError as exc:
        print(f"csmetrics {args.command}: {_cli_terms(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except _DataError as exc:
        print(f"csmetrics {args.command}: {_cli_terms(str(exc))}", file=sys.stderr)
        return EXIT_DATA_ERROR
    except (DataValidationError, KeyError, CSVFormatError) as exc:
        message = str(exc) if not isinstance(exc, KeyError) else str(exc).strip("'\"")
        print(f"csmetrics {args.command}: {_cli_terms(message)}", file=sys.stderr)
        return EXIT_DATA_ERROR
    except (InvalidParameterError, MissingDependencyError, OSError, UnicodeError) as exc:
        print(f"csmetrics {args.command}: {_cli_terms(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except CSMetricsError as exc:
        print(f"csmetrics {args.command}: {_cli_terms(str(exc))}", file=sys.stderr)
        return EXIT_DATA_ERROR
    except Exception as exc:  # a bug: one line that can be reported, not a traceback
        print(f"csmetrics {args.command}: unexpected error ({type(exc).__name__}: {exc}); "
              "this is a bug in csmetrics, please report it.", file=sys.stderr)
        return EXIT_BUG
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
