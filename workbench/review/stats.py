"""Statistics for the data-review loop: validities, range-restriction corrections, multiplicity, bootstrap.

Everything here is a small, pure, vectorised function of numbers (no I/O, no global random state). The normal
and t distributions are scipy.special's closed forms, the functions scipy.stats evaluates (``norm.sf(x) =
ndtr(-x)``, ``t.sf(x, df) = stdtr(df, -x)``, the density :func:`workbench.metrics.normal.norm_pdf`), so that importing the review
modules does not import scipy.stats.

Conventions
-----------
- Missing values are ``NaN`` (also ``None``/``pd.NA`` in pandas input); any non-finite value counts as missing.
  Correlations use pairwise-complete observations.
- A statistic that is undefined (too few observations, a constant variable, a correction outside its domain)
  is ``NaN``: no warnings, no exceptions. Exceptions are kept for caller mistakes (bad shapes, a confidence
  level outside (0, 1), p-values outside [0, 1]).
- ``u`` is always a ratio of standard deviations, selected group over applicant pool (``u < 1`` under
  restriction), and ``U = 1 / u``.

The range-restriction corrections follow the notation of DESIGN.md ("Statistics the workbench must get right"):

=========  ==========================================================  ===================================
function   use it for                                                  selection
=========  ==========================================================  ===================================
Case II    the AI total ``z`` itself                                   direct, on the predictor
Case III   one question or dimension ``x`` that is part of ``z``       incidental: on ``z``, observed
Case IV    a predictor when the selection variable is not observed     indirect, on an unknown variable
=========  ==========================================================  ===================================

For a pass/fail criterion (final_passed, retained_12m) :func:`correct_case_iii_dichotomous` applies Case III
on the latent scale of the dichotomy and converts back to a point-biserial at the estimated applicant-pool
pass rate (plain Case III on a point-biserial overstates it: the pass rate among the selected is nearer .5).

Examples
--------
>>> import numpy as np
>>> round(correct_case_ii(0.30, 0.80), 4)
0.3659
>>> holm([0.01, 0.04, np.nan, 0.03]).round(2).tolist()
[0.03, 0.06, nan, 0.06]
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from scipy import special

from workbench.metrics.correlation import correlate_columns as _correlate_columns
from workbench.metrics.bootstrap import percentile_interval, resample_counts
from workbench.metrics.multiplicity import _as_float, benjamini_hochberg, holm
from workbench.metrics.normal import norm_pdf

__all__ = [
    "BootstrapValidity",
    "Correlation",
    "benjamini_hochberg",
    "bootstrap_corrected_validity",
    "applicant_pass_rate",
    "bootstrap_p_value",
    "bootstrap_two_stage_validity",
    "correct_case_ii",
    "correct_case_iii",
    "correct_case_iii_dichotomous",
    "correct_case_iv",
    "correct_lawley",
    "corrected_validity_point",
    "correlation_p_value",
    "fisher_ci",
    "holm",
    "pearson",
    "point_biserial",
]

RNGLike = np.random.Generator | int | None

# A sum of squared deviations below this share of the raw sum of squares is rounding noise: a constant variable.
_CONSTANT_TOL = 1e-9


class Correlation(NamedTuple):
    """A correlation with its pairwise-complete ``n`` and two-sided p-value (t test of r = 0)."""

    r: Any
    n: Any
    p_value: Any


# --------------------------------------------------------------------------------------------- helpers


def _scalar_or_array(a: np.ndarray) -> Any:
    """0-d arrays become Python floats, so scalar input gives scalar output."""
    return float(a) if np.ndim(a) == 0 else a


def _check_level(level: float) -> float:
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    return level


# -------------------------------------------------------------------------------------- correlations


def correlation_p_value(r: Any, n: Any) -> Any:
    """Two-sided p-value of H0: rho = 0 from the t statistic ``r * sqrt((n - 2) / (1 - r**2))``, df = n - 2.

    Parameters
    ----------
    r, n : float or array_like
        Correlations and their sample sizes (broadcast together).

    Returns
    -------
    float or numpy.ndarray
        NaN where ``r`` is NaN or ``n < 3``; 0 where ``|r| == 1``.

    Examples
    --------
    >>> round(correlation_p_value(0.3, 50), 4)
    0.0343
    """
    r, n = np.broadcast_arrays(np.asarray(r, dtype=float), np.asarray(n, dtype=float))
    df = n - 2
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.abs(r) * np.sqrt(df / (1.0 - r * r))
        p = 2.0 * special.stdtr(np.where(df > 0, df, 1.0), -t)
    p = np.where(np.abs(r) >= 1.0, 0.0, p)
    return _scalar_or_array(np.where(np.isfinite(r) & (np.abs(r) <= 1.0) & (n >= 3), p, np.nan))


def pearson(x: Any, y: Any) -> Correlation:
    """Pearson correlation, pairwise complete, NaN-safe.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, k)
        Predictor(s); with two dimensions every column is correlated with ``y``.
    y : array_like, shape (n,)
        Criterion.

    Returns
    -------
    Correlation
        ``(r, n, p_value)``: scalars for 1-D ``x``, arrays of length k for 2-D ``x``. ``r`` is NaN (silently)
        when fewer than 3 complete pairs remain or either variable is constant among them; ``n`` is still
        the number of complete pairs.

    Examples
    --------
    >>> pearson([1, 2, 3, 4, None], [2, 4, 5, 9, 1]).r.__round__(4)
    0.9648
    >>> pearson([1, 1, 1, 2], [1, 2, 3, None])
    Correlation(r=nan, n=3, p_value=nan)
    """
    xa = _as_float(x, "x")
    ya = _as_float(y, "y")
    if ya.ndim != 1 or xa.ndim not in (1, 2):
        raise ValueError(f"y must be 1-D and x 1-D or 2-D; got shapes {xa.shape} and {ya.shape}")
    if xa.shape[0] != ya.shape[0]:
        raise ValueError(f"x and y must have the same number of rows; got {xa.shape[0]} and {ya.shape[0]}")
    r, n = _correlate_columns(xa[:, None] if xa.ndim == 1 else xa, ya)
    p = correlation_p_value(r, n)
    if xa.ndim == 1:
        return Correlation(float(r[0]), int(n[0]), float(p[0]))
    return Correlation(r, n, p)


def point_biserial(x: Any, y_bool: Any) -> Correlation:
    """Point-biserial correlation of a score with a pass/fail criterion (Pearson r with y coded 0/1).

    Parameters
    ----------
    x : array_like, shape (n,) or (n, k)
        Scores.
    y_bool : array_like of bool, shape (n,)
        Pass/fail; ``None``, ``pd.NA`` or NaN are missing (e.g. candidates who never reached the round).

    Returns
    -------
    Correlation
        As :func:`pearson`.

    Raises
    ------
    ValueError
        If a non-missing ``y_bool`` value is not 0/1/True/False.

    Examples
    --------
    >>> point_biserial([3.0, 4.5, 2.0, 5.0, 4.0], [False, True, False, True, None]).r.__round__(4)
    0.9435
    """
    y = _as_float(y_bool, "y_bool")
    seen = y[np.isfinite(y)]
    if not np.all((seen == 0) | (seen == 1)):
        raise ValueError("y_bool must hold only booleans (or 0/1) and missing values")
    return pearson(x, y)


def fisher_ci(r: Any, n: Any, level: float = 0.95) -> tuple[Any, Any]:
    """Fisher-z confidence interval of a correlation: ``tanh(atanh(r) -/+ z_crit / sqrt(n - 3))``.

    Parameters
    ----------
    r, n : float or array_like
        Correlations and sample sizes (broadcast together).
    level : float, default 0.95
        Two-sided confidence level.

    Returns
    -------
    (low, high)
        Floats for scalar input, arrays otherwise; NaN where ``r`` is NaN, ``|r| > 1`` or ``n < 4``.

    Examples
    --------
    >>> [round(v, 4) for v in fisher_ci(0.3, 103)]
    [0.113, 0.4664]
    """
    level = _check_level(level)
    r, n = np.broadcast_arrays(np.asarray(r, dtype=float), np.asarray(n, dtype=float))
    crit = special.ndtri(0.5 + level / 2.0)
    ok = np.isfinite(r) & (np.abs(r) <= 1.0) & (n >= 4)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.arctanh(r)
        half = crit / np.sqrt(n - 3.0)
        low = np.where(ok, np.tanh(z - half), np.nan)
        high = np.where(ok, np.tanh(z + half), np.nan)
    return _scalar_or_array(low), _scalar_or_array(high)


# ---------------------------------------------------------------------------------- range restriction


def correct_case_ii(r: Any, u: Any) -> Any:
    """Thorndike Case II: correct a correlation for direct selection on the predictor.

    ``r_c = r / sqrt(u**2 + r**2 * (1 - u**2))`` with ``u = SD_selected / SD_all`` of the predictor
    (Thorndike, 1949; Schmidt & Hunter, 2015, ch. 3). Use it for the AI total ``z`` that candidates were
    selected on.

    Parameters
    ----------
    r : float or array_like
        Correlation among the selected.
    u : float or array_like
        SD ratio of the predictor, selected over all applicants (> 0).

    Returns
    -------
    float or numpy.ndarray
        Corrected correlation; NaN where ``u <= 0`` or an input is NaN.

    Examples
    --------
    >>> round(correct_case_ii(0.30, 0.80), 4), round(correct_case_ii(0.25, 0.60), 4)
    (0.3659, 0.3953)
    """
    r, u = np.broadcast_arrays(np.asarray(r, dtype=float), np.asarray(u, dtype=float))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = r / np.sqrt(u * u + r * r * (1.0 - u * u))
    return _scalar_or_array(np.where(u > 0, out, np.nan))


def correct_case_iii(r_xy: Any, r_xz: Any, r_yz: Any, u_z: Any) -> Any:
    """Thorndike Case III: correct r_xy for incidental selection through an observed variable ``z``.

    ``R = [r_xy + r_xz r_yz (U² - 1)] / sqrt([1 + r_xz² (U² - 1)] [1 + r_yz² (U² - 1)])``, ``U = 1 / u_z``
    (Thorndike, 1949; Pearson-Lawley under linearity and homoscedasticity). All three correlations come from
    the selected group. With ``x = z`` (``r_xz = 1``, ``r_yz = r_xy``) it is Case II.

    Parameters
    ----------
    r_xy : float or array_like
        Correlation of the question (dimension) score ``x`` with the criterion ``y`` among the selected.
    r_xz, r_yz : float or array_like
        Correlations of ``x`` and of ``y`` with the selection variable ``z`` among the selected.
    u_z : float or array_like
        ``SD_selected(z) / SD_all(z)``.

    Returns
    -------
    float or numpy.ndarray
        Estimated applicant-pool correlation of ``x`` with ``y``; NaN outside the formula's domain.

    Examples
    --------
    A question uncorrelated with the criterion among the selected is still useful when both it and the
    criterion track the total:

    >>> round(correct_case_iii(0.0, 0.5, 0.3, 0.6), 4)
    0.206
    """
    r_xy, r_xz, r_yz, u_z = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (r_xy, r_xz, r_yz, u_z)))
    with np.errstate(invalid="ignore", divide="ignore"):
        k = 1.0 / (u_z * u_z) - 1.0
        out = (r_xy + r_xz * r_yz * k) / np.sqrt((1.0 + r_xz * r_xz * k) * (1.0 + r_yz * r_yz * k))
    return _scalar_or_array(np.where(u_z > 0, out, np.nan))


def _point_biserial_factor(p: np.ndarray) -> np.ndarray:
    """``phi(c) / sqrt(p (1 - p))`` with ``c = Phi^-1(1 - p)``: point-biserial = factor x biserial."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((p > 0) & (p < 1), norm_pdf(special.ndtri(1.0 - p)) / np.sqrt(p * (1.0 - p)), np.nan)


def applicant_pass_rate(p_selected: Any, r_yz: Any, u_z: Any, d_z: Any) -> Any:
    """Pass rate a pass/fail criterion would have in the whole applicant pool (Pearson-Lawley, latent normal).

    The latent ``f`` behind ``y = 1[f >= c]`` is standardised among the selected (cut ``c_s = Phi^-1(1 - p_s)``);
    its biserial correlation with ``z`` there is ``rho = r_yz / k(p_s)``, ``k(p) = phi(Phi^-1(1 - p)) / sqrt(p (1 - p))``.
    Under a linear, homoscedastic regression of ``f`` on ``z`` the applicant pool has mean ``rho d_z`` and
    variance ``1 + rho^2 (U^2 - 1)``, so ``p_a = 1 - Phi((c_s - rho d_z) / sqrt(1 + rho^2 (U^2 - 1)))``.

    Parameters
    ----------
    p_selected : float or array_like
        Pass rate among the selected.
    r_yz : float or array_like
        Point-biserial of the criterion with ``z`` among the selected.
    u_z : float or array_like
        ``SD_selected(z) / SD_all(z)``.
    d_z : float or array_like
        ``(mean_all(z) - mean_selected(z)) / SD_selected(z)``.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> round(applicant_pass_rate(0.45, 0.2, 1.0, 0.0), 4)
    0.45
    >>> round(applicant_pass_rate(0.45, 0.2, 0.53, -1.3), 3)
    0.337
    """
    p_s, r_yz, u_z, d_z = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (p_selected, r_yz, u_z, d_z)))
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.clip(r_yz / _point_biserial_factor(p_s), -1.0, 1.0)
        var_a = 1.0 + rho * rho * (1.0 / (u_z * u_z) - 1.0)
        p_a = special.ndtr(-((special.ndtri(1.0 - p_s) - rho * d_z) / np.sqrt(var_a)))
    return _scalar_or_array(np.where(u_z > 0, p_a, np.nan))


def correct_case_iii_dichotomous(r_xy: Any, r_xz: Any, r_yz: Any, u_z: Any, p_selected: Any, d_z: Any) -> Any:
    """Case III for a pass/fail criterion: correct on the latent scale, return the applicant-pool point-biserial.

    A pass/fail criterion ``y = 1[f >= c]`` dichotomises a latent ``f``. Its point-biserial with ``x`` is
    the latent correlation times ``phi(c) / sqrt(p (1 - p))``, a factor that depends on the pass rate ``p``.
    Among the selected ``p`` is nearer .5 than in the applicant pool, so plain Case III applied to point-
    biserials overstates the applicant-pool point-biserial (by about a tenth in the simulator). Steps, under
    the assumptions of Case III (linear, homoscedastic regression of ``f`` on ``z``) and a normal ``f``:

    1. biserial among the selected: ``rho_xf = r_xy / k(p_s)``, ``rho_zf = r_yz / k(p_s)``, with
       ``k(p) = phi(Phi^-1(1 - p)) / sqrt(p (1 - p))`` (clipped to [-1, 1]);
    2. Case III on the latent scale: ``R_xf = case_iii(rho_xf, r_xz, rho_zf, u_z)``;
    3. the applicant-pool pass rate ``p_a`` (:func:`applicant_pass_rate`);
    4. back to a point-biserial: ``R_xf k(p_a)``.

    Parameters
    ----------
    r_xy, r_xz, r_yz, u_z : float or array_like
        As :func:`correct_case_iii`; ``r_xy`` and ``r_yz`` are point-biserials among the selected.
    p_selected : float or array_like
        Pass rate among the selected with the criterion.
    d_z : float or array_like
        ``(mean_all(z) - mean_selected(z)) / SD_selected(z)`` (negative under selection from the top).

    Returns
    -------
    float or numpy.ndarray
        Estimated applicant-pool point-biserial; NaN outside the domain (``p_selected`` 0 or 1, ``u_z <= 0``).

    Examples
    --------
    Without restriction (``u_z = 1``, ``d_z = 0``) it returns the input:

    >>> round(correct_case_iii_dichotomous(0.2, 0.5, 0.3, 1.0, 0.4, 0.0), 4)
    0.2
    >>> round(correct_case_iii_dichotomous(0.2, 0.5, 0.3, 0.55, 0.45, -1.2), 3), round(correct_case_iii(0.2, 0.5, 0.3, 0.55), 3)
    (0.361, 0.396)
    """
    r_xy, r_xz, r_yz, u_z, p_s, d_z = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (r_xy, r_xz, r_yz, u_z, p_selected, d_z))
    )
    k_s = _point_biserial_factor(p_s)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho_xf = np.clip(r_xy / k_s, -1.0, 1.0)
        rho_zf = np.clip(r_yz / k_s, -1.0, 1.0)
        latent = np.asarray(correct_case_iii(rho_xf, r_xz, rho_zf, u_z), dtype=float)
        out = latent * _point_biserial_factor(np.asarray(applicant_pass_rate(p_s, r_yz, u_z, d_z)))
    return _scalar_or_array(np.where(u_z > 0, out, np.nan))


def correct_case_iv(
    r: Any, u_x: Any, rxx_applicants: Any, *, ryy: Any = 1.0, true_score: bool = False
) -> Any:
    """Hunter-Schmidt-Le (2006) correction for indirect range restriction ("Case IV").

    For selection on an unobserved variable that affects ``x`` and ``y`` only through the true score ``T``
    of ``x``. With ``u_X`` the observed SD ratio of ``x`` and ``rXXa`` its reliability among applicants:

    1. incumbent reliability  ``rXXi = 1 - (1 - rXXa) / u_X²``  (error variance is not selected on);
    2. true-score SD ratio    ``u_T = sqrt((u_X² - (1 - rXXa)) / rXXa)``  (HSL 2006, eq. 22);
    3. disattenuate           ``rTPi = r / sqrt(rXXi · ryy)``  (``ryy``: criterion reliability among the selected);
    4. Case II on true scores ``rTPa = rTPi / sqrt(u_T² + rTPi² (1 - u_T²))``;
    5. operational validity   ``rXPa = rTPa · sqrt(rXXa)``  (observed ``x`` in the applicant pool).

    Step 4 is exact for true scores because selection that runs through ``T`` is direct selection on ``T``.
    With ``rXXa = 1`` and ``ryy = 1`` this is Case II. References: Hunter, J. E., Schmidt, F. L., & Le, H.
    (2006). Implications of direct and indirect range restriction for meta-analysis methods and findings.
    *Journal of Applied Psychology, 91*(3), 594-612; Schmidt & Hunter (2015), *Methods of Meta-Analysis*,
    3rd ed., ch. 3-5; the same steps are psychmeta's ``correct_r(correction = "uvirr_x")``.

    Parameters
    ----------
    r : float or array_like
        Observed correlation among the selected.
    u_x : float or array_like
        ``SD_selected(x) / SD_all(x)`` of the observed predictor.
    rxx_applicants : float or array_like
        Reliability of ``x`` in the applicant pool, in (0, 1].
    ryy : float or array_like, default 1.0
        Criterion reliability among the selected; 1 leaves ``y`` as observed.
    true_score : bool, default False
        Return ``rTPa`` (true score of ``x``) instead of the operational validity ``rXPa``.

    Returns
    -------
    float or numpy.ndarray
        NaN where ``u_X² <= 1 - rXXa`` (u_T undefined) or an input is out of range.

    Examples
    --------
    >>> round(correct_case_iv(0.30, 0.80, 0.80), 4)
    0.4147
    >>> round(correct_case_iv(0.30, 0.80, 1.0), 4) == round(correct_case_ii(0.30, 0.80), 4)
    True
    """
    r, u_x, rxx_a, ryy = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (r, u_x, rxx_applicants, ryy)))
    ok = (u_x > 0) & (rxx_a > 0) & (rxx_a <= 1) & (ryy > 0) & (ryy <= 1) & (u_x * u_x > 1.0 - rxx_a)
    with np.errstate(invalid="ignore", divide="ignore"):
        rxx_i = 1.0 - (1.0 - rxx_a) / (u_x * u_x)
        u_t = np.sqrt((u_x * u_x - (1.0 - rxx_a)) / rxx_a)
        r_tp_i = r / np.sqrt(rxx_i * ryy)
        r_tp_a = r_tp_i / np.sqrt(u_t * u_t + r_tp_i * r_tp_i * (1.0 - u_t * u_t))
        out = r_tp_a if true_score else r_tp_a * np.sqrt(rxx_a)
    return _scalar_or_array(np.where(ok, out, np.nan))


# ------------------------------------------------------------------------------ multivariate (Lawley)


def correct_lawley(cov: Any, explicit: Any, cov_explicit: Any, *, mean: Any = None, mean_explicit: Any = None) -> Any:
    """Multivariate Pearson-Lawley correction of a covariance matrix for selection on explicit variables.

    With the variables split into the explicit selection variables ``s`` and the rest, and ``Σ`` their
    covariance in the selected group, the covariance in the unrestricted group whose ``s``-block is
    ``Σ*_ss`` is

    ``Σ* = Σ + Σ_·s Σ_ss⁻¹ (Σ*_ss - Σ_ss) Σ_ss⁻¹ Σ_s·``

    and the means move by ``μ* = μ + Σ_·s Σ_ss⁻¹ (μ*_s - μ_s)`` (Lawley 1943, *Proc. R. Soc. Edinb. A 62*,
    28-30; Aitken 1934). Assumptions: the regressions of the other variables on ``s`` are linear and
    homoscedastic, and selection depends on ``s`` (and on chance) only, so these regressions are the same
    before and after selection. With one explicit variable it is Thorndike's Case II for ``s`` itself and
    Case III for any other pair (see the tests). ``Σ_ss⁻¹`` is a pseudo-inverse of the standardised block,
    so an explicit set with duplicated variables (a predictor that *is* the selection variable) works.

    Parameters
    ----------
    cov : array_like, shape (..., p, p)
        Covariance matrices among the selected (a batch over leading axes).
    explicit : sequence of int
        Indices of the explicit selection variables.
    cov_explicit : array_like, shape (..., q, q)
        Their covariance matrix in the unrestricted group (q = len(explicit)).
    mean, mean_explicit : array_like, shape (..., p) and (..., q), optional
        Means among the selected and unrestricted means of the explicit variables; give both to get the
        corrected means too.

    Returns
    -------
    numpy.ndarray or tuple of numpy.ndarray
        ``Σ*`` (..., p, p), or ``(Σ*, μ*)`` when means are given. NaN in, NaN out.

    Examples
    --------
    Case III for (x, y) selected through z, from the correlation matrix among the selected (u_z = .6):

    >>> R = np.array([[1, .2, .5], [.2, 1, .3], [.5, .3, 1]])
    >>> S = correct_lawley(R, [2], [[1 / .6 ** 2]])
    >>> round(float(S[0, 1] / np.sqrt(S[0, 0] * S[1, 1])), 4), round(correct_case_iii(.2, .5, .3, .6), 4)
    (0.3605, 0.3605)
    """
    S = np.asarray(cov, dtype=float)
    idx = np.asarray(explicit, dtype=int).ravel()
    Sss_star = np.asarray(cov_explicit, dtype=float)
    if S.ndim < 2 or S.shape[-1] != S.shape[-2]:
        raise ValueError(f"cov must be square in its last two axes, got shape {S.shape}")
    q = idx.size
    if Sss_star.shape[-2:] != (q, q):
        raise ValueError(f"cov_explicit must be {q} x {q} in its last two axes, got shape {Sss_star.shape}")
    S_s = S[..., :, idx]  # (..., p, q)
    Sss = S[..., idx[:, None], idx[None, :]]
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(np.diagonal(Sss, axis1=-2, axis2=-1))  # standardise before the pseudo-inverse
        Rss = Sss / (sd[..., :, None] * sd[..., None, :])
        bad = ~np.all(np.isfinite(Rss), axis=(-2, -1)) | ~np.all(sd > 0, axis=-1)
        Rss = np.where(bad[..., None, None], np.eye(q), Rss)
        inv = np.linalg.pinv(Rss, rcond=1e-10, hermitian=True) / (sd[..., :, None] * sd[..., None, :])
        B = S_s @ inv  # (..., p, q): regressions of every variable on s
        out = S + B @ (Sss_star - Sss) @ np.swapaxes(B, -1, -2)
        out = np.where(bad[..., None, None], np.nan, out)
        if mean is None and mean_explicit is None:
            return out
        if mean is None or mean_explicit is None:
            raise ValueError("give both mean and mean_explicit, or neither")
        mu = np.asarray(mean, dtype=float)
        shift = np.asarray(mean_explicit, dtype=float) - mu[..., idx]
        mu_star = mu + (B @ shift[..., None])[..., 0]
        return out, np.where(bad[..., None], np.nan, mu_star)


# ------------------------------------------------------------------------------------ multiplicity


# --------------------------------------------------------------------------------------- bootstrap


def bootstrap_p_value(replicates: Any, null: Any, *, alternative: str = "less") -> Any:
    """One-sided bootstrap p-values read off a bootstrap distribution (the test the percentile CI inverts).

    With ``alternative="less"`` (H0: parameter >= ``null``; evidence that it is below), the p-value is
    ``(1 + #{replicates >= null}) / (1 + B)`` over the B finite replicates of each column; with
    ``"greater"``, ``#{replicates <= null}``. The upper percentile bound at level ``1 - 2a`` lies below
    ``null`` exactly when roughly fewer than ``a B`` replicates reach it, so a 95% interval wholly below
    ``null`` goes with p < .025 (Efron & Tibshirani 1993, ch. 16; Davison & Hinkley 1997, eq. 4.11).

    Parameters
    ----------
    replicates : array_like, shape (B,) or (B, k)
        Bootstrap distribution(s); NaN replicates are left out.
    null : float or array_like of shape (k,)
        Value of the parameter under the null hypothesis.
    alternative : {"less", "greater"}
        Direction of the alternative.

    Returns
    -------
    float or numpy.ndarray
        NaN for a column without finite replicates.

    Examples
    --------
    >>> reps = np.linspace(-0.1, 0.2, 301)
    >>> round(bootstrap_p_value(reps, 0.15), 3), round(bootstrap_p_value(reps, 0.15, alternative="greater"), 3)
    (0.172, 0.831)
    """
    if alternative not in ("less", "greater"):
        raise ValueError(f"alternative must be 'less' or 'greater', got {alternative!r}")
    reps = _as_float(replicates, "replicates")
    one = reps.ndim == 1
    reps = reps[:, None] if one else reps
    null = np.broadcast_to(np.asarray(null, dtype=float), reps.shape[1:])
    finite = np.isfinite(reps)
    b = finite.sum(axis=0)
    with np.errstate(invalid="ignore"):
        hits = (reps >= null) if alternative == "less" else (reps <= null)
    k = (hits & finite).sum(axis=0)
    p = np.where(b > 0, (1.0 + k) / (1.0 + b), np.nan)
    p = np.where(np.isfinite(null), p, np.nan)
    return float(p[0]) if one else p


@dataclass(frozen=True, eq=False)  # arrays inside: compare fields, not results
class BootstrapValidity:
    """Corrected validities of k predictors with percentile bootstrap CIs (see :func:`bootstrap_corrected_validity`).

    Attributes
    ----------
    names : tuple of str
        Column names of ``X`` (``"x0"``, ``"x1"`` ... for arrays).
    n : numpy.ndarray of int, shape (k,)
        Selected candidates with ``x``, ``y`` and ``z`` all present (the sample of ``r_observed``).
    r_observed, r_xz, r_yz : numpy.ndarray, shape (k,)
        Correlations among the selected (``r_observed`` is r_xy, range-restricted).
    u_z : float
        ``SD_selected(z) / SD_all(z)``.
    r_corrected : numpy.ndarray, shape (k,)
        Case III estimate of the applicant-pool validity.
    ci_low, ci_high : numpy.ndarray, shape (k,)
        Percentile bootstrap CI of ``r_corrected``; NaN when fewer than ``min_valid`` of the resamples gave a
        defined value.
    n_boot : int
        Resamples drawn.
    n_valid : numpy.ndarray of int, shape (k,)
        Resamples with a defined corrected validity.
    level : float
        Confidence level.
    replicates : numpy.ndarray or None, shape (n_boot, k)
        The bootstrap distribution, when requested.
    dichotomous : bool
        Whether ``r_corrected`` is :func:`correct_case_iii_dichotomous` (pass/fail criterion).
    u_s : float
        Two-stage only (:func:`bootstrap_two_stage_validity`): ``SD_hires(s) / SD_finalists(s)`` of the
        final-round score; NaN for one stage.
    stages : int
        Selection stages corrected: 1 (Case III through ``z``) or 2 (final round, then the AI interview).
    """

    names: tuple[str, ...]
    n: np.ndarray
    r_observed: np.ndarray
    r_xz: np.ndarray
    r_yz: np.ndarray
    u_z: float
    r_corrected: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    n_boot: int
    n_valid: np.ndarray
    level: float
    replicates: np.ndarray | None = None
    dichotomous: bool = False
    u_s: float = float("nan")
    stages: int = 1

    def to_frame(self):
        """One row per predictor, indexed by name (pandas DataFrame)."""
        import pandas as pd

        cols = ("n", "r_observed", "r_xz", "r_yz", "r_corrected", "ci_low", "ci_high", "n_valid")
        frame = pd.DataFrame({c: getattr(self, c) for c in cols}, index=pd.Index(self.names, name="predictor"))
        frame["u_z"] = self.u_z
        return frame


class _Design(NamedTuple):
    """Per-candidate columns whose weighted column sums are the sufficient statistics of every estimate."""

    F: np.ndarray  # n x (6 + 6m + 4k)
    mask_of: np.ndarray  # (k,) index of each predictor's analysis mask among the m distinct ones
    m: int
    k: int
    y_offset: float  # mean of y among the selected with y and z (y is centred on it)


def _distinct_columns(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct columns of a boolean matrix and, per column, the index of its distinct column.

    Hashes bit-packed columns (``np.unique(M, axis=1)`` sorts n-long rows and is slow for large n).

    >>> M = np.array([[1, 0, 1], [0, 1, 0]], dtype=bool)
    >>> masks, of = _distinct_columns(M)
    >>> masks.astype(int).tolist(), of.tolist()
    ([[1, 0], [0, 1]], [0, 1, 0])
    """
    packed = np.packbits(M, axis=0)
    first: dict[bytes, int] = {}
    of = np.array([first.setdefault(packed[:, j].tobytes(), len(first)) for j in range(M.shape[1])], dtype=np.intp)
    representative = [int(np.flatnonzero(of == i)[0]) for i in range(len(first))]
    return M[:, representative], of


def _design(X: np.ndarray, z: np.ndarray, selected: np.ndarray, y: np.ndarray) -> _Design:
    n, k = X.shape
    has_z = np.isfinite(z)
    sel_z = selected & has_z
    base = sel_z & np.isfinite(y)
    M = np.isfinite(X) & base[:, None]  # analysis mask of each predictor
    masks, mask_of = _distinct_columns(M)
    # Centre on full-sample means so that sums of squares lose little to cancellation.
    zc = np.where(has_z, z - (z[has_z].mean() if has_z.any() else 0.0), 0.0)
    y_offset = float(y[base].mean()) if base.any() else 0.0
    yc = np.where(base, y - y_offset, 0.0)
    centre = np.where(M, X, 0.0).sum(axis=0) / np.maximum(M.sum(axis=0), 1)
    Xc = np.where(M, X - centre, 0.0)
    m = masks.shape[1]
    # Layout: [6 columns for u_z | 6 blocks of m mask columns | 4 blocks of k predictor columns].
    F = np.empty((n, 6 + 6 * m + 4 * k))  # filled in place: no block is held twice
    for j, col in enumerate((has_z, zc, zc * zc, sel_z, sel_z * zc, sel_z * zc * zc)):
        F[:, j] = col
    pos = 6
    for factor in (np.ones(n), yc, yc * yc, zc, zc * zc, yc * zc):  # N, Sy, Syy, Sz, Szz, Syz per mask
        np.multiply(masks, factor[:, None], out=F[:, pos : pos + m])
        pos += m
    for factor in (np.ones((n, 1)), Xc, yc[:, None], zc[:, None]):  # Sx, Sxx, Sxy, Sxz per predictor
        np.multiply(Xc, factor, out=F[:, pos : pos + k])
        pos += k
    return _Design(F, mask_of, m, k, y_offset)


def _estimates(S: np.ndarray, d: _Design, dichotomous: bool = False) -> dict[str, np.ndarray]:
    """All estimates from weighted column sums ``S`` (b x columns of ``d.F``), one row per resample."""
    m, k = d.m, d.k
    N_all, Sz_all, Szz_all, N_sel, Sz_sel, Szz_sel = (S[:, i] for i in range(6))
    pos = 6
    mask_blocks = []
    for _ in range(6):
        mask_blocks.append(S[:, pos : pos + m][:, d.mask_of])
        pos += m
    Nj, Sy, Syy, Sz, Szz, Syz = mask_blocks
    Sx, Sxx, Sxy, Sxz = (S[:, pos + i * k : pos + (i + 1) * k] for i in range(4))
    with np.errstate(invalid="ignore", divide="ignore"):
        ss_all = Szz_all - Sz_all * Sz_all / N_all
        ss_sel = Szz_sel - Sz_sel * Sz_sel / N_sel
        u = np.sqrt((ss_sel / (N_sel - 1)) / (ss_all / (N_all - 1)))
        u = np.where((N_sel >= 2) & (ss_sel > _CONSTANT_TOL * Szz_sel) & (ss_all > 0), u, np.nan)
        vx = Sxx - Sx * Sx / Nj
        vy = Syy - Sy * Sy / Nj
        vz = Szz - Sz * Sz / Nj
        cxy = Sxy - Sx * Sy / Nj
        cxz = Sxz - Sx * Sz / Nj
        cyz = Syz - Sy * Sz / Nj
        ok = (
            (Nj >= 3)
            & (vx > _CONSTANT_TOL * Sxx)
            & (vy > _CONSTANT_TOL * Syy)
            & (vz > _CONSTANT_TOL * Szz)
        )
        r_xy = np.where(ok, np.clip(cxy / np.sqrt(vx * vy), -1, 1), np.nan)
        r_xz = np.where(ok, np.clip(cxz / np.sqrt(vx * vz), -1, 1), np.nan)
        r_yz = np.where(ok, np.clip(cyz / np.sqrt(vy * vz), -1, 1), np.nan)
    if dichotomous:
        with np.errstate(invalid="ignore", divide="ignore"):
            p_sel = Sy / Nj + d.y_offset
            d_z = (Sz_all / N_all)[:, None] - Sz / Nj  # both sums are centred on the same mean
            d_z = d_z / np.sqrt(vz / (Nj - 1))
        r_c = np.asarray(correct_case_iii_dichotomous(r_xy, r_xz, r_yz, u[:, None], p_sel, d_z), dtype=float)
    else:
        r_c = np.asarray(correct_case_iii(r_xy, r_xz, r_yz, u[:, None]), dtype=float)
    return {"n": Nj, "u_z": u, "r_xy": r_xy, "r_xz": r_xz, "r_yz": r_yz, "r_c": r_c}


def bootstrap_corrected_validity(
    X: Any,
    z: Any,
    selected: Any,
    y: Any,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    rng: RNGLike = None,
    min_valid: float = 0.9,
    chunk_size: int | None = None,
    return_replicates: bool = False,
    dichotomous: bool = False,
) -> BootstrapValidity:
    """Case III-corrected validities of many predictors with a percentile bootstrap over candidates.

    For every column ``x`` of ``X``: ``r_xy``, ``r_xz`` and ``r_yz`` among the selected candidates who have
    ``x``, ``y`` and ``z``; ``u_z = SD(z | selected) / SD(z | all applicants)``; the estimate is
    :func:`correct_case_iii`. Each bootstrap resample draws all applicants (selected or not) with
    replacement, so ``u_z`` and the number selected vary as they would in a new applicant pool.

    Fast and small: a resample is a vector of multinomial counts (``np.bincount`` of resampled indices), and
    every estimate is a function of count-weighted column sums of one fixed n x (6 + 6m + 4k) matrix
    (m = distinct missing-data patterns), so a chunk of resamples costs one matrix product. A chunk holds
    about 4 million counts (32 MB); memory is O(n (k + m) + chunk n), not O(n_boot n).

    Parameters
    ----------
    X : array_like or pandas.DataFrame, shape (n, k) or (n,)
        Question or dimension scores of all applicants; NaN for unanswered. Include ``z`` itself as a
        column to get its Case II validity (Case III with ``x = z`` is Case II).
    z : array_like, shape (n,)
        AI total of all applicants (the variable selected on).
    selected : array_like of bool, shape (n,)
        Who passed the AI round.
    y : array_like, shape (n,)
        Criterion (e.g. final_passed as 0/1, final_score, performance); ignored for the unselected, NaN
        where missing (treated as missing at random among the selected).
    n_boot : int, default 1000
        Number of resamples.
    level : float, default 0.95
        Level of the percentile interval.
    rng : numpy.random.Generator, int or None
        Random source; an int is a seed. Results do not depend on ``chunk_size``.
    min_valid : float, default 0.9
        Least share of resamples with a defined corrected validity for a CI to be reported.
    chunk_size : int, optional
        Resamples per chunk (default: about 4 million counts per chunk).
    return_replicates : bool, default False
        Keep the (n_boot, k) bootstrap distribution.
    dichotomous : bool, default False
        ``y`` is pass/fail (0/1): correct with :func:`correct_case_iii_dichotomous` (latent scale, then back to
        a point-biserial at the estimated applicant-pool pass rate) instead of plain Case III.

    Returns
    -------
    BootstrapValidity

    Examples
    --------
    >>> import numpy as np
    >>> g = np.random.default_rng(0)
    >>> z = g.normal(size=2000)
    >>> x = 0.6 * z + 0.8 * g.normal(size=2000)
    >>> y = 0.4 * z + g.normal(size=2000)
    >>> res = bootstrap_corrected_validity(np.c_[x, z], z, z > 0.5, y, n_boot=200, rng=1)
    >>> res.r_observed.round(2).tolist(), res.r_corrected.round(2).tolist()
    ([0.05, 0.16], [0.17, 0.31])
    >>> bool(np.all(res.ci_low < res.r_corrected)) and bool(np.all(res.r_corrected < res.ci_high))
    True
    """
    level, n_boot, names, Xa, (za, sel, ya) = _bootstrap_args(X, level, n_boot, min_valid, z=z, selected=selected, y=y)
    n, k = Xa.shape
    design, point = _one_stage_point(Xa, za, sel, ya, dichotomous)

    reps = _resample(n, k, n_boot, rng, chunk_size, lambda W: _estimates(W @ design.F, design, dichotomous)["r_c"])
    return _bootstrap_result(names, point, reps, level, min_valid, return_replicates, dichotomous)


def _one_stage_point(Xa: np.ndarray, za: np.ndarray, sel: np.ndarray, ya: np.ndarray, dichotomous: bool):
    """The design matrix of :func:`bootstrap_corrected_validity` and its point estimates."""
    if dichotomous and not np.all(np.isin(ya[np.isfinite(ya) & (sel == 1)], (0.0, 1.0))):
        raise ValueError("dichotomous=True needs y coded 0/1 among the selected")
    design = _design(Xa, za, sel.astype(bool), ya)
    return design, _estimates(design.F.sum(axis=0, keepdims=True), design, dichotomous)


def _two_stage_point(Xa: np.ndarray, za: np.ndarray, sel: np.ndarray, sa: np.ndarray, ya: np.ndarray,
                     dichotomous: bool):
    """The design and estimator of :func:`bootstrap_two_stage_validity` and its point estimates."""
    sel = sel.astype(bool)
    hire = sel & np.isfinite(za) & np.isfinite(sa) & np.isfinite(ya)
    if dichotomous and not np.all(np.isin(ya[hire], (0.0, 1.0))):
        raise ValueError("dichotomous=True needs y coded 0/1 among the hires")
    d = _two_stage_design(Xa, za, sel, sa, ya)

    def estimate(W: np.ndarray) -> dict[str, np.ndarray]:
        return _two_stage_estimates(W @ d.F_pool, W[:, d.rows] @ d.F_sel, d, dichotomous)

    return d, estimate, estimate(np.ones((1, Xa.shape[0])))


def corrected_validity_point(X: Any, z: Any, selected: Any, y: Any, *, s: Any = None,
                             dichotomous: bool = False) -> np.ndarray:
    """The point estimates of :func:`bootstrap_corrected_validity` (or, with ``s``, of
    :func:`bootstrap_two_stage_validity`) without resampling: one corrected validity per column of ``X``.

    Examples
    --------
    >>> g = np.random.default_rng(0)
    >>> z = g.normal(size=2000)
    >>> x = 0.6 * z + 0.8 * g.normal(size=2000)
    >>> y = 0.4 * z + g.normal(size=2000)
    >>> corrected_validity_point(np.c_[x, z], z, z > 0.5, y).round(2).tolist()
    [0.17, 0.31]
    """
    vectors = {"z": z, "selected": selected, "y": y} if s is None else {"z": z, "selected": selected, "s": s, "y": y}
    _, _, _, Xa, arrays = _bootstrap_args(X, 0.95, 1, 0.9, **vectors)
    if s is None:
        za, sel, ya = arrays
        return _one_stage_point(Xa, za, sel, ya, dichotomous)[1]["r_c"][0]
    za, sel, sa, ya = arrays
    return _two_stage_point(Xa, za, sel, sa, ya, dichotomous)[2]["r_c"][0]


def _resample(n: int, k: int, n_boot: int, rng: RNGLike, chunk_size: int | None, estimate) -> np.ndarray:
    """(n_boot, k) replicates of ``estimate(W)`` over the count blocks of :func:`workbench.metrics.resample_counts`."""
    reps = np.empty((n_boot, k))
    for start, W in resample_counts(n, n_boot, rng, chunk_size):
        reps[start : start + W.shape[0]] = estimate(W)
    return reps


def _bootstrap_args(X: Any, level: float, n_boot: int, min_valid: float, **vectors: Any):
    """Checked arguments of the bootstrap functions: level, n_boot, column names, X (n, k), the vectors."""
    level = _check_level(level)
    if int(n_boot) != n_boot or n_boot < 1:
        raise ValueError(f"n_boot must be a positive integer, got {n_boot}")
    if not 0.0 <= min_valid <= 1.0:
        raise ValueError(f"min_valid must be a share in [0, 1], got {min_valid}")
    names = tuple(str(c) for c in X.columns) if hasattr(X, "columns") else None
    Xa = _as_float(X, "X")
    if Xa.ndim == 1:
        Xa = Xa[:, None]
    if Xa.ndim != 2:
        raise ValueError(f"X must be 1-D or 2-D, got shape {Xa.shape}")
    n, k = Xa.shape
    arrays = [_as_float(v, name) for name, v in vectors.items()]
    for name, arr in zip(vectors, arrays):
        if arr.shape != (n,):
            raise ValueError(f"{name} must have shape ({n},) like the rows of X, got {arr.shape}")
    sel = arrays[list(vectors).index("selected")]
    if not np.all((sel == 0) | (sel == 1)):
        raise ValueError("selected must be boolean (no missing values)")
    if n < 2:
        raise ValueError("need at least two applicants")
    return level, int(n_boot), names or tuple(f"x{j}" for j in range(k)), Xa, arrays


def _bootstrap_result(names, point, reps, level, min_valid, return_replicates, dichotomous, **extra) -> BootstrapValidity:
    """Point estimates (one-row dict of :func:`_estimates`) and replicates as a :class:`BootstrapValidity`."""
    n_valid = np.isfinite(reps).sum(axis=0)
    low, high = percentile_interval(reps, level)
    enough = n_valid >= min_valid * reps.shape[0]
    return BootstrapValidity(
        names=names,
        n=point["n"][0].astype(int),
        r_observed=point["r_xy"][0],
        r_xz=point["r_xz"][0],
        r_yz=point["r_yz"][0],
        u_z=float(point["u_z"][0]),
        r_corrected=point["r_c"][0],
        ci_low=np.where(enough, low, np.nan),
        ci_high=np.where(enough, high, np.nan),
        n_boot=reps.shape[0],
        n_valid=n_valid,
        level=level,
        replicates=reps if return_replicates else None,
        dichotomous=bool(dichotomous),
        **extra,
    )


# ------------------------------------------------------------------------- two-stage bootstrap


class _Level(NamedTuple):
    """Where one selection level's sufficient statistics sit among the columns (see :func:`_level_block`)."""

    offset: int
    mask_of: np.ndarray  # (k,) index of each predictor's analysis mask among the m distinct ones
    m: int
    p: int  # shared variables beside the predictor


def _level_block(X: np.ndarray, Xc: np.ndarray, base: np.ndarray, shared: list[np.ndarray]):
    """Columns whose weighted sums give, per predictor x, the means and covariances of (x, *shared).

    Per distinct analysis mask (``base`` and x present): count, sums and cross-products of the shared
    variables; per predictor: sums of x, x², and x times each shared variable. Everything is zero off the mask.
    """
    M = np.isfinite(X) & base[:, None]
    masks, mask_of = _distinct_columns(M)
    masks = masks.astype(float)
    p = len(shared)
    cols = [masks] + [masks * v[:, None] for v in shared]
    cols += [masks * (shared[i] * shared[j])[:, None] for i in range(p) for j in range(i, p)]
    Xm = np.where(M, Xc, 0.0)
    cols += [Xm, Xm * Xm] + [Xm * v[:, None] for v in shared]
    return np.hstack(cols), np.asarray(mask_of).ravel(), masks.shape[1]


def _level_moments(S: np.ndarray, lvl: _Level, k: int):
    """Count (b, k), means (b, k, P), covariances (b, k, P, P) of (x, *shared) and a 'defined' flag (b, k)."""
    pos = lvl.offset

    def take(width: int, index: np.ndarray | None = None) -> np.ndarray:
        nonlocal pos
        block = S[:, pos : pos + width]
        pos += width
        return block if index is None else block[:, index]

    p, P = lvl.p, lvl.p + 1
    N = take(lvl.m, lvl.mask_of)
    Sv = [take(lvl.m, lvl.mask_of) for _ in range(p)]
    Svv = {(i, j): take(lvl.m, lvl.mask_of) for i in range(p) for j in range(i, p)}
    Sx, Sxx = take(k), take(k)
    Sxv = [take(k) for _ in range(p)]
    sums = np.stack([Sx, *Sv], axis=-1)
    cross = np.empty(N.shape + (P, P))
    cross[..., 0, 0] = Sxx
    for i in range(p):
        cross[..., 0, i + 1] = cross[..., i + 1, 0] = Sxv[i]
        for j in range(i, p):
            cross[..., i + 1, j + 1] = cross[..., j + 1, i + 1] = Svv[i, j]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums / N[..., None]
        ss = cross - sums[..., :, None] * sums[..., None, :] / N[..., None, None]
        cov = ss / (N - 1.0)[..., None, None]
        diag_ss = np.diagonal(ss, axis1=-2, axis2=-1)
        raw = np.diagonal(cross, axis1=-2, axis2=-1)
        ok = (N >= 3) & np.all(diag_ss > _CONSTANT_TOL * raw, axis=-1)
    return N, mean, cov, ok


class _TwoStageDesign(NamedTuple):
    F_pool: np.ndarray  # n x 6: z over all applicants and over the selected (as in _design)
    rows: np.ndarray  # finalists: selected with z and s
    F_sel: np.ndarray  # len(rows) x columns of the two levels
    finalists: _Level  # shared (z, s)
    hires: _Level  # shared (z, s, y)
    k: int
    y_offset: float


def _two_stage_design(X: np.ndarray, z: np.ndarray, selected: np.ndarray, s: np.ndarray, y: np.ndarray):
    n, k = X.shape
    has_z = np.isfinite(z)
    sel_z = selected & has_z
    zc = np.where(has_z, z - (z[has_z].mean() if has_z.any() else 0.0), 0.0)
    F_pool = np.column_stack((has_z, zc, zc * zc, sel_z, sel_z * zc, sel_z * zc * zc)).astype(float)
    fin = sel_z & np.isfinite(s)
    hire = fin & np.isfinite(y)
    rows = np.flatnonzero(fin)
    Xr, zr, finr, hirer = X[rows], zc[rows], fin[rows], hire[rows]
    sc = np.where(finr, s[rows] - (s[rows].mean() if rows.size else 0.0), 0.0)
    y_offset = float(y[hire].mean()) if hire.any() else 0.0
    yc = np.where(hirer, y[rows] - y_offset, 0.0)
    M = np.isfinite(Xr) & finr[:, None]
    centre = np.where(M, Xr, 0.0).sum(axis=0) / np.maximum(M.sum(axis=0), 1)
    Xc = np.where(M, Xr - centre, 0.0)
    Ff, of_f, m_f = _level_block(Xr, Xc, finr, [zr, sc])
    Fh, of_h, m_h = _level_block(Xr, Xc, hirer, [zr, sc, yc])
    return _TwoStageDesign(
        F_pool, rows, np.hstack((Ff, Fh)), _Level(0, of_f, m_f, 2), _Level(Ff.shape[1], of_h, m_h, 3), k, y_offset
    )


def _two_stage_estimates(S_pool: np.ndarray, S_sel: np.ndarray, d: _TwoStageDesign, dichotomous: bool):
    """Two-stage corrected validities from the weighted column sums, one row per resample."""
    N_all, Sz_all, Szz_all, N_sel, Sz_sel, Szz_sel = (S_pool[:, i] for i in range(6))
    _, mf, Cf, ok_f = _level_moments(S_sel, d.finalists, d.k)  # (x, z, s) among finalists
    Nh, mh, Ch, ok_h = _level_moments(S_sel, d.hires, d.k)  # (x, z, s, y) among hires
    with np.errstate(invalid="ignore", divide="ignore"):
        vz_all = (Szz_all - Sz_all * Sz_all / N_all) / (N_all - 1.0)
        mz_all = Sz_all / N_all
        ss_sel = Szz_sel - Sz_sel * Sz_sel / N_sel
        u_z = np.sqrt((ss_sel / (N_sel - 1.0)) / vz_all)
        u_z = np.where((N_sel >= 2) & (ss_sel > _CONSTANT_TOL * Szz_sel) & (vz_all > 0), u_z, np.nan)
        sd = np.sqrt(np.diagonal(Ch, axis1=-2, axis2=-1))
        r_h = Ch / (sd[..., :, None] * sd[..., None, :])
    ok = ok_f & ok_h & (N_all >= 2)[:, None] & (vz_all > 0)[:, None]
    r_xy, r_xz, r_yz = (np.where(ok, np.clip(r_h[..., i, j], -1, 1), np.nan) for i, j in ((0, 3), (0, 1), (1, 3)))
    if dichotomous:  # latent criterion, standardised among hires: biserials from point-biserials
        p_h = mh[..., 3] + d.y_offset
        with np.errstate(invalid="ignore", divide="ignore"):
            rb = np.clip(r_h[..., :3, 3] / _point_biserial_factor(p_h)[..., None], -1.0, 1.0)
        Ch = Ch.copy()
        Ch[..., :3, 3] = Ch[..., 3, :3] = rb * sd[..., :3]
        Ch[..., 3, 3] = 1.0
        mh = mh.copy()
        mh[..., 3] = 0.0
        cut = special.ndtri(1.0 - p_h)
    # stage 2: hires -> finalists, explicit (x, z, s) with their observed finalist covariance and means
    C2, m2 = correct_lawley(Ch, [0, 1, 2], Cf, mean=mh, mean_explicit=mf)
    # stage 1: finalists -> applicant pool through z (Case III / Case II)
    C1, m1 = correct_lawley(C2, [1], np.broadcast_to(vz_all[:, None, None, None], C2.shape[:-2] + (1, 1)),
                            mean=m2, mean_explicit=np.broadcast_to(mz_all[:, None, None], m2.shape[:-1] + (1,)))
    with np.errstate(invalid="ignore", divide="ignore"):
        r_c = np.clip(C1[..., 0, 3] / np.sqrt(C1[..., 0, 0] * C1[..., 3, 3]), -1.0, 1.0)
        if dichotomous:
            p_pool = special.ndtr((m1[..., 3] - cut) / np.sqrt(C1[..., 3, 3]))
            r_c = r_c * _point_biserial_factor(p_pool)
    r_c = np.where(ok & (C2[..., 3, 3] > 0) & (C1[..., 3, 3] > 0), r_c, np.nan)
    return {"n": Nh, "u_z": u_z, "r_xy": r_xy, "r_xz": r_xz, "r_yz": r_yz, "r_c": r_c}


def bootstrap_two_stage_validity(
    X: Any,
    z: Any,
    selected: Any,
    s: Any,
    y: Any,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    rng: RNGLike = None,
    min_valid: float = 0.9,
    chunk_size: int | None = None,
    return_replicates: bool = False,
    dichotomous: bool = False,
) -> BootstrapValidity:
    """Validities corrected for two selection stages (sequential Pearson-Lawley), with a candidate bootstrap.

    The funnel: applicants -> AI-passed finalists (selected on the AI total ``z``) -> hires (selected on the
    final-round score ``s``: offer when ``s`` passes the cut, then chance acceptance). The criterion ``y``
    (performance, retention) exists only for hires; ``x``, ``z`` and ``s`` exist for every finalist.

    Stage 2, hires -> finalists (:func:`correct_lawley` with explicit variables ``(x, z, s)``): selection into
    the hires depends on ``s`` only, so it is also selection on the vector ``(x, z, s)``, whose finalist
    covariance and means are *observed*. The regression of ``y`` on ``(x, z, s)`` estimated among hires is
    carried to the finalists: ``cov_f(A, y) = Σ_f,AA B``, ``var_f(y) = var_h(y) - B'Σ_h,AA B + B'Σ_f,AA B``,
    ``B = Σ_h,AA⁻¹ Σ_h,Ay``. This uses every observed finalist statistic (rather than re-deriving the
    finalist covariance of ``x`` and ``z`` from the hires through ``s``), and it is exact when the applicant-
    pool regression of ``y`` on ``(x, z, s)`` is linear and homoscedastic, since selection on ``z`` and ``s``
    leaves that regression unchanged (Lawley 1943). For ``x = z`` (the AI total) the explicit set is
    ``(z, s)`` (pseudo-inverse).

    Stage 1, finalists -> applicants: Lawley on ``z`` with ``u_z = SD_finalists(z) / SD_all(z)``, i.e.
    Case III for questions and dimensions, Case II for the total, applied to the finalist-level matrix.

    Selection in sequence and the order of the corrections follow Sackett & Yang (2000, *J. Appl. Psychol.
    85*, 112-118; their taxonomy's multi-stage cases) and Hunter, Schmidt & Le (2006, *J. Appl. Psychol. 91*,
    594-612): each stage is undone with the statistics of the group it selected from, the last stage first.

    With ``dichotomous=True`` (retained_12m) both stages run on the latent scale as in
    :func:`correct_case_iii_dichotomous`: point-biserials among hires become biserials (latent ``f``
    standardised among hires, cut ``Phi^-1(1 - p_hires)``), the latent means and variance are carried through
    both stages, and the result is a point-biserial at the estimated applicant-pool pass rate.

    The bootstrap resamples all applicants, so the number of finalists and hires, ``u_z`` and the spread of
    ``s`` among hires vary as in a new pool; the estimates are functions of count-weighted column sums (one
    matrix product per chunk of resamples, over the finalists' rows only) as in
    :func:`bootstrap_corrected_validity`.

    Parameters
    ----------
    X, z, selected : as in :func:`bootstrap_corrected_validity`
    s : array_like, shape (n,)
        Final-round score of every finalist (NaN elsewhere; finalists without one are left out).
    y : array_like, shape (n,)
        Criterion, known for hires only (NaN elsewhere; missing at random among hires).
    n_boot, level, rng, min_valid, chunk_size, return_replicates, dichotomous
        As in :func:`bootstrap_corrected_validity`.

    Returns
    -------
    BootstrapValidity
        ``n``, ``r_observed``, ``r_xz`` and ``r_yz`` refer to hires with ``x``, ``y``, ``z`` and ``s``;
        ``u_z`` to all AI-passed; ``u_s = SD_hires(s) / SD_finalists(s)``; ``stages = 2``.

    Examples
    --------
    Performance tracks a true potential ``T``; the question ``x`` and the final round ``s`` measure it:

    >>> g = np.random.default_rng(0)
    >>> n = 100_000
    >>> T = g.normal(size=n)
    >>> x = 0.6 * T + 0.8 * g.normal(size=n)
    >>> z = 0.8 * x + 0.6 * g.normal(size=n)
    >>> s = 0.6 * T + 0.8 * g.normal(size=n)
    >>> y = 0.5 * T + np.sqrt(0.75) * g.normal(size=n)
    >>> sel = z > 0.4
    >>> hired = sel & (s > 0.2)
    >>> res = bootstrap_two_stage_validity(np.c_[x, z], z, sel, np.where(sel, s, np.nan),
    ...                                    np.where(hired, y, np.nan), n_boot=200, rng=1)
    >>> one = bootstrap_corrected_validity(np.c_[x, z], z, sel, np.where(hired, y, np.nan), n_boot=100, rng=1)
    >>> np.corrcoef([x, z, y])[2, :2].round(2).tolist(), res.r_corrected.round(2).tolist(), one.r_corrected.round(2).tolist()
    ([0.3, 0.24], [0.29, 0.23], [0.26, 0.2])
    """
    level, n_boot, names, Xa, (za, sel, sa, ya) = _bootstrap_args(
        X, level, n_boot, min_valid, z=z, selected=selected, s=s, y=y
    )
    n, k = Xa.shape
    sel = sel.astype(bool)
    hire = sel & np.isfinite(za) & np.isfinite(sa) & np.isfinite(ya)
    d, estimate, point = _two_stage_point(Xa, za, sel, sa, ya, dichotomous)
    reps = _resample(n, k, n_boot, rng, chunk_size, lambda W: estimate(W)["r_c"])
    fin = sel & np.isfinite(za) & np.isfinite(sa)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        u_s = float(np.std(sa[hire], ddof=1) / np.std(sa[fin], ddof=1)) if hire.sum() >= 2 else math.nan
    return _bootstrap_result(names, point, reps, level, min_valid, return_replicates, dichotomous, u_s=u_s, stages=2)


# ------------------------------------------------------------------------------ from aggregates (engines)


def validity_from_sums(S: Any, k: int, y_offset: float, *, dichotomous: bool = False) -> dict[str, np.ndarray]:
    """The estimates of :func:`bootstrap_corrected_validity` from its column sums, one mask per predictor.

    ``S`` holds (b, 6 + 10k) sums in the layout of the one-stage design (one analysis mask per predictor,
    ``m = k``): the six sums of ``z`` over all applicants and over the selected; per predictor the count,
    ``Sy, Syy, Sz, Szz, Syz`` over its mask; then ``Sx, Sxx, Sxy, Sxz``. ``z``, ``y`` and every ``x`` are
    centred (on their mean over all with ``z``, over the selected with ``y``, over the mask) and ``y_offset``
    is the mean ``y`` was centred on. An engine computes these sums (:mod:`workbench.review.at_scale`).

    Examples
    --------
    >>> g = np.random.default_rng(0)
    >>> z = g.normal(size=3000)
    >>> y = 0.5 * z + g.normal(size=3000)
    >>> d = _design(z[:, None], z, z > 0.3, np.where(z > 0.3, y, np.nan))
    >>> S = d.F.sum(axis=0)[None]
    >>> bool(np.allclose(validity_from_sums(S, 1, d.y_offset)["r_c"], corrected_validity_point(z, z, z > 0.3, y)))
    True
    """
    S = np.atleast_2d(np.asarray(S, dtype=float))
    return _estimates(S, _Design(np.empty((0, 0)), np.arange(k), k, k, float(y_offset)), dichotomous)


def two_stage_from_sums(S: Any, k: int, y_offset: float, *, dichotomous: bool = False) -> dict[str, np.ndarray]:
    """The estimates of :func:`bootstrap_two_stage_validity` from its column sums, one mask per predictor.

    ``S`` holds (b, 6 + 25k) sums: the six pool sums of ``z``, then the finalists' level (shared ``z, s``) and
    the hires' level (shared ``z, s, y``) of :func:`_level_block` with ``m = k``.
    """
    S = np.atleast_2d(np.asarray(S, dtype=float))
    d = _TwoStageDesign(np.empty((0, 6)), np.empty(0, dtype=np.intp), np.empty((0, 0)),
                        _Level(0, np.arange(k), k, 2), _Level(10 * k, np.arange(k), k, 3), k, float(y_offset))
    return _two_stage_estimates(S[:, :6], S[:, 6:], d, dichotomous)


def sums_gradient(estimate, S: Any, *, step: float = 1e-6) -> np.ndarray:
    """(columns, k) central-difference gradient of ``estimate(S)["r_c"]`` with respect to the sums ``S``.

    >>> f = lambda S: {"r_c": S[:, :1] / S[:, 1:2]}
    >>> sums_gradient(f, np.array([2.0, 4.0])).round(6).tolist()
    [[0.25], [-0.125]]
    """
    S = np.asarray(S, dtype=float).ravel()
    h = step * np.maximum(np.abs(S), 1.0)
    eye = np.diag(h)
    up = estimate(S[None, :] + eye)["r_c"]
    down = estimate(S[None, :] - eye)["r_c"]
    return (up - down) / (2.0 * h[:, None])


def delta_interval(r: Any, se: Any, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Interval of a correlation from its delta-method standard error, on Fisher's z scale.

    ``tanh(atanh(r) -/+ z_crit * se / (1 - r^2))``: the bounds stay inside (-1, 1).

    >>> lo, hi = delta_interval(np.array([0.3]), np.array([0.05]))
    >>> round(float(lo[0]), 3), round(float(hi[0]), 3)
    (0.199, 0.395)
    """
    level = _check_level(level)
    r, se = np.asarray(r, dtype=float), np.asarray(se, dtype=float)
    crit = special.ndtri(0.5 + level / 2.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        zr = np.arctanh(np.clip(r, -0.999999, 0.999999))
        se_z = se / (1.0 - r * r)
        return np.tanh(zr - crit * se_z), np.tanh(zr + crit * se_z)


def delta_p_below(r: Any, se: Any, null: Any) -> np.ndarray:
    """One-sided p-value of H0 ``rho >= null`` against ``rho < null`` on Fisher's z scale (delta-method se).

    >>> round(float(delta_p_below(np.array([0.0]), np.array([0.05]), 0.1)[0]), 4)
    0.0224
    """
    r, se = np.asarray(r, dtype=float), np.asarray(se, dtype=float)
    null = np.broadcast_to(np.asarray(null, dtype=float), r.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        zr = np.arctanh(np.clip(r, -0.999999, 0.999999))
        z0 = np.arctanh(np.clip(null, -0.999999, 0.999999))
        p = special.ndtr((zr - z0) / (se / (1.0 - r * r)))
    return np.where(np.isfinite(p) & (se > 0), p, np.nan)
