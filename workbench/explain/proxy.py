"""The proxy screen: features that predict a protected attribute (AUC), alone and in blocks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from workbench.data.groups import group_labels
from workbench.metrics import auc, auc_columns
from workbench.explain.common import SCREEN_ATTRIBUTES


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


NEWTON_MAX_COLUMNS = 400


def _oof_auc(X: np.ndarray, member: np.ndarray, random_state: Any) -> float:
    """Out-of-fold (3-fold, stratified) AUC of an L2 logistic regression (C = 0.1) of ``member`` on ``X``.

    Blocks up to :data:`NEWTON_MAX_COLUMNS` wide are dense and solved by Newton's method (``newton-cholesky``):
    the same penalised likelihood as L-BFGS, to a tighter tolerance and several times faster; wider (sparse)
    blocks keep L-BFGS.

    >>> g = np.random.default_rng(1)
    >>> m = g.random(300) < 0.4
    >>> X = np.column_stack([m + g.normal(0, 1, 300), g.normal(size=300)])
    >>> 0.6 < _oof_auc(X, m.astype(int), 0) < 0.8
    True
    """
    solver = "newton-cholesky" if X.shape[1] <= NEWTON_MAX_COLUMNS else "lbfgs"
    oof = np.zeros(len(member))
    for tr, te in StratifiedKFold(3, shuffle=True, random_state=random_state).split(member, member):
        fit = LogisticRegression(C=0.1, max_iter=500, solver=solver).fit(X[tr], member[tr])
        oof[te] = fit.decision_function(X[te])
    return float(auc(member, oof))


def _joint_screen(Z, names, groups, attributes, threshold, min_group, random_state) -> pd.DataFrame:
    """Cross-validated (3-fold) logistic AUC of each feature block for each protected group vs the rest.

    When the screened groups of an attribute are one group and its complement (two groups covering every
    known row), "group vs rest" is the same split of the rows for both: it is fitted once, for the first.
    """
    Z = sparse.csc_matrix(Z)
    screened = list(_groups_of(groups, attributes, min_group))
    rows = []
    # Z is the fitted design (imputed, standardised: finite) and the parameters are fixed here: scikit-learn's
    # input and parameter checks, a sixth of the time of these hundreds of small fits, are skipped
    with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
        for block, idx in _blocks(names).items():
            rows += _block_rows(block, idx, Z, screened, threshold, random_state)
    columns = ["block", "n_features", "attribute", "group", "n_group", "cv_auc", "flag"]
    return pd.DataFrame(rows, columns=columns).sort_values("cv_auc", ascending=False, ignore_index=True)


def _block_rows(block: str, idx: list[int], Z: Any, screened: list, threshold: float,
                random_state: Any) -> list[dict[str, Any]]:
    """The rows of :func:`_joint_screen` of one feature block: its best-separated group per attribute."""
    rows: list[dict[str, Any]] = []
    if len(idx) < 2:
        return rows
    Zb = Z[:, idx]
    Zb = Zb.toarray() if len(idx) <= NEWTON_MAX_COLUMNS else Zb.tocsr()
    for attr, known, members in screened:
        Xk = Zb[known]
        best = (0.5, "", 0)
        complement = len(members) == 2 and int(members[0][1].sum() + members[1][1].sum()) == len(known[known])
        for g, mask in members[:1] if complement else members:
            score = _oof_auc(Xk, mask.astype(int), random_state)
            if score > best[0]:
                best = (score, g, int(mask.sum()))
        if best[1]:
            rows.append({"block": block, "n_features": len(idx), "attribute": attr, "group": best[1],
                         "n_group": best[2], "cv_auc": best[0], "flag": bool(best[0] >= threshold)})
    return rows
