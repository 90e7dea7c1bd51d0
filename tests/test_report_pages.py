"""The auditor report, the review report and the LL144 summary: per-job and pooled tables that render what the
audit returns, findings naming job, stage and group, scope and identity, coverage, labels, exports; escaped,
offline, no names or contacts, byte-identical apart from the date."""

from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd
import pytest

from workbench.data import load
from workbench.data.groups import AUDIT_ATTRIBUTES
from workbench.fairness import audit
from workbench.report import write_reports
from workbench.report.findings import cmh_statement
from workbench.report.html import _num
from workbench.report.pages import DATE_LINE_PREFIX, redact_text
from workbench.review import review_dataset
from workbench.simulate import simulate, small_config, write_simulation

PAYLOAD = "<script>alert('x')</script> call me at jane.doe@example.com or +1 555 123 4567"
JOBS = ("product_manager", "regional_sales_manager")


@pytest.fixture(scope="module", autouse=True)
def _private_cache(tmp_path_factory):
    """The resume features of these reports are cached in a folder of the tests, never in the user's cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBENCH_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reportdata")
    sim = simulate(small_config(n_candidates=700, seed=7))
    answers = sim.tables["answers"]
    first = sorted(answers["candidate_id"])[0]
    answers.loc[answers["candidate_id"] == first, "answer_text"] = PAYLOAD
    write_simulation(sim, folder)
    return load(folder)


@pytest.fixture(scope="module")
def review(dataset):
    return review_dataset(dataset, "final_passed", n_boot=100, weight_boot=20)


@pytest.fixture(scope="module")
def written(dataset, review, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    return out, write_reports(dataset, out, review=review, n_boot=100, weight_boot=20, detailed_audits=False)


@pytest.fixture(scope="module")
def pages(written):
    return {p.name: p.read_text(encoding="utf-8") for p in written[1] if p.suffix == ".html"}


def _section(page: str, anchor: str) -> str:
    start = page.index(f'id="{anchor}"')
    return page[start:page.index("<h4", start + 1)]


def test_all_pages_written(pages):
    assert set(pages) == {"auditor_report.html", "review_report.html", "ll144_summary.html"}
    auditor = pages["auditor_report.html"]
    for needle in ("SHA-256", "Period", "Profiles", "numpy", "Bias audit", "Validity evidence",
                   "Questions proposed for removal", "Weight proposal", "Model card", DATE_LINE_PREFIX):
        assert needle in auditor


@pytest.mark.parametrize("scope", ["pooled", *JOBS])
def test_each_scope_renders_the_audit_of_that_scope(dataset, pages, scope):
    res = audit(dataset, "ai_passed", AUDIT_ATTRIBUTES, job_id=None if scope == "pooled" else scope,
                skip_invalid=True)
    section = _section(pages["auditor_report.html"], f"t-{scope}-ai_passed")
    rows = res.table("gender").rows
    for group, label in (("female", "Female"), ("male", "Male")):
        ratio = _num(float(rows.loc[group, "impact_ratio"]))
        assert re.search(rf">{label}</td><td>{int(rows.loc[group, 'n']):,}</td>.*?<td[^>]*>{ratio}</td>", section)
    assert ("All jobs pooled" if scope == "pooled" else f"Job: {scope}") in section


def test_cmh_across_jobs_or_a_plain_statement(dataset, pages):
    bias = pages["auditor_report.html"].split('id="bias"')[1]
    assert "Across jobs (Cochran–Mantel–Haenszel)" in bias and "MH risk ratio" in bias
    one_job = audit(dataset, "ai_passed", ("gender",), job_id="product_manager", where_from=False).to_dict()
    assert cmh_statement(one_job) == ("The Cochran–Mantel–Haenszel test across jobs cannot be computed: the data "
                                      "hold a single job (product_manager).")
    assert cmh_statement(audit(dataset, "ai_passed", ("gender",), where_from=False).to_dict()) is None


def test_identity_and_coverage_on_the_first_screen(dataset, pages):
    first = pages["auditor_report.html"].split("<nav")[0]
    for needle in ("Distribution date", "Auditor", "Independence", "Tool audited", "Period of the data",
                   "applicants in scope 700", "Rows read", "quarantined 0", ", ".join(JOBS)):
        assert needle in first
    assert first.count("not stated") >= 4  # auditor, organisation, independence, distribution date, data kind


def test_labels_glossary_and_readable_model_card(pages):
    auditor = pages["auditor_report.html"]
    body = auditor.split("</head>")[1]
    assert "Gender × race/ethnicity" in body and "Sex/gender" in body
    assert ">gender_x_race_ethnicity<" not in body and ">black_or_african_american<" not in body
    for column in ("shortfall", "flips", "test", "p_adjusted"):
        assert f"<dt>{column}</dt>" in auditor
    assert "z_pooled = two-proportion z test" in auditor
    card = auditor.split('id="model"')[1].split('id="notes"')[0]
    assert "<h4>Model details</h4>" in card and "<h4>Limitations</h4>" in card and "<table>" in card
    assert "…" not in card and "model details: " not in card  # nothing cut, no "key: value; ..." dump


def test_css_cjk_fallback_and_print(pages):
    for page in pages.values():
        head = page.split("</head>")[0]
        assert "Noto Sans CJK SC" in head and "Microsoft YaHei" in head and head.index("Noto Sans CJK SC") < head.index(
            "sans-serif;")
        assert "@page { margin: 12mm; }" in head and "@page { size" not in head and "@media print" in head


def test_review_report_formats_counts_and_p(pages):
    review = pages["review_report.html"]
    assert not re.search(r"n = [\d,]+\.\d{3}", review)
    assert "p adj. –" not in review and "Verdicts: <b>keep</b>" in review


def test_summary_carries_the_ll144_elements(pages):
    summary = pages["ll144_summary.html"]
    assert "<script>/**" not in summary and len(summary) < 100_000  # no plotly: fit to publish
    for needle in ("Distribution date", "date of the audit", "Period of the data", "Data source", "Applicants",
                   "Unknown category", "Excluded under the 2% rule", "Selection rate", "Scoring rate",
                   "Sex/gender", "Race/ethnicity", "Gender × race/ethnicity", "Impact ratio", "Auditor",
                   "Independence"):
        assert needle in summary, needle
    assert summary.count("not stated") >= 3


def test_exports_render_the_audit(dataset, written):
    out, paths = written
    tables = out / "tables"
    frame = pd.read_csv(tables / "product_manager__ai_passed__selection_rate__gender.csv").set_index("group")
    res = audit(dataset, "ai_passed", AUDIT_ATTRIBUTES, job_id="product_manager", skip_invalid=True)
    assert frame.loc["female", "impact_ratio"] == pytest.approx(res.table("gender").rows.loc["female", "impact_ratio"])
    bundle = json.loads((tables / "audit_bundle.json").read_text(encoding="utf-8"))
    assert set(bundle["audits"]) == {"pooled", *JOBS} and bundle["audit_info"]["auditor"] == "not stated"
    index = pd.read_csv(tables / "index.csv")
    assert (tables / "audit_tables.xlsx").exists() and len(index) == sum(p.suffix == ".csv" for p in paths) - 1


def _skewed(dataset):
    """Tables where women pass the product_manager AI interview at half the men's rate and the sales job
    the other way round, so the pooled ratio stays near 1; 20 applicants lose their AI decision."""
    tables = {n: getattr(dataset, n).copy() for n in ("candidates", "questions", "answers", "ai_decisions",
                                                      "final_rounds", "outcomes")}
    c = tables["candidates"].sort_values("candidate_id")
    rate = {("product_manager", "female"): 0.25, ("product_manager", "male"): 0.5,
            ("regional_sales_manager", "female"): 0.6, ("regional_sales_manager", "male"): 0.3}
    passed = {}
    for (job, gender), ids in c.groupby(["job_id", "gender"])["candidate_id"]:
        k = round(rate.get((job, gender), 0.4) * len(ids))
        passed.update({i: n < k for n, i in enumerate(ids)})
    ai = tables["ai_decisions"]
    ai["ai_passed"] = ai["candidate_id"].map(passed).fillna(False).astype(bool)
    tables["ai_decisions"] = ai[~ai["candidate_id"].isin(c["candidate_id"].iloc[:20])]
    return tables


@pytest.fixture(scope="module")
def skewed_pages(dataset, review, tmp_path_factory):
    tables = _skewed(dataset)
    pooled = {"ai_passed": audit(tables, "ai_passed", AUDIT_ATTRIBUTES, skip_invalid=True)}
    jobs = {j: {"ai_passed": audit(tables, "ai_passed", AUDIT_ATTRIBUTES, job_id=j, skip_invalid=True,
                                   where_from=False)} for j in JOBS}
    folder = tmp_path_factory.mktemp("info")
    (folder / "audit.yaml").write_text("auditor: Dana Example\norganisation: Example Audit LLC\n"
                                       "independence: No financial interest in the vendor.\n"
                                       "distribution_date: 2027-01-15\ndata_kind: historical data\n",
                                       encoding="utf-8")
    out = tmp_path_factory.mktemp("skewed")
    paths = write_reports(dataset, out, review=review, audits=pooled, job_audits=jobs, detailed_audits=False,
                          audit_info=folder / "audit.yaml", progress=False, shared_plotly=True)
    return {p.name: p.read_text(encoding="utf-8") for p in paths if p.suffix == ".html"}, pooled, jobs, paths


def test_a_job_under_four_fifths_is_named_when_the_pool_is_not(skewed_pages):
    pages, pooled, jobs, _ = skewed_pages
    assert pooled["ai_passed"].table("gender").rows.loc["female", "impact_ratio"] >= 0.8
    ratio = jobs["product_manager"]["ai_passed"].table("gender").rows.loc["female", "impact_ratio"]
    assert ratio < 0.8
    finding = f"Job: product_manager, AI interview, Sex/gender = Female: impact ratio {ratio:.2f} (below 0.80)"
    assert finding in pages["auditor_report.html"].split('id="bias"')[0]
    assert finding in pages["ll144_summary.html"]
    assert "All jobs pooled (the AEDT as used across jobs), AI interview, Sex/gender = Female" not in \
        pages["auditor_report.html"]


def test_auditor_block_comes_from_the_yaml_and_warnings_come_first(skewed_pages):
    pages = skewed_pages[0]
    for page in (pages["auditor_report.html"], pages["ll144_summary.html"]):
        for needle in ("Dana Example", "Example Audit LLC", "No financial interest in the vendor.", "2027-01-15",
                       "historical data"):
            assert needle in page
    first = pages["auditor_report.html"].split("<nav")[0]
    assert "Warning: 20 of 700 applicants" in first and "no AI decision" in first


def test_shared_plotly_asset_keeps_pages_small(skewed_pages):
    pages, *_, paths = skewed_pages
    asset = [p for p in paths if p.name == "plotly.min.js"]
    assert asset and asset[0].stat().st_size > 1_000_000
    for name in ("auditor_report.html", "review_report.html"):
        assert '<script src="plotly.min.js"></script>' in pages[name] and "plotly.js v" not in pages[name]
        assert len(pages[name].encode("utf-8")) < 1_500_000


def test_stakeholder_view_suppresses_small_stage_cells(dataset, review, tmp_path):
    pooled = {"ai_passed": audit(dataset, "ai_passed", AUDIT_ATTRIBUTES, skip_invalid=True)}
    raw = [r for s in pooled["ai_passed"].stages for r in s["rows"] if min(r["n"], r["selected"], r["n"] - r["selected"]) < 5]
    assert raw  # the test data have small cells to suppress
    write_reports(dataset, tmp_path, review=review, audits=pooled, job_audits={}, view="stakeholder",
                  detailed_audits=False)
    stages = pd.read_csv(tmp_path / "tables" / "pooled__ai_passed__stages__all.csv")
    shown = stages.dropna(subset=["n"])
    assert len(shown) < len(stages) and (shown[["n", "selected"]].min(axis=1) >= 5).all()
    assert ((shown["n"] - shown["selected"]) >= 5).all() and stages["suppressed"].sum() >= len(raw)
    for t in json.loads((tmp_path / "tables" / "audit_bundle.json").read_text(encoding="utf-8"))["audits"][
            "pooled"]["ai_passed"]["tables"]:
        assert all(r["n"] is None or min(r["n"], r["selected"], r["n"] - r["selected"]) >= 5 for r in t["rows"])


def test_candidate_text_is_escaped_and_redacted(pages):
    review = pages["review_report.html"]
    assert "&lt;script&gt;alert(" in review  # the answer is shown, escaped
    for page in pages.values():
        assert "<script>alert(" not in page
        assert "jane.doe@example.com" not in page and "555 123 4567" not in page
        assert not re.search(r"[\w.+-]+@[\w-]+\.(com|org|net|cn)\b", page.split("</head>")[1])


def test_offline_with_one_shared_plotly_by_default(written, pages):
    out, paths = written
    assert (out / "plotly.min.js").stat().st_size > 1_000_000 and out / "plotly.min.js" in paths
    for name in ("auditor_report.html", "review_report.html"):
        page = pages[name]
        assert '<script src="plotly.min.js"></script>' in page and "plotly.js v" not in page
        assert "Plotly.newPlot" in page and page.count('data-figure="fig-') >= 2
        assert not re.search(r"<(script|link|img)[^>]+(src|href)=[\"']?https?://", page)
        assert len(page.encode("utf-8")) < 1_500_000


def test_inline_plotly_appears_once(dataset, review, tmp_path):
    import plotly

    paths = write_reports(dataset, tmp_path, review=review, n_boot=100, weight_boot=20, detailed_audits=False,
                          shared_plotly=False, progress=False)
    assert not (tmp_path / "plotly.min.js").exists()
    for path in (p for p in paths if p.name in ("auditor_report.html", "review_report.html")):
        page = path.read_text(encoding="utf-8")
        assert page.count("plotly.js v" + plotly.offline.get_plotlyjs_version()) == 1
        assert not re.search(r"<script[^>]*\bsrc\s*=", page)


def test_same_bytes_apart_from_the_date_line(dataset, review, pages, tmp_path):
    again = write_reports(dataset, tmp_path, review=review, n_boot=100, weight_boot=20, detailed_audits=False,
                          today=dt.date(2000, 1, 2))
    for path in (p for p in again if p.suffix == ".html"):
        new, old = path.read_text(encoding="utf-8").splitlines(), pages[path.name].splitlines()
        diff = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
        assert len(diff) == 1 and all(x.startswith(DATE_LINE_PREFIX) for x in diff[0])
        assert "2000-01-02" in diff[0][1]


def test_redact_text():
    assert redact_text("see https://x.example/p and a@b.co") == "see [link] and [email]"
    assert redact_text("x" * 500, limit=10).endswith("…")


@pytest.mark.parametrize("progress, shown", [(True, True), (False, False)])
def test_progress_goes_to_stderr(capsys, progress, shown):
    from workbench.report.pages import _Steps

    steps = _Steps(3, progress)
    steps("review")
    steps("audit pooled ai_passed")
    steps.close()
    err = capsys.readouterr().err
    assert ("report: audit pooled ai_passed" in err and "3/3" in err) is shown


def test_the_report_is_the_same_without_the_cache_and_without_background_processes(dataset, review, pages,
                                                                                   written, tmp_path, monkeypatch):
    from workbench.explain.cache import cache_dir

    assert list(cache_dir().rglob("*.json")), "the pages fixture filled the cache"
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", "off")
    again = write_reports(dataset, tmp_path, review=review, n_boot=100, weight_boot=20, detailed_audits=False,
                          parallel=False)
    exported = sorted(p.name for p in written[1] if p.parent.name == "tables")
    assert sorted(p.name for p in again if p.parent.name == "tables") == exported
    for name in ("index.csv", next(n for n in exported if n.startswith("pooled__ai_passed__selection_rate"))):
        assert (tmp_path / "tables" / name).read_bytes() == (written[0] / "tables" / name).read_bytes()
    for path in (p for p in again if p.suffix == ".html"):
        new, old = path.read_text(encoding="utf-8").splitlines(), pages[path.name].splitlines()
        assert [a for a, b in zip(old, new, strict=True) if a != b and not a.startswith(DATE_LINE_PREFIX)] == []


def test_report_with_an_engine_gives_the_same_pages_and_tables(dataset, tmp_path):
    """``write_reports(engine="duckdb")``: the review (computed here, not passed) and every audit reduced by
    DuckDB give the same pages and exports as in memory (the audits' ``engine`` field aside)."""
    from workbench.engine import DuckDBEngine

    base = write_reports(dataset, tmp_path / "mem", n_boot=100, weight_boot=20, detailed_audits=False)
    duck = write_reports(dataset, tmp_path / "duck", n_boot=100, weight_boot=20, detailed_audits=False,
                         engine=DuckDBEngine())
    for a, b in zip(base, duck, strict=True):
        assert a.name == b.name
        if a.suffix in (".html", ".csv"):
            old, new = a.read_text(encoding="utf-8").splitlines(), b.read_text(encoding="utf-8").splitlines()
            assert [x for x, y in zip(old, new, strict=True) if x != y and not x.startswith(DATE_LINE_PREFIX)] == []
    bundle = json.loads((tmp_path / "duck" / "tables" / "audit_bundle.json").read_text(encoding="utf-8"))
    assert {a["meta"]["engine"] for scope in bundle["audits"].values() for a in scope.values()} == {"duckdb"}


def test_audits_sharing_their_tables_equal_audits_alone(dataset):
    from workbench.fairness.audit import shared_tables

    def run():
        pooled = [audit(dataset, d, AUDIT_ATTRIBUTES, skip_invalid=True) for d in ("ai_passed", "final_passed", "hired")]
        return pooled + [audit(dataset, d, AUDIT_ATTRIBUTES, job_id=JOBS[0], skip_invalid=True, where_from=False)
                         for d in ("ai_passed", "hired")]

    alone = run()
    with shared_tables():
        shared = run()
    for a, b in zip(alone, shared, strict=True):
        assert json.dumps(a.to_dict(), sort_keys=True) == json.dumps(b.to_dict(), sort_keys=True)
        for ta, tb in zip(a.tables, b.tables, strict=True):
            pd.testing.assert_frame_equal(ta.rows, tb.rows)
    with shared_tables():
        first = audit(dataset, "hired", AUDIT_ATTRIBUTES, skip_invalid=True, where_from=False)
        first.tables[0].rows.loc[:, "n"] = -1  # a caller changing its table changes no other audit's
        second = audit(dataset, "hired", AUDIT_ATTRIBUTES, skip_invalid=True, where_from=False)
    pd.testing.assert_frame_equal(second.tables[0].rows, alone[2].tables[0].rows)


def test_background_work_gives_its_result_or_raises_its_error():
    import sys

    from workbench.report.pages import _Background

    job = _Background(lambda: {"rows": [1, 2]}, parallel=True)
    assert job.forked is sys.platform.startswith("linux") and job.result() == {"rows": [1, 2]}
    failing = _Background(lambda: 1 / 0, parallel=True)  # the child fails: computed here again, raising here
    with pytest.raises(ZeroDivisionError):
        failing.result()
    assert not _Background(lambda: 0, parallel=False).forked


def test_the_review_report_shows_the_trend_over_time_that_trend_computes(dataset, pages):
    """The "over time" section holds :func:`workbench.review.trend.trend`'s quarters (same n and pass rates, not
    recomputed), its two charts and its readings."""
    from workbench.review.trend import trend

    page = pages["review_report.html"]
    section = page[page.index('id="trend"'):]
    doc = trend(dataset, by="period", freq="Q", n_boot=100).to_dict()
    assert len(doc["periods"]) >= 2
    assert 'data-figure="fig-trend-rates"' in section and 'data-figure="fig-trend-impact"' in section
    for p in doc["periods"]:
        row = section[section.index(f"<td>{p['period']}</td>"):]
        assert row.startswith(f"<td>{p['period']}</td><td>{p['n']:,}</td><td>{100 * p['pass_rate']:.1f}%")
    assert section.count("→") == len(doc["readings"])
    n = sum(p["n"] for p in doc["periods"])
    assert f"Applicants in scope: {n:,} with an AI decision and an application date, in {len(doc['periods'])} quarters" \
        in section


def test_the_trend_section_says_why_when_there_is_one_quarter(dataset, tmp_path):
    from dataclasses import replace

    cands = dataset.table("candidates").copy()
    cands["applied_at"] = cands["applied_at"].min()
    one = replace(dataset, candidates=cands)
    paths = write_reports(one, tmp_path, n_boot=100, weight_boot=20, detailed_audits=False)
    page = next(p for p in paths if p.name == "review_report.html").read_text(encoding="utf-8")
    assert 'id="trend"' in page and "No comparison over time: one period only" in page
    assert 'data-figure="fig-trend-rates"' not in page
