# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 08 The loop over time, and experiments
# Did a change raise the pass rate of the right candidates, and was it the change? Per period (or profile /
# question version): the AI pass rate, the final-round pass rate of the AI-passed, the share of hires who
# perform at or above a cut, the corrected validity of the AI total and the lowest impact ratio per attribute,
# each with a CI; each change with a CI and a Holm-adjusted test, beside the change reweighted to the earlier
# period's job mix. Final-round and performance figures are range-restricted (AI-passed and hires only).

# %% tags=["parameters"]
dataset_path = None  # a dataset folder; None = the embedded demo data (datasets/demo)
job_id = None  # None = all jobs pooled (the standardised comparison then reweights by job)
criterion = "final_passed"  # the criterion of the validity column (the trend supports final_passed)
by = "period"  # profile_version, question_version or period
freq = "Q"  # period length for by="period" (a pandas alias: Q, M, Y)
performance_cut = 3.0  # a hire "performs" at or above this rating (1-5)

# %%
from workbench.cli import default_demo_path
from workbench.review.trend import trend

result = trend(dataset_path or default_demo_path(), by=by, freq=freq, job_id=job_id,
               performance_cut=performance_cut)
print(result.summary())

# %%
from workbench import plots

plots.in_page(plots.trend_rates_figure(result))

# %%
plots.in_page(plots.trend_impact_figure(result))

# %%
import pandas as pd

pd.DataFrame([s.to_dict() for s in result.standardised if s.metric == "ai_pass_rate"])

# %% [markdown]
# ## Impact-ratio changes
# Per attribute, the later period's lowest-rated group against its reference, compared with the same pair
# earlier: the difference with a CI and a Holm-adjusted test (its own family).

# %%
pd.DataFrame([c.to_dict() for c in result.impact_changes])

# %% [markdown]
# ## Real-time hints as an experiment
# Hints are triggered by incomplete drafts, so the prompted answers were worse before the hint: the naive
# prompted-vs-unprompted difference is biased. `workbench.review.prompting` estimates the effect among the
# hint-eligible answers only: randomised when the data record a holdout (`assignment=random`), otherwise
# observational, adjusted for the STAR parts before the hint (`star_before`), with the naive difference beside
# it. Datasets without the hint columns (like the demo) get the naive difference and the reason. Below, the
# same estimators on a simulated job with triggered hints and a 10 % randomised holdout
# (`workbench.review.holdout.HoldoutPolicy`), whose true effect is known.

# %%
from workbench.review.prompting import prompting

print(prompting(dataset_path or default_demo_path(), job_id=job_id, n_boot=200).summary())

# %%
from workbench.simulate import TriggeredPrompting, simulate, small_config

experiment = simulate(small_config(n_candidates=600, seed=3, answer_texts=False, resume_files=(0, 0, 0),
                                   triggered=TriggeredPrompting(holdout_share=0.10)))
print(prompting(experiment.tables, n_boot=200).summary())
print("true effect among eligible answers:", experiment.truth["jobs"]["product_manager"]["prompting"]["true_effect"])

