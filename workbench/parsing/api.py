"""Entry points: parse one file, a table of resumes, or a batch; the contract dict; the blind version.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "cv.txt"
>>> _ = p.write_text("个人简历\\n姓名：黄强\\n电话：195-3808-9410\\n\\n工作经历\\n2019年3月至今  美的集团  大客户经理\\n", encoding="utf-8")
>>> d = resume_to_dict(parse_file(p, reference_date="2020-03-01"))
>>> d["name"], d["language"], d["experience"], d["years_experience"]
('黄强', 'zh', [{'employer': '美的集团', 'title': '大客户经理', 'start': '2019-03', 'end': 'present'}], 1.0)
>>> redact(parse_file(p)).name, any("黄强" in ln for ln in redact(parse_file(p)).lines)
('', False)
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ..records import Resume
from .errors import ParseError
from .evidence import Evidence, field_evidence
from .extract import extract
from .readers import (MAX_BYTES, MAX_PAGES, SUPPORTED_EXTENSIONS, TABLE_EXTENSIONS, check_zip, decode_text,
                      read_checked, read_lines, text_lines)
from .skills import Taxonomy
from .table import is_structured, map_headers, row_resume

TEXT_COLUMNS = ("resume_text", "resume", "text", "content", "cv", "简历", "简历内容", "简历文本")
ID_COLUMNS = ("candidate_id", "id", "file", "name_id")
_SENSITIVE = re.compile(
    r"性别|年龄|出生|生日|民族|籍贯|婚姻|照片|政治面貌|身份证|\bgender\b|\bsex\b|\bage\b\s*[:：]|\bdate of birth\b|\bdob\b|"
    r"\bborn\b|\bbirth|\bmarital\b|\bnationality\b|\breligion\b|\bphoto\b|\bpronouns?\b|\b(?:he|she)/(?:him|her)\b",
    re.IGNORECASE)


def parse_file(path: str | Path, *, reference_date=None, max_bytes: int = MAX_BYTES, max_pages: int = MAX_PAGES,
               backend: str = "pdfium", taxonomy: Taxonomy | None = None) -> Resume:
    """Parse one resume file (PDF, DOCX or text) into a :class:`~workbench.records.Resume`.

    Parameters
    ----------
    path : str or Path
        The file; its extension must match its content.
    reference_date : str or date, optional
        The date "present" means (ISO string or date; default today).
    max_bytes, max_pages : int
        Input limits; larger files raise :class:`ParseError`.
    backend : {"pdfium", "pdfplumber"}
        PDF character reader (same layout cues; pdfium is faster).
    taxonomy : Taxonomy, optional
        Skill taxonomy (default: the bundled ``skills.yaml``).

    Raises
    ------
    ParseError
        With the file name and a reason (encrypted, corrupt, no text layer, empty, too large, zip bomb,
        wrong extension, a table instead of a document).
    """
    lines = read_lines(path, max_bytes=max_bytes, max_pages=max_pages, backend=backend)
    return extract(lines, source=str(path), reference_date=reference_date, taxonomy=taxonomy)


def resume_text(path: str | Path, *, max_bytes: int = MAX_BYTES, max_pages: int = MAX_PAGES) -> str:
    """The text of any resume file the parser reads (PDF, DOCX, TXT/MD; a CSV/XLSX table gives its rows'
    texts one after the other), lines in reading order; what ``profile derive`` should tokenise.

    Raises :class:`ParseError` like :func:`parse_file`.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "cv.txt"
    >>> _ = p.write_text("Ana Lima\\nGrew sales 40%\\n", encoding="utf-8")
    >>> resume_text(p)
    'Ana Lima\\nGrew sales 40%'
    """
    if Path(path).suffix.lower() in TABLE_EXTENSIONS:
        return "\n\n".join("\n".join(r.lines) for r in parse_table(path, max_bytes=max_bytes))
    return "\n".join(ln.text for ln in read_lines(path, max_bytes=max_bytes, max_pages=max_pages))


def parse_with_evidence(path: str | Path, *, reference_date=None, backend: str = "pdfium",
                        taxonomy: Taxonomy | None = None) -> tuple[Resume, list[Evidence]]:
    """:func:`parse_file` plus the evidence of every field: (page, line) rows (:func:`.evidence.field_evidence`).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "cv.txt"
    >>> _ = p.write_text("Ana Lima\\nEXPERIENCE\\nAnalyst, Globex Inc. — 2020 – 2022\\n- Cut churn by 12%\\n", encoding="utf-8")
    >>> r, ev = parse_with_evidence(p)
    >>> [(e.field, e.page, e.line, e.entry) for e in ev if e.field != "name"]
    [('experience[0].employer', 0, 2, 0), ('experience[0].title', 0, 2, 0), ('quantified_achievements[0]', 0, 3, 0)]
    """
    lines = read_lines(path, backend=backend)
    resume = extract(lines, source=str(path), reference_date=reference_date, taxonomy=taxonomy)
    return resume, field_evidence(resume, [ln.page for ln in lines])


def _table_frame(path: Path, data: bytes, kind: str):
    import pandas as pd

    if kind == "xlsx":
        check_zip(data, str(path))
        return pd.read_excel(io.BytesIO(data), dtype=str)
    text = decode_text(data, str(path))
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    return pd.read_csv(io.StringIO(text), dtype=str, sep=sep, keep_default_na=False)


def parse_table(path: str | Path, *, text_column: str | None = None, id_column: str | None = None,
                reference_date=None, max_bytes: int = MAX_BYTES,
                taxonomy: Taxonomy | None = None) -> list[Resume]:
    """Parse a CSV/TSV/XLSX table with one resume per row.

    A structured table (columns such as 姓名, 最高学历, 工作年限, 技能, 工作经历 or Name, Highest degree, Skills,
    Work experience; see :mod:`.table`) maps each column to its resume field through the header mapping
    ``resume_table.yaml``, unless ``text_column`` is given. Otherwise the resume text is in ``text_column``,
    by default the first of ``resume_text, resume, text, content, cv, 简历, ...`` present, else the column with
    the longest texts. Each result's ``source`` is ``file#id`` (``id_column``, a mapped id column, or the row
    number).
    """
    p = Path(path)
    data, kind = read_checked(p, max_bytes=max_bytes)
    if kind not in ("csv", "xlsx"):
        raise ParseError(str(path), "not a table (use parse_file for documents)")
    try:
        df = _table_frame(p, data, kind)
    except ParseError:
        raise
    except Exception as exc:
        raise ParseError(str(path), f"cannot read the table ({type(exc).__name__}: {exc})") from None
    if df.empty:
        raise ParseError(str(path), "the table has no rows")
    cols = {str(c).strip().lower(): c for c in df.columns}
    fields = map_headers(df.columns)
    if text_column is None and is_structured(fields):
        idc = id_column if id_column is not None else fields.get("id")
        return [row_resume(dict(zip(df.columns, row)), fields, taxonomy=taxonomy, reference_date=reference_date,
                           source=f"{path}#{row[list(df.columns).index(idc)] if idc is not None else i}")
                for i, row in enumerate(df.itertuples(index=False), start=1)]
    if text_column is None:
        text_column = next((cols[c] for c in TEXT_COLUMNS if c in cols), None)
        if text_column is None:
            text_column = max(df.columns, key=lambda c: df[c].fillna("").astype(str).str.len().mean())
    elif text_column not in df.columns:
        raise ParseError(str(path), f"no column {text_column!r} (columns: {', '.join(map(str, df.columns))})")
    if id_column is None:
        id_column = next((cols[c] for c in ID_COLUMNS if c in cols), None)
    out = []
    for i, row in enumerate(df.itertuples(index=False), start=1):
        rec = dict(zip(df.columns, row))
        text = str(rec.get(text_column) or "")
        rid = str(rec[id_column]) if id_column is not None else str(i)
        lines = text_lines(text.replace("\\n", "\n"))
        out.append(extract(lines, source=f"{path}#{rid}", reference_date=reference_date, taxonomy=taxonomy))
    return out


def resume_to_dict(resume: Resume) -> dict:
    """The command-contract dict of ``workbench parse`` (``lines`` left out)."""
    return {
        "file": resume.source, "name": resume.name, "email": resume.email, "phone": resume.phone,
        "education": [dataclasses.asdict(e) for e in resume.education],
        "experience": [dataclasses.asdict(j) for j in resume.experience],
        "years_experience": resume.years_experience, "skills": list(resume.skills),
        "quantified_achievements": list(resume.quantified_achievements), "language": resume.language,
    }


def redact(resume: Resume) -> Resume:
    """The blind version used for scoring: no name, email, phone, gender, age, birth date or photo.

    Lines that contain any of them (or a labelled personal detail such as 性别/Gender, 出生/Date of birth) are
    removed; the fields kept are the ones scoring may use. ``source`` is kept so results can be joined back.
    """
    secrets = [s for s in (resume.name, resume.email, resume.phone) if s]
    name_parts = [p for p in re.split(r"\s+", resume.name) if len(p) > 2] if resume.name else []
    digits = re.sub(r"\D", "", resume.phone)

    def leaks(line: str) -> bool:
        if any(s in line for s in secrets) or _SENSITIVE.search(line):
            return True
        if name_parts and all(p.lower() in line.lower() for p in name_parts):
            return True
        return bool(digits) and len(digits) >= 7 and digits in re.sub(r"\D", "", line)

    return dataclasses.replace(resume, name="", email="", phone="",
                               lines=tuple(ln for ln in resume.lines if not leaks(ln)),
                               quantified_achievements=tuple(a for a in resume.quantified_achievements if not leaks(a)))


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files to parse: files as given, folders searched recursively for supported extensions (sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED_EXTENSIONS))
        else:
            out.append(p)
    return out


def _work(args: tuple) -> tuple[list[Resume], list[tuple[str, str]]]:
    path, kwargs = args
    try:
        if Path(path).suffix.lower() in TABLE_EXTENSIONS:
            return parse_table(path, **kwargs), []
        return [parse_file(path, **kwargs)], []
    except ParseError as exc:
        return [], [(exc.file, exc.reason)]
    except Exception as exc:  # never stop a batch on one file
        return [], [(str(path), f"unexpected {type(exc).__name__}: {exc}")]


#: Per-file limits of a batch worker: wall time (seconds) and address space (bytes).
FILE_SECONDS = 120
FILE_MEMORY = 4 * 1024**3


def _limit_memory(limit: int) -> None:
    """Worker initializer: cap the address space so one file cannot take the machine (MemoryError instead)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, ValueError, OSError):  # not POSIX, or the limit cannot be set: run unlimited
        pass


def _timed_work(args: tuple) -> tuple[list[Resume], list[tuple[str, str]]]:
    """:func:`_work` under a wall-clock limit (SIGALRM in the worker): a file that runs too long is its error."""
    import signal

    job, seconds = args

    def stop(signum, frame):  # noqa: ARG001
        raise TimeoutError(f"took longer than {seconds:g} s")

    old = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return _work(job)
    except TimeoutError as exc:
        return [], [(job[0], str(exc))]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _pool_run(jobs: list[tuple], workers: int, seconds: float, memory: int, bar) -> dict[int, tuple]:
    """Results by job index; a worker killed from outside (as the OOM killer does) becomes that file's error
    and the batch goes on (after a break, the rest run one at a time so the culprit is known)."""
    import multiprocessing as mp
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    out: dict[int, tuple] = {}
    pending = list(range(len(jobs)))
    while pending:
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_limit_memory,
                                     initargs=(memory,)) as pool:
                futures = {pool.submit(_timed_work, (jobs[i], seconds)): i for i in pending}
                for fut in as_completed(futures):
                    out[futures[fut]] = fut.result()
                    bar.update()
        except BrokenProcessPool:
            rest = [i for i in pending if i not in out]
            if workers == 1 and rest:
                out[rest[0]] = ([], [(jobs[rest[0]][0], "the worker died while parsing it (killed: out of memory?)")])
                bar.update()
            workers = 1
        pending = [i for i in pending if i not in out]
    return out


def parse_many(paths: Sequence[str | Path], *, workers: int = 2, progress: bool = True, reference_date=None,
               seconds: float = FILE_SECONDS, memory: int = FILE_MEMORY, **kwargs
               ) -> tuple[list[Resume], list[tuple[str, str]]]:
    """Parse many files on a process pool, with a progress bar; one bad file never stops the batch.

    Folders are searched for supported files; tables give one result per row. Each file gets ``seconds`` of
    wall time and each worker ``memory`` bytes of address space; a file over a limit, or whose worker dies,
    is reported as that file's failure.

    Returns
    -------
    results : list of Resume
        In input order.
    failures : list of (file, reason)
        Files that could not be parsed.
    """
    from tqdm.auto import tqdm

    files = expand_paths(paths)
    jobs = [(str(f), {"reference_date": reference_date, **kwargs}) for f in files]
    workers = max(1, min(workers, len(jobs), os.cpu_count() or 1))
    results: list[Resume] = []
    failures: list[tuple[str, str]] = []
    bar = tqdm(total=len(jobs), desc="parsing resumes", unit="file", disable=not progress)
    try:
        outs = _pool_run(jobs, workers, seconds, memory, bar) if jobs else {}
        for i in range(len(jobs)):
            ok, bad = outs[i]
            results.extend(ok)
            failures.extend(bad)
    finally:
        bar.close()
    if failures and progress:
        bar.write(f"{len(failures)} file(s) failed:")
        for f, reason in failures:
            bar.write(f"  {f}: {reason}")
    return results, failures


def parse_command(paths: Sequence[str | Path], *, workers: int = 2, progress: bool = False,
                  reference_date=None) -> tuple[list[dict], list[dict]]:
    """What ``workbench parse FILE... --json`` prints: contract dicts and ``{file, reason}`` failures."""
    results, failures = parse_many(paths, workers=workers, progress=progress, reference_date=reference_date)
    return [resume_to_dict(r) for r in results], [{"file": f, "reason": r} for f, r in failures]
