"""The inbox: one's own notifications, newest first, paged, unread filter; marking read is idempotent; another
user's notification — of this county or another — is 404."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from app.domain.permissions import Role
from app.models import AuditEvent, Notification, User, VisitInspector
from app.services.notifications import send_deadline_reminders
from tests.api.plan_helpers import freeze_today
from tests.builders import (
    TACHENG,
    WUSU,
    as_role,
    make_enterprise,
    make_finding_record,
    make_service_account,
    make_user,
    make_visit_record,
    sign_in,
)

pytestmark = pytest.mark.anyio
INBOX = "/api/v1/me/notifications"
T0 = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _today(app) -> None:  # noqa: ANN001
    freeze_today(app, date(2026, 11, 29))


async def _notify(session, user: User, n: int, *, county: str | None = TACHENG) -> list[Notification]:  # noqa: ANN001
    """`n` notifications for `user`, one an hour from T0 (the last is the newest)."""
    notes = [
        Notification(
            user_id=user.id,
            county_code=county,
            kind="deadline_soon",
            title=f"整改期限将至：第{i}条",
            body="请督促企业按期整改",
            ref_type="finding",
            link="/api/v1/findings",
            dedupe_key=f"test:{user.id}:{i}",
            created_at=T0 + timedelta(hours=i),
        )
        for i in range(n)
    ]
    session.add_all(notes)
    await session.commit()
    return notes


async def test_the_inbox_lists_ones_own_notifications_newest_first_in_pages(client, session):
    user, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    other = await make_user(session, Role.COUNTY_INSPECTOR, county_code=TACHENG)
    notes = await _notify(session, user, 5)
    await _notify(session, other, 2)

    first = (await client.get(INBOX, params={"limit": 2}, headers=headers)).json()
    assert (first["total"], first["limit"], first["offset"]) == (5, 2, 0)
    assert [n["id"] for n in first["items"]] == [str(notes[4].id), str(notes[3].id)]
    last = (await client.get(INBOX, params={"limit": 2, "offset": 4}, headers=headers)).json()
    assert [n["id"] for n in last["items"]] == [str(notes[0].id)]
    item = first["items"][0]
    assert item["kind"] == "deadline_soon" and item["kind_label"] == "整改期限将至"
    assert item["read_at"] is None and item["county_code"] == TACHENG


async def test_marking_read_is_idempotent_and_the_unread_filter_follows_it(client, session):
    user, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    notes = await _notify(session, user, 3)

    first = await client.post(f"{INBOX}/{notes[1].id}/read", headers=headers)
    assert first.status_code == 200, first.text
    read_at = first.json()["read_at"]
    assert read_at is not None
    again = await client.post(f"{INBOX}/{notes[1].id}/read", headers=headers)
    assert again.status_code == 200 and again.json()["read_at"] == read_at

    unread = (await client.get(INBOX, params={"unread": "true"}, headers=headers)).json()
    assert unread["total"] == 2 and str(notes[1].id) not in {n["id"] for n in unread["items"]}
    read = (await client.get(INBOX, params={"unread": "false"}, headers=headers)).json()
    assert [n["id"] for n in read["items"]] == [str(notes[1].id)]
    events = (await session.exec(select(AuditEvent).where(AuditEvent.action == "notification.read"))).all()
    assert [e.entity_id for e in events] == [str(notes[1].id)]


async def test_read_all_marks_every_unread_one_and_says_how_many(client, session):
    user, headers = await as_role(client, session, Role.PREFECTURE_VIEWER)
    other = await make_user(session, Role.PREFECTURE_VIEWER)
    notes = await _notify(session, user, 3, county=None)
    [others] = await _notify(session, other, 1, county=None)
    assert (await client.post(f"{INBOX}/{notes[0].id}/read", headers=headers)).status_code == 200

    response = await client.post(f"{INBOX}/read-all", headers=headers)
    assert response.status_code == 200 and response.json() == {"marked": 2}
    assert (await client.post(f"{INBOX}/read-all", headers=headers)).json() == {"marked": 0}
    assert (await client.get(INBOX, params={"unread": "true"}, headers=headers)).json()["total"] == 0
    await session.refresh(others)
    assert others.read_at is None


@pytest.mark.parametrize("county", [TACHENG, WUSU])
async def test_another_users_notification_is_not_found_whatever_its_county(client, session, county):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    someone = await make_user(session, Role.COUNTY_ADMIN, county_code=county)
    [theirs] = await _notify(session, someone, 1, county=county)

    response = await client.post(f"{INBOX}/{theirs.id}/read", headers=headers)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(INBOX, headers=headers)).json()["total"] == 0
    await session.refresh(theirs)
    assert theirs.read_at is None


async def test_a_service_account_has_no_inbox_and_an_anonymous_caller_is_not_signed_in(client, session):
    _, key = await make_service_account(session, ["notifications:read", "enterprises:read"])
    assert (await client.get(INBOX, headers={"X-API-Key": key})).status_code == 403
    assert (await client.post(f"{INBOX}/read-all", headers={"X-API-Key": key})).status_code == 403
    assert (await client.get(INBOX)).status_code == 401


async def test_a_deadline_reminder_lands_in_the_inspectors_inbox_with_the_link_that_opens_the_finding(client, session):
    enterprise = await make_enterprise(session, county_code=TACHENG, name="塔城市红星机械厂")
    inspector = await make_user(session, Role.COUNTY_INSPECTOR, county_code=TACHENG)
    partner = await make_user(session, Role.COUNTY_INSPECTOR, county_code=TACHENG)
    visit = await make_visit_record(session, enterprise, date(2026, 11, 2))
    session.add_all(
        [
            VisitInspector(visit_id=visit.id, user_id=inspector.id, position=0, county_code=TACHENG),
            VisitInspector(visit_id=visit.id, user_id=partner.id, position=1, county_code=TACHENG),
        ]
    )
    await session.commit()
    finding = await make_finding_record(session, visit, date(2026, 11, 2), date(2026, 12, 2), description="未标注厂址")
    assert await send_deadline_reminders(session, today=date(2026, 11, 29)) == 2
    await session.commit()

    headers = await sign_in(client, inspector)
    [note] = (await client.get(INBOX, params={"unread": "true"}, headers=headers)).json()["items"]
    assert note["title"] == "整改期限将至：塔城市红星机械厂“未标注厂址”须于2026-12-02前整改（剩余3天）"
    assert (note["ref_type"], note["ref_id"]) == ("finding", str(finding.id))
    opened = await client.get(note["link"], headers=headers)
    assert opened.status_code == 200 and opened.json()["id"] == str(finding.id)
