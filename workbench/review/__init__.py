"""The data-review loop: validity of questions against later criteria, weights, cross-round checks.

:mod:`workbench.review.stats` holds the statistical core (correlations, range-restriction corrections,
multiplicity adjustments, the candidate bootstrap); validity tables and weights build on it. Its public
names are re-exported here.
"""

from workbench.review import stats
from workbench.review.stats import *  # noqa: F403  (the names listed in stats.__all__)

__all__ = list(stats.__all__)
