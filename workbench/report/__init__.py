"""HTML reports: escaped Jinja2 templates with plotly inlined, so every report opens offline.

- :func:`render` renders any template of ``workbench/report/templates`` (autoescaped);
- :func:`write_audit_report` writes the LL144 bias-audit summary of a :class:`workbench.fairness.AuditResult`.
"""

from workbench.report.html import dataset_sha256, figure_json, plotly_script, render, write_audit_report

__all__ = ["dataset_sha256", "figure_json", "plotly_script", "render", "write_audit_report"]
