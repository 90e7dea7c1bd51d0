"""The explanation result: SHAP reasons, candidate and HR explanations, and the model card."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.nlp.terms import NUMBER_TOKEN
from workbench.review.inputs import ReviewInputs
from workbench.jsonable import json_ready
from workbench.explain.features import CandidateFeatures
from workbench.explain.common import ExplainError, MODEL_NAME, RESTRICTION, TEXT_COLUMN, _NUMBERS_ONLY
from workbench.explain.model import ScoringModel
from workbench.explain.proxy import proxy_screen


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
    from workbench.nlp.terms import ZH_STOP_WORDS, _en_stop_words

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
    coverage: Mapping[str, Any] = field(default_factory=dict)

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
        from importlib.metadata import PackageNotFoundError, version

        import sklearn

        try:  # the version only: importing shap takes most of a second and its code is not used here
            shap_version = version("shap")
        except PackageNotFoundError:
            shap_version = "not installed"

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
                "versions": {"scikit-learn": sklearn.__version__, "shap": shap_version, "pandas": pd.__version__},
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
            "coverage": dict(self.coverage), "warnings": list(self.coverage.get("warnings", [])),
        })

    def summary(self) -> str:
        """Human summary: comparison, top features and words, proxies excluded, caveat."""
        cv = self.cv
        metric = "AUC" if self.binary else "r"
        key = "auc" if self.binary else "r_observed"
        lines = [f"Scoring model for {self.job_id} ({self.criterion}): {len(self.feature_names)} features, trained on "
                 f"{len(self.train_index)} AI-passed candidates with the criterion.",
                 *(f"WARNING: {w}" for w in self.coverage.get("warnings", [])),
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


