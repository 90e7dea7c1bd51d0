"""PDF copies of the reports, printed by the system's headless Chromium (``chromium --headless --print-to-pdf``).

The pages carry a print stylesheet that fits both A4 and US Letter (:data:`PAPERS`); the paper is chosen by
printing a temporary copy of the page (beside it, so ``plotly.min.js`` still resolves) with an ``@page size``
rule. Without Chromium nothing is printed: :func:`write_pdfs` warns once and returns no path, the HTML stays.

Examples
--------
>>> paper_rule("Letter")
'<style>@page { size: Letter; margin: 12mm; }</style>'
>>> paper_rule("A5")
Traceback (most recent call last):
...
ValueError: paper must be one of A4, Letter, got 'A5'
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterable
from pathlib import Path

__all__ = ["CHROMIUM_ARGS", "PAPERS", "PDF_PAGES", "chromium_path", "paper_rule", "print_pdf", "write_pdfs"]

PAPERS = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}  # mm
PDF_PAGES = ("ll144_summary.html", "auditor_report.html")
MARGIN_MM = 12
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--no-pdf-header-footer",
                 "--run-all-compositor-stages-before-draw", "--virtual-time-budget=10000")


def chromium_path() -> str | None:
    """The headless Chromium: ``$WORKBENCH_CHROMIUM``, ``/usr/bin/chromium``, or ``chromium``/``google-chrome``
    on the PATH; None when there is none."""
    for candidate in (os.environ.get("WORKBENCH_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def paper_rule(paper: str) -> str:
    """The ``<style>`` that sets the paper of a printed copy."""
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}, got {paper!r}")
    return f"<style>@page {{ size: {paper}; margin: {MARGIN_MM}mm; }}</style>"


def print_pdf(html: str | Path, pdf: str | Path, *, paper: str = "A4", chromium: str | None = None,
              timeout: float = 120.0) -> Path:
    """Print the page ``html`` to ``pdf`` on ``paper`` with headless Chromium.

    The window is as wide as the printable width, so the charts are laid out to fit the paper.

    Raises
    ------
    FileNotFoundError
        No Chromium (:func:`chromium_path`).
    RuntimeError
        Chromium failed or wrote no PDF (its output is in the message).
    """
    exe = chromium or chromium_path()
    if exe is None:
        raise FileNotFoundError("no headless Chromium found (install chromium or set WORKBENCH_CHROMIUM)")
    html, pdf = Path(html).resolve(), Path(pdf).resolve()
    width_px = round((PAPERS[paper][0] - 2 * MARGIN_MM) / 25.4 * 96) if paper in PAPERS else None
    text = html.read_text(encoding="utf-8").replace("</head>", paper_rule(paper) + "</head>", 1)
    with tempfile.TemporaryDirectory() as profile, \
            tempfile.NamedTemporaryFile("w", suffix=".html", dir=html.parent, prefix=".print-",
                                        encoding="utf-8", delete=False) as copy:
        copy.write(text)
        copy.close()
        try:
            cmd = [exe, *CHROMIUM_ARGS, f"--user-data-dir={profile}", f"--window-size={width_px},1100",
                   f"--print-to-pdf={pdf}", Path(copy.name).as_uri()]
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        finally:
            Path(copy.name).unlink(missing_ok=True)
    if done.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        raise RuntimeError(f"Chromium could not print {html.name} (exit {done.returncode}): "
                           f"{(done.stderr or done.stdout)[-800:]}")
    return pdf


def write_pdfs(out_dir: str | Path, names: Iterable[str] = PDF_PAGES, *, paper: str = "A4",
               chromium: str | None = None) -> list[Path]:
    """Print ``names`` of ``out_dir`` (default the LL144 summary and the auditor report) to ``<name>.pdf``.

    Without Chromium: a :class:`UserWarning` that says so and no PDF (the HTML pages are untouched).

    Returns
    -------
    list of Path
        The PDFs written.
    """
    paper_rule(paper)  # an unknown paper fails before anything is printed
    exe = chromium or chromium_path()
    if exe is None:
        warnings.warn("PDF export skipped: no headless Chromium found (install chromium, or set "
                      "WORKBENCH_CHROMIUM to its path); the HTML reports are written", UserWarning, stacklevel=2)
        return []
    out = Path(out_dir)
    return [print_pdf(out / name, (out / name).with_suffix(".pdf"), paper=paper, chromium=exe)
            for name in names if (out / name).exists()]
