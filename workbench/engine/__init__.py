"""Engines for the reductions of the review and the audit: DuckDB (default), Spark, pandas.

The review and the audit reduce to group-by sufficient statistics (counts per job x group x stage cell; per job
n, sums and cross-products of the scores, the AI total and the criterion). Those reductions are SQL text
written once (:mod:`workbench.engine.sql`) and run by an :class:`Engine`; the statistics (corrections, tests,
intervals) stay one implementation in numpy on the small aggregated result.

``engine=`` everywhere accepts a name (``"duckdb"``, ``"spark"``, ``"pandas"``) or an engine object; a Spark
session of a notebook is used as is with ``spark=``. :func:`open_source` makes a dataset queryable: a dataset
folder of Parquet (``<table>.parquet`` or ``<table>/part-*.parquet``; read in place by DuckDB or Spark, out of
core), a folder of CSV/XLSX (loaded and validated in memory first), a loaded
:class:`workbench.data.Dataset` or a mapping of tables.

Examples
--------
>>> import pandas as pd
>>> src = open_source({"candidates": pd.DataFrame({"candidate_id": ["a", "b"], "job_id": ["j", "j"]})},
...                   engine="duckdb")
>>> src.engine.name, src.has("candidates"), src.has("answers")
('duckdb', True, False)
>>> src.engine.query("SELECT COUNT(*) AS n FROM candidates")["n"].tolist()
[2]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.data.schema import TABLE_NAMES
from workbench.engine.backends import DuckDBEngine, Engine, EngineError, PandasEngine, SparkEngine

__all__ = ["DEFAULT_ENGINE", "ENGINES", "DuckDBEngine", "Engine", "EngineError", "PandasEngine", "Source",
           "SparkEngine", "get_engine", "is_uri", "open_source", "stored_as_parquet"]

ENGINES = ("duckdb", "spark", "pandas")
DEFAULT_ENGINE = "duckdb"


def get_engine(engine: Any = DEFAULT_ENGINE, *, spark: Any = None, spark_master: str | None = None) -> Engine:
    """An engine from its name (or the engine itself).

    >>> get_engine("pandas").name
    'pandas'
    >>> get_engine("oracle")
    Traceback (most recent call last):
    ...
    workbench.engine.backends.EngineError: engine 'oracle' is not one of duckdb, spark, pandas
    """
    if engine is None:
        engine = DEFAULT_ENGINE
    if not isinstance(engine, str):
        return engine
    if engine == "duckdb":
        return DuckDBEngine()
    if engine == "pandas":
        return PandasEngine()
    if engine == "spark":
        return SparkEngine(spark, spark_master=spark_master)
    raise EngineError(f"engine {engine!r} is not one of {', '.join(ENGINES)}")


@dataclass(frozen=True, eq=False)
class Source:
    """A dataset made queryable by an engine.

    Attributes
    ----------
    engine : Engine
    tables : tuple of str
        The contract tables present (registered under their own names).
    profiles : mapping of job_id -> JobProfile
    dataset : Dataset, mapping or None
        The in-memory dataset when there is one (else the tables live only in the engine).
    path : Path or None
        The dataset folder.
    quarantine : DataFrame
        The quarantine of the folder (``quarantine.csv``) or of the loaded dataset.
    """

    engine: Engine
    tables: tuple[str, ...]
    profiles: Mapping[str, Any] = field(default_factory=dict)
    dataset: Any = None
    path: Path | None = None
    quarantine: pd.DataFrame | None = None

    def has(self, table: str) -> bool:
        """Whether ``table`` is present."""
        return table in self.tables

    @property
    def job_ids(self) -> tuple[str, ...]:
        """Job ids with a profile, sorted."""
        return tuple(sorted(self.profiles))

    def table_coverage(self) -> dict[str, dict[str, int]]:
        """Per table ``read``, ``accepted``, ``quarantined``, ``cells_set_to_unknown`` (as
        :func:`workbench.data.coverage.table_coverage`): the rows in the engine plus the quarantine."""
        from workbench.data.validate import CELL, ROW

        if self.dataset is not None:
            from workbench.data.coverage import table_coverage

            return table_coverage(self.dataset)
        q = self.quarantine if self.quarantine is not None else pd.DataFrame(columns=["table", "action"])
        out = {}
        for name in self.tables:
            accepted, mine = self.count(name), q[q["table"] == name]
            rejected, cells = int((mine["action"] == ROW).sum()), int((mine["action"] == CELL).sum())
            out[name] = {"read": accepted + rejected, "accepted": accepted, "quarantined": rejected,
                         "cells_set_to_unknown": cells}
        return out

    def frames(self) -> dict[str, pd.DataFrame]:
        """Every present table fetched whole into memory (for the analyses that need the rows; small data only)."""
        if self.dataset is not None:
            return {name: (self.dataset.table(name) if hasattr(self.dataset, "table") else self.dataset[name])
                    for name in self.tables}
        return {name: self._ordered(name) for name in self.tables}

    def _ordered(self, table: str) -> pd.DataFrame:
        """A whole table in a fixed row order (its key columns): engines scan parts in no set order, and the
        analyses that resample rows must see the same rows in the same order on every engine."""
        cols = self.engine.columns(table)
        key = [c for c in ("job_id", "candidate_id", "question_id") if c in cols] if table == "questions" else \
            [c for c in ("candidate_id", "question_id") if c in cols]
        order = f" ORDER BY {', '.join(key)}" if key else ""
        return self.engine.query(f"SELECT * FROM {table}{order}")

    def count(self, table: str) -> int:
        """Rows of ``table`` (0 when absent)."""
        if not self.has(table):
            return 0
        return int(self.engine.query(f"SELECT COUNT(*) AS n FROM {table}")["n"].iloc[0])


def _parquet_of(folder: Path, table: str) -> str | None:
    """The Parquet file (or glob of parts) of ``table`` in ``folder``, if any."""
    single = folder / f"{table}.parquet"
    if single.is_file():
        return str(single)
    parts = folder / table
    if parts.is_dir() and any(parts.glob("*.parquet")):
        return str(parts / "*.parquet")
    return None


def stored_as_parquet(folder: str | Path) -> bool:
    """Whether a dataset folder keeps its candidates as Parquet (``candidates.parquet`` or a folder of parts),
    which an engine reads in place.

    >>> import tempfile
    >>> stored_as_parquet(tempfile.mkdtemp())
    False
    """
    return Path(folder).is_dir() and _parquet_of(Path(folder), "candidates") is not None


def _register_parquet(engine: Engine, found: Mapping[str, str | None]) -> tuple[str, ...]:
    """Register each table found (a Parquet file, or a ``*.parquet`` glob of parts: DuckDB reads the glob, Spark
    and pandas the folder); the names registered, in contract order."""
    for name, path in found.items():
        if path is not None:
            engine.register(name, path if engine.name == "duckdb" else path.replace("/*.parquet", ""))
    return tuple(name for name, path in found.items() if path is not None)


def _register_frames(engine: Engine, frames: Mapping[str, Any]) -> tuple[str, ...]:
    present = []
    for name in TABLE_NAMES:
        frame = frames.get(name)
        if isinstance(frame, pd.DataFrame) and len(frame.columns):
            engine.register(name, frame)
            present.append(name)
    return tuple(present)


def _open_folder(folder: Path, engine: Engine) -> Source:
    from workbench.data.profiles import load_profiles
    from workbench.data.store import QUARANTINE_ENCODING, QUARANTINE_FILE

    found = {name: _parquet_of(folder, name) for name in TABLE_NAMES}
    if found["candidates"] is None:  # CSV/XLSX: validate and type in memory first
        from workbench.data.load import load

        return open_source(load(folder), engine)
    present = _register_parquet(engine, found)
    qpath = folder / QUARANTINE_FILE
    quarantine = (pd.read_csv(qpath, dtype="str", keep_default_na=False, encoding=QUARANTINE_ENCODING)
                  if qpath.is_file() else None)
    profiles = load_profiles(folder / "profiles") if (folder / "profiles").is_dir() else {}
    return Source(engine, present, profiles, None, folder, quarantine)


def is_uri(data: Any) -> bool:
    """Whether ``data`` is a dataset URI (``s3://``, ``gs://``, ``hdfs://``, ``abfs://``, ``file://``...) rather
    than a local folder.

    >>> is_uri("s3://bucket/applications"), is_uri("datasets/demo")
    (True, False)
    """
    return isinstance(data, str) and re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", data) is not None


def _uri_kind(fs: Any, path: str) -> Any:
    return fs.get_file_info(path).type


def _parquet_of_uri(fs: Any, root: str, uri: str, table: str) -> str | None:
    """``<uri>/<table>.parquet`` or ``<uri>/<table>/*.parquet`` if the filesystem holds it."""
    from pyarrow.fs import FileSelector, FileType

    if _uri_kind(fs, f"{root}/{table}.parquet") == FileType.File:
        return f"{uri}/{table}.parquet"
    if _uri_kind(fs, f"{root}/{table}") == FileType.Directory:
        parts = fs.get_file_info(FileSelector(f"{root}/{table}"))
        if any(i.path.endswith(".parquet") for i in parts):
            return f"{uri}/{table}/*.parquet"
    return None


def _profiles_of_uri(fs: Any, root: str) -> dict[str, Any]:
    """The job profiles of ``<root>/profiles/*.yaml`` on a filesystem (the file stem must be the job_id)."""
    import yaml
    from pyarrow.fs import FileSelector, FileType

    from workbench.data.profiles import ProfileError, profile_from_dict

    if _uri_kind(fs, f"{root}/profiles") != FileType.Directory:
        return {}
    profiles = {}
    for info in sorted(fs.get_file_info(FileSelector(f"{root}/profiles")), key=lambda i: i.path):
        if info.extension not in ("yaml", "yml"):
            continue
        with fs.open_input_stream(info.path) as stream:
            prof = profile_from_dict(yaml.safe_load(stream.read().decode("utf-8")), source=info.path)
        if prof.job_id != info.base_name.rsplit(".", 1)[0]:
            raise ProfileError(f"{info.path}: job_id {prof.job_id!r} does not match the file name")
        profiles[prof.job_id] = prof
    return profiles


def _open_uri(uri: str, engine: Engine) -> Source:
    """A Parquet dataset on any filesystem Arrow reaches (object storage, HDFS, ``file://``), read in place by
    the engine; the tables and profiles are found through :mod:`pyarrow.fs`."""
    from pyarrow.fs import FileSystem

    from workbench.data.store import QUARANTINE_ENCODING, QUARANTINE_FILE

    uri = uri.rstrip("/")
    try:
        fs, root = FileSystem.from_uri(uri)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds for unknown schemes
        raise EngineError(f"{uri}: cannot open ({exc})") from None
    found = {name: _parquet_of_uri(fs, root, uri, name) for name in TABLE_NAMES}
    if found["candidates"] is None:
        raise EngineError(f"{uri}: no candidates table (candidates.parquet or candidates/*.parquet)")
    present = _register_parquet(engine, found)
    quarantine = None
    if _uri_kind(fs, f"{root}/{QUARANTINE_FILE}").name == "File":
        with fs.open_input_stream(f"{root}/{QUARANTINE_FILE}") as stream:
            quarantine = pd.read_csv(stream, dtype="str", keep_default_na=False, encoding=QUARANTINE_ENCODING)
    return Source(engine, present, _profiles_of_uri(fs, root), None, None, quarantine)


def open_source(data: Any, engine: Any = DEFAULT_ENGINE, *, spark: Any = None,
                spark_master: str | None = None) -> Source:
    """Register a dataset's tables with an engine (see the module for what ``data`` can be).

    Raises
    ------
    EngineError
        ``data`` is neither a folder, a dataset nor a mapping of tables, or has no candidates table.
    """
    if isinstance(data, Source):
        return data
    eng = get_engine(engine, spark=spark, spark_master=spark_master)
    if is_uri(data):
        return _open_uri(data, eng)
    if isinstance(data, str | Path):
        folder = Path(data)
        if not folder.is_dir():
            raise EngineError(f"{folder} is not a dataset folder")
        return _open_folder(folder, eng)
    if isinstance(data, Mapping):
        return Source(eng, _register_frames(eng, data), {}, data, None, None)
    if hasattr(data, "table") and hasattr(data, "profiles"):
        frames = {name: data.table(name) for name in TABLE_NAMES}
        return Source(eng, _register_frames(eng, frames), dict(data.profiles), data, getattr(data, "path", None),
                      getattr(data, "quarantine", None))
    raise EngineError(f"cannot read a dataset from {type(data).__name__}: give a folder, a Dataset or a mapping")
