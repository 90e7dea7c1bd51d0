"""Enforce the data contract: type each table, quarantine the rows that break it, and say why.

Every check is vectorised (pandas/numpy); Python loops only run over the *rejected* rows to word their
reasons. A rejected row is never dropped silently: it lands in the quarantine frame with its file, line,
column, reason, value and the original row as JSON, and ``accepted + quarantined = read``. A row that breaks
several rules is quarantined once, for the first problem in this order: columns in contract order (empty,
type, allowed values, range), then a duplicated key, then the joins (references and conditions of
:mod:`workbench.data.schema`).

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "final_rounds.csv"
>>> _ = path.write_text("candidate_id,final_score,final_passed\\nC1,4.5,是\\nC2,7,no\\nC1,3,no\\n", encoding="utf-8")
>>> checked = check_table(read_table_file(path))
>>> checked.accepted.dtypes.astype(str).to_dict()
{'candidate_id': 'str', 'final_score': 'float64', 'final_passed': 'boolean'}
>>> [(i.line, i.reason) for i in checked.issues()]
[(3, 'final_score: 7 is outside 1-5'), (4, "candidate_id 'C1' is duplicated (first at line 2)")]
>>> (checked.accepted_count, checked.rejected, checked.rows)
(1, 2, 3)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.dates import parse_dates
from workbench.data.errors import DataError
from workbench.data.read import PARQUET_SUFFIXES, RawTable, TABLE_SUFFIXES, read_table_file
from workbench.data.report import Issue, Report, TableCount
from workbench.data.schema import (
    KIND_DTYPES,
    REQUIRED_TABLES,
    TABLE_BY_NAME,
    TABLE_NAMES,
    Column,
    Condition,
    Table,
)
from workbench.data.pii import pseudonymise
from workbench.data.profiles import load_profile
from workbench.data.vocabulary import load_vocabulary, map_booleans, map_values
from workbench.records import JobProfile, ProfileError

QUARANTINE_COLUMNS = ("table", "file", "line", "column", "reason", "value", "raw", "action")
#: ``action`` of a quarantine record: the row was left out, or only the cell was set to unknown (row kept).
ROW, CELL = "row rejected", "cell set to unknown"
KeySet = Collection | Callable[[pd.Series], np.ndarray]
BOOL_WORDS = "true/false, 1/0, yes/no, 是/否, 通过/未通过, pass/fail, ... (see vocabulary.yaml)"


@dataclass(frozen=True, eq=False)
class CheckedTable:
    """A table after the contract checks.

    Attributes
    ----------
    accepted : pandas.DataFrame
        Typed rows that passed (index ``line``): contract columns in contract order (absent optional ones
        as empty columns), then extra columns as ``str``.
    quarantine : pandas.DataFrame
        Rejected rows, columns :data:`QUARANTINE_COLUMNS`, sorted by line.
    file_issues : tuple of Issue
        File-level errors (a missing required column rejects every row).
    rows : int
        Data rows read; ``accepted_count + rejected + duplicates_skipped == rows``.
    """

    table: str
    file: str
    encoding: str
    rows: int
    accepted: pd.DataFrame
    quarantine: pd.DataFrame
    file_issues: tuple[Issue, ...] = ()
    duplicates_skipped: int = 0
    header: tuple[str, ...] = field(default=())
    mapped: tuple[dict[str, Any], ...] = ()
    unknown: Mapping[str, int] = field(default_factory=dict)
    pseudonymised: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def accepted_count(self) -> int:
        return len(self.accepted)

    @property
    def _cell_rows(self) -> np.ndarray:
        return (self.quarantine["action"] == CELL).to_numpy(dtype=bool) if len(self.quarantine) else np.zeros(0, bool)

    @property
    def rejected(self) -> int:
        """Rows left out (a cell set to unknown keeps its row and is counted in :attr:`cells_quarantined`)."""
        return int((~self._cell_rows).sum())

    @property
    def cells_quarantined(self) -> int:
        return int(self._cell_rows.sum())

    def count(self) -> TableCount:
        """The counts of this table for a :class:`Report`."""
        return TableCount(self.file, self.encoding, self.rows, self.accepted_count, self.rejected,
                          self.duplicates_skipped, self.cells_quarantined)

    def cell_issues(self) -> list[Issue]:
        """One issue per cell set to unknown (the row was kept)."""
        q = self.quarantine[self._cell_rows] if len(self.quarantine) else self.quarantine
        return [Issue(self.table, f, int(line), column or None, f"{reason} (set to unknown; row kept)", value)
                for f, line, column, reason, value in zip(q["file"], q["line"], q["column"], q["reason"], q["value"])]

    def issues(self) -> list[Issue]:
        """File-level errors; else one issue per quarantined row (cells set to unknown: :meth:`cell_issues`)."""
        if self.file_issues:
            return list(self.file_issues)
        q = self.quarantine[~self._cell_rows] if len(self.quarantine) else self.quarantine
        return [
            Issue(self.table, file, int(line), column or None, reason, value)
            for file, line, column, reason, value in zip(q["file"], q["line"], q["column"], q["reason"], q["value"])
        ]


# ---------------------------------------------------------------------------------------------- frames


def empty_frame(table: str) -> pd.DataFrame:
    """A typed frame with no rows and the contract columns of ``table``.

    >>> empty_frame("outcomes").dtypes.astype(str).to_dict()
    {'candidate_id': 'str', 'hired': 'boolean', 'performance': 'float64', 'retained_12m': 'boolean'}
    """
    spec = TABLE_BY_NAME[table]
    return pd.DataFrame({c.name: pd.Series([], dtype=KIND_DTYPES[c.kind]) for c in spec.columns})


def empty_quarantine() -> pd.DataFrame:
    """A quarantine frame with no rows."""
    frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in QUARANTINE_COLUMNS})
    frame["line"] = frame["line"].astype("Int64")
    return frame


# ---------------------------------------------------------------------------------------------- columns


@dataclass(frozen=True, eq=False)
class _Failures:
    """Rows failing one check: their positions, the column, reasons and values (aligned arrays)."""

    positions: np.ndarray
    column: str
    reasons: np.ndarray
    values: np.ndarray
    action: str = ROW


def _text(series: pd.Series) -> pd.Series:
    """The cells as stripped strings (NA for missing)."""
    if not pd.api.types.is_string_dtype(series) or series.dtype == object:
        series = series.astype("str")
    return series.str.strip()


def _is_empty(text: pd.Series) -> np.ndarray:
    return (text.isna() | (text == "")).to_numpy(dtype=bool)


def _quoted(values: pd.Series) -> np.ndarray:
    return np.array([repr(v) for v in values], dtype=object)


def _as_numbers(column: Column, series: pd.Series, text: pd.Series, empty: np.ndarray):
    """(float64 values, bad-type mask, type reason) for ``float`` and ``int`` columns."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        numbers = series.astype("float64")
    else:
        numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    values = numbers.to_numpy()
    bad = ~empty & ~np.isfinite(values)
    word = "a number"
    if column.kind == "int":
        bad |= ~empty & np.isfinite(values) & (np.floor(values) != values)
        word = "a whole number"
    return numbers, bad, f"is not {word}"


def _as_bools(series: pd.Series, text: pd.Series, empty: np.ndarray):
    """(boolean values, bad mask, reason, status per cell) through the vocabulary's boolean words."""
    if pd.api.types.is_bool_dtype(series):
        return series.astype("boolean"), np.zeros(len(series), dtype=bool), "", np.full(len(series), "exact", object)
    values, status = map_booleans(series)
    typed = pd.Series(pd.array(values.to_numpy(), dtype="boolean"), index=series.index)
    return typed, ~empty & (status == "unrecognised"), f"is not a boolean ({BOOL_WORDS})", status


def _as_categories(column: Column, series: pd.Series, empty: np.ndarray):
    """(contract values, bad mask, reason, status per cell) through the vocabulary of ``column``."""
    values, status = map_values(column.name, series)
    typed = pd.Series(values.to_numpy(), index=series.index, dtype=object)
    bad = ~empty & ((status == "unrecognised") | (typed.notna() & ~typed.isin(column.choices)).to_numpy())
    return typed, bad, f"is not one of {', '.join(column.choices)} (nor a spelling in the vocabulary)", status


def _as_dates(series: pd.Series, empty: np.ndarray, dayfirst: bool | None):
    """(dates, bad mask, reason) through :func:`workbench.data.dates.parse_dates` (one day/month order a file)."""
    dates, order = parse_dates(series, dayfirst=dayfirst)
    dates = dates.astype(KIND_DTYPES["date"])
    why = ("is not a date (or its day/month order is ambiguous: give --dayfirst or --monthfirst)"
           if order == "unambiguous" else "is not a date")
    return dates, ~empty & dates.isna().to_numpy(dtype=bool), why


def _value_counts(column: str, text: pd.Series, typed: pd.Series, status: np.ndarray) -> tuple[list, int]:
    """Mapped spellings as [{column, raw, value, count}] and the number of explicit unknowns."""
    mapped = status == "mapped"
    rows = []
    if mapped.any():
        pairs = pd.DataFrame({"raw": text[mapped].to_numpy(dtype=object), "value": typed[mapped].astype(str).to_numpy()})
        for (raw, value), n in pairs.value_counts(sort=False).items():
            rows.append({"column": column, "raw": raw, "value": value, "count": int(n)})
    return rows, int(((status == "unknown") & text.notna().to_numpy() & (text != "").to_numpy()).sum())


def _typed_column(column: Column, series: pd.Series, dayfirst: bool | None = None
                  ) -> tuple[pd.Series, list[tuple[np.ndarray, np.ndarray]], dict]:
    """The typed column, its failing checks in order as (mask, reasons-for-the-mask) pairs, and what the
    vocabulary did (``mapped`` spellings and the count of explicit ``unknown`` words)."""
    text = _text(series)
    empty = _is_empty(text)
    checks: list[tuple[np.ndarray, np.ndarray]] = []
    name = column.name
    status = None
    if column.kind in ("bool", "category"):
        typed, bad, why, status = (_as_bools(series, text, empty) if column.kind == "bool"
                                   else _as_categories(column, series, empty))
        empty = empty | ((status == "unknown") & ~bad)  # explicit non-disclosure: an unknown, not an error
    if not column.nullable:
        checks.append((empty, np.full(int(empty.sum()), f"{name} is empty", dtype=object)))
    if column.kind in ("float", "int"):
        typed, bad, why = _as_numbers(column, series, text, empty)
    elif column.kind == "date":
        typed, bad, why = _as_dates(series, empty, dayfirst)
    elif column.kind in ("id", "str"):
        typed, bad, why = (text if column.kind == "id" else series.astype("str")), np.zeros(len(series), bool), ""
    checks.append((bad, np.array([f"{name}: {q} {why}" for q in _quoted(text[bad])], dtype=object)))
    if column.low is not None or column.high is not None:
        values = typed.to_numpy(dtype="float64", na_value=np.nan)
        low = -np.inf if column.low is None else column.low
        high = np.inf if column.high is None else column.high
        out = ~empty & ~bad & ((values < low) | (values > high))
        checks.append((out, np.array([f"{name}: {v} is outside {low:g}-{high:g}" for v in text[out]], dtype=object)))
    typed = typed.mask(empty | bad) if column.kind not in ("bool", "date") else typed.mask(bad)
    mapped, unknown = _value_counts(name, text, typed, status) if status is not None else ([], 0)
    return typed.astype(KIND_DTYPES[column.kind]), checks, {"mapped": mapped, "unknown": unknown}


# ---------------------------------------------------------------------------------------------- rows


def _describe_key(columns: tuple[str, ...], frame: pd.DataFrame) -> np.ndarray:
    parts = [np.array([f"{c} {v!r}" for v in frame[c]], dtype=object) for c in columns]
    out = parts[0]
    for part in parts[1:]:
        out = out + ", " + part
    return out


def _duplicate_failures(typed: pd.DataFrame, key: tuple[str, ...], usable: np.ndarray) -> _Failures | None:
    """Second and later rows of a key, naming the line of the first."""
    keys = typed.loc[usable, list(key)]
    repeated = keys.duplicated(keep=False)
    if not repeated.any():
        return None
    group = keys[repeated].assign(__wb_line__=keys.index[repeated.to_numpy()])
    first = group.groupby(list(key), sort=False)["__wb_line__"].transform("first")
    later = group["__wb_line__"] != first
    dupes = group[later.to_numpy()]
    reasons = _describe_key(key, dupes) + np.array([f" is duplicated (first at line {n})" for n in first[later]], dtype=object)
    positions = typed.index.get_indexer(dupes.index)
    values = dupes[key[0]].to_numpy(dtype=object) if len(key) == 1 else _describe_key(key, dupes)
    return _Failures(positions, ",".join(key), reasons, values)


def _in_keyset(frame: pd.DataFrame, columns: tuple[str, ...], keys: KeySet) -> np.ndarray:
    if callable(keys):
        return np.asarray(keys(frame[columns[0]]), dtype=bool)
    if len(columns) == 1:
        return frame[columns[0]].isin(keys if isinstance(keys, (pd.Index, pd.Series, np.ndarray)) else list(keys)).to_numpy(bool)
    return pd.MultiIndex.from_frame(frame[list(columns)]).isin(list(keys))


def _condition_failures(typed: pd.DataFrame, condition: Condition, keys: KeySet, usable: np.ndarray) -> _Failures | None:
    """Rows whose values in ``condition.columns`` are not in ``keys``."""
    columns = condition.columns
    if any(c not in typed.columns for c in columns):
        return None
    present = usable & typed[list(columns)].notna().all(axis=1).to_numpy()
    if not present.any():
        return None
    candidates = typed[present]
    missing = ~_in_keyset(candidates, columns, keys)
    if not missing.any():
        return None
    failing = candidates[missing]
    unique = failing[list(columns)].drop_duplicates()
    worded = {tuple(row): condition.reason.format(**dict(zip(columns, row))) for row in unique.itertuples(index=False)}
    reasons = np.array([worded[tuple(row)] for row in failing[list(columns)].itertuples(index=False)], dtype=object)
    positions = typed.index.get_indexer(failing.index)
    return _Failures(positions, columns[-1], reasons, failing[columns[-1]].to_numpy(dtype=object))


def _raw_json(raw: RawTable, positions: np.ndarray) -> np.ndarray:
    rows = raw.frame.iloc[positions].to_numpy(dtype=object)
    header = list(raw.header)
    return np.array(
        [json.dumps(dict(zip(header, values)), ensure_ascii=False, default=str) for values in rows], dtype=object
    )


def _cell_values(raw: RawTable, failures: _Failures) -> np.ndarray:
    if failures.column in raw.frame.columns:
        return raw.frame[failures.column].iloc[failures.positions].astype("str").to_numpy(dtype=object)
    return failures.values


def _quarantine(raw: RawTable, failures: list[_Failures]) -> pd.DataFrame:
    """The quarantine rows of ``raw`` for ``failures`` (each position once) plus its malformed rows."""
    parts = [
        pd.DataFrame(
            {
                "table": raw.table,
                "file": str(raw.file),
                "line": raw.frame.index.to_numpy()[f.positions],
                "column": f.column,
                "reason": f.reasons,
                "value": _cell_values(raw, f),
                "raw": _raw_json(raw, f.positions),
                "action": f.action,
            }
        )
        for f in failures
        if len(f.positions)
    ]
    if raw.malformed:
        lines, reasons, texts = zip(*raw.malformed)
        parts.append(
            pd.DataFrame({"table": raw.table, "file": str(raw.file), "line": lines, "column": "", "reason": reasons,
                          "value": "", "raw": texts, "action": ROW})
        )
    if not parts:
        return empty_quarantine()
    frame = pd.concat(parts, ignore_index=True).sort_values("line", kind="stable", ignore_index=True)
    frame = frame.astype({c: "str" for c in QUARANTINE_COLUMNS if c != "line"})
    return frame.astype({"line": "Int64"})


def _missing_columns(raw: RawTable, spec: Table) -> tuple[Issue, ...]:
    """One file-level issue per required column the header lacks (with a hint for case mismatches)."""
    present = {c.lower(): c for c in raw.frame.columns}
    issues = []
    for name in spec.required_columns:
        if name in raw.frame.columns:
            continue
        hint = f" (found {present[name.lower()]!r}; column names are exact)" if name.lower() in present else ""
        issues.append(Issue(raw.table, str(raw.file), raw.header_line, name, f"missing required column {name!r}{hint}"))
    return tuple(issues)


def _whole_file_rejected(raw: RawTable, issues: tuple[Issue, ...]) -> CheckedTable:
    reason = "; ".join(i.reason for i in issues)
    everyone = _Failures(np.arange(len(raw.frame)), issues[0].column or "", np.full(len(raw.frame), reason, dtype=object),
                         np.full(len(raw.frame), "", dtype=object))
    quarantine = _quarantine(raw, [everyone])
    quarantine["value"] = ""
    accepted = empty_frame(raw.table)
    accepted.index.name = "line"
    return CheckedTable(raw.table, str(raw.file), raw.encoding, raw.rows, accepted, quarantine, issues, header=raw.header)


def check_table(raw: RawTable, *, known_keys: Mapping[str, KeySet] | None = None, strict: bool = False,
                keep_pii: bool = False, dayfirst: bool | None = None) -> CheckedTable:
    """Type a raw table per the contract and quarantine the rows that break it.

    Parameters
    ----------
    raw : RawTable
        From :func:`workbench.data.read.read_table_file`.
    known_keys : mapping, optional
        Key sets for the joins, by name: a table name -> its key values (e.g. ``{"candidates": {"C1"}}``),
        ``profiles`` -> job ids, ``dimensions`` -> (job_id, dimension) pairs, ``ai_passed`` -> candidate ids,
        ``resume_files`` -> a predicate over the resume_path column. A join whose key set is not given is
        not checked.
    strict : bool, default False
        Reject the whole row for a bad value in an optional demographic field (gender, age, race_ethnicity,
        education) or a missing resume file too. By default such a cell becomes unknown, the row is kept and
        the cell is quarantined (``action`` = "cell set to unknown"), so an optional field never removes an
        applicant.
    keep_pii : bool, default False
        Keep personal-data columns (name, phone, e-mail, ID number, address) and personal-looking ids as they
        are. By default they are replaced by keyed pseudonyms (:mod:`workbench.data.pii`) before anything is
        stored or quarantined.

    Returns
    -------
    CheckedTable

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ai_decisions.csv"
    >>> _ = path.write_text("candidate_id,ai_score,ai_passed,profile_version,human_reviewed\\n"
    ...                     "C1,4.1,yes,v1,no\\nC9,3.0,no,v1,no\\n", encoding="utf-8")
    >>> checked = check_table(read_table_file(path), known_keys={"candidates": {"C1"}})
    >>> [(i.line, i.column, i.reason) for i in checked.issues()]
    [(3, 'candidate_id', "candidate_id 'C9' is not in candidates")]
    """
    spec = TABLE_BY_NAME[raw.table]
    missing = _missing_columns(raw, spec)
    if missing:
        return _whole_file_rejected(raw, missing)
    pseudonymised: list[str] = []
    if not keep_pii:
        frame, pseudonymised = pseudonymise(raw.frame)
        raw = replace(raw, frame=frame) if pseudonymised else raw
    notes: list[str] = list(getattr(raw, "notes", ()) or ())
    raw, skipped = _without_totals(raw)
    notes += skipped
    if raw.table == "candidates":
        frame, said = _with_age(raw.frame, dayfirst)
        raw, notes = (replace(raw, frame=frame), notes + [said]) if said else (raw, notes)
    table, checks, vocab = _typed_table(raw, spec, dayfirst)
    bad = np.zeros(len(raw.frame), dtype=bool)
    failures: list[_Failures] = []
    for column, mask, reasons in checks:
        soft = spec.column(column).soft and not strict
        new = mask & ~bad
        if new.any():
            failures.append(_Failures(np.flatnonzero(new), column, reasons[~bad[mask]], np.array([]),
                                      CELL if soft else ROW))
            if soft:
                table.loc[table.index[new], column] = pd.NA
            else:
                bad |= mask
    later = [(lambda: _duplicate_failures(table, spec.key, ~bad), None)]
    for condition in spec.all_conditions:
        if known_keys is not None and condition.keyset in known_keys:
            later.append((lambda c=condition: _condition_failures(table, c, known_keys[c.keyset], ~bad), condition))
    for run, condition in later:
        found = run()
        if found is None:
            continue
        if condition is not None and condition.soft and not strict:
            found = replace(found, action=CELL)
            table.loc[table.index[found.positions], found.column] = pd.NA
        else:
            bad[found.positions] = True
        failures.append(found)
    accepted = table[~bad]
    return CheckedTable(raw.table, str(raw.file), raw.encoding, raw.rows, accepted, _quarantine(raw, failures),
                        header=raw.header, mapped=tuple(vocab["mapped"]), unknown=MappingProxyType(vocab["unknown"]),
                        pseudonymised=tuple(pseudonymised), notes=tuple(notes))


def _with_age(frame: pd.DataFrame, dayfirst: bool | None) -> tuple[pd.DataFrame, str]:
    """``age`` at the application date from a ``birth_date`` column (出生日期) where age is missing."""
    if "birth_date" not in frame.columns or "applied_at" not in frame.columns:
        return frame, ""
    born, _ = parse_dates(frame["birth_date"], dayfirst=dayfirst)
    applied, _ = parse_dates(frame["applied_at"], dayfirst=dayfirst)
    before = (applied.dt.month < born.dt.month) | ((applied.dt.month == born.dt.month) & (applied.dt.day < born.dt.day))
    years = (applied.dt.year - born.dt.year - before.astype(int)).astype("Float64")
    have = frame["age"].astype(str).str.strip().ne("") & frame["age"].notna() if "age" in frame.columns else None
    age = years.astype("Int64").astype(str).replace("<NA>", "")
    out = frame.copy()
    out["age"] = age if have is None else frame["age"].where(have, age)
    n = int(years.notna().sum() if have is None else (years.notna() & ~have).sum())
    return out, f"age computed at the application date from birth_date for {n:,} row(s)" if n else ""


def _without_totals(raw: RawTable) -> tuple[RawTable, list[str]]:
    """A trailing totals row (合计/Total) of an export is not a data row: skipped and said, not quarantined."""
    totals = [m for m in raw.malformed if "totals row" in str(m[1])]
    if not totals:
        return raw, []
    rest = tuple(m for m in raw.malformed if m not in totals)
    said = [f"line {line}: {reason}; skipped" for line, reason, _ in totals]
    return replace(raw, malformed=rest), said  # rows = data rows: the totals row no longer counts


def _typed_table(raw: RawTable, spec: Table, dayfirst: bool | None = None) -> tuple[pd.DataFrame, list, dict]:
    """Every column typed (absent optional ones empty, extra ones as text), the checks, the vocabulary's work."""
    frame = raw.frame
    typed: dict[str, pd.Series] = {}
    checks: list[tuple[str, np.ndarray, np.ndarray]] = []
    vocab: dict[str, Any] = {"mapped": [], "unknown": {}}
    for column in spec.columns:
        if column.name in frame.columns:
            typed[column.name], column_checks, found = _typed_column(column, frame[column.name], dayfirst)
            checks += [(column.name, mask, reasons) for mask, reasons in column_checks]
            vocab["mapped"] += found["mapped"]
            if found["unknown"]:
                vocab["unknown"][column.name] = found["unknown"]
        else:
            typed[column.name] = pd.Series(index=frame.index, dtype=KIND_DTYPES[column.kind])
    for extra in frame.columns:
        if extra not in typed:
            typed[extra] = frame[extra].astype("str")
    return pd.DataFrame(typed, index=frame.index), checks, vocab


def reject_rows(checked: CheckedTable, mask: np.ndarray, column: str, reasons: np.ndarray, *,
                raw: RawTable) -> CheckedTable:
    """Move the accepted rows selected by ``mask`` to the quarantine with ``reasons`` (aligned to the mask)."""
    if not mask.any():
        return checked
    positions = raw.frame.index.get_indexer(checked.accepted.index[mask])
    extra = _quarantine(replace(raw, malformed=()), [_Failures(positions, column, np.asarray(reasons, dtype=object), np.array([]))])
    quarantine = pd.concat([checked.quarantine, extra], ignore_index=True).sort_values("line", kind="stable", ignore_index=True)
    return replace(checked, accepted=checked.accepted[~mask], quarantine=quarantine)


# ---------------------------------------------------------------------------------------------- datasets


def table_keys(table: str, accepted: pd.DataFrame) -> dict[str, KeySet]:
    """The key sets an accepted table contributes to later joins (its keys; ``ai_passed`` for ai_decisions)."""
    spec = TABLE_BY_NAME[table]
    out: dict[str, KeySet] = {}
    if len(spec.key) == 1 or table == "questions":  # answers reference a question by id, whatever its version
        out[table] = pd.Index(accepted[spec.key[0]].dropna().unique())
    if table == "ai_decisions":
        out["ai_passed"] = pd.Index(accepted.loc[accepted["ai_passed"].fillna(False).to_numpy(bool), "candidate_id"].unique())
    return out


def profile_keys(profiles: Mapping[str, JobProfile]) -> dict[str, KeySet]:
    """``profiles`` and ``dimensions`` key sets of the job profiles."""
    return {
        "profiles": set(profiles),
        "dimensions": {(job, d) for job, p in profiles.items() for d in p.dimension_names},
    }


def resume_predicate(root: Path) -> Callable[[pd.Series], np.ndarray]:
    """A ``resume_files`` key set: True where ``resume_path`` names a file inside ``root``."""
    root = Path(root)

    def exists(paths: pd.Series) -> np.ndarray:
        found = {p: (root / p).is_file() for p in paths.dropna().unique()}
        return paths.map(found).fillna(False).to_numpy(dtype=bool)

    return exists


def find_table_files(folder: Path) -> tuple[dict[str, Path], list[Issue]]:
    """``<table>.parquet|csv|xlsx`` of a dataset folder; two files for one table is an error (Parquet wins)."""
    files: dict[str, Path] = {}
    issues: list[Issue] = []
    order = PARQUET_SUFFIXES + tuple(s for s in TABLE_SUFFIXES if s not in PARQUET_SUFFIXES)
    for name in TABLE_NAMES:
        found = [folder / f"{name}{suffix}" for suffix in order if (folder / f"{name}{suffix}").is_file()]
        if found:
            files[name] = found[0]
        if len(found) > 1:
            names = " and ".join(p.name for p in found)
            issues.append(Issue(name, str(folder), None, None, f"{names} both hold {name}; keep one (using {found[0].name})"))
    return files, issues


def issue_from_error(table: str, path: Path, error: DataError) -> Issue:
    """The file-level :class:`Issue` of a :class:`DataError` raised while reading ``path``."""
    return Issue(table, str(path), error.line, error.column, error.reason)


def read_profiles(folder: Path) -> tuple[dict[str, JobProfile], list[Issue]]:
    """Valid ``profiles/<job_id>.yaml`` by job id, and one issue per broken profile file."""
    profiles: dict[str, JobProfile] = {}
    issues: list[Issue] = []
    for path in sorted((folder / "profiles").glob("*.y*ml")):
        try:
            profile = load_profile(path)
        except (ProfileError, OSError, UnicodeDecodeError) as exc:
            issues.append(Issue("profiles", str(path), None, None, str(exc).removeprefix(f"{path}: ")))
            continue
        if profile.job_id != path.stem:
            issues.append(Issue("profiles", str(path), None, "job_id", f"job_id {profile.job_id!r} does not match the file name"))
            continue
        profiles[profile.job_id] = profile
    return profiles, issues


def is_dataset(folder: Path) -> bool:
    """True when ``folder`` holds at least one contract table or a ``profiles`` folder."""
    return folder.is_dir() and (
        (folder / "profiles").is_dir() or any((folder / f"{t}{s}").is_file() for t in TABLE_NAMES for s in TABLE_SUFFIXES)
    )


def require_dataset(folder: str | Path) -> Path:
    """``folder`` as a Path, or :class:`DataError` when it is not a dataset at all."""
    folder = Path(folder)
    if not folder.exists():
        raise DataError(f"{folder}: no such folder")
    if not is_dataset(folder):
        raise DataError(
            f"{folder}: not a dataset (expected {', '.join(f'{t}.csv' for t in REQUIRED_TABLES)} or .parquet, "
            f"and profiles/<job_id>.yaml)"
        )
    return folder


@dataclass(frozen=True, eq=False)
class DatasetCheck:
    """Everything :func:`check_dataset` found: the report, the checked tables and the valid profiles."""

    report: Report
    tables: dict[str, CheckedTable]
    profiles: dict[str, JobProfile]


def _absent(name: str) -> CheckedTable:
    accepted = empty_frame(name)
    accepted.index.name = "line"
    return CheckedTable(name, "", "", 0, accepted, empty_quarantine())


def build_report(path: Path, tables: Mapping[str, CheckedTable], issues: list[Issue], notes: list[str],
                 profiles: Mapping[str, JobProfile]) -> Report:
    """The :class:`Report` of checked tables plus folder-level ``issues``."""
    errors = list(issues) + [i for t in tables.values() for i in t.issues()]
    counts = {name: tables[name].count() for name in TABLE_NAMES if name in tables}
    notes = list(notes) + [f"{name}: {n}" for name, t in tables.items() for n in t.notes]
    notes += [f"{name}: personal data pseudonymised (keyed HMAC, key outside the dataset): "
                           + "; ".join(t.pseudonymised) for name, t in tables.items() if t.pseudonymised]
    return Report(not errors, counts, tuple(errors), tuple(notes), str(path), tuple(sorted(profiles)),
                  cells=tuple(i for t in tables.values() for i in t.cell_issues()),
                  mapped_values=tuple({"table": name, **m} for name, t in tables.items() for m in t.mapped),
                  unknown_values={name: dict(t.unknown) for name, t in tables.items() if t.unknown},
                  vocabulary_version=load_vocabulary().version)


def check_dataset(path: str | Path, *, strict: bool = False, keep_pii: bool = False, mapping: Any = None,
                  encoding: str | None = None, dayfirst: bool | None = None) -> DatasetCheck:
    """Read and check every table of a dataset folder, in join order (see :func:`validate_dataset`)."""
    folder = require_dataset(path)
    profiles, issues = read_profiles(folder)
    files, file_issues = find_table_files(folder)
    issues += file_issues
    notes: list[str] = []
    known: dict[str, KeySet] = {"resume_files": resume_predicate(folder)}
    if profiles:
        known.update(profile_keys(profiles))
    else:
        issues.append(Issue("profiles", str(folder / "profiles"), None, None,
                            "no job profiles (profiles/<job_id>.yaml); job_id and dimension were not checked"))
    if "ai_decisions" not in files:
        notes.append("no ai_decisions table: final_rounds rows were not checked against ai_passed")
    tables: dict[str, CheckedTable] = {}
    for name in TABLE_NAMES:
        if name not in files:
            if name in REQUIRED_TABLES:
                issues.append(Issue(name, str(folder / f"{name}.csv"), None, None, f"missing table {name} ({name}.csv or {name}.parquet)"))
            tables[name] = _absent(name)
        else:
            try:
                raw = read_table_file(files[name], table=name, mapping=mapping, encoding=encoding)
                tables[name] = check_table(raw, known_keys=known, strict=strict, keep_pii=keep_pii, dayfirst=dayfirst)
            except DataError as exc:
                issues.append(issue_from_error(name, files[name], exc))
                tables[name] = replace(_absent(name), file=str(files[name]))
        keys = table_keys(name, tables[name].accepted)
        if name not in files:
            keys.pop("ai_passed", None)  # no ai_decisions: final_rounds cannot be checked (see notes)
        known.update(keys)
    return DatasetCheck(build_report(folder, tables, issues, notes, profiles), tables, profiles)


def validate_dataset(path: str | Path, *, strict: bool = False, keep_pii: bool = False, mapping: Any = None,
                     encoding: str | None = None, dayfirst: bool | None = None) -> Report:
    """Check a dataset folder against the data contract without changing it.

    The folder holds ``<table>.csv`` / ``.parquet`` / ``.xlsx`` per table and ``profiles/<job_id>.yaml``.
    candidates, questions and answers are required; the other tables may be absent (0 rows). Checked:
    every column (type, empty cells, allowed values, ranges), unique keys, the joins (answers -> candidates
    and questions, ...), candidates.job_id has a profile, questions.dimension belongs to its job's
    profile, final_rounds only for AI-passed candidates, outcomes only for final-round candidates, and
    resume_path files exist.

    Parameters
    ----------
    path : str or Path
        The dataset folder.
    strict : bool, default False
        Reject rows for a bad optional demographic value too (see :func:`check_table`).
    keep_pii : bool, default False
        Keep personal-data columns as they are (see :func:`check_table`).
    mapping : HeaderMapping, str or Path, optional
        Header/value mapping of the files (e.g. ``zh_hr`` for Chinese HR exports).
    encoding : str, optional
        The files' encoding when it is not UTF-8, UTF-16 with a BOM or plausible GBK/GB18030.
    dayfirst : bool, optional
        Day/month order of dd/mm/yyyy dates (default: detected per file from unambiguous values).

    Returns
    -------
    Report
        ``ok`` is False when any row is rejected or any file-level error was found (cells set to unknown are
        listed in ``cells`` and ``warnings``, with every mapped spelling in ``mapped_values``).

    Raises
    ------
    DataError
        When the folder does not exist or is not a dataset at all.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "candidates.csv").write_text("candidate_id,job_id,applied_at,gender,education,years_experience\\n"
    ...                                            "C1,pm,2026-01-05,female,master,3\\n")
    >>> report = validate_dataset(folder)
    >>> report.ok, report.tables["candidates"].accepted, report.tables["final_rounds"].rows
    (False, 1, 0)
    >>> [e.reason for e in report.errors][:2]
    ['no job profiles (profiles/<job_id>.yaml); job_id and dimension were not checked', 'missing table questions (questions.csv or questions.parquet)']
    """
    return check_dataset(path, strict=strict, keep_pii=keep_pii, mapping=mapping, encoding=encoding,
                         dayfirst=dayfirst).report
