"""Terms of answers and resumes: the tokenizer (English words, jieba for Chinese, numbers) and the log-odds
ratio with an informative Dirichlet prior.
"""

from __future__ import annotations

import re
from typing import Any

from workbench.nlp.language import CJK, has_cjk


# ====================================================================================== tokens, log-odds

_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[A-Za-z][A-Za-z'\-]*[A-Za-z]|[A-Za-z]|\d+(?:[.,]\d+)*%?")
NUMBER_TOKEN = "<num>"
ZH_STOP_WORDS = frozenset(
    "我们 你们 他们 自己 一个 这个 那个 这些 那些 什么 怎么 如何 因为 所以 但是 而且 然后 如果 就是 还是 可以 "
    "没有 已经 时候 之后 之前 以及 或者 非常 比较 进行 通过 对于 关于 其中 当时 最后 最终 "
    # pronoun + adverb fusions jieba keeps as one word, and other fillers (they carry no competence)
    "我刚 我要 我先 我也 我就 我会 我想 我的 我们的 的话 一些 一下 这样 那样 还有 以后 越来越 比如 例如".split())


def _en_stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def term_language(term: str) -> str:
    """``zh`` for a term with a CJK character (:func:`workbench.nlp.language.has_cjk`), else ``en``."""
    return "zh" if has_cjk(term) else "en"


def tokenize(text: str) -> list[str]:
    """Terms of a text for keyword statistics, English and Chinese (mixed text is fine).

    English: lower-cased words of letters (inner ``'`` and ``-`` kept), scikit-learn's English stop words
    and one-letter words dropped. Chinese: runs of CJK characters segmented with jieba, single characters
    and a short list of function words dropped. Every number (with its ``%``) becomes ``<num>``, so that
    quantified statements count as one term.

    >>> tokenize("I grew Revenue by 40% at Acme")
    ['grew', 'revenue', '<num>', 'acme']
    >>> tokenize("销售额增长了35%") == ['销售额', '增长', '<num>']
    True
    """
    if not isinstance(text, str) or not text:
        return []
    stop = _en_stop_words()
    out: list[str] = []
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if CJK.match(tok):
            out.extend(w for w in _jieba().lcut(tok) if len(w) > 1 and w not in ZH_STOP_WORDS)
        elif tok[0].isdigit():
            out.append(NUMBER_TOKEN)
        else:
            tok = tok.lower()
            if len(tok) > 1 and tok not in stop:
                out.append(tok)
    return out


def _as_counts(counts: Any, name: str):
    import pandas as pd

    s = pd.Series(counts, dtype="float64") if not isinstance(counts, pd.Series) else counts.astype("float64")
    if s.isna().any() or (s < 0).any():
        raise ValueError(f"{name}: counts must be non-negative numbers")
    return s.groupby(level=0).sum()


def informative_prior(counts: Any, alpha0: float) -> Any:
    """Dirichlet prior proportional to background ``counts``: alpha_w = alpha0 * count_w / sum(count).

    >>> informative_prior({"a": 3, "b": 1}, 8).to_dict()
    {'a': 6.0, 'b': 2.0}
    """
    s = _as_counts(counts, "counts")
    total = float(s.sum())
    if total <= 0 or not alpha0 > 0:
        raise ValueError("informative_prior needs positive counts and alpha0 > 0")
    return s * (float(alpha0) / total)


def log_odds_dirichlet(counts_a: Any, counts_b: Any, prior: Any):
    r"""Log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin' Words").

    For term :math:`w` with counts :math:`y^a_w, y^b_w`, totals :math:`n^a, n^b`, prior
    :math:`\alpha_w` and :math:`\alpha_0 = \sum_w \alpha_w`:

    .. math::
        \delta_w = \log\frac{y^a_w + \alpha_w}{n^a + \alpha_0 - y^a_w - \alpha_w}
                 - \log\frac{y^b_w + \alpha_w}{n^b + \alpha_0 - y^b_w - \alpha_w},\quad
        \sigma^2_w \approx \frac{1}{y^a_w + \alpha_w} + \frac{1}{y^b_w + \alpha_w},\quad
        z_w = \delta_w / \sigma_w .

    Positive ``z``: the term is over-represented in ``a``. The z-scores screen terms; they are not
    corrected for the many terms compared.

    Parameters
    ----------
    counts_a, counts_b : mapping or Series of term -> count
    prior : mapping or Series of term -> alpha (> 0), or a number (the same alpha for every term)
        Terms of ``a`` or ``b`` missing from a mapping prior are an error.

    Returns
    -------
    DataFrame
        Columns ``term``, ``count_a``, ``count_b``, ``alpha``, ``delta``, ``var``, ``z``, sorted by ``z``
        (descending, then term).

    Examples
    --------
    >>> t = log_odds_dirichlet({"x": 3, "y": 1}, {"x": 1, "y": 3}, 1.0)
    >>> t[["term", "delta", "var", "z"]].round(4).to_dict("records")[0]
    {'term': 'x', 'delta': 1.3863, 'var': 0.75, 'z': 1.6008}
    """
    import numpy as np
    import pandas as pd

    a, b = _as_counts(counts_a, "counts_a"), _as_counts(counts_b, "counts_b")
    terms = a.index.union(b.index)
    a, b = a.reindex(terms, fill_value=0.0), b.reindex(terms, fill_value=0.0)
    if isinstance(prior, int | float):
        if not prior > 0:
            raise ValueError(f"prior: alpha must be positive, got {prior}")
        alpha = pd.Series(float(prior), index=terms)
    else:
        p = _as_counts(prior, "prior")
        missing = terms.difference(p.index)
        if len(missing):
            raise ValueError(f"prior: no alpha for {len(missing)} term(s), e.g. {list(missing[:3])}")
        alpha = p.reindex(terms)
        if not (alpha > 0).all():
            raise ValueError("prior: every alpha must be positive")
    n_a, n_b, a0 = float(a.sum()), float(b.sum()), float(alpha.sum())
    delta = np.log((a + alpha) / (n_a + a0 - a - alpha)) - np.log((b + alpha) / (n_b + a0 - b - alpha))
    var = 1.0 / (a + alpha) + 1.0 / (b + alpha)
    out = pd.DataFrame({"term": terms.astype(str), "count_a": a.to_numpy(), "count_b": b.to_numpy(),
                        "alpha": alpha.to_numpy(), "delta": delta.to_numpy(), "var": var.to_numpy()})
    out["z"] = out["delta"] / np.sqrt(out["var"])
    return out.sort_values(["z", "term"], ascending=[False, True], kind="stable").reset_index(drop=True)



