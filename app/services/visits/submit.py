"""Submitting a visit (归档): every rule checked at once, then read-only; nonconforming items become findings.
Corrections afterwards are amendments (更正) that keep what the original said."""

import uuid
from datetime import date
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import Conflict
from app.domain.checklist import (
    ChecklistEntry,
    ChecklistItem,
    Conclusion,
    ItemResult,
    checklist_problems,
    conclusion_problems,
    covers_checklist,
    nonconforming_items,
)
from app.domain.errors import Message, Problem, RuleViolation, raise_if_any
from app.domain.findings import Severity
from app.domain.ruleset import ruleset_for
from app.domain.visit_rules import InspectorOnVisit, validate_visit
from app.domain.visit_types import VisitType
from app.models import Visit, VisitAmendment, VisitInspector
from app.models.base import utcnow
from app.schemas.visit import VisitAmendmentCreate
from app.services import events
from app.services.common import audit
from app.services.common.concurrency import check_if_match
from app.services.findings import add_finding
from app.services.visits.views import present_visit
from app.services.visits.visits import AUDITED_FIELDS, get_visit, is_licence_holder

AMENDABLE = ("conclusion", "representative_name", "representative_title", "notes", "supervisory_functions")


def _results(visit: Visit) -> dict[ChecklistItem, ChecklistEntry]:
    """The checklist as recorded: each item's result with the inspector's note (the reason of a "not applicable")."""
    return {
        ChecklistItem(k): ChecklistEntry(ItemResult(v["result"]), v.get("note")) for k, v in visit.checklist.items()
    }


async def _inspectors(session: AsyncSession, visit: Visit) -> list[InspectorOnVisit]:
    stmt = select(VisitInspector).where(VisitInspector.visit_id == visit.id).order_by(col(VisitInspector.position))
    return [
        InspectorOnVisit(
            user_id=str(i.user_id),
            county_code=i.county_code,
            credential_no=i.credential_no,
            credential_valid_from=i.credential_valid_from,
            credential_valid_until=i.credential_valid_until,
            credential_shown=i.credential_shown,
        )
        for i in (await session.exec(stmt)).all()
    ]


def _problems(check: Any, *args: Any, **kwargs: Any) -> list[Problem]:
    try:
        check(*args, **kwargs)
    except RuleViolation as exc:
        return exc.problems
    return []


async def _validate(session: AsyncSession, visit: Visit, licence_holder: bool, today: date) -> None:
    """计划 五 and 四: the visit rules and the checklist, every problem at once. A re-inspection (复查回访)
    need not go through every item; it checks the items it recorded."""
    visit_type = VisitType(visit.visit_type)
    problems = _problems(
        validate_visit,
        today=today,
        visit_date=visit.visit_date,
        visit_type=visit_type,
        enterprise_county_code=visit.county_code,
        inspectors=await _inspectors(session, visit),
        ruleset=ruleset_for(visit.visit_date.year),
    )
    if visit.conclusion is None:
        problems.append(Problem(("conclusion",), "conclusion_missing"))
    conclusion = Conclusion(visit.conclusion or Conclusion.rectification_required)
    checklist = checklist_problems(
        _results(visit),
        licence_holder=licence_holder,
        conclusion=conclusion,
        complete=visit_type != VisitType.reinspection,
    )
    raise_if_any(problems + checklist)


async def submit_visit(
    session: AsyncSession, actor: Actor, visit_id: uuid.UUID, *, today: date, if_match: str | None
) -> Visit:
    visit = await get_visit(session, actor, visit_id, lock=True)
    check_if_match(if_match, visit.version)
    if visit.status != "draft":
        raise Conflict(Message("visit_already_archived"))
    holder = await is_licence_holder(session, visit.enterprise_id)
    await _validate(session, visit, holder, today)
    results = _results(visit)
    visit.status = "archived"
    visit.covers_full_checklist = covers_checklist(
        results, licence_holder=holder, ruleset=ruleset_for(visit.visit_date.year)
    )
    visit.archived_at = utcnow()
    visit.archived_by_id = actor.user_id
    visit.updated_at = visit.archived_at
    visit.version += 1
    session.add(visit)
    await session.flush()
    await audit.record(
        session, actor, "visit.submit", "visit", visit.id,
        county_code=visit.county_code, after=audit.snapshot(visit, (*AUDITED_FIELDS, "covers_full_checklist")),
    )  # fmt: skip
    for item in nonconforming_items(results):
        entry = visit.checklist[item.value]
        note = (entry.get("note") or "").strip()
        await add_finding(
            session,
            actor,
            visit,
            description=f"{item.label}：{note}" if note else f"{item.label}不符合要求",
            severity=Severity(entry.get("severity") or Severity.general),
            checklist_item=item,
            today=today,
        )
    await events.emit(session, "visit.submitted", _path(visit), await present_visit(session, visit), visit.county_code)
    await events.emit(session, "visit.archived", _path(visit), await present_visit(session, visit), visit.county_code)
    return visit


def _path(visit: Visit) -> str:
    return f"/api/v1/visits/{visit.id}"


async def amend_visit(
    session: AsyncSession, actor: Actor, visit_id: uuid.UUID, data: VisitAmendmentCreate
) -> VisitAmendment:
    """更正: change what may be corrected on an archived visit; the replaced values stay in `before`."""
    visit = await get_visit(session, actor, visit_id, lock=True)
    if visit.status != "archived":
        raise Conflict(Message("draft_is_edited_with_patch"))
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    changes = data.model_dump(exclude_unset=True, include=set(AMENDABLE))
    for name, value in changes.items():
        value = [str(f) for f in value or []] if name == "supervisory_functions" else value
        value = str(value) if value is not None and name == "conclusion" else value
        if getattr(visit, name) != value:
            before[name], after[name] = getattr(visit, name), value
            setattr(visit, name, value)
    if data.checklist_notes:
        checklist = {k: dict(v) for k, v in visit.checklist.items()}
        for item, note in data.checklist_notes.items():
            if item.value not in checklist:
                raise_if_any([Problem(("checklist_notes", item.value), "item_not_recorded")])
            if checklist[item.value].get("note") != note:
                before.setdefault("checklist_notes", {})[item.value] = checklist[item.value].get("note")
                after.setdefault("checklist_notes", {})[item.value] = note
                checklist[item.value]["note"] = note
        visit.checklist = checklist
    if not after:
        raise_if_any([Problem(("reason",), "amendment_changes_nothing")])
    if "conclusion" in after:
        conclusion = Conclusion(visit.conclusion or Conclusion.rectification_required)
        problems = conclusion_problems(_results(visit), conclusion)
        if visit.conclusion is None:
            problems.append(Problem(("conclusion",), "conclusion_cannot_be_removed"))
        raise_if_any(problems)
    amendment = VisitAmendment(
        visit_id=visit.id,
        reason=data.reason,
        before=before,
        after=after,
        created_by_id=actor.user_id,
        created_by_name=actor.name,
    )
    visit.version += 1
    visit.updated_at = utcnow()
    session.add(visit)
    session.add(amendment)
    await session.flush()
    await audit.record(
        session, actor, "visit.amend", "visit", visit.id,
        county_code=visit.county_code, before=before, after=after | {"reason": data.reason},
    )  # fmt: skip
    await events.emit(session, "visit.amended", _path(visit), await present_visit(session, visit), visit.county_code)
    return amendment
