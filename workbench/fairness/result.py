"""The audit result: tables, stages, CMH, gaps and DIF, and their JSON form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.fairness.common import ADJUSTMENT, AuditError, SMALL_CELL, _jsonable


# ------------------------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class AuditTable:
    """One LL144 table: ``rows`` indexed by group, as :func:`selection_rate_table` returns it."""

    attribute: str
    rows: pd.DataFrame
    kind: str = "selection_rate"
    median: float | None = None

    @property
    def reference(self) -> str | None:
        ref = self.rows.index[self.rows["reference"].to_numpy(bool)]
        return str(ref[0]) if len(ref) else None

    @property
    def flagged(self) -> list[str]:
        """Groups under the four-fifths line."""
        return [str(g) for g in self.rows.index[self.rows["four_fifths"].fillna(False).to_numpy(bool)]]

    @property
    def significant(self) -> list[str]:
        """Groups whose adjusted p-value is below alpha."""
        return [str(g) for g in self.rows.index[self.rows["significant"].fillna(False).to_numpy(bool)]]

    def to_dict(self, view: str = "auditor") -> dict[str, Any]:
        rows = []
        for group, r in self.rows.iterrows():
            row = {"group": str(group), **{k: _jsonable(v) for k, v in r.items()}}
            if view == "stakeholder" and min(row["n"], row["selected"], row["n"] - row["selected"]) < SMALL_CELL:
                for key in ("n", "selected", "rate", "impact_ratio", "z", "p_value", "p_adjusted", "ci_low",
                            "ci_high", "shortfall", "share"):
                    row[key] = None
                row["suppressed"] = True
            else:
                row["suppressed"] = False
            rows.append(row)
        out: dict[str, Any] = {"attribute": self.attribute, "kind": self.kind, "reference": self.reference,
                               "rows": rows}
        if self.median is not None:
            out["median"] = _jsonable(self.median)
        return out


def _stages(stages: Sequence[Mapping[str, Any]], view: str) -> list[dict[str, Any]]:
    """The stage tables; the stakeholder view suppresses every cell with a count under 5 (as the main tables)."""
    if view != "stakeholder":
        return [dict(s) for s in stages]
    out = []
    for stage in stages:
        rows = []
        for r in stage["rows"]:
            n, sel = r.get("n") or 0, r.get("selected") or 0
            small = min(n, sel, n - sel) < SMALL_CELL
            rows.append({**r, **({k: None for k in ("n", "selected", "rate", "impact_ratio", "p_adjusted")}
                                 if small else {}), "suppressed": bool(small)})
        out.append({**stage, "rows": rows})
    return out


def _coverage_lines(cover: Mapping[str, Any] | None, warnings: Sequence[str]) -> list[str]:
    """The coverage block in words, first in the summary: in scope, left out, then the warnings."""
    if not cover:
        return []
    left = cover.get("left_out", [])
    lines = [f"  coverage: {cover['applicants_in_scope']:,} applicants in scope"
             + ("; left out: " + ", ".join(f"{i['n']:,} {i['reason']}" for i in left) if left else "; none left out")]
    return lines + [f"  WARNING: {w}" for w in warnings]


@dataclass(frozen=True, eq=False)
class AuditResult:
    """The outcome of :func:`audit`. ``to_dict()`` gives the ``workbench audit --json`` document.

    Attributes
    ----------
    decision, population : str
        The decision audited and its population (``stage``: those who reached the stage; ``applicants``:
        all applicants, selected = reached and passed).
    job_id : str or None
    by : tuple of str
        The attributes, derived ones included (intersection, fine age bands).
    tables, scoring_rate_tables : tuple of AuditTable
    unknown : mapping attribute -> {n, selected, rate, share}
    stages : tuple of dict
        Per stage and attribute, the compact table rows.
    cmh : tuple of dict
        Cochran-Mantel-Haenszel per attribute and focal group across jobs.
    gaps, dif : DataFrame
        Score gaps (Cohen's d) per question / dimension and DIF per question, with job and attribute.
    screen : tuple of dict
        Emotion / facial-expression columns found.
    mitigation : dict or None
    notes : tuple of str
    meta : mapping
        n_applicants, jobs, period, profile_versions, alpha, level, min_share, adjustment, tool_version and
        ``coverage`` (:func:`workbench.fairness.coverage.coverage_of`: rows read/accepted/quarantined per
        table, applicants in scope, who was left out and why, unknowns by reason).
    warnings : tuple of str
        Plain-words warnings: applicants left out (over 1 %), unrecognised demographic values.
    """

    decision: str
    population: str
    job_id: str | None
    by: tuple[str, ...]
    tables: tuple[AuditTable, ...]
    scoring_rate_tables: tuple[AuditTable, ...]
    unknown: Mapping[str, Mapping[str, Any]]
    stages: tuple[Mapping[str, Any], ...]
    cmh: tuple[Mapping[str, Any], ...]
    gaps: pd.DataFrame
    dif: pd.DataFrame
    screen: tuple[Mapping[str, str], ...]
    mitigation: Mapping[str, Any] | None
    notes: tuple[str, ...]
    meta: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def table(self, attribute: str) -> AuditTable:
        """The selection-rate table of ``attribute``."""
        for t in self.tables:
            if t.attribute == attribute:
                return t
        raise KeyError(f"no table for {attribute!r} (have {', '.join(t.attribute for t in self.tables)})")

    def to_dict(self, view: str = "auditor") -> dict[str, Any]:
        """JSON-ready dict: the contract keys (decision, unknown, tables, scoring_rate_tables) and extras.

        ``view="stakeholder"`` suppresses counts, rates and tests of cells with a count under 5 (auditor
        view: everything).
        """
        if view not in ("auditor", "stakeholder"):
            raise AuditError(f"view must be 'auditor' or 'stakeholder', got {view!r}")
        unknown = {a: dict(u) for a, u in self.unknown.items()}
        if view == "stakeholder":
            for u in unknown.values():
                if 0 < u["n"] < SMALL_CELL or 0 < u["selected"] < SMALL_CELL:
                    u.update(n=None, selected=None, rate=None, suppressed=True)
        return _jsonable({
            "decision": self.decision,
            "unknown": unknown,
            "tables": [t.to_dict(view) for t in self.tables],
            "scoring_rate_tables": [t.to_dict(view) for t in self.scoring_rate_tables],
            "population": self.population,
            "job_id": self.job_id,
            "by": list(self.by),
            "view": view,
            "adjustment": ADJUSTMENT,
            "stages": _stages(self.stages, view),
            "cmh": list(self.cmh),
            "gaps": self.gaps.to_dict("records"),
            "dif": self.dif.to_dict("records"),
            "screen": list(self.screen),
            "mitigation": self.mitigation,
            "notes": list(self.notes),
            "warnings": list(self.warnings),
            "meta": dict(self.meta),
        })

    def summary(self) -> str:
        """Human-readable summary: per attribute the reference, flagged and significant groups; DIF hits."""
        m = self.meta
        lines = [f"Bias audit of {self.decision} ({self.population} population"
                 f"{', job ' + self.job_id if self.job_id else ''}): {m.get('n_applicants')} applicants, "
                 f"period {m.get('period', ['?', '?'])[0]} to {m.get('period', ['?', '?'])[1]}; "
                 f"p-values {ADJUSTMENT}-adjusted per table, alpha {m.get('alpha')}"]
        lines += _coverage_lines(m.get("coverage"), self.warnings)
        for t in self.tables:
            u = self.unknown.get(t.attribute, {})
            flagged = ", ".join(f"{g} ({t.rows.loc[g, 'impact_ratio']:.2f})" for g in t.flagged) or "none"
            sig = ", ".join(t.significant) or "none"
            lines.append(f"  {t.attribute}: reference {t.reference}; under 4/5: {flagged}; significant: {sig}; "
                         f"unknown {u.get('n', 0)}")
        for t in self.scoring_rate_tables:
            flagged = ", ".join(t.flagged) or "none"
            lines.append(f"  scoring rate (ai_score > median {t.median:.2f}) by {t.attribute}: under 4/5: {flagged}")
        if len(self.dif):
            hits = self.dif[self.dif["dif"] != "none"]
            if len(hits):
                lines.append("  DIF (question, group, uniform effect in rubric points):")
                lines += [f"    {r.job_id} {r.question_id} {r.attribute}={r.group}: {r.uniform:+.2f} "
                          f"(p_adj {r.uniform_p_adjusted:.2g}, {r.dif})" for r in hits.itertuples()]
            else:
                lines.append("  DIF: no question flagged")
        for s in self.screen:
            lines.append(f"  HIGH RISK INPUT {s['table']}.{s['column']}: {s['reason']}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


