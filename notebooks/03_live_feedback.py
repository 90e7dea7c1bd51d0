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
# # 03 Live answer feedback (app)
# Type an answer: the STAR meter, the hints and the profile keywords update as you type.

# %% tags=["parameters"]
dataset_path = None  # a dataset folder; None = the embedded demo data (datasets/demo)
job_id = None  # None = the first job with a profile
criterion = "final_passed"

# %%
from workbench.apps import build_live_feedback

build_live_feedback(job_id, dataset_path)
