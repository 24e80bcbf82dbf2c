"""An import whose process died (restart, crash) is reported as interrupted, and nothing of it was written."""

import uuid
from datetime import timedelta

import pytest

from app.domain.permissions import Role
from app.models import EnterpriseImport, ImportHeartbeat
from app.models.base import utcnow
from tests.builders import TACHENG, WUSU, as_role, new_credit_code

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


async def test_a_pending_job_waits_in_the_queue_for_a_worker_however_long_it_takes(client, session):
    job = await _job(session, status="pending", age_seconds=3600)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    assert (await client.get(f"/api/v1/enterprise-imports/{job.id}", headers=headers)).json()["status"] == "pending"


async def test_a_just_created_job_is_not_yet_interrupted(client, session):
    job = await _job(session, status="pending", age_seconds=1)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    assert (await client.get(f"/api/v1/enterprise-imports/{job.id}", headers=headers)).json()["status"] == "pending"


async def test_another_countys_job_is_not_found(client, session):
    job = await _job(session, county=WUSU, beat_age=300)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    assert (await client.get(f"/api/v1/enterprise-imports/{job.id}", headers=headers)).status_code == 404


async def test_a_retry_with_the_key_of_an_interrupted_job_runs_the_upload_again(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    rows = [{"credit_code": new_credit_code(), "name": "塔城市重试水泥有限公司", "county_code": TACHENG}]
    keyed = headers | {"Idempotency-Key": "upload-2026-11-25-1"}
    first = await client.post("/api/v1/enterprise-imports", json=rows, headers=keyed)
    assert first.status_code == 201, first.text
    job = await session.get(EnterpriseImport, uuid.UUID(first.json()["id"]))
    long_ago = utcnow() - timedelta(minutes=10)
    job.status, job.created_at, job.started_at = "running", long_ago, long_ago  # its process died long ago
    session.add(job)
    await session.commit()
    retry = await client.post("/api/v1/enterprise-imports", json=rows, headers=keyed)
    assert retry.status_code == 201, retry.text
    assert retry.json()["id"] != str(job.id)
    await session.refresh(job)
    assert job.status == "interrupted" and job.idempotency_key is None
