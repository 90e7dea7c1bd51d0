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
# # 07 Bias audit (app)
# NYC Local Law 144 selection-rate tables for each hiring stage, per job or for all jobs pooled. Pick a stage, an
# attribute and a job: the table and the impact-ratio chart follow; groups under the four-fifths line are
# highlighted. The stakeholder view suppresses cells with a count under 5.

# %% tags=["parameters"]
dataset_path = None  # a dataset folder; None = the embedded demo data (datasets/demo)
job_id = None  # None = all jobs pooled first (the job selector switches)
criterion = "final_passed"
decision = "ai_passed"

# %%
from workbench.apps import build_audit_viewer, wait_for_visitor

wait_for_visitor("audit_viewer")  # a kernel pre-heated by `serve --preheat`: libraries now, the data at the visit

build_audit_viewer(dataset_path, decision=decision, job_id=job_id)
