"""The learned scoring model and its SHAP explanations: what history says, for researcher, recruiter and candidate.

A :class:`ScoringModel` predicts a criterion (``final_passed`` by default; ``final_score``, ``performance`` or
``retained_12m`` on request) from what the interview and the application record show:

- **scores**: each question's rubric score (``q:<question_id>``) and each dimension score (``dim:<name>``);
- **answer text**: the terms of a candidate's answers (``word:<term>``): :func:`workbench.profile.tokenize`
  (English words, Chinese words segmented with jieba, numbers as ``<num>``), as presence/absence; words only
  by default (English bigrams on request with ``ngram_range=(1, 2)``; Chinese word pairs are never built:
  pairs of template words such as "品牌 个人成长" read poorly). Each distinct answer text, up to its numbers,
  is language-checked and tokenised once;
- **resume**: ``resume:years_experience`` and, where resume files exist, ``resume:skill_coverage`` (share of the
  profile's keywords the resume mentions, :func:`workbench.parsing.parse_file`) and ``resume:has_resume``;
- **process**: ``process:answer_seconds`` (mean answer time) and ``process:prompted_share`` (share of answers
  after a real-time hint);
- **extra**: numeric columns of ``candidates`` beyond the data contract (``extra:<column>``).

The model is an L2-regularised logistic regression (ridge regression for a continuous criterion) on
standardised features, fitted with L-BFGS-B so that **question and dimension scores get non-negative
weights**: a higher rubric score never lowers a candidate's output, and a below-typical score can never be
told to a candidate as a reason in their favour. (Unconstrained, questions the criterion does not depend on
take negative weights as suppressors of what they share with the valid ones: good for a point of AUC at most,
indefensible in an explanation.) SHAP values are exact and fast: for a linear model with independent
features, interventional SHAP is ``phi_j = w_j (x_j - E[x_j])`` (what :class:`shap.LinearExplainer`
computes), and the values of a row add up to the model output (log-odds) minus its mean. Missing numeric
values are imputed with the training mean, so they contribute nothing.

Protected attributes (gender, age, race/ethnicity, education, and extra columns named like one) are never
features. :func:`proxy_screen` measures how well each feature predicts each protected attribute (one group
against the rest, AUC of the feature alone over the whole applicant pool); features at or above
``proxy_threshold`` (AUC .70 by default) are *strong proxies* and are left out of the model, each with its
reason. Feature blocks (all words, all question scores ...) are screened jointly too (cross-validated
logistic AUC): reported, not excluded.

:func:`explain_dataset` compares the model with the weighted-sum baseline of the current profile by
cross-validation on the same folds as :func:`workbench.review.weights.cross_validated_validity`. Both are
range-restricted: the criterion exists only for AI-passed candidates.

Examples
--------
>>> from workbench.simulate import simulate, small_config
>>> sim = simulate(small_config(n_candidates=600, seed=2))
>>> res = explain_dataset(sim, "final_passed", job_id="product_manager", folds=3)
>>> d = res.to_dict()
>>> sorted(d["cv"])[:2], any(f in d["features"] for f in ("gender", "age", "education"))
(['baseline_auc', 'baseline_auc_fold_mean'], False)
>>> text = res.plain_explanation(res.train_index[0], lang="en")
>>> "gender" in text and "log-odds" not in text
True
"""

from __future__ import annotations

from workbench.explain.common import ExplainError, PROTECTED_ATTRIBUTES, SCREEN_ATTRIBUTES
from workbench.explain.features import CandidateFeatures, _terms, candidate_features  # noqa: F401
from workbench.explain.card import ExplainResult
from workbench.explain.model import ScoringModel
from workbench.explain.api import baseline_total, explain_dataset
from workbench.explain.proxy import proxy_screen
from workbench.nlp.language import text_language

__all__ = [
    "PROTECTED_ATTRIBUTES",
    "SCREEN_ATTRIBUTES",
    "CandidateFeatures",
    "ExplainError",
    "ExplainResult",
    "ScoringModel",
    "candidate_features",
    "explain_dataset",
    "proxy_screen",
    "baseline_total",
    "text_language",
]
