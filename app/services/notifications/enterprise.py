"""Told to an enterprise's own accounts (issue 18): the answer to its rectification report or extension request,
a re-inspection booked (a draft 复查回访 visit recorded), and its deadline coming up. The link opens what the
enterprise reads of its own findings (/portal/findings)."""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.permissions import Role
from app.domain.reminders import NotificationKind
from app.models import Finding, User, Visit
from app.services.notifications.delivery import Message, deliver
from app.services.notifications.texts import short

DECISIONS = {
    "report_accepted": ("整改报告已通过", "整改报告已审核通过，问题转为“已整改待复查”，请等待复查回访。"),
    "report_returned": ("整改报告被退回", "整改报告被退回，请按退回理由补充整改后重新报送。"),
    "extension_granted": ("延期申请已批准", "延期申请已批准，新的整改期限为{deadline}。"),
    "extension_refused": ("延期申请未批准", "延期申请未批准，整改期限仍为{deadline}。"),
}


def portal_link(finding_id: uuid.UUID) -> str:
    return f"/api/v1/portal/findings/{finding_id}"


async def enterprise_accounts(
    session: AsyncSession, enterprise_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """enterprise → its active enterprise accounts."""
    ids = sorted(set(enterprise_ids))
    if not ids:
        return {}
    stmt = select(User.enterprise_id, User.id).where(
        User.role == Role.ENTERPRISE_USER.value, col(User.is_active).is_(True), col(User.enterprise_id).in_(ids)
    )
    found: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for enterprise_id, user_id in (await session.exec(stmt.order_by(col(User.id)))).all():
        found[enterprise_id].append(user_id)
    return found


async def _tell_enterprise(session: AsyncSession, enterprise_id: uuid.UUID, message: Message, *, today: date) -> int:
    """`message` into the inbox of each of the enterprise's active accounts."""
    accounts = await enterprise_accounts(session, [enterprise_id])
    sent = [(user_id, message) for user_id in accounts.get(enterprise_id, [])]
    return await deliver(session, message.kind, sent, today=today)


async def notify_enterprise_decision(
    session: AsyncSession, finding: Finding, request_id: uuid.UUID, decision: str, reason: str | None, *, today: date
) -> int:
    """The enterprise's accounts learn the answer to one report or request (stored once per request)."""
    title, body = DECISIONS[decision]
    body = body.format(deadline=finding.deadline.isoformat())
    if reason:
        body += f"理由：{reason}"
    message = Message(
        kind=NotificationKind.request_decided,
        county_code=finding.county_code,
        title=f"{title}：“{short(finding.description)}”",
        body=f"“{finding.description}”：{body}",
        ref_type="finding",
        ref_id=finding.id,
        link=portal_link(finding.id),
        dedupe_key=f"{decision}:{request_id}",
    )
    return await _tell_enterprise(session, finding.enterprise_id, message, today=today)


async def notify_reinspection_booked(session: AsyncSession, visit: Visit) -> int:
    """A re-inspection visit (复查回访) was booked for the enterprise: its accounts learn the day (once per visit)."""
    day = visit.visit_date.isoformat()
    message = Message(
        kind=NotificationKind.reinspection_booked,
        county_code=visit.county_code,
        title=f"复查回访已安排：{day}",
        body=f"县（市）局已安排于{day}对本企业进行复查回访，请做好整改情况说明及相关记录的准备。",
        ref_type="visit",
        ref_id=visit.id,
        link="/api/v1/portal/findings",
        dedupe_key=f"reinspection_booked:{visit.id}",
    )
    return await _tell_enterprise(session, visit.enterprise_id, message, today=visit.visit_date)
