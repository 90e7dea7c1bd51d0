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
#
# To measure what the hints do, hold a share of the hint-eligible answers out (`holdout`): those answers get no
# hint at all, chosen by a seeded hash of the candidate and question ids (`workbench.review.holdout.HoldoutPolicy`),
# so the answers are recorded with `assignment=random` and `workbench prompting` analyses them as a randomised
# experiment. The researcher's panel (`researcher = True`) shows each answer's arm; never show it to candidates.

# %% tags=["parameters"]
dataset_path = None  # a dataset folder; None = the embedded demo data (datasets/demo)
job_id = None  # None = the first job with a profile
criterion = "final_passed"
holdout = 0.0  # share of hint-eligible answers held out (no hint), e.g. 0.10; 0.0 = every eligible answer gets hints
holdout_seed = 0  # key of the holdout's hash: the same seed holds out the same answers
candidate_id = "practice"  # the pseudonymous id the holdout is keyed on (with the question id)
researcher = False  # True: show the researcher's panel (the answer's arm, whether the hint fired)

# %%
from workbench.apps import build_live_feedback, wait_for_visitor
from workbench.review.holdout import HoldoutPolicy

wait_for_visitor("live_feedback")  # a kernel pre-heated by `serve --preheat`: pipelines now, the data at the visit

policy = HoldoutPolicy(share=holdout, seed=holdout_seed) if holdout else None  # 0.0: no experiment
build_live_feedback(job_id, dataset_path, holdout=policy, candidate_id=candidate_id, researcher=researcher)
