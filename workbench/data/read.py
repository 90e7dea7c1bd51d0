"""Read one table file (CSV, XLSX or Parquet) into raw strings with true line numbers.

Nothing is typed or checked here beyond what is needed to find rows and columns: that is
:mod:`workbench.data.validate`'s job. What this module settles:

- the **encoding**, detected from the bytes: BOM -> ``utf-8-sig``; strict UTF-8 -> ``utf-8``; else ``gbk`` or
  ``gb18030`` when the bytes decode cleanly and read as Chinese; else charset-normalizer's best guess;
- the **delimiter**, sniffed from the header line (comma, semicolon, tab, pipe);
- the **line number** of every row, 1-based, header = line 1, counting the physical lines of quoted
  multi-line fields (Excel: the sheet row; Parquet: row position + 2, as if there were a header line);
- the **table** the file holds: given, else from the file name (``answers_2026.csv`` -> answers), else from
  its header;
- the optional **header mapping** (foreign headers and values -> contract names).

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "questions_v2.csv").write_text("question_id;job_id\\nq1;sales\\nq2;sales\\n")
>>> raw = read_table_file(folder / "questions_v2.csv")
>>> raw.table, raw.encoding, raw.delimiter, list(raw.frame.index)
('questions', 'utf-8', ';', [2, 3])
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from workbench.data.errors import DataError
from workbench.data.mapping import HeaderMapping, as_mapping
from workbench.data.schema import TABLE_BY_NAME, TABLE_NAMES

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")
TABLE_SUFFIXES = CSV_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES
DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_CHUNK = 1 << 22  # 4 MiB, for incremental decoding checks
_SAMPLE = 1 << 20  # 1 MiB, for charset guesses and delimiter sniffing


@dataclass(frozen=True, eq=False)
class RawTable:
    """One table file as read: raw cells, true line numbers, and how the file was decoded.

    Attributes
    ----------
    table : str
        Contract table name.
    file : Path
        The file read.
    encoding : str
        Detected text encoding (``utf-8``, ``utf-8-sig``, ``gbk``, ``gb18030`` ...), or ``xlsx`` / ``parquet``.
    frame : pandas.DataFrame
        One row per data row, columns renamed by the mapping; index ``line`` = the file line of the row.
        CSV and Excel cells are strings (empty cell = ``""``); Parquet columns keep their stored types.
    header : tuple of str
        The header as written in the file (before mapping).
    delimiter : str or None
        The CSV delimiter used (None for Excel and Parquet).
    header_line : int
        The line of the header (1 unless blank lines come first).
    malformed : tuple of (line, reason, raw) tuples
        Rows that could not be split into the header's columns (quarantined by validation).
    """

    table: str
    file: Path
    encoding: str
    frame: pd.DataFrame
    header: tuple[str, ...]
    delimiter: str | None = None
    header_line: int = 1
    malformed: tuple[tuple[int, str, str], ...] = ()

    @property
    def rows(self) -> int:
        """Data rows read (well-formed + malformed)."""
        return len(self.frame) + len(self.malformed)


# ---------------------------------------------------------------------------------------------- encoding


def _decodes(data: bytes, encoding: str) -> bool:
    """True when ``data`` decodes strictly with ``encoding`` (checked in chunks, nothing kept)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        for start in range(0, len(data), _CHUNK):
            decoder.decode(data[start : start + _CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _reads_as_chinese(data: bytes, encoding: str) -> bool:
    """True when most non-ASCII characters of a sample decode to CJK characters or punctuation."""
    text = data[:_SAMPLE].decode(encoding, errors="ignore")
    wide = [ch for ch in text if ord(ch) > 127]
    if not wide:
        return True
    cjk = sum(
        "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"
        or ord(ch) >= 0x20000
        for ch in wide
    )
    return cjk / len(wide) >= 0.5


def detect_encoding(data: bytes, *, name: str = "file") -> str:
    """The text encoding of ``data``, detected from the bytes (never from the file name).

    Order: a BOM; strict UTF-8; GBK, then GB18030 (its superset) when the bytes decode cleanly and read as
    Chinese; else charset-normalizer's best guess. Raises :class:`DataError` naming ``name`` when nothing fits.

    Examples
    --------
    >>> detect_encoding("得分".encode("utf-8")), detect_encoding("得分".encode("gbk"))
    ('utf-8', 'gbk')
    >>> detect_encoding(codecs.BOM_UTF8 + b"a,b"), detect_encoding("㐀".encode("gb18030"))
    ('utf-8-sig', 'gb18030')
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _decodes(data, "utf-8"):
        return "utf-8"
    for encoding in ("gbk", "gb18030"):
        if _decodes(data, encoding) and _reads_as_chinese(data, encoding):
            return encoding
    from charset_normalizer import from_bytes

    best = from_bytes(data[:_SAMPLE]).best()
    if best is not None and _decodes(data, best.encoding):
        return best.encoding
    raise DataError(f"{name}: cannot tell the text encoding (not UTF-8, GBK or GB18030); save it as UTF-8")


# ---------------------------------------------------------------------------------------------- CSV


def _first_line(data: bytes, encoding: str) -> str:
    text = data[:_SAMPLE].decode(encoding, errors="ignore").lstrip("\ufeff")
    return next((line for line in text.splitlines() if line.strip()), "")


def sniff_delimiter(header_line: str) -> str:
    """The delimiter (``,`` ``;`` tab ``|``) occurring most often outside quotes in a header line.

    >>> sniff_delimiter("a;b;c"), sniff_delimiter('"a,b"\\tc'), sniff_delimiter("one")
    (';', '\\t', ',')
    """
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def _physical_lines(data: bytes) -> int:
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def _csv_fast(data: bytes, encoding: str, delimiter: str) -> tuple[list[str], pd.DataFrame] | None:
    """pyarrow parse when each record is exactly one physical line (so line = position + 1); else None."""
    if encoding.startswith("utf-16"):
        return None
    width = len(next(csv.reader([_first_line(data, encoding)], delimiter=delimiter), []))
    body = data[len(codecs.BOM_UTF8) :] if encoding == "utf-8-sig" else data
    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(
                encoding="utf8" if encoding.startswith("utf-8") else encoding, autogenerate_column_names=True
            ),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(width)}, strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError, LookupError):
        return None
    if table.num_rows == 0 or _physical_lines(body) != table.num_rows:
        return None  # blank lines or quoted newlines: lines are not positions; take the exact path
    table = table.cast(pa.schema([pa.field(name, pa.string()) for name in table.column_names]))
    header = [str(v) for v in table.slice(0, 1).to_pylist()[0].values()]
    names = [f"_{i}" for i in range(table.num_columns)]
    frame = table.slice(1).rename_columns(names).to_pandas()
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="line")
    return header, frame


def _csv_exact(data: bytes, encoding: str, delimiter: str, path: Path) -> tuple[list[str], pd.DataFrame, list, int]:
    """csv-module parse keeping the first physical line of every record; ragged rows go to ``malformed``."""
    text = data.decode(encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_line = 1
    rows, lines, malformed = [], [], []
    previous = 0
    try:
        for record in reader:
            start, previous = previous + 1, reader.line_num
            if not "".join(record).strip():  # blank line (or only empty fields)
                continue
            if header is None:
                header, header_line = record, start
            elif len(record) == len(header):
                rows.append(record)
                lines.append(start)
            else:
                reason = f"has {len(record)} fields, the header has {len(header)}"
                malformed.append((start, reason, json.dumps(record, ensure_ascii=False)))
    except csv.Error as exc:
        raise DataError(f"{path}: line {reader.line_num}: not valid CSV ({exc})", line=reader.line_num) from None
    if header is None:
        raise DataError(f"{path}: empty file (no header line)")
    frame = pd.DataFrame(rows, columns=[f"_{i}" for i in range(len(header))], dtype="str")
    frame.index = pd.Index(np.asarray(lines, dtype=np.int64), name="line")
    return header, frame, malformed, header_line


def _read_csv(path: Path, delimiter: str | None) -> tuple[list[str], pd.DataFrame, list, str, str, int]:
    data = path.read_bytes()
    if not data.removeprefix(codecs.BOM_UTF8).strip():
        raise DataError(f"{path}: empty file (no header line)")
    encoding = detect_encoding(data, name=str(path))
    delimiter = delimiter or sniff_delimiter(_first_line(data, encoding))
    fast = _csv_fast(data, encoding, delimiter)
    if fast is not None:
        header, frame = fast
        return header, frame, [], encoding, delimiter, 1
    header, frame, malformed, header_line = _csv_exact(data, encoding, delimiter, path)
    return header, frame, malformed, encoding, delimiter, header_line


# ---------------------------------------------------------------------------------------------- Excel


def _cell_text(value: object) -> str:
    """An Excel cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _pick_sheet(workbook, table: str | None):
    by_name = {ws.title.strip().lower(): ws for ws in workbook.worksheets}
    return by_name.get(table or "", workbook.worksheets[0])


def _read_xlsx(path: Path, table: str | None) -> tuple[list[str], pd.DataFrame, list, int]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types (zip, XML, KeyError ...): all mean "not readable"
        detail = str(exc) or type(exc).__name__
        raise DataError(f"{path}: not a readable Excel file ({detail})") from None
    try:
        header: list[str] | None = None
        header_line = 1
        rows, lines, malformed = [], [], []
        for number, values in enumerate(_pick_sheet(workbook, table).iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                while cells and not cells[-1].strip():
                    cells.pop()
                header, header_line = cells, number
                continue
            extra = cells[len(header) :]
            cells = (cells + [""] * len(header))[: len(header)]
            if any(c.strip() for c in extra):
                reason = f"has {len(header) + len(extra)} cells, the header has {len(header)}"
                malformed.append((number, reason, json.dumps(cells + extra, ensure_ascii=False)))
            else:
                rows.append(cells)
                lines.append(number)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DataError(f"{path}: not a readable Excel file ({exc})") from None
    finally:
        workbook.close()
    if header is None:
        raise DataError(f"{path}: empty file (the sheet has no header row)")
    frame = pd.DataFrame(rows, columns=[f"_{i}" for i in range(len(header))], dtype="str")
    frame.index = pd.Index(np.asarray(lines, dtype=np.int64), name="line")
    return header, frame, malformed, header_line


# ---------------------------------------------------------------------------------------------- Parquet


def _read_parquet(path: Path) -> tuple[list[str], pd.DataFrame]:
    try:
        frame = pq.read_table(path).to_pandas()
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError ...: all mean "not readable"
        raise DataError(f"{path}: not a readable Parquet file ({exc})") from None
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    header = [str(c) for c in frame.columns]
    frame.columns = [f"_{i}" for i in range(len(header))]
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="line")
    return header, frame


# ---------------------------------------------------------------------------------------------- tables


def table_from_name(stem: str) -> str | None:
    """The table a file name stands for: ``answers`` or ``answers_2026`` -> ``answers``; else None.

    >>> table_from_name("final_rounds-2026Q1"), table_from_name("export")
    ('final_rounds', None)
    """
    stem = stem.strip().lower()
    matches = [t for t in TABLE_NAMES if stem == t or any(stem.startswith(t + sep) for sep in "_- .")]
    return max(matches, key=len) if matches else None


def _table_from_header(header: list[str], mapping: HeaderMapping | None) -> str | None:
    """The one table whose required columns all appear in ``header`` (after that table's mapping)."""
    fits = []
    for name in TABLE_NAMES:
        renames = mapping.columns_for(name) if mapping else {}
        columns = {renames.get(h, h) for h in header}
        required = TABLE_BY_NAME[name].required_columns
        if set(required) <= columns:
            fits.append((len(required), name))
    return max(fits)[1] if fits else None


def _clean_header(header: list[str]) -> list[str]:
    cleaned = [str(h).replace("\ufeff", "").strip() for h in header]
    return [h or f"column_{i + 1}" for i, h in enumerate(cleaned)]


def _check_header(header: list[str], columns: list[str], path: Path, line: int) -> None:
    """One-column headers that hide a delimiter, and duplicated column names, are file-level errors."""
    if len(header) == 1:
        found = [d for d in DELIMITERS if d in header[0]]
        if found:
            name = _DELIMITER_NAMES[found[0]]
            raise DataError(
                f"{path}: line {line}: the header is a single column {header[0]!r} containing a {name}: "
                f"wrong delimiter? (use one of comma, semicolon, tab, pipe, and do not quote the whole line)",
                line=line,
            )
    seen: dict[str, str] = {}
    for original, column in zip(header, columns):
        if column in seen:
            after = f" (as {column!r} after mapping)" if (seen[column], original) != (column, column) else ""
            raise DataError(
                f"{path}: line {line}: column {seen[column]!r} and {original!r} are the same column{after}"
                if after
                else f"{path}: line {line}: column {column!r} appears more than once",
                line=line,
                column=column,
            )
        seen[column] = original


def _map_values(frame: pd.DataFrame, values: dict[str, dict[str, str]]) -> None:
    """Replace mapped cell values in place (string columns only; cells compared after stripping)."""
    for column, replace in values.items():
        if column not in frame.columns or not replace or not pd.api.types.is_string_dtype(frame[column]):
            continue
        stripped = frame[column].str.strip()
        hit = stripped.isin(list(replace))
        if hit.any():
            frame.loc[hit, column] = stripped[hit].map(replace)


def read_table_file(
    path: str | Path,
    *,
    table: str | None = None,
    mapping: HeaderMapping | str | Path | None = None,
    delimiter: str | None = None,
) -> RawTable:
    """Read a CSV, XLSX or Parquet file of one contract table.

    Parameters
    ----------
    path : str or Path
        ``.csv`` / ``.tsv`` / ``.txt``, ``.xlsx`` / ``.xlsm`` (the sheet named like the table, else the first)
        or ``.parquet``.
    table : str, optional
        The contract table; by default from the file name (``answers_2026.csv`` -> answers), else from the
        header.
    mapping : HeaderMapping or path, optional
        Header/value mapping (see :func:`workbench.data.mapping.load_mapping`), e.g. ``"zh_hr"``.
    delimiter : str, optional
        CSV delimiter; sniffed from the header line by default.

    Returns
    -------
    RawTable

    Raises
    ------
    DataError
        One line naming the file (and line) when the file cannot be read as a table: missing, empty,
        undecodable, not Excel/Parquet, a one-column header hiding a delimiter, duplicated columns, unknown table.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
    >>> _ = path.write_bytes("候选人编号,性别,得分\\nC1,女,4\\n".encode("gbk"))
    >>> raw = read_table_file(path, table="answers", mapping="zh_hr")
    >>> raw.encoding, raw.frame.to_dict("records")
    ('gbk', [{'candidate_id': 'C1', 'gender': 'female', 'score': '4'}])
    """
    path = Path(path)
    mapping = as_mapping(mapping)
    if table is not None and table not in TABLE_BY_NAME:
        raise DataError(f"{path}: unknown table {table!r} (use one of {', '.join(TABLE_NAMES)})")
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    suffix = path.suffix.lower()
    table = table or table_from_name(path.stem)
    malformed: list = []
    header_line, sep = 1, None
    if suffix in CSV_SUFFIXES:
        header, frame, malformed, encoding, sep, header_line = _read_csv(path, delimiter)
    elif suffix in EXCEL_SUFFIXES:
        header, frame, malformed, header_line = _read_xlsx(path, table)
        encoding = "xlsx"
    elif suffix in PARQUET_SUFFIXES:
        header, frame = _read_parquet(path)
        encoding = "parquet"
    elif suffix == ".xls":
        raise DataError(f"{path}: not a readable Excel file (old .xls format; save it as .xlsx or CSV)")
    else:
        raise DataError(f"{path}: unsupported file type {suffix or '(none)'} (use CSV, XLSX or Parquet)")
    header = _clean_header(header)
    table = table or _table_from_header(header, mapping)
    if table is None:
        raise DataError(
            f"{path}: cannot tell which table this is; name the file <table>.csv or pass the table "
            f"({', '.join(TABLE_NAMES)})"
        )
    renames = mapping.columns_for(table) if mapping else {}
    columns = [renames.get(h, h) for h in header]
    _check_header(header, columns, path, header_line)
    frame.columns = columns
    if mapping:
        _map_values(frame, mapping.values_for(table))
    return RawTable(table, path, encoding, frame, tuple(header), sep, header_line, tuple(malformed))
