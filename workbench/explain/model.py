"""The learned scoring model: a scikit-learn estimator (L2 logistic / ridge) with non-negative rubric weights
and SHAP values.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import r2_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from workbench.metrics import auc
from workbench.nlp.language import has_cjk
from workbench.explain.common import ExplainError, PROTECTED_ATTRIBUTES, TEXT_COLUMN
from workbench.explain.features import candidate_features


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


