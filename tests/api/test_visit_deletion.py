"""DELETE /visits/{id}: an abandoned draft goes with its inspectors and attachments (files included), by its author or
the admin of its county, audited with the draft's summary. A submitted visit is a record and is never deleted (409).

Who else sees the draft decides 403 or 404: an inspector of the same county may read it (SPEC: county users see
their county), so its existence is no secret and deleting it is 403; another county never sees it: 404.
"""

import hashlib
import uuid

import pytest
from sqlmodel import func, select

from app.domain.permissions import Role
from app.models import Attachment, AuditEvent, Visit, VisitInspector
from tests.api.conftest import BACKEND
from tests.builders import (
    TACHENG,
    WUSU,
    archived_visit,
    as_role,
    make_enterprise,
    make_inspectors,
    post_visit,
    visit_body,
)

pytestmark = pytest.mark.anyio
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 300


async def _draft(client, session, headers, county: str = TACHENG) -> dict:
    enterprise = await make_enterprise(session, county_code=county)
    return await post_visit(client, headers, visit_body(enterprise, await make_inspectors(session, county_code=county)))


async def _attach(client, headers, visit_id: str, content: bytes = PNG) -> dict:
    response = await client.post(
        f"/api/v1/visits/{visit_id}/attachments", files={"file": ("现场.png", content, "image/png")}, headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _count(session, model, *where) -> int:
    return (await session.exec(select(func.count()).select_from(model).where(*where))).one()


async def test_its_author_deletes_a_draft_with_its_inspectors_attachments_and_files(client, session, settings):
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    draft = await _draft(client, session, headers)
    await _attach(client, headers, draft["id"])
    stored = settings.upload_dir / hashlib.sha256(PNG).hexdigest()[:2]
    assert any(stored.rglob("*"))
    response = await client.delete(f"/api/v1/visits/{draft['id']}", headers=headers)
    assert response.status_code == 204, response.text
    assert (await client.get(f"/api/v1/visits/{draft['id']}", headers=headers)).status_code == 404
    assert await _count(session, Visit, Visit.id == uuid.UUID(draft["id"])) == 0
    assert await _count(session, VisitInspector, VisitInspector.visit_id == uuid.UUID(draft["id"])) == 0
    assert await _count(session, Attachment, Attachment.visit_id == uuid.UUID(draft["id"])) == 0
    assert not [p for p in stored.rglob("*") if p.is_file()]


async def test_the_deletion_is_audited_with_the_drafts_summary(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    draft = await _draft(client, session, headers)
    assert (await client.delete(f"/api/v1/visits/{draft['id']}", headers=headers)).status_code == 204
    event = (
        await session.exec(
            select(AuditEvent).where(AuditEvent.action == "visit.delete", AuditEvent.entity_id == draft["id"])
        )
    ).one()
    assert event.county_code == TACHENG
    assert event.before["enterprise_id"] == draft["enterprise_id"]
    assert event.before["visit_date"] == draft["visit_date"] and event.before["status"] == "draft"


async def test_a_file_another_visit_still_attaches_is_kept(client, session, settings):
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    abandoned, kept = await _draft(client, session, headers), await _draft(client, session, headers)
    await _attach(client, headers, abandoned["id"])
    still = await _attach(client, headers, kept["id"])
    assert (await client.delete(f"/api/v1/visits/{abandoned['id']}", headers=headers)).status_code == 204
    download = await client.get(still["url"], headers=headers)
    assert download.status_code == 200 and download.content == PNG


async def test_the_admin_of_its_county_deletes_an_inspectors_draft(client, session):
    _, inspector = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    _, admin = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    draft = await _draft(client, session, inspector)
    assert (await client.delete(f"/api/v1/visits/{draft['id']}", headers=admin)).status_code == 204


async def test_another_inspector_of_the_county_who_sees_the_draft_is_refused_403(client, session):
    _, author = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    _, colleague = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    draft = await _draft(client, session, author)
    assert (await client.get(f"/api/v1/visits/{draft['id']}", headers=colleague)).status_code == 200
    refused = await client.delete(f"/api/v1/visits/{draft['id']}", headers=colleague)
    assert refused.status_code == 403
    assert await _count(session, Visit, Visit.id == uuid.UUID(draft["id"])) == 1


@pytest.mark.parametrize("role", [Role.COUNTY_INSPECTOR, Role.COUNTY_ADMIN])
async def test_another_countys_users_get_404_and_the_draft_stays(client, session, role):
    _, author = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    _, stranger = await as_role(client, session, role, WUSU)
    draft = await _draft(client, session, author)
    assert (await client.delete(f"/api/v1/visits/{draft['id']}", headers=stranger)).status_code == 404
    assert await _count(session, Visit, Visit.id == uuid.UUID(draft["id"])) == 1


@pytest.mark.parametrize("role", [Role.COUNTY_INSPECTOR, Role.COUNTY_ADMIN])
async def test_a_submitted_visit_is_never_deleted(client, session, role):
    _, author = await as_role(client, session, role, TACHENG)
    enterprise = await make_enterprise(session)
    visit = await archived_visit(client, author, visit_body(enterprise, await make_inspectors(session)))
    refused = await client.delete(f"/api/v1/visits/{visit['id']}", headers=author)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert await _count(session, Visit, Visit.id == uuid.UUID(visit["id"])) == 1


async def test_a_stale_if_match_is_412_and_the_current_one_deletes(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    draft = await _draft(client, session, headers)
    url = f"/api/v1/visits/{draft['id']}"
    assert (await client.patch(url, json={"notes": "改"}, headers=headers | {"If-Match": '"1"'})).status_code == 200
    assert (await client.delete(url, headers=headers | {"If-Match": '"1"'})).status_code == 412
    assert (await client.delete(url, headers=headers | {"If-Match": '"2"'})).status_code == 204


@pytest.mark.postgres_only
async def test_the_kept_figures_still_equal_a_recount_after_drafts_are_deleted(client, session):
    if BACKEND != "postgres":
        pytest.skip("SQLite keeps no figures")
    from app.services.plans import verify_figures

    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    enterprise = await make_enterprise(session)
    inspectors = await make_inspectors(session)
    await archived_visit(client, headers, visit_body(enterprise, inspectors))
    draft = await post_visit(client, headers, visit_body(enterprise, inspectors))
    summary = {"year": draft["visit_date"][:4]}
    before = (await client.get("/api/v1/reports/summary", params=summary, headers=headers)).json()
    assert (await client.delete(f"/api/v1/visits/{draft['id']}", headers=headers)).status_code == 204
    assert await verify_figures(session) == []
    assert (await client.get("/api/v1/reports/summary", params=summary, headers=headers)).json() == before
