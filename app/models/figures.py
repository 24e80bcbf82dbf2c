"""Kept figures (migration 0013k): counted visits kept per county and day, per enterprise and year, and per plan
line, so the summary (附件3) and plan progress read them instead of counting a year of visits on every call.

On PostgreSQL triggers keep them in the transaction of every write to `visit` and `plan_item` (increments under
the row lock); `python -m app.cli rebuild-figures [--verify]` rebuilds or checks them. Not kept on SQLite.
A "counted" visit is archived and counts toward the frequency (`app.domain.visit_types`). The findings' figures
(migration 0017f) are kept the same way by triggers on `finding` and `finding_step`."""

import uuid
from datetime import date, datetime

from sqlalchemy import Column, Index, Uuid
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime


class VisitDayFigure(SQLModel, table=True):
    """Counted visits of a county on a day (the county's rollup, summed up to any `as_of`)."""

    __tablename__ = "visit_day_figure"

    county_code: str = Field(primary_key=True, max_length=12)
    visit_date: date = Field(primary_key=True)
    visits: int


class EnterpriseVisitFigure(SQLModel, table=True):
    """Counted visits of an enterprise in a year, by the county the visits were made in."""

    __tablename__ = "enterprise_visit_figure"

    enterprise_id: uuid.UUID = Field(primary_key=True)
    year: int = Field(primary_key=True)
    county_code: str = Field(primary_key=True, max_length=12)
    visits: int


class PlanLineFigure(SQLModel, table=True):
    """A plan line's counted visits in the plan's year: all of them, and those made in the line's county
    (what a county user's progress counts), beside a copy of the line's fields the figures group by."""

    __tablename__ = "plan_line_figure"
    __table_args__ = (
        Index("ix_plan_line_figure_plan_id_county_code", "plan_id", "county_code"),
        Index("ix_plan_line_figure_enterprise_id_year", "enterprise_id", "year"),
    )

    # the line's id; no foreign key: triggers keep the figures with their line (migration 0019p)
    plan_item_id: uuid.UUID = Field(sa_column=Column(Uuid, primary_key=True))
    plan_id: uuid.UUID
    year: int
    enterprise_id: uuid.UUID
    county_code: str = Field(max_length=12)
    risk_class: str = Field(max_length=1)
    required_visits: int
    created_at: datetime = Field(sa_type=UTCDateTime)
    visits_done: int
    visits_done_here: int


class PlanCountyFigure(SQLModel, table=True):
    """The lines of a plan in a county added on one (Beijing) day, summed from their `PlanLineFigure` rows
    (migration 0019s): what the summary (附件3) reads of the plan, a few rows per county instead of every line."""

    __tablename__ = "plan_county_figure"

    plan_id: uuid.UUID = Field(primary_key=True)
    county_code: str = Field(primary_key=True, max_length=12)
    created_on: date = Field(primary_key=True)
    plan_lines: int
    required_visits: int
    plan_visits_done: int  # the visits made in the line's county, each line capped at its required visits
    fully_inspected: int
    lines_elsewhere: int  # lines with counted visits made outside their county


FINDING_FIGURES = (
    "findings", "findings_general", "findings_serious_hazard", "findings_violation", "rectified", "overdue",
    "cases_filed", "late_reinspections",
)  # fmt: skip  # the columns of the two tables below, as the summary names them


class _FindingFigures(SQLModel):
    """The columns named by FINDING_FIGURES, shared by the two tables below."""

    findings: int
    findings_general: int
    findings_serious_hazard: int
    findings_violation: int
    rectified: int
    overdue: int
    cases_filed: int
    late_reinspections: int


class FindingDayFigure(_FindingFigures, table=True):
    """The findings' figures of a county as changes on a day, filed under a year (migration 0017f): the summary
    of `year` as of `as_of` adds up the rows filed under `year` or later and dated `as_of` or before."""

    __tablename__ = "finding_day_figure"

    county_code: str = Field(primary_key=True, max_length=12)
    year: int = Field(primary_key=True)
    day: date = Field(primary_key=True)


class FindingFigure(_FindingFigures, table=True):
    """One finding's changes (what it adds to `finding_day_figure`), kept to take them back when it changes."""

    __tablename__ = "finding_figure"

    finding_id: uuid.UUID = Field(primary_key=True)
    year: int = Field(primary_key=True)
    day: date = Field(primary_key=True)
    county_code: str = Field(max_length=12)


LEDGER_FIGURES = ("enterprises", "enterprises_a", "enterprises_b", "enterprises_c", "enterprises_d")


class EnterpriseDayFigure(SQLModel, table=True):
    """The ledger of a county as changes on a day (migration 0017f): enterprises on it by the end of `as_of`, by
    today's class, are the sum of the changes dated `as_of` or before."""

    __tablename__ = "enterprise_day_figure"

    county_code: str = Field(primary_key=True, max_length=12)
    day: date = Field(primary_key=True)
    enterprises: int
    enterprises_a: int
    enterprises_b: int
    enterprises_c: int
    enterprises_d: int
