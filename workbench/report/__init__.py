"""HTML reports: escaped Jinja2 templates with plotly inlined, so every report opens offline.

- :func:`render` renders any template of ``workbench/report/templates`` (autoescaped);
- :func:`write_audit_report` writes the LL144 bias-audit summary of a :class:`workbench.fairness.AuditResult`;
- :func:`write_reports` writes the auditor report, the review report for researchers and the audit of
  every stage (:mod:`workbench.report.pages`).
"""

from workbench.report.html import dataset_sha256, figure_json, plotly_script, render, write_audit_report
from workbench.report.pages import package_versions, provenance, redact_text, write_reports

__all__ = ["dataset_sha256", "figure_json", "package_versions", "plotly_script", "provenance", "redact_text",
           "render", "write_audit_report", "write_reports"]
