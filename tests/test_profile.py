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
