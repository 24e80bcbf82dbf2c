"""The plan's calendar, day by day: the clock moves across a finding's deadline, a licence's renewal window and a
report date, and the jobs the workers run each day raise the escalation, the plan line and the notifications on
exactly the days the rules say, in that order."""

import uuid
from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from app.domain.permissions import Role
from app.models import Notification, PlanItem, RiskListEntry
from app.worker.calendar import CALENDAR, run_entry
from tests.api.plan_helpers import freeze_today, generate, issue, prefecture
from tests.builders import (
    TACHENG,
    archived_visit,
    as_role,
    full_checklist,
    make_enterprise,
    make_inspectors,
    make_licence,
    visit_body,
)

pytestmark = pytest.mark.anyio


async def _run_calendar(session, day: date) -> None:  # noqa: ANN001
    for entry in CALENDAR:
        await run_entry(session, entry, day)
    await session.commit()


async def test_escalation_the_raised_line_and_the_reminders_arrive_on_their_days(client, session, app):
    enterprise = await make_enterprise(session, risk_class="B")
    await make_licence(session, enterprise.id, issued_on=date(2021, 12, 21), expires_on=date(2026, 12, 20))
    county_admin, _ = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    other_admin, _ = await as_role(client, session, Role.COUNTY_ADMIN, "654202")
    admin_id, other_id = county_admin.id, other_admin.id
    freeze_today(app, date(2026, 6, 1))
    plan = await issue(
        client, await prefecture(client, session), (await generate(client, await prefecture(client, session)))["id"]
    )
    line = select(PlanItem).where(PlanItem.plan_id == uuid.UUID(plan["id"]), PlanItem.enterprise_id == enterprise.id)
    assert (await session.exec(line.with_only_columns(PlanItem.required_visits))).one() == 1

    freeze_today(app, date(2026, 7, 1))
    _, inspector_headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    checklist = full_checklist(True, labelling={"result": "nonconforming", "note": "未标注厂址", "severity": "general"})
    body = visit_body(
        enterprise, await make_inspectors(session), checklist=checklist,
        conclusion="rectification_required", visit_date="2026-07-01",
    )  # fmt: skip
    [finding] = (await archived_visit(client, inspector_headers, body))["findings"]
    assert finding["deadline"] == "2026-07-31"

    first_seen: dict[str, date] = {}
    day = date(2026, 7, 20)
    while day <= date(2026, 10, 25):
        await _run_calendar(session, day)
        session.expire_all()
        entries = select(RiskListEntry.id).where(RiskListEntry.finding_id == uuid.UUID(finding["id"]))
        observed = {
            "escalated": bool((await session.exec(entries)).all()),
            "line_raised": (await session.exec(line.with_only_columns(PlanItem.required_visits))).one() == 2,
        }
        kinds = (await session.exec(select(Notification.kind).where(Notification.user_id == admin_id))).all()
        observed |= {f"notified_{kind}": True for kind in kinds}
        for what, seen in observed.items():
            if seen:
                first_seen.setdefault(what, day)
        day += timedelta(days=1)

    assert first_seen["notified_deadline_soon"] == date(2026, 7, 28)  # 3 days before the deadline
    assert first_seen["notified_deadline_passed"] == date(2026, 8, 1)  # the first overdue day
    assert first_seen["escalated"] == date(2026, 8, 16)  # overdue more than 15 days: the risk problem list
    assert first_seen["line_raised"] == date(2026, 9, 21)  # the licence enters its 90-day renewal window
    assert first_seen["notified_report_due"] == date(2026, 10, 23)  # 7 days before 10-30
    order = sorted(first_seen, key=first_seen.__getitem__)
    assert order.index("escalated") < order.index("line_raised") < order.index("notified_report_due")
    others = (await session.exec(select(Notification).where(col(Notification.user_id) == other_id))).all()
    assert all(n.county_code != TACHENG for n in others), "乌苏市's admin hears nothing of 塔城市's finding"
