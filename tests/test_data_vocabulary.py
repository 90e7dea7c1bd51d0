"""Values as HR systems write them: the vocabulary, the cell-level quarantine and an audit that loses nobody.

The expected values below are written from the categories' own definitions (EEO-1 Component 1 race/ethnicity
names; gender and 学历 as HR systems record them), not read back from vocabulary.yaml.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.data import load, validate_dataset
from workbench.data.vocabulary import Vocabulary, key, map_booleans, map_values
from workbench.fairness import audit
from workbench.simulate import simulate, small_config, write_simulation

SPELLINGS = [
    # race_ethnicity: the EEO-1 names exactly as the EEOC writes them, and usual variants
    ("race_ethnicity", "Hispanic or Latino", "hispanic_or_latino"),
    ("race_ethnicity", "Latino/a", "hispanic_or_latino"),
    ("race_ethnicity", "Latinx", "hispanic_or_latino"),
    ("race_ethnicity", "HISPANIC", "hispanic_or_latino"),
    ("race_ethnicity", "White", "white"),
    ("race_ethnicity", "Black or African American", "black_or_african_american"),
    ("race_ethnicity", "Black", "black_or_african_american"),
    ("race_ethnicity", "african-american", "black_or_african_american"),
    ("race_ethnicity", "Native Hawaiian or Other Pacific Islander", "native_hawaiian_or_pacific_islander"),
    ("race_ethnicity", "Pacific Islander", "native_hawaiian_or_pacific_islander"),
    ("race_ethnicity", "Asian", "asian"),
    ("race_ethnicity", "亚裔", "asian"),
    ("race_ethnicity", "American Indian or Alaska Native", "native_american_or_alaska_native"),
    ("race_ethnicity", "Native American", "native_american_or_alaska_native"),
    ("race_ethnicity", "Two or More Races", "two_or_more_races"),
    ("race_ethnicity", "Multiracial", "two_or_more_races"),
    ("race_ethnicity", "two_or_more_races", "two_or_more_races"),
    ("race_ethnicity", " white ", "white"),
    # gender
    ("gender", "Female", "female"), ("gender", "F", "female"), ("gender", "Woman", "female"),
    ("gender", "女", "female"), ("gender", "女性", "female"), ("gender", "Ｆｅｍａｌｅ", "female"),
    ("gender", "Male", "male"), ("gender", "m", "male"), ("gender", "Man", "male"), ("gender", "男", "male"),
    ("gender", "男性", "male"), ("gender", "Non-binary", "nonbinary"), ("gender", "Nonbinary", "nonbinary"),
    ("gender", "非二元", "nonbinary"),
    # education
    ("education", "Bachelor's", "bachelor"), ("education", "BA", "bachelor"), ("education", "BSc", "bachelor"),
    ("education", "B.S.", "bachelor"), ("education", "本科", "bachelor"), ("education", "学士", "bachelor"),
    ("education", "大专", "associate"), ("education", "专科", "associate"), ("education", "Associate degree", "associate"),
    ("education", "硕士", "master"), ("education", "研究生", "master"), ("education", "MBA", "master"),
    ("education", "Master's degree", "master"), ("education", "博士", "doctorate"), ("education", "PhD", "doctorate"),
    ("education", "Ph.D.", "doctorate"), ("education", "高中", "high_school"), ("education", "中专", "high_school"),
    ("education", "High School Diploma", "high_school"), ("education", "初中及以下", "below_high_school"),
    ("education", "Less than high school", "below_high_school"),
    # question kinds
    ("kind", "Behavioural", "behavioral"), ("kind", "情景", "situational"),
    # answers.assignment: how hints were assigned (a randomised holdout, or shown whenever the trigger fired)
    ("assignment", "random", "random"), ("assignment", "Randomised", "random"), ("assignment", "randomized", "random"),
    ("assignment", "Holdout", "random"), ("assignment", "hold-out", "random"), ("assignment", "随机", "random"),
    ("assignment", "随机对照", "random"), ("assignment", "triggered", "triggered"),
    ("assignment", "Observational", "triggered"), ("assignment", "trigger", "triggered"),
    ("assignment", "触发", "triggered"), ("assignment", "触发式", "triggered"),
]
UNKNOWN_WORDS = ["Prefer not to say", "Decline to self-identify", "未填写", "不愿透露", "", "  ", "N/A"]
BOOLEANS = [("通过", True), ("未通过", False), ("是", True), ("否", False), ("合格", True), ("不合格", False),
            ("Y", True), ("N", False), ("pass", True), ("FAIL", False), ("true", True), ("0", False)]


def test_the_corpus_is_large_enough():
    assert len(SPELLINGS) + len(UNKNOWN_WORDS) + len(BOOLEANS) >= 60
    assert any("\u4e00" <= ch <= "\u9fff" for _, raw, _ in SPELLINGS for ch in raw)


@pytest.mark.parametrize(("column", "raw", "expected"), SPELLINGS)
def test_spellings_map_to_the_contract_value(column, raw, expected):
    values, status = map_values(column, pd.Series([raw]))
    assert values.tolist() == [expected]
    assert status[0] == ("exact" if raw.strip() == expected else "mapped")  # surrounding spaces are not a spelling


@pytest.mark.parametrize("raw", UNKNOWN_WORDS)
@pytest.mark.parametrize("column", ["gender", "race_ethnicity", "education"])
def test_non_disclosure_is_an_explicit_unknown(column, raw):
    values, status = map_values(column, pd.Series([raw]))
    assert values.tolist() == [None] and status.tolist() == ["unknown"]


@pytest.mark.parametrize(("raw", "expected"), BOOLEANS)
def test_pass_fail_words_are_booleans(raw, expected):
    assert map_booleans(pd.Series([raw]))[0].tolist() == [expected]


@pytest.mark.parametrize(("column", "raw"), [("gender", "Martian"), ("race_ethnicity", "Klingon"),
                                             ("education", "kindergarten PhD-ish"), ("assignment", "sometimes"),
                                             ("assignment", "A/B")])
def test_unrecognised_values_are_said_so(column, raw):
    assert map_values(column, pd.Series([raw]))[1].tolist() == ["unrecognised"]


def test_every_assignment_value_of_the_contract_has_spellings():
    from workbench.data.schema import HINT_ASSIGNMENTS, TABLE_BY_NAME
    from workbench.data.vocabulary import load_vocabulary

    vocab = load_vocabulary()
    column = TABLE_BY_NAME["answers"].column("assignment")
    assert column.kind == "category" and column.soft and column.choices == HINT_ASSIGNMENTS
    targets = vocab.values_of("assignment")
    for value in HINT_ASSIGNMENTS:  # each value is reached by more than its own spelling
        assert sum(v == value for v in targets.values()) > 2, value
    assert tuple(map(int, vocab.version.split("."))) >= (2026, 12, 2)  # the release that added the category


def test_a_vocabulary_that_maps_one_spelling_twice_is_refused():
    with pytest.raises(ValueError, match="maps to both"):
        Vocabulary({"columns": {"gender": {"female": ["x"], "male": ["X"]}}})
    assert key("Black/African-American") == key("black african american")


# ------------------------------------------------------------------------------- an export as HR writes it

EEO1 = {"hispanic_or_latino": "Hispanic or Latino", "white": "White", "black_or_african_american":
        "Black or African American", "native_hawaiian_or_pacific_islander": "Native Hawaiian or Other Pacific Islander",
        "asian": "Asian", "native_american_or_alaska_native": "American Indian or Alaska Native",
        "two_or_more_races": "Two or More Races"}
GENDER = {"female": "Female", "male": "男", "nonbinary": "Non-binary"}
EDUCATION = {"high_school": "高中", "associate": "大专", "bachelor": "Bachelor's", "master": "硕士",
             "doctorate": "PhD"}


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    """A simulated dataset whose candidates file spells every demographic as an HR export does."""
    folder = tmp_path_factory.mktemp("export")
    write_simulation(simulate(small_config(n_candidates=1500, seed=11, answer_texts=False, resume_files=(0, 0, 0))),
                     folder)
    cands = pd.read_csv(folder / "candidates.csv", dtype=str, keep_default_na=False)
    contract = cands.copy()
    cands["race_ethnicity"] = cands["race_ethnicity"].map(lambda v: EEO1.get(v, "Decline to self-identify"))
    cands["gender"] = cands["gender"].map(lambda v: GENDER.get(v, "Prefer not to say"))
    cands["education"] = cands["education"].map(lambda v: EDUCATION.get(v, "未填写"))
    cands.to_csv(folder / "candidates.csv", index=False)
    return folder, contract, cands


def test_an_export_with_standard_names_validates_ok_and_lists_the_mappings(export):
    folder, _, raw = export
    report = validate_dataset(folder)
    assert report.ok, [str(e) for e in report.errors[:5]]
    assert report.tables["candidates"].accepted == len(raw) and not report.cells
    mapped = {(m["column"], m["raw"]): (m["value"], m["count"]) for m in report.to_dict()["mapped_values"]}
    assert mapped[("race_ethnicity", "Black or African American")][0] == "black_or_african_american"
    assert mapped[("race_ethnicity", "Black or African American")][1] == int((raw["race_ethnicity"]
                                                                            == "Black or African American").sum())
    assert mapped[("gender", "男")][0] == "male" and mapped[("education", "硕士")][0] == "master"


def test_the_audit_counts_every_applicant_in_their_group(export):
    folder, contract, raw = export
    res = audit(load(folder), by=("race_ethnicity", "gender"), where_from=False)
    ai = pd.read_csv(folder / "ai_decisions.csv", dtype=str)
    in_scope = raw[raw["candidate_id"].isin(ai["candidate_id"])]
    assert res.meta["n_applicants"] == len(in_scope) == len(raw)
    for attribute, spelled in (("race_ethnicity", EEO1), ("gender", GENDER)):
        rows = res.table(attribute).rows
        back = {v: k for k, v in spelled.items()}
        expected = in_scope[attribute].map(back).fillna("Unknown").value_counts()
        assert rows["n"].astype(int).to_dict() == expected.to_dict()
        assert int(rows["n"].sum()) == len(in_scope)  # nobody lost
        assert res.unknown[attribute]["reasons"]["unrecognised"] == 0
    assert set(res.table("race_ethnicity").rows.index) >= {"black_or_african_american", "hispanic_or_latino"}


def test_unrecognised_gender_values_keep_every_applicant_and_warn(export, tmp_path):
    folder, _, raw = export
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    cands = raw.copy()
    rng = np.random.default_rng(0)
    odd = rng.random(len(cands)) < 0.05
    cands.loc[odd, "gender"] = rng.choice(["Martian", "???", "unspecified-ish"], int(odd.sum()))
    cands.to_csv(copy / "candidates.csv", index=False)
    report = validate_dataset(copy)
    assert report.ok and report.tables["candidates"].cells_quarantined == int(odd.sum())
    assert any("gender" in w and "set to unknown" in w for w in report.warnings)
    res = audit(load(copy), by=("gender",), where_from=False)
    rows = res.table("gender").rows
    assert int(rows["n"].sum()) == len(cands) == res.meta["n_applicants"]
    assert res.unknown["gender"]["reasons"]["unrecognised"] == int(odd.sum())
    assert any("unrecognised" in w for w in res.warnings)
    assert "WARNING" in res.summary()


def test_validate_json_on_the_export(export):
    folder, _, _ = export
    result = CliRunner().invoke(app, ["validate", str(folder), "--json"])
    doc = json.loads(result.stdout)
    assert doc["ok"] is True and doc["errors_total"] == 0 and doc["mapped_values"]
    assert doc["vocabulary_version"]


def test_a_chinese_hr_export_with_banner_totals_serial_dates_and_birth_dates(tmp_path):
    """An EHR-style CSV: a title row above the header, a totals row, Excel serial dates, 出生日期 instead of age,
    Chinese values and a name column. Validated through the zh_hr mapping: nothing lost, ages computed, names
    pseudonymised, and every mapped value listed."""
    import shutil

    from conftest import PROFILES, TABLES

    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "profiles").mkdir()
    for job, text in PROFILES.items():
        (folder / "profiles" / f"{job}.yaml").write_text(text, encoding="utf-8")
    for name in ("questions", "answers", "ai_decisions", "final_rounds", "outcomes"):
        (folder / f"{name}.csv").write_text(TABLES[name], encoding="utf-8")
    # 45296 = 2024-01-05 (1900 system: 45292 = 2024-01-01); 出生日期 1993-02-10 -> 30 at 2024-01-05
    rows = [("C1", "张伟", "sales", "45296", "女", "1993-02-10", "本科", "6.5"),
            ("C2", "李娜", "sales", "45297", "男性", "1998年3月1日", "硕士", "3"),
            ("C3", "王芳", "sales", "2024/1/7", "不愿透露", "1979-01-01", "未填写", "20"),
            ("C4", "Ana Lima", "pm", "2024-02-01", "Non-binary", "", "博士", "2"),
            ("C5", "Bo Chen", "pm", "2024-02-02", "F", "1989-12-31", "大专", "9")]
    lines = ["2024年第一季度候选人导出（钉钉人事）,,,,,,,",
             "候选人编号,姓名,应聘岗位,投递日期,性别,出生日期,最高学历,工作经验"]
    lines += [",".join(r) for r in rows] + ["合计,5,,,,,,"]
    (folder / "candidates.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = validate_dataset(folder, mapping="zh_hr")
    assert report.ok, [str(e) for e in report.errors[:5]]
    assert report.tables["candidates"].accepted == 5
    data = load_with_mapping(folder)
    cands = data.candidates.set_index("candidate_id")
    assert cands.loc["C1", "applied_at"] == pd.Timestamp("2024-01-05") and int(cands.loc["C1", "age"]) == 30
    assert int(cands.loc["C3", "age"]) == 45 and pd.isna(cands.loc["C4", "age"])
    assert cands["gender"].tolist() == ["female", "male", None, "nonbinary", "female"] or \
        cands["gender"].fillna("?").tolist() == ["female", "male", "?", "nonbinary", "female"]
    assert "张伟" not in cands.to_csv() and any("pseudonymised" in n for n in report.notes)
    mapped = {(m["column"], m["raw"]) for m in report.mapped_values}
    assert {("gender", "女"), ("education", "本科"), ("education", "大专")} <= mapped
    shutil.rmtree(folder)


def load_with_mapping(folder):
    """A dataset imported through the zh_hr mapping, as `workbench import --mapping zh_hr` stores it."""
    from workbench.data import import_files

    into = folder.parent / "imported"
    import_files(sorted(folder.glob("*.csv")) + sorted((folder / "profiles").glob("*.yaml")), into, mapping="zh_hr")
    return load(into)
