"""County records of publicity campaigns (宣传) and media adoption (媒体采纳), counted in the summary."""

from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.domain.errors import Problem, RuleViolation
from app.domain.reporting import MediaLevel, PublicityCampaign
from app.models import PublicityActivity
from app.schemas.publicity import PublicityActivityCreate
from app.services.common import audit
from app.services.common.access import in_scope
from app.services.common.paging import paginate
from app.services.reports.reports import target_county


def _problems(data: PublicityActivityCreate, today: date) -> list[Problem]:
    problems = []
    if data.held_on > today:
        problems.append(Problem(("held_on",), "日期不能晚于今天 (must not be in the future)"))
    if data.media_adopted and not data.media_outlet:
        problems.append(Problem(("media_outlet",), "媒体采纳须填写采纳媒体 (name the outlet)"))
    if data.media_adopted and data.media_level is None:
        problems.append(Problem(("media_level",), "媒体采纳须填写媒体级别 (give the outlet's level)"))
    if data.media_adopted and not data.screenshot_refs:
        problems.append(Problem(("screenshot_refs",), "媒体采纳须附采纳截图 (attach a screenshot)"))
    if not data.media_adopted and (data.media_outlet or data.media_level or data.media_url or data.screenshot_refs):
        problems.append(Problem(("media_adopted",), "填写了采纳信息但未标记媒体采纳 (mark media_adopted)"))
    return problems


async def create_activity(
    session: AsyncSession, actor: Actor, data: PublicityActivityCreate, *, today: date
) -> PublicityActivity:
    county = await target_county(session, actor, data.county_code)
    problems = _problems(data, today)
    if problems:
        raise RuleViolation(problems)
    activity = PublicityActivity(
        **data.model_dump(exclude={"county_code", "campaign", "media_level"}),
        campaign=data.campaign.value,
        media_level=data.media_level.value if data.media_level else None,
        county_code=county,
        created_by_id=actor.user_id,
        created_by_name=actor.name,
    )
    await audit.record_create(session, actor, activity, county_code=county)
    return activity


async def list_activities(
    session: AsyncSession,
    actor: Actor,
    *,
    county_code: str | None,
    campaign: PublicityCampaign | None,
    media_adopted: bool | None,
    media_levels: list[MediaLevel] | None,
    date_from: date | None,
    date_to: date | None,
    limit: int,
    offset: int,
) -> tuple[list[PublicityActivity], int]:
    stmt = in_scope(select(PublicityActivity), PublicityActivity.county_code, actor)
    if county_code:
        stmt = stmt.where(PublicityActivity.county_code == county_code)
    if campaign:
        stmt = stmt.where(PublicityActivity.campaign == campaign.value)
    if media_adopted is not None:
        stmt = stmt.where(PublicityActivity.media_adopted == media_adopted)
    if media_levels:
        stmt = stmt.where(col(PublicityActivity.media_level).in_([level.value for level in media_levels]))
    if date_from:
        stmt = stmt.where(col(PublicityActivity.held_on) >= date_from)
    if date_to:
        stmt = stmt.where(col(PublicityActivity.held_on) <= date_to)
    stmt = stmt.order_by(col(PublicityActivity.held_on).desc(), col(PublicityActivity.id))
    return await paginate(session, stmt, limit=limit, offset=offset)
