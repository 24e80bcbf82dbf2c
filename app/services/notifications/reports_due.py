"""计划 八: the completion summary (附件3) falls due; a county that has not submitted it is reminded."""

import uuid
from collections.abc import Iterator
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.calendar import period_due_date, period_label
from app.domain.reminders import NotificationKind, report_reminder_due
from app.domain.ruleset import ruleset_for
from app.models import Jurisdiction, ReportSubmission
from app.services.notifications import texts
from app.services.notifications.delivery import Message, deliver
from app.services.notifications.recipients import county_admins


async def send_report_reminders(session: AsyncSession, *, today: date) -> int:
    """报送期限将至: on the day a report period of today's year is `report_reminder_days` (RuleSet) from its
    due date, each active county admin of a county with no submission for that period yet. Returns how many
    notifications were stored."""
    ruleset = ruleset_for(today.year)
    period = report_reminder_due(today, ruleset)
    kind = NotificationKind.report_due
    if period is None:
        return 0
    submitted = select(ReportSubmission.county_code).where(
        ReportSubmission.year == today.year, ReportSubmission.period == period.value
    )
    counties = (
        await session.exec(
            select(Jurisdiction.code, Jurisdiction.name)
            .where(Jurisdiction.level == "county", col(Jurisdiction.code).not_in(submitted))
            .order_by(col(Jurisdiction.code))
        )
    ).all()
    admins = await county_admins(session, (code for code, _ in counties))
    due = period_due_date(today.year, period, ruleset)
    label = period_label(period, ruleset)

    def sent() -> Iterator[tuple[uuid.UUID, Message]]:
        for code, name in counties:
            title, body = texts.report_due(name, today.year, label, due, (due - today).days)
            link = f"/api/v1/reports?year={today.year}"
            key = f"{kind.value}:{today.year}:{period.value}:{code}"
            message = Message(kind, code, title, body, "report", None, link, key)
            for user_id in admins.get(code, []):
                yield user_id, message

    return await deliver(session, kind, sent(), today=today)
