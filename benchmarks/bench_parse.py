"""Resume parsing speed: full parse of the rendercv PDFs in pages/s per core, beside plain pdfplumber text
extraction of the same files, as a ratio in one run (single process = one core); then the full parse of every
other real PDF in ``../shared/external/resumes`` (two-column, sidebar, infographic and Chinese layouts, where
column detection and header/footer removal do the most work).

Usage: ``python benchmarks/bench_parse.py [--repeat 3] [--backend pdfium|pdfplumber]``.
Reads ``../shared/external/resumes``; exits with a message when it is absent.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT.parent / "shared" / "external" / "resumes" / "rendercv"
OTHER = sorted(p for p in (ROOT.parent / "shared" / "external" / "resumes").rglob("*.pdf") if p.parent.name != "rendercv")


def _pages(files: list[Path]) -> int:
    import pypdfium2 as pdfium

    n = 0
    for f in files:
        pdf = pdfium.PdfDocument(f)
        n += len(pdf)
        pdf.close()
    return n


def bench(repeat: int = 3, backend: str = "pdfium") -> dict:
    import pdfplumber

    from workbench.parsing import parse_file, pdf_text

    files = sorted(FOLDER.glob("*.pdf"))
    pages = _pages(files)
    parse_file(files[0])  # warm up: spaCy pipelines, jieba, taxonomy
    timings = {}
    for label, fn in (
        ("workbench full parse", lambda f: parse_file(f, reference_date="2026-03-01", backend=backend)),
        ("pdfplumber extract_text", lambda f: [p.extract_text() for p in pdfplumber.open(f).pages]),
        ("pypdfium2 plain text", lambda f: pdf_text(f.read_bytes())),
    ):
        best = float("inf")
        for _ in range(repeat):
            t = time.perf_counter()
            for f in files:
                fn(f)
            best = min(best, time.perf_counter() - t)
        timings[label] = pages / best
    other_pages = _pages(OTHER)
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for f in OTHER:
            parse_file(f, reference_date="2026-03-01", backend=backend)
        best = min(best, time.perf_counter() - t)
    timings[f"full parse, other real PDFs ({len(OTHER)} files, {other_pages} pages)"] = other_pages / best
    return {"files": len(files), "pages": pages, "pages_per_s": timings}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--backend", default="pdfium", choices=["pdfium", "pdfplumber"])
    a = ap.parse_args(argv)
    if not FOLDER.is_dir():
        print(f"rendercv PDFs not found at {FOLDER}", file=sys.stderr)
        return 1
    r = bench(a.repeat, a.backend)
    pps = r["pages_per_s"]
    print(f"{r['files']} files, {r['pages']} pages, one process (one core), best of {a.repeat}; backend {a.backend}")
    print(f"{'step':52s} {'pages/s/core':>12s}")
    for k, v in pps.items():
        print(f"{k:52s} {v:12.1f}")
    ratio = pps["workbench full parse"] / pps["pdfplumber extract_text"]
    slowest = min(v for k, v in pps.items() if "parse" in k and "pdfplumber" not in k)
    print(f"full parse / pdfplumber text = {ratio:.2f}x  (target >= 20 pages/s/core on both sets: "
          f"{'met' if slowest >= 20 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
