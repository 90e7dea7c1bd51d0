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
# # 02 Resumes and adaptive questions
# Demo resumes are parsed, redacted (no name, contact, gender or age reaches scoring), matched against the
# profile's keywords, and turned into an interview plan: core questions for everyone, adaptive ones citing the resume.

# %% tags=["parameters"]
dataset_path = None  # a dataset folder; None = the embedded demo data (datasets/demo)
job_id = None  # None = the first job with a profile
criterion = "final_passed"
n_resumes = 3

# %%
from workbench.cli import default_demo_path
from workbench.data import load

dataset = load(dataset_path or default_demo_path())
job_id = job_id or next(iter(dataset.profiles))
profile = dataset.profiles[job_id]

# %%
from pathlib import Path

from workbench import plots
from workbench.parsing import parse_file, redact
from workbench.profile import match_resume
from workbench.questions import plan_interview

plots.use_notebook_renderer()  # figures show in JupyterLab, Voila and HTML exports alike

cands = dataset.candidates
cands = cands[(cands["job_id"] == job_id) & cands["resume_path"].notna() & (cands["resume_path"] != "")]
resumes = [redact(parse_file(Path(dataset.path) / p)) for p in cands["resume_path"].head(n_resumes)]
[(r.source, r.years_experience, len(r.skills)) for r in resumes]

# %%
matches = [match_resume(profile, r) for r in resumes]
plots.resume_match_figure(matches[0])

# %%
plan = plan_interview(profile, resumes[0], match=matches[0])
plan.to_frame()[["position", "dimension", "kind", "role", "text", "cites_line"]]
