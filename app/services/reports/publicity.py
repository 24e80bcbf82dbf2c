"""County records of publicity campaigns (宣传) and media adoption (媒体采纳), counted in the summary."""

from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.paging import PageQuery, Window
from app.domain.errors import Problem, RuleViolation
from app.models import PublicityActivity
from app.schemas.publicity import PublicityActivityCreate, PublicityFilter
from app.services.common import audit
from app.services.common.access import in_scope
from app.services.common.filters import where_equal, within
from app.services.common.paging import paginate
from app.services.reports.reports import target_county


def _problems(data: PublicityActivityCreate, today: date) -> list[Problem]:
    problems = []
    if data.held_on > today:
        problems.append(Problem(("held_on",), "must_not_be_in_future"))
    if data.media_adopted and not data.media_outlet:
        problems.append(Problem(("media_outlet",), "media_outlet_required"))
    if data.media_adopted and data.media_level is None:
        problems.append(Problem(("media_level",), "media_level_required"))
    if data.media_adopted and not data.screenshot_refs:
        problems.append(Problem(("screenshot_refs",), "attach_screenshot"))
    if not data.media_adopted and (data.media_outlet or data.media_level or data.media_url or data.screenshot_refs):
        problems.append(Problem(("media_adopted",), "media_adopted_not_marked"))
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
    f: PublicityFilter,
    page: PageQuery,
) -> Window[PublicityActivity]:
    stmt = where_equal(
        in_scope(select(PublicityActivity), PublicityActivity.county_code, actor),
        [
            (PublicityActivity.county_code, f.county_code),
            (PublicityActivity.campaign, f.campaign.value if f.campaign else None),
            (PublicityActivity.media_adopted, f.media_adopted),
        ],
    )
    if f.media_level:
        stmt = stmt.where(col(PublicityActivity.media_level).in_([level.value for level in f.media_level]))
    stmt = within(stmt, PublicityActivity.held_on, f.date_from, f.date_to)
    stmt = stmt.order_by(col(PublicityActivity.held_on).desc(), col(PublicityActivity.id))
    return await paginate(session, stmt, page)
