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
# # 09 Human review queue (app)
# The borderline candidates of a job (AI total within threshold ± SEM), nearest the threshold first, under
# pseudonymous ids. Read a candidate's answers, record pass or fail with a note: the decision is appended to
# `review_decisions.csv` (never rewritten), and the decisions taken and the override counts follow.

# %% tags=["parameters"]
dataset_path = None  # a dataset folder; None = the embedded demo data (datasets/demo)
job_id = None  # None = the first job with a profile (the job selector switches)
reviewer = ""  # who reviews: prefills the reviewer field (a decision needs one)
decisions_path = None  # folder of review_decisions.csv; None = the dataset's folder (demo data: reports/review_queue)

# %%
from workbench.apps import build_review_queue, wait_for_visitor

wait_for_visitor("review_queue")  # a kernel pre-heated by `serve --preheat`: libraries now, the data at the visit

build_review_queue(dataset_path, job_id, reviewer, decisions_path)
