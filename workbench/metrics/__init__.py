"""Small pure statistics, each implemented once: correlation, multiplicity (Holm, BH), proportions (z, Katz,
Wilson), selection (the LL144 impact ratio), ranking (AUC) and the bootstrap resampler. They import no other
workbench module.

Examples
--------
>>> from workbench.metrics import auc, holm
>>> auc([0, 1], [0.2, 0.9]), holm([0.02, 0.04]).tolist()
(1.0, [0.04, 0.04])
"""
from workbench.metrics.correlation import correlate_columns, pearson_r
from workbench.metrics.multiplicity import benjamini_hochberg, bh, holm, holm_multiplier
from workbench.metrics.proportions import katz_ci, two_proportion_z, wilson_ci
from workbench.metrics.ranking import auc, auc_columns
from workbench.metrics.selection import FOUR_FIFTHS, ImpactRatios, impact_ratios

__all__ = ["auc", "auc_columns", "bh", "benjamini_hochberg", "correlate_columns", "FOUR_FIFTHS", "holm", "holm_multiplier",
           "ImpactRatios", "impact_ratios", "katz_ci", "pearson_r", "two_proportion_z", "wilson_ci"]
