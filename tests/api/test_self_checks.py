"""Self-checks (日管控、周排查、月调度): the enterprise files them through its account; the county sees who files and
who does not, and the ledger signal of missing monthly records with its reason."""

from datetime import date

import pytest

from app.core.deps import local_today
from app.domain.permissions import Role
from tests.builders import TACHENG, WUSU, as_role, make_enterprise, make_user, sign_in

pytestmark = pytest.mark.anyio
TODAY = date(2026, 5, 20)
SELF_CHECKS = "/api/v1/portal/self-checks"
COMPLIANCE = "/api/v1/self-check-compliance"


def _daily(day: date) -> dict:
    return {"day": day.isoformat(), "form": {"kind": "daily", "controls_checked": True, "hazards_found": 0}}


async def _account(client, session, enterprise):
    user = await make_user(
        session, Role.ENTERPRISE_USER, county_code=enterprise.county_code, enterprise_id=enterprise.id
    )
    return await sign_in(client, user)


async def test_an_enterprise_files_one_self_check_per_kind_and_period(app, client, session):
    app.dependency_overrides[local_today] = lambda: TODAY
    me = await _account(client, session, await make_enterprise(session))
    filed = await client.post(SELF_CHECKS, json=_daily(TODAY), headers=me)
    assert filed.status_code == 201 and filed.json()["kind"] == "daily", filed.text
    again = await client.post(SELF_CHECKS, json=_daily(TODAY), headers=me)
    assert again.status_code == 409 and again.json()["detail"] == f"{TODAY.isoformat()} 起的这一周期的日管控记录已报送"
    in_english = await client.post(SELF_CHECKS, json=_daily(TODAY), headers=me | {"Accept-Language": "en"})
    assert (
        in_english.json()["detail"]
        == f"the daily self-check for the period starting {TODAY.isoformat()} is already filed"
    )
    ahead = await client.post(SELF_CHECKS, json=_daily(date(2026, 5, 21)), headers=me)
    assert ahead.status_code == 422 and ahead.json()["errors"][0]["loc"] == ["body", "period"]
    weekly = {"day": "2026-05-20", "form": {"kind": "weekly", "hazards_found": 2, "hazards_fixed": 2}}
    week = await client.post(SELF_CHECKS, json=weekly, headers=me)
    assert week.status_code == 201 and week.json()["period_start"] == "2026-05-18"
    mixed = {"day": "2026-05-20", "form": {"kind": "monthly", "hazards_found": 1}}
    assert (await client.post(SELF_CHECKS, json=mixed, headers=me)).status_code == 422
    mine = (await client.get(SELF_CHECKS, headers=me)).json()
    assert [(s["kind"], s["period_start"]) for s in mine["items"]] == [
        ("daily", "2026-05-20"),
        ("weekly", "2026-05-18"),
    ]


async def test_the_county_sees_who_files_and_who_is_missing_its_monthly_records(app, client, session):
    app.dependency_overrides[local_today] = lambda: TODAY
    diligent, silent = await make_enterprise(session), await make_enterprise(session)
    elsewhere = await make_enterprise(session, county_code=WUSU)
    me = await _account(client, session, diligent)
    monthly = {
        "day": "2026-04-03",
        "form": {"kind": "monthly", "meeting_held_on": "2026-04-03", "open_hazards": 0, "summary": "月调度会"},
    }
    assert (await client.post(SELF_CHECKS, json=monthly, headers=me)).status_code == 201
    for day in (date(2026, 5, 19), TODAY):
        assert (await client.post(SELF_CHECKS, json=_daily(day), headers=me)).status_code == 201
    _, county = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)

    rows = (await client.get(COMPLIANCE, params={"month": "2026-05", "limit": 200}, headers=county)).json()["items"]
    by_id = {r["enterprise_id"]: r for r in rows}
    assert str(elsewhere.id) not in by_id  # another county's enterprise is not the county's to see
    ours = by_id[str(diligent.id)]
    assert (ours["daily_filed"], ours["daily_expected"], ours["weekly_expected"]) == (2, 31, 4)
    assert ours["files"] is True and ours["monthly_filed"] is False and ours["missing_monthly_reason"] is None
    theirs = by_id[str(silent.id)]
    assert theirs["files"] is False
    assert theirs["missing_monthly_reason"].startswith("近3个月（2026-02至2026-04）未报送月调度自查记录")

    flagged = await client.get(
        COMPLIANCE, params={"month": "2026-05", "missing_only": True, "limit": 200}, headers=county
    )
    flagged_ids = {r["enterprise_id"] for r in flagged.json()["items"]}
    assert str(silent.id) in flagged_ids and str(diligent.id) not in flagged_ids
    april = (await client.get(COMPLIANCE, params={"month": "2026-04", "limit": 200}, headers=county)).json()["items"]
    assert next(r for r in april if r["enterprise_id"] == str(diligent.id))["monthly_filed"] is True
    bad = await client.get(COMPLIANCE, params={"month": "2026-13"}, headers=county)
    assert bad.status_code == 422
