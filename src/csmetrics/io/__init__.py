"""Reading exports (CSV, Parquet) into validated tables, and writing results as formula-safe
CSV."""

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
from csmetrics.io.parquet import (
    ParquetDataError,
    ParquetFileError,
    ParquetFileNotFoundError,
    ParquetFormatError,
    read_subscriptions_parquet,
    read_surveys_parquet,
    read_table_parquet,
    read_tickets_parquet,
    read_usage_parquet,
)
from csmetrics.io.presets import PRESETS, PresetExclusionWarning

__all__ = [
    "PRESETS",
    "CSVDataError",
    "CSVFileError",
    "CSVFileNotFoundError",
    "CSVFormatError",
    "ParquetDataError",
    "ParquetFileError",
    "ParquetFileNotFoundError",
    "ParquetFormatError",
    "PresetExclusionWarning",
    "escape_csv_cell",
    "read_csv_columns",
    "read_subscriptions_csv",
    "read_subscriptions_parquet",
    "read_surveys_csv",
    "read_surveys_parquet",
    "read_table_csv",
    "read_table_parquet",
    "read_tickets_csv",
    "read_tickets_parquet",
    "read_usage_csv",
    "read_usage_parquet",
    "write_csv",
]
