"""计划 六 at each quarter's end: plan lines behind schedule, told to each county and, summed up, to the prefecture.

"Behind" is what the plan's progress says on the same day (`app.services.plans.plan_progress`): fewer counting
visits than were due before today, so the link in the notification shows the same numbers.
"""

import uuid
from collections.abc import Iterator
from datetime import date

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import SYSTEM
from app.domain.reminders import NotificationKind, quarter_end
from app.models import Plan
from app.services.notifications import texts
from app.services.notifications.delivery import Message, deliver
from app.services.notifications.recipients import county_admins, prefecture_admins
from app.services.plans import plan_progress


async def send_behind_schedule_alerts(session: AsyncSession, *, today: date) -> int:
    """计划进度滞后: on a quarter's last day, for the issued plan of today's year, each active county admin of a
    county with lines behind gets that county's count, and each active prefecture admin the count per county.
    Returns how many notifications were stored."""
    if not quarter_end(today):
        return 0
    plans = (await session.exec(select(Plan).where(Plan.year == today.year, Plan.status == "issued"))).all()
    stored = 0
    for plan in sorted(plans, key=lambda p: p.prefecture_code):  # each prefecture's plan, to its own admins
        stored += await _plan_behind(session, plan, today)
    return stored


async def _plan_behind(session: AsyncSession, plan: Plan, today: date) -> int:
    kind = NotificationKind.behind_schedule
    progress = await plan_progress(session, SYSTEM, plan.id, today=today)
    behind = [row for row in progress["counties"] if row["behind_schedule"] > 0]
    if not behind:
        return 0
    admins = await county_admins(session, (row["county_code"] for row in behind))
    by_county = await prefecture_admins(session, (row["county_code"] for row in behind))
    prefecture = list(dict.fromkeys(user_id for ids in by_county.values() for user_id in ids))
    link = f"/api/v1/plans/{plan.id}/progress"
    key = f"{kind.value}:plan:{plan.id}:{today}"

    def sent() -> Iterator[tuple[uuid.UUID, Message]]:
        for row in behind:
            name = row["county_name"] or row["county_code"]
            title, body = texts.county_behind(name, plan.year, row["behind_schedule"], row["lines"], today)
            message = Message(kind, row["county_code"], title, body, "plan", plan.id, link, key)
            for user_id in admins.get(row["county_code"], []):
                yield user_id, message
        counts = [(row["county_name"] or row["county_code"], row["behind_schedule"]) for row in behind]
        title, body = texts.prefecture_behind(plan.year, counts, today)
        summary = Message(kind, None, title, body, "plan", plan.id, link, key)
        for user_id in prefecture:
            yield user_id, summary

    return await deliver(session, kind, sent(), today=today)
