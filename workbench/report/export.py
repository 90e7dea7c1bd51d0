"""Machine-readable exports of the audit tables: one CSV per table, one XLSX workbook, one JSON bundle.

Every exported number is the one :func:`workbench.fairness.audit` returned (``AuditResult.to_dict(view)``, so
the stakeholder view's suppressed cells are empty here too). File names are
``<scope>__<decision>__<kind>__<attribute>.csv`` (scope ``pooled`` or a job id; kind ``selection_rate``,
``scoring_rate``, ``stages`` or ``cmh``), listed in ``index.csv``.

Examples
--------
>>> import tempfile, json
>>> doc = {"decision": "ai_passed", "tables": [{"attribute": "gender", "rows": [{"group": "f", "n": 3}]}],
...        "scoring_rate_tables": [], "stages": [], "cmh": []}
>>> with tempfile.TemporaryDirectory() as d:
...     paths = write_exports({"pooled": {"ai_passed": doc}}, d, bundle={"findings": []})
...     sorted(p.name for p in paths)
['audit_bundle.json', 'audit_tables.xlsx', 'index.csv', 'pooled__ai_passed__selection_rate__gender.csv']
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["table_frames", "write_exports"]


def table_frames(docs: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, pd.DataFrame]:
    """Every table of every scope and decision as a DataFrame, keyed by its file stem."""
    out: dict[str, pd.DataFrame] = {}
    for scope, by_decision in docs.items():
        for i, (decision, doc) in enumerate(by_decision.items()):
            # the scoring rate and the stages do not depend on the decision: exported once, with the first
            kinds = (("selection_rate", "tables"), ("scoring_rate", "scoring_rate_tables"))[: 2 if i == 0 else 1]
            for kind, key in kinds:
                for t in doc.get(key, []):
                    out[f"{scope}__{decision}__{kind}__{t['attribute']}"] = pd.DataFrame(t["rows"])
            stages = [{"stage": s["stage"], "attribute": s["attribute"], **r} for s in doc.get("stages", [])
                      for r in s["rows"]] if i == 0 else []
            if stages:
                out[f"{scope}__{decision}__stages__all"] = pd.DataFrame(stages)
            if doc.get("cmh"):
                cmh = pd.DataFrame(doc["cmh"])
                if "jobs" in cmh:
                    cmh["jobs"] = cmh["jobs"].map(lambda j: ";".join(map(str, j)) if isinstance(j, list) else j)
                out[f"{scope}__{decision}__cmh__all"] = cmh
    return out


def _sheet_names(stems: list[str]) -> dict[str, str]:
    """Excel sheet names (31 characters at most, unique): T001, T002 ... (``index`` maps them to the stems)."""
    return {s: f"T{i:03d}" for i, s in enumerate(stems, 1)}


def write_exports(docs: Mapping[str, Mapping[str, Mapping[str, Any]]], out_dir: str | Path, *,
                  bundle: Mapping[str, Any] | None = None, xlsx: bool = True) -> list[Path]:
    """Write the CSV of every table, ``index.csv``, ``audit_tables.xlsx`` (``xlsx``) and ``audit_bundle.json``.

    Parameters
    ----------
    docs : mapping scope -> decision -> ``AuditResult.to_dict(view)``
    out_dir : str or Path
        Created if missing.
    bundle : mapping, optional
        Extra top-level entries of the JSON bundle (findings, audit info, provenance).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frames = table_frames(docs)
    sheets = _sheet_names(list(frames))
    paths = []
    for stem, frame in frames.items():
        path = out / f"{stem}.csv"
        frame.to_csv(path, index=False, encoding="utf-8")
        paths.append(path)
    index = pd.DataFrame([{"file": f"{s}.csv", "sheet": sheets[s], **dict(zip(("scope", "decision", "kind",
                                                                             "attribute"), s.split("__")))}
                          for s in frames])
    index.to_csv(out / "index.csv", index=False, encoding="utf-8")
    paths.append(out / "index.csv")
    if xlsx:
        with pd.ExcelWriter(out / "audit_tables.xlsx", engine="openpyxl") as writer:
            index.to_excel(writer, sheet_name="index", index=False)
            for stem, frame in frames.items():
                frame.to_excel(writer, sheet_name=sheets[stem], index=False)
        paths.append(out / "audit_tables.xlsx")
    doc = {**dict(bundle or {}), "audits": docs}
    path = out / "audit_bundle.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return [*paths, path]
