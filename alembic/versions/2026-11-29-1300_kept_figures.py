"""Kept figures: counted visits per county and day, per enterprise and year, per plan line — kept by triggers

Revision ID: 0013k
Revises: 0012
Create Date: 2026-11-29 13:00:00

The summary (附件3) and plan progress read these instead of counting a year of visits on every call. On
PostgreSQL, triggers on `visit` and `plan_item` keep them in the transaction of every write, whatever wrote it
(a service, an import, a script, a test builder); each change is an increment (`n = n + delta`) under the row
lock, so two inspectors submitting at once both count. `python -m app.cli rebuild-figures [--verify]` rebuilds or
checks them. SQLite (the demo) has the tables but no triggers: there the figures are counted live.

A visit counts toward the frequency when it is archived and went through the full checklist
(`app.domain.visit_types.counts_toward_frequency`: every visit type counts then). If that rule changes, a new
migration re-creates `figures_counts` and runs the rebuild.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from sqlalchemy.util import await_only

from alembic import op

revision: str = "0013k"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTING_TYPES = (
    "routine_patrol",
    "cross_inspection",
    "flight_inspection",
    "double_random",
    "licence_review",
    "post_licence",
    "reinspection",
)

FUNCTIONS = f"""
CREATE FUNCTION figures_counts(status text, visit_type text, full_check boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT status = 'archived' AND full_check IS TRUE AND visit_type IN ({", ".join(f"'{t}'" for t in COUNTING_TYPES)})
$$;

CREATE FUNCTION figures_add_visit(e uuid, county text, day date, delta integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE y integer := extract(year FROM day)::integer;
BEGIN
  -- the enterprise's counter first: its row lock orders this visit against a plan line added at the same time
  INSERT INTO enterprise_visit_figure AS f (enterprise_id, year, county_code, visits) VALUES (e, y, county, delta)
  ON CONFLICT (enterprise_id, year, county_code) DO UPDATE SET visits = f.visits + excluded.visits;
  INSERT INTO visit_day_figure AS f (county_code, visit_date, visits) VALUES (county, day, delta)
  ON CONFLICT (county_code, visit_date) DO UPDATE SET visits = f.visits + excluded.visits;
  UPDATE plan_line_figure
     SET visits_done = visits_done + delta,
         visits_done_here = visits_done_here + CASE WHEN county_code = county THEN delta ELSE 0 END
   WHERE enterprise_id = e AND year = y;
END $$;

CREATE FUNCTION figures_on_visit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE was boolean := false; now_counts boolean := false;
BEGIN
  IF TG_OP <> 'INSERT' THEN was := figures_counts(OLD.status, OLD.visit_type, OLD.covers_full_checklist); END IF;
  IF TG_OP <> 'DELETE' THEN now_counts := figures_counts(NEW.status, NEW.visit_type, NEW.covers_full_checklist); END IF;
  IF was AND now_counts AND OLD.enterprise_id = NEW.enterprise_id AND OLD.county_code = NEW.county_code
     AND OLD.visit_date = NEW.visit_date THEN
    RETURN NULL;
  END IF;
  IF was THEN PERFORM figures_add_visit(OLD.enterprise_id, OLD.county_code, OLD.visit_date, -1); END IF;
  IF now_counts THEN PERFORM figures_add_visit(NEW.enterprise_id, NEW.county_code, NEW.visit_date, 1); END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION figures_on_new_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- hold the enterprises' counters (made if missing) so a visit counted at the same time is seen or waits
  INSERT INTO enterprise_visit_figure (enterprise_id, year, county_code, visits)
  SELECT DISTINCT n.enterprise_id, p.year, n.county_code, 0 FROM new_lines n JOIN plan p ON p.id = n.plan_id
  ON CONFLICT DO NOTHING;
  PERFORM 1 FROM enterprise_visit_figure f
    JOIN (SELECT DISTINCT n.enterprise_id, p.year FROM new_lines n JOIN plan p ON p.id = n.plan_id) k
      ON k.enterprise_id = f.enterprise_id AND k.year = f.year
    FOR UPDATE OF f;
  INSERT INTO plan_line_figure (plan_item_id, plan_id, year, enterprise_id, county_code, risk_class,
                                required_visits, created_at, visits_done, visits_done_here)
  SELECT n.id, n.plan_id, p.year, n.enterprise_id, n.county_code, n.risk_class, n.required_visits, n.created_at,
         coalesce(sum(f.visits), 0), coalesce(sum(f.visits) FILTER (WHERE f.county_code = n.county_code), 0)
    FROM new_lines n JOIN plan p ON p.id = n.plan_id
    LEFT JOIN enterprise_visit_figure f ON f.enterprise_id = n.enterprise_id AND f.year = p.year
   GROUP BY n.id, n.plan_id, p.year, n.enterprise_id, n.county_code, n.risk_class, n.required_visits, n.created_at;
  RETURN NULL;
END $$;

CREATE FUNCTION figures_on_changed_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE plan_line_figure f
     SET required_visits = n.required_visits, risk_class = n.risk_class, county_code = n.county_code,
         created_at = n.created_at,
         visits_done_here = CASE WHEN f.county_code = n.county_code THEN f.visits_done_here ELSE coalesce(
           (SELECT e.visits FROM enterprise_visit_figure e
             WHERE e.enterprise_id = f.enterprise_id AND e.year = f.year AND e.county_code = n.county_code), 0) END
    FROM new_lines n
   WHERE f.plan_item_id = n.id
     AND (f.required_visits, f.risk_class, f.county_code, f.created_at)
         IS DISTINCT FROM (n.required_visits, n.risk_class, n.county_code, n.created_at);
  RETURN NULL;
END $$;

CREATE TRIGGER visit_figures AFTER INSERT OR DELETE
  OR UPDATE OF status, visit_type, covers_full_checklist, enterprise_id, county_code, visit_date
  ON visit FOR EACH ROW EXECUTE FUNCTION figures_on_visit();
CREATE TRIGGER plan_item_figures_insert AFTER INSERT ON plan_item
  REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION figures_on_new_lines();
CREATE TRIGGER plan_item_figures_update AFTER UPDATE ON plan_item
  REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION figures_on_changed_lines();
"""

COUNTED = f"""status = 'archived' AND covers_full_checklist IS TRUE
  AND visit_type IN ({", ".join(f"'{t}'" for t in COUNTING_TYPES)})"""

BACKFILL = [
    f"""INSERT INTO enterprise_visit_figure (enterprise_id, year, county_code, visits)
        SELECT enterprise_id, extract(year FROM visit_date)::integer, county_code, count(*) FROM visit
         WHERE {COUNTED} GROUP BY 1, 2, 3""",
    f"""INSERT INTO visit_day_figure (county_code, visit_date, visits)
        SELECT county_code, visit_date, count(*) FROM visit WHERE {COUNTED} GROUP BY 1, 2""",
    """INSERT INTO plan_line_figure (plan_item_id, plan_id, year, enterprise_id, county_code, risk_class,
                                     required_visits, created_at, visits_done, visits_done_here)
       SELECT i.id, i.plan_id, p.year, i.enterprise_id, i.county_code, i.risk_class, i.required_visits, i.created_at,
              coalesce(sum(f.visits), 0), coalesce(sum(f.visits) FILTER (WHERE f.county_code = i.county_code), 0)
         FROM plan_item i JOIN plan p ON p.id = i.plan_id
         LEFT JOIN enterprise_visit_figure f ON f.enterprise_id = i.enterprise_id AND f.year = p.year
        GROUP BY i.id, p.year""",
]

DROP = """
DROP TRIGGER IF EXISTS plan_item_figures_update ON plan_item;
DROP TRIGGER IF EXISTS plan_item_figures_insert ON plan_item;
DROP TRIGGER IF EXISTS visit_figures ON visit;
DROP FUNCTION IF EXISTS figures_on_changed_lines();
DROP FUNCTION IF EXISTS figures_on_new_lines();
DROP FUNCTION IF EXISTS figures_on_visit();
DROP FUNCTION IF EXISTS figures_add_visit(uuid, text, date, integer);
DROP FUNCTION IF EXISTS figures_counts(text, text, boolean);
"""


def _run_script(script: str) -> None:
    """A multi-statement script through the driver itself (a prepared statement holds one statement only)."""
    await_only(op.get_bind().connection.driver_connection.execute(script))


def _code() -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=12)


def upgrade() -> None:
    op.create_table(
        "visit_day_figure",
        sa.Column("county_code", _code(), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("county_code", "visit_date", name=op.f("pk_visit_day_figure")),
    )
    op.create_table(
        "enterprise_visit_figure",
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("county_code", _code(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("enterprise_id", "year", "county_code", name=op.f("pk_enterprise_visit_figure")),
    )
    op.create_table(
        "plan_line_figure",
        sa.Column("plan_item_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("county_code", _code(), nullable=False),
        sa.Column("risk_class", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("required_visits", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visits_done", sa.Integer(), nullable=False),
        sa.Column("visits_done_here", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_item_id"],
            ["plan_item.id"],
            name=op.f("fk_plan_line_figure_plan_item_id_plan_item"),
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("plan_item_id", name=op.f("pk_plan_line_figure")),
    )
    with op.batch_alter_table("plan_line_figure", schema=None) as batch_op:
        batch_op.create_index("ix_plan_line_figure_plan_id_county_code", ["plan_id", "county_code"], unique=False)
        batch_op.create_index("ix_plan_line_figure_enterprise_id_year", ["enterprise_id", "year"], unique=False)
    # the summary's "was the plan changed after as_of?" looks up the plan's latest adjustment
    with op.batch_alter_table("plan_adjustment", schema=None) as batch_op:
        batch_op.create_index("ix_plan_adjustment_plan_id_at", ["plan_id", "at"], unique=False)
    if op.get_context().dialect.name != "postgresql":
        return
    _run_script(FUNCTIONS)
    for statement in BACKFILL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        _run_script(DROP)
    with op.batch_alter_table("plan_adjustment", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_adjustment_plan_id_at")
    with op.batch_alter_table("plan_line_figure", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_line_figure_enterprise_id_year")
        batch_op.drop_index("ix_plan_line_figure_plan_id_county_code")
    op.drop_table("plan_line_figure")
    op.drop_table("enterprise_visit_figure")
    op.drop_table("visit_day_figure")
