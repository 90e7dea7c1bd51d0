"""The Voila apps in headless Chromium: each loads, a control change updates the numbers, no console errors, no
request to another host; closing a page shuts its kernel down."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request

import pytest

from tests.voila_support import voila_server, chromium_browser, chromium_page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
APP_TIMEOUT = 90_000  # ms: the kernel starts and the notebook runs before the widgets appear


def _text(page, selector: str) -> str:
    return page.locator(selector).first.inner_text()


def test_start_page_names_each_app_for_whom_and_what_in_english_and_chinese(voila_server, chromium_page):
    page = chromium_page
    page.goto(voila_server)
    landing = page.locator("[data-testid=landing]")
    landing.wait_for(timeout=20_000)
    for name, en, zh in (("03_live_feedback.ipynb", "Live answer feedback", "实时回答反馈"),
                         ("05_weight_tuner.ipynb", "Weight tuner", "权重调节器"),
                         ("07_bias_audit.ipynb", "Bias audit viewer", "偏差审计查看器")):
        entry = page.locator(f"a.wb-entry[data-notebook='{name}']")
        text = entry.inner_text()
        assert en in text and zh in text and "For" in text and "适用对象" in text and "Shows" in text
        assert entry.get_attribute("href").endswith(f"voila/render/{name}")
    # every notebook of the folder is on the page (described or under "Other")
    from tests.voila_support import ROOT

    listed = set(page.locator("a.wb-entry").evaluate_all("els => els.map(e => e.dataset.notebook)"))
    assert listed == {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert page.errors == [] and page.external == []


def _kernel_status(base: str, kernel_id: str) -> int:
    try:
        with urllib.request.urlopen(f"{base}api/kernels/{kernel_id}", timeout=2) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_closing_the_page_shuts_its_kernel_down(voila_server, chromium_page):
    page = chromium_page
    page.goto(voila_server + "voila/render/03_live_feedback.ipynb")
    page.locator(".wb-meter").first.wait_for(timeout=APP_TIMEOUT)
    kernel_id = json.loads(page.locator("#jupyter-config-data").last.text_content())["kernelId"]
    assert _kernel_status(voila_server, kernel_id) == 200
    assert "_xsrf" in {c["name"] for c in page.context.cookies()}  # what the page's shutdown beacon sends
    page.close(run_before_unload=True)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _kernel_status(voila_server, kernel_id) == 200:
        time.sleep(0.2)
    assert _kernel_status(voila_server, kernel_id) == 404, "the kernel outlived its page by 5 s"
    assert page.errors == [] and page.external == []


def test_a_page_gone_without_its_shutdown_request_still_frees_its_kernel(voila_server, chromium_page):
    """The beacon is best effort (a crashed tab, a lost request): with it refused (no ``_xsrf`` cookie, as before
    the fix of issue 14), the server sees the page's websocket close and shuts the kernel down itself."""
    from workbench.apps.voila_main import DISCONNECT_GRACE

    page = chromium_page
    page.goto(voila_server + "voila/render/03_live_feedback.ipynb")
    page.locator(".wb-meter").first.wait_for(timeout=APP_TIMEOUT)
    kernel_id = json.loads(page.locator("#jupyter-config-data").last.text_content())["kernelId"]
    time.sleep(DISCONNECT_GRACE + 1.5)  # connected: the reaper leaves an open page alone
    assert _kernel_status(voila_server, kernel_id) == 200
    page.context.clear_cookies()
    page.close(run_before_unload=True)
    deadline = time.monotonic() + DISCONNECT_GRACE + 5
    while time.monotonic() < deadline and _kernel_status(voila_server, kernel_id) == 200:
        time.sleep(0.2)
    assert _kernel_status(voila_server, kernel_id) == 404, "a kernel without its page was not shut down"


def test_weight_tuner_updates_on_slider(voila_server, chromium_page):
    page = chromium_page
    page.goto(voila_server + "voila/render/05_weight_tuner.ipynb")
    results = page.locator("[data-testid=tuner-results]")
    results.first.wait_for(timeout=APP_TIMEOUT)
    before = _text(page, "[data-testid=tuner-results] .wb-cards")
    # move the threshold slider up with the keyboard (as a person would)
    handles = page.locator(".widget-slider .noUi-handle, .widget-slider .slider-handle")
    handle = handles.last
    handle.focus()
    for _ in range(15):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "b => { const e = document.querySelector('[data-testid=tuner-results] .wb-cards'); return e && e.innerText !== b; }",
        arg=before, timeout=20_000)
    after = _text(page, "[data-testid=tuner-results] .wb-cards")
    assert re.search(r"\d+\.\d%", after) and after != before
    # a dimension weight: the others follow so the readouts still sum to 1
    first = handles.first
    first.focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(800)
    readouts = [float(t) for t in page.locator(".widget-readout").all_inner_texts() if re.fullmatch(r"\d\.\d\d", t.strip())]
    weights = readouts[:-1]
    assert len(weights) >= 2 and abs(sum(weights) - 1) < 0.03
    page.screenshot(path="/tmp/app_weight_tuner.png", full_page=True)
    assert page.errors == [] and page.external == []


def _chart_title(page) -> str:
    return page.locator(".wb-audit-viewer .gtitle").first.text_content()


def _wait_chart_title(page, needle: str) -> None:
    page.wait_for_function(
        "n => { const t = document.querySelector('.wb-audit-viewer .gtitle'); return t && t.textContent.includes(n); }",
        arg=needle, timeout=30_000)


def test_audit_viewer_tables_and_chart_follow_attribute_job_and_stage(voila_server, chromium_page):
    page = chromium_page
    page.goto(voila_server + "voila/render/07_bias_audit.ipynb")
    page.locator("[data-testid=audit-results]").first.wait_for(timeout=APP_TIMEOUT)
    _wait_chart_title(page, "all jobs pooled")
    before = _text(page, "[data-testid=audit-results]")
    assert "gender" in before and "AI interview" in _chart_title(page)
    selects = page.locator(".widget-dropdown select")
    selects.nth(1).select_option(label="age_band")
    page.wait_for_function(
        "b => { const e = document.querySelector('[data-testid=audit-results]'); return e && e.innerText !== b; }",
        arg=before, timeout=20_000)
    assert "age_band" in _text(page, "[data-testid=audit-results]") and "40+" in _text(page, "[data-testid=audit-results]")
    _wait_chart_title(page, "age_band")
    selects.nth(3).select_option(label="product_manager")  # the job: table and chart follow
    _wait_chart_title(page, "job product_manager")
    selects.nth(0).select_option(label="Final round (final_passed)")  # the stage
    page.wait_for_function(
        "() => document.querySelector('[data-testid=audit-results]').innerText.includes('Final round')",
        timeout=30_000)
    _wait_chart_title(page, "Final round")
    title = _chart_title(page)
    assert "age_band" in title and "job product_manager" in title
    link = page.locator("[data-testid=audit-csv]")
    assert link.get_attribute("download") == "audit_final_passed_age_band_product_manager_stakeholder.csv"
    assert link.get_attribute("href").startswith("data:text/csv;charset=utf-8;base64,")
    page.screenshot(path="/tmp/app_audit_viewer.png", full_page=True)
    assert page.errors == [] and page.external == []


#: Each app, what shows that its widgets rendered, and (the audit viewer) that its plotly figure did.
APP_PAGES = {
    "03_live_feedback.ipynb": ".wb-meter",
    "05_weight_tuner.ipynb": "[data-testid=tuner-results]",
    "07_bias_audit.ipynb": ".wb-audit-viewer .gtitle",
    "09_review_queue.ipynb": "[data-testid=queue]",
}
#: Module federation's share-scope warnings: an extension built against a newer JupyterLab than Voila's page core
#: (JupyterLab 4.2.5 in every Voila 0.5); the pins of pyproject.toml (voila, ipywidgets, jupyterlab_widgets) are
#: the newest builds for that core.
VERSION_WARNING = re.compile(r"Unsatisfied version|No satisfying version|does not satisfy")


@pytest.mark.parametrize("notebook", sorted(APP_PAGES))
def test_app_page_loads_only_the_widget_extensions_and_logs_no_version_warning(voila_server, chromium_page, notebook):
    from workbench.apps.serve import LAB_EXTENSIONS_ALLOWED

    page = chromium_page
    warnings: list[str] = []
    page.on("console", lambda msg: warnings.append(msg.text) if msg.type == "warning" else None)
    entries: list[str] = []
    page.on("request", lambda req: entries.append(req.url) if "remoteEntry" in req.url else None)
    page.goto(voila_server + "voila/render/" + notebook)
    page.locator(APP_PAGES[notebook]).first.wait_for(timeout=APP_TIMEOUT)
    assert page.locator(".jupyter-widgets").count() > 0  # widgets rendered (the widget manager works)
    page.wait_for_timeout(500)  # late warnings of lazily loaded chunks
    loaded = {re.search(r"/voila/labextensions/(.+)/static/remoteEntry", u).group(1) for u in entries}
    assert loaded == set(LAB_EXTENSIONS_ALLOWED)
    assert page.errors == [] and page.external == []
    version = [w for w in warnings if VERSION_WARNING.search(w)]
    assert version == [], f"{len(version)} share-scope version warnings (see the pins in pyproject.toml)"
    assert warnings == []


@pytest.fixture(scope="module")
def preheated_server(tmp_path_factory):
    """Voila serving ``notebooks/`` with one pre-heated kernel per app (``serve --preheat 1``), once every pool is
    full; yields ``(base URL, path of the server's log)``."""
    from tests.voila_support import serving
    from workbench.apps.serve import APPS

    log = tmp_path_factory.mktemp("preheat") / "voila.log"
    with serving(log, preheat=1, show_tracebacks=True) as base:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not all(f"Kernel pool of {nb} is filled" in log.read_text()
                                                      for nb in APPS.values()):
            time.sleep(0.5)
        yield base, log


def test_a_pre_heated_page_answers_and_frees_its_kernel_when_closed(preheated_server, chromium_page):
    """With ``--preheat``, the page comes from a kernel that ran the notebook before the visit; it still gets the
    ``_xsrf`` cookie (set by the page handler, not Voila's prelaunch hook, which pre-heating forbids), so closing
    it shuts its kernel down, and the pool is filled again."""
    base, log = preheated_server
    filled = log.read_text().count("Kernel pool of 03_live_feedback.ipynb is filled")
    assert filled == 1, "the pool of the live feedback app was not filled at start"
    page = chromium_page
    page.goto(base + "voila/render/03_live_feedback.ipynb")
    page.locator(".wb-meter").first.wait_for(timeout=APP_TIMEOUT)
    kernel_id = json.loads(page.locator("#jupyter-config-data").last.text_content())["kernelId"]
    assert f"Using pre-heated kernel: {kernel_id} for 03_live_feedback.ipynb" in log.read_text()
    box = page.locator(".wb-answer textarea")
    box.click()
    box.type("Last year our onboarding was confusing. I had to fix it. I interviewed users and rewrote the guide. "
             "Activation rose 20% in a month.", delay=2)
    page.locator('[data-part="R"][data-present="1"]').wait_for(timeout=30_000)  # the kernel analyses the answer
    assert "_xsrf" in {c["name"] for c in page.context.cookies()}
    page.close(run_before_unload=True)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _kernel_status(base, kernel_id) == 200:
        time.sleep(0.2)
    assert _kernel_status(base, kernel_id) == 404, "the pre-heated kernel outlived its page by 5 s"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and log.read_text().count("Kernel pool of 03_live_feedback.ipynb is filled") < 2:
        time.sleep(0.5)
    assert log.read_text().count("Kernel pool of 03_live_feedback.ipynb is filled") == 2, "the pool was not refilled"
    assert page.errors == [] and page.external == []
