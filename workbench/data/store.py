"""Import table files into a dataset folder: atomically, idempotently, nothing dropped silently.

Storage format
--------------
- A table is stored as typed Parquet, ``<table>.parquet``. If the dataset already holds the table as
  ``<table>.csv`` it stays CSV: the file is rewritten whole as UTF-8 with a comma delimiter, stored rows keep
  their text and new rows are appended (ISO dates, ``true``/``false``). A stored ``.xlsx`` table is replaced
  by Parquet (Excel is an exchange format, not a store; its row limit is 1,048,576).
- Rejected rows are appended to ``quarantine.csv`` (UTF-8 with BOM, so Excel shows Chinese text), columns
  table, file, line, column, reason, value, raw; a row already quarantined is not added twice.
- Profiles given as sources (``*.yaml``) are written to ``profiles/<job_id>.yaml`` (a newer version of a
  profile replaces the stored one, with a note). A source folder that is a dataset brings its tables,
  profiles and ``resumes/``; any other folder brings its table files and ``*.yaml`` profiles (not recursive).

Atomicity: the new dataset is built in a hidden folder next to ``into`` (unchanged files are hard links),
then swapped in with two renames; any failure before the swap removes the staging folder and leaves
``into`` exactly as it was.

Concurrency: writers of one dataset are serialised by an ``flock`` on ``.<dataset>.lock`` beside the folder
(:func:`dataset_lock`; a second import waits up to ``lock_timeout`` seconds, then fails with a clear
message). Under the lock an import reads what is stored, builds the staging folder and, just before the
swap, checks that the folder did not change underneath it (a writer that does not take the lock): if it did,
nothing is written and the import fails. Staging folders left by killed imports
(``.<dataset>.importing-PID`` of a process no longer running) are removed by the next import
(:func:`clean_stale_staging`).

Idempotency: a row whose key is already stored is skipped when identical (counted as
``duplicates_skipped``) and quarantined as a conflict when different; stored rows are never overwritten.
For every source, ``accepted + quarantined + duplicates skipped = read``.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> src = folder / "final_rounds.csv"
>>> _ = src.write_text("candidate_id,final_score,final_passed\\nC1,4.5,true\\nC2,9,false\\n", encoding="utf-8")
>>> report = import_files([src], folder / "data")
>>> report.tables["final_rounds"].line("final_rounds").split(": ")[1]
'accepted 1 + quarantined 1 = read 2'
>>> import_files([src], folder / "data").tables["final_rounds"].duplicates_skipped
1
>>> sorted(p.name for p in (folder / "data").iterdir())
['final_rounds.parquet', 'quarantine.csv']
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # not POSIX: imports are not serialised (documented in dataset_lock)
    fcntl = None

import numpy as np
import pandas as pd

from workbench.data.errors import DataError
from workbench.data.mapping import HeaderMapping, as_mapping
from workbench.data.read import (
    CSV_SUFFIXES,
    EXCEL_SUFFIXES,
    TABLE_SUFFIXES,
    RawTable,
    read_table_file,
    table_from_name,
)
from workbench.data.report import Issue, Report, TableCount
from workbench.data.schema import TABLE_BY_NAME, TABLE_NAMES
from workbench.data.validate import (
    CheckedTable,
    KeySet,
    check_table,
    empty_quarantine,
    find_table_files,
    is_dataset,
    issue_from_error,
    profile_keys,
    read_profiles,
    reject_rows,
    resume_predicate,
    table_keys,
)
from workbench.data.profiles import load_profile, save_profile
from workbench.records import JobProfile, ProfileError

QUARANTINE_FILE = "quarantine.csv"
QUARANTINE_ENCODING = "utf-8-sig"
LOCK_SUFFIX = ".lock"  # .<dataset>.lock beside the dataset folder
STAGING_MARK = ".importing-"  # .<dataset>.importing-PID: the new dataset being built
REPLACED_MARK = ".replaced-"  # .<dataset>.replaced-PID: the old dataset during the swap
LOCK_TIMEOUT_S = 300.0  # how long an import waits for another import into the same dataset
LOCK_POLL_S = 0.05


@dataclass(frozen=True)
class _Sources:
    """The sources of an import, sorted: table files in join order, profile files, resume folders."""

    tables: tuple[Path, ...]
    profiles: tuple[Path, ...]
    resumes: tuple[Path, ...]


def _expand_sources(sources: Iterable[str | Path] | str | Path, table: str | None) -> _Sources:
    items = [sources] if isinstance(sources, (str, Path)) else list(sources)
    tables: list[Path] = []
    profiles: list[Path] = []
    resumes: list[Path] = []
    for item in map(Path, items):
        if item.is_dir() and is_dataset(item):
            tables += find_table_files(item)[0].values()
            profiles += sorted((item / "profiles").glob("*.y*ml"))
            resumes += [item / "resumes"] if (item / "resumes").is_dir() else []
        elif item.is_dir():
            files = sorted(p for p in item.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))
            found = [p for p in files if p.suffix.lower() in TABLE_SUFFIXES]
            profiles += [p for p in files if p.suffix.lower() in (".yaml", ".yml")]
            if not found and not profiles:
                raise DataError(f"{item}: no table files in this folder (CSV, XLSX or Parquet) and not a dataset")
            tables += found
        elif item.suffix.lower() in (".yaml", ".yml"):
            profiles.append(item)
        else:
            tables.append(item)
    return _Sources(tuple(tables), tuple(profiles), tuple(resumes))


def _table_order(raw: RawTable) -> int:
    return TABLE_NAMES.index(raw.table)


# ---------------------------------------------------------------------------------------------- stored rows


def stored_rows(files: dict[str, Path]) -> dict[str, pd.DataFrame | None]:
    """The type-valid rows of each stored table (joins not rechecked), None for absent tables."""
    rows: dict[str, pd.DataFrame | None] = dict.fromkeys(TABLE_NAMES)
    for name, path in files.items():
        rows[name] = check_table(read_table_file(path, table=name)).accepted
    return rows


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Cell-wise equality where two missing cells are equal."""
    both_missing = (a.isna() & b.isna()).to_numpy(dtype=bool)
    if a.dtype != b.dtype:
        a, b = a.astype("str"), b.astype("str")
    return (a == b).fillna(False).to_numpy(dtype=bool) | both_missing


def against_stored(checked: CheckedTable, raw: RawTable, stored: pd.DataFrame) -> CheckedTable:
    """Skip accepted rows identical to a stored row with the same key; quarantine those that differ."""
    key = list(TABLE_BY_NAME[checked.table].key)
    new = checked.accepted
    if new.empty or stored.empty:
        return checked
    common = [c for c in new.columns if c in stored.columns]
    others = [c for c in common if c not in key]
    # positional names inside the merge, so that no column of the file (``_line``, ``x__stored``) can clash
    inner = {c: f"c{i}" for i, c in enumerate(common)}
    keys = [inner[k] for k in key]
    left = new[common].rename(columns=inner)
    left.insert(0, "line", new.index.to_numpy())
    merged = left.merge(stored[common].drop_duplicates(key).rename(columns=inner), on=keys, how="inner",
                        suffixes=("", "_stored"))
    if merged.empty:
        return checked
    differs = np.zeros(len(merged), dtype=bool)
    reasons = np.full(len(merged), "", dtype=object)
    for column in others:
        mine, theirs = inner[column], f"{inner[column]}_stored"
        unequal = ~_same(merged[mine], merged[theirs]) & ~differs
        if unequal.any():
            shown = merged.loc[unequal, [*keys, mine, theirs]]
            reasons[unequal] = [
                f"{', '.join(f'{k} {v!r}' for k, v in zip(key, row[:len(key)]))} is already stored with {column} "
                f"{_shown(row[-1])}; this row has {_shown(row[-2])} (conflict, not overwritten)"
                for row in shown.itertuples(index=False)
            ]
            differs |= unequal
    lines = pd.Index(merged["line"])
    skip = new.index.isin(lines[~differs])
    conflict_lines = pd.Series(reasons[differs], index=lines[differs])
    conflict = new.index.isin(conflict_lines.index)
    checked = replace(checked, duplicates_skipped=checked.duplicates_skipped + int(skip.sum()))
    checked = reject_rows(checked, conflict, ",".join(key), conflict_lines.reindex(new.index[conflict]).to_numpy(), raw=raw)
    return replace(checked, accepted=checked.accepted[~checked.accepted.index.isin(new.index[skip])])


def _shown(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "an empty cell"
    if isinstance(value, pd.Timestamp):
        return repr(value.isoformat())
    return repr(value.item() if hasattr(value, "item") else value)


# ---------------------------------------------------------------------------------------------- writing


def _csv_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Typed rows as the text a CSV table holds: ISO dates, true/false, empty for missing."""
    out = {}
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            midnight = series.dropna().dt.normalize().eq(series.dropna()).all()
            text = series.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%dT%H:%M:%S")
        elif pd.api.types.is_bool_dtype(series):
            text = series.map({True: "true", False: "false"})
        else:
            text = series.astype("str")
        out[column] = text.fillna("").astype("str")
    return pd.DataFrame(out)


def _replace_file(path: Path, write) -> None:
    """Write via a temporary name and ``os.replace`` (never into a hard-linked file of the old dataset)."""
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def write_table(folder: Path, table: str, stored: Path | None, new_rows: pd.DataFrame, notes: list[str]) -> None:
    """Append ``new_rows`` to the table's stored file in ``folder`` (format kept, see module doc)."""
    new_rows = new_rows.reset_index(drop=True)
    if stored is not None and stored.suffix.lower() in CSV_SUFFIXES:
        old = read_table_file(stored, table=table)
        if old.encoding not in ("utf-8", "utf-8-sig") or old.delimiter != ",":
            notes.append(f"{stored.name} rewritten as UTF-8 with commas (was {old.encoding}, {old.delimiter!r})")
        # an optional contract column the stored file lacks and the new rows leave empty is not added to the file
        empty_new = [c for c in new_rows.columns if c not in old.frame.columns and new_rows[c].isna().all()]
        frame = pd.concat([old.frame.reset_index(drop=True), _csv_text(new_rows.drop(columns=empty_new))],
                          ignore_index=True)
        _replace_file(folder / stored.name, lambda p: frame.fillna("").to_csv(p, index=False, encoding="utf-8"))
        return
    target = folder / f"{table}.parquet"
    if stored is not None and stored.suffix.lower() in EXCEL_SUFFIXES:
        old_frame = read_table_file(stored, table=table).frame.reset_index(drop=True)
        (folder / stored.name).unlink()
        notes.append(f"{stored.name} replaced by {target.name} (Excel is not a store)")
    elif stored is not None:
        old_frame = pd.read_parquet(stored)
    else:
        old_frame = None
    frame = new_rows if old_frame is None else _append(old_frame, new_rows)
    _replace_file(target, lambda p: frame.to_parquet(p, index=False))


def _append(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """``new`` under ``old``; a column typed differently in the two (e.g. text from Excel) becomes text."""
    differ = [c for c in new.columns if c in old.columns and old[c].dtype != new[c].dtype]
    if differ:
        old = old.assign(**_csv_text(old[differ]))
        new = new.assign(**_csv_text(new[differ]))
    return pd.concat([old, new], ignore_index=True)


def write_quarantine(folder: Path, rows: pd.DataFrame) -> None:
    """Append quarantine rows to ``quarantine.csv``, skipping rows it already holds."""
    path = folder / QUARANTINE_FILE
    if path.is_file():
        old = pd.read_csv(path, dtype="str", keep_default_na=False, encoding=QUARANTINE_ENCODING)
        rows = pd.concat([old, rows.astype("str").fillna("")], ignore_index=True)
    frame = rows.astype("str").fillna("").drop_duplicates(ignore_index=True)
    _replace_file(path, lambda p: frame.to_csv(p, index=False, encoding=QUARANTINE_ENCODING))


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _stage(into: Path) -> Path:
    """A hidden staging folder next to ``into`` holding (hard links to) its current files."""
    staging = into.parent / f".{into.name}{STAGING_MARK}{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    if into.exists():
        shutil.copytree(into, staging, copy_function=_link_or_copy)
    else:
        staging.mkdir(parents=True)
    return staging


def _swap(staging: Path, into: Path) -> None:
    """Put ``staging`` in place of ``into`` (two renames; the old folder is restored if the second fails)."""
    if not into.exists():
        os.rename(staging, into)
        return
    old = into.parent / f".{into.name}{REPLACED_MARK}{os.getpid()}"
    os.rename(into, old)
    try:
        os.rename(staging, into)
    except BaseException:
        os.rename(old, into)
        raise
    shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------------------------------------- concurrency


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_staging(into: str | Path) -> list[str]:
    """Remove the hidden staging folders that imports killed before they finished left next to ``into``.

    A ``.<dataset>.importing-PID`` folder of a process that is no longer running (or of this process: call it
    under :func:`dataset_lock`, when no import of this process is running) is deleted. A
    ``.<dataset>.replaced-PID`` folder is the old dataset of an import killed between the two renames of the
    swap: it is put back when ``<dataset>`` is missing, else deleted. Returns one note per folder handled.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / ".data.importing-999999999").mkdir()
    >>> clean_stale_staging(root / "data"), sorted(p.name for p in root.iterdir())
    (['removed a stale staging folder .data.importing-999999999 (left by an import that did not finish)'], [])
    """
    into = Path(into)
    notes = []
    for mark in (STAGING_MARK, REPLACED_MARK):
        for folder in sorted(into.parent.glob(f".{glob.escape(into.name)}{mark}*")):
            pid = folder.name.rsplit("-", 1)[-1]
            if not pid.isdigit() or (int(pid) != os.getpid() and _alive(int(pid))) or not folder.is_dir():
                continue
            if mark == REPLACED_MARK and not into.exists():
                os.rename(folder, into)
                notes.append(f"restored {into.name} from {folder.name} (an import was killed during its swap)")
                continue
            shutil.rmtree(folder, ignore_errors=True)
            notes.append(f"removed a stale staging folder {folder.name} (left by an import that did not finish)")
    return notes


def _lock_holder(fd: int) -> str:
    text = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
    return f" by process {text}" if text.isdigit() else ""


@contextlib.contextmanager
def dataset_lock(into: str | Path, *, timeout: float = LOCK_TIMEOUT_S):
    """Hold the write lock of the dataset ``into`` (``flock`` on ``.<dataset>.lock`` beside it).

    Writers of one dataset are serialised: a second import waits up to ``timeout`` seconds, then fails
    with a :class:`DataError` saying so. The lock file sits beside the folder (the folder itself is swapped
    by each import) and is left in place. Readers (validate, load) take no lock: an import swaps the folder
    in whole, so they see the dataset before or after it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> with dataset_lock(root / "data") as lock:  # doctest: +ELLIPSIS
    ...     with dataset_lock(root / "data", timeout=0.1):
    ...         pass
    Traceback (most recent call last):
    ...
    workbench.data.errors.DataError: ...data: another import into this dataset is running (lock .data.lock held by process ...); gave up after 0.1 s; run this import again when it has finished
    """
    into = Path(into)
    path = into.parent / f".{into.name}{LOCK_SUFFIX}"
    try:
        into.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise DataError(f"{into}: cannot create the dataset folder here ({exc.strerror or exc})") from None
    try:
        deadline = time.monotonic() + timeout
        while fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise DataError(
                        f"{into}: another import into this dataset is running (lock {path.name} held"
                        f"{_lock_holder(fd)}); gave up after {timeout:g} s; run this import again when it has "
                        f"finished"
                    ) from None
                time.sleep(LOCK_POLL_S)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _fingerprint(folder: Path) -> tuple:
    """What identifies the dataset's state: every file's path, size, mtime and inode."""
    if not folder.exists():
        return ()
    state = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            st = path.stat()
            state.append((path.relative_to(folder).as_posix(), st.st_size, st.st_mtime_ns, st.st_ino))
    return tuple(state)


def _check_into(into: Path) -> Path:
    if into.exists() and not into.is_dir():
        raise DataError(f"{into}: not a folder (--into names the dataset folder to import into, new or existing)")
    for parent in into.parents:
        if parent.exists():
            if not parent.is_dir():
                raise DataError(f"{into}: cannot create the dataset folder: {parent} is a file, not a folder")
            break
    return into


# ---------------------------------------------------------------------------------------------- import


def _read_new_profiles(paths: tuple[Path, ...], issues: list[Issue]) -> dict[str, JobProfile]:
    profiles = {}
    for path in paths:
        try:
            profile = load_profile(path)
        except (ProfileError, OSError, UnicodeDecodeError) as exc:
            issues.append(Issue("profiles", str(path), None, None, str(exc).removeprefix(f"{path}: ")))
            continue
        profiles[profile.job_id] = profile
    return profiles


def _read_sources(paths: tuple[Path, ...], table: str | None, mapping: HeaderMapping | None, encoding: str | None,
                  issues: list[Issue], notes: list[str]) -> list[RawTable]:
    """The readable table sources in join order; one file-level issue per unreadable one."""
    raws = []
    for path in paths:
        try:
            raw = read_table_file(path, table=table, mapping=mapping, encoding=encoding)
        except DataError as exc:
            issues.append(issue_from_error(table or table_from_name(path.stem) or "?", path, exc))
            continue
        raws.append(raw)
        notes += [f"{path.name}: {note}" for note in raw.notes]
    return sorted(raws, key=_table_order)


@dataclass
class _Import:
    """One import in progress (built by :func:`import_files`, written by :func:`_write_locked`)."""

    into: Path
    plan: _Sources
    raws: list[RawTable]
    new_profiles: dict[str, JobProfile]
    issues: list[Issue]
    notes: list[str]
    check_options: dict


def _check_against_store(job: _Import, staging: Path, stored_files: dict[str, Path],
                         profiles: dict[str, JobProfile]) -> tuple[dict, dict, list]:
    """Check every source against the stored rows and the other sources: (counts, new rows, quarantine)."""
    current = stored_rows(stored_files)
    known: dict[str, KeySet] = {"resume_files": resume_predicate(staging)}
    for name, frame in current.items():
        if frame is not None:
            known.update(table_keys(name, frame))
    if profiles:
        known.update(profile_keys(profiles))
    elif any(r.table in ("candidates", "questions") for r in job.raws):
        job.notes.append("no job profiles yet: job_id and dimension were not checked (import profiles/<job_id>.yaml)")
    counts: dict[str, TableCount] = {}
    new_rows: dict[str, list[pd.DataFrame]] = {}
    quarantine = [empty_quarantine()]
    for raw in job.raws:
        checked = check_table(raw, known_keys=known, **job.check_options)
        if current[raw.table] is not None:
            checked = against_stored(checked, raw, current[raw.table])
        counts[raw.table] = counts[raw.table] + checked.count() if raw.table in counts else checked.count()
        job.issues.extend(checked.issues())
        quarantine.append(checked.quarantine)
        new_rows.setdefault(raw.table, []).append(checked.accepted)
        parts = [f for f in (current[raw.table], checked.accepted) if f is not None]
        current[raw.table] = pd.concat(parts) if len(parts) > 1 else parts[0]
        known.update(table_keys(raw.table, current[raw.table]))
    return counts, new_rows, quarantine


def _write_locked(job: _Import) -> tuple[dict[str, TableCount], list[str]]:
    """The import proper, under the dataset lock: read the store, stage, write, check, swap.

    Returns the counts per table and the job ids of the dataset's profiles after the import."""
    into, notes = job.into, job.notes
    notes += clean_stale_staging(into)
    before = _fingerprint(into)
    stored_files = find_table_files(into)[0] if is_dataset(into) else {}
    profiles = read_profiles(into)[0] if is_dataset(into) else {}
    for job_id, profile in job.new_profiles.items():
        if job_id in profiles and profiles[job_id] != profile:
            notes.append(f"profile {job_id} replaced (version {profiles[job_id].version} -> {profile.version})")
    profiles.update(job.new_profiles)
    staging = _stage(into)
    try:
        for folder in job.plan.resumes:
            shutil.copytree(folder, staging / "resumes", copy_function=_link_or_copy, dirs_exist_ok=True)
        counts, new_rows, quarantine = _check_against_store(job, staging, stored_files, profiles)
        for name, frames in new_rows.items():
            rows = pd.concat(frames) if len(frames) > 1 else frames[0]
            if len(rows) or name not in stored_files:
                write_table(staging, name, stored_files.get(name), rows, notes)
        for profile in job.new_profiles.values():
            (staging / "profiles").mkdir(exist_ok=True)
            target = staging / "profiles" / f"{profile.job_id}.yaml"
            _replace_file(target, lambda p, prof=profile: save_profile(prof, p))
        rejected = pd.concat(quarantine, ignore_index=True)
        if len(rejected):
            write_quarantine(staging, rejected)
        if _fingerprint(into) != before:
            raise DataError(f"{into}: the dataset changed while this import ran (a writer that does not take the "
                            f"lock?); nothing was written: run the import again")
        _swap(staging, into)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise DataError(f"{into}: import failed, the dataset is unchanged ({exc})") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return counts, sorted(profiles)


def import_files(
    sources: Iterable[str | Path] | str | Path,
    into: str | Path,
    *,
    mapping: HeaderMapping | str | Path | None = None,
    table: str | None = None,
    encoding: str | None = None,
    lock_timeout: float = LOCK_TIMEOUT_S,
    check_options: Mapping[str, Any] | None = None,
) -> Report:
    """Validate table files and add their accepted rows to the dataset folder ``into``.

    Each source is checked against what ``into`` already holds plus the other sources (tables are
    imported in join order: candidates before answers, ...). Accepted rows are appended to the stored
    tables, rejected rows to ``quarantine.csv``; see the module docstring for the format, atomicity,
    concurrency and idempotency rules.

    Parameters
    ----------
    sources : path or iterable of paths
        Table files (CSV, XLSX, Parquet), profile files (``*.yaml``), dataset folders, or folders of
        table files (each file of the folder is a source; ``*.yaml`` files in it are profiles).
    into : str or Path
        The dataset folder; created when new.
    mapping : HeaderMapping or path, optional
        Header/value mapping for foreign exports, e.g. ``"zh_hr"``.
    table : str, optional
        The table of every table source (by default from each file name or header).
    encoding : str, optional
        The text encoding of every CSV source (by default detected; see
        :func:`workbench.data.read.choose_encoding`).
    lock_timeout : float
        Seconds to wait for another import into the same dataset to finish (:func:`dataset_lock`).
    check_options : mapping, optional
        Extra keyword arguments of :func:`workbench.data.validate.check_table` for every source.

    Returns
    -------
    Report
        Counts of the imported tables (``accepted + rejected + duplicates_skipped == rows``) and the issues.

    Raises
    ------
    DataError
        When a source folder holds no table, ``into`` is a file, the mapping is invalid, another import
        holds the dataset longer than ``lock_timeout``, or writing fails (the dataset is left unchanged).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "q.yaml").write_text("job_id: pm\\nversion: v1\\nthreshold: 3\\ndimensions: [{name: craft, weight: 1}]\\n")
    >>> src = folder / "questions.csv"
    >>> _ = src.write_text("question_id,job_id,dimension,kind,text,version,active\\n"
    ...                    "q1,pm,craft,general,Tell me,v1,是\\nq2,pm,charm,general,Hi,v1,否\\n", encoding="utf-8")
    >>> report = import_files([folder / "q.yaml", src], folder / "data")
    >>> report.ok, [e.reason for e in report.errors]
    (False, ["dimension 'charm' is not a dimension of the 'pm' profile"])
    >>> import_files([src], src)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    workbench.data.errors.DataError: ...questions.csv: not a folder (--into names the dataset folder to import into, new or existing)
    """
    into = _check_into(Path(into))
    mapping = as_mapping(mapping)
    plan = _expand_sources(sources, table)
    issues: list[Issue] = []
    notes: list[str] = []
    new_profiles = _read_new_profiles(plan.profiles, issues)
    raws = _read_sources(plan.tables, table, mapping, encoding, issues, notes)
    job = _Import(into, plan, raws, new_profiles, issues, notes, dict(check_options or {}))
    with dataset_lock(into, timeout=lock_timeout):
        counts, profiles = _write_locked(job)
    ordered = {name: counts[name] for name in TABLE_NAMES if name in counts}
    return Report(not issues, ordered, tuple(issues), tuple(notes), str(into), tuple(profiles))
