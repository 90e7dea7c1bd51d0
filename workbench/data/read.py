"""Read one table file (CSV, XLSX or Parquet) into raw strings with true line numbers.

Nothing is typed or checked here beyond what is needed to find rows and columns: that is
:mod:`workbench.data.validate`'s job. What this module settles:

- the **encoding**, from the bytes, never guessed: a BOM (UTF-8 or UTF-16); strict UTF-8; GBK, then GB18030,
  only when the bytes decode cleanly *and* read as Chinese (most double-byte characters in the common GB2312
  area); any other encoding only when given (``encoding=``, the CLI's ``--encoding``); else a
  :class:`DataError`. A UTF-8 file with a few undecodable lines (a stray cp1252 byte) is read as UTF-8 and
  each such line goes to ``malformed`` with its line number, never the whole file (see :func:`choose_encoding`);
- the **header row**: the best match for known column names (the contract's and the built-in mappings') among
  the first :data:`HEADER_SEARCH_ROWS` non-blank rows, so a title row or merged banner above the header
  (DingTalk/EHR exports) is skipped, with a note; when no row holds a known name, a :class:`DataError` names
  the row that looks most like a header;
- the **delimiter** (comma, semicolon, tab, pipe): the one that makes the header row match best, else the one
  occurring most often outside quotes;
- the **line number** of every row, 1-based, header = its own line, counting the physical lines of quoted
  multi-line fields (Excel: the sheet row; Parquet: row position + 2, as if there were a header line);
- **malformed rows**, kept with their line and a reason for the quarantine: a row with the wrong number of
  fields; an unclosed quote (a field running over line ends that holds lines with the header's number of
  fields: that line is quarantined and reading goes on at the next line); a field longer than
  :data:`MAX_FIELD_CHARS` (16 MiB); an undecodable line; a trailing totals row (合计 / 总计 / Total / Sum ... in
  its first cells, or a blank id and nothing but numbers);
- the **sheet** of an XLSX workbook: the sheet named like the table, else the one whose header fits the table
  (after the mapping) best, else the first; a workbook of several sheets says which was read (``notes``);
- the **table** the file holds: given, else from the file name (``answers_2026.csv`` -> answers), else from
  its header;
- the optional **header mapping** (foreign headers and values -> contract names; headers compared by
  :func:`workbench.data.mapping.header_key`).

Cells are kept as written, except that numeric, date and boolean contract columns are NFKC-normalised
(full-width ``４．５`` -> ``4.5``, ``２０２４年６月`` -> ``2024年6月``); dates are parsed later by
:func:`workbench.data.dates.parse_dates`, which normalises too.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "questions_v2.csv").write_text("question_id;job_id\\nq1;sales\\nq2;sales\\n")
>>> raw = read_table_file(folder / "questions_v2.csv")
>>> raw.table, raw.encoding, raw.delimiter, list(raw.frame.index)
('questions', 'utf-8', ';', [2, 3])
>>> _ = (folder / "final_rounds.csv").write_text("2026 final rounds\\ncandidate_id,final_score,final_passed\\n"
...                                               "C1,4,true\\n合计,4,\\n")
>>> raw = read_table_file(folder / "final_rounds.csv")
>>> raw.header_line, list(raw.frame.index), [(line, reason[:14]) for line, reason, _ in raw.malformed]
(2, [3], [(4, 'a totals row (')])
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import itertools
import json
import math
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from workbench.data.errors import DataError
from workbench.data.mapping import BUILTIN_MAPPINGS, HeaderMapping, as_mapping, header_key, load_mapping
from workbench.data.schema import TABLE_BY_NAME, TABLE_NAMES

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")
TABLE_SUFFIXES = CSV_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES
DELIMITERS = (",", ";", "\t", "|")
MAX_FIELD_CHARS = 16 * 1024 * 1024  # the longest cell read (16 MiB of text); a longer one is quarantined
HEADER_SEARCH_ROWS = 10  # the header row is looked for among this many non-blank rows
MAX_STRAY_LINES = 1  # undecodable lines tolerated in a file with no valid non-ASCII UTF-8 line
TOTAL_WORDS = ("合计", "总计", "小计", "共计", "总数", "汇总", "平均", "平均值", "total", "totals", "grand total",
               "subtotal", "sum", "average", "mean", "count")
_TOTAL = re.compile(r"^(?:%s)(?:$|[\s:：(（=,，])" % "|".join(map(re.escape, TOTAL_WORDS)), re.IGNORECASE)
_NUMBER = re.compile(r"^[-+]?(?:\d+(?:[.,]\d+)*|\.\d+)%?$")
_ESCAPED = re.compile("[\udc80-\udcff]")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_NORMALISED_KINDS = ("float", "int", "date", "bool")
_CHUNK = 1 << 22  # 4 MiB, for incremental decoding checks
_SAMPLE = 1 << 20  # 1 MiB, for encoding checks and header detection

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # fields are measured against MAX_FIELD_CHARS instead


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
        Text encoding (``utf-8``, ``utf-8-sig``, ``utf-16``, ``gbk``, ``gb18030`` or the one given), or
        ``xlsx`` / ``parquet``.
    frame : pandas.DataFrame
        One row per data row, columns renamed by the mapping; index ``line`` = the file line of the row.
        CSV and Excel cells are strings (empty cell = ``""``); Parquet columns keep their stored types.
    header : tuple of str
        The header as written in the file (before mapping).
    delimiter : str or None
        The CSV delimiter used (None for Excel and Parquet).
    header_line : int
        The line of the header (1 unless blank lines or a title come first).
    malformed : tuple of (line, reason, raw) tuples
        Rows that are not data rows of the header's shape (quarantined by validation).
    sheet : str or None
        The XLSX sheet read.
    notes : tuple of str
        What the reader decided that a user should know (rows above the header skipped, the sheet used).
    """

    table: str
    file: Path
    encoding: str
    frame: pd.DataFrame
    header: tuple[str, ...]
    delimiter: str | None = None
    header_line: int = 1
    malformed: tuple[tuple[int, str, str], ...] = ()
    sheet: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def rows(self) -> int:
        """Data rows read (well-formed + malformed)."""
        return len(self.frame) + len(self.malformed)


@dataclass(frozen=True)
class _Rows:
    """Rows as split from a file, before they become a frame (CSV exact path and Excel)."""

    header: list[str]
    header_line: int
    lines: list[int]
    rows: list[list[str]]
    malformed: list[tuple[int, str, str]]
    notes: list[str]


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
    """True when a sample's double-byte characters are mostly common Chinese (GB2312 area) and decode to CJK.

    Mojibake decodes too (cp1252 ``ï`` + ``v`` is a valid GBK pair), but lands outside the GB2312 area
    (both bytes from 0xA1), where real Chinese text almost never goes.
    """
    sample = data[:_SAMPLE]
    sequences = re.findall(rb"[\x81-\xfe][\x30-\x39][\x81-\xfe][\x30-\x39]|[\x81-\xfe][\x40-\xfe]", sample)
    pairs = [seq for seq in sequences if len(seq) == 2]  # four-byte GB18030 characters are rare either way
    if not pairs:
        return True
    common = sum(a >= 0xA1 and b >= 0xA1 for a, b in pairs)
    text = sample.decode(encoding, errors="ignore")
    wide = [ch for ch in text if ord(ch) > 127]
    cjk = sum(
        "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\u3000" <= ch <= "\u303f"
        or "\uff00" <= ch <= "\uffef" or ord(ch) >= 0x20000
        for ch in wide
    )
    return common / len(pairs) >= 0.8 and cjk / max(len(wide), 1) >= 0.5


def _utf8_lines(data: bytes) -> tuple[list[int], int]:
    """(1-based lines that are not valid UTF-8, count of valid lines holding non-ASCII characters)."""
    text = data.decode("utf-8", errors="surrogateescape")
    bad, good = [], 0
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if _ESCAPED.search(line):
            bad.append(number)
        elif not line.isascii():
            good += 1
    return bad, good


def _explicit_encoding(data: bytes, encoding: str, name: str) -> str:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise DataError(f"{name}: unknown encoding {encoding!r}") from None
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(f"{name}: line {line}: not valid {encoding} (byte {data[exc.start]:#04x})", line=line) from None
    return encoding


def choose_encoding(data: bytes, *, name: str = "file", encoding: str | None = None) -> tuple[str, tuple[int, ...]]:
    """The encoding of ``data`` and the lines that do not decode with it (only ever for UTF-8).

    Order: ``encoding`` when given (every byte must decode); a BOM (UTF-8, UTF-16); strict UTF-8; UTF-8 with
    its undecodable lines when more valid non-ASCII UTF-8 lines than bad ones exist; GBK, then GB18030 when
    they decode cleanly and read as Chinese; UTF-8 with its bad lines when at most :data:`MAX_STRAY_LINES`
    line is bad and that line holds only a few undecodable bytes; else a :class:`DataError` naming ``name``.

    Examples
    --------
    >>> choose_encoding("naïve,ok\\n".encode("utf-8")), choose_encoding(b"id,text\\nC1,na\\xefve\\nC2,x\\n")
    (('utf-8', ()), ('utf-8', (2,)))
    >>> choose_encoding(b"id,text\\nC1,na\\xefve\\nC2,caf\\xe9\\n")
    Traceback (most recent call last):
    ...
    workbench.data.errors.DataError: file: cannot tell the text encoding: 2 lines are not UTF-8 (first: line 2) and the file does not read as GBK/GB18030 Chinese; save it as UTF-8 or give its encoding (e.g. --encoding cp1252)
    """
    if encoding:
        return _explicit_encoding(data, encoding, name), ()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _explicit_encoding(data, "utf-16", name), ()
    bom = data.startswith(codecs.BOM_UTF8)
    utf8 = "utf-8-sig" if bom else "utf-8"
    if _decodes(data, "utf-8"):
        if data[:_SAMPLE].count(b"\x00") > len(data[:_SAMPLE]) // 10:
            raise DataError(f"{name}: looks like UTF-16 without a byte-order mark; give its encoding (utf-16-le)")
        return utf8, ()
    bad, good = _utf8_lines(data)
    if good > len(bad):
        return utf8, tuple(bad)
    for candidate in () if bom else ("gbk", "gb18030"):
        if _decodes(data, candidate) and _reads_as_chinese(data, candidate):
            return candidate, ()
    if len(bad) <= MAX_STRAY_LINES:
        line = io.StringIO(data.decode("utf-8", "surrogateescape"), newline="").readlines()[bad[0] - 1]
        if len(_ESCAPED.findall(line)) <= 4:
            return utf8, tuple(bad)
    raise DataError(
        f"{name}: cannot tell the text encoding: {len(bad)} line{'s' * (len(bad) > 1)} {'are' if len(bad) > 1 else 'is'} "
        f"not UTF-8 (first: line {bad[0]}) and the file does not read as GBK/GB18030 Chinese; save it as UTF-8 "
        f"or give its encoding (e.g. --encoding cp1252)",
        line=bad[0],
    )


def detect_encoding(data: bytes, *, name: str = "file", encoding: str | None = None) -> str:
    """An encoding that decodes all of ``data`` (see :func:`choose_encoding`); undecodable lines are an error.

    Examples
    --------
    >>> detect_encoding("得分".encode("utf-8")), detect_encoding("得分".encode("gbk"))
    ('utf-8', 'gbk')
    >>> detect_encoding(codecs.BOM_UTF8 + b"a,b"), detect_encoding("㐀".encode("gb18030"))
    ('utf-8-sig', 'gb18030')
    """
    chosen, bad = choose_encoding(data, name=name, encoding=encoding)
    if bad:
        raise DataError(f"{name}: line {bad[0]}: not valid UTF-8 ({len(bad)} line(s)); save it as UTF-8", line=bad[0])
    return chosen


def _text(data: bytes, encoding: str) -> str:
    """The file as text; undecodable UTF-8 bytes become lone surrogates (found again by ``_ESCAPED``)."""
    if encoding.startswith("utf-8"):
        text = data.decode("utf-8", errors="surrogateescape")
        return text.removeprefix("\ufeff")
    return data.decode(encoding).removeprefix("\ufeff")


def _shown(text: str) -> str:
    """Text with undecodable bytes as ``\\xNN`` (so a quarantine file can hold it)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


# ---------------------------------------------------------------------------------------------- header row


@functools.lru_cache(maxsize=1)
def _builtin_names() -> frozenset[str]:
    """Contract column names and every header of the built-in mappings, as :func:`header_key` keys."""
    names = {c.name for t in TABLE_BY_NAME.values() for c in t.columns}
    for path in sorted(BUILTIN_MAPPINGS.glob("*.yaml")):
        names |= set(load_mapping(path).all_columns())
    return frozenset(header_key(n) for n in names)


def _known_names(mapping: HeaderMapping | None) -> frozenset[str]:
    extra = {header_key(n) for n in mapping.all_columns()} if mapping else set()
    return _builtin_names() | extra


def _header_score(cells: list[str], known: frozenset[str]) -> int:
    return len({header_key(c) for c in cells if c and c.strip()} & known)


def _header_likeness(cells: list[str]) -> int:
    """How much a row looks like a header with no known name: its distinct non-empty, non-numeric cells."""
    return len({c.strip() for c in cells if c.strip() and not _NUMBER.match(c.strip())})


def _pick_header(rows: list[tuple[int, list[str]]], known: frozenset[str]) -> tuple[int, int]:
    """(position of the header among ``rows``, its score); the first row with the best score wins."""
    scores = [_header_score(cells, known) for _, cells in rows]
    best = max(scores, default=0)
    return (scores.index(best) if best else 0), best


def _no_header_error(path: Path, rows: list[tuple[int, list[str]]]) -> DataError:
    line, cells = max(rows, key=lambda r: (_header_likeness(r[1]), -r[0]))
    shown = ", ".join(repr(c) for c in cells if c.strip())[:160]
    return DataError(
        f"{path}: line {line}: no header row: none of the first {HEADER_SEARCH_ROWS} rows holds a known column "
        f"name; line {line} looks most like a header ({shown}): rename its columns to the contract's or pass a "
        f"mapping (e.g. zh_hr, en_hr)",
        line=line,
    )


def _skipped_note(rows: list[tuple[int, list[str]]], position: int) -> list[str]:
    if position == 0:
        return []
    above = "; ".join(" ".join(c.strip() for c in cells if c.strip())[:60] for _, cells in rows[:position])
    return [f"header found on line {rows[position][0]}; {position} row(s) above it skipped (title rows: {above!r})"]


# ---------------------------------------------------------------------------------------------- CSV


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


def _first_records(lines: list[str], delimiter: str) -> list[tuple[int, list[str]]]:
    """The first :data:`HEADER_SEARCH_ROWS` non-blank records of ``lines`` with their first line."""
    out: list[tuple[int, list[str]]] = []
    reader = csv.reader(iter(lines), delimiter=delimiter)
    previous = 0
    try:
        for record in reader:
            start, previous = previous + 1, reader.line_num
            if "".join(record).strip():
                out.append((start, record))
            if len(out) == HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass
    return out


def _find_csv_header(sample: list[str], delimiter: str | None, known: frozenset[str]):
    """(delimiter, header line, first records, header position, known?) from the first lines of a file."""
    first = next((line for line in sample if line.strip()), "")
    options = [delimiter] if delimiter else list(DELIMITERS)
    best = None
    for option in options:
        records = _first_records(sample, option)
        position, score = _pick_header(records, known)
        if records and (best is None or score > best[3]):
            best = (option, records, position, score)
    if best is None or best[3] == 0:
        option = delimiter or sniff_delimiter(first)
        records = _first_records(sample, option)
        return option, records, 0, False
    return best[0], best[1], best[2], True


def _physical_lines(data: bytes) -> int:
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def _csv_fast(data: bytes, encoding: str, delimiter: str, width: int,
              skip: int = 0) -> tuple[list[str], pd.DataFrame] | None:
    """pyarrow parse when each record is exactly one physical line (so line = position + 1); else None.

    ``skip`` one-line rows above the header (a title) are skipped."""
    body = data[len(codecs.BOM_UTF8) :] if encoding == "utf-8-sig" else data
    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(
                encoding="utf8" if encoding.startswith("utf-8") else encoding, autogenerate_column_names=True,
                skip_rows=skip,
            ),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(width)}, strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError, LookupError):
        return None
    if table.num_rows == 0 or _physical_lines(body) - skip != table.num_rows:
        return None  # blank lines or quoted newlines: lines are not positions; take the exact path
    table = table.cast(pa.schema([pa.field(name, pa.string()) for name in table.column_names]))
    if any((pc.max(pc.utf8_length(col)).as_py() or 0) > MAX_FIELD_CHARS for col in table.columns):
        return None  # an over-long field: the exact path quarantines its row
    header = [str(v) for v in table.slice(0, 1).to_pylist()[0].values()]
    names = [f"_{i}" for i in range(table.num_columns)]
    frame = table.slice(1).rename_columns(names).to_pandas()
    frame.index = pd.RangeIndex(skip + 2, skip + len(frame) + 2, name="line")
    return header, frame


def _swallowed(record: list[str], width: int, delimiter: str) -> int:
    """Lines inside a multi-line field that split into ``width`` fields or more (records an open quote ate)."""
    if width < 2:
        return 0
    count = 0
    for value in record:
        if "\n" in value or "\r" in value:
            for inner in value.splitlines()[1:]:
                count += len(next(csv.reader([inner], delimiter=delimiter), [])) >= width
    return count


def _record_problem(record: list[str], first: int, last: int, width: int, delimiter: str, bad: frozenset[int]) -> str:
    """Why a record is not a data row ('' when it is one); 'unclosed' asks the caller to re-read after it."""
    if last > first and _swallowed(record, width, delimiter):
        return "unclosed"
    longest = max(map(len, record), default=0)
    if longest > MAX_FIELD_CHARS:
        return (f"a field is {longest / 2**20:.1f} MiB of text, over the limit of {MAX_FIELD_CHARS / 2**20:.0f} MiB "
                f"per cell")
    if bad and any(n in bad for n in range(first, last + 1)):
        where = next(n for n in range(first, last + 1) if n in bad)
        return (f"line {where} is not valid UTF-8 (the rest of the file is; bytes shown as \\xNN); if the whole "
                f"file is in another encoding, give it (--encoding)")
    if len(record) != width:
        return f"has {len(record)} fields, the header has {width}"
    return ""


def _raw_record(record: list[str]) -> str:
    cut = [v if len(v) <= 1000 else f"{v[:200]}… ({len(v):,} characters)" for v in record]
    return _shown(json.dumps(cut, ensure_ascii=False))


def _csv_rows(lines: list[str], delimiter: str, header_line: int, header: list[str], bad: frozenset[int]) -> _Rows:
    """Records after the header line; an unclosed quote quarantines its line and reading resumes after it."""
    out = _Rows(header, header_line, [], [], [], [])
    width, pos = len(header), header_line  # pos: 0-based index of the first line to read
    while pos < len(lines):
        reader = csv.reader(itertools.islice(lines, pos, None), delimiter=delimiter)
        previous, restart = 0, None
        try:
            for record in reader:
                first, last, previous = pos + previous + 1, pos + reader.line_num, reader.line_num
                if not "".join(record).strip():
                    continue
                problem = _record_problem(record, first, last, width, delimiter, bad)
                if problem == "unclosed":
                    out.malformed.append((first, _unclosed_reason(first, last, record, width, delimiter),
                                          _shown(lines[first - 1].rstrip("\r\n"))))
                    restart = first
                    break
                if problem:
                    out.malformed.append((first, problem, _raw_record(record)))
                else:
                    out.rows.append(record)
                    out.lines.append(first)
        except csv.Error as exc:
            line = pos + reader.line_num
            out.malformed.append((line, f"not valid CSV ({exc})", _shown(lines[line - 1].rstrip("\r\n"))))
            restart = line
        if restart is None:
            break
        pos = restart
    return out


def _unclosed_reason(first: int, last: int, record: list[str], width: int, delimiter: str) -> str:
    eaten = _swallowed(record, width, delimiter)
    return (f"unclosed quote: a quoted field opened on line {first} runs to line {last} and holds {eaten} line(s) "
            f"that look like records; this line is quarantined and the lines after it are read as records")


def _read_csv(path: Path, delimiter: str | None, encoding: str | None, known: frozenset[str]):
    """(rows or (header, fast frame, header line), encoding, delimiter, known header?, first records, notes)."""
    data = path.read_bytes()
    if not data.removeprefix(codecs.BOM_UTF8).strip():
        raise DataError(f"{path}: empty file (no header line)")
    chosen, bad = choose_encoding(data, name=str(path), encoding=encoding)
    sample = io.StringIO(_text(data[:_SAMPLE], chosen) if chosen.startswith("utf-8")
                         else data[:_SAMPLE].decode(chosen, errors="ignore").removeprefix("\ufeff"), newline="")
    sep, records, position, known_header = _find_csv_header(sample.readlines(), delimiter, known)
    if not records:
        raise DataError(f"{path}: empty file (no header line)")
    header_line, header = records[position]
    one_line_above = all(start == i + 1 for i, (start, _) in enumerate(records[: position + 1]))
    if one_line_above and not bad and not chosen.startswith("utf-16"):
        fast = _csv_fast(data, chosen, sep, len(header), skip=header_line - 1)
        if fast is not None:
            return (*fast, header_line), chosen, sep, known_header, records, _skipped_note(records, position)
    lines = io.StringIO(_text(data, chosen), newline="").readlines()
    rows = _csv_rows(lines, sep, header_line, header, frozenset(bad))
    rows.notes.extend(_skipped_note(records, position))
    return rows, chosen, sep, known_header, records, rows.notes


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


def _sheet_rows(sheet, limit: int | None = None):
    """(row number, cell texts) of the non-blank rows of a sheet (the first ``limit`` of them)."""
    found = 0
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [_cell_text(v) for v in values]
        if any(c.strip() for c in cells):
            yield number, cells
            found += 1
            if limit is not None and found >= limit:
                return


def _sheet_fit(sheet, table: str | None, mapping: HeaderMapping | None, known: frozenset[str]) -> tuple[int, int]:
    """(required columns of ``table`` in the sheet's header, known names in it)."""
    rows = list(_sheet_rows(sheet, HEADER_SEARCH_ROWS))
    position, score = _pick_header(rows, known)
    if not rows:
        return 0, 0
    header = _clean_header(rows[position][1])
    if table is None:
        found = _table_from_header(header, mapping)
        return (len(TABLE_BY_NAME[found].required_columns) if found else 0), score
    columns = set(mapping.rename(header, table) if mapping else header)
    return len(set(TABLE_BY_NAME[table].required_columns) & columns), score


def _pick_sheet(workbook, table: str | None, mapping: HeaderMapping | None, known: frozenset[str]):
    """(the sheet to read, a note when the workbook has several): named like the table, else best header."""
    sheets = workbook.worksheets
    if len(sheets) == 1:
        return sheets[0], []
    named = [ws for ws in sheets if table and table_from_name(ws.title) == table]
    if named:
        chosen, why = named[0], f"named like the table {table}"
    else:
        fits = [_sheet_fit(ws, table, mapping, known) for ws in sheets]
        best = max(range(len(sheets)), key=lambda i: (fits[i], -i))
        chosen = sheets[best]
        why = "its header fits the table best" if fits[best] != (0, 0) else "the first sheet (no header fits)"
    others = ", ".join(repr(ws.title) for ws in sheets if ws is not chosen)
    return chosen, [f"sheet {chosen.title!r} read ({why}); other sheets not read: {others}"]


def _excel_rows(sheet, known: frozenset[str], path: Path) -> tuple[_Rows, bool, list]:
    """The sheet's rows after its header row (padded to the header; longer rows are malformed)."""
    rows = _sheet_rows(sheet)
    first = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
    if not first:
        raise DataError(f"{path}: empty file (the sheet has no header row)")
    position, score = _pick_header(first, known)
    header_line, header = first[position]
    header = list(header)
    while header and not header[-1].strip():
        header.pop()
    out = _Rows(header, header_line, [], [], [], _skipped_note(first, position))
    width = len(header)
    for number, cells in itertools.chain(first[position + 1 :], rows):
        extra = cells[width:]
        cells = (cells + [""] * width)[:width]
        if any(c.strip() for c in extra):
            reason = f"has {width + len(extra)} cells, the header has {width}"
            out.malformed.append((number, reason, json.dumps(cells + extra, ensure_ascii=False)))
        else:
            out.rows.append(cells)
            out.lines.append(number)
    return out, score > 0, first


def _read_xlsx(path: Path, table: str | None, mapping: HeaderMapping | None, known: frozenset[str]):
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types (zip, XML, KeyError ...): all mean "not readable"
        detail = str(exc) or type(exc).__name__
        raise DataError(f"{path}: not a readable Excel file ({detail})") from None
    try:
        sheet, notes = _pick_sheet(workbook, table, mapping, known)
        rows, known_header, first = _excel_rows(sheet, known, path)
        rows.notes[:0] = notes
        title = sheet.title
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DataError(f"{path}: not a readable Excel file ({exc})") from None
    finally:
        workbook.close()
    return rows, known_header, first, title


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


# ---------------------------------------------------------------------------------------------- rows


def _rows_frame(rows: _Rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows.rows, columns=[f"_{i}" for i in range(len(rows.header))], dtype="str")
    frame.index = pd.Index(np.asarray(rows.lines, dtype=np.int64), name="line")
    return frame


def _is_totals(cells: list[str], key_cell: str | None) -> str:
    """Why a trailing row is a totals row ('' when it is not one)."""
    words = [c.strip() for c in cells if c and c.strip()][:2]
    for word in words:
        if _TOTAL.match(unicodedata.normalize("NFKC", word)):
            return f"a totals row ({word!r}), not a data row"
    if key_cell is not None and not key_cell.strip() and words:
        filled = [unicodedata.normalize("NFKC", c.strip()) for c in cells if c and c.strip()]
        if all(_NUMBER.match(c) for c in filled):
            return "a totals row (no id, only numbers), not a data row"
    return ""


def _split_totals(frame: pd.DataFrame, malformed: list, key: str | None) -> pd.DataFrame:
    """Move trailing totals rows (at most 3) of a text frame into ``malformed`` (reworded if already there)."""
    last_line = int(frame.index.max()) if len(frame) else 0
    for i, (line, _reason, raw) in enumerate(malformed):
        if line > last_line:
            try:
                cells = [str(v) for v in json.loads(raw)]
            except (ValueError, TypeError):
                continue
            why = _is_totals(cells, None)
            if why:
                malformed[i] = (line, why, raw)
    for _ in range(3):
        if not len(frame):
            break
        cells = [str(v) for v in frame.iloc[-1].tolist()]
        why = _is_totals(cells, str(frame[key].iloc[-1]) if key in frame.columns else None)
        if not why:
            break
        malformed.append((int(frame.index[-1]), why, json.dumps(cells, ensure_ascii=False)))
        frame = frame.iloc[:-1]
    return frame


def _normalise_cells(frame: pd.DataFrame, table: str) -> None:
    """NFKC-normalise (in place) the numeric, date and boolean contract columns that hold non-ASCII text."""
    for column in TABLE_BY_NAME[table].columns:
        if column.kind not in _NORMALISED_KINDS or column.name not in frame.columns:
            continue
        series = frame[column.name]
        if pd.api.types.is_string_dtype(series) and series.str.contains(r"[^\x00-\x7f]", regex=True, na=False).any():
            frame[column.name] = series.str.normalize("NFKC")


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
        columns = set(mapping.rename(header, name) if mapping else header)
        required = TABLE_BY_NAME[name].required_columns
        if set(required) <= columns:
            fits.append((len(required), name))
    return max(fits)[1] if fits else None


def _clean_header(header: list[str]) -> list[str]:
    cleaned = [str(h).replace("\ufeff", "").strip() for h in header]
    return [h or f"column_{i + 1}" for i, h in enumerate(cleaned)]


def _check_header(header: list[str], columns: list[str], path: Path, line: int) -> None:
    """One-column headers that hide a delimiter, and duplicated column names, are file-level errors."""
    _check_one_column(header, path, line)
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


def _check_one_column(header: list[str], path: Path, line: int) -> None:
    if len(header) == 1:
        found = [d for d in DELIMITERS if d in header[0]]
        if found:
            name = _DELIMITER_NAMES[found[0]]
            raise DataError(
                f"{path}: line {line}: the header is a single column {header[0]!r} containing a {name}: "
                f"wrong delimiter? (use one of comma, semicolon, tab, pipe, and do not quote the whole line)",
                line=line,
            )


def _map_values(frame: pd.DataFrame, values: dict[str, dict[str, str]]) -> None:
    """Replace mapped cell values in place (string columns only; cells compared after stripping)."""
    for column, replace in values.items():
        if column not in frame.columns or not replace or not pd.api.types.is_string_dtype(frame[column]):
            continue
        stripped = frame[column].str.strip()
        hit = stripped.isin(list(replace))
        if hit.any():
            frame.loc[hit, column] = stripped[hit].map(replace)


@dataclass(frozen=True)
class _Read:
    """What a format reader hands back to :func:`read_table_file`."""

    header: list[str]
    frame: pd.DataFrame
    malformed: list
    encoding: str
    delimiter: str | None = None
    header_line: int = 1
    known_header: bool = True
    first_rows: tuple = ()
    sheet: str | None = None
    notes: tuple[str, ...] = ()
    text_cells: bool = True


def _read_any(path: Path, table: str | None, mapping: HeaderMapping | None, delimiter: str | None,
              encoding: str | None) -> _Read:
    suffix = path.suffix.lower()
    known = _known_names(mapping)
    if suffix in CSV_SUFFIXES:
        rows, chosen, sep, known_header, first, notes = _read_csv(path, delimiter, encoding, known)
        if isinstance(rows, tuple):
            return _Read(rows[0], rows[1], [], chosen, sep, rows[2], known_header, tuple(first), notes=tuple(notes))
        return _Read(rows.header, _rows_frame(rows), rows.malformed, chosen, sep, rows.header_line, known_header,
                     tuple(first), notes=tuple(rows.notes))
    if suffix in EXCEL_SUFFIXES:
        rows, known_header, first, sheet = _read_xlsx(path, table, mapping, known)
        return _Read(rows.header, _rows_frame(rows), rows.malformed, "xlsx", None, rows.header_line, known_header,
                     tuple(first), sheet, tuple(rows.notes))
    if suffix in PARQUET_SUFFIXES:
        header, frame = _read_parquet(path)
        return _Read(header, frame, [], "parquet", text_cells=False)
    if suffix == ".xls":
        raise DataError(f"{path}: not a readable Excel file (old .xls format; save it as .xlsx or CSV)")
    raise DataError(f"{path}: unsupported file type {suffix or '(none)'} (use CSV, XLSX or Parquet)")


def read_table_file(
    path: str | Path,
    *,
    table: str | None = None,
    mapping: HeaderMapping | str | Path | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> RawTable:
    """Read a CSV, XLSX or Parquet file of one contract table.

    Parameters
    ----------
    path : str or Path
        ``.csv`` / ``.tsv`` / ``.txt``, ``.xlsx`` / ``.xlsm`` (the sheet named like the table, else the one
        whose header fits best, else the first) or ``.parquet``.
    table : str, optional
        The contract table; by default from the file name (``answers_2026.csv`` -> answers), else from the
        header.
    mapping : HeaderMapping or path, optional
        Header/value mapping (see :func:`workbench.data.mapping.load_mapping`), e.g. ``"zh_hr"``.
    delimiter : str, optional
        CSV delimiter; by default the one under which the header row matches best.
    encoding : str, optional
        The text encoding of a CSV file (any Python codec, e.g. ``cp1252``); by default detected, and only
        UTF-8, UTF-16 (with BOM), GBK and GB18030 are ever detected (see :func:`choose_encoding`).

    Returns
    -------
    RawTable

    Raises
    ------
    DataError
        One line naming the file (and line) when the file cannot be read as a table: missing, empty,
        undecodable, not Excel/Parquet, no header row, a one-column header hiding a delimiter, duplicated
        columns, unknown table.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
    >>> _ = path.write_bytes("候选人编号,性别,得分\\nC1,女,4\\n".encode("gbk"))
    >>> raw = read_table_file(path, table="answers", mapping="zh_hr")
    >>> raw.encoding, raw.frame.to_dict("records")  # values as written: validation maps 女 -> female
    ('gbk', [{'candidate_id': 'C1', 'gender': '女', 'score': '4'}])
    """
    path = Path(path)
    mapping = as_mapping(mapping)
    if table is not None and table not in TABLE_BY_NAME:
        raise DataError(f"{path}: unknown table {table!r} (use one of {', '.join(TABLE_NAMES)})")
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    table = table or table_from_name(path.stem)
    got = _read_any(path, table, mapping, delimiter, encoding)
    header = _clean_header(got.header)
    if not got.known_header:
        _check_one_column(header, path, got.header_line)
        raise _no_header_error(path, list(got.first_rows))
    table = table or _table_from_header(header, mapping)
    if table is None:
        raise DataError(
            f"{path}: cannot tell which table this is; name the file <table>.csv or pass the table "
            f"({', '.join(TABLE_NAMES)})"
        )
    columns = mapping.rename(header, table) if mapping else header
    _check_header(header, columns, path, got.header_line)
    frame, malformed = got.frame, list(got.malformed)
    frame.columns = columns
    if got.text_cells:
        frame = _split_totals(frame, malformed, TABLE_BY_NAME[table].key[0])
        _normalise_cells(frame, table)
    if mapping:
        _map_values(frame, mapping.values_for(table))
    malformed.sort(key=lambda m: m[0])
    return RawTable(table, path, got.encoding, frame, tuple(header), got.delimiter, got.header_line,
                    tuple(malformed), got.sheet, got.notes)
