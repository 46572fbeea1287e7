"""Reading exports (CSV) into validated tables, and writing results as formula-safe CSV."""

from csmetrics.io.csv import (
    CSVDataError,
    CSVFileError,
    CSVFileNotFoundError,
    CSVFormatError,
    escape_csv_cell,
    read_csv_columns,
    read_subscriptions_csv,
    read_surveys_csv,
    read_table_csv,
    read_tickets_csv,
    read_usage_csv,
    write_csv,
)
from csmetrics.io.presets import PRESETS, PresetExclusionWarning

__all__ = [
    "PRESETS",
    "CSVDataError",
    "CSVFileError",
    "CSVFileNotFoundError",
    "CSVFormatError",
    "PresetExclusionWarning",
    "escape_csv_cell",
    "read_csv_columns",
    "read_subscriptions_csv",
    "read_surveys_csv",
    "read_table_csv",
    "read_tickets_csv",
    "read_usage_csv",
    "write_csv",
]
