r"""The learned scoring model and its SHAP explanations: what history says, for researcher, recruiter and candidate.

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

import datetime as dt
import html
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from workbench.data.groups import group_labels
from workbench import composite
from workbench.metrics import auc, auc_columns
from workbench.nlp.language import has_cjk, text_language
from workbench.profile import NUMBER_TOKEN, tokenize
from workbench.review.inputs import BINARY_CRITERIA, ReviewInputError, ReviewInputs, review_inputs_from_tables
from workbench.review.stats import pearson
from workbench.review.validity import corrected_validity
from workbench.review.weights import RESTRICTION_CAVEAT, cross_validated_validity
from workbench.jsonable import json_ready

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


# ------------------------------------------------------------------------------------------ language


# ------------------------------------------------------------------------------------------ features


@dataclass(frozen=True, eq=False)
class CandidateFeatures:
    """Model inputs for one job's applicant pool (indexed by candidate_id).

    Attributes
    ----------
    frame : DataFrame
        Numeric feature columns (``q:``, ``dim:``, ``resume:``, ``process:``, ``extra:``) and the text column
        ``answer_terms`` (the candidate's terms, space-separated). Candidates without answers are left out.
    no_answers : tuple of str
        Applicants of the pool with no interview answer (cannot be scored or explained).
    excluded : tuple of dict
        ``{feature, reason}`` for columns never used (protected attributes, non-numeric extra columns).
    notes : tuple of str
    """

    frame: pd.DataFrame
    no_answers: tuple[str, ...]
    excluded: tuple[dict[str, str], ...]
    notes: tuple[str, ...] = ()

    @property
    def numeric_columns(self) -> list[str]:
        return [c for c in self.frame.columns if c != TEXT_COLUMN]


def _number_key(text: str) -> str:
    """``text`` with every number replaced by ``0``: the cache key of :func:`_distinct_terms`.

    :func:`workbench.profile.tokenize` turns every number into ``<num>`` and numbers never join a word or a
    Chinese run, so texts that differ only in their numbers have the same terms (and the same script-based
    language: digits are not letters).

    >>> _number_key("In 4 weeks churn fell 20%, saving $1,250.50")
    'In 0 weeks churn fell 0, saving $0'
    """
    return _NUMBER.sub("0", text)


def _distinct_terms(keys: Sequence[str]) -> list[str]:
    """Space-joined terms of each key (spaces inside terms removed); call once per distinct key.

    >>> _distinct_terms(["I grew revenue 0%", "销售额增长了0%"])
    ['grew revenue <num>', '销售额 增长 <num>']
    """
    cache: dict[str, str] = {}
    out = []
    for k in keys:
        parts = []
        for sent in _SENTENCE_END.split(k):  # template sentences repeat across answers: each tokenised once
            terms = cache.get(sent)
            if terms is None:
                terms = cache[sent] = " ".join(w.replace(" ", "") for w in tokenize(sent))
            if terms:
                parts.append(terms)
        out.append(" ".join(parts))
    return out


def _terms(texts: pd.Series) -> pd.Series:
    """Space-joined terms of each text; each distinct text (up to its numbers) is tokenised once.

    >>> _terms(pd.Series(["Grew sales 40%", "Grew sales 35%"])).tolist()
    ['grew sales <num>', 'grew sales <num>']
    """
    codes, uniq = pd.factorize(texts.astype(str), sort=False)
    kcodes, kuniq = pd.factorize(pd.Series([_number_key(t) for t in uniq], dtype=object), sort=False)
    terms = np.asarray(_distinct_terms(list(kuniq)), dtype=object)
    return pd.Series(terms[kcodes][codes], index=texts.index, dtype=object)


def _resume_coverage(paths: pd.Series, root: Path, profile) -> tuple[pd.Series, list[str]]:
    """Share of the profile's keywords each parsed resume mentions (NaN where no file or it cannot be read)."""
    from workbench.parsing import ParseError, parse_file

    keywords = {lang: [k.lower() for d in profile.dimensions for k in d.keywords.get(lang, ())]
                for lang in ("en", "zh")}
    out = pd.Series(np.nan, index=paths.index, dtype="float64")
    failed = []
    for cid, rel in paths.dropna().items():
        if not str(rel).strip():
            continue
        try:
            resume = parse_file(root / str(rel))
        except (ParseError, OSError) as exc:
            failed.append(f"{cid}: {exc}")
            continue
        kws = keywords.get(resume.language) or keywords["en"] + keywords["zh"]
        if not kws:
            continue
        text = " ".join(resume.lines).lower() + " " + " ".join(resume.skills).lower()
        out[cid] = sum(k in text for k in kws) / len(kws)
    notes = [f"{len(failed)} resume file(s) could not be read and count as missing (e.g. {failed[0]})"] if failed else []
    return out, notes


def candidate_features(
    inputs: ReviewInputs,
    tables: Mapping[str, pd.DataFrame],
    *,
    text: bool = True,
    resume_root: str | Path | None = None,
    extra_columns: bool = True,
    max_unexpected_text: float = 0.2,
) -> CandidateFeatures:
    """Build the model inputs of one job's applicant pool (the rows of ``inputs``).

    Parameters
    ----------
    inputs : ReviewInputs
        The pool, question and dimension scores (:func:`workbench.review.inputs.review_inputs`).
    tables : mapping of str -> DataFrame
        The contract tables (``candidates`` and ``answers`` are read).
    text : bool, default True
        Build the ``answer_terms`` text column.
    resume_root : path, optional
        Folder ``candidates.resume_path`` is relative to; None = no resume parsing.
    extra_columns : bool, default True
        Use numeric or boolean candidate columns beyond the contract as ``extra:`` features (protected-looking
        names are excluded).
    max_unexpected_text : float, default 0.2
        Largest share of answer texts not in the job's language (``profile.language``) that is tolerated:
        those texts are left out with a warning; above it, :class:`ExplainError`.

    Returns
    -------
    CandidateFeatures

    Raises
    ------
    ExplainError
        No applicant answered; too many answer texts in an unexpected language.

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> from workbench.review.inputs import review_inputs_from_tables
    >>> sim = simulate(small_config(n_candidates=100, seed=2))
    >>> ri = review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], "final_passed")
    >>> cf = candidate_features(ri, sim.tables)
    >>> cf.frame.columns[:2].tolist(), "process:prompted_share" in cf.frame, cf.frame.shape[0] == ri.n_applicants
    (['q:pm_q01', 'q:pm_q02'], True, True)
    """
    pool = inputs.questions.index
    answered = inputs.questions.notna().any(axis=1)
    no_answers = tuple(str(c) for c in pool[~answered.to_numpy()])
    if not answered.any():
        raise ExplainError(f"{inputs.job_id}: no applicant has an interview answer; there is nothing to model")
    ids = pool[answered.to_numpy()]
    cols: dict[str, pd.Series] = {}
    for q in inputs.questions.columns:
        cols[f"q:{q}"] = inputs.questions.loc[ids, q]
    for d in inputs.dimensions.columns:
        cols[f"dim:{d}"] = inputs.dimensions.loc[ids, d]
    cands = tables["candidates"].drop_duplicates("candidate_id").set_index("candidate_id").reindex(ids)
    notes: list[str] = []
    excluded: list[dict[str, str]] = []
    if "years_experience" in cands.columns:
        cols["resume:years_experience"] = pd.to_numeric(cands["years_experience"], errors="coerce").astype("float64")
    if resume_root is not None and "resume_path" in cands.columns and cands["resume_path"].notna().any():
        cov, more = _resume_coverage(cands["resume_path"], Path(resume_root), inputs.profile)
        notes += more
        if cov.notna().any():
            cols["resume:skill_coverage"] = cov
            cols["resume:has_resume"] = cov.notna().astype("float64")
            notes.append(f"resume files parsed for {int(cov.notna().sum())} of {len(ids)} applicants; skill "
                         "coverage is imputed (median) for the others")
    answers = tables["answers"]
    answers = answers[answers["candidate_id"].isin(ids) & answers["question_id"].isin(inputs.question_dimension)]
    by = answers.groupby("candidate_id", sort=False)
    if "answer_seconds" in answers.columns:
        cols["process:answer_seconds"] = by["answer_seconds"].mean().astype("float64").reindex(ids)
    if "prompted" in answers.columns:
        prompted = answers["prompted"].astype("boolean").astype("Float64").astype("float64")
        cols["process:prompted_share"] = prompted.groupby(answers["candidate_id"]).mean().reindex(ids)
    for col in cands.columns:
        if col in CONTRACT_CANDIDATE_COLUMNS or not extra_columns:
            continue
        if _PROTECTED_NAME.search(col):
            excluded.append({"feature": f"extra:{col}",
                             "reason": "named like a protected attribute: protected attributes are never features"})
            continue
        values = cands[col]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            cols[f"extra:{col}"] = pd.to_numeric(values.astype("Float64"), errors="coerce").astype("float64")
        else:
            excluded.append({"feature": f"extra:{col}", "reason": "not numeric (only numeric extra columns are used)"})
    frame = pd.DataFrame(cols, index=ids)
    if text:
        frame[TEXT_COLUMN] = _answer_terms(answers, ids, inputs, max_unexpected_text, notes)
    frame.index.name = "candidate_id"
    return CandidateFeatures(frame, no_answers, tuple(excluded), tuple(notes))


def _answer_terms(answers: pd.DataFrame, ids: pd.Index, inputs: ReviewInputs, max_unexpected: float,
                  notes: list[str]) -> pd.Series:
    """Per candidate, the terms of all answers in the job's language (checked; see :func:`candidate_features`)."""
    empty = pd.Series("", index=ids, dtype=object)
    if "answer_text" not in answers.columns:
        return empty
    texts = answers.loc[answers["answer_text"].notna(), ["candidate_id", "question_id", "answer_text"]]
    texts = texts[texts["answer_text"].astype(str).str.strip() != ""]
    if texts.empty:
        return empty
    raw = texts["answer_text"].astype(str)
    # each distinct text, and then each distinct text up to its numbers (templated answers repeat a lot), is
    # language-checked and tokenised once
    codes, uniq = pd.factorize(raw, sort=False)
    kcodes, kuniq = pd.factorize(pd.Series([_number_key(t) for t in uniq], dtype=object), sort=False)
    key_of = kcodes[codes]
    key_lang = np.asarray([text_language(k) for k in kuniq], dtype=object)
    langs = pd.Series(key_lang[key_of], index=raw.index, dtype=object)
    expected = inputs.profile.language
    bad = langs.notna() & (langs != expected)
    if bad.any():
        share = float(bad.mean())
        found = ", ".join(f"{k} {v}" for k, v in langs[bad].value_counts().items())
        first = texts[bad].iloc[0]
        example = f"{first['candidate_id']}/{first['question_id']}: {str(first['answer_text'])[:40]!r}"
        what = (f"{int(bad.sum())} of {len(texts)} answer texts of job {inputs.job_id!r} ({share:.0%}) are not in the "
                f"job's language {expected!r} (found: {found}; e.g. {example})")
        if share > max_unexpected:
            raise ExplainError(f"{what}. Correct the texts or the profile's language, or leave answer texts out "
                               "(text=False).")
        warnings.warn(f"{what}: those texts are left out of the text features", UserWarning, stacklevel=4)
        notes.append(f"{what}; left out of the text features")
    good = ~bad.to_numpy()
    key_terms = np.full(len(kuniq), "", dtype=object)
    needed = np.unique(key_of[good])
    key_terms[needed] = _distinct_terms([kuniq[k] for k in needed])
    terms = key_terms[key_of[good]]
    cand = texts["candidate_id"].to_numpy()[good]
    return _join_by_candidate(cand, terms, ids)


def _join_by_candidate(cand: np.ndarray, terms: np.ndarray, ids: pd.Index) -> pd.Series:
    """``SEGMENT``-joined terms per candidate (answers in row order), ``""`` for candidates without text.

    >>> _join_by_candidate(np.array(["b", "a", "b"]), np.array(["x y", "z", "w"]), pd.Index(["a", "b", "c"])).tolist()
    ['z', 'x y | w', '']
    """
    if len(cand) == 0:
        return pd.Series("", index=ids, dtype=object)
    ccodes, cuniq = pd.factorize(cand, sort=False)
    order = np.argsort(ccodes, kind="stable")
    sorted_terms = terms[order].tolist()
    starts = np.flatnonzero(np.r_[True, np.diff(ccodes[order]) != 0])
    ends = np.r_[starts[1:], len(order)]
    docs = [SEGMENT.join(sorted_terms[i:j]) for i, j in zip(starts.tolist(), ends.tolist())]
    joined = pd.Series(docs, index=pd.Index(cuniq)[ccodes[order][starts]], dtype=object)
    return joined.reindex(ids).fillna("").astype(object)


# ------------------------------------------------------------------------------------------ model


class _Terms(TransformerMixin, BaseEstimator):
    """Presence of terms (and term n-grams) in a space-separated column, standardised; ``drop`` removes terms.

    Chinese n-grams (any with a CJK term) are never built: jieba words alone read better than pairs of
    template words. Unigrams only (the default) take a fast path: scikit-learn's regex tokeniser.

    >>> t = _Terms(ngram_range=(1, 2), min_df=1).fit(pd.Series(["grew revenue", "revenue fell", "grew"]))
    >>> t.get_feature_names_out().tolist()
    ['word:fell', 'word:grew', 'word:grew revenue', 'word:revenue', 'word:revenue fell']
    >>> _Terms(min_df=1).fit(pd.Series(["销售 增长 | 客户", "客户"])).get_feature_names_out().tolist()
    ['word:增长', 'word:客户', 'word:销售']
    """

    def __init__(self, ngram_range=(1, 1), min_df=0.01, max_features=2000, drop=()):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.drop = drop

    def _vectorizer(self, **kw):
        lo, hi = tuple(self.ngram_range)
        if (lo, hi) == (1, 1):
            return CountVectorizer(token_pattern=r"[^\s|]+", lowercase=False, binary=True, dtype=np.float64, **kw)
        return CountVectorizer(analyzer=partial(_ngrams, ngram_range=(lo, hi)), binary=True, dtype=np.float64, **kw)

    def fit(self, X, y=None):
        self.fit_transform(X)
        return self

    def fit_transform(self, X, y=None):
        """Learn the vocabulary (one pass over the documents) and return the standardised presence matrix."""
        docs = _docs(X)
        dropped = {str(d).removeprefix("word:") for d in self.drop}
        self.vectorizer_ = self._vectorizer(min_df=self.min_df, max_features=self.max_features)
        try:
            M = self.vectorizer_.fit_transform(docs).tocsc()
            names = self.vectorizer_.get_feature_names_out()
        except ValueError:  # empty vocabulary: no text, or no term frequent enough
            self.vectorizer_, M, names = None, sparse.csc_matrix((len(docs), 0)), np.array([], dtype=object)
        self.keep_ = np.array([i for i, t in enumerate(names) if t not in dropped], dtype=int)
        self.terms_ = np.asarray(names, dtype=object)[self.keep_]
        M = M[:, self.keep_]
        self.scaler_ = StandardScaler(with_mean=False).fit(M) if M.shape[1] else None
        return self._scale(M)

    def _scale(self, M):
        return sparse.csr_matrix(M) if self.scaler_ is None else self.scaler_.transform(M).tocsr()

    def transform(self, X):
        check_is_fitted(self, "terms_")
        docs = _docs(X)
        if self.vectorizer_ is None:
            return sparse.csr_matrix((len(docs), 0))
        return self._scale(self.vectorizer_.transform(docs).tocsc()[:, self.keep_])

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "terms_")
        return np.array([f"word:{t}" for t in self.terms_], dtype=object)


def _ngrams(doc: str, ngram_range: tuple[int, int] = (1, 2)) -> list[str]:
    """Term n-grams of a space-separated ``answer_terms`` document, within each answer (``|`` separates answers).

    N-grams with a Chinese term are left out (jieba words only).

    >>> _ngrams("grew revenue | team", (1, 2))
    ['grew', 'revenue', 'grew revenue', 'team']
    >>> _ngrams("品牌 个人成长", (1, 2))
    ['品牌', '个人成长']
    """
    lo, hi = ngram_range
    out: list[str] = []
    for seg in doc.split("|"):
        toks = seg.split()
        if lo <= 1 <= hi:
            out += toks
        for n in range(max(lo, 2), hi + 1):
            grams = (toks[i:i + n] for i in range(len(toks) - n + 1))
            out += [" ".join(g) for g in grams if not any(has_cjk(t) for t in g)]
    return out


def _docs(X) -> list[str]:
    values = X.iloc[:, 0] if isinstance(X, pd.DataFrame) else pd.Series(np.asarray(X, dtype=object).ravel())
    return values.fillna("").astype(str).tolist()


def _fit_linear(Z: sparse.csr_matrix, y: np.ndarray, *, C: float, classification: bool, nonneg: np.ndarray,
                max_iter: int, tol: float) -> tuple[np.ndarray, float, int]:
    """L2-penalised logistic (or least-squares) fit with ``w_j >= 0`` where ``nonneg``; intercept free.

    Minimises ``(sum_i loss_i + ||w||^2 / (2 C)) / n`` with L-BFGS-B (scipy): the objective of scikit-learn's
    ``LogisticRegression(C=C)`` and ``Ridge(alpha=1/C)`` (halved), plus the bounds. Returns
    ``(coef, intercept, iterations)``.

    >>> g = np.random.default_rng(0)
    >>> Z = sparse.csr_matrix(g.normal(size=(400, 2)))
    >>> y = (Z.toarray() @ [1.0, -1.0] + g.logistic(size=400) > 0).astype(float)
    >>> w, b, _ = _fit_linear(Z, y, C=1.0, classification=True, nonneg=np.array([False, True]), max_iter=500, tol=1e-8)
    >>> bool(w[0] > 0.5), float(w[1])
    (True, 0.0)
    """
    from scipy.optimize import minimize
    from scipy.special import expit

    n, p = Z.shape
    Zt = Z.T.tocsr()
    lam = 1.0 / float(C)

    def objective(theta):
        w, b = theta[:p], theta[p]
        z = Z @ w + b
        if classification:
            loss = float(np.logaddexp(0.0, z).sum() - y @ z)
            r = expit(z) - y
        else:
            r = z - y
            loss = 0.5 * float(r @ r)
        grad = np.empty(p + 1)
        grad[:p] = (Zt @ r + lam * w) / n
        grad[p] = r.sum() / n
        return (loss + 0.5 * lam * float(w @ w)) / n, grad

    theta0 = np.zeros(p + 1)
    ybar = float(y.mean())
    theta0[p] = np.log(ybar / (1 - ybar)) if classification else ybar
    bounds = [(0.0, None) if m else (None, None) for m in nonneg] + [(None, None)]
    res = minimize(objective, theta0, jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"maxiter": int(max_iter), "gtol": tol, "ftol": 1e-12, "maxcor": 20})
    w = res.x[:p].copy()
    w[nonneg] = np.maximum(w[nonneg], 0.0)
    return w, float(res.x[p]), int(res.nit)


class ScoringModel(BaseEstimator):
    """Regularised linear model of a criterion on candidate features, with exact SHAP values.

    Numeric columns are mean-imputed and standardised (a missing value sits at the SHAP reference, so it
    contributes nothing); the text column (space-separated terms, as built by :func:`candidate_features`)
    becomes standardised presence of terms. A pass/fail criterion is fitted by L2 logistic regression, a
    continuous one by ridge regression (``alpha = 1 / C``), both with L-BFGS-B so that rubric-score features
    (``monotone`` prefixes: question and dimension scores) get **non-negative** coefficients: a higher rubric
    score never lowers the model output, so an explanation can never present a below-typical score as a
    reason in a candidate's favour (unconstrained, useless questions act as suppressors with negative
    weights).

    Parameters
    ----------
    C : float, default 0.05
        Inverse regularisation strength (features are standardised).
    text_column : str or None, default "answer_terms"
        The text column, if present in ``X``.
    ngram_range : tuple, default (1, 1)
        Term n-grams; n-grams with a Chinese term are never built (jieba words only).
    min_df : float or int, default 0.02
        Least share (float) or count (int) of training candidates using a term.
    max_features : int, default 1000
        Most frequent terms kept.
    drop : tuple of str, default ()
        Feature names to leave out (numeric columns or ``word:<term>``), e.g. flagged proxies.
    task : {"auto", "classification", "regression"}, default "auto"
        "auto": classification when ``y`` has only the values 0 and 1.
    monotone : tuple of str, default ("q:", "dim:")
        Prefixes of features whose coefficient is constrained to be >= 0 (``()``: unconstrained).
    max_iter : int, default 1000
    tol : float, default 1e-5
        L-BFGS-B tolerance on the projected gradient (objective scaled by ``1 / n``).

    Attributes
    ----------
    task_ : str
    classes_ : ndarray
        ``[0, 1]`` for classification.
    feature_names_in_ : ndarray
        Columns of ``X`` seen in fit.
    n_features_in_ : int
    transformer_ : ColumnTransformer
    coef_ : Series
        Coefficients per output feature (standardised scale).
    intercept_ : float
    monotone_ : Series of bool
        Features constrained to a non-negative coefficient.
    n_iter_ : int
    reference_ : Series
        The SHAP reference of each feature in its own units: training mean of numeric features (what
        "typical" means in an explanation), share of training candidates using each term.
    background_ : ndarray
        Mean of the transformed training rows (the SHAP reference).
    expected_value_ : float
        Model output (log-odds for classification) at the background: the base of every SHAP explanation.

    Examples
    --------
    >>> g = np.random.default_rng(0)
    >>> X = pd.DataFrame({"q:a": g.normal(3, 1, 300), "q:b": g.normal(3, 1, 300),
    ...                   "answer_terms": g.choice(["grew revenue", "helped team", ""], 300)})
    >>> y = (X["q:a"] - 0.5 * X["q:b"] + g.normal(0, 1, 300) > 1.5).astype(int)
    >>> m = ScoringModel().fit(X, y)
    >>> m.task_, m.get_feature_names_out()[:3].tolist()
    ('classification', ['q:a', 'q:b', 'word:grew'])
    >>> bool(m.coef_["q:a"] > 0), float(m.coef_["q:b"])  # a score never counts against a candidate
    (True, 0.0)
    >>> phi = m.shap_values(X.head(5))
    >>> bool(np.allclose(phi.sum(axis=1) + m.expected_value_, m.decision_function(X.head(5))))
    True
    """

    def __init__(self, *, C=0.05, text_column=TEXT_COLUMN, ngram_range=(1, 1), min_df=0.02, max_features=1000,
                 drop=(), task="auto", monotone=("q:", "dim:"), max_iter=1000, tol=1e-5):
        self.C = C
        self.text_column = text_column
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.drop = drop
        self.task = task
        self.monotone = monotone
        self.max_iter = max_iter
        self.tol = tol

    def _check_X(self, X) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame):
            raise ExplainError("X must be a pandas DataFrame of candidate features (see candidate_features)")
        for bad in (c for c in X.columns if str(c) in PROTECTED_ATTRIBUTES or str(c) == "age_band"):
            raise ExplainError(f"{bad!r} is a protected attribute: protected attributes are never model features")
        return X

    def _fit_design(self, X: pd.DataFrame) -> sparse.csr_matrix:
        """Fit imputation, scaling and the term vocabulary (no criterion needed); the design matrix."""
        drop = {str(d) for d in self.drop}
        text = self.text_column if self.text_column in X.columns else None
        numeric = [c for c in X.columns if c != text and c not in drop]
        parts = []
        if numeric:
            num = Pipeline([("impute", SimpleImputer(strategy="mean", keep_empty_features=True)),
                            ("scale", StandardScaler())])
            parts.append(("num", num, numeric))
        if text is not None:
            parts.append(("text", _Terms(self.ngram_range, self.min_df, self.max_features, tuple(drop)), [text]))
        if not parts:
            raise ExplainError("no feature left to fit")
        self.transformer_ = ColumnTransformer(parts, sparse_threshold=1.0, verbose_feature_names_out=False)
        Z = sparse.csr_matrix(self.transformer_.fit_transform(X), dtype=np.float64)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = len(X.columns)
        self.numeric_features_ = numeric
        return Z

    def fit(self, X, y):
        """Fit on a candidate-feature frame ``X`` and criterion ``y`` (0/1 or continuous); returns self."""
        X = self._check_X(X)
        y = np.asarray(pd.to_numeric(pd.Series(np.asarray(y)).astype("Float64"), errors="coerce"), dtype=float)
        if len(y) != len(X):
            raise ExplainError(f"X has {len(X)} rows but y has {len(y)}")
        if np.isnan(y).any():
            raise ExplainError(f"y has {int(np.isnan(y).sum())} missing values; fit on candidates with the criterion")
        binary = bool(np.all((y == 0) | (y == 1)))
        task = self.task if self.task != "auto" else ("classification" if binary else "regression")
        if task not in ("classification", "regression"):
            raise ExplainError(f"task must be auto, classification or regression, got {self.task!r}")
        values = np.unique(y)
        if values.size < 2:
            raise ExplainError(f"the criterion has a single value ({values[0]:g}) in all {len(y)} training rows: "
                               "a model cannot learn from a criterion without both outcomes")
        if task == "classification" and not binary:
            raise ExplainError("classification needs a 0/1 criterion")
        if not float(self.C) > 0:
            raise ExplainError(f"C must be positive, got {self.C!r}")
        Z = self._fit_design(X)
        names = self.get_feature_names_out()
        prefixes = tuple(str(m) for m in self.monotone)
        nonneg = np.array([bool(prefixes) and str(n).startswith(prefixes) for n in names], dtype=bool)
        coef, intercept, self.n_iter_ = _fit_linear(Z, y, C=float(self.C), classification=task == "classification",
                                                    nonneg=nonneg, max_iter=self.max_iter, tol=float(self.tol))
        if task == "classification":
            self.classes_ = np.array([0, 1])
        self.task_ = task
        self.coef_ = pd.Series(coef, index=names, name="coef")
        self.intercept_ = intercept
        self.monotone_ = pd.Series(nonneg, index=names, name="monotone")
        self.background_ = np.asarray(Z.mean(axis=0)).ravel()
        self.expected_value_ = float(intercept + coef @ self.background_)
        self.reference_ = pd.Series(self._reference(names), index=names, name="reference")
        return self

    def _reference(self, names) -> np.ndarray:
        """The background in the features' own units (training means; term shares)."""
        ref = np.full(len(names), np.nan)
        k = len(self.numeric_features_)
        if k:
            ref[:k] = self.transformer_.named_transformers_["num"].named_steps["impute"].statistics_
        terms = self.transformer_.named_transformers_.get("text")
        if terms is not None and getattr(terms, "scaler_", None) is not None:
            ref[k:] = self.background_[k:] * terms.scaler_.scale_
        return ref

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the model's features (``word:<term>`` for text)."""
        check_is_fitted(self, "transformer_")
        names = []
        for name, trans, cols in self.transformer_.transformers_:
            if name == "num":
                names += list(cols)
            elif name == "text":
                names += list(trans.get_feature_names_out())
        return np.array(names, dtype=object)

    def transform(self, X) -> sparse.csr_matrix:
        """The standardised design matrix (sparse) the linear model sees."""
        check_is_fitted(self, "transformer_")
        X = self._check_X(X)
        missing = [c for c in self.feature_names_in_ if c not in X.columns]
        if missing:
            raise ExplainError(f"X lacks the columns {', '.join(map(str, missing[:5]))} the model was fitted with")
        return sparse.csr_matrix(self.transformer_.transform(X[list(self.feature_names_in_)]))

    def decision_function(self, X) -> np.ndarray:
        """Model output: log-odds for classification, the predicted criterion for regression."""
        check_is_fitted(self, "coef_")
        return np.asarray(self.transform(X) @ self.coef_.to_numpy() + self.intercept_).ravel()

    def predict_proba(self, X) -> np.ndarray:
        """Probabilities of [0, 1] (classification only)."""
        check_is_fitted(self, "coef_")
        if self.task_ != "classification":
            raise ExplainError("predict_proba needs a pass/fail criterion")
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1 - p, p])

    def predict(self, X) -> np.ndarray:
        """Class (0/1) or predicted criterion."""
        out = self.decision_function(X)
        return (out >= 0).astype(int) if self.task_ == "classification" else out

    def score(self, X, y) -> float:
        """ROC AUC (classification) or R² (regression)."""
        out = self.decision_function(X)
        return float(auc(y, out) if self.task_ == "classification" else r2_score(y, out))

    def shap_values(self, X) -> pd.DataFrame:
        """Exact interventional SHAP values of the linear model, rows x features.

        ``phi_ij = w_j (z_ij - E[z_j])`` on the standardised design ``z`` with the training mean as
        reference (what :class:`shap.LinearExplainer` computes for independent features). Each row adds
        up to ``decision_function(X) - expected_value_``.
        """
        check_is_fitted(self, "coef_")
        Z = self.transform(X)
        coef = self.coef_.to_numpy()
        values = np.asarray(Z.multiply(coef[None, :]).toarray()) - (self.background_ * coef)[None, :]
        return pd.DataFrame(values, index=X.index, columns=self.coef_.index)


# ------------------------------------------------------------------------------------------ proxy screen


def _groups_of(groups: pd.DataFrame, attributes: Sequence[str], min_group: int):
    """For each screenable attribute: (attribute, known-row mask, [(group, member mask among known), ...]).

    Groups (and their complements) smaller than ``min_group`` are skipped; unknowns are left out.
    """
    for attr in attributes:
        try:
            labels = group_labels(groups, attr)
        except ValueError:
            continue
        known = labels.notna().to_numpy()
        lab = labels.to_numpy()[known]
        members = [(g, lab == g) for g in sorted(set(lab))]
        members = [(g, m) for g, m in members if min_group <= m.sum() <= len(m) - min_group]
        if members:
            yield attr, known, members


def proxy_screen(
    Z: Any,
    names: Sequence[str],
    groups: pd.DataFrame,
    *,
    attributes: Sequence[str] = SCREEN_ATTRIBUTES,
    threshold: float = 0.70,
    min_group: int = 30,
    binary_from: int | None = None,
) -> pd.DataFrame:
    """How well each feature alone predicts each protected attribute (one group against the rest).

    Strength is the oriented ROC AUC ``max(AUC, 1 - AUC)`` of the feature for membership in the group it
    separates best (0.5 = no information, 1 = the feature reveals the group); groups smaller than
    ``min_group`` (or with fewer than ``min_group`` others) are skipped, unknowns left out. A single
    feature's AUC involves no fitting, so it needs no cross-validation.

    Parameters
    ----------
    Z : array or sparse matrix, rows x features
        Feature values (imputed), rows aligned with ``groups``.
    names : sequence of str
        Feature names (columns of ``Z``).
    groups : DataFrame
        Protected attributes per row (``gender``, ``age``, ``race_ethnicity``, ``education``).
    attributes : sequence of str
        Attributes to screen (:func:`workbench.data.groups.group_labels`; ``age_band`` from ``age``). Those
        that ``groups`` cannot provide are skipped.
    threshold : float, default 0.70
        Strength at which a feature is flagged as a strong proxy.
    min_group : int, default 30
    binary_from : int, optional
        Columns from this index on are presence/absence (text): AUC ``0.5 + (p_group - p_rest) / 2``, computed
        sparsely. Default: all columns ranked.

    Returns
    -------
    DataFrame
        One row per feature and attribute: ``feature, attribute, group, n_group, strength, direction``
        (``higher``/``lower`` in the group) and ``flag`` (strength >= threshold), strongest first.

    Examples
    --------
    >>> g = np.random.default_rng(0)
    >>> groups = pd.DataFrame({"gender": g.choice(["female", "male"], 400)})
    >>> proxy = (groups["gender"] == "female") + g.normal(0, 0.5, 400)
    >>> Z = np.column_stack([proxy, g.normal(size=400)])
    >>> tab = proxy_screen(Z, ["extra:club", "q:q1"], groups)
    >>> tab[["feature", "group", "flag"]].values.tolist()
    [['extra:club', 'female', True], ['q:q1', 'female', False]]
    """
    names = list(names)
    Z = sparse.csc_matrix(Z) if sparse.issparse(Z) else np.asarray(Z, dtype=float)
    k = len(names) if binary_from is None else int(binary_from)
    rows = []
    for attr, known, members in _groups_of(groups, attributes, min_group):
        Zk = Z[known]
        dense = Zk[:, :k].toarray() if sparse.issparse(Zk) else Zk[:, :k]
        text = (sparse.csc_matrix(Zk[:, k:]) != 0).astype(float)
        best = np.full(len(names), 0.5)
        best_group = np.array([""] * len(names), dtype=object)
        best_n = np.zeros(len(names), dtype=int)
        best_dir = np.array([""] * len(names), dtype=object)
        for g, member in members:
            n1 = int(member.sum())
            aucs = np.empty(len(names))
            if k:
                aucs[:k] = auc_columns(dense, member)
            if len(names) > k:
                p1 = np.asarray(text[member].mean(axis=0)).ravel()
                p0 = np.asarray(text[~member].mean(axis=0)).ravel()
                aucs[k:] = 0.5 + (p1 - p0) / 2
            oriented = np.maximum(aucs, 1 - aucs)
            better = oriented > best
            best = np.where(better, oriented, best)
            best_group[better] = g
            best_n[better] = n1
            best_dir[better] = np.where(aucs[better] >= 0.5, "higher", "lower")
        for j, name in enumerate(names):
            if best_group[j]:
                rows.append({"feature": name, "attribute": attr, "group": best_group[j], "n_group": int(best_n[j]),
                             "strength": float(best[j]), "direction": best_dir[j],
                             "flag": bool(best[j] >= threshold)})
    columns = ["feature", "attribute", "group", "n_group", "strength", "direction", "flag"]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(["strength", "feature"], ascending=[False, True], ignore_index=True)


def _blocks(names: Sequence[str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for j, n in enumerate(names):
        out.setdefault(n.split(":", 1)[0], []).append(j)
    return out


def _joint_screen(Z, names, groups, attributes, threshold, min_group, random_state) -> pd.DataFrame:
    """Cross-validated (3-fold) logistic AUC of each feature block for each protected group vs the rest."""
    Z = sparse.csr_matrix(Z)
    rows = []
    for block, idx in _blocks(names).items():
        if len(idx) < 2:
            continue
        Zb = Z[:, idx]
        for attr, known, members in _groups_of(groups, attributes, min_group):
            best = (0.5, "", 0)
            for g, mask in members:
                member = mask.astype(int)
                n1 = int(member.sum())
                oof = np.zeros(len(member))
                for tr, te in StratifiedKFold(3, shuffle=True, random_state=random_state).split(member, member):
                    fit = LogisticRegression(C=0.1, max_iter=500).fit(Zb[known][tr], member[tr])
                    oof[te] = fit.decision_function(Zb[known][te])
                score = float(auc(member, oof))
                if score > best[0]:
                    best = (score, g, n1)
            if best[1]:
                rows.append({"block": block, "n_features": len(idx), "attribute": attr, "group": best[1],
                             "n_group": best[2], "cv_auc": best[0], "flag": bool(best[0] >= threshold)})
    columns = ["block", "n_features", "attribute", "group", "n_group", "cv_auc", "flag"]
    return pd.DataFrame(rows, columns=columns).sort_values("cv_auc", ascending=False, ignore_index=True)


# ------------------------------------------------------------------------------------------ labels

_STRINGS = {
    "en": {
        "title": "How the interview assessment was reached",
        "ai": "Your AI interview result: {result} (interview score {score:.2f}; pass mark {threshold:.2f}).",
        "passed": "passed", "not_passed": "not passed",
        "model": ("A model trained on past interviews for this role ({job}) compared your interview with those of "
                  "earlier candidates and {criterion}. For you, the overall picture was {level}."),
        "higher": "more favourable than for a typical candidate",
        "lower": "less favourable than for a typical candidate", "same": "about the same as for a typical candidate",
        "for": "Main reasons in your favour:", "against": "Main reasons against:", "none": "- none stood out",
        "not_used": ("Not used: your gender, age, race or ethnicity and education were not used, and {n} piece(s) of "
                     "information that could indirectly reveal them were left out."),
        "rights": ("You may ask for human review of the decision by a person, explain your point of view and "
                   "contest it (GDPR Art. 22(3); PIPL Art. 24). Please contact the recruiting team."),
        "q": "your answer to \u201c{text}\u201d was rated {value:.1f} of 5 (typical: {typical:.1f})",
        "dim": "your overall rating for {text} was {value:.1f} of 5 (typical: {typical:.1f})",
        "word_yes": "your answers mentioned \u201c{text}\u201d",
        "word_no": "your answers did not mention \u201c{text}\u201d",
        "resume:years_experience": "your {value:.1f} years of experience (typical: {typical:.1f})",
        "resume:skill_coverage": "your resume covers {value:.0%} of the role's key skills (typical: {typical:.0%})",
        "resume:has_resume": "whether a resume file was available",
        "process:answer_seconds": "your answers took about {value:.0f} seconds on average (typical: {typical:.0f})",
        "process:prompted_share": "you received a hint on {value:.0%} of the questions (typical: {typical:.0%})",
        "extra": "{text}: {value:g} (typical: {typical:g})",
        "number": "[a number]",
        "crit": {"final_passed": "estimated how likely candidates like you are to pass the final round",
                 "final_score": "estimated the final-round score of candidates like you",
                 "performance": "estimated the job performance of candidates like you",
                 "retained_12m": "estimated how likely candidates like you are to stay 12 months"},
    },
    "zh": {
        "title": "面试评估结果的形成说明",
        "ai": "您的AI面试结果：{result}（面试得分 {score:.2f}；通过线 {threshold:.2f}）。",
        "passed": "通过", "not_passed": "未通过",
        "model": ("我们使用根据该岗位（{job}）以往面试训练的模型，将您的面试表现与以往候选人进行比较，并{criterion}。"
                  "就您而言，总体情况{level}。"),
        "higher": "优于一般候选人", "lower": "低于一般候选人", "same": "与一般候选人大致相当",
        "for": "对您有利的主要因素：", "against": "对您不利的主要因素：", "none": "- 无突出因素",
        "not_used": "未使用的信息：评估未使用您的性别、年龄、种族或民族及学历，并排除了{n}项可能间接反映这些信息的特征。",
        "rights": "根据《个人信息保护法》第二十四条及GDPR第22条，您有权要求人工复核该决定、陈述意见并提出异议。请联系招聘团队。",
        "q": "您对“{text}”的回答评分为{value:.1f}分（满分5分；一般为{typical:.1f}分）",
        "dim": "您在“{text}”维度的总体评分为{value:.1f}分（一般为{typical:.1f}分）",
        "word_yes": "您的回答中提到了“{text}”",
        "word_no": "您的回答中没有提到“{text}”",
        "resume:years_experience": "您的工作年限为{value:.1f}年（一般为{typical:.1f}年）",
        "resume:skill_coverage": "您的简历覆盖了岗位关键技能的{value:.0%}（一般为{typical:.0%}）",
        "resume:has_resume": "是否提供了简历文件",
        "process:answer_seconds": "您的平均回答时长约为{value:.0f}秒（一般为{typical:.0f}秒）",
        "process:prompted_share": "您在{value:.0%}的问题上收到了提示（一般为{typical:.0%}）",
        "extra": "{text}：{value:g}（一般为{typical:g}）",
        "number": "[数字]",
        "crit": {"final_passed": "估计了与您相似的候选人通过终面的可能性",
                 "final_score": "估计了与您相似的候选人的终面得分",
                 "performance": "估计了与您相似的候选人的工作绩效",
                 "retained_12m": "估计了与您相似的候选人留任12个月的可能性"},
    },
}


_EPS = 1e-9  # SHAP values within this of 0 are no reason for or against


def _readable_term(term: str) -> bool:
    """Whether a term (or n-gram) can be shown to a candidate: not a number, not only stop words.

    >>> [_readable_term(t) for t in ("revenue", "<num>", "2024", "the", "我们", "grew <num>", "品牌")]
    [True, False, False, False, False, True, True]
    """
    from workbench.profile import ZH_STOP_WORDS, _en_stop_words

    stop = _en_stop_words() | ZH_STOP_WORDS
    parts = [t for t in term.split() if t != NUMBER_TOKEN and not _NUMBERS_ONLY.fullmatch(t)]
    return any(t.lower() not in stop and len(t) > 1 for t in parts)


def _short(text: str, n: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "\u2026"


# ------------------------------------------------------------------------------------------ result


@dataclass(frozen=True, eq=False)
class ExplainResult:
    """The fitted scoring model of one job, its cross-validated comparison, proxy screen and SHAP values.

    Attributes
    ----------
    job_id, criterion : str
    binary : bool
        Pass/fail criterion (logistic model, AUC) or continuous (ridge, r).
    model : ScoringModel
        Fitted on every training row (selected candidates with the criterion and every dimension scored).
    features : CandidateFeatures
        The applicant pool's inputs (all features built, including excluded ones).
    train_index : Index
        candidate_ids of the training rows.
    shap : DataFrame
        SHAP values of the training rows (model output scale: log-odds for pass/fail).
    cv : dict
        ``baseline_auc``, ``model_auc`` (None for a continuous criterion), per-fold values, ``caveat``.
    proxy : DataFrame
        :func:`proxy_screen` over the pool.
    proxy_blocks : DataFrame
        Joint screen of feature blocks (reported, not excluded).
    excluded : tuple of dict
        ``{feature, reason}`` for every feature left out.
    by_group : DataFrame
        Out-of-fold metrics per protected group.
    inputs : ReviewInputs
    question_text : mapping question_id -> text
    notes : tuple of str
    dataset_sha256 : str
    """

    job_id: str
    criterion: str
    binary: bool
    model: ScoringModel
    features: CandidateFeatures
    train_index: pd.Index
    shap: pd.DataFrame
    cv: dict[str, Any]
    proxy: pd.DataFrame
    proxy_blocks: pd.DataFrame
    excluded: tuple[dict[str, Any], ...]
    by_group: pd.DataFrame
    inputs: ReviewInputs
    question_text: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    dataset_sha256: str = ""
    proxy_threshold: float = 0.70

    # ---------------------------------------------------------------------------------------- global

    @property
    def feature_names(self) -> list[str]:
        """The model's features (after exclusions)."""
        return [str(n) for n in self.model.get_feature_names_out()]

    def importance(self) -> pd.DataFrame:
        """Global importance: mean |SHAP| per feature over the training rows, with the direction of association.

        Columns ``mean_abs_shap``, ``mean_shap_if_high`` (mean SHAP where the feature is above its mean: > 0
        means higher values go with the outcome), ``direction`` (``+``/``-``), ``kind``, sorted descending.
        """
        coef = self.model.coef_
        table = pd.DataFrame({"mean_abs_shap": self.shap.abs().mean(axis=0),
                              "direction": np.where(coef.reindex(self.shap.columns).to_numpy() >= 0, "+", "-")})
        table["kind"] = [n.split(":", 1)[0] for n in table.index]
        table.index.name = "feature"
        return table.sort_values("mean_abs_shap", ascending=False, kind="stable")

    def importance_by_kind(self) -> pd.Series:
        """Summed mean |SHAP| per kind of feature (q, dim, word, resume, process, extra)."""
        return self.importance().groupby("kind")["mean_abs_shap"].sum().sort_values(ascending=False)

    def words(self, top: int = 20) -> pd.DataFrame:
        """The terms most associated with the outcome: ``mean_abs_shap``, ``direction``, ``share_using``, and the
        observed criterion mean among training candidates who used / did not use the term."""
        imp = self.importance()
        imp = imp[imp["kind"] == "word"].head(top).copy()
        docs = self.features.frame.loc[self.train_index, TEXT_COLUMN] if TEXT_COLUMN in self.features.frame else None
        y = self.inputs.criterion_values.reindex(self.train_index)
        used_rate, unused_rate, share = [], [], []
        for feat in imp.index:
            term = feat.removeprefix("word:")
            used = docs.map(lambda d, t=term: f" {t} " in f" {d} ").to_numpy() if docs is not None else np.zeros(0)
            share.append(float(used.mean()) if used.size else np.nan)
            used_rate.append(float(y[used].mean()) if used.any() else np.nan)
            unused_rate.append(float(y[~used].mean()) if (~used).any() else np.nan)
        imp["share_using"] = share
        imp["criterion_if_used"] = used_rate
        imp["criterion_if_not_used"] = unused_rate
        return imp.drop(columns="kind")

    def top_features(self, top: int = 15) -> list[dict[str, Any]]:
        """``[{feature, mean_abs_shap, direction}]`` of the ``top`` features."""
        imp = self.importance().head(top)
        return [{"feature": f, "mean_abs_shap": round(float(r.mean_abs_shap), 6), "direction": r.direction}
                for f, r in imp.iterrows()]

    @property
    def proxy_flags(self) -> list[dict[str, Any]]:
        """Strong proxies: ``[{feature, attribute, group, strength, direction, excluded, reason}]``."""
        excluded = {e["feature"]: e["reason"] for e in self.excluded}
        out = []
        for row in self.proxy[self.proxy["flag"]].itertuples():
            out.append({"feature": row.feature, "attribute": row.attribute, "group": row.group,
                        "strength": round(float(row.strength), 4), "direction": row.direction,
                        "excluded": row.feature in excluded,
                        "reason": excluded.get(row.feature, "kept on request (allow_features)")})
        return out

    # ---------------------------------------------------------------------------------------- local

    def _row(self, candidate_id: str) -> pd.DataFrame:
        cid = str(candidate_id)
        if cid in self.features.no_answers:
            raise ExplainError(f"candidate {cid} has no interview answers: the model cannot score or explain them "
                               "(their AI decision rests on no answer; refer the request to a person)")
        if cid not in self.features.frame.index:
            raise ExplainError(f"candidate {cid} is not an applicant of job {self.job_id!r} with an AI decision")
        return self.features.frame.loc[[cid]]

    def local_shap(self, candidate_id: str) -> pd.Series:
        """SHAP values of one applicant (any applicant of the pool, selected or not), largest |value| first."""
        phi = self.model.shap_values(self._row(candidate_id)).iloc[0]
        return phi.reindex(phi.abs().sort_values(ascending=False).index)

    def label(self, feature: str, lang: str = "en") -> str:
        """A short human label of a feature (question text for ``q:``)."""
        kind, _, name = feature.partition(":")
        if kind == "q":
            return _short(self.question_text.get(name, name), 50)
        if kind == "dim":
            return name.replace("_", " ")
        if kind == "word":
            return name.replace(NUMBER_TOKEN, _STRINGS[lang]["number"])
        return name.replace("_", " ")

    def typical(self, feature: str) -> float:
        """The value a candidate's is compared with: the SHAP reference (training mean; term share)."""
        ref = self.model.reference_
        if feature in ref.index and np.isfinite(ref[feature]):
            return float(ref[feature])
        return float(self.features.frame.loc[self.train_index, feature].mean())

    def _reason(self, feature: str, value: float, lang: str) -> str:
        s = _STRINGS[lang]
        kind, _, name = feature.partition(":")
        typical = self.typical(feature) if kind != "word" else 0.0
        if kind in ("q", "dim"):
            return s[kind].format(text=self.label(feature, lang), value=value, typical=typical)
        if kind == "word":
            return s["word_yes" if value else "word_no"].format(text=self.label(feature, lang))
        if feature in s:
            return s[feature].format(value=value, typical=typical)
        return s["extra"].format(text=name, value=value, typical=typical)

    def plain_explanation(self, candidate_id: str, lang: str = "zh", *, top: int = 3) -> str:
        """A plain-language explanation for one candidate (PIPL Art. 24, GDPR Art. 22 requests).

        The AI interview result (when known), how the model's overall view of the candidate compares with a
        typical candidate, the ``top`` main reasons for and against, what was not used, and the right to
        human review. No coefficients, log-odds or SHAP numbers.

        Parameters
        ----------
        candidate_id : str
        lang : {"zh", "en"}
        top : int, default 3

        Raises
        ------
        ExplainError
            Unknown language, unknown candidate, candidate without answers.
        """
        if lang not in _STRINGS:
            raise ExplainError(f"lang must be 'zh' or 'en', got {lang!r}")
        s = _STRINGS[lang]
        row = self._row(candidate_id)
        phi = self.model.shap_values(row).iloc[0]
        cid = str(candidate_id)
        lines = [f"{s['title']} \u2014 {cid}"]
        if cid in self.inputs.ai_score.index and pd.notna(self.inputs.ai_score[cid]):
            result = s["passed"] if bool(self.inputs.selected[cid]) else s["not_passed"]
            lines.append(s["ai"].format(result=result, score=float(self.inputs.ai_score[cid]),
                                        threshold=float(self.inputs.profile.threshold)))
        total = float(phi.sum())
        spread = float(self.shap.sum(axis=1).std()) or 1.0
        level = "higher" if total > 0.25 * spread else "lower" if total < -0.25 * spread else "same"
        job = self.inputs.profile.title or self.job_id
        lines.append(s["model"].format(job=job, criterion=s["crit"].get(self.criterion, self.criterion),
                                       level=s[level]))
        values = row.iloc[0]
        terms = f" {values.get(TEXT_COLUMN, '')} "
        for heading, part in ((s["for"], phi[phi > _EPS].sort_values(ascending=False)),
                              (s["against"], phi[phi < -_EPS].sort_values())):
            lines.append(heading)
            reasons = []
            for feat in part.index:
                if len(reasons) == top:
                    break
                if feat.startswith("word:"):
                    if not _readable_term(feat.removeprefix("word:")):
                        continue  # numbers and function words mean nothing to a candidate
                    val = float(f" {feat.removeprefix('word:')} " in terms)
                elif pd.isna(values.get(feat)):
                    continue  # a missing value sits at the reference (no contribution); never a stated reason
                else:
                    val = float(values[feat])
                reasons.append(f"- {self._reason(feat, val, lang)}")
            lines += reasons or [s["none"]]
        n_proxy = sum(1 for e in self.excluded if e["reason"].startswith("proxy"))
        lines.append(s["not_used"].format(n=n_proxy))
        lines.append(s["rights"])
        return "\n".join(lines)

    # ---------------------------------------------------------------------------------------- figures

    def global_figure(self, top: int = 20):
        """Plotly bar chart of the ``top`` features by mean |SHAP| (colour: direction of association)."""
        import plotly.graph_objects as go

        imp = self.importance().head(top).iloc[::-1]
        colors = ["#2b8cbe" if d == "+" else "#e34a33" for d in imp["direction"]]
        fig = go.Figure(go.Bar(x=imp["mean_abs_shap"], y=[f"{self.label(f)} ({f.split(':')[0]})" for f in imp.index],
                               orientation="h", marker_color=colors, customdata=list(imp.index),
                               hovertemplate="%{customdata}<br>mean |SHAP| %{x:.3f}<extra></extra>"))
        fig.update_layout(title=f"{self.job_id}: features associated with {self.criterion} (blue: higher values go "
                                "with the outcome; red: lower)", xaxis_title="mean |SHAP| (log-odds)",
                          height=max(300, 22 * len(imp) + 120), margin={"l": 320})
        return fig

    def words_figure(self, top: int = 15):
        """Plotly chart of the terms most associated with the outcome ("which keywords relate to passing?")."""
        import plotly.graph_objects as go

        w = self.words(top).iloc[::-1]
        signed = np.where(w["direction"] == "+", 1, -1) * w["mean_abs_shap"]
        fig = go.Figure(go.Bar(x=signed, y=[self.label(f) for f in w.index], orientation="h",
                               marker_color=["#2b8cbe" if v >= 0 else "#e34a33" for v in signed],
                               customdata=np.column_stack([w["share_using"].fillna(0)]),
                               hovertemplate="%{y}<br>signed mean |SHAP| %{x:.3f}<br>used by %{customdata[0]:.0%}"
                                             "<extra></extra>"))
        fig.update_layout(title=f"{self.job_id}: answer terms associated with {self.criterion}",
                          xaxis_title="signed mean |SHAP| (log-odds; > 0: using the term goes with the outcome)",
                          height=max(300, 22 * len(w) + 120), margin={"l": 200})
        return fig

    def waterfall_figure(self, candidate_id: str, top: int = 10):
        """Plotly waterfall: from the average model output to this candidate's, the ``top`` contributions."""
        import plotly.graph_objects as go

        phi = self.local_shap(candidate_id)
        head, rest = phi.iloc[:top], float(phi.iloc[top:].sum())
        labels = ["average candidate", *[self.label(f) for f in head.index], f"{len(phi) - len(head)} other features",
                  str(candidate_id)]
        values = [self.model.expected_value_, *head.to_numpy(), rest, 0.0]
        measure = ["absolute", *["relative"] * (len(head) + 1), "total"]
        fig = go.Figure(go.Waterfall(x=labels, y=values, measure=measure, orientation="v",
                                     text=[f"{v:+.2f}" for v in values[:-1]] + [""], textposition="outside"))
        fig.update_layout(title=f"Why the model scores {candidate_id} as it does ({self.criterion}; log-odds)",
                          yaxis_title="model output", showlegend=False, height=480)
        return fig

    # ---------------------------------------------------------------------------------------- card & dict

    def model_card(self) -> dict[str, Any]:
        """A model card: details, intended use, data, criterion, metrics overall and by group, limitations."""
        import shap
        import sklearn

        y = self.inputs.criterion_values.reindex(self.train_index)
        return json_ready({
            "model_details": {
                "name": f"workbench scoring model ({self.job_id}, {self.criterion})",
                "type": MODEL_NAME if self.binary else MODEL_NAME.replace("L2 logistic", "ridge"),
                "regularisation_C": self.model.C, "n_features": len(self.feature_names),
                "explanations": "exact interventional SHAP of a linear model (w_j (x_j - E[x_j])), additive in log-odds",
                "monotone": "question and dimension scores have non-negative weights (a higher score never counts "
                            "against a candidate)",
                "date": dt.date.today().isoformat(),
                "versions": {"scikit-learn": sklearn.__version__, "shap": shap.__version__, "pandas": pd.__version__},
                "profile_version": self.inputs.profile.version, "dataset_sha256": self.dataset_sha256,
            },
            "intended_use": {
                "primary": ("Research and decision support: learn from past interviews which answers and scores go "
                            "with later success, compare with the profile's weighted sum, and explain both to "
                            "recruiters and candidates."),
                "users": ["HR analytics researchers", "recruiters (with the explanations)", "auditors"],
                "out_of_scope": ["Automated rejection without human review", "Use for another job or population "
                                 "without re-validation", "Any use of protected attributes or their proxies"],
            },
            "data": {
                "job_id": self.job_id, "applicants": self.inputs.n_applicants,
                "applicants_without_answers": len(self.features.no_answers), "training_rows": len(self.train_index),
                "criterion_mean": float(y.mean()) if len(y) else None,
                "ai_pass_rate": float(self.inputs.selected.mean()),
                "features_built": self.features.numeric_columns + ([f"{TEXT_COLUMN} (terms)"]
                                                                   if TEXT_COLUMN in self.features.frame else []),
                "excluded": list(self.excluded),
            },
            "criterion": {"name": self.criterion, "binary": self.binary,
                          "observed_for": "AI-passed candidates only (range-restricted)"},
            "metrics": {"overall": self.cv, "by_group": self.by_group.to_dict(orient="records")},
            "proxy_screen": {"threshold_auc": self.proxy_threshold, "flags": self.proxy_flags,
                             "blocks": self.proxy_blocks.to_dict(orient="records")},
            "limitations": [
                RESTRICTION,
                "Associations, not causes: a term or score that goes with success is not a reason to coach it.",
                "Trained on past decisions: it can learn the biases of past final-round interviewers.",
                "Proxy screening is univariate per feature plus a joint check per feature block; combinations across "
                "blocks can still carry protected information.",
                "Group metrics on small groups are unstable; groups under the minimum size are not reported.",
                *self.notes,
            ],
            "ethical_considerations": [
                "Protected attributes are used only to audit (proxy screen, metrics by group), never as features.",
                "Candidates may request an explanation and human review (PIPL Art. 24, GDPR Art. 22).",
            ],
        })

    def model_card_markdown(self) -> str:
        """The model card as Markdown (tables for metrics; escaped for HTML-safe rendering by a Markdown engine)."""
        card = self.model_card()
        esc = lambda v: html.escape(str(v)).replace("|", "\\|")  # noqa: E731
        out = [f"# Model card: {esc(card['model_details']['name'])}", "", "## Model details"]
        out += [f"- **{esc(k)}**: {esc(v)}" for k, v in card["model_details"].items()]
        iu = card["intended_use"]
        out += ["", "## Intended use", esc(iu["primary"]), "", "Out of scope:"] + [f"- {esc(x)}" for x in iu["out_of_scope"]]
        out += ["", "## Data"] + [f"- **{esc(k)}**: {esc(v)}" for k, v in card["data"].items() if k != "excluded"]
        out += ["", "Excluded features:"] + [f"- `{esc(e['feature'])}`: {esc(e['reason'])}" for e in card["data"]["excluded"]]
        out += ["", "## Criterion", f"{esc(self.criterion)}, observed for AI-passed candidates only (range-restricted)."]
        cv = card["metrics"]["overall"]
        out += ["", "## Metrics (cross-validated, same folds)", "| | baseline (profile weighted sum) | model |",
                "|---|---|---|"]
        for key in ("auc", "r_observed", "r_corrected"):
            b, m = cv.get(f"baseline_{key}"), cv.get(f"model_{key}")
            if b is not None or m is not None:
                out.append(f"| {key} | {_fmt(b)} | {_fmt(m)} |")
        out += ["", "### By group (out-of-fold)", "| attribute | group | n | criterion mean | model AUC | baseline AUC |",
                "|---|---|---|---|---|---|"]
        for r in card["metrics"]["by_group"]:
            out.append(f"| {esc(r['attribute'])} | {esc(r['group'])} | {r['n']} | {_fmt(r['criterion_mean'])} | "
                       f"{_fmt(r['model_auc'])} | {_fmt(r['baseline_auc'])} |")
        out += ["", "## Limitations"] + [f"- {esc(x)}" for x in card["limitations"]]
        out += ["", "## Ethical considerations"] + [f"- {esc(x)}" for x in card["ethical_considerations"]]
        return "\n".join(out) + "\n"

    def model_card_html(self) -> str:
        """The model card as a self-contained, escaped HTML fragment (pre-formatted Markdown)."""
        return f"<section class='model-card'><pre>{html.escape(self.model_card_markdown())}</pre></section>"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result with the command-contract keys (``criterion, model, cv, features, top_features,
        proxy_flags``) and extras (``job_id``, ``excluded``, ``importance_by_kind``, ``words``, ``notes`` ...)."""
        words = self.words(15)
        return json_ready({
            "criterion": self.criterion, "job_id": self.job_id,
            "model": {"type": "logistic_regression" if self.binary else "ridge", "C": self.model.C,
                      "n_features": len(self.feature_names), "n_train": len(self.train_index),
                      "expected_value": self.model.expected_value_, "output": "log-odds" if self.binary else "criterion"},
            "cv": self.cv,
            "features": self.feature_names,
            "top_features": self.top_features(),
            "proxy_flags": self.proxy_flags,
            "proxy_blocks": self.proxy_blocks.to_dict(orient="records"),
            "excluded": list(self.excluded),
            "importance_by_kind": self.importance_by_kind().to_dict(),
            "words": [{"term": f.removeprefix("word:"), **r} for f, r in words.to_dict(orient="index").items()],
            "by_group": self.by_group.to_dict(orient="records"),
            "applicants": self.inputs.n_applicants, "applicants_without_answers": list(self.features.no_answers),
            "notes": list(self.notes), "dataset_sha256": self.dataset_sha256,
        })

    def summary(self) -> str:
        """Human summary: comparison, top features and words, proxies excluded, caveat."""
        cv = self.cv
        metric = "AUC" if self.binary else "r"
        key = "auc" if self.binary else "r_observed"
        lines = [f"Scoring model for {self.job_id} ({self.criterion}): {len(self.feature_names)} features, trained on "
                 f"{len(self.train_index)} AI-passed candidates with the criterion.",
                 f"Cross-validated {metric} ({cv['folds']} folds, same folds): baseline weighted sum "
                 f"{_fmt(cv.get('baseline_' + key))}, model {_fmt(cv.get('model_' + key))} "
                 f"(model better in {cv['model_wins']} of {cv['folds']} folds)."]
        lines.append("Top features (mean |SHAP|): " + ", ".join(
            f"{t['feature']} {t['direction']}{t['mean_abs_shap']:.3f}" for t in self.top_features(8)))
        w = self.words(8)
        if len(w):
            lines.append("Terms associated with the outcome: " + ", ".join(
                f"{f.removeprefix('word:')} ({d})" for f, d in w["direction"].items()))
        flags = self.proxy_flags
        if flags:
            lines.append(f"Proxy screen (AUC >= {self.proxy_threshold:.2f}): " + "; ".join(
                f"{f['feature']} predicts {f['attribute']}={f['group']} (AUC {f['strength']:.2f}, "
                f"{'excluded' if f['excluded'] else 'kept'})" for f in flags))
        else:
            lines.append(f"Proxy screen: no feature predicts a protected attribute with AUC >= {self.proxy_threshold:.2f}.")
        joint = self.proxy_blocks[self.proxy_blocks["flag"]] if len(self.proxy_blocks) else self.proxy_blocks
        for r in joint.itertuples():
            lines.append(f"Warning: jointly, the {r.block} features predict {r.attribute}={r.group} "
                         f"(cross-validated AUC {r.cv_auc:.2f}).")
        if self.features.no_answers:
            lines.append(f"{len(self.features.no_answers)} applicant(s) without answers were left out.")
        lines.append(RESTRICTION.split(". ")[0] + ".")
        lines += list(self.notes)
        return "\n".join(lines)


def _fmt(v: Any) -> str:
    return "n/a" if v is None or (isinstance(v, float) and not np.isfinite(v)) else f"{float(v):.3f}"


# ------------------------------------------------------------------------------------------ entry point


def _source(dataset: Any) -> tuple[dict[str, pd.DataFrame], Mapping[str, Any], Path | None]:
    """Tables, profiles and folder of a Dataset, a dataset folder, or a Simulation."""
    from workbench.data.schema import TABLE_NAMES

    if isinstance(dataset, (str, Path)):
        from workbench.data import load

        dataset = load(dataset)
    if hasattr(dataset, "table") and hasattr(dataset, "profiles"):
        return {n: dataset.table(n) for n in TABLE_NAMES}, dataset.profiles, getattr(dataset, "path", None)
    if hasattr(dataset, "tables") and hasattr(dataset, "profiles"):
        return dict(dataset.tables), dataset.profiles, None
    raise ExplainError("dataset must be a Dataset, a dataset folder or a Simulation")


def _choose_job(tables, profiles, criterion: str, job_id: str | None) -> tuple[str, list[str]]:
    if job_id is not None:
        if job_id not in profiles:
            raise ExplainError(f"job {job_id!r} has no profile (profiles: {', '.join(sorted(profiles)) or 'none'})")
        return job_id, []
    if not profiles:
        raise ExplainError("the dataset has no job profile")
    if len(profiles) == 1:
        return next(iter(profiles)), []
    from workbench.review.inputs import CRITERIA

    table, column = CRITERIA.get(criterion, ("final_rounds", "final_passed"))
    src = tables.get(table)
    have = set(src.loc[src[column].notna(), "candidate_id"]) if src is not None and column in src else set()
    cands = tables["candidates"]
    counts = {j: int(cands.loc[cands["job_id"] == j, "candidate_id"].isin(have).sum()) for j in sorted(profiles)}
    best = max(counts, key=lambda j: (counts[j], j))
    return best, [f"job {best!r} chosen (most candidates with {criterion}: {counts}); pass job_id for another"]


def baseline_total(inputs: ReviewInputs, ids: Any = None) -> np.ndarray:
    """The baseline the model is compared with: the profile's weighted total (:mod:`workbench.composite`).

    Examples
    --------
    >>> from workbench.simulate import simulate, small_config
    >>> sim = simulate(small_config(n_candidates=200, seed=2, answer_texts=False))
    >>> ri = review_inputs_from_tables(sim.tables, sim.profiles["product_manager"], "final_score")
    >>> bool(np.array_equal(baseline_total(ri), ri.ai_score.to_numpy()))
    True
    """
    dims = inputs.dimensions if ids is None else inputs.dimensions.loc[ids]
    return composite.weighted_total(dims, inputs.profile.weights).to_numpy()


def _model_corrected(inputs: ReviewInputs, frame: pd.DataFrame, train_ids: pd.Index, oof: np.ndarray,
                     final: Any) -> float:
    """The model's corrected validity by the validity table's rule (:func:`corrected_validity`).

    Out-of-fold scores on the training rows; the final model's scores on the other applicants (they enter only
    the finalists' moments of a two-stage correction, never a correlation with the criterion); NaN for
    selected candidates with the criterion outside the training rows (as in the baseline's cross-validation).
    """
    idx = inputs.ai_score.index
    x = pd.Series(np.nan, index=idx, dtype=float)
    rest = idx[~idx.isin(train_ids) & idx.isin(frame.index)]
    if len(rest):
        x[rest] = final.decision_function(frame.loc[rest])
    x[(inputs.selected & inputs.criterion_values.notna()).reindex(idx).to_numpy()] = np.nan
    x[train_ids] = oof
    return float(corrected_validity(inputs, x.to_numpy())[0])


def _by_group(inputs: ReviewInputs, ids: pd.Index, y: np.ndarray, model_oof: np.ndarray, base: np.ndarray,
              binary: bool, min_n: int = 20) -> pd.DataFrame:
    rows = []
    groups = inputs.groups.reindex(ids)
    for attr in SCREEN_ATTRIBUTES:
        try:
            labels = group_labels(groups, attr).to_numpy()
        except ValueError:
            continue
        for g in sorted({x for x in labels if isinstance(x, str)}):
            m = labels == g
            if m.sum() < min_n:
                continue
            both = binary and 0 < y[m].sum() < m.sum()
            rows.append({"attribute": attr, "group": g, "n": int(m.sum()), "criterion_mean": float(y[m].mean()),
                         "model_auc": auc(y[m], model_oof[m]) if both else None,
                         "baseline_auc": auc(y[m], base[m]) if both else None,
                         "model_r": None if binary else pearson(model_oof[m], y[m]).r,
                         "baseline_r": None if binary else pearson(base[m], y[m]).r})
    return pd.DataFrame(rows, columns=["attribute", "group", "n", "criterion_mean", "model_auc", "baseline_auc",
                                       "model_r", "baseline_r"])


def _cross_validate(inputs: ReviewInputs, frame: pd.DataFrame, train_ids: pd.Index, y: np.ndarray, template: Any,
                    binary: bool, folds: int, random_state: Any) -> tuple[dict[str, Any], np.ndarray, Any]:
    """The model against the profile's baseline on the folds of :func:`cross_validated_validity`.

    Returns the ``cv`` summary, the model's out-of-fold scores and the model refitted on all training rows.
    """
    # cross-validation on the folds of cross_validated_validity
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            base_cv = cross_validated_validity(inputs, {"current": inputs.profile.weights}, folds=folds,
                                               random_state=random_state)
        except ReviewInputError as exc:
            raise ExplainError(str(exc)) from exc
    splitter = (StratifiedKFold(int(folds), shuffle=True, random_state=random_state) if binary
                else KFold(int(folds), shuffle=True, random_state=random_state))
    X = frame.loc[train_ids]
    oof = np.full(len(y), np.nan)
    per_fold = []
    for k, (tr, te) in enumerate(splitter.split(np.zeros(len(y)), y if binary else None)):
        fitted = clone(template).fit(X.iloc[tr], y[tr])
        oof[te] = fitted.decision_function(X.iloc[te])
        base_fold = base_cv["weights"]["current"]["per_fold"][k]
        if base_fold["n"] != len(te):
            raise RuntimeError("fold mismatch with cross_validated_validity")  # pragma: no cover
        per_fold.append({"n": int(len(te)),
                         "model_auc": auc(y[te], oof[te]) if binary else None,
                         "baseline_auc": base_fold["auc"],
                         "model_r": pearson(oof[te], y[te]).r, "baseline_r": base_fold["r_observed"]})
    final = clone(template).fit(X, y)
    r_model = pearson(oof, y).r
    r_model_c = _model_corrected(inputs, frame, train_ids, oof, final)
    bw = base_cv["weights"]["current"]
    key = "auc" if binary else "r"
    wins = sum(1 for f in per_fold if (f[f"model_{key}"] or 0) > (f[f"baseline_{key}"] or 0))
    cv = {"baseline_auc": bw["auc"], "model_auc": auc(y, oof) if binary else None,
          "baseline_auc_fold_mean": float(np.mean([f["baseline_auc"] for f in per_fold])) if binary else None,
          "model_auc_fold_mean": float(np.mean([f["model_auc"] for f in per_fold])) if binary else None,
          "baseline_r_observed": bw["r_observed"], "model_r_observed": r_model,
          "baseline_r_corrected": bw["r_corrected"], "model_r_corrected": r_model_c,
          "model_wins": wins, "n": int(len(y)), "folds": int(folds), "per_fold": per_fold,
          "same_folds_as": "workbench.review.weights.cross_validated_validity", "caveat": RESTRICTION}
    return cv, oof, final


def explain_dataset(
    dataset: Any,
    criterion: str = "final_passed",
    *,
    job_id: str | None = None,
    folds: int = 5,
    random_state: int | None = 0,
    text: bool = True,
    resumes: bool = True,
    proxy_threshold: float = 0.70,
    exclude_proxies: bool = True,
    allow_features: Iterable[str] = (),
    joint_screen: bool = True,
    min_group: int = 30,
    model: ScoringModel | None = None,
    max_unexpected_text: float = 0.2,
) -> ExplainResult:
    """Fit the scoring model of one job, screen proxies, compare with the profile by CV and explain with SHAP.

    Parameters
    ----------
    dataset : Dataset, path or Simulation
        A loaded :class:`workbench.data.Dataset`, a dataset folder, or a :class:`workbench.simulate.Simulation`.
    criterion : str, default "final_passed"
        ``final_passed``, ``final_score``, ``performance`` or ``retained_12m``.
    job_id : str, optional
        Default: the only job, or the job with the most candidates having the criterion (noted).
    folds, random_state
        Cross-validation (the folds of :func:`workbench.review.weights.cross_validated_validity`).
    text, resumes : bool
        Use answer-text terms; parse resume files (``candidates.resume_path``; datasets on disk only).
    proxy_threshold : float, default 0.70
        Proxy strength (oriented AUC) at which a feature is flagged.
    exclude_proxies : bool, default True
        Leave flagged features out of the model (with the reason).
    allow_features : iterable of str
        Flagged features to keep anyway (e.g. job-related with a documented business necessity); still reported.
    joint_screen : bool, default True
        Also screen feature blocks jointly (cross-validated; reported, not excluded).
    min_group : int, default 30
        Smallest group screened.
    model : ScoringModel, optional
        A configured model (default ``ScoringModel()``); its ``drop`` is extended by the exclusions.
    max_unexpected_text : float, default 0.2
        See :func:`candidate_features`.

    Returns
    -------
    ExplainResult

    Raises
    ------
    ExplainError
        Unknown job or criterion, a criterion with a single value, no answers, too few candidates for the
        folds, text in an unexpected language.
    """
    tables, profiles, folder = _source(dataset)
    job_id, notes = _choose_job(tables, profiles, criterion, job_id)
    try:
        inputs = review_inputs_from_tables(tables, profiles[job_id], criterion)
    except ReviewInputError as exc:
        raise ExplainError(str(exc)) from exc
    binary = criterion in BINARY_CRITERIA
    feats = candidate_features(inputs, tables, text=text, resume_root=folder if resumes else None,
                               max_unexpected_text=max_unexpected_text)
    notes += list(feats.notes)
    frame = feats.frame
    # training rows: exactly the rows of cross_validated_validity (selected, criterion, every dimension scored)
    ok = inputs.selected & inputs.criterion_values.notna() & inputs.dimensions.notna().all(axis=1)
    train_ids = inputs.dimensions.index[ok.to_numpy()]
    y = inputs.criterion_values[train_ids].to_numpy(dtype=float)
    if len(y) == 0:
        raise ExplainError(f"{job_id}: no AI-passed candidate has {criterion!r} and every dimension scored")
    values = np.unique(y)
    if values.size < 2:
        what = ("passed" if values[0] == 1 else "failed") if binary else f"have the value {values[0]:g}"
        raise ExplainError(f"{job_id}: all {len(y)} candidates with {criterion!r} {what}: a criterion with a single "
                           "value cannot train or evaluate a model; choose another criterion or add data")
    template = model if model is not None else ScoringModel()
    # proxy screen over the applicant pool (design matrix fitted without the criterion)
    design = clone(template).set_params(drop=())
    Zpool = design._fit_design(design._check_X(frame))
    names = [str(n) for n in design.get_feature_names_out()]
    n_numeric = len(design.numeric_features_)
    groups = inputs.groups.reindex(frame.index)
    proxy = proxy_screen(Zpool, names, groups, threshold=proxy_threshold, min_group=min_group, binary_from=n_numeric)
    blocks = (_joint_screen(Zpool, names, groups, SCREEN_ATTRIBUTES, proxy_threshold, min_group, random_state)
              if joint_screen else pd.DataFrame(columns=["block", "n_features", "attribute", "group", "n_group",
                                                         "cv_auc", "flag"]))
    allow = {str(a) for a in allow_features}
    excluded = list(feats.excluded)
    drop = set(template.drop)
    if exclude_proxies:
        for feat, rows in proxy[proxy["flag"]].groupby("feature", sort=False):
            if feat in allow:
                continue
            r = rows.iloc[0]
            drop.add(feat)
            excluded.append({"feature": feat, "reason": (
                f"proxy of {r.attribute}: alone it separates {r.attribute}={r.group} from the others with AUC "
                f"{r.strength:.2f} (>= {proxy_threshold:.2f}); excluded by default")})
    template = clone(template).set_params(drop=tuple(sorted(drop)))
    cv, oof, final = _cross_validate(inputs, frame, train_ids, y, template, binary, folds, random_state)
    X = frame.loc[train_ids]
    base_total = baseline_total(inputs, train_ids)
    shap_train = final.shap_values(X)
    by_group = _by_group(inputs, train_ids, y, oof, base_total, binary)
    if feats.no_answers:
        notes.append(f"{len(feats.no_answers)} applicant(s) have no answers and were left out (e.g. "
                     f"{feats.no_answers[0]})")
    try:
        from workbench.data.provenance import dataset_sha256

        digest = dataset_sha256(dataset if not isinstance(dataset, (str, Path)) and hasattr(dataset, "table")
                                else tables)
    except Exception:  # noqa: BLE001 - provenance is best effort
        digest = ""
    bank = tables["questions"]
    qtext = dict(zip(bank["question_id"], bank["text"].fillna(""))) if "text" in bank else {}
    return ExplainResult(
        job_id=job_id, criterion=criterion, binary=binary, model=final, features=feats, train_index=train_ids,
        shap=shap_train, cv=cv, proxy=proxy, proxy_blocks=blocks, excluded=tuple(excluded), by_group=by_group,
        inputs=inputs, question_text=qtext, notes=tuple(notes), dataset_sha256=digest, proxy_threshold=proxy_threshold)
