"""The data-review loop: validity of questions against later criteria, weights, cross-round checks.

- :mod:`workbench.review.stats`: correlations, range-restriction corrections (Case II/III/IV), multiplicity
  adjustments, the fast candidate bootstrap (its public names are re-exported here);
- :mod:`workbench.review.inputs`: one job's applicant pool, aligned;
- :mod:`workbench.review.validity`: question / dimension / total validity tables and verdicts;
- :mod:`workbench.review.weights`: the :class:`WeightTuner` estimator and the weight proposal;
- :mod:`workbench.review.rounds`: the funnel, expectancy, lift, utility, Taylor-Russell, prompting, versions;
- :mod:`workbench.review.loop`: the whole review of a dataset (``workbench review``).
"""

from workbench.review import stats
from workbench.review.inputs import ReviewInputError, ReviewInputs, review_inputs
from workbench.review.loop import DatasetReview, review_dataset
from workbench.review.stats import *  # noqa: F403  (the names listed in stats.__all__)
from workbench.review.validity import ValidityResult, ValiditySettings, validity_table
from workbench.review.weights import WeightProposal, WeightTuner, weight_proposal

__all__ = [
    *stats.__all__,
    "DatasetReview",
    "ReviewInputError",
    "ReviewInputs",
    "ValidityResult",
    "ValiditySettings",
    "WeightProposal",
    "WeightTuner",
    "review_dataset",
    "review_inputs",
    "validity_table",
    "weight_proposal",
]
