"""Per-component precision, recall, F1 and Cohen's kappa of the STAR analyser (workbench.feedback): rules vs a
learned alternative, per language, on held-out splits fixed before the rules were written; plus the two-pass
agreement of the labels.

Data (labels written under docs/star_labelling_guide.md, revision 2: past behaviour, not intentions):

- English, real: the 164 SIOP 2024 answers in ../shared/external/interviews/siop2024/ with our labels
  (workbench/feedback_data/siop_labels.csv); every SIOP question is behavioural. dev = 109, held-out = 55.
- Chinese, AUTHORED (written by us in candidates' voices, not collected): workbench/feedback_data/zh_dev_answers.csv,
  66 answers to behavioural and situational questions; dev = 44, held-out = 22 (``default_rng(15)``).
- Two-pass agreement: the 50 answers of siop_labels_pass2.csv (``default_rng(15)``) against the first pass.

The learned alternative is one logistic regression per component over the rule features
(:func:`workbench.feedback.star_features`) plus word 1-2-grams (English) or character 1-3-grams (Chinese); C is
chosen by 5-fold cross-validation on dev only, then the model is fitted on all of dev and scored on held-out once.

Run: ``.venv/bin/python benchmarks/eval_star.py [--errors dev|zh-dev] [--dev-only]``
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench.feedback import analyze, star_features  # noqa: E402
from workbench.feedback_data import HERE, MissingSourceError, load_labels  # noqa: E402

COMPONENTS = ("S", "T", "A", "R", "quantified")
MODES = ("past_episode", "hypothetical", "habitual", "generic")


def kappa(a, b) -> float:
    """Cohen's kappa of two binary (or categorical) label lists.

    >>> kappa([1, 1, 0, 0], [1, 1, 0, 0]), kappa([1, 0, 1, 0], [1, 1, 0, 0])
    (1.0, 0.0)
    """
    a, b = list(a), list(b)
    n = len(a)
    cats = sorted(set(a) | set(b))
    po = sum(x == y for x, y in zip(a, b)) / n
    pe = sum((a.count(c) / n) * (b.count(c) / n) for c in cats)
    return float("nan") if pe == 1 else (po - pe) / (1 - pe)


def prf(y_true, y_pred) -> dict:
    """Precision, recall, F1, kappa and counts for binary labels.

    >>> prf([1, 1, 0, 0], [1, 0, 1, 0])["f1"]
    0.5
    """
    tp = sum(1 for t, p in zip(y_true, y_pred) if t and p)
    fp = sum(1 for t, p in zip(y_true, y_pred) if not t and p)
    fn = sum(1 for t, p in zip(y_true, y_pred) if t and not p)
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    f = 2 * p * r / (p + r) if tp else (0.0 if (fp or fn) else float("nan"))
    return {"n": len(y_true), "positives": tp + fn, "precision": p, "recall": r, "f1": f,
            "kappa": kappa([int(x) for x in y_true], [int(x) for x in y_pred])}


def predict(texts, kinds, lang="en") -> pd.DataFrame:
    rows = []
    for t, k in zip(texts, kinds):
        a = analyze(t, lang=lang, question_kind=k)
        rows.append({**{c: int(a.star[c].present) for c in "STAR"}, "quantified": int(bool(a.quantified)),
                     "mode": a.mode})
    return pd.DataFrame(rows)


def table(labels: pd.DataFrame, pred: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({c: prf(labels[c].astype(int).tolist(), pred[c].astype(int).tolist()) for c in COMPONENTS}).T
    return out.astype(float).round(3)


# ------------------------------------------------------------------------------------------ learned

def _features(texts, kinds, lang) -> pd.DataFrame:
    return pd.DataFrame([star_features(t, lang, k) for t, k in zip(texts, kinds)])


def _vectorizer(lang):
    from sklearn.feature_extraction.text import TfidfVectorizer

    if lang == "zh":
        return TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    return TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, lowercase=True)


def _design(vec, texts, feats, fit=False):
    from scipy import sparse

    words = vec.fit_transform(texts) if fit else vec.transform(texts)
    return sparse.hstack([words, sparse.csr_matrix(feats.to_numpy(dtype=float) / (1 + feats.to_numpy().max(0)))]).tocsr()


def learned(dev: pd.DataFrame, test: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, dict]:
    """Fit one logistic regression per component on dev (C by 5-fold CV on dev), predict test."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    fd = _features(dev["answer"], dev["question_kind"], lang)
    ft = _features(test["answer"], test["question_kind"], lang)
    vec = _vectorizer(lang)
    xd = _design(vec, dev["answer"].tolist(), fd, fit=True)
    xt = _design(vec, test["answer"].tolist(), ft)
    pred, chosen = {}, {}
    for c in COMPONENTS:
        y = dev[c].astype(int).to_numpy()
        if y.min() == y.max() or min(np.bincount(y)) < 5:  # too few positives to learn: fall back on the rule
            pred[c] = ft[f"rule_{c}"].astype(int).to_numpy()
            chosen[c] = "rule (too few dev positives)"
            continue
        best = None
        for cval in (0.1, 0.3, 1.0, 3.0, 10.0):
            m = LogisticRegression(C=cval, max_iter=2000, class_weight="balanced")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cv = cross_val_predict(m, xd, y, cv=StratifiedKFold(5, shuffle=True, random_state=0))
            f1 = prf(y.tolist(), cv.tolist())["f1"]
            if best is None or f1 > best[0]:
                best = (f1, cval)
        m = LogisticRegression(C=best[1], max_iter=2000, class_weight="balanced").fit(xd, y)
        pred[c] = m.predict(xt)
        chosen[c] = f"C={best[1]} (dev CV F1 {best[0]:.3f})"
    return pd.DataFrame(pred), chosen


# ------------------------------------------------------------------------------------------ data

def english() -> pd.DataFrame:
    lab = load_labels()
    lab["question_kind"] = "behavioral"  # every SIOP question is behavioural (source README)
    return lab


def chinese() -> pd.DataFrame:
    return pd.read_csv(HERE / "zh_dev_answers.csv", dtype={"answer_id": str})


def two_pass() -> pd.DataFrame:
    p1 = pd.read_csv(HERE / "siop_labels.csv")
    p2 = pd.read_csv(HERE / "siop_labels_pass2.csv")
    m = p2.merge(p1, on="answer_id", suffixes=("_2", "_1"), validate="one_to_one")
    rows = {}
    for c in (*COMPONENTS, "mode"):
        a, b = m[f"{c}_1"].tolist(), m[f"{c}_2"].tolist()
        rows[c] = {"n": len(m), "agreement": float(np.mean([x == y for x, y in zip(a, b)])), "kappa": kappa(a, b)}
    return pd.DataFrame(rows).T.astype(float).round(3)


def _report(name: str, data: pd.DataFrame, lang: str, errors: bool, dev_only: bool = False) -> None:
    dev = data[data["split"] == "dev"].reset_index(drop=True)
    test = data[data["split"] == "heldout"].reset_index(drop=True)
    parts = [("DEV (rules developed here)", dev)] if dev_only else [("HELD-OUT (never tuned on)", test),
                                                                   ("DEV (rules developed here)", dev)]
    for split, part in parts:
        pred = predict(part["answer"], part["question_kind"], lang)
        print(f"\n== {name} {split}: {len(part)} answers -- RULES")
        print(table(part, pred).to_string())
        print(f"-- mode accuracy {np.mean(pred['mode'] == part['mode']):.3f}, "
              f"kappa {kappa(part['mode'].tolist(), pred['mode'].tolist()):.3f}")
        if errors and split.startswith("DEV"):
            for i, r in part.iterrows():
                wrong = [c for c in (*COMPONENTS, "mode") if str(r[c]) != str(pred.loc[i, c])]
                if wrong:
                    print(f"\n[{r.answer_id}] wrong: {wrong} truth={[r[c] for c in (*COMPONENTS, 'mode')]} "
                          f"pred={[pred.loc[i, c] for c in (*COMPONENTS, 'mode')]}\n  {r.answer}")
    if dev_only:
        return
    lp, chosen = learned(dev, test, lang)
    print(f"\n== {name} HELD-OUT: {len(test)} answers -- LEARNED (logistic regression, fitted on dev)")
    print(table(test, lp).to_string())
    print("   chosen on dev:", "; ".join(f"{c}: {v}" for c, v in chosen.items()))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--errors", choices=["dev", "zh-dev"], help="list the dev answers the rules get wrong")
    ap.add_argument("--dev-only", action="store_true", help="dev figures only (what rule development looks at)")
    args = ap.parse_args(argv)
    try:
        en = english()
    except MissingSourceError as exc:
        print(f"skipped English: {exc}")
        en = None
    if en is not None:
        _report("ENGLISH (real SIOP answers)", en, "en", args.errors == "dev", args.dev_only)
        print("\n== TWO-PASS AGREEMENT (same labeller, one session; 50 answers drawn with default_rng(15))")
        print(two_pass().to_string())
        rev1 = pd.read_csv(HERE / "siop_labels_rev1.csv").merge(pd.read_csv(HERE / "siop_labels.csv"), on="answer_id")
        print("-- revision 1 vs revision 2 labels (how much the stricter guide changed), kappa: "
              + ", ".join(f"{c} {kappa(rev1[c + '_x'].tolist(), rev1[c + '_y'].tolist()):.2f}" for c in COMPONENTS))
    _report("CHINESE (AUTHORED, not collected)", chinese(), "zh", args.errors == "zh-dev", args.dev_only)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
