"""The summary's overdue (逾期未整改) is what the findings list calls overdue: a rectification report or a passed
re-inspection takes a finding out of it — as of the summary's `as_of`, read back through the loop's steps."""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from app.core.deps import local_today
from app.domain.permissions import Role
from app.models import FindingStep
from tests.builders import TACHENG, as_role, make_enterprise, make_finding_record, make_visit_record

pytestmark = pytest.mark.anyio

FOUND, DEADLINE = date(2026, 3, 1), date(2026, 4, 1)
AS_OF, TODAY = date(2026, 6, 25), date(2026, 7, 20)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, tzinfo=UTC)  # noon in Beijing


def step(finding: Any, kind: str, day: date, **fields: Any) -> FindingStep:
    return FindingStep(finding_id=finding.id, kind=kind, actor_name="t", at=at(day), **fields)


async def overdue_in_summary(client: Any, headers: dict[str, str], as_of: date) -> int:
    params = {"year": 2026, "as_of": as_of.isoformat()}
    response = await client.get("/api/v1/reports/summary", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return next(row for row in response.json()["rows"] if row["county_code"] == TACHENG)["overdue"]


async def overdue_in_list(client: Any, headers: dict[str, str]) -> int:
    params = {"county_code": TACHENG, "overdue": "true"}
    response = await client.get("/api/v1/findings", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["total"]


async def build(session: Any) -> None:
    """Five findings past their deadline of April 1: open; reported (June 1); reported, then failed its
    re-inspection (June 10); passed its re-inspection, awaiting the case (June 5); reported after June 25 (July 1)."""
    enterprise = await make_enterprise(session)
    visit = await make_visit_record(session, enterprise, FOUND)
    await make_finding_record(session, visit, FOUND, DEADLINE)
    reported = await make_finding_record(session, visit, FOUND, DEADLINE, status="rectified")
    failed = await make_finding_record(session, visit, FOUND, DEADLINE, failed_reinspections=1)
    passed = await make_finding_record(session, visit, FOUND, DEADLINE, status="awaiting_case", severity="violation")
    late = await make_finding_record(session, visit, FOUND, DEADLINE, status="rectified")
    session.add_all(
        [
            step(reported, "rectification", date(2026, 6, 1)),
            step(failed, "rectification", date(2026, 6, 1)),
            step(failed, "reinspection", date(2026, 6, 10), result="fail"),
            step(passed, "reinspection", date(2026, 6, 5), result="pass"),
            step(late, "rectification", date(2026, 7, 1)),
        ]
    )
    await session.commit()


async def test_a_finding_with_a_rectification_report_is_not_overdue_in_the_summary_as_in_the_list(
    client, session, app
) -> None:
    await build(session)
    app.dependency_overrides[local_today] = lambda: TODAY
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    assert await overdue_in_list(client, headers) == 2  # the open one and the one that failed its re-inspection
    assert await overdue_in_summary(client, headers, TODAY) == 2


async def test_a_report_made_after_as_of_leaves_the_finding_overdue_as_of_then(client, session, app) -> None:
    await build(session)
    app.dependency_overrides[local_today] = lambda: TODAY
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    assert await overdue_in_summary(client, headers, AS_OF) == 3  # … and the one reported on July 1
    assert await overdue_in_summary(client, headers, date(2026, 6, 5)) == 2  # the failed one: report pending then
    assert await overdue_in_summary(client, headers, date(2026, 5, 1)) == 5  # nothing reported by May 1
