"""Rule 5: what makes an on-site visit valid (计划 五), and the duplicate-visit warning (计划 七（三）)."""

from dataclasses import dataclass
from datetime import date

from app.domain.errors import Problem, raise_if_any
from app.domain.reasons import Reason
from app.domain.ruleset import RuleSet
from app.domain.visit_types import VisitType


@dataclass(frozen=True)
class InspectorOnVisit:
    """One inspector on a visit, with their enforcement credential (执法证) as recorded on the form."""

    user_id: str
    county_code: str
    credential_no: str | None
    credential_valid_from: date | None
    credential_valid_until: date | None
    credential_shown: bool


def _credential_problems(i: int, inspector: InspectorOnVisit, visit_date: date) -> list[Problem]:
    loc = ("inspectors", i)
    problems = []
    if not (inspector.credential_no or "").strip():
        problems.append(Problem((*loc, "credential_no"), "credential_no_missing"))
    if inspector.credential_valid_until is None:
        problems.append(Problem((*loc, "credential_valid_until"), "credential_expiry_date_missing"))
    elif inspector.credential_valid_until < visit_date:
        problems.append(
            Problem(
                (*loc, "credential_valid_until"),
                "credential_expired",
            )
        )
    if inspector.credential_valid_from is not None and inspector.credential_valid_from > visit_date:
        problems.append(
            Problem(
                (*loc, "credential_valid_from"),
                "credential_not_yet_valid",
            )
        )
    if not inspector.credential_shown:
        problems.append(Problem((*loc, "credential_shown"), "credential_must_be_shown_on_site"))
    return problems


def validate_visit(
    *,
    today: date,
    visit_date: date,
    visit_type: VisitType,
    enterprise_county_code: str,
    inspectors: list[InspectorOnVisit],
    ruleset: RuleSet,
) -> None:
    """计划 五、日常监督检查方式: 由2名以上（含2名）监督检查人员参加，当场出示有效证件; 计划 三 交叉互查
    by inspectors of another county; a visit is recorded after it happened. Raises with every problem.
    """
    problems = []
    if visit_date > today:
        problems.append(Problem(("visit_date",), "visit_date_in_future"))
    distinct = {inspector.user_id for inspector in inspectors}
    if len(distinct) < ruleset.min_inspectors:
        problems.append(
            Problem(
                ("inspectors",),
                "too_few_inspectors",
                min_inspectors=ruleset.min_inspectors,
            )
        )
    seen: set[str] = set()
    for i, inspector in enumerate(inspectors):
        if inspector.user_id in seen:
            problems.append(Problem(("inspectors", i), "inspector_listed_twice"))
        seen.add(inspector.user_id)
        problems.extend(_credential_problems(i, inspector, visit_date))
        if visit_type == VisitType.cross_inspection and inspector.county_code == enterprise_county_code:
            problems.append(
                Problem(
                    ("inspectors", i, "county"),
                    "cross_inspection_needs_other_county",
                )
            )
    raise_if_any(problems)


def duplicate_visit_warning(visit_date: date, last_visit_on: date | None, ruleset: RuleSet) -> Reason | None:
    """计划 七（三）避免重复检查: a warning (not an error) when the enterprise had a visit within
    `duplicate_visit_window_days` before this one.
    """
    if last_visit_on is None:
        return None
    gap = (visit_date - last_visit_on).days
    if 0 <= gap <= ruleset.duplicate_visit_window_days:
        return Reason(
            "recent_visit",
            f"该企业{gap}天前刚接受过检查，请统筹安排、避免重复检查",
        )
    return None


def may_delete_draft(
    *, caller_id: str | None, caller_is_admin_of: str | None, author_id: str | None, visit_county: str
) -> bool:
    """An abandoned draft is deleted by its author, or by the admin of the visit's county (`caller_is_admin_of`:
    the county a county admin administers, else None). Anyone else who may see it may not delete it."""
    return (caller_id is not None and caller_id == author_id) or caller_is_admin_of == visit_county
