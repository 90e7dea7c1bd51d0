"""The apps' pure functions: weights stay summing to 1, the numbers equal direct computations of workbench.review."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from workbench.apps.audit_viewer import audit_view, audit_view_html, build_audit_viewer
from workbench.apps.serve import APPS, voila_command
from workbench.apps.weight_tuner import TunerState, build_weight_tuner, rebalance, tuner_html, tuner_state, tuner_update
from workbench.fairness import audit
from workbench.review.inputs import review_inputs_from_tables
from workbench.review.weights import cross_validated_validity, projected_impact_ratios, projected_pass_rate
from workbench.simulate import simulate, small_config


@pytest.fixture(scope="module")
def sim():
    return simulate(small_config(n_candidates=800, seed=5, answer_texts=False))


@pytest.fixture(scope="module")
def inputs(sim):
    return review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], "final_passed")


@pytest.mark.parametrize("name,value", [("a", 0.9), ("b", 0.0), ("c", 1.0), ("a", -0.3), ("d", 0.25)])
def test_rebalance_sums_to_one_and_keeps_proportions(name, value):
    w = {"a": 0.4, "b": 0.3, "c": 0.2, "d": 0.1}
    new = rebalance(w, name, value)
    assert math.isclose(sum(new.values()), 1.0, abs_tol=1e-9)
    assert new[name] == min(max(value, 0.0), 1.0)
    others = [k for k in w if k != name]
    if new[name] < 1:
        ratios = {k: new[k] / w[k] for k in others}
        assert max(ratios.values()) - min(ratios.values()) < 1e-9  # proportional rescaling
    assert all(v >= 0 for v in new.values())


def test_rebalance_from_all_weight_on_one():
    new = rebalance({"a": 1.0, "b": 0.0, "c": 0.0}, "a", 0.5)
    assert new == {"a": 0.5, "b": 0.25, "c": 0.25}
    with pytest.raises(KeyError):
        rebalance({"a": 1.0}, "z", 0.5)


@pytest.mark.parametrize("weights,threshold", [
    (None, None),
    ({"product_sense": 0.5, "data_analysis": 0.3, "stakeholder_communication": 0.1, "execution": 0.1}, 3.3),
    ({"product_sense": 0.1, "data_analysis": 0.1, "stakeholder_communication": 0.7, "execution": 0.1}, 2.9),
])
def test_tuner_update_equals_review_functions(inputs, weights, threshold):
    state = tuner_state(inputs)
    weights = weights or dict(inputs.profile.weights)
    threshold = inputs.profile.threshold if threshold is None else threshold
    out = tuner_update(state, weights, threshold)
    assert out["pass_rate"] == pytest.approx(projected_pass_rate(inputs, weights, threshold), abs=1e-12)
    cv = cross_validated_validity(inputs, {"w": weights}, folds=3)["weights"]["w"]
    assert out["validity"]["r_observed"] == pytest.approx(cv["r_observed"], abs=1e-9)
    assert out["validity"]["r_corrected"] == pytest.approx(cv["r_corrected"], abs=1e-9)
    assert out["validity"]["auc"] == pytest.approx(cv["auc"], abs=1e-9)
    for attr in ("gender", "age_band", "race_ethnicity"):
        direct = projected_impact_ratios(inputs, weights, threshold, attr)
        got = {r["group"]: r for r in out["impact"][attr]}
        assert list(got) == list(direct.index)
        for group, row in direct.iterrows():
            assert got[group]["n"] == row["n"] and got[group]["selected"] == row["selected"]
            assert got[group]["rate"] == pytest.approx(row["rate"])
            if np.isnan(row["impact_ratio"]):
                assert np.isnan(got[group]["impact_ratio"])
            else:
                assert got[group]["impact_ratio"] == pytest.approx(row["impact_ratio"])
            assert got[group]["four_fifths"] == bool(row["four_fifths"])
    # accuracy: share of projected passes with a known outcome who passed, computed directly
    dims = np.nan_to_num(inputs.dimensions.to_numpy(), nan=1.0)  # an unscored dimension at the rubric floor
    total = dims @ (np.array([weights[d] for d in inputs.dimensions.columns]) / sum(weights.values()))
    passed = np.round(total, 3) >= threshold - 1e-9
    known = inputs.criterion_values.to_numpy()[passed]
    known = known[~np.isnan(known)]
    assert out["accuracy"]["n_known"] == known.size and out["accuracy"]["share"] == pytest.approx(known.mean())


def test_ranked_list_is_pseudonymous_and_sorted(inputs):
    state = tuner_state(inputs)
    out = tuner_update(state, state.weights, state.threshold, top_n=10)
    totals = [r["total"] for r in out["ranked"]]
    assert totals == sorted(totals, reverse=True) and len(totals) == 10
    assert all(r["candidate_id"] in set(inputs.dimensions.index) for r in out["ranked"])
    assert set(out["ranked"][0]) == {"rank", "candidate_id", "total", "passes"}


def test_tuner_html_escapes_labels():
    st = TunerState.from_arrays([[1.0, 5.0], [4.0, 2.0]], ["x", "y"], candidate_ids=["<script>x</script>", "B"],
                                groups={"gender": ["<img src=x onerror=alert(1)>", "male"]})
    html = tuner_html(tuner_update(st, {"x": 0.5, "y": 0.5}, 3.0))
    assert "<script>x" not in html and "<img src=x" not in html and "&lt;script&gt;" in html


def test_weight_tuner_widget_keeps_weights_summing_to_one(sim, tmp_path):
    from workbench.simulate import write_simulation

    write_simulation(sim, tmp_path)
    app = build_weight_tuner(tmp_path, "product_manager")
    before = app.results.value
    app.sliders["execution"].value = 0.55
    assert sum(s.value for s in app.sliders.values()) == pytest.approx(1.0, abs=1e-9)
    assert app.sliders["execution"].value == 0.55 and app.results.value != before
    app.threshold.value = app.threshold.value + 0.2
    app.reset.click()
    assert app.sliders["execution"].value == pytest.approx(app.state.weights["execution"])


def test_audit_view_matches_audit_and_suppresses_small_cells(sim):
    res = audit(sim.tables, "ai_passed", ("gender", "race_ethnicity"), where_from=False, skip_invalid=True)
    auditor = audit_view(res, "race_ethnicity", "auditor")
    direct = res.table("race_ethnicity").rows
    rows = {r["group"]: r for r in auditor["tables"]["selection_rate"]["rows"]}
    for group, row in direct.iterrows():
        assert rows[str(group)]["n"] == row["n"]
        assert bool(rows[str(group)]["four_fifths"]) == (False if row["four_fifths"] is pd.NA else bool(row["four_fifths"]))
    stake = audit_view(res, "race_ethnicity", "stakeholder")
    small = [r for r in stake["tables"]["selection_rate"]["rows"] if r["suppressed"]]
    assert small and all(r["n"] is None and r["rate"] is None for r in small)
    html = audit_view_html(stake)
    assert "suppressed: count under 5" in html
    with pytest.raises(KeyError):
        audit_view(res, "education")


def test_audit_viewer_widget_updates(sim, tmp_path):
    from workbench.simulate import write_simulation

    write_simulation(sim, tmp_path)
    app = build_audit_viewer(tmp_path, attributes=("gender", "age_band"), precompute=False)
    before = app.results.value
    app.attribute.value = "age_band"
    assert app.results.value != before and "40+" in app.results.value
    app.decision.value = "final_passed"
    assert "Final round" in app.results.value


def test_voila_command():
    cmd = voila_command("weight_tuner", port=9123, notebooks_dir="nb")
    assert "--Voila.ip=127.0.0.1" in cmd and "--port=9123" in cmd and cmd[-1].endswith(APPS["weight_tuner"])
    with pytest.raises(ValueError):
        voila_command("nope")


def test_tuner_leaves_categories_under_two_percent_out_of_the_ratios():
    # 60 "a" (half pass), 39 "b" (all fail) and 1 "c" (fails): c is 1% of the known applicants.
    labels = ["a"] * 60 + ["b"] * 39 + ["c"]
    scores = [[5.0] if i % 2 == 0 else [1.0] for i in range(60)] + [[1.0]] * 40
    st = TunerState.from_arrays(scores, ["x"], groups={"gender": labels})
    rows = {r["group"]: r for r in tuner_update(st, {"x": 1.0}, 3.0)["impact"]["gender"]}
    assert rows["a"]["impact_ratio"] == 1.0
    assert rows["b"]["four_fifths"] and rows["b"]["impact_ratio"] == 0.0
    assert rows["c"]["excluded_small"] and not rows["c"]["four_fifths"]
    assert rows["c"]["impact_ratio"] != rows["c"]["impact_ratio"]  # NaN: listed, not rated


@pytest.mark.parametrize("criterion", ["final_passed", "performance"])
def test_untouched_tuner_equals_the_profile_and_ai_decisions(sim, criterion):
    """Float noise from a browser slider (3.2100000000000004) flips nobody; every applicant counts."""
    ri = review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], criterion)
    state = tuner_state(ri)
    t = ri.profile.threshold
    noisy = tuner_update(state, state.weights, t + 4e-16 * max(t, 1.0))
    exact = (ri.ai_score >= t - 1e-9).mean()
    assert noisy["n_scored"] == ri.n_applicants == len(ri.ai_score)
    assert noisy["pass_rate"] == pytest.approx(exact, abs=1e-12)
    assert noisy["pass_rate"] == tuner_update(state, state.weights, t)["pass_rate"]


def test_tuner_keeps_applicants_with_an_unscored_dimension():
    st = TunerState.from_arrays([[5.0, np.nan], [4.0, 4.0]], ["x", "y"], candidate_ids=["A", "B"])
    out = tuner_update(st, {"x": 0.5, "y": 0.5}, 3.0)
    assert out["n_scored"] == 2
    assert {r["candidate_id"]: r["total"] for r in out["ranked"]} == {"A": 3.0, "B": 4.0}


def test_tuner_corrects_performance_in_two_stages_like_the_validity_table(sim):
    from workbench.review.validity import ValiditySettings, validity_table

    ri = review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], "performance")
    out = tuner_update(tuner_state(ri), dict(ri.profile.weights), ri.profile.threshold)
    table = validity_table(ri, ValiditySettings(n_boot=100)).total
    assert out["validity"]["r_corrected"] == pytest.approx(float(table["r_corrected"]), abs=1e-9)


def test_sigterm_to_the_wrapper_stops_the_child(tmp_path):
    """`workbench serve` forwards SIGTERM to Voila: no child is left behind bound to the port."""
    import os
    import signal
    import subprocess
    import sys
    import time

    pid_file = tmp_path / "child.pid"
    child = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(120)"
    wrapper = subprocess.Popen([sys.executable, "-c", "import sys; from workbench.apps.serve import run_forwarding; "
                                f"sys.exit(run_forwarding([sys.executable, '-c', {child!r}]))"])
    for _ in range(200):
        if pid_file.exists() and pid_file.read_text():
            break
        time.sleep(0.05)
    grandchild = int(pid_file.read_text())
    wrapper.send_signal(signal.SIGTERM)
    wrapper.wait(timeout=20)
    time.sleep(0.2)
    with pytest.raises(ProcessLookupError):
        os.kill(grandchild, 0)


def test_voila_culls_idle_kernels_by_default():
    cmd = voila_command("weight_tuner", notebooks_dir="nb")
    assert "--MappingKernelManager.cull_idle_timeout=600" in cmd and "--MappingKernelManager.cull_connected=False" in cmd
    assert not any("cull" in c for c in voila_command(notebooks_dir="nb", cull_idle=0))


def test_the_tuner_saves_a_new_profile_version_and_never_overwrites(sim, tmp_path):
    from workbench.data.profiles import load_profile
    from workbench.simulate import write_simulation

    write_simulation(sim, tmp_path)
    app = build_weight_tuner(tmp_path, "product_manager")
    app.sliders["execution"].value = 0.4
    app.threshold.value = 3.4
    app.save.click()
    first = app.saved_path
    assert first is not None and first.parent == tmp_path / "profiles" / "proposed"
    written = load_profile(first)
    assert written.threshold == 3.4 and written.weights["execution"] == pytest.approx(0.4, abs=1e-4)
    assert sum(written.weights.values()) == pytest.approx(1.0, abs=1e-9)
    original = load_profile(tmp_path / "profiles" / "product_manager.yaml")
    assert written.version != original.version and original.weights != written.weights
    before = first.read_text(encoding="utf-8")
    app.sliders["execution"].value = 0.2
    app.save.click()
    assert app.saved_path != first and first.read_text(encoding="utf-8") == before  # the first file is untouched
    assert len(list((tmp_path / "profiles" / "proposed").glob("*.yaml"))) == 2


def test_the_tuner_switches_jobs(sim, tmp_path):
    from workbench.simulate import write_simulation

    write_simulation(sim, tmp_path)
    app = build_weight_tuner(tmp_path, "product_manager")
    assert set(app.job.options) == {"product_manager", "regional_sales_manager"}
    pm_dims = set(app.sliders)
    app.job.value = "regional_sales_manager"
    assert set(app.sliders) != pm_dims and app.state.job_id == "regional_sales_manager"
    assert "regional_sales_manager" in app.children[1].children[0].value


def test_audit_viewer_job_selector_drives_table_and_chart(sim, tmp_path):
    from workbench.simulate import write_simulation

    write_simulation(sim, tmp_path)
    app = build_audit_viewer(tmp_path, attributes=("gender", "age_band"), precompute=False)
    pooled = app.results.value
    assert "all jobs pooled" in [label for label, _ in app.job.options]
    app.job.value = "product_manager"
    assert app.results.value != pooled
    res = audit(sim.tables, "ai_passed", ("gender", "age_band"), job_id="product_manager", where_from=False,
                skip_invalid=True)
    n = int(res.table("gender").rows["n"].sum())
    assert f"{n:,}" in app.results.value or str(n) in app.results.value
    shown = app.shown_chart()
    assert "product_manager" in shown and "gender" in shown
    assert "CMH" not in app.results.value


def test_audit_viewer_csv_is_the_table_shown(sim, tmp_path):
    import base64
    import csv
    import io

    from workbench.apps.audit_viewer import audit_view_csv
    from workbench.simulate import write_simulation

    write_simulation(sim, tmp_path)
    app = build_audit_viewer(tmp_path, attributes=("gender", "race_ethnicity"), precompute=False)
    app.attribute.value = "race_ethnicity"
    href = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', app.download.value).group(1)
    rows = list(csv.DictReader(io.StringIO(base64.b64decode(href).decode("utf-8"))))
    view = audit_view(app.cache.get("ai_passed", ""), "race_ethnicity", "stakeholder")
    shown = view["tables"]["selection_rate"]["rows"]
    sel = [r for r in rows if r["table"] == "selection_rate"]
    assert [r["group"] for r in sel] == [str(r["group"]) for r in shown]
    assert any(r["suppressed"] == "True" and r["n"] == "" for r in sel)  # suppressed cells stay empty
    assert {r["job"] for r in rows} == {"all jobs pooled"} and audit_view_csv(view).count("\n") == len(rows) + 1


def test_audit_viewer_precomputes_every_stage_and_job_in_the_background(sim, tmp_path):
    from workbench.apps.audit_viewer import DECISION_LABELS
    from workbench.simulate import write_simulation

    write_simulation(sim, tmp_path)
    app = build_audit_viewer(tmp_path, attributes=("gender",))
    assert len(app.cache.done) == 1  # the first paint waits for one audit only
    app.warming.join(120)
    expected = {(d, j) for d in DECISION_LABELS for j in ["", *sim.profiles]}
    assert set(app.cache.done) == expected
    app.decision.value, app.job.value = "hired", "product_manager"
    assert "Computing" not in app.results.value and "Hire" in app.results.value
    assert "job product_manager" in app.shown_chart()


@pytest.mark.parametrize("pooled,jobs,expect", [
    ([], {"a": []}, None),
    (["f"], {"a": ["f"]}, None),
    ([], {"a": ["f"], "b": []}, "Per job, f in a"),
    (["f"], {"a": [], "b": []}, "pooled, f is under four-fifths but in no single job"),
])
def test_pooled_vs_per_job_line(pooled, jobs, expect):
    from workbench.apps.audit_viewer import pooled_vs_jobs

    views = {j: {"attribute": "gender", "flagged": f, "tables": {"selection_rate": {"rows": [
        {"group": "f", "impact_ratio": 0.7}]}}} for j, f in jobs.items()}
    line = pooled_vs_jobs({"attribute": "gender", "flagged": pooled}, views)
    assert (line is None) if expect is None else (expect in line and "judge each job" in line)


def test_the_tuner_rates_intersectional_groups(inputs):
    from workbench.data.groups import INTERSECTION, group_labels

    out = tuner_update(tuner_state(inputs), dict(inputs.profile.weights), inputs.profile.threshold)
    rows = {r["group"]: r for r in out["impact"][INTERSECTION]}
    labels = group_labels(inputs.groups, INTERSECTION).dropna()
    assert len(rows) > 4 and all(" × " in g or r["unknown"] for g, r in rows.items())
    top = labels.value_counts().index[0]
    assert rows[top]["n"] == int(labels.value_counts().iloc[0])


def test_the_sweep_passes_through_the_current_weights(inputs):
    from workbench.apps.weight_tuner import weight_sweep

    state = tuner_state(inputs)
    weights = rebalance(dict(inputs.profile.weights), "execution", 0.3)
    sweep = weight_sweep(state, weights, inputs.profile.threshold, "execution", points=11)
    at = tuner_update(state, weights, inputs.profile.threshold)
    i = sweep["x"].index(0.3)
    assert sweep["pass_rate"][i] == pytest.approx(at["pass_rate"], abs=1e-12)
    assert sweep["r_corrected"][i] == pytest.approx(at["validity"]["r_corrected"], abs=1e-12)
    rated = [r["impact_ratio"] for rows in at["impact"].values() for r in rows
             if not r["unknown"] and not r["excluded_small"] and np.isfinite(r["impact_ratio"])]
    assert sweep["lowest_ir"][i] == pytest.approx(min(rated), abs=1e-12)


def test_the_tuner_chart_follows_the_weight_moved_and_save_offers_the_yaml(sim, tmp_path):
    import base64

    from workbench.simulate import write_simulation

    write_simulation(sim, tmp_path)
    app = build_weight_tuner(tmp_path, "product_manager")
    profile = sim.profiles["product_manager"]
    assert app.chart.sweep["current"] == pytest.approx(max(profile.weights.values()))  # untouched: the profile's
    app.sliders["execution"].value = 0.45
    assert app.chart.sweep["dimension"] == "execution" and app.chart.sweep["current"] == 0.45
    app.save.click()
    href = re.search(r'href="data:application/x-yaml;base64,([^"]+)"', app.saved.value).group(1)
    assert base64.b64decode(href) == app.saved_path.read_bytes()
