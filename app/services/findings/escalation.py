"""The daily sweep (计划 七（二）): a finding's escalation level rises with time alone — open and overdue, then overdue
more than the rule's days — and is kept (services/findings/levels.py), each change an `escalation` step; a finding
that reaches level 2 joins the risk problem list and so reaches the prefecture, with nobody having to touch it.

Run once a day by the scheduler of the deployment (cron, a systemd timer, a Kubernetes CronJob):
`python -m app.cli escalate-overdue`. Running it again is harmless: a level already kept is not recorded again
and a finding has at most one entry. A level reached at a step (a failed re-inspection, a refusal) is kept and
entered at that step already (services/findings/steps.py).
"""

from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import SYSTEM
from app.domain.findings import FindingEvent
from app.models import Finding, RiskListEntry
from app.services.findings import risk_list
from app.services.findings.levels import settle_level


async def sweep_overdue_findings(session: AsyncSession, *, today: date) -> list[RiskListEntry]:
    """Keep the level of every overdue finding (open, past its deadline) as of `today`, and enter on the list
    those at level 2 or more that are not on it yet; returns the new entries. The SQL only narrows to overdue
    findings; the rule decides."""
    overdue = (col(Finding.status) == "open", col(Finding.deadline) < today)
    findings = (await session.exec(select(Finding).where(*overdue).order_by(col(Finding.deadline)))).all()
    on_list = select(RiskListEntry.finding_id).join(Finding, col(Finding.id) == RiskListEntry.finding_id)
    listed = set((await session.exec(on_list.where(*overdue))).all())
    entries = []
    for finding in findings:
        level = await settle_level(session, SYSTEM, finding, FindingEvent.time_passed, today=today)
        if level >= 2 and finding.id not in listed:
            entries.append(await risk_list.enter_automatically(session, SYSTEM, finding, "escalation"))
    return entries
