"""Audit events past their retention leave only through `prune-audit`: archived and checked first, the chain anchored
by a signed checkpoint so it still verifies, never younger than the retention."""

from datetime import timedelta

import pytest
from sqlmodel import col, select

from app.core.audit_keys import AuditKeys
from app.core.config import Settings
from app.core.errors import Unprocessable
from app.models import AuditEvent
from app.models.base import utcnow
from app.services.accounts.audit_chain import verify_chain
from app.services.accounts.audit_export import verify_export
from app.services.accounts.audit_prune import prune_events
from app.services.common import audit

pytestmark = pytest.mark.anyio
NOW = utcnow()
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def keys(settings: Settings) -> AuditKeys:
    audit.install(AuditKeys.from_settings(settings))
    return audit.installed_keys()


async def _event_at(session, days_ago: int) -> AuditEvent:  # noqa: ANN001
    event = await audit.record(session, None, f"test.{days_ago}_days_ago", "thing")
    event.at = NOW - timedelta(days=days_ago)
    await session.commit()
    return event


async def _prune(session, keys, archive, *, before_days: int, retention_days: int = 180):  # noqa: ANN001, ANN202
    return await prune_events(
        session,
        keys=keys,
        before=TODAY - timedelta(days=before_days),
        archive=archive,
        retention_days=retention_days,
        today=TODAY,
        now=NOW,
    )


async def test_events_past_retention_are_archived_then_removed_and_the_chain_still_verifies(session, keys, tmp_path):
    old = [await _event_at(session, days) for days in (400, 400, 300)]
    kept = [await _event_at(session, days) for days in (100, 1)]
    archive = tmp_path / "audit-before.jsonl"

    pruned = await _prune(session, keys, archive, before_days=180)
    await session.commit()

    assert (pruned.events, pruned.through_seq) == (3, old[-1].seq)
    with archive.open("rb") as written:
        check = verify_export(written, keys)
    assert check.intact, check.problems
    archived = [line for line in archive.read_text().splitlines() if '"kind":"event"' in line]
    assert [f'"id":{e.id},' in line for e, line in zip(old, archived, strict=True)] == [True] * 3
    remaining = (await session.exec(select(AuditEvent.id).order_by(col(AuditEvent.seq)))).all()
    assert not set(remaining) & {e.id for e in old}
    assert remaining[:2] == [e.id for e in kept]
    report = await verify_chain(session, keys=keys)
    assert report.intact, report.detail
    [note] = (await session.exec(select(AuditEvent).where(AuditEvent.action == "audit.prune"))).all()
    assert note.after["through_seq"] == old[-1].seq and note.after["events"] == 3


@pytest.mark.parametrize(("before_days", "retention_days"), [(179, 180), (200, 365)])
async def test_pruning_inside_the_retention_is_refused_and_nothing_is_written(
    session, keys, tmp_path, before_days, retention_days
):
    await _event_at(session, 400)
    archive = tmp_path / "audit.jsonl"
    with pytest.raises(Unprocessable, match="audit_retention"):
        await _prune(session, keys, archive, before_days=before_days, retention_days=retention_days)
    assert not archive.exists()
    assert (await session.exec(select(AuditEvent))).first() is not None


async def test_pruning_never_overwrites_an_archive(session, keys, tmp_path):
    await _event_at(session, 400)
    await _event_at(session, 1)
    archive = tmp_path / "audit.jsonl"
    archive.write_text("an auditor's earlier archive\n")
    with pytest.raises(Unprocessable, match="archive_exists"):
        await _prune(session, keys, archive, before_days=180)
    assert archive.read_text() == "an auditor's earlier archive\n"


async def test_the_newest_event_is_kept_so_the_chain_goes_on_from_it(session, keys, tmp_path):
    events = [await _event_at(session, days) for days in (400, 300)]
    pruned = await _prune(session, keys, tmp_path / "audit.jsonl", before_days=180)
    await session.commit()
    assert pruned.through_seq == events[0].seq
    await audit.record(session, None, "test.after_the_prune", "thing")
    await session.commit()
    report = await verify_chain(session, keys=keys)
    assert report.intact, report.detail
