# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 Data review: validity, invalid questions, cross-round checks, utility
# Outcomes (final round, hire) exist only for candidates the AI interview passed, so every validity here is
# corrected for range restriction; a question is called invalid only when the evidence says so.

# %% tags=["parameters"]
dataset_path = None  # a dataset folder; None = the embedded demo data (datasets/demo)
job_id = None  # None = the first job with a profile
criterion = "final_passed"
n_boot = 300

# %%
from workbench.cli import default_demo_path
from workbench.data import load

dataset = load(dataset_path or default_demo_path())
job_id = job_id or next(iter(dataset.profiles))
profile = dataset.profiles[job_id]

# %%
from workbench import plots
from workbench.review import review_dataset

plots.use_notebook_renderer()  # figures show in JupyterLab, Voila and HTML exports alike

review = review_dataset(dataset, criterion, job_ids=(job_id,), n_boot=n_boot, weight_boot=50)
job = review.jobs[0]
print(review.summary())

# %%
plots.validity_figure(job.validity)

# %% [markdown]
# ## Questions proposed for removal

# %%
q = job.validity.questions
q[q["verdict"] == "invalid"][["question_id", "dimension", "n", "r_observed", "r_corrected", "ci_low", "ci_high", "reason"]]

# %%
plots.validity_figure(job.validity, level="dimensions")

# %% [markdown]
# ## Across rounds

# %%
plots.funnel_figure(job.funnel)

# %%
plots.expectancy_figure(job.expectancy)

# %% [markdown]
# ## Utility: what the AI total is worth (Taylor-Russell success ratio, corrected validity)

# %%
from workbench.review.rounds import taylor_russell

r_total = float(job.validity.total["r_corrected"])
pass_rate = job.funnel["ai_pass_rate"]
base_rate = job.funnel["n_final_passed"] / job.funnel["n_ai_passed"] * pass_rate
{"corrected validity": round(r_total, 3), "selection ratio": round(pass_rate, 3),
 "success ratio with the AI interview": round(taylor_russell(r_total, pass_rate, base_rate), 3),
 "success ratio at random": round(base_rate, 3)}
