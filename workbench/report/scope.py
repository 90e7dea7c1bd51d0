"""The unit and identity of the audit: the scopes audited (all jobs pooled, then each job), the auditor block
and the coverage block, as the reports show them.

- :func:`audit_scopes` runs :func:`workbench.fairness.audit` once pooled and once per job for each decision
  (a scope the data cannot support gets the audit's own error message instead);
- :func:`load_audit_info` reads the small YAML of ``--audit-info`` (auditor, organisation, independence
  statement, distribution date, data source kind); every field absent is "not stated", never invented.

Examples
--------
>>> info = audit_info({"auditor": "A. Auditor"})
>>> info["auditor"], info["independence"]
('A. Auditor', 'not stated')
>>> audit_info({"color": 1})
Traceback (most recent call last):
...
ValueError: unknown audit-info field(s): color (known: auditor, organisation, independence, distribution_date, data_kind, tool)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["AUDIT_INFO_FIELDS", "NOT_STATED", "audit_info", "audit_scopes", "coverage_context", "load_audit_info",
           "small_cell", "suppress_rates", "suppress_small", "suppress_stages"]

NOT_STATED = "not stated"
AUDIT_INFO_FIELDS = ("auditor", "organisation", "independence", "distribution_date", "data_kind", "tool")


def audit_info(values: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The auditor block: every field of :data:`AUDIT_INFO_FIELDS`, "not stated" when not given."""
    values = dict(values or {})
    unknown = sorted(set(values) - set(AUDIT_INFO_FIELDS))
    if unknown:
        raise ValueError(f"unknown audit-info field(s): {', '.join(unknown)} (known: {', '.join(AUDIT_INFO_FIELDS)})")
    return {k: (str(values[k]).strip() if values.get(k) not in (None, "") else NOT_STATED) for k in AUDIT_INFO_FIELDS}


def load_audit_info(path: str | Path | Mapping[str, Any] | None) -> dict[str, str]:
    """:func:`audit_info` of a YAML file (a mapping of the fields), of a mapping, or of nothing."""
    if path is None or isinstance(path, Mapping):
        return audit_info(path)
    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: the audit info must be a mapping of {', '.join(AUDIT_INFO_FIELDS)}")
    return audit_info(data)


def audit_scopes(dataset: Any, pooled: Mapping[str, Any], by: Sequence[str],
                 step: Callable[[str], None] | None = None, engine: Any = None
                 ) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Per-job audits beside the pooled ones: ``({"pooled": pooled, job: {decision: AuditResult}}, errors)``.

    With a single job the pooled audit is that job's, and no per-job audit is run. Per-job audits skip the
    score gaps and DIF (the pooled audit already computes them job by job). ``errors`` maps
    ``"job/decision"`` to the audit's reason when a job cannot be audited at a stage.
    """
    from workbench.fairness import AuditError, audit

    first = next(iter(pooled.values()))
    jobs = [str(j) for j in first.meta.get("jobs", [])]
    scopes: dict[str, dict[str, Any]] = {"pooled": dict(pooled)}
    errors: dict[str, str] = {}
    if len(jobs) < 2:
        return scopes, errors
    for job in jobs:
        scopes[job] = {}
        for decision in pooled:
            if step:
                step(f"audit {job} {decision}")
            try:
                scopes[job][decision] = audit(dataset, decision, by, job_id=job, skip_invalid=True, where_from=False,
                                                engine=engine)
            except AuditError as exc:
                errors[f"{job}/{decision}"] = str(exc)
    return scopes, errors


def coverage_context(result: Any) -> dict[str, Any]:
    """The coverage block of an audit (``meta["coverage"]``) and its warnings, for the first screen."""
    cover = dict(result.meta.get("coverage") or {})
    tables = cover.get("tables", {})
    return {"tables": tables, "in_scope": cover.get("applicants_in_scope"), "left_out": cover.get("left_out", []),
            "unknown_reasons": cover.get("unknown_reasons", {}), "warnings": list(result.warnings),
            "read": sum(t.get("read", 0) for t in tables.values()),
            "accepted": sum(t.get("accepted", 0) for t in tables.values()),
            "quarantined": sum(t.get("quarantined", 0) for t in tables.values())}


def suppress_stages(doc: dict[str, Any], small: int | None = None) -> dict[str, Any]:
    """The stakeholder view of the stage rows: counts, rates and tests of cells under ``small`` (default the
    audit's ``SMALL_CELL``, 5) emptied and marked ``suppressed``, as ``AuditTable.to_dict("stakeholder")`` does
    for the tables. ``doc`` is changed in place and returned.

    >>> d = {"stages": [{"rows": [{"n": 2, "selected": 1, "rate": .5, "impact_ratio": 1.0, "four_fifths": False,
    ...                           "p_adjusted": None}]}]}
    >>> suppress_stages(d)["stages"][0]["rows"][0]["n"], d["stages"][0]["rows"][0]["suppressed"]
    (None, True)
    """
    for stage in doc.get("stages", []):
        for r in stage["rows"]:
            n, sel = r.get("n"), r.get("selected")
            hide = sel is not None and small_cell(n, sel, small)
            if hide:
                r.update(n=None, selected=None, rate=None, impact_ratio=None, four_fifths=None, p_adjusted=None)
            r["suppressed"] = bool(hide or r.get("suppressed"))
    return doc


def small_cell(n: Any, selected: Any = None, small: int | None = None) -> bool:
    """Whether a cell of ``n`` candidates (``selected`` of them chosen) is under the suppression threshold
    (default the audit's ``SMALL_CELL``, 5): ``n``, ``selected`` or ``n - selected`` below it.

    >>> small_cell(40, 3), small_cell(40, 20), small_cell(4), small_cell(None)
    (True, False, True, False)
    """
    from workbench.fairness.common import SMALL_CELL

    small = SMALL_CELL if small is None else small
    if n is None:
        return False
    counts = [n] if selected is None else [n, selected, n - selected]
    return min(counts) < small


def suppress_small(doc: dict[str, Any], small: int | None = None) -> dict[str, Any]:
    """The stakeholder view of a whole ``AuditResult.to_dict`` document: the stage rows
    (:func:`suppress_stages`) and the score-gap rows of groups under ``small`` candidates (their n, effect,
    interval and test emptied and marked ``suppressed``). ``doc`` is changed in place and returned.

    >>> d = suppress_small({"stages": [], "gaps": [{"n": 3, "d": -0.9, "gap": True}, {"n": 50, "d": 0.1}]})
    >>> [(g["n"], g["suppressed"]) for g in d["gaps"]]
    [(None, True), (50, False)]
    """
    suppress_stages(doc, small)
    for g in doc.get("gaps", []):
        hide = small_cell(g.get("n"), small=small)
        if hide:
            g.update({k: None for k in ("n", "mean", "d", "ci_low", "ci_high", "p_value", "p_adjusted") if k in g},
                     gap=False)
        g["suppressed"] = bool(hide or g.get("suppressed"))
    return doc


def suppress_rates(rows: list[dict[str, Any]], rate_keys: Sequence[str], small: int | None = None) -> list[dict[str, Any]]:
    """Rows of per-group rates (``n`` and rates, as the weight proposal's impact-ratio table) with the rates
    and ratios of small cells emptied: a cell is small when ``n`` or the number selected or not selected at
    any of the ``rate_keys`` is under ``small``. New dicts; ``suppressed`` marks the emptied rows.

    >>> suppress_rates([{"n": 30, "current_rate": 0.1, "current_impact_ratio": 0.5}], ["current_rate"])
    [{'n': None, 'current_rate': None, 'current_impact_ratio': None, 'suppressed': True}]
    """
    out = []
    for r in rows:
        n = r.get("n")
        hide = small_cell(n, small=small) or (n is not None and any(
            small_cell(n, round(n * r[k]), small) for k in rate_keys if r.get(k) is not None))
        out.append({**r, **({k: None for k in r if k == "n" or "rate" in k or "ratio" in k} if hide else {}),
                    "suppressed": bool(hide)})
    return out
