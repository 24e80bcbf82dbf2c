"""Attachments: type read from the bytes, size-limited, stored by SHA-256, served only to who may see the visit."""

import hashlib

import pytest

from app.domain.permissions import Role
from tests.builders import TACHENG, WUSU, as_role, make_enterprise, make_inspectors, post_visit, visit_body

pytestmark = pytest.mark.anyio
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 300
PDF = b"%PDF-1.7\n" + b"0" * 300


async def _visit(client, session, headers):
    enterprise = await make_enterprise(session)
    return await post_visit(client, headers, visit_body(enterprise, await make_inspectors(session)))


async def test_a_photo_is_stored_by_its_hash_and_streamed_back(client, session, settings):
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    visit = await _visit(client, session, headers)
    url = f"/api/v1/visits/{visit['id']}/attachments"
    response = await client.post(
        url,
        files={"file": ("../../etc/现场照片.png", PNG, "application/octet-stream")},
        data={"description": "车间"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    attachment = response.json()
    sha = hashlib.sha256(PNG).hexdigest()
    assert attachment["sha256"] == sha and attachment["content_type"] == "image/png" and attachment["size"] == len(PNG)
    assert attachment["filename"] == "现场照片.png"
    assert (settings.upload_dir / sha[:2] / sha[2:4] / sha).read_bytes() == PNG
    assert [a["id"] for a in (await client.get(url, headers=headers)).json()["items"]] == [attachment["id"]]
    download = await client.get(attachment["url"], headers=headers)
    assert download.status_code == 200 and download.content == PNG
    assert download.headers["content-type"] == "image/png"
    assert download.headers["x-content-type-options"] == "nosniff"


async def test_an_attachment_with_a_lying_extension_is_refused(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    visit = await _visit(client, session, headers)
    url = f"/api/v1/visits/{visit['id']}/attachments"
    lying = await client.post(url, files={"file": ("photo.jpg", PDF, "image/jpeg")}, headers=headers)
    assert lying.status_code == 422
    assert lying.json()["errors"][0]["loc"] == ["body", "file"]
    unknown = await client.post(
        url, files={"file": ("report.pdf", b"MZ\x90\x00" + b"\x00" * 100, "application/pdf")}, headers=headers
    )
    assert unknown.status_code == 422
    assert (await client.get(url, headers=headers)).json()["items"] == []


async def test_an_attachment_over_the_size_limit_is_refused_with_413(client, session, settings):
    settings.max_upload_bytes = 1024
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    visit = await _visit(client, session, headers)
    big = PDF + b"0" * 2048
    response = await client.post(
        f"/api/v1/visits/{visit['id']}/attachments", files={"file": ("a.pdf", big)}, headers=headers
    )
    assert response.status_code == 413
    assert not any(p.is_file() and not p.name.startswith(".") for p in settings.upload_dir.rglob("*"))


async def test_a_county_inspector_cannot_upload_list_or_read_another_countys_attachments(client, session):
    _, tacheng = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    _, wusu = await as_role(client, session, Role.COUNTY_INSPECTOR, WUSU)
    visit = await _visit(client, session, tacheng)
    url = f"/api/v1/visits/{visit['id']}/attachments"
    attachment = (await client.post(url, files={"file": ("a.pdf", PDF)}, headers=tacheng)).json()
    assert (await client.get(attachment["url"], headers=tacheng)).status_code == 200
    assert (await client.get(attachment["url"], headers=wusu)).status_code == 404
    assert (await client.get(url, headers=wusu)).status_code == 404
    assert (await client.post(url, files={"file": ("b.pdf", PDF)}, headers=wusu)).status_code == 404
