"""A finding's escalation level as kept (计划 七（二）): the highest level reached stays until rectification, a passed
re-inspection or closing lowers it (domain `kept_escalation_level`); every change is an `escalation` step."""

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.domain.findings import FindingEvent, FindingState, escalation_level, kept_escalation_level
from app.domain.reasons import Reason
from app.domain.ruleset import ruleset_for
from app.models import Finding, FindingStep
from app.models.base import utcnow
from app.services.common import audit
from app.services.findings.announce import announce


def finding_state(finding: Finding) -> FindingState:
    return FindingState(
        deadline=finding.deadline,
        closed=finding.status == "closed",
        failed_reinspections=finding.failed_reinspections,
        refused=finding.refused_on is not None,
        rectified=finding.status == "rectified",
        reinspection_passed=finding.reinspection_passed,
    )


def _stored_level(finding: Finding, today: date) -> int:
    """The level kept, as far as `today` knows it: a level set on a later day is not yet reached."""
    set_on = finding.escalation_level_on
    return finding.escalation_level if set_on is None or set_on <= today else 0


def level_of(finding: Finding, today: date, lowered_by: FindingEvent | None = None) -> tuple[int, list[Reason]]:
    """The level to show or keep on `today`: what the facts give, never below the level kept unless
    `lowered_by` is a lowering event. A level kept above the facts says so among the reasons."""
    computed, reasons = escalation_level(today, finding_state(finding), ruleset_for(finding.found_on.year))
    level = kept_escalation_level(_stored_level(finding, today), computed, lowered_by)
    if level > computed:
        reasons = [
            Reason(
                "level_kept",
                f"曾升至{level}级，须经整改、复查合格或闭环方可降低",
            ),
            *reasons,
        ]
    return level, reasons


async def settle_level(
    session: AsyncSession, actor: Actor, finding: Finding, event: FindingEvent | None, *, today: date
) -> int:
    """Store the level `level_of` gives after `event`; a change is recorded as an `escalation` step and audited."""
    before = finding.escalation_level
    level, reasons = level_of(finding, today, event)
    if level == before:
        return level
    finding.escalation_level = level
    finding.escalation_level_on = today
    step = FindingStep(
        finding_id=finding.id,
        kind="escalation",
        actor_id=actor.user_id,
        actor_name=actor.name,
        text="；".join(r.label for r in reasons),
        level_before=before,
        level_after=level,
        level_event=event.value if event else None,
        level_on=today,
    )
    finding.updated_at = utcnow()
    session.add_all([finding, step])
    await session.flush()
    await audit.record(
        session, actor, "finding.escalation", "finding", finding.id, county_code=finding.county_code,
        before={"escalation_level": before},
        after={"escalation_level": level, "event": step.level_event, "on": today.isoformat()},
    )  # fmt: skip
    if level > before:
        await announce(session, "finding.escalated", finding, today)
    return level
