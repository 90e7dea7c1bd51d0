"""Job profile YAML: the contract's reader and writer (validated), by job_id from a folder.

Part of the data contract: :mod:`workbench.data.validate` and :mod:`workbench.data.store` read profiles
without importing a loop stage. :mod:`workbench.profile` re-exports these names.

Examples
--------
>>> import tempfile, pathlib
>>> text = '''
... job_id: pm
... version: v1
... threshold: 3.2
... dimensions:
...   - {name: product_sense, weight: 0.5, keywords: {en: [roadmap]}}
...   - {name: execution, weight: 0.5}
... '''
>>> p = profile_from_dict(__import__("yaml").safe_load(text))
>>> p.weights
{'product_sense': 0.5, 'execution': 0.5}
>>> path = pathlib.Path(tempfile.mkdtemp()) / "pm.yaml"
>>> save_profile(p, path); load_profile(path) == p
True
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from workbench.data.vocabulary import yaml_load
from workbench.records import Dimension, JobProfile, ProfileError

__all__ = ["as_profile", "load_profile", "load_profiles", "profile_from_dict", "profile_to_dict", "save_profile"]

_TOP_KEYS = {"job_id", "version", "threshold", "dimensions", "title", "language"}
_DIM_KEYS = {"name", "weight", "keywords", "description"}


def profile_from_dict(data: Mapping[str, Any], *, source: str = "profile") -> JobProfile:
    """Build a validated :class:`JobProfile` from parsed YAML; errors name ``source`` and the field."""
    if not isinstance(data, Mapping):
        raise ProfileError(f"{source}: expected a mapping at the top level")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ProfileError(f"{source}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("job_id", "version", "threshold", "dimensions"):
        if key not in data:
            raise ProfileError(f"{source}: missing required key {key!r}")
    raw_dims = data["dimensions"]
    if not isinstance(raw_dims, list):
        raise ProfileError(f"{source}: dimensions must be a list")
    dims = []
    for i, raw in enumerate(raw_dims):
        if not isinstance(raw, Mapping) or "name" not in raw or "weight" not in raw:
            raise ProfileError(f"{source}: dimensions[{i}] needs at least name and weight")
        extra = set(raw) - _DIM_KEYS
        if extra:
            raise ProfileError(f"{source}: dimensions[{i}] has unknown key(s) {', '.join(sorted(extra))}")
        try:
            dims.append(
                Dimension(
                    name=raw["name"],
                    weight=raw["weight"],
                    keywords=raw.get("keywords") or {},
                    description=str(raw.get("description") or "").strip(),
                )
            )
        except ProfileError as exc:
            raise ProfileError(f"{source}: dimensions[{i}]: {exc}") from None
    try:
        return JobProfile(
            job_id=data["job_id"],
            version=data["version"],
            threshold=data["threshold"],
            dimensions=tuple(dims),
            title=str(data.get("title") or ""),
            language=str(data.get("language") or "en"),
        )
    except ProfileError as exc:
        raise ProfileError(f"{source}: {exc}") from None


def profile_to_dict(profile: JobProfile) -> dict[str, Any]:
    """The YAML-ready mapping of a profile (inverse of :func:`profile_from_dict`)."""
    out: dict[str, Any] = {"job_id": profile.job_id, "version": profile.version}
    if profile.title:
        out["title"] = profile.title
    out["language"] = profile.language
    out["threshold"] = profile.threshold
    out["dimensions"] = [
        {
            "name": d.name,
            "weight": d.weight,
            "keywords": {lang: list(words) for lang, words in d.keywords.items()},
            **({"description": d.description} if d.description else {}),
        }
        for d in profile.dimensions
    ]
    return out


def load_profile(path: str | Path) -> JobProfile:
    """Read and validate a profile YAML file."""
    path = Path(path)
    try:
        data = yaml_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path}: not valid YAML ({exc})") from None
    return profile_from_dict(data, source=str(path))


def save_profile(profile: JobProfile, path: str | Path) -> None:
    """Write a profile as UTF-8 YAML (Chinese kept readable)."""
    Path(path).write_text(
        yaml.safe_dump(profile_to_dict(profile), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )


def load_profiles(folder: str | Path) -> dict[str, JobProfile]:
    """All ``*.yaml`` profiles of a folder, by job_id; the file stem must equal the job_id."""
    profiles: dict[str, JobProfile] = {}
    for path in sorted(Path(folder).glob("*.y*ml")):
        prof = load_profile(path)
        if prof.job_id != path.stem:
            raise ProfileError(f"{path}: job_id {prof.job_id!r} does not match the file name")
        profiles[prof.job_id] = prof
    return profiles


def as_profile(profile: Any) -> JobProfile | None:
    """A :class:`JobProfile` as given, read from a YAML path, or (a bare name) the demo dataset's profile.

    Examples
    --------
    >>> as_profile("product_manager").job_id, as_profile(None)
    ('product_manager', None)
    """
    if profile is None or isinstance(profile, JobProfile):
        return profile
    from workbench.data.provenance import demo_path

    path = Path(profile)
    if not path.suffix:
        demo = demo_path() / "profiles" / f"{profile}.yaml"
        path = demo if demo.is_file() else path
    return load_profile(path)
