"""The reminders of the plan's calendar: each fires on exactly its day, reaches exactly the people it concerns,
and a second run the same day stores nothing. Time is injected: every call names its `today`."""

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import col, select

from app.core.clock import CHINA
from app.domain.permissions import Role
from app.domain.ruleset import ruleset_for
from app.models import AuditEvent, FindingStep, Notification, ReportSubmission, VisitInspector
from app.services.notifications import (
    send_behind_schedule_alerts,
    send_deadline_reminders,
    send_overdue_notices,
    send_reinspection_reminders,
    send_reminders,
    send_report_reminders,
)
from tests.builders import (
    TACHENG,
    WUSU,
    make_enterprise,
    make_finding_record,
    make_inspectors,
    make_issued_plan,
    make_user,
    make_visit_record,
)

pytestmark = pytest.mark.anyio
RULES = ruleset_for(2026)
DEADLINE = date(2026, 12, 2)


@pytest.fixture
async def people(session):  # noqa: ANN001, ANN201
    """Who could be told: admins of both counties and the prefecture, and an inactive county admin."""
    return {
        "tacheng_admin": await make_user(session, Role.COUNTY_ADMIN, county_code=TACHENG),
        "wusu_admin": await make_user(session, Role.COUNTY_ADMIN, county_code=WUSU),
        "prefecture_admin": await make_user(session, Role.PREFECTURE_ADMIN),
        "viewer": await make_user(session, Role.PREFECTURE_VIEWER),
        "retired_admin": await make_user(session, Role.COUNTY_ADMIN, county_code=TACHENG, is_active=False),
    }


async def _finding(session, deadline: date = DEADLINE, county: str = TACHENG, **overrides):  # noqa: ANN001, ANN202
    """A finding on a visit done by two inspectors of its county; returns (finding, inspectors)."""
    enterprise = await make_enterprise(session, county_code=county, name=f"测试{county}机械厂")
    inspectors = await make_inspectors(session, 2, county_code=county)
    visit = await make_visit_record(session, enterprise, date(2026, 11, 2))
    for position, inspector in enumerate(inspectors):
        session.add(VisitInspector(visit_id=visit.id, user_id=inspector.id, position=position, county_code=county))
    await session.commit()
    finding = await make_finding_record(
        session, visit, date(2026, 11, 2), deadline, description="未标注厂址", **overrides
    )
    return finding, inspectors


async def _inbox(session, kind: str | None = None) -> dict:  # noqa: ANN001
    """user id → that user's notifications (of `kind`)."""
    stmt = select(Notification).order_by(col(Notification.created_at))
    if kind is not None:
        stmt = stmt.where(Notification.kind == kind)
    found: dict = {}
    for n in (await session.exec(stmt)).all():
        found.setdefault(n.user_id, []).append(n)
    return found


async def test_a_deadline_three_days_away_reminds_the_inspectors_and_the_county_admins_on_that_day_only(
    session, people
):
    finding, inspectors = await _finding(session)
    assert RULES.deadline_reminder_days == 3
    assert await send_deadline_reminders(session, today=DEADLINE - timedelta(days=4)) == 0
    assert await send_deadline_reminders(session, today=DEADLINE - timedelta(days=3)) == 3
    assert await send_deadline_reminders(session, today=DEADLINE - timedelta(days=2)) == 0

    inbox = await _inbox(session)
    assert set(inbox) == {inspectors[0].id, inspectors[1].id, people["tacheng_admin"].id}
    [note] = inbox[people["tacheng_admin"].id]
    assert note.kind == "deadline_soon" and note.county_code == TACHENG
    assert note.title == f"整改期限将至：测试{TACHENG}机械厂“未标注厂址”须于2026-12-02前整改（剩余3天）"
    assert f"逾期超过{RULES.overdue_days_for_level_2}天列入风险问题清单" in note.body
    assert (note.ref_type, note.ref_id, note.link) == ("finding", finding.id, f"/api/v1/findings/{finding.id}")
    assert note.read_at is None


async def test_a_second_run_the_same_day_stores_nothing_and_audits_once_as_the_system(session, people):
    await _finding(session)
    today = DEADLINE - timedelta(days=3)
    assert await send_deadline_reminders(session, today=today) == 3
    await session.commit()
    assert await send_deadline_reminders(session, today=today) == 0
    await session.commit()
    assert sum(len(v) for v in (await _inbox(session)).values()) == 3
    [event] = (await session.exec(select(AuditEvent).where(AuditEvent.action == "notification.deadline_soon"))).all()
    assert event.actor_kind == "system"
    assert event.after == {"kind": "deadline_soon", "today": "2026-11-29", "stored": 3, "candidates": 3}


async def test_an_extended_deadline_is_reminded_again_before_the_new_date(session, people):
    finding, _ = await _finding(session)
    assert await send_deadline_reminders(session, today=DEADLINE - timedelta(days=3)) == 3
    finding.deadline = DEADLINE + timedelta(days=10)
    session.add(finding)
    await session.commit()
    assert await send_deadline_reminders(session, today=DEADLINE + timedelta(days=7)) == 3


async def test_the_first_overdue_day_tells_the_inspectors_the_county_admins_and_the_prefecture(session, people):
    finding, inspectors = await _finding(session)
    assert await send_overdue_notices(session, today=DEADLINE) == 0  # the deadline day is still in time
    assert await send_overdue_notices(session, today=DEADLINE + timedelta(days=1)) == 4
    assert await send_overdue_notices(session, today=DEADLINE + timedelta(days=1)) == 0
    assert await send_overdue_notices(session, today=DEADLINE + timedelta(days=2)) == 0

    inbox = await _inbox(session, "deadline_passed")
    expected = {inspectors[0].id, inspectors[1].id, people["tacheng_admin"].id, people["prefecture_admin"].id}
    assert set(inbox) == expected
    [note] = inbox[people["prefecture_admin"].id]
    assert note.title.startswith(f"整改已逾期：测试{TACHENG}机械厂“未标注厂址”整改期限2026-12-02已过")
    assert "逾期1天" in note.body and note.link == f"/api/v1/findings/{finding.id}"


@pytest.mark.parametrize("status", ["rectified", "awaiting_case", "closed"])
async def test_a_finding_no_longer_open_is_not_reminded_of_its_deadline(session, people, status):
    await _finding(session, status=status)
    assert await send_deadline_reminders(session, today=DEADLINE - timedelta(days=3)) == 0
    assert await send_overdue_notices(session, today=DEADLINE + timedelta(days=1)) == 0


async def test_another_countys_finding_reaches_its_own_county_admin_only(session, people):
    _, inspectors = await _finding(session, county=WUSU)
    await send_deadline_reminders(session, today=DEADLINE - timedelta(days=3))
    assert set(await _inbox(session)) == {inspectors[0].id, inspectors[1].id, people["wusu_admin"].id}


async def _rectified(session, reported_at: datetime):  # noqa: ANN001, ANN202
    finding, inspectors = await _finding(session, status="rectified")
    session.add(FindingStep(finding_id=finding.id, kind="rectification", actor_name="李四", at=reported_at))
    await session.commit()
    return finding, inspectors


async def test_a_rectification_waiting_seven_days_for_its_reinspection_reminds_the_inspectors_once(session, people):
    # reported late on a Beijing May 1 (15:30 UTC)
    finding, inspectors = await _rectified(session, datetime(2026, 5, 1, 23, 30, tzinfo=CHINA))
    assert RULES.reinspection_reminder_days == 7
    assert await send_reinspection_reminders(session, today=date(2026, 5, 7)) == 0
    assert await send_reinspection_reminders(session, today=date(2026, 5, 8)) == 2
    assert await send_reinspection_reminders(session, today=date(2026, 5, 8)) == 0
    assert await send_reinspection_reminders(session, today=date(2026, 5, 9)) == 0

    inbox = await _inbox(session)
    assert set(inbox) == {inspectors[0].id, inspectors[1].id}
    [note] = inbox[inspectors[0].id]
    assert note.kind == "reinspection_due" and note.link == f"/api/v1/findings/{finding.id}"
    assert "已于2026-05-01报送整改，已7天未复查" in note.title


async def test_a_report_made_just_after_midnight_in_beijing_counts_as_that_beijing_day(session, people):
    await _rectified(session, datetime(2026, 5, 2, 0, 10, tzinfo=CHINA))  # 16:10 UTC on May 1
    assert await send_reinspection_reminders(session, today=date(2026, 5, 8)) == 0
    assert await send_reinspection_reminders(session, today=date(2026, 5, 9)) == 2


def _submission(county: str, period: str = "h1") -> ReportSubmission:
    return ReportSubmission(
        county_code=county,
        year=2026,
        period=period,
        as_of=date(2026, 6, 10),
        due_on=date(2026, 6, 25),
        submitted_on=date(2026, 6, 10),
        submitted_by_name="王五",
    )


async def test_a_report_due_in_seven_days_reminds_each_county_admin_whose_county_has_not_submitted(session, people):
    session.add(_submission(WUSU))
    await session.commit()
    assert RULES.report_reminder_days == 7
    assert await send_report_reminders(session, today=date(2026, 6, 17)) == 0
    assert await send_report_reminders(session, today=date(2026, 6, 18)) == 1
    assert await send_report_reminders(session, today=date(2026, 6, 18)) == 0
    assert await send_report_reminders(session, today=date(2026, 6, 19)) == 0

    inbox = await _inbox(session)
    assert set(inbox) == {people["tacheng_admin"].id}
    [note] = inbox[people["tacheng_admin"].id]
    assert note.kind == "report_due" and note.county_code == TACHENG
    assert note.title == "报送期限将至：塔城市2026年监督检查完成情况汇总表（附件3）须于2026-06-25前报送（剩余7天）"
    assert "应于6月25日前（上半年累计）报送" in note.body
    assert (note.ref_type, note.ref_id, note.link) == ("report", None, "/api/v1/reports?year=2026")


async def test_the_october_report_is_reminded_on_october_23_and_an_h1_submission_does_not_count(session, people):
    session.add(_submission(WUSU, "h1"))
    await session.commit()
    assert await send_report_reminders(session, today=date(2026, 10, 23)) == 2
    assert set(await _inbox(session)) == {people["tacheng_admin"].id, people["wusu_admin"].id}


async def _behind_plan(session):  # noqa: ANN001, ANN202
    """2026's issued plan: in 塔城市 one line behind on June 30 and one on schedule; in 乌苏市 none behind."""
    behind = await make_enterprise(session, county_code=TACHENG, risk_class="D")
    on_time = await make_enterprise(session, county_code=TACHENG, risk_class="D")
    wusu = await make_enterprise(session, county_code=WUSU)
    await make_visit_record(session, on_time, date(2026, 3, 20))  # the visit due by March 31
    return await make_issued_plan(session, 2026, [(behind, 4), (on_time, 4), (wusu, 1)])


async def test_at_a_quarters_end_each_county_admin_hears_of_their_lines_behind_and_the_prefecture_of_all(
    session, people
):
    plan = await _behind_plan(session)
    assert await send_behind_schedule_alerts(session, today=date(2026, 6, 29)) == 0
    assert await send_behind_schedule_alerts(session, today=date(2026, 6, 30)) == 2
    assert await send_behind_schedule_alerts(session, today=date(2026, 6, 30)) == 0
    assert await send_behind_schedule_alerts(session, today=date(2026, 7, 1)) == 0

    inbox = await _inbox(session)
    assert set(inbox) == {people["tacheng_admin"].id, people["prefecture_admin"].id}
    [county] = inbox[people["tacheng_admin"].id]
    assert county.title == "计划进度滞后：塔城市有1户企业未按进度完成2026年监督检查"
    assert "共2户企业" in county.body
    assert (county.ref_type, county.ref_id, county.link) == ("plan", plan.id, f"/api/v1/plans/{plan.id}/progress")
    [summary] = inbox[people["prefecture_admin"].id]
    assert summary.county_code is None
    assert summary.title == "计划进度滞后：1个县（市）共1户企业未按进度完成2026年监督检查"
    assert "塔城市1户" in summary.body and "乌苏市" not in summary.body


async def test_a_plan_not_issued_or_of_another_year_raises_no_alert(session, people):
    await _behind_plan(session)
    assert await send_behind_schedule_alerts(session, today=date(2027, 6, 30)) == 0
    assert await _inbox(session) == {}


async def test_all_reminders_run_together_and_each_says_what_it_stored(session, people):
    await _finding(session, deadline=date(2026, 6, 21))  # three days after June 18
    stored = await send_reminders(session, today=date(2026, 6, 18))
    assert stored == {
        "deadline_soon": 3,
        "deadline_passed": 0,
        "reinspection_due": 0,
        "report_due": 2,  # neither county has reported for June 25
        "behind_schedule": 0,
    }
    assert await send_reminders(session, today=date(2026, 6, 18)) == dict.fromkeys(stored, 0)


async def test_a_deadline_three_days_away_also_reminds_the_enterprises_own_accounts_where_they_read_it(session, people):
    finding, _ = await _finding(session)
    account = await make_user(session, Role.ENTERPRISE_USER, county_code=TACHENG, enterprise_id=finding.enterprise_id)
    neighbour, _ = await _finding(session, deadline=DEADLINE + timedelta(days=1))
    await make_user(session, Role.ENTERPRISE_USER, county_code=TACHENG, enterprise_id=neighbour.enterprise_id)
    assert await send_deadline_reminders(session, today=DEADLINE - timedelta(days=3)) == 4
    [note] = (await _inbox(session))[account.id]
    assert note.title == "整改期限将至：“未标注厂址”须于2026-12-02前整改（剩余3天）"
    assert "期限届满前提出延期申请" in note.body and "县（市）局督办" not in note.body
    assert note.link == f"/api/v1/portal/findings/{finding.id}"
    assert await send_overdue_notices(session, today=DEADLINE + timedelta(days=1)) > 0
    assert len((await _inbox(session))[account.id]) == 1  # the overdue notice is the bureau's business
