"""Findings and their loop: deadlines, re-inspection, escalation, risk list, sampling follow-ups."""

from app.services.findings.escalation import sweep_overdue_findings
from app.services.findings.findings import add_finding, present_finding
from app.services.findings.reinspections import count_late_reinspections
from app.services.findings.requests import requests_of
from app.services.findings.sampling_followups import open_followup_for_signal, origin_problems

__all__ = [
    "add_finding",
    "count_late_reinspections",
    "open_followup_for_signal",
    "origin_problems",
    "present_finding",
    "requests_of",
    "sweep_overdue_findings",
]
