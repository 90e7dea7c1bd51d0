"""Resume parsing speed: full parse of the rendercv PDFs in pages/s per core, beside plain pdfplumber text
extraction of the same files, as a ratio in one run (single process = one core).

Usage: ``python benchmarks/bench_parse.py [--repeat 3] [--backend pdfium|pdfplumber]``.
Reads ``../shared/external/resumes/rendercv``; exits with a message when it is absent.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT.parent / "shared" / "external" / "resumes" / "rendercv"


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
    print(f"{'step':28s} {'pages/s/core':>12s}")
    for k, v in pps.items():
        print(f"{k:28s} {v:12.1f}")
    ratio = pps["workbench full parse"] / pps["pdfplumber extract_text"]
    print(f"full parse / pdfplumber text = {ratio:.2f}x  (target >= 20 pages/s/core: "
          f"{'met' if pps['workbench full parse'] >= 20 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
