"""Readers: a resume file -> lines in reading order, with layout cues where the format has them.

Every reader returns a list of :class:`Line`. PDF lines carry the font size, boldness, left edge and the
segments that large horizontal gaps separate (a right-aligned date column, say); two-column pages are read
column by column; letter-spaced headings ("E X P E R I E N C E") are closed up. DOCX lines come from
paragraphs (headings marked) and table rows (cells as segments); text lines split into segments on tabs,
runs of two or more spaces and `` | ``.

Input is checked first (:func:`sniff`, size and page limits, zip-bomb guard) and every problem raises a
:class:`~workbench.parsing.errors.ParseError` naming the file.

Examples
--------
>>> [ln.segments for ln in text_lines("2019.03-2021.07  Acme  Sales Lead\\n\\nSKILLS")]
[('2019.03-2021.07', 'Acme', 'Sales Lead'), ('SKILLS',)]
"""

from __future__ import annotations

import ctypes
import io
import re
import statistics
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ParseError
from .layout import gutter, running_lines

MAX_BYTES = 20 * 1024 * 1024
MAX_PAGES = 30
MAX_UNZIPPED = 100 * 1024 * 1024
MAX_ZIP_RATIO = 200.0
TEXT_EXTENSIONS = {".txt": "text", ".text": "text", ".md": "text"}
TABLE_EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".xlsx": "xlsx"}
DOC_EXTENSIONS = {".pdf": "pdf", ".docx": "docx", **TEXT_EXTENSIONS}
SUPPORTED_EXTENSIONS = {**DOC_EXTENSIONS, **TABLE_EXTENSIONS}
_KIND_NAMES = {"pdf": "a PDF", "docx": "a DOCX document", "xlsx": "an XLSX workbook", "zip": "a ZIP archive",
               "ole": "a legacy Office (.doc/.xls) file", "image": "an image", "text": "plain text", "csv": "plain text",
               "binary": "binary data"}


@dataclass(frozen=True)
class Line:
    """One line of a document in reading order.

    ``segments`` are the pieces of the line that layout separates (gaps, table cells, tabs); ``text`` joins them
    with single spaces. ``size`` (points), ``bold`` and ``x0`` are 0/False where the format has no layout.
    """

    text: str
    segments: tuple[str, ...] = ()
    x0: float = 0.0
    size: float = 0.0
    bold: bool = False
    page: int = 0
    heading: bool = False
    top: float = 0.0
    seg_x: tuple[float, ...] = field(default=(), compare=False)


# ------------------------------------------------------------------------------------------------ sniffing

def sniff(data: bytes) -> str:
    """Kind of content from its first bytes: pdf, docx, xlsx, zip, ole, image, text or binary.

    >>> sniff(b"%PDF-1.7 ..."), sniff(b"hello"), sniff(b"\\x89PNG\\r\\n"), sniff("简历".encode("gbk"))
    ('pdf', 'text', 'image', 'text')
    """
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return "zip"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*", b"BM")) or data[8:12] == b"WEBP":
        return "image"
    sample = data[:65536]
    if b"\x00" in sample and not (sample.startswith((b"\xff\xfe", b"\xfe\xff"))):
        return "binary"
    return "text"


def decode_text(data: bytes, file: str = "") -> str:
    """Decode text bytes: UTF-8 (BOM or not), UTF-16 with BOM, then GB18030 (covers GBK).

    >>> decode_text("姓名：黄强".encode("gb18030"))
    '姓名：黄强'
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ParseError(file, "text is neither UTF-8 nor GB18030/GBK; re-save it as UTF-8")


def read_checked(path: str | Path, *, max_bytes: int = MAX_BYTES) -> tuple[bytes, str]:
    """Read a file after the checks every format shares; return (bytes, kind from the extension).

    Raises :class:`ParseError` for a missing, empty, oversized or unsupported file, or one whose content
    does not match its extension.
    """
    p = Path(path)
    name = str(path)
    ext = p.suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise ParseError(name, f"unsupported file type {ext or '(no extension)'!r} "
                               f"(supported: {', '.join(sorted(SUPPORTED_EXTENSIONS))})")
    if not p.is_file():
        raise ParseError(name, "no such file")
    size = p.stat().st_size
    if size == 0:
        raise ParseError(name, "empty file (0 bytes)")
    if size > max_bytes:
        raise ParseError(name, f"file is {size / 2**20:.1f} MiB, over the limit of {max_bytes / 2**20:.1f} MiB")
    data = p.read_bytes()
    kind = SUPPORTED_EXTENSIONS[ext]
    found = sniff(data)
    expected = {"pdf": ("pdf",), "docx": ("docx",), "xlsx": ("xlsx",), "text": ("text",), "csv": ("text",)}[kind]
    if found not in expected:
        raise ParseError(name, f"wrong extension: the name says {ext} but the content is {_KIND_NAMES[found]}")
    if kind in ("text", "csv") and not data.strip():
        raise ParseError(name, "empty file (only whitespace)")
    return data, kind


# ------------------------------------------------------------------------------------------------ text

_SEG_SPLIT = re.compile(r"\t+|\s{2,}|\s+\|\s+|\u3000+")
_LETTER_SPACED = re.compile(r"^(?:\S ){3,}\S$")


def close_letter_spacing(text: str) -> str:
    """Close up letter-spaced text; wider gaps (two or more spaces) stay word breaks.

    >>> close_letter_spacing("W O R K   E X P E R I E N C E")
    'WORK EXPERIENCE'
    >>> close_letter_spacing("Jan 2020 – Present")
    'Jan 2020 – Present'
    """
    words = re.split(r"\s{2,}", text.strip())
    if all(_LETTER_SPACED.match(w) or len(w) == 1 for w in words) and any(_LETTER_SPACED.match(w) for w in words):
        return " ".join(w.replace(" ", "") for w in words)
    return text


def text_lines(text: str) -> list[Line]:
    """Lines of plain text; blank lines dropped, segments split on tabs, 2+ spaces and `` | ``.

    A flattened text (a whole CV on one line) is first cut into lines by :func:`~.segment.segment_text`.
    """
    from .segment import segment_text

    text = segment_text(text)
    out = []
    for raw in text.splitlines():
        raw = close_letter_spacing(raw.replace("\xa0", " ").rstrip())
        if not raw.strip():
            continue
        indent = len(raw) - len(raw.lstrip())
        segs = tuple(s.strip() for s in _SEG_SPLIT.split(raw.strip()) if s.strip())
        out.append(Line(" ".join(segs), segs, x0=float(indent)))
    return out


# ------------------------------------------------------------------------------------------------ docx

def check_zip(data: bytes, file: str, *, max_unzipped: int = MAX_UNZIPPED, max_ratio: float = MAX_ZIP_RATIO) -> None:
    """Refuse a ZIP container (DOCX, XLSX) that would inflate beyond the limits (zip-bomb guard).

    The uncompressed total and each entry's compression ratio come from the central directory, before
    anything is inflated.
    """
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile as exc:
        raise ParseError(file, f"corrupt ZIP container ({exc})") from None
    total = sum(i.file_size for i in infos)
    if total > max_unzipped:
        raise ParseError(file, f"refusing to unpack: {total / 2**20:.0f} MiB uncompressed is over the limit of "
                               f"{max_unzipped / 2**20:.0f} MiB (zip bomb?)")
    for i in infos:
        if i.compress_size and i.file_size > 1_000_000 and i.file_size / i.compress_size > max_ratio:
            raise ParseError(file, f"refusing to unpack {i.filename}: compression ratio "
                                   f"{i.file_size / i.compress_size:.0f}:1 is over {max_ratio:.0f}:1 (zip bomb?)")
    _stream_check(data, infos, file, max_unzipped)


def _stream_check(data: bytes, infos: list[zipfile.ZipInfo], file: str, max_unzipped: int) -> None:
    """Inflate every entry in 1 MiB chunks, counting the bytes really produced: a central directory that lies
    about the sizes (a "lying-size" bomb) is caught at the limit, with memory bounded by one chunk."""
    produced = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in infos:
                with archive.open(info) as entry:
                    while chunk := entry.read(1 << 20):
                        produced += len(chunk)
                        if produced > max_unzipped:
                            raise ParseError(file, f"refusing to unpack: more than {max_unzipped / 2**20:.0f} MiB "
                                                   "come out of the archive (its sizes lie: zip bomb?)")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError) as exc:
        raise ParseError(file, f"corrupt ZIP container ({exc})") from None


def docx_lines(data: bytes, file: str = "", **limits) -> list[Line]:
    """Lines of a DOCX: paragraphs (headings and bold runs marked) and table rows, in body order."""
    check_zip(data, file, **limits)
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several types for broken packages
        raise ParseError(file, f"corrupt DOCX ({type(exc).__name__}: {exc})") from None
    out: list[Line] = []

    def para(p: Paragraph) -> None:
        text = close_letter_spacing(p.text.replace("\xa0", " ").strip())
        if not text:
            return
        style = (p.style.name if p.style is not None else "") or ""
        heading = style.lower().startswith(("heading", "title"))
        runs = [r for r in p.runs if r.text.strip()]
        bold = heading or (bool(runs) and all(r.bold for r in runs))
        for part in text.split("\n"):
            segs = tuple(s.strip() for s in _SEG_SPLIT.split(part) if s.strip())
            if segs:
                out.append(Line(" ".join(segs), segs, bold=bold, heading=heading,
                                size=16.0 if style.lower().startswith("title") or style == "Heading 1" else 0.0))

    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para(Paragraph(child, document))
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells: list[str] = []
                for c in row.cells:
                    t = " ".join(c.text.split())
                    if t and (not cells or cells[-1] != t):
                        cells.append(t)
                if cells:
                    out.append(Line(" ".join(cells), tuple(cells)))
    return out


# ------------------------------------------------------------------------------------------------ pdf

@dataclass(frozen=True)
class _Char:
    ch: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    space_before: bool = False


_PUA = re.compile(r"[\ue000-\uf8ff\ufffe\uffff\u00ad\ufffd]")


def _pdfium_pages(data: bytes, file: str, max_pages: int):
    import pypdfium2 as pdfium
    import pypdfium2.raw as R

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise ParseError(file, "encrypted PDF (password protected); remove the password and retry") from None
        raise ParseError(file, f"corrupt PDF, cannot be opened ({msg})") from None
    try:
        n = len(pdf)
        if n == 0:
            raise ParseError(file, "PDF has no pages")
        if n > max_pages:
            raise ParseError(file, f"PDF has {n} pages, over the limit of {max_pages}")
        rect = R.FS_RECTF()
        ox, oy = ctypes.c_double(), ctypes.c_double()
        for pno in range(n):
            page = pdf[pno]
            height = page.get_height()
            width = page.get_width()
            tp = page.get_textpage()
            raw = tp.raw
            chars = []
            space = False
            for i in range(R.FPDFText_CountChars(raw)):
                u = R.FPDFText_GetUnicode(raw, i)
                if u <= 32 or u == 0xA0:
                    space = True
                    continue
                if u in (0xFFFE, 0xFFFF, 0xAD) or 0xE000 <= u <= 0xF8FF:
                    continue
                R.FPDFText_GetLooseCharBox(raw, i, rect)
                size = R.FPDFText_GetFontSize(raw, i)
                # Vertical extent from the baseline and the font size, not from the (possibly substituted) font's
                # ascent: a non-embedded CJK font gets another machine's metrics, and rows must not depend on them.
                R.FPDFText_GetCharOrigin(raw, i, ctypes.byref(ox), ctypes.byref(oy))
                base = height - oy.value
                chars.append(_Char(chr(u), rect.left, rect.right, base - 0.8 * size, base + 0.2 * size, size,
                                   R.FPDFText_GetFontWeight(raw, i) >= 600, space))
                space = False
            tp.close()
            page.close()
            yield width, height, chars
    finally:
        pdf.close()


def _pdfplumber_pages(data: bytes, file: str, max_pages: int):
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        doc = pdfplumber.open(io.BytesIO(data))
    except PDFPasswordIncorrect:
        raise ParseError(file, "encrypted PDF (password protected); remove the password and retry") from None
    except Exception as exc:
        raise ParseError(file, f"corrupt PDF, cannot be opened ({type(exc).__name__})") from None
    with doc:
        if len(doc.pages) > max_pages:
            raise ParseError(file, f"PDF has {len(doc.pages)} pages, over the limit of {max_pages}")
        for page in doc.pages:
            chars = []
            space = False
            for c in page.chars:
                ch = _PUA.sub("", c["text"])
                if not ch.strip():
                    space = True
                    continue
                fn = c.get("fontname", "")
                chars.append(_Char(ch, c["x0"], c["x1"], c["top"], c["bottom"], c.get("size", 0.0),
                                   any(k in fn for k in ("Bold", "Black", "Heavy", "Semibold", "SemiBold")), space))
                space = False
            yield page.width, page.height, chars


def _group_rows(chars: list[_Char]) -> list[list[_Char]]:
    """Chars grouped into visual rows by vertical overlap of their boxes (baseline clustering)."""
    rows: list[list[_Char]] = []
    for c in sorted(chars, key=lambda c: (c.bottom, c.x0)):
        if rows:
            last = rows[-1]
            ref_bottom = last[0].bottom
            tol = max(1.5, 0.35 * max(c.size, 4.0))
            if abs(c.bottom - ref_bottom) <= tol:
                last.append(c)
                continue
        rows.append([c])
    return rows


def _words(row: list[_Char]) -> list[tuple[float, float, str, list[_Char]]]:
    """Words of a row: (x0, x1, text, chars), split where the gap exceeds a fraction of the font size."""
    row = sorted(row, key=lambda c: c.x0)
    gaps = [row[i + 1].x0 - row[i].x1 for i in range(len(row) - 1)]
    sizes = [max(c.size, 4.0) for c in row]
    # letter-spaced runs: most gaps are wide; split only on gaps well above the typical one
    wide = [g for g, s in zip(gaps, sizes) if g > 0.15 * s]
    letter_spaced = len(row) >= 6 and len(wide) >= 0.7 * len(gaps)
    thresh_lo = statistics.median(gaps) * 1.6 if letter_spaced and gaps else None
    words, cur = [], [row[0]]
    for i, g in enumerate(gaps):
        if thresh_lo is not None:
            brk = g > thresh_lo
        else:
            brk = g > 0.25 * sizes[i] or (row[i + 1].space_before and g > 0.03 * sizes[i])
        if brk:
            words.append(cur)
            cur = []
        cur.append(row[i + 1])
    words.append(cur)
    return [(w[0].x0, w[-1].x1, "".join(c.ch for c in w), w) for w in words]


def _row_line(row: list[_Char], page: int) -> Line:
    words = _words(row)
    size = statistics.median(c.size for c in row)
    segs, seg_x, cur, cur_x, prev_x1 = [], [], [], words[0][0], None
    for x0, x1, text, _ in words:
        if prev_x1 is not None and x0 - prev_x1 > max(9.0, 1.1 * size):
            segs.append(" ".join(cur))
            seg_x.append(cur_x)
            cur, cur_x = [], x0
        cur.append(text)
        prev_x1 = x1
    segs.append(" ".join(cur))
    seg_x.append(cur_x)
    n_bold = sum(c.bold for c in row)
    return Line(" ".join(segs), tuple(segs), x0=words[0][0], size=round(size, 1), bold=n_bold >= 0.6 * len(row),
                page=page, top=min(c.top for c in row), seg_x=tuple(seg_x))


def _page_lines(chars: list[_Char], width: float, page: int) -> list[Line]:
    """Lines of one page in reading order: a full-width header, then each column top to bottom, then a
    full-width footer (columns from :func:`.layout.gutter`)."""
    if not chars:
        return []
    rows = _group_rows(chars)
    split = None
    if len(chars) >= 200:
        words = [(x0, x1, w[0].top, t) for row in rows for (x0, x1, t, w) in _words(row)]
        split = gutter(words, width)
    if split is None:
        return [_row_line(row, page) for row in rows]
    gx, head, foot = split
    top = [c for c in chars if c.top <= head + 0.5]
    bottom = [c for c in chars if c.top >= foot - 0.5 and c.top > head + 0.5]
    body = [c for c in chars if head + 0.5 < c.top < foot - 0.5]
    left = [c for c in body if (c.x0 + c.x1) / 2 <= gx]
    right = [c for c in body if (c.x0 + c.x1) / 2 > gx]
    return [_row_line(row, page) for region in (top, left, right, bottom) for row in _group_rows(region)]


def pdf_lines(data: bytes, file: str = "", *, max_pages: int = MAX_PAGES, backend: str = "pdfium") -> list[Line]:
    """Lines of a PDF in reading order, with font size, boldness and gap-separated segments.

    ``backend="pdfium"`` (default) reads character boxes and font cues through pypdfium2, several times
    faster than ``"pdfplumber"``, which gives the same cues through pdfminer.
    """
    pages = _pdfium_pages if backend == "pdfium" else _pdfplumber_pages
    out: list[Line] = []
    heights: list[float] = []
    n_chars = 0
    for pno, (width, height, chars) in enumerate(pages(data, file, max_pages)):
        n_chars += len(chars)
        heights.append(height)
        out.extend(_page_lines(chars, width, pno))
    if n_chars == 0:
        raise ParseError(file, "PDF has no text layer (a scanned image?); OCR is not supported")
    drop = running_lines(out, heights)
    return [ln for i, ln in enumerate(out) if i not in drop]


def pdf_text(data: bytes, file: str = "", *, max_pages: int = MAX_PAGES) -> str:
    """Plain text of a PDF via pypdfium2 (fast; no positions)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ParseError(file, "encrypted PDF (password protected); remove the password and retry") from None
        raise ParseError(file, f"corrupt PDF, cannot be opened ({exc})") from None
    try:
        if len(pdf) > max_pages:
            raise ParseError(file, f"PDF has {len(pdf)} pages, over the limit of {max_pages}")
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def read_lines(path: str | Path, *, max_bytes: int = MAX_BYTES, max_pages: int = MAX_PAGES,
               backend: str = "pdfium") -> list[Line]:
    """Lines of a resume document (PDF, DOCX or text) in reading order, after the input checks."""
    data, kind = read_checked(path, max_bytes=max_bytes)
    name = str(path)
    if kind == "pdf":
        lines = pdf_lines(data, name, max_pages=max_pages, backend=backend)
    elif kind == "docx":
        lines = docx_lines(data, name)
    elif kind == "text":
        lines = text_lines(decode_text(data, name))
    else:
        raise ParseError(name, "a table holds many resumes: use parse_table() or parse_many()")
    if not lines:
        raise ParseError(name, "no text found")
    return lines
