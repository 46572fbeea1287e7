"""One thin adapter per table over the one CSV reader: subscriptions, survey answers, usage
events and support tickets.

Each adapter is ``read_table_csv`` with its table and the fields of its record, so all four
accept the same ``columns=`` mapping, read the same way and report errors the same way (file,
line, column, rule).

Recipes
-------
**Stripe or Chargebee, subscriptions export**: ``read_subscriptions_csv(path,
preset="stripe")`` (or ``"chargebee"``) reads the export's columns, statuses, trials and
cancellations as documented in ``csmetrics.io.presets``. For a file of your own, map its
columns::

    read_subscriptions_csv("subscriptions.csv", columns={
        "customer_id": "Customer ID", "subscription_id": "id", "plan": "Plan",
        "start": "Start (UTC)", "end": "Ended At (UTC)", "amount": "Amount",
        "currency": "Currency", "interval": "Interval", "quantity": "Quantity"})

A current-state export has one row per subscription, so it shows starts and ends but not
past price changes: expansion and contraction appear only if the export has one row per
price period (Stripe's subscription *items* or *schedules*, or a warehouse history table).

**A warehouse table** with one row per price period (``customer``, ``valid_from``,
``valid_to``, ``mrr_usd``): export it to CSV and map ``start="valid_from"``,
``end="valid_to"``, ``amount="mrr_usd"``; leave ``interval`` unmapped (monthly).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from csmetrics._core.checks import ErrorMode
from csmetrics._core.options import validate_params
from csmetrics.io.csv.reader import (
    AMOUNT_FORMAT,
    CSV_OPTIONS,
    DATE_FORMAT,
    PRESET,
    read_table_csv,
)
from csmetrics.tables.subscriptions import Subscription, SubscriptionTable
from csmetrics.tables.surveys import SurveyResponse, SurveyTable
from csmetrics.tables.tickets import SupportTicket, SupportTicketTable
from csmetrics.tables.usage import UsageEvent, UsageTable

FIELDS: Mapping[str, tuple[str, ...]] = {
    "subscriptions": tuple(Subscription.model_fields),
    # A response's attribute ratings are columns of their own, named with attributes=.
    "surveys": tuple(f for f in SurveyResponse.model_fields if f != "attributes"),
    "usage": tuple(UsageEvent.model_fields),
    "tickets": tuple(SupportTicket.model_fields),
}
"""The fields each adapter's ``columns=`` may map, by kind of file: the fields of its record."""


@validate_params({**CSV_OPTIONS, "date_format": DATE_FORMAT, "preset": PRESET,
                  "amount_format": AMOUNT_FORMAT})
def read_subscriptions_csv(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
    errors: ErrorMode = "raise",
    encoding: str = "utf-8-sig",
    progress: bool | None = None,
    preset: str | None = None,
    amount_format: str | None = None,
) -> SubscriptionTable:
    """Read a subscriptions CSV export into a validated ``SubscriptionTable``.

    Parameters
    ----------
    path : str or Path
        The CSV file (header on the first line).
    columns : mapping, optional
        Field name -> column name in the file, for the fields whose column is named
        differently (``{"customer_id": "Customer ID", "amount": "Amount"}``); see
        ``csmetrics.Subscription`` for the fields.
    date_format : str, optional
        ``strptime`` format of the date columns (``"%d/%m/%Y"``); default ISO 8601.
    errors : {"raise", "skip"}, default "raise"
        As in ``SubscriptionTable.from_columns``; skipped rows are in ``table.skipped``
        with their 0-based data-row positions (line = position + 2 without blank lines).
    encoding : str, default "utf-8-sig"
        Text encoding.
    progress : bool, optional
        Report progress on standard error (default: when it is a terminal).
    preset : {"stripe", "chargebee"}, optional
        Read a vendor's subscriptions export as documented (``csmetrics.io.presets``): its
        column names, statuses, trials (a free span until the trial end, then the paid
        span) and cancellations (ended on the end date; scheduled ones at the end of the
        paid period). Rows that were never revenue (Stripe ``incomplete``,
        ``incomplete_expired``; Chargebee ``future``) are left out with a
        ``PresetExclusionWarning`` naming their lines.
    amount_format : {"1,234.56", "1.234,56", "1 234,56", "1'234.56"}, optional
        How the file writes amounts when they are text such as ``"$1,200.00"``; see
        ``SubscriptionTable.from_columns``. Default: plain numbers only.

    Returns
    -------
    SubscriptionTable

    Raises
    ------
    FileNotFoundError
        No such file.
    CSVFormatError
        The file is empty or malformed, a header repeats, or a line has too many cells.
    ColumnNotFoundError
        A mapped or required column is not in the file (the message lists those that are).
    CSVDataError
        A value breaks a rule: the message names the file, the lines, the column and the rule.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "subs.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("Customer,Begins,Price\\nacme,2024-01-15,1200\\n")
    >>> subs = read_subscriptions_csv(path, columns={"customer_id": "Customer",
    ...                               "start": "Begins", "amount": "Price"})
    >>> subs
    SubscriptionTable(1 row, 1 customer, 2024-01-15 to open, USD)

    A Stripe export, its trial read as a free span before the paid one:

    >>> with open(path, "w") as f:
    ...     _ = f.write("id,Customer ID,Amount,Currency,Interval,Status,Start (UTC),"
    ...                 "Trial End (UTC)\\nsub_1,cus_1,49.00,eur,month,active,"
    ...                 "2024-01-01 09:00,2024-01-15 09:00\\n")
    >>> subs = read_subscriptions_csv(path, preset="stripe")
    >>> subs.start.tolist(), subs.discount.tolist()
    ([datetime.date(2024, 1, 1), datetime.date(2024, 1, 15)], [1.0, 0.0])
    """
    options = {} if amount_format is None else {"amount_format": amount_format}
    return read_table_csv(SubscriptionTable, path, fields=FIELDS["subscriptions"],
                          columns=columns, date_fields=("start", "end"),
                          date_format=date_format, errors=errors, encoding=encoding,
                          progress=progress, preset=preset, **options)


@validate_params({**CSV_OPTIONS, "preset": PRESET})
def read_surveys_csv(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    survey_name: str | None = None,
    errors: ErrorMode = "raise",
    encoding: str = "utf-8-sig",
    progress: bool | None = None,
    preset: str | None = None,
    survey_names: Mapping[str, str] | None = None,
    attributes: Mapping[str, tuple[float, float] | None] | Sequence[str] | None = None,
) -> SurveyTable:
    """Read survey answers from a CSV export into a validated ``SurveyTable``.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    columns : mapping, optional
        Field name -> column name for the fields ``customer_id``, ``respondent_id``,
        ``survey``, ``score``, ``submitted_at``, ``weight`` and ``comment`` (free text,
        optional).
    survey_name : str, optional
        The survey of every row, for an export without a survey column (``"nps"``).
    attributes : mapping of str to (low, high) or None, or sequence of str, optional
        Columns of attribute ratings and their scales, as in ``SurveyTable.from_columns``.
    errors, encoding, progress
        As in ``read_subscriptions_csv``.
    preset : {"delighted"}, optional
        A Delighted export: ``Email`` (the customer and the respondent), ``Score``,
        ``Created at`` (a UTC timestamp) and, when the file has one, ``Survey``; without a
        survey column every answer is to ``"nps"``.
    survey_names : mapping of str to str, optional
        Names in the survey column mapped to known surveys (``{"NPS Q1": "nps"}``).

    Returns
    -------
    SurveyTable
        A blank score is a non-response, counted in ``non_responses``.

    Raises
    ------
    FileNotFoundError, CSVFormatError, ColumnNotFoundError, CSVDataError
        As in ``read_subscriptions_csv``.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "nps.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("account,score,date\\na,10,2024-01-05\\nb,6,2024-01-09\\n")
    >>> read_surveys_csv(path, columns={"customer_id": "account",
    ...                  "submitted_at": "date"}, survey_name="nps")
    SurveyTable(2 responses, 2 customers, nps 2, 2024-01-05 to 2024-01-09)
    """
    options: dict[str, Any] = {}
    if survey_name is not None:
        options["survey_name"] = survey_name
    if survey_names is not None:
        options["survey_names"] = survey_names
    if attributes is not None:
        options["attributes"] = attributes
    return read_table_csv(SurveyTable, path, fields=FIELDS["surveys"], columns=columns,
                          errors=errors, encoding=encoding, progress=progress, preset=preset,
                          **options)


@validate_params(CSV_OPTIONS)
def read_usage_csv(path: str | Path, *, columns: Mapping[str, str] | None = None,
                   errors: ErrorMode = "raise", encoding: str = "utf-8-sig",
                   progress: bool | None = None) -> UsageTable:
    """Read product usage events from a CSV export into a validated ``UsageTable``.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    columns : mapping, optional
        Field name -> column name for the fields ``customer_id``, ``user_id``, ``at``,
        ``feature`` and ``duration_s``.
    errors, encoding, progress
        As in ``read_subscriptions_csv``.

    Returns
    -------
    UsageTable
        Timestamps with an offset are taken in UTC, naive ones as UTC.

    Raises
    ------
    FileNotFoundError, CSVFormatError, ColumnNotFoundError, CSVDataError
        As in ``read_subscriptions_csv``.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "events.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("account,user,time\\na,ann,2024-01-05T10:00:00Z\\n")
    >>> read_usage_csv(path, columns={"customer_id": "account", "user_id": "user",
    ...                "at": "time"})
    UsageTable(1 event, 1 account, 1 user, 0 features, 2024-01-05 to 2024-01-05 UTC)
    """
    return read_table_csv(UsageTable, path, fields=FIELDS["usage"], columns=columns,
                          errors=errors, encoding=encoding, progress=progress)


@validate_params(CSV_OPTIONS)
def read_tickets_csv(path: str | Path, *, columns: Mapping[str, str] | None = None,
                     errors: ErrorMode = "raise", encoding: str = "utf-8-sig",
                     progress: bool | None = None) -> SupportTicketTable:
    """Read support tickets from a CSV export into a validated ``SupportTicketTable``.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    columns : mapping, optional
        Field name -> column name for the fields ``customer_id``, ``ticket_id``,
        ``opened_at``, ``resolved_at`` and ``contacts``.
    errors, encoding, progress
        As in ``read_subscriptions_csv``.

    Returns
    -------
    SupportTicketTable
        An empty ``resolved_at`` is a ticket still open.

    Raises
    ------
    FileNotFoundError, CSVFormatError, ColumnNotFoundError, CSVDataError
        As in ``read_subscriptions_csv``.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "tickets.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("account,opened,closed\\na,2024-01-05T10:00:00Z,\\n")
    >>> len(read_tickets_csv(path, columns={"customer_id": "account", "opened_at": "opened",
    ...                                     "resolved_at": "closed"}))
    1
    """
    return read_table_csv(SupportTicketTable, path, fields=FIELDS["tickets"], columns=columns,
                          errors=errors, encoding=encoding, progress=progress)
