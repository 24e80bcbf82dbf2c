"""The region's roll-up of 附件3 (自治区汇总): each prefecture's counties' frozen submissions for a period added up,
a drill-down to one prefecture's counties, and its own xlsx. Only what the counties submitted counts, never live
figures; the caller's subtree decides which counties are added (a prefecture's caller sees its own row)."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import NotFound
from app.domain.calendar import ReportPeriod, period_due_date, period_label
from app.domain.errors import Message
from app.domain.ruleset import ruleset_for
from app.models import Jurisdiction, ReportSubmission
from app.schemas.report import COUNT_FIGURES, RegionSummary, RollupRow
from app.services.common.access import in_scope
from app.services.reports.reports import current_reports
from app.services.reports.summary import node_name
from app.xlsx.summary_export import CountyLine, summary_workbook


@dataclass(frozen=True)
class _County:
    code: str
    name: str
    prefecture_code: str
    prefecture_name: str


async def _counties(session: AsyncSession, actor: Actor, prefecture_code: str | None) -> list[_County]:
    prefecture = aliased(Jurisdiction)
    stmt = (
        select(Jurisdiction.code, Jurisdiction.name, prefecture.code, prefecture.name)
        .join(prefecture, col(prefecture.code) == Jurisdiction.parent_code)
        .where(Jurisdiction.level == "county")
    )
    if prefecture_code is not None:
        stmt = stmt.where(prefecture.code == prefecture_code)
    rows = (await session.exec(in_scope(stmt, Jurisdiction.code, actor).order_by(Jurisdiction.code))).all()
    if prefecture_code is not None and not rows:
        raise NotFound(Message("prefecture_not_found_in_jurisdiction"))
    return [_County(*row) for row in rows]


def _row(
    code: str, name: str, counties: list[_County], reports: dict[str, ReportSubmission], **extra: Any
) -> RollupRow:
    submitted = [reports[c.code] for c in counties if c.code in reports]
    sums = {name_: sum(r.figures.get(name_, 0) for r in submitted) for name_ in COUNT_FIGURES}
    late = sum(1 for r in submitted if r.late)
    return RollupRow(code=code, name=name, counties=len(counties), reported=len(submitted), late=late, **sums, **extra)


async def region_summary(
    session: AsyncSession, actor: Actor, *, year: int, period: ReportPeriod, prefecture_code: str | None = None
) -> RegionSummary:
    """Per prefecture in the caller's reach (or, with `prefecture_code`, per county of it): the current
    submissions of its counties for the period, added up, with how many counties reported and how many late."""
    counties = await _counties(session, actor, prefecture_code)
    reports = {r.county_code: r for r in await current_reports(session, actor, year=year, period=period)}
    if prefecture_code is None:
        groups: dict[tuple[str, str], list[_County]] = {}
        for county in counties:
            groups.setdefault((county.prefecture_code, county.prefecture_name), []).append(county)
        base = f"/api/v1/reports/region-summary?year={year}&period={period.value}"
        rows = [
            _row(code, name, group, reports, drill=f"{base}&prefecture_code={code}")
            for (code, name), group in groups.items()
        ]
    else:
        rows = [_row(c.code, c.name, [c], reports) for c in counties]
    total_name = f"{await node_name(session, actor) or '全区'}合计"
    total = _row(prefecture_code or actor.node_code or "", total_name, counties, reports)
    due_on = period_due_date(year, period, ruleset_for(year))
    return RegionSummary(
        year=year, period=period, due_on=due_on, prefecture_code=prefecture_code, rows=rows, total=total
    )


def _status(row: RollupRow) -> str:
    return f"已报{row.reported}/{row.counties}" + (f"，逾期{row.late}" if row.late else "")


async def export_region_summary(
    session: AsyncSession,
    actor: Actor,
    *,
    year: int,
    period: ReportPeriod,
    today: date,
    prefecture_code: str | None = None,
) -> tuple[str, bytes]:
    """The roll-up as a 附件3 workbook: a row per prefecture (or county), its status the counties that reported."""
    summary = await region_summary(session, actor, year=year, period=period, prefecture_code=prefecture_code)
    lines = [
        CountyLine(
            row.name, row.model_dump(), f"已报{row.reported}/{row.counties}" + (f"，逾期{row.late}" if row.late else "")
        )
        for row in summary.rows
    ]
    unit = await node_name(session, actor)
    title = f"{year}年工业产品生产企业监督检查完成情况汇总表（{period_label(period, ruleset_for(year))}，汇总）"
    content = summary_workbook(title, f"{unit}市场监督管理局", today, lines, summary.total.model_dump())
    scope = prefecture_code or "region"
    return f"附件3_汇总_{scope}_{year}_{period.value}.xlsx", content
