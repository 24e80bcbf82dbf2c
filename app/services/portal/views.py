"""What an enterprise account reads of its own enterprise: the enterprise and its licences, its archived visits
as the record form's copy kept by the enterprise (企业留存) shows them, its findings with their deadlines and
where its requests stand. Every query goes through the one scoping (an enterprise-bound actor sees its own only)."""

import uuid
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import NotFound
from app.core.paging import PageQuery, Window
from app.domain.errors import Message
from app.domain.ruleset import ruleset_for
from app.models import Finding, Licence, Visit
from app.schemas.licence import LicenceRead
from app.schemas.portal import (
    ExtensionRequestRead,
    FindingOnForm,
    InspectorOnForm,
    OwnEnterpriseRead,
    OwnFindingRead,
    OwnVisitRead,
    RectificationReportRead,
)
from app.services.common.access import one_or_404, scope_visits
from app.services.common.paging import paginate
from app.services.findings import present_finding, requests_of
from app.services.ledger import get_enterprise
from app.services.visits import present_visit


def _own(actor: Actor) -> uuid.UUID:
    if actor.enterprise_id is None:  # the route's permission is an enterprise account's alone
        raise NotFound(Message("enterprise_not_found"))
    return actor.enterprise_id


async def own_enterprise(session: AsyncSession, actor: Actor) -> OwnEnterpriseRead:
    enterprise = await get_enterprise(session, actor, _own(actor))
    stmt = select(Licence).where(Licence.enterprise_id == enterprise.id).order_by(col(Licence.expires_on))
    return OwnEnterpriseRead(
        id=enterprise.id,
        credit_code=enterprise.credit_code,
        name=enterprise.name,
        county_code=enterprise.county_code,
        address=enterprise.address,
        licences=[LicenceRead.model_validate(lic) for lic in (await session.exec(stmt)).all()],
    )


async def list_own_visits(session: AsyncSession, actor: Actor, *, page: PageQuery) -> Window[OwnVisitRead]:
    _own(actor)
    stmt = scope_visits(select(Visit), actor).order_by(col(Visit.visit_date).desc(), col(Visit.id))
    found = await paginate(session, stmt, page)
    return Window([await _enterprise_copy(session, v) for v in found.items], found.has_more, found.total)


async def _enterprise_copy(session: AsyncSession, visit: Visit) -> OwnVisitRead:
    full = await present_visit(session, visit)
    return OwnVisitRead(
        **full.model_dump(
            include={
                "id", "visit_type", "visit_type_label", "visit_date", "supervisory_functions", "checklist",
                "conclusion_label", "representative_name", "representative_title",
            }
        ),
        inspectors=[InspectorOnForm(full_name=i.full_name, credential_no=i.credential_no) for i in full.inspectors],
        findings=[FindingOnForm.model_validate(f.model_dump()) for f in full.findings],
    )  # fmt: skip


def _findings(actor: Actor):  # noqa: ANN202
    return scope_visits(select(Finding).join(Visit, col(Visit.id) == Finding.visit_id), actor)


async def list_own_findings(
    session: AsyncSession, actor: Actor, *, today: date, status: str | None, page: PageQuery
) -> Window[OwnFindingRead]:
    _own(actor)
    stmt = _findings(actor)
    if status is not None:
        stmt = stmt.where(Finding.status == status)
    stmt = stmt.order_by(col(Finding.deadline), col(Finding.id))
    found = await paginate(session, stmt, page)
    return Window(await _present(session, found.items, today), found.has_more, found.total)


async def get_own_finding(session: AsyncSession, actor: Actor, finding_id: uuid.UUID, *, today: date) -> OwnFindingRead:
    _own(actor)
    finding = await one_or_404(session, _findings(actor).where(Finding.id == finding_id), Message("finding_not_found"))
    return (await _present(session, [finding], today))[0]


async def _present(session: AsyncSession, findings: list[Finding], today: date) -> list[OwnFindingRead]:
    extensions, reports = await requests_of(session, [f.id for f in findings])
    out = []
    for finding in findings:
        read = present_finding(finding, today)
        asked = [ExtensionRequestRead.model_validate(e) for e in extensions[finding.id]]
        allowed = ruleset_for(finding.found_on.year).extensions_allowed
        out.append(
            OwnFindingRead(
                **read.model_dump(
                    include={
                        "id",
                        "visit_id",
                        "description",
                        "severity",
                        "severity_label",
                        "found_on",
                        "original_deadline",
                        "deadline",
                        "status",
                        "status_label",
                        "overdue",
                    }
                ),
                extensions_left=max(allowed - finding.extensions_used, 0),
                pending_extension_request=next((e for e in asked if e.status == "pending"), None),
                extension_requests=asked,
                rectification_reports=[RectificationReportRead.model_validate(r) for r in reports[finding.id]],
            )  # fmt: skip
        )
    return out
