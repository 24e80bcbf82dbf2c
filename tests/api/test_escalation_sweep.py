"""The daily sweep: a finding overdue past the level-2 limit joins the risk list by time alone, once."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from app.cli import main as cli
from app.domain.permissions import Role
from app.domain.ruleset import ruleset_for
from app.models import AuditEvent
from app.services.findings.escalation import sweep_overdue_findings
from tests.builders import TACHENG, WUSU, as_role, make_enterprise, make_finding_record, make_visit_record

pytestmark = pytest.mark.anyio
TODAY = date(2026, 11, 25)
LIMIT = ruleset_for(2026).overdue_days_for_level_2


async def _finding(session, days_overdue: int, county: str = TACHENG, **overrides):
    enterprise = await make_enterprise(session, county_code=county)
    visit = await make_visit_record(session, enterprise, date(2026, 9, 1))
    deadline = TODAY - timedelta(days=days_overdue)
    return await make_finding_record(session, visit, date(2026, 9, 1), deadline, **overrides)


async def test_a_finding_overdue_past_the_limit_joins_the_risk_list_and_one_at_the_limit_does_not(session):
    past = await _finding(session, LIMIT + 1)
    at_limit = await _finding(session, LIMIT)
    entries = await sweep_overdue_findings(session, today=TODAY)
    assert [e.finding_id for e in entries] == [past.id]
    assert entries[0].source == "escalation" and entries[0].county_code == TACHENG
    assert at_limit.id not in {e.finding_id for e in entries}


async def test_a_closed_finding_never_joins_however_late(session):
    await _finding(session, LIMIT + 30, status="closed")
    assert await sweep_overdue_findings(session, today=TODAY) == []


async def test_sweeping_again_enters_nothing_twice(session):
    await _finding(session, LIMIT + 5)
    first = await sweep_overdue_findings(session, today=TODAY)
    await session.commit()
    assert len(first) == 1
    assert await sweep_overdue_findings(session, today=TODAY) == []


async def test_the_sweep_is_audited_as_the_system(session):
    finding = await _finding(session, LIMIT + 2)
    [entry] = await sweep_overdue_findings(session, today=TODAY)
    await session.commit()
    event = (await session.exec(select(AuditEvent).where(AuditEvent.entity_id == str(entry.id)))).one()
    assert event.action == "risk_list.enter" and event.actor_kind == "system"
    assert event.after["finding_id"] == str(finding.id)


async def test_the_swept_entry_is_its_countys_and_another_county_gets_404(client, session):
    await _finding(session, LIMIT + 3, county=WUSU)
    [entry] = await sweep_overdue_findings(session, today=TODAY)
    await session.commit()
    _, own = await as_role(client, session, Role.COUNTY_ADMIN, county_code=WUSU)
    _, other = await as_role(client, session, Role.COUNTY_ADMIN, county_code=TACHENG)
    assert (await client.get(f"/api/v1/risk-list/{entry.id}", headers=own)).status_code == 200
    assert (await client.get(f"/api/v1/risk-list/{entry.id}", headers=other)).status_code == 404


def test_the_command_line_offers_the_daily_sweep(capsys):
    with pytest.raises(SystemExit):
        cli(["--help"])
    assert "escalate-overdue" in capsys.readouterr().out
