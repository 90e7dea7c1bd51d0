"""Job profile YAML: round trip and one clear message per mistake."""

from __future__ import annotations

import pytest
import yaml

from workbench.profile import load_profile, load_profiles, profile_from_dict, save_profile
from workbench.records import JobProfile, ProfileError


def good() -> dict:
    return {
        "job_id": "regional_sales_manager",
        "version": "2026Q3",
        "threshold": 3.4,
        "language": "zh",
        "dimensions": [
            {"name": "client_negotiation", "weight": 0.3, "keywords": {"en": ["negotiat"], "zh": ["谈判", "签约"]}},
            {"name": "drive", "weight": 0.7, "description": "持续推动"},
        ],
    }


def test_round_trip_keeps_chinese_readable(tmp_path):
    profile = profile_from_dict(good())
    path = tmp_path / "regional_sales_manager.yaml"
    save_profile(profile, path)
    assert "谈判" in path.read_text(encoding="utf-8")
    assert load_profile(path) == profile
    assert load_profiles(tmp_path) == {"regional_sales_manager": profile}


def test_profile_is_frozen():
    profile = profile_from_dict(good())
    with pytest.raises(AttributeError):
        profile.threshold = 1.0  # type: ignore[misc]
    assert profile.weights == {"client_negotiation": 0.3, "drive": 0.7}


def _with(**changes):
    data = good()
    for path, value in changes.items():
        if path.startswith("dim0_"):
            data["dimensions"][0][path[5:]] = value
        elif value is None:
            data.pop(path)
        else:
            data[path] = value
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_with(dim0_weight=0.5), "weights sum to 1.2, not 1"),
        (_with(dim0_name="drive"), "duplicated name(s) drive"),
        (_with(dim0_weight=-0.1), "weight: -0.1 is outside [0, 1]"),
        (_with(dim0_weight="heavy"), "weight: 'heavy' is not a number"),
        (_with(dim0_keywords={"fr": ["négocier"]}), "unknown language 'fr'"),
        (_with(dim0_keywords={"en": "negotiate"}), "keywords.en: must be a list of non-empty strings"),
        (_with(threshold=7), "threshold: 7.0 is outside the rubric scale 1-5"),
        (_with(threshold=None), "missing required key 'threshold'"),
        (_with(dimensions=[]), "needs at least one dimension"),
        (_with(colour="red"), "unknown key(s) colour"),
        (_with(language="fr"), "language: 'fr' is not one of en, zh"),
    ],
)
def test_each_mistake_has_a_clear_message(data, message):
    with pytest.raises(ProfileError) as err:
        profile_from_dict(data, source="p.yaml")
    assert message in str(err.value)
    assert str(err.value).startswith("p.yaml")


def test_file_name_must_match_job_id(tmp_path):
    (tmp_path / "other.yaml").write_text(yaml.safe_dump(good(), allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProfileError, match="does not match the file name"):
        load_profiles(tmp_path)


def test_broken_yaml_names_the_file(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("job_id: [unclosed", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"x\.yaml: not valid YAML"):
        load_profile(path)


def test_records_validate_on_construction():
    with pytest.raises(ProfileError):
        JobProfile("j", "v", 3.0, ())


def test_profiles_pickle_round_trip():
    import pickle

    profile = profile_from_dict(good())
    assert pickle.loads(pickle.dumps(profile)) == profile


# ============================================================== log-odds, tokens, matching, derivation
import hashlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from workbench._simtext import FRAGMENTS  # noqa: E402
from workbench.profile import (  # noqa: E402
    accept,
    derive_profile,
    informative_prior,
    log_odds_dirichlet,
    match_resume,
    next_version,
    tokenize,
)
from workbench.records import Dimension, Job, Resume  # noqa: E402
from workbench.simulate import demo_config  # noqa: E402

DEMO = Path(__file__).resolve().parents[1] / "datasets" / "demo"


def _hand(ya, yb, alpha, na, nb, a0):
    """Monroe et al. (2008) eq. 16 and 20 written out for one term."""
    delta = math.log((ya + alpha) / (na + a0 - ya - alpha)) - math.log((yb + alpha) / (nb + a0 - yb - alpha))
    var = 1 / (ya + alpha) + 1 / (yb + alpha)
    return delta, var, delta / math.sqrt(var)


@pytest.mark.parametrize(
    ("a", "b", "prior", "term", "expected"),
    [
        # uniform alpha = 1: delta = log(4/2) - log(2/4) = 2 log 2, var = 1/4 + 1/2
        ({"x": 3, "y": 1}, {"x": 1, "y": 3}, 1.0, "x", (2 * math.log(2), 0.75, 2 * math.log(2) / math.sqrt(0.75))),
        ({"x": 3, "y": 1}, {"x": 1, "y": 3}, 1.0, "y", (-2 * math.log(2), 0.75, -2 * math.log(2) / math.sqrt(0.75))),
        # informative prior, alpha_0 = 2, a term absent from one side
        ({"x": 2}, {"x": 1, "y": 3}, {"x": 0.5, "y": 1.5}, "x", _hand(2, 1, 0.5, 2, 4, 2.0)),
        ({"x": 2}, {"x": 1, "y": 3}, {"x": 0.5, "y": 1.5}, "y", _hand(0, 3, 1.5, 2, 4, 2.0)),
        # three terms, uneven totals
        ({"u": 10, "v": 5, "w": 1}, {"u": 4, "v": 8, "w": 6}, {"u": 1.4, "v": 1.3, "w": 0.7}, "w",
         _hand(1, 6, 0.7, 16, 18, 3.4)),
    ],
)
def test_log_odds_matches_hand_computation(a, b, prior, term, expected):
    row = log_odds_dirichlet(a, b, prior).set_index("term").loc[term]
    assert (row["delta"], row["var"], row["z"]) == pytest.approx(expected, rel=1e-12)


def test_log_odds_is_antisymmetric_and_sorted():
    a, b = {"x": 5, "y": 2, "z": 9}, {"x": 1, "y": 7, "z": 9}
    prior = informative_prior({"x": 6, "y": 9, "z": 18}, 10)
    ab = log_odds_dirichlet(a, b, prior).set_index("term")["z"]
    ba = log_odds_dirichlet(b, a, prior).set_index("term")["z"]
    assert np.allclose(ab, -ba.reindex(ab.index))
    assert list(ab) == sorted(ab, reverse=True)


@pytest.mark.parametrize(
    ("prior", "message"),
    [({"x": 1.0}, "no alpha for 1 term"), (0.0, "alpha must be positive"), ({"x": 1, "y": 0}, "every alpha")],
)
def test_log_odds_rejects_bad_priors(prior, message):
    with pytest.raises(ValueError, match=message):
        log_odds_dirichlet({"x": 1}, {"y": 1}, prior)


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("We negotiated the Contract and grew revenue 40%.", ["negotiated", "contract", "grew", "revenue", "<num>"]),
        ("I am a hard worker and a team player.", ["hard", "worker", "team", "player"]),
        ("最后销售额增长了35%。", ["销售额", "增长", "<num>"]),
        ("我负责CRM系统上线", ["负责", "crm", "系统", "上线"]),
        ("", []),
    ],
)
def test_tokenize_english_and_chinese(text, terms):
    assert tokenize(text) == terms


# ------------------------------------------------------------------------------------------ matching

PROFILE_EN = JobProfile("pm", "v1", 3.0, (
    Dimension("data", 0.4, {"en": ("sql", "metric"), "zh": ("数据",)}),
    Dimension("people", 0.4, {"en": ("stakeholder", "present")}),
    Dimension("delivery", 0.2, {"en": ("ship",)}),
))
PROFILE_ZH = JobProfile("sales", "v1", 3.0, (
    Dimension("negotiation", 0.5, {"zh": ("谈判", "签约"), "en": ("negotiat",)}),
    Dimension("team", 0.5, {"zh": ("团队",)}),
))


@pytest.mark.parametrize(
    ("profile", "resume", "dimension", "evidence", "coverage"),
    [
        (PROFILE_EN, Resume(lines=("Jane Doe", "PM, Acme — 2021-01 – present", "Skills: SQL, metrics, Figma")),
         "data", [("sql", 3), ("metric", 3)], 1.0),
        (PROFILE_EN, Resume(lines=("PM, Acme — 2021-01 – present", "Presented the roadmap to stakeholders")),
         "people", [("present", 2), ("stakeholder", 2)], 1.0),  # "– present" of the date is not evidence
        (PROFILE_EN, Resume(lines=("PM, Acme — 2021-01 – present",)), "people", [], 0.0),
        (PROFILE_EN, Resume(lines=("Worked on shipping logistics", "Shipped 3 releases")),
         "delivery", [("ship", 1), ("ship", 2)], 1.0),
        (PROFILE_EN, Resume(lines=("Metadata engineer",)), "data", [], 0.0),  # stems match at a word start
        (PROFILE_ZH, Resume(language="zh", lines=("个人简历", "2019/03-至今  美的集团  大客户经理", "专业技能", "商务谈判、团队管理")),
         "negotiation", [("谈判", 4)], 0.5),
        (PROFILE_ZH, Resume(language="zh", lines=("姓名：王伟", "- 带领团队签约20家经销商")),
         "negotiation", [("签约", 2)], 0.5),
        (PROFILE_ZH, Resume(language="zh", lines=("姓名：王伟", "- 带领团队签约20家经销商")), "team", [("团队", 2)], 1.0),
    ],
)
def test_match_cites_the_right_line(profile, resume, dimension, evidence, coverage):
    m = match_resume(profile, resume)
    d = m[dimension]
    assert [(e.keyword, e.line_no) for e in d.evidence] == evidence
    for e in d.evidence:
        assert m.lines[e.line_no - 1] == e.line
        assert e.line[e.start:e.end].lower() == e.keyword.lower()
    assert d.coverage == coverage
    assert d.has_evidence == bool(evidence)


def test_match_without_lines_uses_the_fields_and_weights_coverage():
    resume = Resume(experience=(Job("Acme", "Data PM"),), skills=("SQL", "Jira"), quantified_achievements=("Shipped 4 apps",))
    m = match_resume(PROFILE_EN, resume)
    assert m.lines == ("Data PM, Acme", "SQL, Jira", "Shipped 4 apps")
    assert [(e.keyword, e.line_no) for e in m["delivery"].evidence] == [("ship", 3)]
    assert m.coverage == pytest.approx(0.4 * 0.5 + 0.4 * 0.0 + 0.2 * 1.0)
    assert m.with_evidence == ("data", "delivery")


# ---------------------------------------------------------------------------------------- derivation


def test_next_version_never_repeats():
    assert next_version("2026Q1") == "2026Q1-r1"
    assert next_version(next_version("2026Q1")) == "2026Q1-r2"


def _tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(folder)).encode() + p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def demo_proposals():
    from workbench.data import load

    before = _tree_hash(DEMO / "profiles")
    ds = load(DEMO)
    props = {job: derive_profile(ds, job, n_boot=50, folds=5) for job in ds.job_ids}
    assert _tree_hash(DEMO / "profiles") == before  # deriving writes nothing
    return props


TRUTH = json.loads((DEMO / "truth.json").read_text(encoding="utf-8")) if (DEMO / "truth.json").is_file() else {}


@pytest.mark.slow
@pytest.mark.parametrize("job", ["product_manager", "regional_sales_manager"])
def test_derived_weights_move_toward_the_oracle(demo_proposals, job):
    prop = demo_proposals[job]
    expert, oracle = TRUTH["jobs"][job]["expert_weights"], TRUTH["jobs"][job]["oracle_weights"]
    dims = list(expert)
    moved = np.array([prop.proposed.weights[d] - expert[d] for d in dims])
    truth = np.array([oracle[d] - expert[d] for d in dims])
    assert np.corrcoef(moved, truth)[0, 1] > 0.5
    for d, m, t in zip(dims, moved, truth):
        if abs(t) >= 0.1:  # where the experts are clearly wrong, the proposal moves the right way
            assert np.sign(m) == np.sign(t), d
    assert prop.current.weights == expert
    assert sum(prop.proposed.weights.values()) == pytest.approx(1.0, abs=1e-9)
    assert prop.proposed.version == "2026Q1-r1"
    assert {"sd", "ci_low", "ci_high", "share_zero", "change"} <= set(prop.weights.columns)
    assert prop.cv["tuned_auc"] > 0.5 and prop.cv["baseline_auc"] > 0.5


def _words(texts, lang):
    return {t for text in texts for t in tokenize(text.replace("{", " ").replace("}", " "))}


@pytest.mark.slow
@pytest.mark.parametrize("job", ["product_manager", "regional_sales_manager"])
def test_keywords_are_the_simulated_competency_vocabulary(demo_proposals, job):
    prop = demo_proposals[job]
    spec = {j.job_id: j for j in demo_config().jobs}[job]
    lang = spec.language
    frag = FRAGMENTS[lang]
    claims = _words(frag["claim"], lang)
    star = _words([f for k in ("S", "T", "A", "R_quant", "R_plain") for f in frag[k]] + list(frag["metric"]) + list(
        frag["company"]), lang)
    topics = {d.name: _words(d.topics, lang) for d in spec.dimensions}
    kw = prop.keywords
    overall = kw[(kw.source == "answers") & (kw.dimension == "*") & (kw.language == lang)].set_index("term")
    # top performers quantify: numbers are the strongest marker; their other distinctive words come from
    # the STAR fragments and topics the simulator writes more often for competent candidates
    assert overall.loc["<num>", "z"] > 3
    significant = set(overall.index[overall.z >= 2.58]) - {"<num>"}
    assert significant and significant <= star | set().union(*topics.values())
    # words only empty claims use ("hard worker", "责任心") are used LESS by top performers
    claim_only = claims - star - set().union(*topics.values())
    assert (overall.reindex(sorted(claim_only)).z.dropna() < 0).all()
    # each dimension's specific vocabulary is its simulated topics
    for d in spec.dimension_names:
        s = kw[(kw.source == "dimension_specificity") & (kw.dimension == d) & (kw.language == lang)]
        assert set(s.head(5).term) <= topics[d], d
    assert prop.groups["n_top"] > 50


@pytest.mark.slow
def test_proposal_is_shown_side_by_side_and_never_overwrites(demo_proposals, tmp_path):
    prop = demo_proposals["product_manager"]
    sbs = prop.side_by_side()
    assert sbs.loc["version"].tolist() == ["2026Q1", "2026Q1-r1", True]
    assert bool(sbs.loc["product_sense.weight", "changed"])
    assert list(prop.to_frame().index) == list(prop.current.dimension_names)
    assert json.dumps(prop.to_records(), ensure_ascii=False)
    # accept writes a new file, once; an existing file (e.g. the current profile) is never replaced
    current = tmp_path / "product_manager.yaml"
    save_profile(prop.current, current)
    before = current.read_bytes()
    with pytest.raises(FileExistsError):
        accept(prop, current)
    written = accept(prop, tmp_path / "proposed")
    assert written.name == "product_manager@2026Q1-r1.yaml"
    assert load_profile(written) == prop.proposed
    with pytest.raises(FileExistsError):
        accept(prop, tmp_path / "proposed")
    assert current.read_bytes() == before


def test_derivation_errors_are_clear(dataset):
    from workbench.data import load

    with pytest.raises(ProfileError, match="job 'nope' has no profile"):
        derive_profile(load(dataset), "nope")


def test_resume_keywords_are_never_names_of_people_employers_or_schools():
    """Derivation reads every resume format and leaves out the resume's own proper names (issue 16)."""
    from workbench.data import load
    from workbench.parsing import parse_file, proper_name_terms

    data = load(DEMO)
    prop = derive_profile(data, "regional_sales_manager", n_boot=0, folds=3)
    terms = set(prop.keywords.loc[prop.keywords["source"] == "resumes", "term"])
    assert terms, "no resume keywords at all"
    cands = data.candidates
    files = [DEMO / p for p in cands.loc[cands["job_id"] == "regional_sales_manager", "resume_path"].dropna()]
    names = set().union(*(proper_name_terms(parse_file(f)) for f in files[:40]))
    assert names and not (terms & names)
    assert prop.groups["resumes_skipped"] == 0  # PDF and DOCX resumes are read too


# ---------------------------------------------------- the C loader reads the profiles the pure one read
def _yaml_files():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    return sorted({*root.glob("datasets/*/profiles/*.yaml"), *root.glob("workbench/**/*.yaml")})


@pytest.mark.parametrize("path", _yaml_files(), ids=lambda p: p.name)
def test_the_fast_loader_reads_what_safe_load_reads(path):
    from workbench.data.vocabulary import yaml_load

    text = path.read_text(encoding="utf-8")
    assert yaml_load(text) == yaml.safe_load(text)


def test_profiles_load_the_same_with_the_fast_loader():
    from workbench.data.vocabulary import _FAST_LOADER
    from workbench.data.provenance import demo_path

    assert _FAST_LOADER is getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in sorted((demo_path() / "profiles").glob("*.yaml")):
        assert load_profile(path) == profile_from_dict(yaml.safe_load(path.read_text(encoding="utf-8")),
                                                       source=str(path))


@pytest.mark.parametrize("text", ["job_id: [unclosed", "job_id: pm\n  version: [v1\n", "a: b: c", "- x\ny: 1"])
def test_broken_yaml_raises_the_pure_loaders_error(tmp_path, text):
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(yaml.YAMLError) as expected:
        yaml.safe_load(text)
    with pytest.raises(ProfileError) as got:
        load_profile(path)
    assert str(got.value) == f"{path}: not valid YAML ({expected.value})"
