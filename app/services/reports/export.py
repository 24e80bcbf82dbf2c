"""附件3 as xlsx, from the counties' current (non-superseded) submissions — never from live figures."""

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.domain.calendar import ReportPeriod, period_due_date, period_label
from app.domain.reporting import REPORT_STATUS_LABELS, report_status
from app.domain.ruleset import ruleset_for
from app.schemas.report import COUNT_FIGURES
from app.services.reports.reports import current_reports
from app.services.reports.summary import county_names, node_name
from app.xlsx.summary_export import CountyLine, summary_workbook


async def export_reports(
    session: AsyncSession, actor: Actor, *, year: int, period: ReportPeriod, today: date
) -> tuple[str, bytes]:
    names = await county_names(session, actor)
    reports = {r.county_code: r for r in await current_reports(session, actor, year=year, period=period)}
    ruleset = ruleset_for(year)
    due_on = period_due_date(year, period, ruleset)
    lines = []
    for code, name in names.items():
        report = reports.get(code)
        status = report_status(today, due_on, report.submitted_on if report else None)
        text = REPORT_STATUS_LABELS[status] + (f" {report.submitted_on.isoformat()}" if report else "")
        lines.append(CountyLine(name, report.figures if report else None, text))
    total = None
    if actor.county_code is None:
        total = {name: sum(r.figures.get(name, 0) for r in reports.values()) for name in COUNT_FIGURES}
    unit = await node_name(session, actor)
    title = f"{year}年工业产品生产企业监督检查完成情况汇总表（{period_label(period, ruleset)}）"
    content = summary_workbook(title, f"{unit}市场监督管理局", today, lines, total)
    return f"附件3_监督检查完成情况汇总表_{year}_{period.value}.xlsx", content
