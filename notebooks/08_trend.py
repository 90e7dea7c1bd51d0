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
# # 08 The loop over time
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
