"""Validation at scale: the contract checks of :mod:`workbench.data.validate` as engine queries.

:func:`validate_at_scale` checks a dataset folder with DuckDB (default), Spark or pandas and gives *the same*
accepted rows and quarantine rows as :func:`workbench.data.validate.check_dataset` (same reasons, same lines,
same order), with ``accepted + quarantined = read`` per table. What runs where:

- **reading**: a table stored as Parquet (``<table>.parquet``, or a folder of parts ``<table>/*.parquet``) is
  scanned in place; its line numbers are the file row position + 2, as :mod:`workbench.data.read` numbers a
  Parquet file (parts continue the numbering in file-name order). CSV and XLSX tables are read by the exact
  reader of :mod:`workbench.data.read` (encoding, header row, malformed and totals rows, true line numbers;
  one table in memory at a time, as text) and then checked like Parquet;
- **checks** (:mod:`workbench.engine.checks`): types, empty cells and ranges per column as CASE expressions,
  duplicated keys as a window, the joins as anti-joins against the tables accepted before (in join order);
  the vocabulary's spellings, the date formats and the resume files are decided in Python once per *distinct*
  raw value and joined in as small mapping tables;
- **output**: accepted rows are written by the engine as Parquet into ``out`` (``<table>.parquet`` from
  DuckDB/pandas, ``<table>/part-*.parquet`` from Spark), never collected; only the failing rows (the
  quarantine) are fetched, worded in Python and written with :func:`workbench.data.store.write_quarantine`.

Documented fallback: a table the SQL cannot check exactly as pandas does is checked in memory by
:func:`workbench.data.validate.check_table` (and its accepted rows written all the same), with a note saying
why: a required column missing (the whole file is rejected), personal-data columns or personal-looking ids
to pseudonymise (the keyed HMAC runs in Python), a ``birth_date`` to turn into ages, a column stored in a type
the SQL does not read as pandas does (e.g. a zoned timestamp, a float in an id column, a non-text extra
column), or column names the reader would rename.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "final_rounds.csv").write_text("candidate_id,final_score,final_passed\\nC1,4.5,是\\nC2,7,no\\n"
...                                               "C1,3,no\\n", encoding="utf-8")
>>> result = validate_at_scale(folder, engine="duckdb")
>>> result.coverage["final_rounds"]  # no candidates table: every candidate_id is an orphan, as in check_dataset
{'read': 3, 'accepted': 0, 'quarantined': 3, 'cells_set_to_unknown': 0}
>>> result.quarantine[["line", "reason"]].values.tolist()[1:]
[[3, 'final_score: 7 is outside 1-5'], [4, "candidate_id 'C1' is duplicated (first at line 2)"]]
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from workbench.data.dates import parse_dates
from workbench.data.errors import DataError
from workbench.data.pii import pii_columns, pseudonymise
from workbench.data.read import PARQUET_SUFFIXES, RawTable, read_table_file
from workbench.data.report import Report
from workbench.data.schema import REQUIRED_TABLES, TABLE_BY_NAME, TABLE_NAMES, Table
from workbench.data.store import QUARANTINE_FILE, write_quarantine
from workbench.data.validate import (
    BOOL_WORDS,
    CELL,
    ROW,
    CheckedTable,
    Issue,
    build_report,
    check_table,
    empty_quarantine,
    find_table_files,
    issue_from_error,
    read_profiles,
    require_dataset,
    resume_predicate,
)
from workbench.data.validate import _Failures, _quarantine  # the one wording of quarantine rows
from workbench.data.vocabulary import map_booleans, map_values
from workbench.engine import get_engine
from workbench.engine.checks import Dialect, Plan, raw_class, supported, table_plan

__all__ = ["ScaleValidation", "validate_at_scale"]


@dataclass(frozen=True, eq=False)
class ScaleValidation:
    """What :func:`validate_at_scale` found.

    Attributes
    ----------
    report : Report
        As :func:`workbench.data.validate.validate_dataset` gives it (counts, errors, cells, mapped values);
        its notes also say which tables were checked in memory and why.
    coverage : dict
        Per table ``read``, ``accepted``, ``quarantined``, ``cells_set_to_unknown``.
    quarantine : DataFrame
        Every quarantine row (columns of :data:`workbench.data.validate.QUARANTINE_COLUMNS`), tables in join
        order, each sorted by line.
    out : Path or None
        The folder holding the accepted tables, ``quarantine.csv`` and ``profiles/`` (None when not asked).
    engine : str
    in_memory : dict of str -> str
        Tables checked by the in-memory fallback, with the reason.
    """

    report: Report
    coverage: dict[str, dict[str, int]]
    quarantine: pd.DataFrame
    out: Path | None
    engine: str
    in_memory: dict[str, str]

    @property
    def ok(self) -> bool:
        return self.report.ok


# ---------------------------------------------------------------------------------------------- engine I/O


def _dialect(engine: Any) -> Dialect:
    return Dialect("spark" if engine.name == "spark" else "duckdb", engine.literal)


def _execute(engine: Any, sql: str) -> None:
    """Run a statement (views, COPY) on the engine's own connection or session."""
    if engine.name == "spark":
        engine.spark.sql(sql)
    else:
        engine._con.execute(sql)  # DuckDB and pandas engines share a DuckDB connection (see backends)


def _write_parquet(engine: Any, sql: str, out: Path, table: str) -> Path:
    """The rows of ``sql`` written as Parquet by the engine (nothing collected); the path written."""
    if engine.name == "spark":
        target = out / table
        engine.spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        engine.spark.sql(sql).write.mode("overwrite").parquet(str(target))
        return target
    target = out / f"{table}.parquet"
    engine._con.execute(f"COPY ({sql}) TO {engine.literal(str(target))} (FORMAT PARQUET)")
    return target


def _register_path(engine: Any, name: str, path: Path) -> None:
    if engine.name == "spark":
        engine.spark.read.parquet(str(path)).createOrReplaceTempView(name)
    elif engine.name == "pandas":
        engine.register(name, pd.read_parquet(path))
    else:
        engine.register(name, str(path))


def _register_parquet_lines(engine: Any, name: str, files: list[Path]) -> None:
    """A view of Parquet files with ``_line`` = row position over the files (in order) + 2."""
    offsets = np.cumsum([0] + [pq.read_metadata(f).num_rows for f in files[:-1]])
    if engine.name == "spark":
        from pyspark.sql import functions as F

        frames = [engine.spark.read.parquet(str(f)).select("*", (F.col("_metadata.row_index") + int(o) + 2).alias("_line"))
                  for f, o in zip(files, offsets)]
        whole = frames[0]
        for frame in frames[1:]:
            whole = whole.unionByName(frame)
        whole.createOrReplaceTempView(name)
    elif engine.name == "pandas":
        frame = pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True)
        engine.register(name, frame.assign(_line=np.arange(2, len(frame) + 2)))
    else:
        parts = " UNION ALL ".join(
            f"SELECT * EXCLUDE (file_row_number), file_row_number + {int(o) + 2} AS _line "
            f"FROM read_parquet({engine.literal(str(f))}, file_row_number=true)" for f, o in zip(files, offsets))
        engine._con.execute(f"CREATE OR REPLACE VIEW {name} AS {parts}")


def _materialise(engine: Any, plan: Plan, table: str) -> tuple[str, Any]:
    """The CTE prefix defining ``z`` for the queries of a table, and a clean-up: Spark persists the checked
    rows once (else every query plans and runs the whole chain again); DuckDB runs the chain per query."""
    if engine.name != "spark":
        return plan.ctes, lambda: None
    frame = engine.spark.sql(f"{plan.ctes} SELECT * FROM z").persist()
    frame.createOrReplaceTempView(f"wb_z_{table}")
    return f"WITH z AS (SELECT * FROM wb_z_{table})", frame.unpersist


# ---------------------------------------------------------------------------------------------- sources


@dataclass(frozen=True, eq=False)
class _Source:
    """One table to check: its Parquet files (read in place) or its raw text read by workbench.data.read."""

    table: str
    path: Path
    files: tuple[Path, ...] = ()
    raw: RawTable | None = None

    @property
    def header(self) -> list[str]:
        return list(self.raw.frame.columns) if self.raw is not None else list(pq.read_schema(self.files[0]).names)

    def classes(self) -> dict[str, str | None]:
        """Raw class (:func:`workbench.engine.checks.raw_class`) of every column."""
        if self.raw is not None:
            return dict.fromkeys(self.raw.frame.columns, "text")
        schema = pq.read_schema(self.files[0])
        return {f.name: raw_class(str(f.type)) for f in schema}


def _table_sources(folder: Path, issues: list[Issue]) -> dict[str, Path]:
    """The file (or folder of Parquet parts) of each table present."""
    files, found = find_table_files(folder)
    issues += found
    for name in TABLE_NAMES:
        parts = folder / name
        if name not in files and parts.is_dir() and any(parts.glob("*.parquet")):
            files[name] = parts
    return files


def _open(name: str, path: Path, mapping: Any, encoding: str | None) -> _Source:
    """A Parquet table as its files; any other table read by the exact reader (raises DataError)."""
    if path.is_dir():
        return _Source(name, path, tuple(sorted(path.glob("*.parquet"))))
    if path.suffix.lower() in PARQUET_SUFFIXES and mapping is None:
        try:
            pq.read_schema(path)
        except Exception as exc:  # pyarrow raises many types: all mean "not readable"
            raise DataError(f"{path}: not a readable Parquet file ({exc})") from None
        return _Source(name, path, (path,))
    return _Source(name, path, raw=read_table_file(path, table=name, mapping=mapping, encoding=encoding))


def _read_raw(src: _Source) -> RawTable:
    """The whole table in memory as :mod:`workbench.data.read` gives it (for the in-memory fallback)."""
    if src.raw is not None:
        return src.raw
    if len(src.files) == 1 and src.files[0] == src.path:
        return read_table_file(src.path, table=src.table)
    frame = pd.concat([pq.read_table(f).to_pandas() for f in src.files], ignore_index=True)
    header = tuple(str(c) for c in frame.columns)
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="line")
    return RawTable(src.table, src.path, "parquet", frame, header)


_RESERVED = ("_line", "wb_")


def _fallback_reason(src: _Source, spec: Table, keep_pii: bool) -> str:
    """Why ``src`` must be checked in memory ('' when the SQL checks it exactly)."""
    header, classes = src.header, src.classes()
    missing = [c for c in spec.required_columns if c not in header]
    if missing:
        return f"required column(s) {', '.join(missing)} missing: the whole file is rejected"
    if src.raw is None:
        meta = pq.read_schema(src.files[0]).pandas_metadata or {}
        if any(isinstance(i, str) for i in meta.get("index_columns", ())):
            return "the Parquet file stores a pandas index"
        if any(h != h.replace("\ufeff", "").strip() or not h for h in header) or len(set(header)) != len(header):
            return "column names the reader would rename"
    if any(h.startswith(_RESERVED) or (h[:1] == "m" and h[1:].split("_")[0].isdigit()) for h in header):
        return "a column name the SQL checks reserve (_line, wb_*, m<N>_*)"
    if not keep_pii and pii_columns(header):
        return "personal-data columns to pseudonymise"
    if spec.name == "candidates" and "birth_date" in header and "applied_at" in header:
        return "ages to compute from birth_date"
    for name in header:
        cls = classes[name]
        ok = supported(spec.column(name), cls) if name in spec.column_names else cls in ("text", "null")
        if not ok:
            return f"column {name} is stored as {cls or 'a type the SQL checks do not read'}"
    return ""


def _personal_ids(engine: Any, d: Dialect, source: str, header: list[str]) -> bool:
    """Whether any candidate_id looks like personal data (an SQL pre-filter, then workbench.data.pii)."""
    if "candidate_id" not in header:
        return False
    c = d.ident("candidate_id")
    maybe = (f"{c} LIKE '%@%' OR {d.matches(c, '[0-9]([^0-9]*[0-9]){6}')} OR "
             f"{d.matches(c, '[^' + chr(92) + 'x{0}-' + chr(92) + 'x{7f}]')}")
    found = engine.query(f"SELECT DISTINCT {c} AS v FROM {source} WHERE {maybe}")
    if not len(found):
        return False
    _, done = pseudonymise(pd.DataFrame({"candidate_id": found["v"].astype("str")}), secret=b"\0" * 32)
    return bool(done)


# ---------------------------------------------------------------------------------------------- lookups


def _distinct_raw(engine: Any, d: Dialect, source: str, column: str) -> pd.DataFrame:
    """The distinct raw values of a text column (missing as ``""``, as workbench.data.vocabulary sees them),
    each with its row count ``n`` and first line ``first``: one scan."""
    got = engine.query(f"SELECT {d.ident(column)} AS raw, COUNT(*) AS n, MIN(_line) AS first FROM {source} "
                       f"GROUP BY {d.ident(column)}")
    got["raw"] = got["raw"].astype(object).where(got["raw"].notna(), "").astype(str)
    got = got.groupby("raw", as_index=False).agg(n=("n", "sum"), first=("first", "min"))
    return got.sort_values("raw", ignore_index=True).astype({"raw": "str"})


def _vocabulary_lookup(spec: Table, column: str, raw: pd.Series) -> pd.DataFrame:
    """Per distinct raw value: the contract value, and whether it is unknown, unrecognised, mapped."""
    col = spec.column(column)
    values, status = map_booleans(raw) if col.kind == "bool" else map_values(column, raw)
    unrecognised = status == "unrecognised"
    if col.kind == "bool":
        val = pd.array(values.tolist(), dtype="boolean")
        text = pd.Series(val).astype(str)
    else:
        bad_choice = values.notna().to_numpy() & ~values.isin(col.choices).to_numpy()
        unrecognised = unrecognised | bad_choice
        val = pd.Series(values.where(~pd.Series(unrecognised, index=values.index), None), dtype="str")
        text = val
    stripped = raw.str.strip()
    return pd.DataFrame({"raw": raw, "val": val, "unk": status == "unknown", "bad": unrecognised,
                         "mapped": (status == "mapped") & ~unrecognised, "stripped": stripped,
                         "vstr": pd.Series(text, dtype="str").to_numpy(),
                         "unk_counted": (status == "unknown") & (stripped != "").to_numpy()})


def _date_lookup(raw: pd.Series, dayfirst: bool | None) -> tuple[pd.DataFrame, str]:
    """Per distinct raw value its date (NaT when not one), and the day/month order of the column."""
    dates, order = parse_dates(raw, dayfirst=dayfirst)
    return pd.DataFrame({"raw": raw, "ts": dates.astype("datetime64[us]")}), order


def _register_lookups(engine: Any, d: Dialect, plan: Plan, source: str, dayfirst: bool | None
                      ) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Register the plan's mapping tables; the vocabulary lookups and the date orders by column."""
    vocab, orders = {}, {}
    for lookup in plan.lookups:
        counts = _distinct_raw(engine, d, source, lookup.column)
        if lookup.purpose == "date":
            frame, orders[lookup.column] = _date_lookup(counts["raw"], dayfirst)
        else:
            frame = _vocabulary_lookup(plan.table, lookup.column, counts["raw"])
            vocab[lookup.column] = frame.assign(n=counts["n"].to_numpy(), first=counts["first"].to_numpy())
            frame = frame[["raw", "val", "unk", "bad"]]
        engine.register(lookup.name, frame)
    return vocab, orders


def _vocabulary_counts(plan: Plan, vocab: Mapping[str, pd.DataFrame]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Mapped spellings ({column, raw, value, count}, in order of first line) and explicit unknowns per column,
    from the counts of the distinct raw values (as validate.py counts them over the rows)."""
    mapped, unknown = [], {}
    for column in plan.table.column_names:
        if column not in vocab:
            continue
        frame = vocab[column]
        rows = frame[frame["mapped"]].groupby(["stripped", "vstr"], as_index=False, sort=False).agg(
            n=("n", "sum"), first=("first", "min")).sort_values("first", kind="stable")
        mapped += [{"column": column, "raw": r, "value": v, "count": int(n)}
                   for r, v, n in zip(rows["stripped"], rows["vstr"], rows["n"])]
        n_unknown = int(frame.loc[frame["unk_counted"], "n"].sum())
        if n_unknown:
            unknown[column] = n_unknown
    return mapped, unknown


# ---------------------------------------------------------------------------------------------- wording


def _restore(frame: pd.DataFrame, classes: Mapping[str, str], with_nulls: set[str]) -> pd.DataFrame:
    """Fetched raw cells in the dtypes pandas reads the whole stored table with (so they print alike)."""
    out = {}
    for name in classes:
        s, cls = frame[name], classes[name]
        if cls == "text":
            s = s.astype(object).where(s.notna(), None).astype("str")
        elif cls == "int":
            s = s.astype("float64") if name in with_nulls else s.astype("int64")
        elif cls == "float":
            s = s.astype("float64")
        elif cls == "bool":
            s = s.astype(object).where(s.notna(), None) if name in with_nulls else s.astype(bool)
        elif cls == "timestamp":
            s = pd.to_datetime(s)
        elif cls == "null":
            s = pd.Series([None] * len(s), index=s.index, dtype=object)
        elif cls == "date":
            s = pd.Series([None if pd.isna(v) else pd.Timestamp(v).date() for v in s], index=s.index, dtype=object)
        out[name] = s
    return pd.DataFrame(out, index=frame.index)


def _describe(columns: tuple[str, ...], values: list[pd.Series]) -> np.ndarray:
    """``candidate_id 'C1', question_id 'q1'`` per row (as validate.py words a key)."""
    parts = [np.array([f"{c} {v!r}" for v in vals], dtype=object) for c, vals in zip(columns, values)]
    out = parts[0]
    for part in parts[1:]:
        out = out + ", " + part
    return out


def _reasons(check: Any, spec: Table, rows: pd.DataFrame, raw: pd.DataFrame, orders: Mapping[str, str]) -> np.ndarray:
    """The reasons of one check for its failing rows (``rows``: fetched, ``raw``: their restored cells)."""
    if check.what == "duplicate":
        key = spec.key
        described = _describe(key, [rows[f"wb_v{spec.column_names.index(k)}"] for k in key])
        return described + np.array([f" is duplicated (first at line {int(n)})" for n in rows["wb_first"]], dtype=object)
    if check.what == "condition":
        cols = check.condition.columns
        typed = zip(*(rows[f"wb_v{spec.column_names.index(c)}"] for c in cols))
        return np.array([check.condition.reason.format(**dict(zip(cols, v))) for v in typed], dtype=object)
    name, column = check.column, spec.column(check.column)
    text = raw[name].astype("str").str.strip()
    if check.what == "empty":
        return np.full(len(rows), f"{name} is empty", dtype=object)
    if check.what == "range":
        low = -np.inf if column.low is None else column.low
        high = np.inf if column.high is None else column.high
        return np.array([f"{name}: {v} is outside {low:g}-{high:g}" for v in text], dtype=object)
    why = {"float": "is not a number", "int": "is not a whole number", "bool": f"is not a boolean ({BOOL_WORDS})",
           "category": f"is not one of {', '.join(column.choices)} (nor a spelling in the vocabulary)",
           "date": ("is not a date (or its day/month order is ambiguous: give --dayfirst or --monthfirst)"
                    if orders.get(name) == "unambiguous" else "is not a date")}[column.kind]
    return np.array([f"{name}: {v!r} {why}" for v in text], dtype=object)


def _failures(engine: Any, d: Dialect, plan: Plan, prefix: str, source: str, src: _Source,
              orders: Mapping[str, str], raw: RawTable) -> pd.DataFrame:
    """The quarantine rows of a table checked by SQL: only the failing rows are fetched."""
    spec, classes = plan.table, src.classes()
    header = list(classes)
    values = sorted({spec.column_names.index(k) for k in spec.key} | {spec.column_names.index(c) for ch in plan.checks
                    if ch.condition is not None for c in ch.condition.columns})
    cols = ["z._line AS wb_line", "z.wb_first AS wb_first"] + [f"z.{d.ident(h)} AS {d.ident(h)}" for h in header]
    cols += [f"z.wb_v{i} AS wb_v{i}" for i in values] + [f"{r} AS wb_r{k}" for k, r in enumerate(plan.recorded)]
    where = " OR ".join(f"COALESCE({r}, FALSE)" for r in plan.recorded)
    rows = engine.query(f"{prefix} SELECT {', '.join(cols)} FROM z WHERE {where}")
    rows = rows.sort_values("wb_line", kind="stable").reset_index(drop=True)
    nullable = [h for h in header if classes[h] in ("int", "bool")]
    with_nulls = set()
    if nullable and len(rows):
        counts = engine.query("SELECT " + ", ".join(f"COUNT(*) - COUNT({d.ident(h)}) AS {d.ident(h)}" for h in nullable)
                              + f" FROM {source}")
        with_nulls = {h for h in nullable if int(counts[h].iloc[0])}
    cells = _restore(rows, classes, with_nulls)
    cells.index = pd.Index(rows["wb_line"].astype("int64").to_numpy(), name="line")
    table = replace(raw, frame=cells, header=tuple(raw.header) if src.raw is not None else tuple(header))
    found = []
    for k, check in enumerate(plan.checks):
        hit = rows[f"wb_r{k}"].fillna(False).astype(bool).to_numpy()
        if not hit.any():
            continue
        sub = rows[hit]
        reasons = _reasons(check, spec, sub, cells[hit], orders)
        vals = (_describe(spec.key, [sub[f"wb_v{spec.column_names.index(c)}"] for c in spec.key])
                if check.what == "duplicate" and len(spec.key) > 1 else np.array([]))
        found.append(_Failures(np.flatnonzero(hit), check.column, reasons, vals, CELL if check.soft else ROW))
    return _quarantine(table, found)


# ---------------------------------------------------------------------------------------------- tables


@dataclass
class _Run:
    """The state of one validation: the engine, options, output folder and key tables registered so far."""

    engine: Any
    folder: Path
    out: Path
    profiles: Mapping[str, Any]
    strict: bool
    keep_pii: bool
    dayfirst: bool | None
    keysets: dict[str, tuple[str, tuple[str, ...]]]

    @property
    def d(self) -> Dialect:
        return _dialect(self.engine)


def _placeholder(checked: CheckedTable, accepted: int) -> CheckedTable:
    """``checked`` with its accepted rows replaced by a row count (they live in the written Parquet)."""
    return replace(checked, accepted=pd.DataFrame(index=pd.RangeIndex(accepted, name="line")))


def _rows_written(path: Path) -> int:
    files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
    return sum(pq.read_metadata(f).num_rows for f in files)


def _resume_keys(run: _Run, source: str, classes: Mapping[str, str]) -> None:
    """The ``resume_files`` key table: the distinct resume paths that name a file of the dataset."""
    if "resume_path" not in classes:
        return
    paths = _distinct_raw(run.engine, run.d, source, "resume_path")["raw"]
    paths = paths[paths.str.strip() != ""]
    exists = resume_predicate(run.folder)(paths) if len(paths) else np.zeros(0, bool)
    run.engine.register("wb_keys_resume_files", pd.DataFrame({"resume_path": paths[exists].astype("str")}))
    run.keysets["resume_files"] = ("wb_keys_resume_files", ("resume_path",))


def _check_sql(run: _Run, src: _Source, spec: Table) -> tuple[CheckedTable, Path]:
    """Check one table by SQL; the accepted rows are written to ``run.out``."""
    source = f"wb_src_{spec.name}"
    raw = src.raw
    notes: list[str] = list(raw.notes) if raw is not None else []
    if raw is not None:
        from workbench.data.validate import _without_totals

        raw, skipped = _without_totals(raw)
        notes += skipped
        frame = raw.frame.assign(_line=raw.frame.index.to_numpy(dtype="int64"))
        run.engine.register(source, frame.reset_index(drop=True))
    else:
        _register_parquet_lines(run.engine, source, list(src.files))
    classes = src.classes()
    if spec.name == "candidates":
        _resume_keys(run, source, classes)
    extras = [h for h in classes if h not in spec.column_names]
    plan = table_plan(spec, {c: k for c, k in classes.items() if c in spec.column_names}, extras, run.d,
                      strict=run.strict, keysets=run.keysets, source=source)
    vocab, orders = _register_lookups(run.engine, run.d, plan, source, run.dayfirst)
    prefix, done = _materialise(run.engine, plan, spec.name)
    try:
        target = _write_parquet(run.engine, f"{prefix} SELECT {plan.accepted_select} FROM z WHERE z.wb_keep "
                                            f"ORDER BY z._line", run.out, spec.name)
        placeholder_raw = raw if raw is not None else RawTable(spec.name, src.path, "parquet", pd.DataFrame(), ())
        quarantine = _failures(run.engine, run.d, plan, prefix, source, src, orders, placeholder_raw)
    finally:
        done()
    mapped, unknown = _vocabulary_counts(plan, vocab)
    n = len(raw.frame) + len(raw.malformed) if raw is not None else sum(pq.read_metadata(f).num_rows for f in src.files)
    checked = CheckedTable(spec.name, str(src.path), raw.encoding if raw is not None else "parquet", n,
                           pd.DataFrame(), quarantine, header=tuple(placeholder_raw.header or classes),
                           mapped=tuple(mapped), unknown=unknown, notes=tuple(notes))
    return _placeholder(checked, _rows_written(target)), target


def _memory_keys(run: _Run, spec: Table) -> dict[str, Any]:
    """The key sets of ``spec``'s conditions fetched from the engine (for the in-memory fallback)."""
    from workbench.data.validate import profile_keys

    keys: dict[str, Any] = {"resume_files": resume_predicate(run.folder)}
    if run.profiles:
        keys.update(profile_keys(run.profiles))
    for condition in spec.all_conditions:
        if condition.keyset in run.keysets and condition.keyset not in keys:
            table, cols = run.keysets[condition.keyset]
            got = run.engine.query(f"SELECT DISTINCT {', '.join(run.d.ident(c) for c in cols)} FROM {table}")
            keys[condition.keyset] = pd.Index(got[cols[0]].dropna().astype("str").unique())
    return keys


def _check_memory(run: _Run, src: _Source, spec: Table, why: str) -> tuple[CheckedTable, Path]:
    """Check one table in memory with workbench.data.validate (the documented fallback); write its rows."""
    checked = check_table(_read_raw(src), known_keys=_memory_keys(run, spec), strict=run.strict,
                          keep_pii=run.keep_pii, dayfirst=run.dayfirst)
    target = run.out / f"{spec.name}.parquet"
    checked.accepted.reset_index(drop=True).to_parquet(target, index=False)
    note = f"checked in memory by workbench.data.validate ({why})"
    return _placeholder(replace(checked, notes=checked.notes + (note,)), len(checked.accepted)), target


# ---------------------------------------------------------------------------------------------- datasets


def _joined_by_id(name: str, spec: Table) -> bool:
    """Whether later tables reference ``name`` by its first key column (a single key; questions by id, any
    version), as :func:`workbench.data.validate.table_keys`."""
    return len(spec.key) == 1 or name == "questions"


def _empty_keys(run: _Run, name: str, spec: Table) -> None:
    """An absent (or unreadable) table contributes an empty key set, as in check_dataset."""
    if _joined_by_id(name, spec):
        run.engine.register(f"wb_acc_{name}", pd.DataFrame({spec.key[0]: pd.Series([], dtype="str")}))
        run.keysets[name] = (f"wb_acc_{name}", spec.key[:1])


def _table_keys(run: _Run, name: str, spec: Table, target: Path) -> None:
    """Register the accepted rows of ``name`` as the key set of the joins after it."""
    if not _joined_by_id(name, spec) and name != "ai_decisions":
        return
    _register_path(run.engine, f"wb_acc_{name}", target)
    if _joined_by_id(name, spec):
        run.keysets[name] = (f"wb_acc_{name}", spec.key[:1])
    if name == "ai_decisions":
        _execute(run.engine, "CREATE OR REPLACE TEMP VIEW wb_keys_ai_passed AS SELECT candidate_id FROM "
                             "wb_acc_ai_decisions WHERE ai_passed")
        run.keysets["ai_passed"] = ("wb_keys_ai_passed", ("candidate_id",))


def _profile_keysets(run: _Run) -> None:
    if not run.profiles:
        return
    run.engine.register("wb_keys_profiles", pd.DataFrame({"job_id": pd.Series(sorted(run.profiles), dtype="str")}))
    pairs = sorted((job, dim) for job, p in run.profiles.items() for dim in p.dimension_names)
    run.engine.register("wb_keys_dimensions", pd.DataFrame({"job_id": pd.Series([p[0] for p in pairs], dtype="str"),
                                                            "dimension": pd.Series([p[1] for p in pairs], dtype="str")}))
    run.keysets["profiles"] = ("wb_keys_profiles", ("job_id",))
    run.keysets["dimensions"] = ("wb_keys_dimensions", ("job_id", "dimension"))


def _check_one(run: _Run, name: str, path: Path, mapping: Any, encoding: str | None,
               in_memory: dict[str, str]) -> tuple[CheckedTable, Path]:
    """Open and check one table, by SQL when the SQL checks it exactly, else in memory (raises DataError)."""
    spec = TABLE_BY_NAME[name]
    src = _open(name, path, mapping, encoding)
    why = _fallback_reason(src, spec, run.keep_pii)
    if not why and not run.keep_pii and src.raw is None and "candidate_id" in src.header:
        _register_parquet_lines(run.engine, f"wb_src_{name}", list(src.files))
        why = "candidate ids that look like personal data" if _personal_ids(
            run.engine, run.d, f"wb_src_{name}", src.header) else ""
    if not why and not run.keep_pii and src.raw is not None and pseudonymise(src.raw.frame[[]].assign(
            candidate_id=src.raw.frame.get("candidate_id", pd.Series(dtype="str"))), secret=b"\0" * 32)[1]:
        why = "candidate ids that look like personal data"
    for old in (run.out / f"{name}.parquet", run.out / name):
        shutil.rmtree(old) if old.is_dir() else old.unlink(missing_ok=True)
    if why:
        in_memory[name] = why
        return _check_memory(run, src, spec, why)
    return _check_sql(run, src, spec)


def _check_tables(run: _Run, files: Mapping[str, Path], issues: list[Issue], notes: list[str], mapping: Any,
                  encoding: str | None, in_memory: dict[str, str]) -> dict[str, CheckedTable]:
    """Every table in join order, as check_dataset does (absent and unreadable tables are empty)."""
    from workbench.data.validate import _absent

    tables: dict[str, CheckedTable] = {}
    for name in TABLE_NAMES:
        spec = TABLE_BY_NAME[name]
        if name not in files:
            if name in REQUIRED_TABLES:
                issues.append(Issue(name, str(run.folder / f"{name}.csv"), None, None,
                                    f"missing table {name} ({name}.csv or {name}.parquet)"))
            tables[name] = _absent(name)
            _empty_keys(run, name, spec)
            continue
        try:
            tables[name], target = _check_one(run, name, files[name], mapping, encoding, in_memory)
        except DataError as exc:
            issues.append(issue_from_error(name, files[name], exc))
            tables[name] = replace(_absent(name), file=str(files[name]))
            _empty_keys(run, name, spec)
            if name == "ai_decisions":
                run.engine.register("wb_keys_ai_passed", pd.DataFrame({"candidate_id": pd.Series([], dtype="str")}))
                run.keysets["ai_passed"] = ("wb_keys_ai_passed", ("candidate_id",))
            continue
        _table_keys(run, name, spec, target)
    return tables


def _coverage(tables: Mapping[str, CheckedTable]) -> dict[str, dict[str, int]]:
    return {name: {"read": t.rows, "accepted": t.accepted_count, "quarantined": t.rejected,
                   "cells_set_to_unknown": t.cells_quarantined} for name, t in tables.items()}


def _prepare_out(folder: Path, out: str | Path | None) -> tuple[Path, tempfile.TemporaryDirectory | None]:
    if out is None:
        tmp = tempfile.TemporaryDirectory(prefix="workbench-validate-")
        return Path(tmp.name), tmp
    out = Path(out)
    if out.resolve() == folder.resolve():
        raise DataError(f"{out}: the output folder must not be the dataset folder (its tables would be replaced)")
    out.mkdir(parents=True, exist_ok=True)
    return out, None


def validate_at_scale(folder: str | Path, out: str | Path | None = None, *, engine: Any = "duckdb",
                      spark: Any = None, spark_master: str | None = None, strict: bool = False,
                      keep_pii: bool = False, mapping: Any = None, encoding: str | None = None,
                      dayfirst: bool | None = None) -> ScaleValidation:
    """Check a dataset folder against the data contract with an engine (see the module).

    Parameters
    ----------
    folder : str or Path
        The dataset folder (``<table>.parquet``, ``<table>/*.parquet``, ``<table>.csv`` / ``.xlsx``,
        ``profiles/``).
    out : str or Path, optional
        Where to write the accepted tables (Parquet), ``quarantine.csv`` and a copy of ``profiles/``; by
        default a temporary folder, removed before returning (only the counts and the quarantine are kept).
    engine : str or Engine, default ``"duckdb"``
        ``"duckdb"``, ``"spark"``, ``"pandas"`` or an engine object.
    spark, spark_master
        A SparkSession to use as is, or the master of the local one built (default ``local[2]``).
    strict, keep_pii, mapping, encoding, dayfirst
        As :func:`workbench.data.validate.validate_dataset` (a header mapping sends Parquet tables through
        the exact reader too).

    Returns
    -------
    ScaleValidation

    Raises
    ------
    DataError
        The folder does not exist or is not a dataset, or ``out`` is the dataset folder.
    """
    folder = require_dataset(folder)
    target, tmp = _prepare_out(folder, out)
    eng = get_engine(engine, spark=spark, spark_master=spark_master)
    try:
        profiles, issues = read_profiles(folder)
        files = _table_sources(folder, issues)
        notes: list[str] = []
        if not profiles:
            issues.append(Issue("profiles", str(folder / "profiles"), None, None,
                                "no job profiles (profiles/<job_id>.yaml); job_id and dimension were not checked"))
        if "ai_decisions" not in files:
            notes.append("no ai_decisions table: final_rounds rows were not checked against ai_passed")
        run = _Run(eng, folder, target, profiles, strict, keep_pii, dayfirst, {})
        _profile_keysets(run)
        in_memory: dict[str, str] = {}
        tables = _check_tables(run, files, issues, notes, mapping, encoding, in_memory)
        report = build_report(folder, tables, issues, notes, profiles)
        quarantine = pd.concat([t.quarantine for t in tables.values()] + [empty_quarantine()], ignore_index=True)
        if out is not None:
            (target / QUARANTINE_FILE).unlink(missing_ok=True)
            write_quarantine(target, quarantine)
            if (folder / "profiles").is_dir():
                shutil.copytree(folder / "profiles", target / "profiles", dirs_exist_ok=True)
        return ScaleValidation(report, _coverage(tables), quarantine, None if out is None else target, eng.name,
                               in_memory)
    finally:
        if tmp is not None:
            tmp.cleanup()
