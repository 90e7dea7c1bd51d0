"""What a result is computed on: rows read, accepted and quarantined per table, and plain-words warnings.

Every analysis (review, audit, model, report) starts its output with this block, so a reader sees first how
much of the data was used. :func:`table_coverage` counts the tables of a loaded dataset (or of in-memory
tables, which count as read = accepted); :func:`coverage_warnings` says when more than 1 % of a table's rows
(the candidates above all: every one is an applicant) were left out, and when cells were set to unknown.

Examples
--------
>>> import pandas as pd
>>> block = table_coverage({"candidates": pd.DataFrame({"candidate_id": ["a", "b"]})})
>>> block["candidates"]
{'read': 2, 'accepted': 2, 'quarantined': 0, 'cells_set_to_unknown': 0}
>>> coverage_warnings({"candidates": {"read": 100, "accepted": 95, "quarantined": 5, "cells_set_to_unknown": 2}})
['candidates: 5 of 100 rows (5.0%) were quarantined and are left out of every analysis (see the quarantine)', 'candidates: 2 cells set to unknown (unrecognised values; the rows are kept)']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["LEFT_OUT_WARN_SHARE", "coverage_warnings", "table_coverage"]

#: Warn when more than this share of the applicants (or of a table's rows, or of a known group) is left out.
LEFT_OUT_WARN_SHARE = 0.01


def table_coverage(dataset: Any) -> dict[str, dict[str, int]]:
    """Per table: ``read``, ``accepted``, ``quarantined`` (rows left out), ``cells_set_to_unknown``."""
    report = getattr(dataset, "report", None)
    if report is not None:
        return {name: {"read": c.rows, "accepted": c.accepted, "quarantined": c.rejected,
                       "cells_set_to_unknown": getattr(c, "cells_quarantined", 0)} for name, c in report.tables.items()}
    tables = dataset if isinstance(dataset, Mapping) else {}
    return {str(name): {"read": int(len(t)), "accepted": int(len(t)), "quarantined": 0, "cells_set_to_unknown": 0}
            for name, t in tables.items() if hasattr(t, "__len__")}


def coverage_warnings(tables: Mapping[str, Mapping[str, int]]) -> list[str]:
    """Plain-words warnings for tables with more than 1 % of their rows left out, and for unknown cells."""
    out = []
    for name, c in tables.items():
        if c["read"] and c["quarantined"] / c["read"] > LEFT_OUT_WARN_SHARE:
            out.append(f"{name}: {c['quarantined']:,} of {c['read']:,} rows ({c['quarantined'] / c['read']:.1%}) "
                       "were quarantined and are left out of every analysis (see the quarantine)")
        if c.get("cells_set_to_unknown"):
            out.append(f"{name}: {c['cells_set_to_unknown']:,} cells set to unknown (unrecognised values; the rows "
                       "are kept)")
    return out
