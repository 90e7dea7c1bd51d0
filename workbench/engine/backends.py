"""The three backends: the same SQL text on pandas frames in memory, on DuckDB, on Spark SQL.

An :class:`Engine` holds named tables (in-memory frames or Parquet files) and answers SQL queries whose
results are small (aggregates); nothing here loops over rows in Python. The SQL of :mod:`workbench.engine.sql`
is written once in the subset both DuckDB and Spark SQL parse (CTEs, CASE, CAST AS DOUBLE, LEFT JOIN, GROUP
BY, UNION ALL, ORDER BY ... LIMIT ... OFFSET); only string literals are quoted per dialect.

- :class:`PandasEngine` (``"pandas"``): the tables are pandas frames held in memory (a loaded
  :class:`workbench.data.Dataset`, or Parquet read whole); the queries run on them through DuckDB's in-process
  scan of the frames (so "pandas" means in memory, and it is the same query).
- :class:`DuckDBEngine` (``"duckdb"``, the default): Parquet files are scanned where they are
  (``read_parquet`` over a table's file or folder of parts: out of core, local or ``s3://``/``https://``
  with DuckDB's httpfs); in-memory frames are scanned as Arrow.
- :class:`SparkEngine` (``"spark"``): a user's ``SparkSession`` is used as is; otherwise a local one is built
  (``spark_master``, default ``local[2]``). Parquet paths are read by Spark (local, HDFS, object storage);
  in-memory frames are written once to a temporary Parquet folder and read from there, so every engine sees
  the same Arrow types.

Examples
--------
>>> import pandas as pd
>>> eng = PandasEngine()
>>> eng.register("t", pd.DataFrame({"g": ["a", "b", "a"], "x": [1.0, 2.0, 3.0]}))
>>> eng.query("SELECT g, SUM(x) AS s FROM t GROUP BY g ORDER BY g").to_dict("list")
{'g': ['a', 'b'], 's': [4.0, 2.0]}
>>> eng.literal("it's")
"'it''s'"
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pandas as pd

__all__ = ["DuckDBEngine", "Engine", "EngineError", "PandasEngine", "SparkEngine"]


class EngineError(ValueError):
    """An engine cannot be built or cannot read a source; the message says why."""


@runtime_checkable
class Engine(Protocol):
    """What the reductions need of a backend: named tables and small query results."""

    name: str

    def register(self, table: str, source: Any) -> None:
        """Make ``source`` (a DataFrame, an Arrow table or a Parquet path/glob) queryable as ``table``."""

    def query(self, sql: str) -> pd.DataFrame:
        """Run ``sql`` and return its (small) result as a pandas frame."""

    def columns(self, table: str) -> list[str]:
        """The column names of a registered table."""

    def literal(self, value: str) -> str:
        """``value`` as an SQL string literal of this dialect."""


def _arrow(frame: pd.DataFrame):
    """A frame as an Arrow table (NaN -> null), the one typing every engine sees."""
    import pyarrow as pa

    return pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)


class _DuckBase:
    """DuckDB connection shared by the pandas and DuckDB engines."""

    name = "duckdb"

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None,
                 temp_directory: str | None = None) -> None:
        import duckdb

        self._con = duckdb.connect(":memory:")
        if threads:
            self._con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self._con.execute(f"SET memory_limit = '{memory_limit}'")
        if temp_directory:
            self._con.execute(f"SET temp_directory = '{temp_directory}'")
        self._con.execute("SET preserve_insertion_order = false")
        self._con.execute("SET enable_progress_bar = false")  # it prints to stdout, which --json owns
        self._tables: dict[str, Any] = {}

    def _register_frame(self, table: str, frame: Any) -> None:
        data = _arrow(frame) if isinstance(frame, pd.DataFrame) else frame
        self._tables[table] = data
        self._con.register(table, data)

    def query(self, sql: str) -> pd.DataFrame:
        return self._con.execute(sql).df()

    def columns(self, table: str) -> list[str]:
        return [row[0] for row in self._con.execute(f"DESCRIBE SELECT * FROM {table}").fetchall()]

    def literal(self, value: str) -> str:
        return "'" + str(value).replace("'", "''") + "'"

    def close(self) -> None:
        self._con.close()


class PandasEngine(_DuckBase):
    """Tables held in memory as pandas frames; the SQL runs on them in process (see the module)."""

    name = "pandas"

    def register(self, table: str, source: Any) -> None:
        if isinstance(source, str | Path):
            source = pd.read_parquet(source)  # in memory: the whole table is read
        self._register_frame(table, source)


class DuckDBEngine(_DuckBase):
    """DuckDB: Parquet scanned in place (out of core), frames scanned as Arrow (see the module).

    Parameters
    ----------
    threads, memory_limit, temp_directory
        DuckDB settings (default: all cores, 80 % of RAM, spilling next to the database).
    """

    name = "duckdb"

    def register(self, table: str, source: Any) -> None:
        if isinstance(source, str | Path):
            self._con.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet({self.literal(str(source))})")
            return
        self._register_frame(table, source)


def _local_session(builder_class: Any, master: str | None) -> Any:
    """A local Spark session (``local[2]`` unless ``master``), quiet: no UI, no progress bars, errors only."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyspark's notice about pandas 3
        spark = (builder_class.builder.master(master or "local[2]").appName("workbench")
                 .config("spark.sql.shuffle.partitions", "4").config("spark.ui.enabled", "false")
                 .config("spark.ui.showConsoleProgress", "false")
                 .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class SparkEngine:
    """Spark SQL through PySpark: the user's session as is, or a local one (see the module).

    Parameters
    ----------
    spark : SparkSession, optional
        Used as is (a notebook's session on a cluster); never stopped here.
    spark_master : str, default ``"local[2]"``
        Master of the session built when none is given (``local[*]``, ``spark://host:7077``, ``yarn``).
    """

    name = "spark"

    def __init__(self, spark: Any = None, *, spark_master: str | None = None) -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise EngineError("engine 'spark' needs pyspark (pip install 'interview-workbench[spark]') and Java") from exc
        if spark is None:
            spark = _local_session(SparkSession, spark_master)
        self.spark = spark
        self._tmp: tempfile.TemporaryDirectory | None = None

    def register(self, table: str, source: Any) -> None:
        if not isinstance(source, str | Path):
            import pyarrow.parquet as pq

            if self._tmp is None:
                self._tmp = tempfile.TemporaryDirectory(prefix="workbench-spark-")
            path = os.path.join(self._tmp.name, f"{table}.parquet")
            pq.write_table(_arrow(source) if isinstance(source, pd.DataFrame) else source, path)
            source = path
        self.spark.read.parquet(str(source)).createOrReplaceTempView(table)

    def query(self, sql: str) -> pd.DataFrame:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pyspark's notices about pandas 3 (FutureWarning, Pandas4Warning)
            return self.spark.sql(sql).toPandas()

    def columns(self, table: str) -> list[str]:
        return list(self.spark.table(table).columns)

    def literal(self, value: str) -> str:
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
