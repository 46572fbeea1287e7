"""CSV files: the one reader (``read_table_csv``), a thin adapter per table, and writing.

Laid out as polars' ``io/csv``: the generic reader (``reader``), its errors (``errors``), the
adapters (``adapters``) and formula-safe writing (``writer``).
"""

from csmetrics.io.csv.adapters import (
    FIELDS,
    read_subscriptions_csv,
    read_surveys_csv,
    read_tickets_csv,
    read_usage_csv,
)
from csmetrics.io.csv.errors import (
    CSVDataError,
    CSVFileError,
    CSVFileNotFoundError,
    CSVFormatError,
)
from csmetrics.io.csv.reader import (
    csv_header,
    read_csv_columns,
    read_table_csv,
)
from csmetrics.io.csv.writer import escape_csv_cell, write_csv

__all__ = [
    "FIELDS",
    "CSVDataError",
    "CSVFileError",
    "CSVFileNotFoundError",
    "CSVFormatError",
    "csv_header",
    "escape_csv_cell",
    "read_csv_columns",
    "read_subscriptions_csv",
    "read_surveys_csv",
    "read_table_csv",
    "read_tickets_csv",
    "read_usage_csv",
    "write_csv",
]
