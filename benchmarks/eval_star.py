"""Per-component precision, recall and F1 of the STAR analyser (workbench.feedback).

Real answers: the SIOP 2024 answers in ../shared/external/interviews/siop2024/ with our labels
(workbench/feedback_data/siop_labels.csv, guide: docs/star_labelling_guide.md). The held-out third was fixed
before any rule was written and is never tuned on; the dev part is what the rules were developed on (printed
too, labelled as such). Simulated answers (datasets/demo, English and Chinese) are a second check only: their
text comes from a small fragment bank, so they are easy.

Run: ``.venv/bin/python benchmarks/eval_star.py [--errors dev]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench.feedback import analyze  # noqa: E402
from workbench.feedback_data import MissingSourceError, load_labels  # noqa: E402

COMPONENTS = ("S", "T", "A", "R", "quantified")


def prf(y_true, y_pred) -> dict:
    """Precision, recall, F1 and counts for binary labels.

    >>> prf([1, 1, 0, 0], [1, 0, 1, 0])["f1"]
    0.5
    """
    tp = sum(1 for t, p in zip(y_true, y_pred) if t and p)
    fp = sum(1 for t, p in zip(y_true, y_pred) if not t and p)
    fn = sum(1 for t, p in zip(y_true, y_pred) if t and not p)
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    f = 2 * p * r / (p + r) if tp else (0.0 if (fp or fn) else float("nan"))
    return {"n": len(y_true), "positives": tp + fn, "precision": p, "recall": r, "f1": f}


def predict(texts, lang="en") -> pd.DataFrame:
    rows = []
    for t in texts:
        a = analyze(t, lang=lang)
        rows.append({**{k: int(a.star[k].present) for k in "STAR"}, "quantified": int(bool(a.quantified))})
    return pd.DataFrame(rows)


def table(labels: pd.DataFrame, pred: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({c: prf(labels[c].tolist(), pred[c].tolist()) for c in COMPONENTS}).T.round(3)


def simulated(lang: str) -> pd.DataFrame:
    root = Path(__file__).resolve().parents[1] / "datasets" / "demo"
    ans = pd.read_csv(root / "answers.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(root / "answer_truth.csv", dtype=str)
    q = pd.read_csv(root / "questions.csv", dtype=str)
    df = ans.merge(truth, on=["candidate_id", "question_id"]).merge(q[["question_id", "job_id"]], on="question_id")
    df = df[df["answer_text"] != ""]
    df = df[df["job_id"] == ("regional_sales_manager" if lang == "zh" else "product_manager")].head(400)
    lab = pd.DataFrame({"S": df.star_s.astype(int), "T": df.star_t.astype(int), "A": df.star_a.astype(int),
                        "R": df.star_r.astype(int), "quantified": df.quantified.astype(int)}).reset_index(drop=True)
    return table(lab, predict(df["answer_text"], lang))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--errors", choices=["dev"], help="list the dev answers the rules get wrong")
    args = ap.parse_args(argv)
    try:
        labels = load_labels()
    except MissingSourceError as exc:
        print(f"skipped: {exc}")
        return 0
    for split, title in (("heldout", "HELD-OUT (never tuned on)"), ("dev", "DEV (rules developed here)")):
        part = labels[labels["split"] == split].reset_index(drop=True)
        pred = predict(part["answer"])
        print(f"\n== {title}: all {len(part)} labelled answers (random sample + numeric-enriched sample)")
        print(table(part, pred).to_string())
        rnd = part["sample"] == "random"
        print(f"-- {title}: random sample only ({int(rnd.sum())})")
        print(table(part[rnd].reset_index(drop=True), pred[rnd.values].reset_index(drop=True)).to_string())
        if args.errors == split:
            for i, r in part.iterrows():
                wrong = [c for c in COMPONENTS if int(r[c]) != int(pred.loc[i, c])]
                if wrong:
                    print(f"\n[{r.answer_id}] wrong: {wrong} truth={[int(r[c]) for c in COMPONENTS]}\n  {r.answer}")
    for lang in ("en", "zh"):
        print(f"\n== SIMULATED {lang} answers (datasets/demo, fragment bank; a second check only)")
        print(simulated(lang).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
