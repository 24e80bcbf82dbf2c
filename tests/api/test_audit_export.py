"""The audit trail leaves the machine: signed checkpoints listed, and an archive of a time range that an auditor can
check with the audit key — only for who may read the audit trail."""

import json
from datetime import UTC, datetime, timedelta
from hashlib import sha256

import pytest
from sqlmodel import col, select

from app.core.audit_keys import AuditKeys
from app.core.config import Settings
from app.core.i18n import EN, ZH_CN, text
from app.domain.permissions import Role
from app.models import AuditCheckpoint, AuditEvent
from app.schemas.audit import AuditCheckpointRead
from app.services.accounts.audit_export import verify_export
from app.services.common import audit
from tests.builders import TACHENG, WUSU, as_role

pytestmark = pytest.mark.anyio
EVENTS = "/api/v1/audit-events"
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(autouse=True)
def keys(settings: Settings) -> AuditKeys:
    audit.install(AuditKeys.from_settings(settings))
    return audit.installed_keys()


async def _dated(session, days_ago: float, action: str) -> AuditEvent:  # noqa: ANN001
    """An event recorded `days_ago` (each in a transaction of its own, so each has its own position)."""
    event = await audit.record(session, None, action, "thing")
    event.at = NOW - timedelta(days=days_ago)
    await session.commit()
    return event


def _range(since_days: float, until_days: float) -> dict[str, str]:
    return {
        "since": (NOW - timedelta(days=since_days)).isoformat(),
        "until": (NOW - timedelta(days=until_days)).isoformat(),
    }


def _lines(response) -> list[dict]:  # noqa: ANN001
    return [json.loads(line) for line in response.content.splitlines()]


async def test_the_export_holds_exactly_the_events_of_the_range_in_chain_order_and_verifies(client, session, keys):
    _, headers = await as_role(client, session, Role.AUDIT_ADMIN)
    inside_1 = await _dated(session, 2, "test.inside")
    await _dated(session, 3, "test.before")  # committed between the two, recorded before the range: a gap
    inside_2 = await _dated(session, 1, "test.inside")
    await _dated(session, 0.25, "test.after")

    response = await client.get(f"{EVENTS}/export", headers=headers, params=_range(2.5, 0.5))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert "attachment" in response.headers["content-disposition"]
    lines = _lines(response)
    in_range = (col(AuditEvent.at) >= NOW - timedelta(days=2.5)) & (col(AuditEvent.at) < NOW - timedelta(days=0.5))
    expected = (await session.exec(select(AuditEvent.id).where(in_range).order_by(col(AuditEvent.seq)))).all()
    exported = [line["id"] for line in lines if line["kind"] == "event"]
    assert exported == list(expected) == [inside_1.id, inside_2.id]
    assert lines[0]["kind"] == "header" and lines[-1]["kind"] == "manifest"
    assert lines[-1]["gaps"] == [[inside_1.seq + 1, inside_2.seq - 1]]

    check = verify_export(response.content.splitlines(keepends=True), keys)
    assert check.intact, check.problems
    assert check.events == 2


async def test_the_export_carries_the_checkpoints_of_its_span_and_they_verify(client, session, keys):
    _, headers = await as_role(client, session, Role.AUDIT_ADMIN)
    await _dated(session, 1, "test.inside")
    head = await _dated(session, 1, "test.inside")
    session.add(audit.new_checkpoint(keys, position=head.seq, head_hash=head.hash, legacy_until=0, at=NOW))
    await session.commit()
    response = await client.get(f"{EVENTS}/export", headers=headers, params=_range(2, 0.5))
    checkpoints = [line for line in _lines(response) if line["kind"] == "checkpoint"]
    assert checkpoints
    check = verify_export(response.content.splitlines(keepends=True), keys)
    assert check.intact, check.problems
    assert check.checkpoints == len(checkpoints)


async def test_an_altered_or_shortened_archive_fails_its_check(client, session, keys):
    _, headers = await as_role(client, session, Role.AUDIT_ADMIN)
    for days in (1.5, 1.2, 1):
        await _dated(session, days, "test.inside")
    response = await client.get(f"{EVENTS}/export", headers=headers, params=_range(2, 0.5))
    lines = response.content.splitlines(keepends=True)
    altered = [line.replace(b'"actor_kind":"anonymous"', b'"actor_kind":"user"', 1) for line in lines]
    assert altered != lines
    assert "audit_archive_digest_mismatch" in {p.code for p in verify_export(altered, keys).problems}
    left_out = {p.code for p in verify_export(lines[:2] + lines[3:], keys).problems}  # an event left out
    assert {"audit_archive_events_missing", "audit_archive_counts_differ"} <= left_out
    wrong = AuditKeys(current_id="k1", keys={"k1": b"not-the-bureau-audit-key-0123456789"})
    assert "audit_manifest_signature_invalid" in {p.code for p in verify_export(lines, wrong).problems}


async def test_the_export_itself_is_audited(client, session):
    admin, headers = await as_role(client, session, Role.AUDIT_ADMIN)
    await client.get(f"{EVENTS}/export", headers=headers, params=_range(2, 0.5))
    [event] = (await session.exec(select(AuditEvent).where(AuditEvent.action == "audit.export"))).all()
    assert event.actor_name == admin.username and set(event.after) == {"since", "until"}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"since": "2026-01-01T00:00:00Z"},
        {"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        {"since": "2024-01-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},  # more than a year at once
        {"since": "0001-01-01T00:00:00+14:00", "until": "2026-01-01T00:00:00Z"},
    ],
)
async def test_an_export_range_missing_backwards_or_too_long_is_422(client, session, params):
    _, headers = await as_role(client, session, Role.AUDIT_ADMIN)
    response = await client.get(f"{EVENTS}/export", headers=headers, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"]


async def test_checkpoints_are_listed_newest_first_with_their_signatures(client, session, keys):
    _, headers = await as_role(client, session, Role.AUDIT_ADMIN)
    await _dated(session, 0, "test.one")
    session.add(audit.new_checkpoint(keys, position=1, head_hash="f" * 64, legacy_until=0, at=NOW))
    await session.commit()
    response = await client.get(f"{EVENTS}/checkpoints", headers=headers)
    assert response.status_code == 200, response.text
    page = response.json()
    stored = (await session.exec(select(AuditCheckpoint.id).order_by(col(AuditCheckpoint.id).desc()))).all()
    assert [c["id"] for c in page["items"]] == list(stored) and page["total"] == len(stored) >= 2
    newest = AuditCheckpoint(**AuditCheckpointRead.model_validate(page["items"][0]).model_dump())
    assert audit.check_checkpoint(keys, newest) is None


@pytest.mark.parametrize(
    ("role", "county"),
    [
        (Role.PREFECTURE_ADMIN, None),
        (Role.SYSTEM_ADMIN, None),
        (Role.SECURITY_ADMIN, None),
        (Role.PREFECTURE_VIEWER, None),
        (Role.COUNTY_ADMIN, TACHENG),
        (Role.COUNTY_ADMIN, WUSU),
        (Role.COUNTY_INSPECTOR, TACHENG),
    ],
)
async def test_only_who_reads_the_audit_trail_lists_checkpoints_and_exports(client, session, role, county):
    _, headers = await as_role(client, session, role, county)
    assert (await client.get(f"{EVENTS}/checkpoints", headers=headers)).status_code == 403
    assert (await client.get(f"{EVENTS}/export", headers=headers, params=_range(2, 0.5))).status_code == 403
    assert (await client.get(f"{EVENTS}/export", params=_range(2, 0.5))).status_code == 401


HEADER = b'{"format":"zhijian-audit-export/1","kind":"header"}\n'


@pytest.mark.parametrize(
    "archive",
    [
        b"",
        b"not json\n",
        b"[1]\n[2]\n",
        HEADER + b'{"kind":"manifest","signature":null}\n',
        HEADER + b'{"kind":"event","id":"x"}\n{"kind":"manifest","events":1,"checkpoints":0,"gaps":[]}\n',
        HEADER + b'{"kind":"manifest","events":0,"checkpoints":0,"gaps":[1]}\n',
    ],
    ids=["empty", "not-json", "not-objects", "null-signature", "bad-event", "bad-gaps"],
)
def test_a_malformed_archive_is_reported_not_raised(archive, keys):
    check = verify_export(archive.splitlines(keepends=True), keys)
    assert not check.intact and check.problems


def test_an_archive_check_says_what_is_wrong_in_chinese_or_english_with_the_reason_inside(keys):
    manifest = {"kind": "manifest", "events": 0, "checkpoints": 0, "gaps": [], "sha256": sha256(HEADER).hexdigest()}
    archive = HEADER + json.dumps(manifest | {"seal": "hmac-sha256", "key_id": None}).encode()
    [problem] = verify_export(archive.splitlines(keepends=True), keys).problems
    assert problem.code == "audit_manifest_signature_invalid"
    assert text(problem, ZH_CN) == "清单签名无效：未知的密钥 None，请在 AUDIT_OLD_KEYS 中列出"
    assert text(problem, EN) == "invalid manifest signature: unknown key id None: list it in AUDIT_OLD_KEYS"
