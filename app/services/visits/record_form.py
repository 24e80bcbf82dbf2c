"""附件2 for one visit, from what the system recorded (a draft prints too, e.g. to fill in by hand)."""

import uuid

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.domain.findings import Severity
from app.models import Enterprise, Finding, Licence
from app.services.visits.views import present_visit
from app.services.visits.visits import get_visit
from app.xlsx.record_form import ChecklistLine, FindingLine, InspectorLine, RecordForm, record_form_xlsx


async def record_form(session: AsyncSession, actor: Actor, visit_id: uuid.UUID) -> tuple[str, bytes]:
    """(file name, xlsx bytes)."""
    visit = await get_visit(session, actor, visit_id)
    view = await present_visit(session, visit)
    enterprise = await session.get(Enterprise, visit.enterprise_id)
    assert enterprise is not None
    licences = (
        await session.exec(
            select(Licence.licence_no).where(Licence.enterprise_id == enterprise.id, Licence.status == "valid")
        )
    ).all()
    findings = (
        await session.exec(select(Finding).where(Finding.visit_id == visit.id).order_by(col(Finding.created_at)))
    ).all()
    representative = " ".join(x for x in (view.representative_title, view.representative_name) if x)
    form = RecordForm(
        enterprise_name=enterprise.name,
        credit_code=enterprise.credit_code,
        address=enterprise.address or "",
        licence_no="、".join(licences),
        visit_type=view.visit_type_label,
        visit_date=view.visit_date.isoformat(),
        functions="、".join(f.label for f in view.supervisory_functions),
        conclusion=view.conclusion_label or "",
        representative=representative,
        notes=view.notes or "",
        visit_ref=str(visit.id)[:8].upper(),
        checklist=[
            ChecklistLine(row.label, row.content, row.result_label or "", row.note or "") for row in view.checklist
        ],
        findings=[FindingLine(f.description, Severity(f.severity).label, f.deadline.isoformat()) for f in findings],
        inspectors=[
            InspectorLine(
                i.full_name,
                i.credential_no or "",
                i.credential_valid_until.isoformat() if i.credential_valid_until else "",
            )
            for i in view.inspectors
        ],
    )
    return f"检查记录表-{enterprise.name}-{visit.visit_date.isoformat()}.xlsx", record_form_xlsx(form)
