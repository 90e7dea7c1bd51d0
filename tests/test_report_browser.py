"""The LL144 summary and the auditor report in headless Chromium: no console errors, no request beyond the page
and its local asset, the summary on one A4 page and one Letter page with nothing cut off, Chinese labels
drawn in a CJK font, and the PDF export of :mod:`workbench.report.pdf`."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from workbench.data import load
from workbench.report import write_reports
from workbench.report.pdf import PAPERS, print_pdf, write_pdfs
from workbench.review import review_dataset
from workbench.simulate import simulate, small_config, write_simulation

from tests.voila_support import chromium_browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser
PAGES = ("ll144_summary.html", "auditor_report.html")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browserdata")
    write_simulation(simulate(small_config(n_candidates=600, seed=11)), folder)
    return load(folder)


@pytest.fixture(scope="module")
def review(dataset):
    return review_dataset(dataset, "final_passed", n_boot=100, weight_boot=20)


@pytest.fixture(scope="module", params=["en", "zh"])
def reports(request, dataset, review, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"reports_{request.param}")
    write_reports(dataset, out, review=review, n_boot=100, weight_boot=20, detailed_audits=False,
                  lang=request.param, progress=False)
    return out, request.param


@pytest.fixture()
def page(chromium_browser):
    """A page that records console errors and every request that is not the page or a file beside it."""
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 1000})
    p = context.new_page()
    p.errors, p.remote = [], []
    p.on("console", lambda msg: p.errors.append(msg.text) if msg.type == "error" else None)
    p.on("pageerror", lambda exc: p.errors.append(str(exc)))
    p.on("request", lambda req: None if req.url.startswith(("file://", "data:", "blob:", "about:"))
         else p.remote.append(req.url))
    yield p
    context.close()


def _pdf_pages(data: bytes) -> int:
    import pypdfium2

    doc = pypdfium2.PdfDocument(data)
    try:
        return len(doc)
    finally:
        doc.close()


@pytest.mark.parametrize("name", PAGES)
def test_pages_open_offline_without_errors(reports, page, name):
    out, lang = reports
    requested = []
    page.on("request", lambda req: requested.append(req.url))
    page.goto((out / name).as_uri())
    page.wait_for_load_state("load")
    assert page.errors == [] and page.remote == []
    assert {u.rsplit("/", 1)[-1] for u in requested} <= {name, "plotly.min.js"}
    assert all(u.startswith((out.as_uri(), "data:")) for u in requested)  # the page and its folder only
    if name == "auditor_report.html":
        assert page.locator(".fig .main-svg").count() >= 3  # the charts drew


@pytest.mark.parametrize("paper", list(PAPERS))
def test_summary_prints_on_one_page_without_cut_offs(reports, page, paper):
    out, _ = reports
    width_mm = PAPERS[paper][0] - 24  # 12 mm margins
    page.set_viewport_size({"width": round(width_mm / 25.4 * 96), "height": 1000})
    page.goto((out / "ll144_summary.html").as_uri())
    page.emulate_media(media="print")
    overflow = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map(e => e.tagName + ':' + (e.textContent || '').slice(0, 40))""")
    assert overflow == []  # nothing sticks out of the printable width
    pdf = page.pdf(format=paper, print_background=True, margin={k: "12mm" for k in ("top", "bottom", "left",
                                                                                   "right")})
    assert _pdf_pages(pdf) == 1


def test_auditor_report_prints_within_the_width(reports, page):
    out, _ = reports
    page.set_viewport_size({"width": round((PAPERS["A4"][0] - 24) / 25.4 * 96), "height": 1000})
    page.goto((out / "auditor_report.html").as_uri())
    page.emulate_media(media="print")
    wide = page.evaluate("""() => [...document.querySelectorAll('table, h1, h2, h3, h4, p, dl, .fig')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).length""")
    assert wide == 0
    assert _pdf_pages(page.pdf(format="A4")) > 1  # a long report: more than one page, none cut across


def _cjk_font_installed() -> bool:
    if not shutil.which("fc-list"):
        return False
    found = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


@pytest.mark.parametrize("name", PAGES)
def test_chinese_labels_render_in_a_cjk_font(reports, page, name):
    out, lang = reports
    if lang != "zh":
        pytest.skip("the English reports carry no Chinese labels")
    page.goto((out / name).as_uri())
    headings = page.evaluate("() => [...document.querySelectorAll('h1, h2, h3, th, dt')].map(e => e.textContent)")
    cjk = [h for h in headings if any("\u4e00" <= ch <= "\u9fff" for ch in h)]
    assert cjk and page.locator("text=审计").count() >= 1
    if name == "ll144_summary.html":  # the one-page summary: every heading and label is Chinese
        assert [h for h in headings if h.strip() and h not in cjk] == []
    if not _cjk_font_installed():
        pytest.skip("no CJK font installed (apt install fonts-noto-cjk): glyph check skipped")
    # ten CJK characters of a real font are ten ems wide (200 px at 20 px), unlike ten missing-glyph boxes of
    # a private-use character that no font has
    widths = page.evaluate("""() => ['审', '计', '\\ue000'].map(ch => {
        const s = document.createElement('span'); s.textContent = ch.repeat(10);
        s.style.fontSize = '20px'; s.style.whiteSpace = 'nowrap'; document.body.appendChild(s);
        const w = s.getBoundingClientRect().width; s.remove(); return w; })""")
    assert 190 <= widths[0] <= 210 and abs(widths[0] - widths[1]) < 1 and abs(widths[0] - widths[2]) > 1
    fonts = page.evaluate("() => getComputedStyle(document.querySelector('h1')).fontFamily")
    assert "Noto Sans CJK SC" in fonts


def test_pdf_export_with_chromium(reports):
    out, _ = reports
    from workbench.report.pdf import chromium_path

    if chromium_path() is None:
        pytest.skip("no headless Chromium: PDF export not tested")
    paths = write_pdfs(out)
    assert [p.name for p in paths] == ["ll144_summary.pdf", "auditor_report.pdf"]
    assert _pdf_pages(paths[0].read_bytes()) == 1 and _pdf_pages(paths[1].read_bytes()) > 1
    letter = print_pdf(out / "ll144_summary.html", out / "letter.pdf", paper="Letter")
    import pypdfium2

    doc = pypdfium2.PdfDocument(letter.read_bytes())
    w, h = doc[0].get_size()
    doc.close()
    assert (round(w), round(h)) == (612, 792)  # US Letter in points


def test_pdf_export_without_chromium_warns(reports, monkeypatch):
    out, _ = reports
    monkeypatch.setattr("workbench.report.pdf.chromium_path", lambda: None)
    with pytest.warns(UserWarning, match="no headless Chromium found"):
        assert write_pdfs(out) == []
    assert (out / "ll144_summary.html").exists()
