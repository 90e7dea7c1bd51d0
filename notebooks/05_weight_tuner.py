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
# # 05 Weight tuner (app)
# Move the dimension weights (they always sum to 1) and the pass threshold: the pass rate, the corrected
# validity, the predictive accuracy, the impact ratios by group and the ranked candidates update.

# %% tags=["parameters"]
dataset_path = None  # a dataset folder; None = the embedded demo data (datasets/demo)
job_id = None  # None = the first job with a profile
criterion = "final_passed"

# %%
from workbench.apps import build_weight_tuner, wait_for_visitor

wait_for_visitor("weight_tuner")  # a kernel pre-heated by `serve --preheat`: libraries now, the data at the visit

build_weight_tuner(dataset_path, job_id, criterion)
