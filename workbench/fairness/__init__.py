"""Bias audit: NYC Local Law 144 tables, significance, and where an adverse impact comes from.

The audit answers three questions about a hiring decision (``ai_passed``, ``final_passed`` or ``hired``):

1. **Is there an adverse impact?** Per attribute (gender, race/ethnicity, their intersection, age band with
   ``40+`` as in US law and finer bands, education) an LL144 table (6 RCNY 5-301): n, selected, selection
   rate = selected / n, impact ratio = rate / highest rate, the four-fifths flag (ratio < 0.80, 29 CFR
   1607.4(D)), a pooled two-proportion z test against the top group (Fisher's exact test instead when an
   expected cell count is under 5; the row says which), the Katz log confidence interval of the ratio,
   p-values adjusted across the table (Holm, family-wise), the shortfall (selections the group lacks for
   parity) and whether one changed selection flips the conclusion. Missing demographics form an explicit
   ``Unknown`` group: counted and reported, left out of every ratio. Categories under 2 % of the known
   applicants are listed with their rate but left out of the ratios, with the reason (6 RCNY 5-301(d)).
   The LL144 scoring-rate table does the same for the AI score: the share scoring above the median of all
   applicants.
2. **At which stage, and consistently across jobs?** The same tables for the AI interview, the final round
   (among finalists: range-restricted), the hire (among those offered) and the whole process (hired among
   all applicants), and a Cochran-Mantel-Haenszel test per group across jobs.
3. **Where does it come from?** Score gaps per question and per dimension (Cohen's d with CI) and
   differential item functioning (DIF) per question: a linear regression of the question score on the
   candidate's rest score (mean of the job's other questions) and the group; the group coefficient is
   uniform DIF, the group x rest-score interaction non-uniform DIF. Question scores are continuous on the
   1-5 rubric (0.1 steps), hence linear rather than logistic/ordinal regression. The rest score is purified
   once (flagged questions are dropped from the matching score and the model refitted).

Everything is computed from counts per group: rows are aggregated first (in numpy, or by an engine:
:mod:`workbench.engine`) and the rates are selected / n of the cells (the tests check them against fairlearn's
:class:`~fairlearn.metrics.MetricFrame` on the raw rows), so a million candidates audit in seconds.
Mitigation is a diagnostic only (:func:`mitigation_diagnostic`, :func:`threshold_diagnostic`; group-specific
thresholds are unlawful in US hiring, 42 U.S.C. 2000e-2(l)).
:func:`screen_high_risk_inputs` flags emotion / facial-expression data (EU AI Act Art. 5(1)(f)).
Protected attributes are used for auditing only, never as model features.

Examples
--------
>>> import numpy as np, pandas as pd
>>> tab = selection_rate_table([1, 0, 1, 0], ["m", "m", "f", "f"], sample_weight=[60, 40, 40, 60])
>>> tab[["rate", "impact_ratio", "four_fifths"]].round(3).to_dict("index")
{'f': {'rate': 0.4, 'impact_ratio': 0.667, 'four_fifths': True}, 'm': {'rate': 0.6, 'impact_ratio': 1.0, 'four_fifths': False}}
"""

from __future__ import annotations

from workbench.fairness.common import AuditError, MIN_SHARE, UnlawfulThresholdWarning, impact_ratio_table
from workbench.fairness.result import AuditResult, AuditTable
from workbench.fairness.audit import audit
from workbench.fairness.tables import cmh_test, selection_rate_table
from workbench.fairness.where_from import cohens_d, dif_table, score_gap_table
from workbench.fairness.mitigation import mitigation_diagnostic, threshold_diagnostic
from workbench.fairness.screening import screen_high_risk_inputs
from workbench.data.groups import AGE_BANDS, AGE_BANDS_FINE, ATTRIBUTES, DECISIONS, UNKNOWN, group_labels
from workbench.metrics.multiplicity import holm
from workbench.metrics.proportions import katz_ci, two_proportion_z, wilson_ci

__all__ = [
    "AGE_BANDS",
    "AGE_BANDS_FINE",
    "ATTRIBUTES",
    "DECISIONS",
    "UNKNOWN",
    "AuditError",
    "AuditResult",
    "AuditTable",
    "UnlawfulThresholdWarning",
    "audit",
    "cmh_test",
    "cohens_d",
    "dif_table",
    "group_labels",
    "holm",
    "impact_ratio_table",
    "katz_ci",
    "mitigation_diagnostic",
    "score_gap_table",
    "screen_high_risk_inputs",
    "selection_rate_table",
    "threshold_diagnostic",
    "two_proportion_z",
    "wilson_ci",
]
