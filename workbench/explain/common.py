"""Constants and the error of the model module."""

from __future__ import annotations

import re

from workbench.review.weights import RESTRICTION_CAVEAT


PROTECTED_ATTRIBUTES = ("gender", "age", "race_ethnicity", "education")
SCREEN_ATTRIBUTES = ("gender", "age_band", "race_ethnicity", "education")
CONTRACT_CANDIDATE_COLUMNS = frozenset({"candidate_id", "job_id", "applied_at", "gender", "age", "race_ethnicity",
                                        "education", "years_experience", "resume_path"})
TEXT_COLUMN = "answer_terms"
SEGMENT = " | "  # separates the answers of a candidate in ``answer_terms``: no bigram spans two answers
_PROTECTED_NAME = re.compile(
    r"gender|(^|_)sex(_|$)|(^|_)age(_|$)|age_?band|birth|dob|race|ethnic|nationality|national_origin|citizen|"
    r"religio|marital|pregnan|disab|veteran|sexual|educat|degree|photo|face|emotion", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?")  # the number alternative of workbench.profile._TOKEN
# split points that never fall inside a term: after . ! ? ; , followed by a space (so never inside "1,250" or
# "3.5"), after full-width punctuation (which already ends a run of Chinese characters)
_SENTENCE_END = re.compile(r"(?<=[.!?;,])\s+|(?<=[\u3002\uff01\uff1f\uff1b\uff0c])")
_NUMBERS_ONLY = re.compile(r"[\d\W_]+")
MODEL_NAME = ("L2 logistic regression (L-BFGS-B, non-negative weights on rubric scores) on standardised interview, "
              "text, resume and process features")
RESTRICTION = (
    "Range restriction: the criterion exists only for candidates who passed the AI interview, so the model is "
    "trained and cross-validated among them. Its AUC (and the baseline's) describe how well candidates are "
    "ordered within that selected group, not among all applicants, and say nothing direct about applicants the "
    "AI interview rejected. " + RESTRICTION_CAVEAT)


class ExplainError(ValueError):
    """The data cannot support the model or the explanation; the message says why and what to do."""


