"""Findings of the audit tables, per scope (all jobs pooled, then each job) and stage; nothing recomputed.

The findings read what :func:`workbench.fairness.audit` returned (``AuditResult.to_dict(view)``): every rated
row under the four-fifths line, in the selection-rate tables of every stage, the scoring-rate tables and the
whole process (hired among all applicants), each naming its job (or "all jobs pooled"), stage, attribute and
group, with its impact ratio and whether its Holm-adjusted p is under alpha. Suppressed rows of the
stakeholder view give no finding.

Examples
--------
>>> doc = {"tables": [{"attribute": "gender", "rows": [
...     {"group": "female", "impact_ratio": 0.75, "four_fifths": True, "significant": True, "p_adjusted": 0.001,
...      "suppressed": False}]}], "scoring_rate_tables": [], "stages": [], "meta": {"alpha": 0.05}}
>>> f = scope_findings("product_manager", {"ai_passed": doc})
>>> f[0]["text"]
'Job: product_manager, AI interview, Sex/gender = Female: impact ratio 0.75 (below 0.80), significant (Holm-adjusted p = 0.001)'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workbench.report.labels import attribute_label, group_label, scope_label, stage_label, ui_label

__all__ = ["cmh_statement", "finding_text", "scope_findings"]

def finding_text(f: Mapping[str, Any], lang: str = "en") -> str:
    """One finding in words (job, stage, attribute = group: impact ratio, significance), worded by the
    ``finding*`` labels of ``labels.yaml``.

    >>> finding_text({"scope": "pooled", "stage": "hired", "kind": "scoring_rate", "attribute": "gender",
    ...               "group": "female", "impact_ratio": 0.5, "significant": False, "p_adjusted": None}, "zh")
    '所有职位合并（跨职位使用的自动化招聘决策工具），录用（评分率），性别 = 女性：影响比 0.50（低于 0.80），差异不显著'
    """
    stage = stage_label(f["stage"], lang)
    if f["kind"] == "scoring_rate":
        stage = ui_label("finding_scoring_stage", lang, stage=stage)
    p = f.get("p_adjusted")
    sig = ui_label("finding_sig" if f.get("significant") else "finding_nsig", lang)
    sig += ui_label("finding_p", lang, p=f"{p:.2g}") if isinstance(p, float) else ""
    ratio = f["impact_ratio"]
    shown = f"{ratio:.2f}" if round(ratio, 2) < 0.8 else f"{ratio:.3f}"  # 0.796 is not "0.80 (below 0.80)"
    return ui_label("finding", lang, scope=scope_label(f["scope"], lang), stage=stage,
                    attribute=attribute_label(f["attribute"], lang), group=group_label(f["group"], lang),
                    ratio=shown, significance=sig)


def _rows(scope: str, stage: str, kind: str, table: Mapping[str, Any], alpha: float) -> list[dict[str, Any]]:
    out = []
    for r in table["rows"]:
        if not r.get("four_fifths") or r.get("suppressed") or r.get("impact_ratio") is None:
            continue
        p = r.get("p_adjusted")
        sig = r["significant"] if "significant" in r else (p is not None and p < alpha)
        out.append({"scope": scope, "stage": stage, "kind": kind, "attribute": table["attribute"],
                    "group": r["group"], "impact_ratio": r["impact_ratio"], "p_adjusted": p,
                    "significant": bool(sig)})
    return out


def scope_findings(scope: str, docs: Mapping[str, Mapping[str, Any]], lang: str = "en") -> list[dict[str, Any]]:
    """Findings of one scope: ``docs`` maps each decision to its ``AuditResult.to_dict(view)``.

    The scoring-rate tables and the whole process are read from the first decision's document (they do not
    depend on the decision audited).
    """
    out: list[dict[str, Any]] = []
    for i, (decision, doc) in enumerate(docs.items()):
        alpha = float(doc.get("meta", {}).get("alpha", 0.05))
        for t in doc["tables"]:
            out += _rows(scope, decision, "selection_rate", t, alpha)
        if i == 0:
            for t in doc.get("scoring_rate_tables", []):
                out += _rows(scope, decision, "scoring_rate", t, alpha)
            for s in doc.get("stages", []):
                if s["stage"] == "whole_process":
                    out += _rows(scope, "whole_process", "selection_rate", s, alpha)
    for f in out:
        f["text"] = finding_text(f, lang)
    return out


def cmh_statement(doc: Mapping[str, Any], lang: str = "en") -> str | None:
    """Why the CMH table across jobs is absent (``None`` when it is there).

    >>> cmh_statement({"cmh": [], "meta": {"jobs": ["pm"]}})
    'The Cochran–Mantel–Haenszel test across jobs cannot be computed: the data hold a single job (pm).'
    """
    if doc.get("cmh"):
        return None
    jobs = list(doc.get("meta", {}).get("jobs") or [])
    if len(jobs) < 2:
        return ui_label("cmh_single_job", lang, jobs=ui_label("list_sep", lang).join(jobs) or ui_label("none", lang))
    return ui_label("cmh_no_reference", lang)
