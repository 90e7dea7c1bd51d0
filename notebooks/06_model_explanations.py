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
# # 06 Scoring model and SHAP explanations
# A model learned from history (protected attributes are never features; strong proxies are left out), compared
# with the weighted sum of the profile on the same folds, and explained globally and for one candidate.

# %% tags=["parameters"]
dataset_path = None  # a dataset folder; None = the embedded demo data (datasets/demo)
job_id = None  # None = the first job with a profile
criterion = "final_passed"

# %%
from workbench.cli import default_demo_path
from workbench.data import load

dataset = load(dataset_path or default_demo_path())
job_id = job_id or next(iter(dataset.profiles))
profile = dataset.profiles[job_id]

# %%
from workbench import plots
from workbench.explain import explain_dataset

plots.use_notebook_renderer()  # figures show in JupyterLab, Voila and HTML exports alike

result = explain_dataset(dataset, criterion, job_id=job_id)
result.to_dict()["cv"]

# %%
result.global_figure()

# %%
result.words_figure()

# %%
candidate = result.train_index[0]
result.waterfall_figure(candidate)

# %%
print(result.plain_explanation(candidate, lang="en"))

# %%
result.model_card()
