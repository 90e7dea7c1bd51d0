"""The learned scoring model and its explanations (workbench.explain), tested against simulated truth."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from workbench.data import load
from workbench.explain import (PROTECTED_ATTRIBUTES, ExplainError, ScoringModel, _terms, candidate_features,
                               explain_dataset, proxy_screen)
from workbench.profile import tokenize
from workbench.review.inputs import review_inputs_from_tables
from workbench.review.weights import cross_validated_validity
from workbench.simulate import demo_config, simulate, small_config, write_simulation

JOB = "product_manager"
CONTRACT_KEYS = {"criterion", "model", "cv", "features", "top_features", "proxy_flags"}


@pytest.fixture(scope="module")
def sim():
    return simulate(small_config(n_candidates=1200, seed=3))


@pytest.fixture(scope="module")
def result(sim):
    return explain_dataset(sim, "final_passed", job_id=JOB, folds=3)


def _with(sim, **tables):
    """A copy of ``sim`` with some tables replaced."""
    return dataclasses.replace(sim, tables={**sim.tables, **tables})


def _features(sim, criterion="final_passed"):
    ri = review_inputs_from_tables(sim.tables, sim.profiles[JOB], criterion)
    frame = candidate_features(ri, sim.tables).frame
    return ri, frame


# ------------------------------------------------------------------------------ estimator conventions


def test_estimator_conventions(sim):
    ri, frame = _features(sim)
    rows = ri.criterion_values.notna()
    X, y = frame.loc[rows[rows].index.intersection(frame.index)], ri.criterion_values.dropna()
    y = y.loc[X.index]
    model = ScoringModel(C=0.2, min_df=5)
    with pytest.raises(NotFittedError):
        model.decision_function(X)
    assert model.fit(X, y) is model
    learned = [a for a in vars(model) if a.endswith("_") and not a.startswith("_")]
    assert {"coef_", "intercept_", "expected_value_", "classes_", "feature_names_in_"} <= set(learned)
    assert set(vars(clone(model))) == set(model.get_params())  # unfitted clone: parameters only
    assert clone(model).get_params() == model.get_params()
    assert model.set_params(C=1.0).get_params()["C"] == 1.0
    proba = model.fit(X, y).predict_proba(X)
    assert proba.shape == (len(X), 2) and np.allclose(proba.sum(axis=1), 1)
    assert 0.5 < model.score(X, y) <= 1


@pytest.mark.parametrize("column", [*PROTECTED_ATTRIBUTES, "age_band"])
def test_model_refuses_a_protected_attribute(sim, column):
    _, frame = _features(sim)
    X = frame.assign(**{column: 1.0})
    with pytest.raises(ExplainError, match="protected attribute"):
        ScoringModel().fit(X, np.arange(len(X)) % 2)


# ------------------------------------------------------------------------------ SHAP additivity


@pytest.mark.parametrize("criterion", ["final_passed", "final_score"])
@pytest.mark.parametrize("text", [True, False])
def test_shap_values_add_up_to_the_model_output(sim, criterion, text):
    ri, frame = _features(sim, criterion)
    if not text:
        frame = frame.drop(columns="answer_terms")
    y = ri.criterion_values.reindex(frame.index)
    train = y.notna().to_numpy()
    model = ScoringModel().fit(frame[train], y[train])
    assert model.task_ == ("classification" if criterion == "final_passed" else "regression")
    phi = model.shap_values(frame)  # every applicant, including those the model never saw
    total = phi.sum(axis=1).to_numpy() + model.expected_value_
    np.testing.assert_allclose(total, model.decision_function(frame), atol=1e-9)
    assert list(phi.columns) == list(model.get_feature_names_out())


def test_result_shap_adds_up_for_training_rows_and_one_candidate(result):
    out = result.model.decision_function(result.features.frame.loc[result.train_index])
    np.testing.assert_allclose(result.shap.sum(axis=1) + result.model.expected_value_, out, atol=1e-9)
    rejected = result.inputs.selected[~result.inputs.selected].index[0]
    phi = result.local_shap(rejected)
    np.testing.assert_allclose(phi.sum() + result.model.expected_value_,
                               result.model.decision_function(result.features.frame.loc[[rejected]])[0], atol=1e-9)


# ------------------------------------------------------------------------------ the contract


def test_to_dict_has_the_contract_keys_and_is_json(result):
    d = result.to_dict()
    assert CONTRACT_KEYS <= set(d)
    assert {"baseline_auc", "model_auc"} <= set(d["cv"])
    assert all({"feature", "mean_abs_shap"} <= set(t) for t in d["top_features"])
    assert all({"feature", "attribute", "strength"} <= set(f) for f in d["proxy_flags"])
    json.dumps(d)
    assert d["criterion"] == "final_passed" and d["job_id"] == JOB
    assert "range" in result.summary().lower()


def test_no_protected_attribute_is_a_feature(result):
    features = result.to_dict()["features"]
    for name in features:
        bare = name.split(":", 1)[-1]
        assert bare not in (*PROTECTED_ATTRIBUTES, "age_band"), name
    assert not any(c in result.features.frame.columns for c in PROTECTED_ATTRIBUTES)


def test_cross_validation_uses_the_folds_of_the_weighted_sum_baseline(sim, result):
    ri = review_inputs_from_tables(sim.tables, sim.profiles[JOB], "final_passed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = cross_validated_validity(ri, {"current": ri.profile.weights}, folds=3, random_state=0)
    cur = base["weights"]["current"]
    assert result.cv["baseline_auc"] == pytest.approx(cur["auc"])
    assert [f["n"] for f in result.cv["per_fold"]] == [f["n"] for f in cur["per_fold"]]
    assert [f["baseline_auc"] for f in result.cv["per_fold"]] == pytest.approx([f["auc"] for f in cur["per_fold"]])
    assert result.cv["n"] == base["n"] and "range" in result.cv["caveat"].lower()
    assert 0.5 < result.cv["model_auc"] < 1


def test_continuous_criterion_uses_ridge_and_reports_r(sim):
    res = explain_dataset(sim, "final_score", job_id=JOB, folds=3, joint_screen=False)
    assert res.model.task_ == "regression" and res.cv["model_auc"] is None
    assert res.cv["model_r_observed"] > 0 and res.to_dict()["model"]["type"] == "ridge"


# ------------------------------------------------------------------------------ truth: predictors and proxies


def _rank(res):
    imp = res.importance()
    return imp, list(imp.index)


@pytest.mark.slow
def test_predictive_questions_rank_at_the_top():
    sim = simulate(small_config(n_candidates=4000, seed=2, biases=()))
    truth = {q["question_id"]: q["loading"] for q in sim.truth["jobs"][JOB]["questions"]}
    res = explain_dataset(sim, job_id=JOB, text=False, joint_screen=False)
    imp, order = _rank(res)
    positive = [f for f in order if imp.loc[f, "direction"] == "+"]
    strong = {f"q:{q}" for q, lam in truth.items() if lam >= 0.7}  # the behavioural questions
    assert set(positive[:4]) == strong
    # questions the simulator made useless carry only presentation: unconstrained they would enter negatively
    # (suppressors); with non-negative score weights they get (close to) no weight and rank below the strong ones
    for q, lam in truth.items():
        if lam == 0:
            assert res.model.coef_[f"q:{q}"] >= 0
            assert order.index(f"q:{q}") > max(order.index(f) for f in strong)
    # with text, the strongest question still leads the score features
    with_text = explain_dataset(sim, job_id=JOB, joint_screen=False)
    scores = [f for f in _rank(with_text)[1] if f.startswith("q:")]
    assert scores[0] == "q:pm_q01"
    assert with_text.cv["model_auc"] > with_text.cv["baseline_auc"]


@pytest.mark.slow
def test_useless_questions_rank_below_every_behavioural_question_without_a_suppressor():
    cfg = demo_config(seed=4, n_candidates=4000, biases=(), answer_texts=False, resume_files=(0, 0, 0))
    job = cfg.jobs[1]
    quiet = tuple(dataclasses.replace(q, presentation_loading=0.0) if q.loading == 0 else q for q in job.questions)
    cfg = dataclasses.replace(cfg, jobs=(cfg.jobs[0], dataclasses.replace(job, questions=quiet)))
    sim = simulate(cfg)
    res = explain_dataset(sim, job_id=JOB, joint_screen=False)
    imp, order = _rank(res)
    useless = [order.index(f"q:{q.question_id}") for q in quiet if q.loading == 0]
    behavioural = [order.index(f"q:{q.question_id}") for q in quiet if q.loading >= 0.7]
    assert max(behavioural) < min(useless)


def _proxy_column(sim, rng):
    cands = sim.tables["candidates"]
    club = (cands["gender"] == "female").astype(float) + rng.normal(0, 0.5, len(cands))
    return _with(sim, candidates=cands.assign(club_activity=club)), "extra:club_activity"


def _proxy_word(sim, rng):
    cands = sim.tables["candidates"].set_index("candidate_id")
    ans = sim.tables["answers"].copy()
    women = ans["candidate_id"].map(cands["gender"]).eq("female").to_numpy()
    first = ~ans.duplicated("candidate_id").to_numpy()
    add = first & women & (rng.random(len(ans)) < 0.7)
    ans.loc[add, "answer_text"] = ans.loc[add, "answer_text"] + " I captain a netball league."
    return _with(sim, answers=ans), "word:netball"


@pytest.mark.parametrize("inject", [_proxy_column, _proxy_word], ids=["candidates_column", "answer_word"])
def test_an_injected_gender_proxy_is_flagged_and_excluded(sim, inject):
    data, feature = inject(sim, np.random.default_rng(0))
    res = explain_dataset(data, job_id=JOB, folds=3, joint_screen=False)
    flags = {f["feature"]: f for f in res.proxy_flags}
    assert feature in flags
    assert flags[feature]["attribute"] == "gender" and flags[feature]["group"] in ("female", "male")
    assert flags[feature]["strength"] >= 0.70 and flags[feature]["excluded"]
    assert feature not in res.feature_names
    reason = next(e["reason"] for e in res.excluded if e["feature"] == feature)
    assert "proxy of gender" in reason and "AUC" in reason
    assert feature in res.summary()


def test_allow_features_keeps_a_flagged_feature_but_reports_it(sim):
    data, feature = _proxy_column(sim, np.random.default_rng(1))
    res = explain_dataset(data, job_id=JOB, folds=3, joint_screen=False, allow_features=[feature])
    flag = next(f for f in res.proxy_flags if f["feature"] == feature)
    assert not flag["excluded"] and feature in res.feature_names


@pytest.mark.parametrize("column", ["gender_guess", "date_of_birth", "ethnicity_code"])
def test_extra_columns_named_like_a_protected_attribute_are_never_features(sim, column):
    cands = sim.tables["candidates"].assign(**{column: 1.0})
    res = explain_dataset(_with(sim, candidates=cands), job_id=JOB, folds=3, joint_screen=False)
    assert f"extra:{column}" not in res.feature_names
    assert any(e["feature"] == f"extra:{column}" and "protected" in e["reason"] for e in res.excluded)


def test_proxy_screen_measures_each_feature_against_each_attribute():
    g = np.random.default_rng(3)
    groups = pd.DataFrame({"gender": g.choice(["female", "male"], 500), "age": g.integers(20, 60, 500)})
    Z = np.column_stack([groups["age"] + g.normal(0, 2, 500), g.normal(size=500)])
    tab = proxy_screen(Z, ["resume:years", "q:q1"], groups, attributes=("gender", "age_band"))
    top = tab.iloc[0]
    assert (top.feature, top.attribute, bool(top.flag)) == ("resume:years", "age_band", True)
    assert not tab.loc[tab.feature == "q:q1", "flag"].any()
    assert set(tab.columns) >= {"feature", "attribute", "group", "strength", "flag"}


# ------------------------------------------------------------------------------ explanations


@pytest.mark.parametrize("lang,words", [("en", ["in your favour", "against", "gender", "human", "review"]),
                                        ("zh", ["有利", "不利", "性别", "人工复核"])])
def test_plain_explanation_gives_main_reasons_without_internals(result, lang, words):
    for cid in (result.train_index[0], result.inputs.selected[~result.inputs.selected].index[0]):
        text = result.plain_explanation(cid, lang=lang)
        assert str(cid) in text
        for w in words:
            assert w.lower() in text.lower()
        for internal in ("shap", "log-odds", "coef", "logistic", "q:pm_", "word:", "dim:"):
            assert internal not in text.lower()


def test_figures(result):
    cid = result.train_index[1]
    fig = result.waterfall_figure(cid, top=5)
    y = list(fig.data[0].y)
    assert len(y) == 8 and y[0] == pytest.approx(result.model.expected_value_)
    assert sum(y[:-1]) == pytest.approx(result.model.decision_function(result.features.frame.loc[[cid]])[0])
    assert len(result.global_figure(top=10).data[0].y) == 10
    assert len(result.words_figure(top=5).data[0].y) == 5


def test_model_card(result):
    card = result.model_card()
    assert {"model_details", "intended_use", "data", "criterion", "metrics", "limitations"} <= set(card)
    assert card["metrics"]["overall"]["model_auc"] == pytest.approx(result.cv["model_auc"], abs=1e-6)
    assert {r["attribute"] for r in card["metrics"]["by_group"]} >= {"gender"}
    md = result.model_card_markdown()
    for section in ("## Intended use", "## Data", "## Criterion", "## Metrics", "## Limitations"):
        assert section in md
    assert "<script" not in result.model_card_html()
    json.dumps(card)


def test_dataset_on_disk_with_resume_files(tmp_path):
    sim = simulate(small_config(n_candidates=400, seed=5))
    write_simulation(sim, tmp_path / "data")
    res = explain_dataset(tmp_path / "data", job_id=JOB, folds=3, joint_screen=False)
    frame = res.features.frame
    assert "resume:skill_coverage" in frame and frame["resume:has_resume"].sum() >= 1
    assert len(res.dataset_sha256) == 64
    # without job_id: the job with most candidates having the criterion, noted
    ds = load(tmp_path / "data")
    chosen = explain_dataset(ds, folds=3, joint_screen=False)
    assert chosen.job_id in ds.profiles and any("chosen" in n for n in chosen.notes)


# ------------------------------------------------------------------------------ bad input


def test_a_criterion_with_one_class_is_refused(sim):
    final = sim.tables["final_rounds"].assign(final_passed=True)
    with pytest.raises(ExplainError, match="all .* passed: a criterion with a single value"):
        explain_dataset(_with(sim, final_rounds=final), job_id=JOB, folds=3)
    with pytest.raises(ExplainError, match="single value"):
        ScoringModel().fit(pd.DataFrame({"q:a": [1.0, 2.0, 3.0]}), [1, 1, 1])


def test_a_candidate_with_no_answers(sim):
    target = sim.tables["ai_decisions"].query("ai_passed")["candidate_id"]
    cid = next(c for c in target if c in set(sim.tables["candidates"].query("job_id == @JOB").candidate_id))
    answers = sim.tables["answers"][sim.tables["answers"]["candidate_id"] != cid]
    res = explain_dataset(_with(sim, answers=answers), job_id=JOB, folds=3, joint_screen=False)
    assert cid in res.features.no_answers and cid not in res.train_index
    assert cid in res.to_dict()["applicants_without_answers"]
    with pytest.raises(ExplainError, match=f"{cid} has no interview answers"):
        res.plain_explanation(cid, lang="en")
    with pytest.raises(ExplainError, match="not an applicant"):
        res.plain_explanation("NOPE", lang="en")
    pm = set(sim.tables["candidates"].query("job_id == @JOB").candidate_id)
    none = sim.tables["answers"][~sim.tables["answers"]["candidate_id"].isin(pm)]
    with pytest.raises(ExplainError, match="no answers"):
        explain_dataset(_with(sim, answers=none), job_id=JOB, folds=3)


@pytest.mark.parametrize("share,raises", [(0.6, True), (0.03, False)])
def test_text_in_an_unexpected_language(sim, share, raises):
    ans = sim.tables["answers"].copy()
    pm = ans["question_id"].str.startswith("pm_").to_numpy()
    hit = pm & (np.random.default_rng(0).random(len(ans)) < share)
    ans.loc[hit, "answer_text"] = "Я увеличил продажи на 30% за квартал."
    data = _with(sim, answers=ans)
    if raises:
        with pytest.raises(ExplainError, match=r"not in the job's language 'en' \(found: other"):
            explain_dataset(data, job_id=JOB, folds=3)
        res = explain_dataset(data, job_id=JOB, folds=3, text=False, joint_screen=False)
        assert not any(f.startswith("word:") for f in res.feature_names)
    else:
        with pytest.warns(UserWarning, match="left out of the text features"):
            res = explain_dataset(data, job_id=JOB, folds=3, joint_screen=False)
        assert any("not in the job's language" in n for n in res.notes)


def test_english_answers_for_a_chinese_job_are_unexpected(sim):
    ans = sim.tables["answers"].copy()
    zh = ans["question_id"].str.startswith("rsm_")
    ans.loc[zh, "answer_text"] = "I negotiated the contract and closed it."
    with pytest.raises(ExplainError, match="language 'zh'"):
        explain_dataset(_with(sim, answers=ans), job_id="regional_sales_manager", folds=3)


@pytest.mark.parametrize("kwargs,match", [({"job_id": "astronaut"}, "no profile"),
                                          ({"criterion": "salary", "job_id": JOB}, "criterion 'salary'")])
def test_unknown_job_or_criterion(sim, kwargs, match):
    with pytest.raises(ExplainError, match=match):
        explain_dataset(sim, **kwargs)


def test_plain_explanation_language_must_be_zh_or_en(result):
    with pytest.raises(ExplainError, match="'zh' or 'en'"):
        result.plain_explanation(result.train_index[0], lang="fr")


# ------------------------------------------------------------------------------ monotone scores, readable terms


def _score_features(names):
    return [n for n in names if n.startswith(("q:", "dim:"))]


@pytest.mark.parametrize("criterion", ["final_passed", "final_score"])
def test_no_score_feature_has_a_negative_coefficient(sim, criterion):
    ri, frame = _features(sim, criterion)
    y = ri.criterion_values.reindex(frame.index)
    train = y.notna().to_numpy()
    model = ScoringModel().fit(frame[train], y[train])
    coef = model.coef_[_score_features(model.coef_.index)]
    assert len(coef) and (coef >= 0).all(), coef[coef < 0]
    assert model.monotone_[coef.index].all() and not model.monotone_.drop(coef.index).any()
    # unconstrained, the same data gives some score a negative (suppressor) weight: the constraint is doing work
    free = ScoringModel(monotone=()).fit(frame[train], y[train])
    assert (free.coef_[coef.index] < 0).any()


def test_result_has_no_negative_score_coefficient(result):
    coef = result.model.coef_[_score_features(result.feature_names)]
    assert (coef >= 0).all()
    imp = result.importance()
    assert (imp.loc[coef.index[coef > 0], "direction"] == "+").all()


def test_unconstrained_fit_matches_scikit_learn_logistic_regression(sim):
    from sklearn.linear_model import LogisticRegression

    ri, frame = _features(sim)
    y = ri.criterion_values.reindex(frame.index)
    train = y.notna().to_numpy()
    X, yt = frame[train], y[train].astype(int).to_numpy()
    ours = ScoringModel(monotone=(), tol=1e-8).fit(X, yt)
    ref = LogisticRegression(C=ours.C, max_iter=5000, tol=1e-8).fit(ours.transform(X), yt)
    np.testing.assert_allclose(ours.coef_.to_numpy(), ref.coef_.ravel(), atol=2e-3)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(ours.transform(X)), atol=5e-3)


def test_shap_values_equal_shap_linear_explainer(result):
    shap = pytest.importorskip("shap")
    rows = result.features.frame.iloc[:50]
    m = result.model
    expl = shap.LinearExplainer((m.coef_.to_numpy(), m.intercept_), m.background_[None, :])
    ref = expl.shap_values(m.transform(rows))
    ref = ref.toarray() if hasattr(ref, "toarray") else np.asarray(ref)
    np.testing.assert_allclose(m.shap_values(rows).to_numpy(), ref, atol=1e-10)


_RATED = {"en": r"rated (\d+\.\d) of 5 \(typical: (\d+\.\d)\)|was (\d+\.\d) of 5 \(typical: (\d+\.\d)\)",
          "zh": r"评分为(\d+\.\d)分（(?:满分5分；)?一般为(\d+\.\d)分）"}


def _section(text, start, stop):
    return text.split(start, 1)[1].split(stop, 1)[0]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_below_typical_score_is_a_reason_in_favour(result, lang):
    import re

    heads = {"en": ("Main reasons in your favour:", "Main reasons against:"),
             "zh": ("对您有利的主要因素：", "对您不利的主要因素：")}[lang]
    m = result.model
    scores = _score_features(result.feature_names)
    pool = result.features.frame.index[:300]
    phi = m.shap_values(result.features.frame.loc[pool])[scores]
    values = result.features.frame.loc[pool, scores]
    # structurally: a positive contribution of a score means the score is above the reference ("typical")
    favour = (phi > 1e-9).to_numpy()
    assert (values.to_numpy()[favour] > m.reference_[scores].to_numpy()[None, :].repeat(len(pool), 0)[favour]).all()
    # and as told: in every explanation, a score in favour is at least typical, one against at most typical
    seen = 0
    for cid in pool[:120]:
        text = result.plain_explanation(cid, lang=lang, top=5)
        pro, con = _section(text, heads[0], heads[1]), text.split(heads[1], 1)[1]
        for part, ok in ((pro, lambda v, t: v >= t), (con, lambda v, t: v <= t)):
            for groups in re.findall(_RATED[lang], part):
                v, t = [float(x) for x in groups if x]
                assert ok(v, t), (cid, part)
                seen += 1
    assert seen > 50


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_explanations_never_cite_numbers_or_stop_words(result, lang):
    import re

    from workbench.nlp.terms import ZH_STOP_WORDS, _en_stop_words

    stop = _en_stop_words() | ZH_STOP_WORDS
    quoted = {"en": r"mention(?:ed)? \u201c([^\u201d]+)\u201d", "zh": r"提到了?“([^”]+)”"}[lang]
    number = {"en": "[a number]", "zh": "[数字]"}[lang]
    for cid in result.features.frame.index[:150]:
        text = result.plain_explanation(cid, lang=lang, top=5)
        assert number not in text
        for term in re.findall(quoted, text):
            assert term not in stop and not re.fullmatch(r"[\d\W_]+", term), term


def test_chinese_text_features_are_jieba_words_only(sim):
    res = explain_dataset(sim, job_id="regional_sales_manager", folds=3, joint_screen=False)
    words = [f for f in res.feature_names if f.startswith("word:")]
    assert words and not any(" " in w for w in words)
    # English: words only by default, bigrams on request
    assert not any(" " in f for f in explain_dataset(sim, job_id=JOB, folds=3, joint_screen=False).feature_names)
    bi = explain_dataset(sim, job_id=JOB, folds=3, joint_screen=False, model=ScoringModel(ngram_range=(1, 2)))
    assert any(f.startswith("word:") and " " in f for f in bi.feature_names)


def test_cached_tokenisation_equals_tokenising_every_text(sim):
    texts = sim.tables["answers"]["answer_text"].dropna().astype(str).iloc[::7]
    expected = [" ".join(w.replace(" ", "") for w in tokenize(t)) for t in texts]
    assert _terms(texts).tolist() == expected


def test_the_model_states_its_coverage(result, sim):
    doc = result.to_dict()
    cover = doc["coverage"]
    n_job = int((sim.tables["candidates"]["job_id"] == JOB).sum())
    assert cover["applicants"] == n_job and cover["left_out"]["no answers"] == len(result.features.no_answers)
    assert cover["tables"]["candidates"]["read"] == len(sim.tables["candidates"])
    assert doc["warnings"] == cover["warnings"]


# ------------------------------------------------------------------------------ resume cache


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Every test of this file caches resume features in its own folder, never in the user's cache."""
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="module")
def on_disk(tmp_path_factory):
    folder = tmp_path_factory.mktemp("resumedata")
    write_simulation(simulate(small_config(n_candidates=400, seed=5)), folder)
    return load(folder)


def _resume_features(ds, monkeypatch):
    """The features of JOB from the files of ``ds`` and the resume files parsed to build them."""
    import workbench.parsing

    parsed = []
    parse = getattr(workbench.parsing.parse_file, "__wrapped__", workbench.parsing.parse_file)

    def counting(path, **kw):
        parsed.append(Path(path).name)
        return parse(path, **kw)

    counting.__wrapped__ = parse
    monkeypatch.setattr(workbench.parsing, "parse_file", counting)
    tables = {n: ds.table(n) for n in ("candidates", "questions", "answers", "ai_decisions", "final_rounds",
                                       "outcomes")}
    ri = review_inputs_from_tables(tables, ds.profiles[JOB], "final_passed")
    return candidate_features(ri, tables, resume_root=ds.path), parsed


def test_resume_features_are_cached_and_identical_with_or_without_the_cache(on_disk, monkeypatch, tmp_path):
    cold, parsed_cold = _resume_features(on_disk, monkeypatch)
    warm, parsed_warm = _resume_features(on_disk, monkeypatch)
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", "off")
    off, parsed_off = _resume_features(on_disk, monkeypatch)
    assert parsed_cold and parsed_warm == [] and sorted(parsed_off) == sorted(parsed_cold)
    assert cold.frame["resume:has_resume"].sum() == len(parsed_cold)
    for other in (warm, off):
        pd.testing.assert_frame_equal(other.frame, cold.frame)
        assert other.notes == cold.notes


def test_a_changed_resume_file_is_parsed_again(on_disk, monkeypatch):
    first, _ = _resume_features(on_disk, monkeypatch)
    paths = on_disk.table("candidates").set_index("candidate_id")["resume_path"]
    cov = first.frame["resume:skill_coverage"]
    cid = next(c for c in cov.index[cov < 1] if str(paths[c]).endswith(".txt"))
    path = Path(on_disk.path) / paths[cid]
    keywords = [k for d in on_disk.profiles[JOB].dimensions for k in d.keywords.get("en", ())]
    assert keywords, "the demo profile has English keywords"
    original = path.read_bytes()
    try:
        path.write_text(path.read_text(encoding="utf-8") + "\nSkills: " + ", ".join(keywords) + "\n",
                        encoding="utf-8")
        changed, parsed = _resume_features(on_disk, monkeypatch)
    finally:
        path.write_bytes(original)
    assert parsed  # the key holds every file's digest: one changed file is a new key
    assert changed.frame.loc[cid, "resume:skill_coverage"] > first.frame.loc[cid, "resume:skill_coverage"]
    assert changed.frame.loc[cid, "resume:skill_coverage"] == 1.0
    again, parsed_again = _resume_features(on_disk, monkeypatch)  # the file restored: the first entry again
    assert parsed_again == []
    pd.testing.assert_frame_equal(again.frame, first.frame)


def test_the_cache_keeps_no_name_in_clear(on_disk, monkeypatch):
    from workbench.explain.cache import cache_dir
    from workbench.parsing import parse_file, proper_name_terms

    _resume_features(on_disk, monkeypatch)
    strings: set[str] = set()

    def collect(value):
        if isinstance(value, dict):
            for k, v in value.items():
                collect(k), collect(v)
        elif isinstance(value, list):
            for v in value:
                collect(v)
        elif isinstance(value, str):
            strings.add(value)

    entries = list(cache_dir().rglob("*.json"))
    for entry in entries:
        collect(json.loads(entry.read_text(encoding="utf-8")))
    cands = on_disk.table("candidates").dropna(subset=["resume_path"])
    names = set().union(*(proper_name_terms(parse_file(Path(on_disk.path) / p)) for p in cands["resume_path"]))
    assert entries and names and not names & strings
