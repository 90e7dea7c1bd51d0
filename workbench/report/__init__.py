"""HTML reports: escaped Jinja2 templates with plotly inlined, so every report opens offline.

- :func:`render` renders any template of ``workbench/report/templates`` (autoescaped);
- :func:`write_audit_report` writes the LL144 bias-audit summary of a :class:`workbench.fairness.AuditResult`;
- :func:`write_reports` writes the auditor report, the review report for researchers, the publishable LL144
  summary (``ll144_summary.html``), the audit of every stage and the table exports (CSV, XLSX, JSON;
  :mod:`workbench.report.export`), with the audit per job and pooled (:mod:`workbench.report.scope`) and
  findings naming job, stage and group (:mod:`workbench.report.findings`);
- :func:`write_pdfs` prints the LL144 summary and the auditor report to PDF with headless Chromium
  (:mod:`workbench.report.pdf`);
- display labels in English and Chinese come from ``labels.yaml`` (:mod:`workbench.report.labels`).
"""

from workbench.report.html import (PLOTLY_ASSET, dataset_sha256, figure_json, plotly_script, render,
                                   write_audit_report, write_plotly_asset)
from workbench.report.pages import package_versions, provenance, redact_text, write_reports
from workbench.report.pdf import write_pdfs
from workbench.report.scope import load_audit_info

__all__ = ["PLOTLY_ASSET", "dataset_sha256", "figure_json", "load_audit_info", "package_versions", "plotly_script",
           "provenance", "redact_text", "render", "write_audit_report", "write_pdfs", "write_plotly_asset",
           "write_reports"]
