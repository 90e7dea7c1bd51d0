r"""Synthetic AI-interview histories with known ground truth.

The simulator writes a dataset that satisfies the data contract (:mod:`workbench.data.schema`) and, beside
it, the truth every later module is tested against: which questions predict nothing, the population
validities, the weights that really drive success, the biases that were injected, the effect of real-time
prompting, and the fields of every resume file. No real person is described; names, companies and numbers
are invented.

The model (one job; every parameter is a field of :class:`SimulationConfig` or :class:`JobSpec`)
-------------------------------------------------------------------------------------------------
1. Latent competencies. Each applicant has one competency per profile dimension,
   :math:`\theta \sim N(0, \Sigma)` with unit variances and a common correlation :math:`\rho`
   (``dimension_correlation``, default .40: interview dimension ratings correlate moderately, which is why
   their discriminant validity is weak; Huffcutt, Conway, Roth & Stone 2001, J. Appl. Psychol. 86, 897-913),
   and one "presentation" factor :math:`\pi \sim N(0, 1)` (polish, fluency) independent of :math:`\theta`
   that raises every answer but does not predict the job (impression management; Barrick, Shaffer &
   DeGrassi 2009, J. Appl. Psychol. 94, 1394-1411).
2. Question scores. Answer :math:`q` to a question of dimension :math:`d` is scored on the 1-5 rubric
   (behaviourally anchored, Campion, Palmer & Campion 1997, Pers. Psychol. 50, 655-702):
   :math:`x^*_q = \mu_q + \sigma_q(\lambda_q\theta_d + \gamma_q\pi + \sqrt{1-\lambda_q^2-\gamma_q^2}\,\varepsilon_q)
   + \delta\,\mathrm{prompted}_q + \sum_b s_b\,1[\mathrm{group}_b]`, then rounded to ``score_step`` and clipped
   to [1, 5] (about 1 % of scores clip with the defaults). :math:`\lambda_q` is the question's true loading:
   about .7 for a good behavioural question (Janz 1982; Latham et al. 1980 for situational ones), .3-.5 for
   weaker situational ones, and 0 for general questions ("Why do you want to join us?") that predict nothing.
3. AI decision. Dimension score = mean of its question scores; ``ai_score`` = the profile's expert-weighted
   total. The profile threshold is set from the model (normal approximation) so that the expected pass rate
   is ``JobSpec.target_pass_rate`` (default .35; vendors report 30-40 %), unless ``JobSpec.threshold`` is
   given; it is written into the profile YAML. A share ``review_rate`` of decisions is human-reviewed; a
   reviewed borderline case (within ``borderline_band`` of the threshold) is overturned with probability
   ``override_rate``. ``ai_passed`` is the decision that took effect, so for overturned rows it differs from
   ``ai_score >= threshold``.
4. Criteria, simulated for EVERY applicant (counterfactual), revealed only for the selected. The true
   potential is the oracle-weighted composite :math:`T = \beta'\theta / sd(\beta'\theta)`; the oracle weights
   :math:`\beta` differ from the expert weights on purpose (the review module should find that).
   Final round :math:`f = a_f T + \sqrt{1-a_f^2} e_f` (``final_true_loading``), ``final_score`` its 1-5
   rubric version, ``final_passed = final_score >= cut`` with the cut chosen so a share
   ``JobSpec.final_pass_rate`` of AI-passed finalists pass. Performance
   :math:`y = hT + \sqrt{1-h^2} e_y` with :math:`h` solved so that the operational validity of the AI total for
   performance in the full applicant population equals ``target_validity`` (.40; Schmidt & Hunter 1998,
   Psychol. Bull. 124, 262-274; Sackett, Zhang, Berry & Lievens 2022, J. Appl. Psychol. 107, 2040-2068 report
   .42 for structured interviews). The error :math:`e_y` stands for criterion unreliability, among other
   things (supervisory ratings: interrater reliability about .52, Viswesvaran, Ones & Schmidt 1996).
   An offer is accepted with probability ``offer_acceptance`` (hired is a subset of final_passed);
   ``retained_12m`` rises with performance. Only AI-passed candidates appear in ``final_rounds``; only
   offered candidates (final_passed) appear in ``outcomes`` (hired true/false; performance and retention only
   for hires, a few missing), so every observed criterion statistic is range-restricted (Thorndike 1949;
   Hunter, Schmidt & Le 2006, J. Appl. Psychol. 91, 594-612), while ``truth.json`` carries both the
   theoretical full-population validities (closed form from the linear-Gaussian model, rounding included as
   uniform noise, clipping ignored) and the empirical ones on the counterfactual population.
5. Protected attributes (gender, age, race_ethnicity in the NYC Local Law 144 categories, education) are
   drawn independently of the competencies; each is missing (empty) for a few percent. A :class:`Bias`
   shifts the observed scores of one question (``q:<question_id>``) or dimension (``dim:<name>``) for one
   group, leaving competencies and criteria untouched: measurement bias (differential functioning) that a
   fairness audit should detect. Group membership is the true attribute, also where it is not disclosed.
6. Randomised real-time prompting: each answer is prompted with probability ``prompt_rate``; the hint
   (``prompt_kind``) follows from the first draft (missing_action, missing_result, ask_quantify,
   praise_quantified); a prompt adds ``prompt_effect`` rubric points to the score and may complete the text.
7. Answer texts in the job's language: each STAR part (Situation, Task, Action, Result) is present with
   probability :math:`\Phi(\alpha_{part} + \beta\,\eta)`, a quantified result with
   :math:`\Phi(\alpha_Q + \beta_Q\,\eta)` given a result, where :math:`\eta` is the competency the question
   measures (the presentation factor for general questions). ``answer_truth.csv`` records the parts.
8. Question versions (:class:`QuestionRevision`, none by default): a question reworded during the interview
   period is, for the answers given from the switch date on, scored as in 2. with the new version's loading
   :math:`\lambda'_q` and a mean shifted by ``shift``; those answers record ``question_version``, the
   questions table has a row per version, and ``truth.json`` gives each version's loading and validities.
   Without revisions no random number is drawn differently (the committed demo is unchanged).
9. Resumes: each applicant has a career of work intervals (some overlapping, the last one often
   "present" = ``reference_date``); ``years_experience`` is the length of their union (months counted from
   the first of the start month to the first of the end month, overlaps once) / 12, rounded to 2 decimals. A
   subset is written as files (txt, pdf, docx) with their fields in ``resumes/truth.jsonl``.

All randomness flows from ``np.random.SeedSequence(seed)`` through independent child streams, so the same
seed gives byte-identical files.

Examples
--------
>>> sim = simulate(small_config(n_candidates=200, seed=1))
>>> sorted(sim.tables)
['ai_decisions', 'answers', 'candidates', 'final_rounds', 'outcomes', 'questions']
>>> len(sim.tables["answers"]) == 200 * 12
True
>>> set(sim.tables["final_rounds"].candidate_id) <= set(
...     sim.tables["ai_decisions"].query("ai_passed").candidate_id)
True
"""

from __future__ import annotations

import dataclasses
import functools
import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml
from scipy import integrate, optimize, stats

from workbench import _simtext, composite
from workbench.data.schema import EDUCATION_LEVELS, GENDERS, RACE_ETHNICITY, TABLES
from workbench.data.profiles import save_profile
from workbench.records import Dimension, JobProfile
from workbench.jsonable import json_ready
from workbench.metrics import pearson_r

if TYPE_CHECKING:
    from workbench.review.holdout import HoldoutPolicy

__all__ = [
    "Bias",
    "DimensionSpec",
    "JobSpec",
    "QuestionRevision",
    "QuestionSpec",
    "Simulation",
    "SimulationConfig",
    "TriggeredPrompting",
    "demo_config",
    "load_question_revisions",
    "simulate",
    "simulate_dataset",
    "small_config",
    "write_simulation",
]

ANSWER_TRUTH_FLAGS = ("star_s", "star_t", "star_a", "star_r", "quantified")
PROMPT_KINDS = ("missing_action", "missing_result", "ask_quantify", "praise_quantified")
BASE_VERSION = "v1"  # questions.version of every question as the job spec defines it
GRAD_AGE = {"high_school": 18, "associate": 21, "bachelor": 22, "master": 25, "doctorate": 29}


class SimulationError(ValueError):
    """A simulation config breaks a rule; the message names the field."""


# --------------------------------------------------------------------------------------------- config


@dataclass(frozen=True)
class DimensionSpec:
    """One dimension of a simulated job.

    Parameters
    ----------
    name : str
        Dimension id (``questions.dimension``).
    expert_weight : float
        The weight in the job profile (what the experts believe); expert weights sum to 1.
    oracle_weight : float
        The weight with which the competency truly drives final-round success and performance; oracle
        weights sum to 1 and differ from the expert weights on purpose.
    keywords : mapping
        ``{"en": (...), "zh": (...)}`` written into the profile.
    description : str
        For people.
    topics : tuple of str
        Phrases (in the job's language) that answer texts talk about.
    """

    name: str
    expert_weight: float
    oracle_weight: float
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    description: str = ""
    topics: tuple[str, ...] = ("the project",)


@dataclass(frozen=True)
class QuestionSpec:
    """One question of a simulated job.

    Parameters
    ----------
    question_id : str
        Unique across jobs.
    dimension : str
        The dimension whose score it enters (general questions are filed under a dimension too).
    kind : str
        ``behavioral``, ``situational`` or ``general``.
    text : str
        The question, in the job's language.
    loading : float
        True loading lambda on the dimension's competency (0 = predicts nothing).
    presentation_loading : float
        Loading gamma on the presentation factor (polish that does not predict the job).
    mean, sd : float
        Rubric mean and spread of the (unclipped) score.
    """

    question_id: str
    dimension: str
    kind: str
    text: str
    loading: float
    presentation_loading: float = 0.3
    mean: float = 3.0
    sd: float = 0.8


@dataclass(frozen=True)
class JobSpec:
    """One simulated job: profile, question bank, population and funnel.

    Parameters
    ----------
    job_id, title : str
        Identifier and human title.
    language : str
        ``en`` or ``zh``: question, answer and resume language.
    dimensions : tuple of DimensionSpec
        With expert weights (the profile) and oracle weights (the truth).
    questions : tuple of QuestionSpec
        With kind, text, dimension and true loading.
    threshold : float or None
        Profile threshold; None = derived from ``target_pass_rate``.
    target_pass_rate : float
        Expected share passing the AI interview (vendors report 30-40 %).
    final_pass_rate : float
        Share of AI-passed finalists who pass the final round (design choice, 40-50 %).
    share : float
        Share of the applicants who apply to this job (normalised over jobs).
    profile_version : str
        Written into the profile and ``ai_decisions.profile_version``.
    age_mean, age_sd : float
        Applicant age distribution (normal, rounded, clipped to 20-62).
    education_probs, race_probs : mapping
        Category probabilities (schema values).
    general_topics : tuple of str
        Topics for answers to general questions.

    Examples
    --------
    >>> job = demo_config().jobs[1]
    >>> job.job_id, job.language, job.dimension_names[0], len(job.questions)
    ('product_manager', 'en', 'product_sense', 12)
    >>> [q.question_id for q in job.questions if q.loading == 0]
    ['pm_q09', 'pm_q10', 'pm_q11', 'pm_q12']
    """

    job_id: str
    title: str
    language: str
    dimensions: tuple[DimensionSpec, ...]
    questions: tuple[QuestionSpec, ...]
    threshold: float | None = None
    target_pass_rate: float = 0.35
    final_pass_rate: float = 0.45
    share: float = 0.5
    profile_version: str = "2026Q1"
    age_mean: float = 32.0
    age_sd: float = 6.5
    education_probs: Mapping[str, float] = field(
        default_factory=lambda: {"high_school": 0.03, "associate": 0.12, "bachelor": 0.55, "master": 0.26,
                                 "doctorate": 0.04})
    race_probs: Mapping[str, float] = field(
        default_factory=lambda: {"white": 0.55, "hispanic_or_latino": 0.16, "black_or_african_american": 0.12,
                                 "asian": 0.12, "two_or_more_races": 0.03,
                                 "native_american_or_alaska_native": 0.01,
                                 "native_hawaiian_or_pacific_islander": 0.01})
    general_topics: tuple[str, ...] = ("my career goals",)

    def __post_init__(self) -> None:
        where = f"job {self.job_id!r}"
        if self.language not in ("en", "zh"):
            raise SimulationError(f"{where}.language: {self.language!r} is not en or zh")
        names = [d.name for d in self.dimensions]
        if not names or len(set(names)) != len(names):
            raise SimulationError(f"{where}.dimensions: need unique dimension names")
        for attr in ("expert_weight", "oracle_weight"):
            total = sum(getattr(d, attr) for d in self.dimensions)
            if abs(total - 1) > 1e-6:
                raise SimulationError(f"{where}.dimensions: {attr}s sum to {total:.6g}, not 1")
        for q in self.questions:
            if q.dimension not in names:
                raise SimulationError(f"{where}.questions[{q.question_id}]: unknown dimension {q.dimension!r}")
            if q.kind not in ("behavioral", "situational", "general"):
                raise SimulationError(f"{where}.questions[{q.question_id}]: unknown kind {q.kind!r}")
            if q.loading < 0 or q.presentation_loading < 0 or q.loading**2 + q.presentation_loading**2 >= 1:
                raise SimulationError(
                    f"{where}.questions[{q.question_id}]: need loading, presentation_loading >= 0 with "
                    "loading^2 + presentation_loading^2 < 1")
        for d in names:
            if not any(q.dimension == d for q in self.questions):
                raise SimulationError(f"{where}: dimension {d!r} has no question")
        if not 0 < self.target_pass_rate < 1 or not 0 < self.final_pass_rate < 1:
            raise SimulationError(f"{where}: target_pass_rate and final_pass_rate must be in (0, 1)")
        for attr, allowed in (("education_probs", EDUCATION_LEVELS), ("race_probs", RACE_ETHNICITY)):
            probs = getattr(self, attr)
            if set(probs) - set(allowed) or abs(sum(probs.values()) - 1) > 1e-6:
                raise SimulationError(f"{where}.{attr}: keys must be among {allowed} and values sum to 1")

    @property
    def dimension_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.dimensions)


@dataclass(frozen=True)
class Bias:
    """Measurement bias: shift the observed scores of ``target`` by ``shift`` rubric points for ``group``.

    Parameters
    ----------
    attribute : str
        ``gender``, ``race_ethnicity``, ``education`` or ``age``.
    group : str
        A category value, or for age a band: ``"40+"``, ``"<30"`` or ``"30-39"``.
    target : str
        ``"q:<question_id>"`` or ``"dim:<dimension name>"``.
    shift : float
        Added to the score before rounding (negative = disadvantage).

    Examples
    --------
    >>> Bias("age", "40+", "q:rsm_q01", -0.9).members(np.array([25, 40, 61]), "age").tolist()
    [False, True, True]
    """

    attribute: str
    group: str
    target: str
    shift: float

    def __post_init__(self) -> None:
        allowed = {"gender": GENDERS, "race_ethnicity": RACE_ETHNICITY, "education": EDUCATION_LEVELS}
        if self.attribute == "age":
            self.age_band()
        elif self.attribute not in allowed:
            raise SimulationError(f"bias.attribute: {self.attribute!r} is not gender, race_ethnicity, education or age")
        elif self.group not in allowed[self.attribute]:
            raise SimulationError(f"bias.group: {self.group!r} is not a {self.attribute} category")
        if not (self.target.startswith("q:") or self.target.startswith("dim:")):
            raise SimulationError(f"bias.target: {self.target!r} must start with 'q:' or 'dim:'")

    def age_band(self) -> tuple[int, int]:
        """Inclusive (low, high) ages of an age group."""
        g = self.group.replace(" ", "")
        try:
            if g.endswith("+"):
                return int(g[:-1]), 200
            if g.startswith("<"):
                return 0, int(g[1:]) - 1
            lo, hi = g.split("-")
            return int(lo), int(hi)
        except ValueError:
            raise SimulationError(f"bias.group: age band {self.group!r} is not like '40+', '<30' or '30-39'") from None

    def members(self, values: np.ndarray, attribute: str) -> np.ndarray:
        """Boolean mask of the group among true attribute values."""
        if attribute != self.attribute:
            return np.zeros(len(values), dtype=bool)
        if self.attribute == "age":
            lo, hi = self.age_band()
            return (values >= lo) & (values <= hi)
        return values == self.group

    def targets(self, job: JobSpec) -> list[int]:
        """Indices of the job's questions this bias touches."""
        kind, _, name = self.target.partition(":")
        return [i for i, q in enumerate(job.questions) if (q.question_id if kind == "q" else q.dimension) == name]


@dataclass(frozen=True)
class QuestionRevision:
    """A rewording of a question during the interview period: from ``switch_at`` on it is asked as ``version``.

    Every answer to ``question_id`` given on or after the switch date (``answers.interviewed_at``) is an
    answer to the new version: it records ``question_version = version``, its true loading on the question's
    competency is ``loading`` (what the new wording measures; 0 = it predicts nothing) and its rubric mean is
    shifted by ``shift`` points (an easier or harder wording). The presentation loading, spread and any
    :class:`Bias` of the question carry over. The questions table gets a row per version with its ``text``;
    ``truth.json`` gets the true loading and validities of each version. The AI threshold is placed from the
    original versions (a rewording that moves scores moves the pass rate, as it would in practice).

    Parameters
    ----------
    question_id : str
        A question of one of the jobs.
    version : str
        The new ``questions.version`` (the original is ``"v1"``); unique per question.
    switch_at : str, datetime.date or float
        An ISO date, or a fraction in [0, 1] of the interview period (first to last possible interview
        date of :class:`SimulationConfig`: 0 = every answer is of the new version, 1 = only the last day's).
    loading : float
        True loading of the new version on the competency (>= 0, with loading^2 + presentation_loading^2 < 1).
    text : str
        The new wording (in the job's language).
    shift : float
        Added to the new version's scores before rounding.

    Examples
    --------
    >>> rev = QuestionRevision("pm_q01", "v2", 0.5, 0.0, "Why do you like products?")
    >>> rev.switch_date(dt.date(2024, 1, 1), dt.date(2024, 1, 31)).isoformat()
    '2024-01-16'
    >>> QuestionRevision("pm_q01", "v2", "2024-03-01", 0.5, "...").switch_date(dt.date(2024, 1, 1),
    ...                                                                         dt.date(2024, 12, 31))
    datetime.date(2024, 3, 1)
    >>> QuestionRevision("pm_q01", "v2", 1.5, 0.5, "...")
    Traceback (most recent call last):
    ...
    workbench.simulate.SimulationError: question_revisions[pm_q01 v2].switch_at: 1.5 is neither an ISO date nor a fraction in [0, 1]
    """

    question_id: str
    version: str
    switch_at: str | dt.date | float
    loading: float
    text: str
    shift: float = 0.0

    def __post_init__(self) -> None:
        where = f"question_revisions[{self.question_id} {self.version}]"
        if not str(self.version).strip() or str(self.version) == BASE_VERSION:
            raise SimulationError(f"{where}.version: need a new version, not {self.version!r}")
        if not str(self.text).strip():
            raise SimulationError(f"{where}.text: the new wording is empty")
        if not (math.isfinite(self.loading) and 0 <= self.loading < 1) or not math.isfinite(self.shift):
            raise SimulationError(f"{where}: need 0 <= loading < 1 and a finite shift")
        try:
            self.switch_date(dt.date(2000, 1, 1), dt.date(2000, 1, 2))
        except (TypeError, ValueError):
            raise SimulationError(f"{where}.switch_at: {self.switch_at!r} is neither an ISO date nor a fraction in "
                                  "[0, 1]") from None

    def switch_date(self, first: dt.date, last: dt.date) -> dt.date:
        """The first interview date of the new version, in the interview period ``first`` to ``last``."""
        at = self.switch_at
        if isinstance(at, dt.datetime):
            return at.date()
        if isinstance(at, dt.date):
            return at
        if isinstance(at, str):
            return dt.date.fromisoformat(at)
        if isinstance(at, bool) or not isinstance(at, (int, float)) or not 0 <= at <= 1:
            raise ValueError(at)
        return first + dt.timedelta(days=round(at * (last - first).days))


def load_question_revisions(path: str | Path) -> tuple[QuestionRevision, ...]:
    """Rewordings from a YAML file: a list of mappings with the fields of :class:`QuestionRevision`.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "revisions.yaml"
    >>> _ = path.write_text("- {question_id: pm_q01, version: v2, switch_at: 0.5, loading: 0.0, "
    ...                     "text: 'Why product?', shift: 0.3}\\n", encoding="utf-8")
    >>> load_question_revisions(path)[0].shift
    0.3
    """
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    if not isinstance(data, list) or not all(isinstance(d, Mapping) for d in data):
        raise SimulationError(f"{path}: need a list of revisions (question_id, version, switch_at, loading, text)")
    names = {f.name for f in dataclasses.fields(QuestionRevision)}
    out = []
    for k, d in enumerate(data):
        unknown, missing = set(d) - names, {"question_id", "version", "switch_at", "loading", "text"} - set(d)
        if unknown or missing:
            raise SimulationError(f"{path}: revision {k + 1}: unknown fields {sorted(unknown)}, "
                                  f"missing {sorted(missing)}")
        out.append(QuestionRevision(**d))
    return tuple(out)


@dataclass(frozen=True)
class TriggeredPrompting:
    """Real-time hints as the live feedback gives them: triggered by an incomplete first draft, not at random.

    The trigger fires (``hint_eligible``) when the draft lacks the action or the result, or has an
    unquantified result (the prompts of :func:`workbench.feedback.choose_hints`). With ``holdout_share`` > 0
    a :class:`workbench.review.holdout.HoldoutPolicy` withholds the hint from that share of the eligible
    answers, at random (``assignment=random``: a randomised experiment among eligible answers); without a
    holdout the hint reaches an eligible answer with probability ``delivery[star_before]`` (the fewer STAR
    parts in the draft, the likelier; ``assignment=triggered``: observational, unconfounded only given
    star_before). The true effect is ``SimulationConfig.prompt_effect`` rubric points on the score and
    ``prompt_completion`` (P the candidate adds the missing part) on completeness; ``truth.json`` records the
    realised average effects among eligible answers.

    Parameters
    ----------
    holdout_share : float in [0, 1)
        Share of eligible answers held out (no hint); 0 = no holdout.
    delivery : tuple of 5 floats
        P(hint shown | eligible, star_before = 0..4) without a holdout.
    holdout_seed : int, optional
        Seed of the holdout hash (default: the simulation's seed).
    unit : {"answer", "candidate"}
        Unit of the holdout.

    Examples
    --------
    >>> TriggeredPrompting(holdout_share=0.2).policy(5).assignment
    'random'
    >>> TriggeredPrompting(delivery=(1, 1, 1, 1))
    Traceback (most recent call last):
    ...
    workbench.simulate.SimulationError: triggered.delivery: need 5 probabilities in [0, 1] (star_before 0-4)
    """

    holdout_share: float = 0.0
    delivery: tuple[float, float, float, float, float] = (0.95, 0.9, 0.8, 0.65, 0.5)
    holdout_seed: int | None = None
    unit: str = "answer"

    def __post_init__(self) -> None:
        if len(self.delivery) != 5 or not all(0 <= p <= 1 for p in self.delivery):
            raise SimulationError("triggered.delivery: need 5 probabilities in [0, 1] (star_before 0-4)")
        try:
            self.policy(0)
        except ValueError as exc:
            raise SimulationError(f"triggered: {exc}") from None

    def policy(self, seed: int) -> HoldoutPolicy:
        """The holdout policy (its seed defaults to the simulation's ``seed``)."""
        from workbench.review.holdout import HoldoutPolicy

        return HoldoutPolicy(float(self.holdout_share), int(seed if self.holdout_seed is None else self.holdout_seed),
                             self.unit)


@dataclass(frozen=True)
class SimulationConfig:
    """Every parameter of a simulation, with its source.

    Parameters
    ----------
    jobs : tuple of JobSpec
        The jobs; see :func:`demo_config`.
    n_candidates : int
        Applications in total, split by ``JobSpec.share``.
    seed : int
        Root of ``np.random.SeedSequence``; same seed -> byte-identical output.
    reference_date : str
        ISO date the resumes are read ("present" = its month); applications fall in the
        ``application_window_days`` before it (ending ``10`` days earlier). Design choice.
    application_window_days : int
        Length of the application period.
    dimension_correlation : float
        Correlation between dimension competencies (.40; moderate, Huffcutt et al. 2001).
    score_step : float
        Rubric resolution of AI scores (0.1).
    target_validity : float
        Operational validity of the AI total for performance in the full applicant population (.40;
        Sackett et al. 2022: .42 for structured interviews; Schmidt & Hunter 1998: .51 before re-analysis).
    final_true_loading : float
        Correlation of the final-round latent with true potential (.75; a longer, panel interview is more
        reliable than a one-way AI interview; design choice).
    final_mean, final_sd, performance_mean, performance_sd : float
        Rubric location/spread of final_score (3.0, 0.8) and performance ratings (3.3, 0.7; ratings are
        lenient, mean above the midpoint; design choice).
    offer_acceptance : float
        P(accept offer) (.85; recruiting benchmark surveys report roughly 80-90 %).
    retention_rate, retention_loading : float
        P(retained 12 months) (.80) and the correlation of the retention latent with performance (.30).
    performance_missing_rate : float
        Hires without a performance rating yet (.03).
    review_rate, borderline_band, override_rate : float
        Human review share (.10), the band around the threshold where reviewers may disagree (0.10 rubric
        points) and the probability a reviewed borderline decision is overturned (.25); design choices.
    prompt_rate, prompt_effect : float
        Randomised real-time prompting: P(prompt) per answer (.50) and its effect on the score (+0.25 rubric
        points); design choice, an experiment the review module should recover.
    prompt_completion : float
        P(the candidate adds the missing part or the number after a hint) (.5).
    triggered : TriggeredPrompting, optional
        Hints triggered by incomplete drafts (with or without a randomised holdout) instead of the
        randomised per-answer design; ``prompt_rate`` is then unused and the answers table gains
        ``hint_eligible``, ``star_before``, ``star_after`` and ``assignment``. None (default) = the randomised
        design of the committed demo.
    star_intercepts, star_slope : tuple, float
        STAR part probabilities Phi(alpha + slope * eta), alpha for S, T, A, R = (0.8, 0.1, 0.5, 0.0), slope .8.
    quantified_intercept, quantified_slope : float
        P(quantified | result) = Phi(-0.3 + 0.8 eta).
    gender_probs : mapping
        female .48, male .505, nonbinary .015 (nonbinary ~1-2 % in recent US surveys).
    missing_rates : mapping
        Share of undisclosed (empty) values per attribute (gender .03, age .04, race_ethnicity .06,
        education .03).
    biases : tuple of Bias
        Injected measurement biases.
    resume_files : tuple of int
        Resume files written per job as (txt, pdf, docx).
    answer_texts : bool
        Generate answer texts (False: empty column, faster).
    question_revisions : tuple of QuestionRevision
        Rewordings during the interview period (none by default: every answer is to version ``v1`` and the
        answers table has no ``question_version`` column, as in the committed demo). With revisions the
        questions table has a row per (question, version) (earlier versions ``active`` false) and every
        answer records its ``question_version``.

    Examples
    --------
    >>> cfg = demo_config(n_candidates=500, prompt_effect=0.0, biases=())
    >>> cfg.n_candidates, cfg.prompt_effect, cfg.biases
    (500, 0.0, ())
    >>> SimulationConfig(jobs=())
    Traceback (most recent call last):
    ...
    workbench.simulate.SimulationError: jobs: need at least one job
    """

    jobs: tuple[JobSpec, ...]
    n_candidates: int = 2000
    seed: int = 20261127
    reference_date: str = "2025-06-30"
    application_window_days: int = 365
    dimension_correlation: float = 0.40
    score_step: float = 0.1
    target_validity: float = 0.40
    final_true_loading: float = 0.75
    final_mean: float = 3.0
    final_sd: float = 0.8
    performance_mean: float = 3.3
    performance_sd: float = 0.7
    offer_acceptance: float = 0.85
    retention_rate: float = 0.80
    retention_loading: float = 0.30
    performance_missing_rate: float = 0.03
    review_rate: float = 0.10
    borderline_band: float = 0.10
    override_rate: float = 0.25
    prompt_rate: float = 0.50
    prompt_effect: float = 0.25
    prompt_completion: float = 0.50
    star_intercepts: tuple[float, float, float, float] = (0.8, 0.1, 0.5, 0.0)
    star_slope: float = 0.8
    quantified_intercept: float = -0.3
    quantified_slope: float = 0.8
    gender_probs: Mapping[str, float] = field(
        default_factory=lambda: {"female": 0.48, "male": 0.505, "nonbinary": 0.015})
    missing_rates: Mapping[str, float] = field(
        default_factory=lambda: {"gender": 0.03, "age": 0.04, "race_ethnicity": 0.06, "education": 0.03})
    biases: tuple[Bias, ...] = ()
    resume_files: tuple[int, int, int] = (60, 10, 10)
    answer_texts: bool = True
    triggered: TriggeredPrompting | None = None
    question_revisions: tuple[QuestionRevision, ...] = ()

    def __post_init__(self) -> None:
        if not self.jobs:
            raise SimulationError("jobs: need at least one job")
        if int(self.n_candidates) < len(self.jobs) * 10:
            raise SimulationError(f"n_candidates: {self.n_candidates} is too few (need 10 per job)")
        ids = [q.question_id for j in self.jobs for q in j.questions]
        if len(set(ids)) != len(ids):
            raise SimulationError("jobs: question ids must be unique across jobs")
        if len({j.job_id for j in self.jobs}) != len(self.jobs):
            raise SimulationError("jobs: job ids must be unique")
        try:
            dt.date.fromisoformat(self.reference_date)
        except ValueError:
            raise SimulationError(f"reference_date: {self.reference_date!r} is not an ISO date") from None
        for name in ("dimension_correlation", "target_validity", "final_true_loading", "offer_acceptance",
                     "retention_rate", "retention_loading", "performance_missing_rate", "review_rate",
                     "override_rate", "prompt_rate", "prompt_completion"):
            if not 0 <= getattr(self, name) <= 1:
                raise SimulationError(f"{name}: {getattr(self, name)!r} is outside [0, 1]")
        if not 0 < self.score_step <= 1:
            raise SimulationError("score_step: must be in (0, 1]")
        if abs(sum(self.gender_probs.values()) - 1) > 1e-6 or set(self.gender_probs) - set(GENDERS):
            raise SimulationError("gender_probs: keys must be schema genders and values sum to 1")
        for b in self.biases:
            if not any(b.targets(j) for j in self.jobs):
                raise SimulationError(f"biases: target {b.target!r} matches no question of any job")
        for job in self.jobs:
            self.revisions_of(job)  # checks them

    def interview_period(self) -> tuple[dt.date, dt.date]:
        """First and last possible interview dates (applications end 10 days before ``reference_date`` and
        start ``application_window_days`` earlier; an interview follows within 7 days).

        Examples
        --------
        >>> [d.isoformat() for d in small_config().interview_period()]
        ['2024-06-21', '2025-06-27']
        """
        last_applied = dt.date.fromisoformat(self.reference_date) - dt.timedelta(days=10)
        return last_applied - dt.timedelta(days=self.application_window_days - 1), last_applied + dt.timedelta(days=7)

    def revisions_of(self, job: JobSpec) -> dict[int, list[tuple[dt.date, QuestionRevision]]]:
        """Question index -> its revisions as (switch date, revision), by date, for the questions of ``job``.

        Examples
        --------
        >>> cfg = small_config(question_revisions=(QuestionRevision("pm_q02", "v2", 0.5, 0.0, "Reworded?"),))
        >>> cfg.revisions_of(cfg.jobs[1])
        {1: [(datetime.date(2024, 12, 24), QuestionRevision(question_id='pm_q02', version='v2', switch_at=0.5, \
loading=0.0, text='Reworded?', shift=0.0))]}
        >>> small_config(question_revisions=(QuestionRevision("xx_q01", "v2", 0.5, 0.0, "?"),))
        Traceback (most recent call last):
        ...
        workbench.simulate.SimulationError: question_revisions[xx_q01 v2]: no job has question 'xx_q01'
        """
        index = {q.question_id: k for k, q in enumerate(job.questions)}
        ids = {q.question_id for j in self.jobs for q in j.questions}
        out: dict[int, list[tuple[dt.date, QuestionRevision]]] = {}
        first, last = self.interview_period()
        for rev in self.question_revisions:
            where = f"question_revisions[{rev.question_id} {rev.version}]"
            if rev.question_id not in ids:
                raise SimulationError(f"{where}: no job has question {rev.question_id!r}")
            if rev.question_id in index:
                gam = job.questions[index[rev.question_id]].presentation_loading
                if rev.loading**2 + gam**2 >= 1:
                    raise SimulationError(f"{where}: need loading^2 + presentation_loading^2 < 1 ({gam})")
                out.setdefault(index[rev.question_id], []).append((rev.switch_date(first, last), rev))
        for k, revs in out.items():
            revs.sort(key=lambda dr: dr[0])
            dates, versions = [d for d, _ in revs], [r.version for _, r in revs]
            if len(set(dates)) < len(dates) or len(set(versions)) < len(versions):
                raise SimulationError(f"question_revisions[{job.questions[k].question_id}]: two revisions share a "
                                      "switch date or a version")
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy (for truth.json); ``triggered`` and ``question_revisions`` only when set (so the
        randomised demo's truth is unchanged)."""
        d = dataclasses.asdict(self)
        if d["triggered"] is None:
            del d["triggered"]
        if not d["question_revisions"]:
            del d["question_revisions"]
        return _jsonable(d)


def _jsonable(obj: Any) -> Any:
    return json_ready(obj, digits=6)

# ---------------------------------------------------------------------------------------------- demo jobs


#: The simulated jobs' parameters: one YAML per job (question content comes from the job's rubric).
JOB_DIR = Path(__file__).with_name("simulation_jobs")


def load_job_spec(job_id_or_path: str | Path) -> JobSpec:
    """A simulated job from ``workbench/simulation_jobs/<job_id>.yaml`` (or a YAML path).

    The file holds what only the simulation knows (expert and oracle weights, loadings, population, funnel);
    each question's text (in the job's language), dimension and kind are read from the job's rubric
    (:func:`workbench.scoring.load_rubric`), so job content is written once.

    Examples
    --------
    >>> job = load_job_spec("product_manager")
    >>> job.questions[0].text, job.questions[0].kind, job.questions[0].loading
    ('Tell me about a product decision you made that changed what users did.', 'behavioral', 0.75)
    """
    path = Path(job_id_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = JOB_DIR / f"{job_id_or_path}.yaml"
    return _job_spec_from(path.resolve())


@functools.lru_cache(maxsize=32)
def _job_spec_from(path: Path) -> JobSpec:
    from workbench.scoring import load_rubric

    if not path.is_file():
        known = ", ".join(p.stem for p in sorted(JOB_DIR.glob("*.yaml")))
        raise SimulationError(f"{job_id_or_path}: no simulated job file (packaged: {known})")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rubric = load_rubric(data.get("rubric", data["job_id"]))["questions"]
    missing = [q for q in data["questions"] if q not in rubric]
    if missing:
        raise SimulationError(f"{path}: questions {', '.join(missing)} are not in the rubric of {data['job_id']}")
    lang = data["language"]
    questions = tuple(QuestionSpec(qid, rubric[qid]["dimension"], rubric[qid]["kind"], rubric[qid]["text"][lang],
                                   **params) for qid, params in data["questions"].items())
    dims = tuple(DimensionSpec(d["name"], d["expert_weight"], d["oracle_weight"],
                               {k: tuple(v) for k, v in (d.get("keywords") or {}).items()},
                               d.get("description", ""), tuple(d.get("topics", ("the project",))))
                 for d in data["dimensions"])
    job = {k: v for k, v in data.items() if k not in ("dimensions", "questions", "rubric")}
    job["general_topics"] = tuple(job.get("general_topics", ("my career goals",)))
    return JobSpec(dimensions=dims, questions=questions, **job)


DEMO_SEED = 20261127
DEMO_JOBS = ("regional_sales_manager", "product_manager")
DEMO_BIASES = (
    Bias("age", "40+", "q:rsm_q01", -1.5),
    Bias("gender", "female", "dim:stakeholder_communication", -0.5),
)


def demo_config(seed: int = DEMO_SEED, **overrides: Any) -> SimulationConfig:
    """The configuration of the committed demo dataset ``datasets/demo``.

    Two jobs (``regional_sales_manager`` in Chinese, ``product_manager`` in English), 12 questions each
    (a behavioural and a situational question per dimension, plus four general questions that predict
    nothing), 2,000 applicants, and two injected biases: question rsm_q01 scored 1.5 points lower for
    applicants aged 40+, and every stakeholder_communication question (pm_q05, pm_q06, pm_q11) scored 0.5
    points lower for women.

    Examples
    --------
    >>> cfg = demo_config()
    >>> [j.job_id for j in cfg.jobs], cfg.n_candidates
    (['regional_sales_manager', 'product_manager'], 2000)
    >>> demo_config(seed=7, n_candidates=300).seed
    7
    """
    params: dict[str, Any] = {"jobs": tuple(load_job_spec(j) for j in DEMO_JOBS), "n_candidates": 2000, "seed": seed,
                              "biases": DEMO_BIASES}
    params.update(overrides)
    return SimulationConfig(**params)


def small_config(n_candidates: int = 300, seed: int = 1, **overrides: Any) -> SimulationConfig:
    """The demo jobs with few resume files: quick to simulate (tests, doctests).

    Examples
    --------
    >>> small_config().resume_files
    (2, 1, 1)
    """
    params: dict[str, Any] = {"n_candidates": n_candidates, "resume_files": (2, 1, 1)}
    params.update(overrides)
    return demo_config(seed=seed, **params)


# ------------------------------------------------------------------------------------------------ theory


@dataclass(frozen=True)
class _Theory:
    """Closed-form quantities of one job (linear-Gaussian model; rounding as uniform noise, no clipping)."""

    names: tuple[str, ...]  # variable names: question ids, dim:<name>, ai_total, true_potential, final, performance
    cov: np.ndarray
    means: dict[str, float]
    h: float
    threshold: float
    final_cut: float  # rubric cut on final_score
    final_z: float  # standardised latent cut equivalent to the rubric cut
    pass_rate: float
    final_pass_rate_selected: float
    group_shares: tuple[float, ...]

    def corr(self, a: str, b: str) -> float:
        i, j = self.names.index(a), self.names.index(b)
        return float(self.cov[i, j] / math.sqrt(self.cov[i, i] * self.cov[j, j]))

    def sd(self, a: str) -> float:
        i = self.names.index(a)
        return float(math.sqrt(self.cov[i, i]))

    def point_biserial(self, a: str, r_final: float | None = None) -> float:
        """Correlation of variable ``a`` (or of a variable correlating ``r_final`` with the final-round latent)
        with final_passed over the full population."""
        p = 1 - stats.norm.cdf(self.final_z)
        r = self.corr(a, "final") if r_final is None else r_final
        return r * float(stats.norm.pdf(self.final_z)) / math.sqrt(p * (1 - p))


def _group_share(bias: Bias, job: JobSpec, config: SimulationConfig) -> float:
    if bias.attribute == "gender":
        return float(config.gender_probs.get(bias.group, 0.0))
    if bias.attribute == "race_ethnicity":
        return float(job.race_probs.get(bias.group, 0.0))
    if bias.attribute == "education":
        return float(job.education_probs.get(bias.group, 0.0))
    lo, hi = bias.age_band()
    cdf = stats.norm(job.age_mean, job.age_sd).cdf
    return float(cdf(hi + 0.5) - cdf(lo - 0.5))


def _upper_orthant(a: float, b: float, r: float) -> float:
    """P(X >= a, Y >= b) for a standard bivariate normal with correlation r (deterministic quadrature)."""
    s = math.sqrt(1 - r * r)
    val, _ = integrate.quad(lambda x: stats.norm.pdf(x) * stats.norm.sf((b - r * x) / s), a, np.inf)
    return float(val)


@dataclass(frozen=True)
class _JobArrays:
    """The numeric parameters of one job, in question / dimension order (shared by theory and simulation)."""

    di: np.ndarray  # dimension index of each question
    lam: np.ndarray  # loadings on the competency
    gam: np.ndarray  # loadings on presentation
    sig: np.ndarray  # rubric spread
    mu: np.ndarray  # rubric mean
    sigma: np.ndarray  # competency correlation matrix
    L: np.ndarray  # its Cholesky factor
    M: np.ndarray  # D x Q averaging matrix: dimension score = M @ question scores
    w: np.ndarray  # expert weights
    beta: np.ndarray  # oracle weights

    @classmethod
    def of(cls, job: JobSpec, config: SimulationConfig) -> _JobArrays:
        dims = job.dimension_names
        D, Q = len(dims), len(job.questions)
        di = np.array([dims.index(q.dimension) for q in job.questions])
        sigma = np.full((D, D), config.dimension_correlation) + (1 - config.dimension_correlation) * np.eye(D)
        M = np.zeros((D, Q))
        M[di, np.arange(Q)] = 1
        M /= M.sum(axis=1, keepdims=True)
        return cls(di, *(np.array([getattr(q, a) for q in job.questions], float)
                         for a in ("loading", "presentation_loading", "sd", "mean")),
                   sigma, np.linalg.cholesky(sigma), M,
                   np.array([d.expert_weight for d in job.dimensions]), np.array([d.oracle_weight for d in job.dimensions]))


def _expected_prompt_share(config: SimulationConfig) -> float:
    """P(an answer is prompted): ``prompt_rate`` (randomised design), or for triggered prompting the expectation
    over the draft's latent eta ~ N(0, 1) (Gauss-Hermite) of P(trigger) x P(delivered | star_before). The
    theory then treats prompting as independent of competence: exact for the randomised design, an
    approximation for triggered hints (they go to the worse drafts), used only to place the threshold.

    Examples
    --------
    >>> cfg = small_config()
    >>> _expected_prompt_share(cfg)
    0.5
    >>> 0.3 < _expected_prompt_share(dataclasses.replace(cfg, triggered=TriggeredPrompting(0.1))) < 0.9
    True
    """
    t = config.triggered
    if t is None:
        return float(config.prompt_rate)
    x, wts = np.polynomial.hermite_e.hermegauss(40)
    wts = wts / wts.sum()
    pp = stats.norm.cdf(np.asarray(config.star_intercepts)[:, None] + config.star_slope * x[None, :])  # 4 x nodes
    pq = stats.norm.cdf(config.quantified_intercept + config.quantified_slope * x)
    deliver = np.asarray(t.delivery, dtype=float) if t.holdout_share == 0 else np.full(5, 1 - t.holdout_share)
    total = np.zeros_like(x)
    for bits in range(16):
        b = np.array([(bits >> i) & 1 for i in range(4)], dtype=bool)
        prob = np.prod(np.where(b[:, None], pp, 1 - pp), axis=0)
        eligible = 1.0 if not (b[2] and b[3]) else 1 - pq
        total += prob * eligible * deliver[b.sum()]
    return float(total @ wts)


def _theory(job: JobSpec, config: SimulationConfig) -> _Theory:
    dims = job.dimension_names
    D, Q = len(dims), len(job.questions)
    ja = _JobArrays.of(job, config)
    di, lam, gam, sig, mu, sigma, L, M, w, beta = (ja.di, ja.lam, ja.gam, ja.sig, ja.mu, ja.sigma, ja.L, ja.M, ja.w,
                                                   ja.beta)
    biases = [b for b in config.biases if b.targets(job)]
    shares = tuple(_group_share(b, job, config) for b in biases)
    B = len(biases)
    # sources: z (D), presentation (1), eps (Q), prompt (Q), rounding (Q), bias groups (B), e_final, e_perf
    n_src = D + 1 + 3 * Q + B + 2
    var = np.ones(n_src)
    p = _expected_prompt_share(config)
    var[D + 1 + Q: D + 1 + 2 * Q] = p * (1 - p)
    var[D + 1 + 2 * Q: D + 1 + 3 * Q] = config.score_step**2 / 12
    var[D + 1 + 3 * Q: D + 1 + 3 * Q + B] = [s * (1 - s) for s in shares]
    X = np.zeros((Q, n_src))
    X[:, :D] = (sig * lam)[:, None] * L[di]
    X[:, D] = sig * gam
    X[np.arange(Q), D + 1 + np.arange(Q)] = sig * np.sqrt(1 - lam**2 - gam**2)
    X[np.arange(Q), D + 1 + Q + np.arange(Q)] = config.prompt_effect
    X[np.arange(Q), D + 1 + 2 * Q + np.arange(Q)] = 1.0
    qmeans = mu + config.prompt_effect * p
    for k, b in enumerate(biases):
        idx = b.targets(job)
        X[idx, D + 1 + 3 * Q + k] = b.shift
        qmeans[idx] += b.shift * shares[k]
    Dm = M @ X
    ai = w @ Dm
    T = np.zeros(n_src)
    T[:D] = beta @ L / math.sqrt(beta @ sigma @ beta)
    cov_of = lambda a, b: float(a @ (var * b))  # noqa: E731
    r_ai_T = cov_of(ai, T) / math.sqrt(cov_of(ai, ai) * cov_of(T, T))
    h = config.target_validity / r_ai_T
    if h > 1:
        raise SimulationError(
            f"job {job.job_id!r}: target_validity {config.target_validity} is unreachable; the AI total "
            f"correlates only {r_ai_T:.3f} with true potential")
    a_f = config.final_true_loading
    F = a_f * T
    F[-2] = math.sqrt(1 - a_f**2)
    Y = h * T
    Y[-1] = math.sqrt(1 - h**2)
    A = np.vstack([X, Dm, ai, T, F, Y])
    names = tuple(q.question_id for q in job.questions) + tuple(f"dim:{d}" for d in dims) + (
        "ai_total", "true_potential", "final", "performance")
    cov = A @ (var[:, None] * A.T)
    mean_ai = float(w @ (M @ qmeans))
    sd_ai = math.sqrt(cov[names.index("ai_total")] [names.index("ai_total")])
    threshold = job.threshold
    if threshold is None:
        threshold = round(mean_ai + sd_ai * float(stats.norm.isf(job.target_pass_rate)), 2)
    z_t = (threshold - mean_ai) / sd_ai
    pass_rate = float(stats.norm.sf(z_t))
    r_af = float(cov_of(ai, F) / math.sqrt(cov_of(ai, ai) * cov_of(F, F)))
    c = optimize.brentq(lambda c: _upper_orthant(z_t, c, r_af) / pass_rate - job.final_pass_rate, -6, 6)
    step = config.score_step
    # final_passed = final_score >= cut on the rubric grid: pick the grid cut whose rate is nearest the target
    fp_sel, final_cut, final_z = 2.0, 0.0, 0.0
    for k in (math.floor, math.ceil):
        cut = round(k((config.final_mean + config.final_sd * c) / step) * step, 6)
        z = (cut - step / 2 - config.final_mean) / config.final_sd
        rate = _upper_orthant(z_t, z, r_af) / pass_rate
        if abs(rate - job.final_pass_rate) < abs(fp_sel - job.final_pass_rate):
            fp_sel, final_cut, final_z = rate, cut, z
    means = {n: float(v) for n, v in zip(tuple(q.question_id for q in job.questions), qmeans)}
    means["ai_total"] = mean_ai
    return _Theory(names, cov, means, h, float(threshold), final_cut, final_z, pass_rate, fp_sel, shares)


# ---------------------------------------------------------------------------------------------- simulate


@dataclass(frozen=True)
class Simulation:
    """A simulated dataset and its truth.

    Attributes
    ----------
    tables : dict of str -> DataFrame
        The six contract tables (``workbench.data.schema.TABLES``).
    profiles : dict of str -> JobProfile
        Expert profiles with the derived thresholds.
    truth : dict
        JSON-ready ground truth (written as ``truth.json``).
    documents : dict of str -> bytes or str
        Files to write, by path relative to the dataset (resumes and ``resumes/truth.jsonl``).
    answer_truth : DataFrame
        Per answer: candidate_id, question_id, star_s, star_t, star_a, star_r, quantified.
    population : DataFrame
        Per applicant: latent competencies and the counterfactual criteria (``*_cf``) for everyone.
    """

    tables: dict[str, pd.DataFrame]
    profiles: dict[str, JobProfile]
    truth: dict[str, Any]
    documents: dict[str, bytes | str]
    answer_truth: pd.DataFrame
    population: pd.DataFrame


def _round_step(x: np.ndarray, step: float) -> np.ndarray:
    return np.round(np.round(x / step) * step, 6)


def _categorical(rng: np.random.Generator, probs: Mapping[str, float], n: int) -> np.ndarray:
    keys = list(probs)
    p = np.array([probs[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def _careers(rng: np.random.Generator, start: np.ndarray, ref: int) -> tuple[list[list[tuple[int, int | None]]], np.ndarray]:
    """Work intervals per applicant (month indices; end None = present) and years of experience (union)."""
    n, K = len(start), 6
    dur = np.clip(np.round(rng.lognormal(math.log(30), 0.5, (n, K))), 6, 120).astype(int)
    overlap = rng.random((n, K)) < 0.15
    gap = np.where(overlap, -rng.integers(1, 7, (n, K)), rng.integers(0, 7, (n, K)))
    first_gap = rng.integers(0, 4, n)
    employed = rng.random(n) < 0.85
    careers, years = [], np.zeros(n)
    dur_l, gap_l, fg, emp, st = dur.tolist(), gap.tolist(), first_gap.tolist(), employed.tolist(), start.tolist()
    for i in range(n):
        t = st[i] + fg[i]
        jobs: list[tuple[int, int | None]] = []
        covered, last_end = 0, -10**9
        for k in range(K):
            if t >= ref - 2:
                break
            end = t + dur_l[i][k]
            nxt = end + gap_l[i][k]
            final = end >= ref or nxt >= ref - 2 or k == K - 1
            if final and (emp[i] or end >= ref):
                jobs.append((t, None))
                end = ref
            else:
                jobs.append((t, end))
            lo = max(t, last_end)
            covered += max(0, end - lo)
            last_end = max(last_end, end)
            if final:
                break
            t = max(nxt, t + 1)
        careers.append(jobs)
        years[i] = covered / 12
    return careers, np.round(years, 2)


def _star_truth(rng: np.random.Generator, eta: np.ndarray, config: SimulationConfig) -> tuple[np.ndarray, np.ndarray]:
    """First-draft STAR parts (n x 4) and quantified flags from the latent eta (n)."""
    alpha = np.array(config.star_intercepts)
    parts = rng.random((len(eta), 4)) < stats.norm.cdf(alpha[None, :] + config.star_slope * eta[:, None])
    quant = parts[:, 3] & (rng.random(len(eta)) < stats.norm.cdf(config.quantified_intercept + config.quantified_slope * eta))
    return parts, quant


def _texts_and_seconds(job: JobSpec, config: SimulationConfig, n: int, di: np.ndarray, parts: np.ndarray,
                       quant: np.ndarray, r_text: np.random.Generator, progress) -> tuple[list | None, np.ndarray]:
    """Answer texts (when ``config.answer_texts``) and answer durations, drawn from ``r_text`` in that order."""
    D, Q = len(job.dimensions), len(job.questions)
    texts = None
    if config.answer_texts:
        topics = [d.topics for d in job.dimensions] + [job.general_topics]
        topic_row = np.where(np.array([q.kind == "general" for q in job.questions]), D, di)
        topic_row = np.broadcast_to(topic_row, (n, Q)).ravel()
        texts = []
        chunk = 200_000
        for s in progress(range(0, n * Q, chunk), desc=f"texts {job.job_id}", leave=False):
            sl = slice(s, s + chunk)
            texts += _simtext.render_answers(job.language, topics, topic_row[sl], parts[sl], quant[sl], r_text)
    base_sec = np.array([{"behavioral": 110, "situational": 90, "general": 60}[q.kind] for q in job.questions])
    seconds = np.round(np.clip(np.broadcast_to(base_sec, (n, Q)).ravel() * r_text.lognormal(0, 0.35, n * Q)
                               + 15 * parts.sum(axis=1), 5, 1800)).astype(np.int64)
    return texts, seconds


def _hint_assignment(job: JobSpec, config: SimulationConfig, n: int, u: np.ndarray, parts: np.ndarray,
                     quant: np.ndarray) -> dict[str, np.ndarray]:
    """Which answers get a hint (n x Q) and, for triggered prompting, the trigger and the first draft.

    ``kind`` (per answer, flat) indexes :data:`PROMPT_KINDS`: 0 missing action, 1 missing result, 2 result not
    quantified, 3 complete and quantified. Randomised design (``config.triggered`` None): prompted with
    probability ``prompt_rate`` whatever the draft. Triggered: the trigger fires when the draft is incomplete
    (kind < 3, as the live feedback prompts); with a holdout, a :class:`workbench.review.holdout.HoldoutPolicy`
    withholds the hint from a share of those (keys ``job_id/applicant index/question_id``), else the hint is
    delivered with probability ``triggered.delivery[star_before]`` (the worse the draft, the likelier).
    """
    Q = len(job.questions)
    kind = np.where(~parts[:, 2], 0, np.where(~parts[:, 3], 1, np.where(~quant, 2, 3)))
    t = config.triggered
    if t is None:
        return {"prompted": u < config.prompt_rate, "kind": kind}
    star_before = parts.sum(axis=1).reshape(n, Q)
    eligible = (kind < 3).reshape(n, Q)
    policy = t.policy(config.seed)
    if policy.share > 0:
        qids = [q.question_id for q in job.questions]
        keys = [policy.key(f"{job.job_id}/{i}", q) for i in range(n) for q in qids]
        prompted = eligible & ~policy.held_out_many(keys).reshape(n, Q)
    else:
        prompted = eligible & (u < np.asarray(t.delivery, dtype=float)[star_before])
    return {"prompted": prompted, "kind": kind, "eligible": eligible, "star_before": star_before,
            "assignment": policy.assignment}


def _complete_drafts(config: SimulationConfig, hint: dict[str, Any], parts: np.ndarray, quant: np.ndarray,
                     eta: np.ndarray, r_text: np.random.Generator) -> np.ndarray:
    """Apply the hints to the drafts in place (a candidate adds the missing part or the number with probability
    ``prompt_completion``); returns the prompt kind per answer ('' = no hint). For triggered prompting, also
    ``hint["star_after"]`` and ``hint["star_gain_if_prompted"]`` (the counterfactual gain of every answer)."""
    pr = hint["prompted"].ravel()
    kind = hint["kind"]
    prompt_kind = np.where(pr, np.array(PROMPT_KINDS, dtype=object)[kind], "")
    would = r_text.random(len(pr)) < config.prompt_completion
    completes = pr & would
    parts[:, 2] |= completes & (kind == 0)
    add_r = completes & (kind == 1)
    parts[:, 3] |= add_r
    quant |= (add_r & (r_text.random(len(pr)) < stats.norm.cdf(config.quantified_intercept + config.quantified_slope * eta))) | (completes & (kind == 2))
    if config.triggered is not None:
        shape = hint["prompted"].shape
        hint["star_after"] = parts.sum(axis=1).reshape(shape)
        hint["star_gain_if_prompted"] = (would & (kind < 2)).reshape(shape)
    return prompt_kind


def _criteria(config: SimulationConfig, theory: _Theory, T: np.ndarray, r_crit: np.random.Generator) -> dict[str, Any]:
    """4. Counterfactual criteria for every applicant: final round, offer acceptance, performance, retention."""
    n = len(T)
    a_f = config.final_true_loading
    f = a_f * T + math.sqrt(1 - a_f**2) * r_crit.standard_normal(n)
    y = theory.h * T + math.sqrt(1 - theory.h**2) * r_crit.standard_normal(n)
    final_score = np.clip(_round_step(config.final_mean + config.final_sd * f, config.score_step), 1, 5)
    final_passed = final_score >= theory.final_cut - 1e-9
    accepts = r_crit.random(n) < config.offer_acceptance
    performance = np.clip(_round_step(config.performance_mean + config.performance_sd * y, config.score_step), 1, 5)
    rl = config.retention_loading
    retained = rl * y + math.sqrt(1 - rl**2) * r_crit.standard_normal(n) >= stats.norm.isf(config.retention_rate)
    perf_missing = r_crit.random(n) < config.performance_missing_rate
    return {"T": T, "final_score": final_score, "final_passed": final_passed, "accepts": accepts,
            "performance": performance, "retained": retained, "perf_missing": perf_missing}


def _simulate_job(job: JobSpec, n: int, config: SimulationConfig, theory: _Theory, ss: np.random.SeedSequence,
                  ref_day: np.datetime64, ref_month: int, progress) -> dict[str, Any]:
    r_lat, r_attr, r_career, r_score, r_text, r_crit, r_dec = (np.random.default_rng(s) for s in ss.spawn(7))
    D, Q = len(job.dimensions), len(job.questions)
    ja = _JobArrays.of(job, config)
    di, lam, gam, sig, mu = ja.di, ja.lam, ja.gam, ja.sig, ja.mu
    # 1. latent competencies and presentation
    theta = r_lat.standard_normal((n, D)) @ ja.L.T
    pres = r_lat.standard_normal(n)
    # 5. attributes (true values; disclosure masks later)
    gender = _categorical(r_attr, config.gender_probs, n)
    education = _categorical(r_attr, job.education_probs, n)
    race = _categorical(r_attr, job.race_probs, n)
    age = np.clip(np.round(r_attr.normal(job.age_mean, job.age_sd, n)), 20, 62).astype(int)
    grad_age = np.array([GRAD_AGE[e] for e in education])
    age = np.maximum(age, grad_age + 1)
    missing = {k: r_attr.random(n) < config.missing_rates.get(k, 0.0) for k in ("gender", "age", "race_ethnicity", "education")}
    applied = ref_day - np.timedelta64(10, "D") - r_attr.integers(0, config.application_window_days, n).astype("timedelta64[D]")
    # r_dec: review and override draws, then the interview day (drawn here so a question's version is known)
    u_review, u_override = r_dec.random(n), r_dec.random(n)
    interviewed = applied + r_dec.integers(0, 8, n).astype("timedelta64[D]")
    versions = _answer_versions(job, config, interviewed)
    if versions is not None:
        lam = versions["loading"]
    # 9. careers
    career_start = ref_month - 12 * (age - grad_age) + r_career.integers(0, 12, n)
    careers, years = _careers(r_career, career_start, ref_month)
    # 2. question scores; 6. the first drafts come first (a triggered hint depends on them; r_text is their stream)
    eps = r_score.standard_normal((n, Q))
    u_hint = r_score.random((n, Q))
    eta = np.where(np.broadcast_to(lam, (n, Q)) > 0, theta[:, di], pres[:, None])
    parts, quant = _star_truth(r_text, eta.ravel(), config)
    hint = _hint_assignment(job, config, n, u_hint, parts, quant)
    prompted = hint["prompted"]
    xstar = mu + sig * (lam * theta[:, di] + gam * pres[:, None] + np.sqrt(1 - lam**2 - gam**2) * eps)
    xstar += config.prompt_effect * prompted
    if versions is not None:
        xstar += versions["shift"]
    attr_values = {"gender": gender, "education": education, "race_ethnicity": race, "age": age}
    bias_masks = []
    for b in config.biases:
        idx = b.targets(job)
        if idx:
            m = b.members(attr_values[b.attribute], b.attribute)
            xstar[np.ix_(m, idx)] += b.shift
            bias_masks.append((b, m))
    score = np.clip(_round_step(xstar, config.score_step), 1, 5)
    if config.triggered is not None:  # what the hint did to each score: with it minus without it
        x0 = xstar - config.prompt_effect * prompted
        hint["score_effect"] = (np.clip(_round_step(x0 + config.prompt_effect, config.score_step), 1, 5)
                                - np.clip(_round_step(x0, config.score_step), 1, 5))
    dim_scores = score @ ja.M.T
    ai_score = composite.weighted_total(pd.DataFrame(dim_scores), ja.w).to_numpy()
    # 3. AI decision with human review
    auto = composite.passes(ai_score, theory.threshold)
    reviewed = u_review < config.review_rate
    override = reviewed & (np.abs(ai_score - theory.threshold) < config.borderline_band) & (u_override < config.override_rate)
    ai_passed = auto ^ override
    # 4. counterfactual criteria for everyone
    crit = _criteria(config, theory, theta @ ja.beta / math.sqrt(ja.beta @ ja.sigma @ ja.beta), r_crit)
    # 6./7. hints applied and texts
    prompt_kind = _complete_drafts(config, hint, parts, quant, eta.ravel(), r_text)
    texts, seconds = _texts_and_seconds(job, config, n, di, parts, quant, r_text, progress)
    return {
        "n": n, "theta": theta, "pres": pres, "gender": gender, "education": education, "race": race, "age": age,
        "missing": missing, "applied": applied, "interviewed": interviewed, "careers": careers, "years": years,
        "career_start": career_start, "score": score, "prompted": prompted, "prompt_kind": prompt_kind,
        "texts": texts, "seconds": seconds, "parts": parts, "quant": quant, "dim_scores": dim_scores,
        "ai_score": ai_score, "ai_passed": ai_passed, "reviewed": reviewed, "override": override, **crit,
        "bias_masks": bias_masks, "hint": hint, "versions": versions,
    }


def _answer_versions(job: JobSpec, config: SimulationConfig, interviewed: np.ndarray) -> dict[str, Any] | None:
    """The version each answer is to (``config.question_revisions``), None without revisions.

    Returns ``index`` (n x Q: 0 = the original, k = the k-th revision by date), ``label`` (n x Q version
    names), ``loading`` (n x Q true loadings) and ``shift`` (n x Q rubric shifts), with ``revisions`` (question
    index -> [(switch date, revision)]). An answer is to a revision from its switch date on (interview date
    on or after it).
    """
    if not config.question_revisions:
        return None
    n, Q = len(interviewed), len(job.questions)
    plan = config.revisions_of(job)
    index = np.zeros((n, Q), dtype=np.int64)
    loading = np.tile(np.array([q.loading for q in job.questions], float), (n, 1))
    shift = np.zeros((n, Q))
    label = np.full((n, Q), BASE_VERSION, dtype=object)
    for k, revs in plan.items():
        switch = np.array([np.datetime64(d, "D") for d, _ in revs])
        index[:, k] = np.searchsorted(switch, interviewed.astype("datetime64[D]"), side="right")
        for v, (_, rev) in enumerate(revs, start=1):
            hit = index[:, k] == v
            loading[hit, k], shift[hit, k], label[hit, k] = rev.loading, rev.shift, rev.version
    return {"index": index, "label": label, "loading": loading, "shift": shift, "revisions": plan}


def _no_progress(it, **_: Any):
    return it


def _corr(a: np.ndarray, b: np.ndarray) -> float | None:
    """:func:`workbench.metrics.pearson_r`, None (for JSON) when it is undefined or n < 3."""
    r = pearson_r(a, b) if len(a) >= 3 else float("nan")
    return r if np.isfinite(r) else None


def simulate(config: SimulationConfig, *, progress: bool = False) -> Simulation:
    """Simulate the applicants of ``config`` through the AI interview, final round and job.

    Parameters
    ----------
    config : SimulationConfig
        All parameters (see :func:`demo_config`).
    progress : bool
        Show tqdm progress bars (for long runs).

    Returns
    -------
    Simulation
        Contract tables, profiles, truth, resume documents, per-answer STAR truth, population truth.

    Examples
    --------
    >>> sim = simulate(small_config(n_candidates=200, seed=3))
    >>> sim.truth["jobs"]["product_manager"]["invalid_questions"]
    ['pm_q09', 'pm_q10', 'pm_q11', 'pm_q12']
    >>> bool(0 < sim.tables["ai_decisions"].ai_passed.mean() < 1)
    True
    """
    if progress:
        from tqdm.auto import tqdm as prog
    else:
        prog = _no_progress
    ss = np.random.SeedSequence(config.seed)
    job_seeds = ss.spawn(len(config.jobs) + 1)
    shares = np.array([j.share for j in config.jobs], float)
    counts = np.floor(config.n_candidates * shares / shares.sum()).astype(int)
    counts[: config.n_candidates - counts.sum()] += 1
    ref = dt.date.fromisoformat(config.reference_date)
    ref_day = np.datetime64(ref, "D")
    ref_month = ref.year * 12 + ref.month - 1
    theories = {j.job_id: _theory(j, config) for j in config.jobs}
    runs = {}
    for job, n, s in prog(list(zip(config.jobs, counts, job_seeds)), desc="jobs"):
        runs[job.job_id] = _simulate_job(job, int(n), config, theories[job.job_id], s, ref_day, ref_month, prog)
    # global candidate order: by application date, then job order; ids C000001...
    job_of = np.concatenate([np.full(r["n"], k) for k, r in enumerate(runs.values())])
    local = np.concatenate([np.arange(r["n"]) for r in runs.values()])
    applied = np.concatenate([r["applied"] for r in runs.values()])
    order = np.lexsort((local, job_of, applied))
    width = max(6, len(str(config.n_candidates)))
    ids = np.empty(len(order), dtype=object)
    ids[order] = [f"C{i + 1:0{width}d}" for i in range(len(order))]
    offsets = np.concatenate([[0], np.cumsum(counts)])
    for k, r in enumerate(runs.values()):
        r["ids"] = ids[offsets[k]: offsets[k + 1]]
    r_docs = np.random.default_rng(job_seeds[-1])
    documents, resume_paths, resume_records = _documents(config, runs, r_docs, ref_month)
    tables = _tables(config, runs, order, resume_paths)
    answer_truth, population = _truth_frames(config, runs, order)
    profiles = {j.job_id: _profile(j, theories[j.job_id]) for j in config.jobs}
    truth = _truth(config, runs, theories, counts)
    truth["resume_files"] = len(resume_records)
    return Simulation(tables, profiles, truth, documents, answer_truth, population)


def _profile(job: JobSpec, th: _Theory) -> JobProfile:
    dims = tuple(Dimension(d.name, d.expert_weight, d.keywords, d.description) for d in job.dimensions)
    return JobProfile(job.job_id, job.profile_version, th.threshold, dims, job.title, job.language)


def _text_col(values: np.ndarray, missing: np.ndarray) -> np.ndarray:
    out = values.astype(object).copy()
    out[missing] = None
    return out


def _hint_columns(hint: dict[str, Any]) -> dict[str, Any]:
    """The answers columns of triggered prompting (none for the randomised design)."""
    if "eligible" not in hint:
        return {}
    return {"hint_eligible": hint["eligible"].ravel(), "star_before": hint["star_before"].ravel(),
            "star_after": hint["star_after"].ravel(), "assignment": hint["assignment"]}


def _question_rows(config: SimulationConfig) -> pd.DataFrame:
    """The questions table: a row per question, and with revisions a row per (question, version) in version
    order, only the latest version ``active``."""
    rows = []
    for job in config.jobs:
        plan = config.revisions_of(job)
        for k, q in enumerate(job.questions):
            versions = [(BASE_VERSION, q.text)] + [(rev.version, rev.text) for _, rev in plan.get(k, [])]
            rows += [{"question_id": q.question_id, "job_id": job.job_id, "dimension": q.dimension, "kind": q.kind,
                      "text": text, "version": version, "active": v == len(versions) - 1}
                     for v, (version, text) in enumerate(versions)]
    return pd.DataFrame(rows)


def _tables(config: SimulationConfig, runs: dict[str, dict], order: np.ndarray, resume_paths: dict[str, str]) -> dict[str, pd.DataFrame]:
    cat = lambda key: np.concatenate([r[key] for r in runs.values()])  # noqa: E731
    ids = cat("ids")
    miss = {k: np.concatenate([r["missing"][k] for r in runs.values()]) for k in ("gender", "age", "race_ethnicity", "education")}
    age = pd.array(cat("age"), dtype="Int64")
    age[miss["age"]] = pd.NA
    cand = pd.DataFrame({
        "candidate_id": ids,
        "job_id": np.concatenate([[jid] * r["n"] for jid, r in runs.items()]),
        "applied_at": np.datetime_as_string(cat("applied")),
        "gender": _text_col(cat("gender"), miss["gender"]),
        "age": age,
        "race_ethnicity": _text_col(cat("race"), miss["race_ethnicity"]),
        "education": _text_col(cat("education"), miss["education"]),
        "years_experience": cat("years"),
        "resume_path": [resume_paths.get(i) for i in ids],
    }).iloc[order].reset_index(drop=True)
    questions = _question_rows(config)
    parts = []
    for job in config.jobs:
        r = runs[job.job_id]
        n, Q = r["n"], len(job.questions)
        parts.append(pd.DataFrame({
            "candidate_id": np.repeat(r["ids"], Q),
            "question_id": np.tile([q.question_id for q in job.questions], n),
            "score": r["score"].ravel(),
            "answer_text": r["texts"] if r["texts"] is not None else [None] * (n * Q),
            "answer_seconds": r["seconds"],
            "prompted": r["prompted"].ravel(),
            "prompt_kind": np.where(r["prompt_kind"] == "", None, r["prompt_kind"]),
            "interviewed_at": np.repeat(np.datetime_as_string(r["interviewed"]), Q),
            **({"question_version": r["versions"]["label"].ravel()} if r["versions"] is not None else {}),
            **_hint_columns(r["hint"]),
        }))
    rank = pd.Series(np.arange(len(order)), index=cand.candidate_id.to_numpy())
    answers = pd.concat(parts, ignore_index=True)
    qorder = {q: i for i, q in enumerate(questions.question_id.drop_duplicates())}
    answers = answers.iloc[np.lexsort((answers.question_id.map(qorder).to_numpy(),
                                       rank.loc[answers.candidate_id.to_numpy()].to_numpy()))].reset_index(drop=True)
    override = pd.array(cat("override"), dtype="boolean")
    override[~cat("reviewed")] = pd.NA
    ai = pd.DataFrame({
        "candidate_id": ids, "ai_score": cat("ai_score"), "ai_passed": cat("ai_passed"),
        "profile_version": np.concatenate([[j.profile_version] * runs[j.job_id]["n"] for j in config.jobs]),
        "human_reviewed": cat("reviewed"), "human_override": override,
    }).iloc[order].reset_index(drop=True)
    sel = cat("ai_passed")
    final = pd.DataFrame({"candidate_id": ids, "final_score": cat("final_score"), "final_passed": cat("final_passed"),
                          "_rank": np.argsort(order)}).loc[sel].sort_values("_rank").drop(columns="_rank")
    offered = sel & cat("final_passed")
    hired = cat("accepts")
    perf = pd.array(cat("performance"), dtype="Float64")
    perf[~hired | cat("perf_missing")] = pd.NA
    ret = pd.array(cat("retained"), dtype="boolean")
    ret[~hired] = pd.NA
    outcomes = pd.DataFrame({"candidate_id": ids, "hired": hired, "performance": perf, "retained_12m": ret,
                             "_rank": np.argsort(order)}).loc[offered].sort_values("_rank").drop(columns="_rank")
    return {"candidates": cand, "questions": questions, "answers": answers, "ai_decisions": ai,
            "final_rounds": final.reset_index(drop=True), "outcomes": outcomes.reset_index(drop=True)}


def _truth_frames(config: SimulationConfig, runs: dict[str, dict], order: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    for job in config.jobs:
        r = runs[job.job_id]
        Q = len(job.questions)
        rows.append(pd.DataFrame({
            "candidate_id": np.repeat(r["ids"], Q),
            "question_id": np.tile([q.question_id for q in job.questions], r["n"]),
            "star_s": r["parts"][:, 0], "star_t": r["parts"][:, 1], "star_a": r["parts"][:, 2],
            "star_r": r["parts"][:, 3], "quantified": r["quant"],
        }))
    answer_truth = pd.concat(rows, ignore_index=True)
    answer_truth = answer_truth.sort_values(["candidate_id", "question_id"], kind="stable").reset_index(drop=True)
    pops = []
    for job in config.jobs:
        r = runs[job.job_id]
        frame = {"candidate_id": r["ids"], "job_id": job.job_id}
        for k, d in enumerate(job.dimension_names):
            frame[f"theta_{k + 1}"] = np.round(r["theta"][:, k], 4)
        frame.update({
            "presentation": np.round(r["pres"], 4), "true_potential": np.round(r["T"], 4),
            "gender_true": r["gender"], "age_true": r["age"], "race_ethnicity_true": r["race"],
            "education_true": r["education"], "ai_passed": r["ai_passed"],
            "final_score_cf": r["final_score"], "final_passed_cf": r["final_passed"],
            "accepts_offer_cf": r["accepts"], "performance_cf": r["performance"], "retained_12m_cf": r["retained"],
        })
        pops.append(pd.DataFrame(frame))
    population = pd.concat(pops, ignore_index=True).sort_values("candidate_id", kind="stable").reset_index(drop=True)
    return answer_truth, population


def _validities(theory: _Theory, var: str, r: dict, x: np.ndarray, rows: np.ndarray | None = None,
                theoretical: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Theoretical and empirical validities of predictor ``x`` (values per applicant, or per applicant of
    ``rows`` when given) against each criterion; ``theoretical`` replaces the closed forms of ``var``."""
    sel, fp = r["ai_passed"], r["final_passed"]
    hired = sel & fp & r["accepts"]
    out = {}
    for crit, values, observed_in in (("final_score", r["final_score"], sel), ("final_passed", fp, sel),
                                      ("performance", r["performance"], hired)):
        if rows is not None:
            values, observed_in = values[rows], observed_in[rows]
        if theoretical is not None:
            th = theoretical[crit]
        else:
            th = theory.point_biserial(var) if crit == "final_passed" else theory.corr(var, "final" if crit == "final_score" else "performance")
        out[crit] = {"theoretical": round(th, 4), "population": _r4(_corr(x, values)),
                     "selected": _r4(_corr(x[observed_in], values[observed_in])), "n_selected": int(observed_in.sum())}
    return out


def _r4(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


def _version_truth(job: JobSpec, config: SimulationConfig, th: _Theory, r: dict, k: int) -> list[dict[str, Any]]:
    """Per version of question ``k`` (original first): its text, true loading, shift, first interview date,
    answers and validities (theoretical: the closed form with that version's loading for an applicant
    population that all answered it; population / selected: over the applicants who answered it).

    The closed form: a question's variance does not depend on its loading (competency, presentation and
    noise parts sum to sigma^2), so its correlation with true potential T is
    sigma * loading * (Sigma beta)_d / sqrt(beta' Sigma beta) / sd(x), with the final-round latent
    ``final_true_loading`` times that and performance ``h`` times it.
    """
    ja, q = _JobArrays.of(job, config), job.questions[k]
    d = ja.di[k]
    cov_t = float((ja.sigma @ ja.beta)[d]) / math.sqrt(ja.beta @ ja.sigma @ ja.beta)  # cov(theta_d, T)
    per_loading = float(ja.sig[k]) * cov_t / th.sd(q.question_id)  # corr(x, T) per unit of loading
    revs = r["versions"]["revisions"].get(k, [])
    rows = [(BASE_VERSION, q.text, q.loading, 0.0, None)] + [(v.version, v.text, v.loading, v.shift, day)
                                                            for day, v in revs]
    out = []
    for v, (version, text, loading, shift, day) in enumerate(rows):
        mask = r["versions"]["index"][:, k] == v
        r_t = per_loading * loading
        r_f = config.final_true_loading * r_t
        theory = {"final_score": r_f, "final_passed": th.point_biserial(q.question_id, r_f), "performance": th.h * r_t}
        out.append({"version": version, "text": text, "loading": loading, "shift": shift, "valid": loading > 0,
                    "switch_date": day and day.isoformat(), "n_answers": int(mask.sum()),
                    "mean_score": _r4(float(r["score"][mask, k].mean())) if mask.any() else None,
                    "true_potential_correlation": round(r_t, 4),
                    "validity": _validities(th, q.question_id, r, r["score"][mask, k], mask, theory)})
    return out


def _bias_truth(job: JobSpec, th: _Theory, r: dict) -> list[dict[str, Any]]:
    """Per planted bias: its questions, group share, observed and true gaps, and the AI pass rates."""
    dims, sel = job.dimension_names, r["ai_passed"]
    biases: list[dict[str, Any]] = []
    for bias, m in r["bias_masks"]:
        idxq = bias.targets(job)
        gap_obs = float(r["score"][m][:, idxq].mean() - r["score"][~m][:, idxq].mean())
        dims_t = sorted({dims.index(job.questions[i].dimension) for i in idxq})
        gap_true = float(r["theta"][m][:, dims_t].mean() - r["theta"][~m][:, dims_t].mean())
        rate_g, rate_o = float(sel[m].mean()), float(sel[~m].mean())
        biases.append({**dataclasses.asdict(bias), "questions": [job.questions[i].question_id for i in idxq],
                       "group_share_model": round(th.group_shares[len(biases)], 4), "n_group": int(m.sum()),
                       "observed_score_gap": round(gap_obs, 4), "true_competence_gap_sd": round(gap_true, 4),
                       "ai_pass_rate_group": round(rate_g, 4), "ai_pass_rate_others": round(rate_o, 4),
                       "impact_ratio_vs_others": round(rate_g / rate_o, 4) if rate_o else None})
    return biases


def _triggered_truth(config: SimulationConfig, r: dict[str, Any]) -> dict[str, Any]:
    """The truth of triggered prompting: design, and the realised average effects among eligible answers.

    ``true_effect.score`` is the mean over eligible answers of score with the hint minus score without it
    (``prompt_effect`` after rounding and clipping); ``true_effect.completeness`` the mean number of STAR
    parts a hint would add. ``naive_difference`` is what a prompted-vs-unprompted comparison of all answers
    shows.
    """
    hint, t = r["hint"], config.triggered
    if t is None:
        return {}
    el, pr = hint["eligible"], hint["prompted"]
    star_after = hint["star_after"]
    return {
        "rate": None, "design": "triggered", "assignment": hint["assignment"], "holdout": t.policy(config.seed).to_dict(),
        "delivery": list(t.delivery), "trigger": "first draft lacks the action or the result, or the result is "
                                                 "not quantified",
        "n_answers": int(el.size), "n_eligible": int(el.sum()), "n_prompted": int(pr.sum()),
        "true_effect": {"score": round(float(hint["score_effect"][el].mean()), 4),
                        "completeness": round(float(hint["star_gain_if_prompted"][el].mean()), 4),
                        "score_model": config.prompt_effect, "completion_probability": config.prompt_completion},
        "naive_difference": {"score": round(float(r["score"][pr].mean() - r["score"][~pr].mean()), 4),
                             "completeness": round(float(star_after[pr].mean() - star_after[~pr].mean()), 4)},
    }


def _truth(config: SimulationConfig, runs: dict[str, dict], theories: dict[str, _Theory], counts: np.ndarray) -> dict[str, Any]:
    jobs = {}
    for job, n in zip(config.jobs, counts):
        r, th = runs[job.job_id], theories[job.job_id]
        dims = job.dimension_names
        sel = r["ai_passed"]
        questions = []
        for k, q in enumerate(job.questions):
            questions.append({"question_id": q.question_id, "dimension": q.dimension, "kind": q.kind,
                              "loading": q.loading, "presentation_loading": q.presentation_loading,
                              "valid": q.loading > 0,
                              "validity": _validities(th, q.question_id, r, r["score"][:, k])})
            if r["versions"] is not None and k in r["versions"]["revisions"]:
                questions[-1]["versions"] = _version_truth(job, config, th, r, k)
        dimensions = []
        for k, d in enumerate(job.dimensions):
            dimensions.append({"dimension": d.name, "expert_weight": d.expert_weight, "oracle_weight": d.oracle_weight,
                               "validity": _validities(th, f"dim:{d.name}", r, r["dim_scores"][:, k])})
        # optimal weights of the observed dimension scores for performance (population regression, normalised)
        idx = [th.names.index(f"dim:{d}") for d in dims]
        py = th.names.index("performance")
        b = np.linalg.solve(th.cov[np.ix_(idx, idx)], th.cov[idx, py])
        sd_all = float(r["ai_score"].std())
        u = float(r["ai_score"][sel].std() / sd_all)
        biases = _bias_truth(job, th, r)
        pr = r["prompted"]
        jobs[job.job_id] = {
            "title": job.title, "language": job.language, "n_candidates": int(n),
            "profile_version": job.profile_version,
            "threshold": th.threshold, "target_pass_rate": job.target_pass_rate,
            "pass_rate": {"theoretical": round(th.pass_rate, 4), "observed": round(float(sel.mean()), 4),
                          "score_based_observed": round(float(composite.passes(r["ai_score"], th.threshold).mean()), 4)},
            "final_cut": th.final_cut,
            "final_pass_rate_among_finalists": {"target": job.final_pass_rate,
                                                "theoretical": round(th.final_pass_rate_selected, 4),
                                                "observed": round(float(r["final_passed"][sel].mean()), 4)},
            "hired": int((sel & r["final_passed"] & r["accepts"]).sum()),
            "expert_weights": {d.name: d.expert_weight for d in job.dimensions},
            "oracle_weights": {d.name: d.oracle_weight for d in job.dimensions},
            "optimal_observed_weights": {d: round(float(v / b.sum()), 4) for d, v in zip(dims, b)},
            "latent_correlation": config.dimension_correlation,
            "population_columns": {f"theta_{k + 1}": d for k, d in enumerate(dims)},
            "invalid_questions": [q.question_id for q in job.questions if q.loading == 0],
            "ai_total": {"validity": _validities(th, "ai_total", r, r["ai_score"]),
                         "true_potential_correlation": round(th.corr("ai_total", "true_potential"), 4),
                         "range_restriction_u": round(u, 4)},
            "criteria_model": {"performance_true_loading_h": round(th.h, 4),
                               "final_true_loading": config.final_true_loading,
                               "final_score_performance_correlation": round(th.corr("final", "performance"), 4)},
            "questions": questions, "dimensions": dimensions, "biases": biases,
            "prompting": {"rate": config.prompt_rate, "effect": config.prompt_effect,
                          "observed_rate": round(float(pr.mean()), 4),
                          "observed_difference": round(float(r["score"][pr].mean() - r["score"][~pr].mean()), 4),
                          **_triggered_truth(config, r)},
        }
    return {
        "description": ("Ground truth of a synthetic interview dataset made by workbench.simulate. No real person "
                        "is described. Validities: 'theoretical' = closed form from the model over the full "
                        "applicant population; 'population' = empirical over ALL simulated applicants using "
                        "counterfactual criteria (what they would have scored in the final round and on the job); "
                        "'selected' = what the tables reveal (final round: AI-passed; performance: hired), "
                        "range-restricted. final_passed validities are point-biserial."),
        "generator": "workbench.simulate", "seed": config.seed, "reference_date": config.reference_date,
        "files": {"answer_truth": "answer_truth.csv (candidate_id, question_id, star_s, star_t, star_a, star_r, quantified; 1 = present)",
                  "population_truth": "population_truth.csv (latent competencies and counterfactual criteria per applicant)",
                  "resume_truth": "resumes/truth.jsonl (one line per resume file)"},
        "conventions": {
            "years_experience": "months in the union of [start, end) work intervals (first of month to first of month, "
                                "overlaps counted once, present = reference month) / 12, rounded to 2 decimals",
            "ai_passed": "decision that took effect; differs from ai_score >= threshold where human_override is true",
            "outcomes": "one row per candidate offered a job (final_passed); hired = offer accepted",
            "bias_groups": "true attribute values, including applicants who did not disclose them",
        },
        "jobs": jobs,
        "config": config.to_dict(),
    }


def _documents(config: SimulationConfig, runs: dict[str, dict], rng: np.random.Generator, ref_month: int):
    documents: dict[str, bytes | str] = {}
    paths: dict[str, str] = {}
    records = []
    for job in config.jobs:
        r = runs[job.job_id]
        n_txt, n_pdf, n_docx = config.resume_files
        k = min(r["n"], n_txt + n_pdf + n_docx)
        chosen = np.sort(rng.choice(r["n"], k, replace=False))
        chosen = chosen[np.argsort(r["ids"][chosen])]
        fmts = ["txt"] * n_txt + ["pdf"] * n_pdf + ["docx"] * n_docx
        fmt_of = np.array(fmts[:k], dtype=object)[rng.permutation(k)]
        for i, fmt in zip(chosen.tolist(), fmt_of.tolist()):
            cid = r["ids"][i]
            start = int(r["career_start"][i])
            grad = (start - 1) // 12 * 12 + 5  # June before the career starts
            grad -= 12 if grad >= start else 0
            rec = _simtext.make_resume(rng, job.language, r["education"][i], grad, r["careers"][i], ref_month,
                                       float(r["years"][i]))
            path = f"resumes/{cid}.{fmt}"
            if fmt == "txt":
                documents[path] = _simtext.resume_text(rec)
            elif fmt == "pdf":
                documents[path] = _simtext.resume_pdf(rec)
            else:
                documents[path] = _simtext.resume_docx(rec)
            paths[cid] = path
            records.append(_simtext.resume_truth(rec, path))
    records.sort(key=lambda rec: rec["file"])
    if records:
        documents["resumes/truth.jsonl"] = "".join(json.dumps(rec, ensure_ascii=False) + "\n" for rec in records)
    return documents, paths, records


# ------------------------------------------------------------------------------------------------- write


def _csv_ready(df: pd.DataFrame) -> pd.DataFrame:
    """Booleans as true/false, missing as empty."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == bool or str(s.dtype) == "boolean":
            out[col] = s.map({True: "true", False: "false"}).astype(object).where(s.notna(), None)
    return out


def write_simulation(sim: Simulation, out_dir: str | Path) -> dict[str, Path]:
    """Write a simulation as a dataset folder.

    Writes ``<table>.csv`` (UTF-8, one header row, booleans true/false, missing empty),
    ``profiles/<job_id>.yaml``, the resume files under ``resumes/``, ``truth.json``, ``answer_truth.csv`` and
    ``population_truth.csv``. Existing files of the same name are overwritten.

    Returns
    -------
    dict of str -> Path
        Path relative to ``out_dir`` (posix) -> written file.

    Examples
    --------
    >>> import tempfile
    >>> out = write_simulation(simulate(small_config(n_candidates=120)), tempfile.mkdtemp())
    >>> sorted(k for k in out if k.endswith(".csv"))[:3]
    ['ai_decisions.csv', 'answer_truth.csv', 'answers.csv']
    """
    out = Path(out_dir)
    (out / "profiles").mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}

    def put(rel: str, content: bytes | str) -> None:
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_bytes(content.encode("utf-8"))
        else:
            path.write_bytes(content)
        written[rel] = path

    for t in TABLES:
        put(f"{t.name}.csv", _csv_ready(sim.tables[t.name]).to_csv(index=False, lineterminator="\n"))
    flags = sim.answer_truth.astype({c: np.uint8 for c in ANSWER_TRUTH_FLAGS})
    put("answer_truth.csv", flags.to_csv(index=False, lineterminator="\n"))
    put("population_truth.csv", _csv_ready(sim.population).to_csv(index=False, lineterminator="\n"))
    for job_id, prof in sim.profiles.items():
        rel = f"profiles/{job_id}.yaml"
        save_profile(prof, out / rel)
        written[rel] = out / rel
    for rel, content in sim.documents.items():
        put(rel, content)
    put("truth.json", json.dumps(sim.truth, ensure_ascii=False, indent=1) + "\n")
    return written


def simulate_dataset(out_dir: str | Path, candidates: int | None = None, seed: int | None = None, *,
                     progress: bool = False, **overrides: Any) -> dict[str, Path]:
    """Simulate the demo jobs and write the dataset: :func:`demo_config` + :func:`simulate` + :func:`write_simulation`.

    ``candidates`` and ``seed`` default to the demo's (2,000 and 20261127); other keyword arguments override
    :class:`SimulationConfig` fields (e.g. ``biases=()``, ``resume_files=(0, 0, 0)``).

    Examples
    --------
    >>> import tempfile
    >>> paths = simulate_dataset(tempfile.mkdtemp(), 100, 5, resume_files=(1, 0, 0))
    >>> "truth.json" in paths and "resumes/truth.jsonl" in paths
    True
    """
    params = dict(overrides)
    if candidates is not None:
        params["n_candidates"] = int(candidates)
    cfg = demo_config(seed=DEMO_SEED if seed is None else int(seed), **params)
    return write_simulation(simulate(cfg, progress=progress), out_dir)
