"""Reminders about findings (计划 七（二）问题闭环): the deadline in a few days, the first overdue day, and a
rectification report still waiting for its re-inspection. Each is idempotent: run twice on a day, sent once.
"""

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.clock import CHINA
from app.domain.findings import Severity
from app.domain.reminders import (
    NotificationKind,
    deadlines_reminded_on,
    reinspection_reminder_due,
    reminder_due,
)
from app.domain.ruleset import ruleset_for
from app.models import Enterprise, Finding, FindingStep
from app.services.notifications import texts
from app.services.notifications.delivery import Message, deliver
from app.services.notifications.enterprise import enterprise_accounts, portal_link
from app.services.notifications.recipients import county_admins, prefecture_admins, visit_inspectors


def _link(finding: Finding) -> str:
    return f"/api/v1/findings/{finding.id}"


def _message(kind: NotificationKind, finding: Finding, title_body: tuple[str, str], key: str) -> Message:
    title, body = title_body
    return Message(kind, finding.county_code, title, body, "finding", finding.id, _link(finding), key)


async def _send_deadline_reminder(
    session: AsyncSession, kind: NotificationKind, today: date, *, with_prefecture: bool
) -> int:
    """Open findings (not rectified yet) whose deadline the rule puts on `kind` today → their inspectors and the
    county admins of their county (and, once overdue, the prefecture admins)."""
    ruleset = ruleset_for(today.year)
    stmt = (
        select(Finding, Enterprise.name)
        .join(Enterprise, col(Enterprise.id) == Finding.enterprise_id)
        .where(Finding.status == "open", Finding.deadline == deadlines_reminded_on(today, ruleset)[kind])
        .order_by(col(Finding.deadline), col(Finding.id))
    )
    found = [
        (f, name) for f, name in (await session.exec(stmt)).all() if reminder_due(f.deadline, today, ruleset) == kind
    ]
    inspectors = await visit_inspectors(session, (f.visit_id for f, _ in found))
    admins = await county_admins(session, (f.county_code for f, _ in found))
    counties = (f.county_code for f, _ in found) if with_prefecture else ()
    prefecture = await prefecture_admins(session, counties)
    own = await enterprise_accounts(session, (f.enterprise_id for f, _ in found)) if not with_prefecture else {}

    def sent() -> Iterator[tuple[uuid.UUID, Message]]:
        for finding, enterprise in found:
            level_2 = ruleset_for(finding.found_on.year).overdue_days_for_level_2
            severity = Severity(finding.severity).label
            args = (enterprise, finding.description, severity, finding.found_on, finding.deadline)
            if kind == NotificationKind.deadline_soon:
                content = texts.deadline_soon(*args, (finding.deadline - today).days, level_2)
            else:
                content = texts.deadline_passed(*args, (today - finding.deadline).days, level_2)
            message = _message(kind, finding, content, f"{kind.value}:finding:{finding.id}:{finding.deadline}")
            people = (
                inspectors.get(finding.visit_id, [])
                + admins.get(finding.county_code, [])
                + prefecture.get(finding.county_code, [])
            )
            for user_id in dict.fromkeys(people):
                yield user_id, message
            if finding.enterprise_id in own:  # the enterprise itself, told where it reads its own findings
                content = texts.deadline_soon_to_enterprise(
                    finding.description, finding.found_on, finding.deadline, (finding.deadline - today).days
                )
                told = Message(kind, finding.county_code, *content, "finding", finding.id, portal_link(finding.id),
                               message.dedupe_key)  # fmt: skip
                for user_id in own[finding.enterprise_id]:
                    yield user_id, told

    return await deliver(session, kind, sent(), today=today)


async def send_deadline_reminders(session: AsyncSession, *, today: date) -> int:
    """整改期限将至: a rectification deadline `deadline_reminder_days` (RuleSet) from today → the finding's
    inspectors and its county's admins. Returns how many notifications were stored."""
    return await _send_deadline_reminder(session, NotificationKind.deadline_soon, today, with_prefecture=False)


async def send_overdue_notices(session: AsyncSession, *, today: date) -> int:
    """整改逾期: the first day after a deadline with no rectification report → the finding's inspectors, its
    county's admins and the prefecture admins. Returns how many notifications were stored."""
    return await _send_deadline_reminder(session, NotificationKind.deadline_passed, today, with_prefecture=True)


def _local_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), tzinfo=CHINA).astimezone(UTC)
    return start, start + timedelta(days=1)


async def send_reinspection_reminders(session: AsyncSession, *, today: date) -> int:
    """待复查回访: a finding whose latest rectification report (a Beijing day) was made exactly
    `reinspection_reminder_days` (RuleSet) ago and that still awaits its re-inspection → the finding's
    inspectors. Returns how many notifications were stored."""
    ruleset = ruleset_for(today.year)
    start, end = _local_day_bounds(today - timedelta(days=ruleset.reinspection_reminder_days))
    reported_at = func.max(FindingStep.at)
    stmt = (
        select(Finding, Enterprise.name, reported_at)
        .join(Enterprise, col(Enterprise.id) == Finding.enterprise_id)
        .join(FindingStep, col(FindingStep.finding_id) == Finding.id)
        .where(Finding.status == "rectified", FindingStep.kind == "rectification")
        .group_by(Finding.id, Enterprise.name)
        .having(reported_at >= start, reported_at < end)
        .order_by(col(Finding.id))
    )
    found = []
    for finding, enterprise, at in (await session.exec(stmt)).all():
        rectified_on = at.astimezone(CHINA).date()
        if reinspection_reminder_due(rectified_on, today, ruleset):
            found.append((finding, enterprise, rectified_on))
    inspectors = await visit_inspectors(session, (f.visit_id for f, _, _ in found))
    kind = NotificationKind.reinspection_due

    def sent() -> Iterator[tuple[uuid.UUID, Message]]:
        for finding, enterprise, rectified_on in found:
            waited = (today - rectified_on).days
            content = texts.reinspection_due(enterprise, finding.description, rectified_on, waited, finding.deadline)
            message = _message(kind, finding, content, f"{kind.value}:finding:{finding.id}:{rectified_on}")
            for user_id in inspectors.get(finding.visit_id, []):
                yield user_id, message

    return await deliver(session, kind, sent(), today=today)
