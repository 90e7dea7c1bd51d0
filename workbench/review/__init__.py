"""The data-review loop: validity of questions against later criteria, weights, cross-round checks.

- :mod:`workbench.review.stats`: correlations, range-restriction corrections (Case II/III/IV), multiplicity
  adjustments, the fast candidate bootstrap (its public names are re-exported here);
- :mod:`workbench.review.inputs`: one job's applicant pool, aligned;
- :mod:`workbench.review.validity`: question / dimension / total validity tables and verdicts;
- :mod:`workbench.review.weights`: the :class:`WeightTuner` estimator and the weight proposal;
- :mod:`workbench.review.rounds`: the funnel, expectancy, lift, utility, Taylor-Russell, prompting, versions;
- :mod:`workbench.review.loop`: the whole review of a dataset (``workbench review``).

Importing the package loads ``stats`` and ``inputs`` only; the other names (and ``loop``, ``rounds``,
``validity``, ``weights`` as attributes) load on first use, so an app that needs one module does not pay for
scikit-learn and the whole loop.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from workbench.review import stats
from workbench.review.inputs import ReviewInputError, ReviewInputs, review_inputs
from workbench.review.stats import *  # noqa: F403  (the names listed in stats.__all__)

if TYPE_CHECKING:  # imported on first use (below): an app that needs one module does not load the whole loop
    from workbench.review.loop import DatasetReview, review_dataset
    from workbench.review.validity import ValidityResult, ValiditySettings, validity_table
    from workbench.review.weights import WeightProposal, WeightTuner, weight_proposal

#: Name -> the module it comes from, imported when the name is first used (scikit-learn and the whole loop
#: come with :mod:`~workbench.review.weights` and :mod:`~workbench.review.loop`).
_LAZY = {
    "DatasetReview": "loop", "review_dataset": "loop",
    "ValidityResult": "validity", "ValiditySettings": "validity", "validity_table": "validity",
    "WeightProposal": "weights", "WeightTuner": "weights", "weight_proposal": "weights",
}
#: Submodules the package used to import with itself: ``workbench.review.loop`` still works after
#: ``import workbench.review``.
_SUBMODULES = ("loop", "rounds", "validity", "weights")

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


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    elif name in _SUBMODULES:
        value = import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})
