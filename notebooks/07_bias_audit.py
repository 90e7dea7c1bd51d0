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
# NYC Local Law 144 selection-rate tables for each hiring stage. Pick a stage and an attribute; groups under the
# four-fifths line are highlighted. The stakeholder view suppresses cells with a count under 5.

# %% tags=["parameters"]
dataset_path = None  # a dataset folder; None = the embedded demo data (datasets/demo)
job_id = None  # None = the first job with a profile
criterion = "final_passed"
decision = "ai_passed"

# %%
from workbench.apps import build_audit_viewer

build_audit_viewer(dataset_path, decision=decision)

# %%
from workbench import plots
from workbench.data import load
from workbench.cli import default_demo_path
from workbench.fairness import audit

result = audit(load(dataset_path or default_demo_path()), decision, skip_invalid=True, where_from=False)
plots.in_page(plots.impact_ratio_figure({t.attribute: t.rows["impact_ratio"].to_dict() for t in result.tables},
                                        title=f"Impact ratios of {decision} (all jobs pooled)"))
