"""The notifications inbox and the reminders of the plan's calendar that fill it.

The reminders are jobs: plain functions of a session and `today`, idempotent (a second run the same day stores
nothing), audited as the system; the job engine and the CLI call them by these names.
"""

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.reminders import NotificationKind
from app.services.notifications.account import notify_account_locked
from app.services.notifications.behind_schedule import send_behind_schedule_alerts
from app.services.notifications.enterprise import notify_enterprise_decision, notify_reinspection_booked
from app.services.notifications.findings import (
    send_deadline_reminders,
    send_overdue_notices,
    send_reinspection_reminders,
)
from app.services.notifications.inbox import list_notifications, mark_all_read, mark_read
from app.services.notifications.reports_due import send_report_reminders
from app.services.notifications.webhooks import send_webhook_disabled

DAILY_REMINDERS = {
    NotificationKind.deadline_soon: send_deadline_reminders,
    NotificationKind.deadline_passed: send_overdue_notices,
    NotificationKind.reinspection_due: send_reinspection_reminders,
    NotificationKind.report_due: send_report_reminders,
    NotificationKind.behind_schedule: send_behind_schedule_alerts,
}
"""Every reminder, by the kind of notification it stores; each decides itself whether today is its day."""


async def send_reminders(session: AsyncSession, *, today: date) -> dict[NotificationKind, int]:
    """Run every reminder for `today`; how many notifications each stored."""
    return {kind: await send(session, today=today) for kind, send in DAILY_REMINDERS.items()}


__all__ = [
    "DAILY_REMINDERS",
    "list_notifications",
    "mark_all_read",
    "mark_read",
    "notify_account_locked",
    "notify_enterprise_decision",
    "notify_reinspection_booked",
    "send_behind_schedule_alerts",
    "send_deadline_reminders",
    "send_overdue_notices",
    "send_reinspection_reminders",
    "send_reminders",
    "send_report_reminders",
    "send_webhook_disabled",
]
