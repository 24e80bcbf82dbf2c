from datetime import date

import pytest

from app.domain import visit_rules
from app.domain.errors import RuleViolation
from app.domain.ruleset import RULESETS
from app.domain.visit_rules import InspectorOnVisit, duplicate_visit_warning, validate_visit
from app.domain.visit_types import VisitType

RULES = RULESETS[2022]
TODAY = date(2022, 7, 1)
VISIT_DAY = date(2022, 6, 20)


def inspector(user_id: str, county: str = "652801", **overrides) -> InspectorOnVisit:
    values = dict(
        user_id=user_id,
        county_code=county,
        credential_no=f"65{user_id}0001",
        credential_valid_from=date(2020, 1, 1),
        credential_valid_until=date(2025, 12, 31),
        credential_shown=True,
    )
    return InspectorOnVisit(**{**values, **overrides})


def problems_of(visit_type=VisitType.routine_patrol, visit_date=VISIT_DAY, inspectors=()):
    try:
        validate_visit(
            today=TODAY,
            visit_date=visit_date,
            visit_type=visit_type,
            enterprise_county_code="652801",
            inspectors=list(inspectors),
            ruleset=RULES,
        )
    except RuleViolation as violation:
        return [p.loc for p in violation.problems]
    return []


def test_a_visit_by_two_credentialled_inspectors_who_showed_their_credentials_is_valid():
    assert problems_of(inspectors=[inspector("u1"), inspector("u2")]) == []


def test_a_cross_inspection_by_inspectors_from_another_county_is_valid():
    pair = [inspector("u1", "652802"), inspector("u2", "652823")]
    assert problems_of(VisitType.cross_inspection, inspectors=pair) == []


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        (inspector("u2", credential_no=None), [("inspectors", 1, "credential_no")]),
        (inspector("u2", credential_no="  "), [("inspectors", 1, "credential_no")]),
        (inspector("u2", credential_valid_until=None), [("inspectors", 1, "credential_valid_until")]),
        (
            inspector("u2", credential_valid_until=date(2022, 6, 19)),
            [("inspectors", 1, "credential_valid_until")],
        ),
        (inspector("u2", credential_valid_until=VISIT_DAY), []),
        (
            inspector("u2", credential_valid_from=date(2022, 6, 21)),
            [("inspectors", 1, "credential_valid_from")],
        ),
        (inspector("u2", credential_valid_from=None), []),
        (inspector("u2", credential_shown=False), [("inspectors", 1, "credential_shown")]),
    ],
)
def test_each_inspector_needs_a_credential_valid_on_the_visit_date_and_shown(second, expected):
    assert problems_of(inspectors=[inspector("u1"), second]) == expected


@pytest.mark.parametrize(
    ("inspectors", "expected"),
    [
        ([], [("inspectors",)]),
        ([inspector("u1")], [("inspectors",)]),
        ([inspector("u1"), inspector("u1")], [("inspectors",), ("inspectors", 1)]),
    ],
)
def test_a_visit_needs_at_least_two_distinct_inspectors(inspectors, expected):
    assert problems_of(inspectors=inspectors) == expected


def test_a_cross_inspector_from_the_enterprises_own_county_is_refused():
    pair = [inspector("u1", "652802"), inspector("u2", "652801")]
    assert problems_of(VisitType.cross_inspection, inspectors=pair) == [("inspectors", 1, "county")]


def test_every_problem_of_a_visit_is_reported_at_once():
    bad = inspector("u1", credential_shown=False, credential_valid_until=date(2021, 1, 1))
    locs = problems_of(VisitType.cross_inspection, visit_date=date(2022, 7, 2), inspectors=[bad])
    assert locs == [
        ("visit_date",),
        ("inspectors",),
        ("inspectors", 0, "credential_valid_until"),
        ("inspectors", 0, "credential_shown"),
        ("inspectors", 0, "county"),
    ]


@pytest.mark.parametrize(
    ("last_visit_on", "warns"),
    [(None, False), (date(2022, 5, 21), True), (date(2022, 5, 20), False), (date(2022, 6, 20), True)],
)
def test_a_visit_within_thirty_days_of_the_last_one_warns_of_duplication(last_visit_on, warns):
    warning = duplicate_visit_warning(VISIT_DAY, last_visit_on, RULES)
    assert (warning is not None) is warns
    if warns:
        assert warning.code == "recent_visit"


@pytest.mark.parametrize(
    ("caller_id", "admin_of", "author_id", "visit_county", "may"),
    [
        ("u1", None, "u1", "654201", True),  # its author
        ("u1", None, "u1", "654202", True),  # its author on a cross-inspection in another county
        ("u2", "654201", "u1", "654201", True),  # the admin of its county
        ("u2", None, "u1", "654201", False),  # another inspector of the same county
        ("u2", "654202", "u1", "654201", False),  # the admin of another county
        (None, None, None, "654201", False),  # a service account, on a draft without an author
        ("u2", None, None, "654201", False),
    ],
)
def test_a_draft_is_deleted_by_its_author_or_the_admin_of_its_county(caller_id, admin_of, author_id, visit_county, may):
    rule = visit_rules.may_delete_draft
    assert rule(caller_id=caller_id, caller_is_admin_of=admin_of, author_id=author_id, visit_county=visit_county) is may
