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
# # 01 Job profile
# The profile a job is scored against (dimensions, weights, keywords, pass threshold), and the profile the
# history proposes: weights fitted on the candidates who passed the AI interview, keywords that top performers use.

# %% tags=["parameters"]
dataset_path = None  # a dataset folder; None = the embedded demo data (datasets/demo)
job_id = None  # None = the first job with a profile
criterion = "final_passed"
n_boot = 100

# %%
from workbench.cli import default_demo_path
from workbench.data import load

dataset = load(dataset_path or default_demo_path())
job_id = job_id or next(iter(dataset.profiles))
profile = dataset.profiles[job_id]

# %%
from workbench import plots
from workbench.profile import derive_profile, profile_to_dict

plots.use_notebook_renderer()  # figures show in JupyterLab, Voila and HTML exports alike

plots.profile_weights_figure(profile)

# %%
import pandas as pd

pd.DataFrame([{"dimension": d["name"], "weight": d["weight"], **{f"keywords_{k}": ", ".join(v) for k, v in d.get("keywords", {}).items()}}
              for d in profile_to_dict(profile)["dimensions"]])

# %% [markdown]
# ## What the history proposes (nothing is written until a person accepts it)

# %%
proposal = derive_profile(dataset, job_id, criterion=criterion, n_boot=n_boot)
proposal.to_frame()

# %%
plots.weights_figure(proposal.current.weights, proposal.proposed.weights,
                     title=f"{job_id}: current vs proposed weights ({proposal.proposed.version})")
