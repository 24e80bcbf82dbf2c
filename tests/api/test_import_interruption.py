"""An import whose process died (restart, crash) is reported as interrupted, and nothing of it was written."""

from datetime import timedelta

import pytest

from app.domain.permissions import Role
from app.models import EnterpriseImport, ImportHeartbeat
from app.models.base import utcnow
from tests.builders import TACHENG, WUSU, as_role

pytestmark = pytest.mark.anyio


async def _job(session, *, county=TACHENG, status="running", age_seconds=600, beat_age=None, rows=100_000):
    started = utcnow() - timedelta(seconds=age_seconds)
    job = EnterpriseImport(
        source="xlsx",
        status=status,
        county_code=county,
        actor_kind="user",
        rows_total=rows,
        created_at=started,
        started_at=started,
    )
    session.add(job)
    if beat_age is not None:
        session.add(ImportHeartbeat(job_id=job.id, beat_at=utcnow() - timedelta(seconds=beat_age), rows_processed=4200))
    await session.commit()
    return job


async def test_a_running_job_whose_heartbeat_stopped_is_reported_interrupted(client, session):
    job = await _job(session, beat_age=300)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    body = (await client.get(f"/api/v1/enterprise-imports/{job.id}", headers=headers)).json()
    assert body["status"] == "interrupted"
    assert body["rows_processed"] == 4200
    assert "未写入任何数据" in body["detail"]


async def test_a_running_job_with_a_fresh_heartbeat_shows_its_progress_from_any_worker(client, session):
    job = await _job(session, beat_age=2)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    body = (await client.get(f"/api/v1/enterprise-imports/{job.id}", headers=headers)).json()
    assert body["status"] == "running"
    assert body["rows_processed"] == 4200


async def test_a_pending_job_that_never_started_is_interrupted_after_the_stale_window(client, session):
    job = await _job(session, status="pending", age_seconds=120)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    assert (await client.get(f"/api/v1/enterprise-imports/{job.id}", headers=headers)).json()["status"] == "interrupted"


async def test_a_just_created_job_is_not_yet_interrupted(client, session):
    job = await _job(session, status="pending", age_seconds=1)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    assert (await client.get(f"/api/v1/enterprise-imports/{job.id}", headers=headers)).json()["status"] == "pending"


async def test_another_countys_job_is_not_found(client, session):
    job = await _job(session, county=WUSU, beat_age=300)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    assert (await client.get(f"/api/v1/enterprise-imports/{job.id}", headers=headers)).status_code == 404
