"""The daily sweep (计划 七（二）): a finding that reaches level 2 by time alone — open and overdue more than the
rule's days — joins the risk problem list and so reaches the prefecture, with nobody having to touch it.

Run once a day by the scheduler of the deployment (cron, a systemd timer, a Kubernetes CronJob):
`python -m app.cli escalate-overdue`. Running it again is harmless: a finding has at most one entry.
Level 2 reached by a failed re-inspection enters the list at that step already (services/findings/steps.py).
"""

from datetime import date

from sqlalchemy import exists
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import SYSTEM
from app.models import Finding, RiskListEntry
from app.services.findings import risk_list
from app.services.findings.findings import level_of


async def sweep_overdue_findings(session: AsyncSession, *, today: date) -> list[RiskListEntry]:
    """Enter every open finding whose escalation level (the domain's, as of `today`) is 2 or more and that is not
    on the list yet. The SQL only narrows to open, past-deadline findings without an entry; the rule decides."""
    has_entry = exists().where(RiskListEntry.finding_id == Finding.id)
    candidates = await session.exec(
        select(Finding)
        .where(col(Finding.status) != "closed", col(Finding.deadline) < today, ~has_entry)
        .order_by(col(Finding.deadline))
    )
    return [
        await risk_list.enter_automatically(session, SYSTEM, finding, "escalation")
        for finding in candidates.all()
        if level_of(finding, today)[0] >= 2
    ]
