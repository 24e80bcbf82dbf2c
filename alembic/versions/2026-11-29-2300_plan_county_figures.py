"""The plan lines' kept counters rolled up per plan, county and day the lines were added — kept by triggers, so
the summary (附件3) reads a few rows per county instead of every line of the plan

Revision ID: 0019s
Revises: 0018
Create Date: 2026-11-29 23:00:00

The summary's plan figures of a county are sums over its lines' kept counters (`plan_line_figure`, 0013k): lines,
required visits, visits done capped at the required ones (counting the visits made in the line's county), lines
fully inspected, and — to know whether the counters answer for `as_of` — the lines added after it and the lines
with visits made outside their county. At 1M visits that was a scan of ~95k lines per call. `plan_county_figure`
keeps those sums per plan, county and (Beijing) day the lines were added; statement-level triggers on
`plan_line_figure` take back what the old rows gave and add what the new ones give, in the transaction of the
write, whatever wrote the line's counters (a visit counted, a line added, adjusted, moved or deleted). A change that
moves no sum (a visit beyond the required ones, in the line's county) writes nothing, so it takes no row lock.
SQLite keeps no triggers (the readers count live there).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from sqlalchemy.util import await_only

from alembic import op

revision: str = "0019s"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUMS = ("plan_lines", "required_visits", "plan_visits_done", "fully_inspected", "lines_elsewhere")


def _given(rows: str, sign: str) -> str:
    """What the lines of `rows` give to the sums, signed."""
    return f"""SELECT plan_id, county_code, figures_created_on(created_at) AS created_on,
           {sign} AS plan_lines, {sign} * required_visits AS required_visits,
           {sign} * least(visits_done_here, required_visits) AS plan_visits_done,
           {sign} * (visits_done_here >= required_visits)::integer AS fully_inspected,
           {sign} * (visits_done <> visits_done_here)::integer AS lines_elsewhere
      FROM {rows}"""


def _insert(changes: str) -> str:
    """Insert `changes` summed up per plan, county and day, in key order (two writers lock the rows they share in
    the same order); the sums that add up to nothing are left out."""
    sums = ", ".join(f"sum({name})" for name in SUMS)
    return f"""
  INSERT INTO plan_county_figure AS f (plan_id, county_code, created_on, {", ".join(SUMS)})
  SELECT plan_id, county_code, created_on, {sums}
    FROM ({changes}) c
   GROUP BY plan_id, county_code, created_on
  HAVING {" OR ".join(f"sum({name}) <> 0" for name in SUMS)}
   ORDER BY plan_id, county_code, created_on"""


def _add(changes: str) -> str:
    """Add `changes` to the sums (an increment under the row lock)."""
    return f"""{_insert(changes)}
  ON CONFLICT (plan_id, county_code, created_on) DO UPDATE
     SET {", ".join(f"{name} = f.{name} + excluded.{name}" for name in SUMS)};
"""


FUNCTIONS = f"""
CREATE FUNCTION figures_created_on(at timestamptz) RETURNS date LANGUAGE sql IMMUTABLE AS $$
  SELECT ((at AT TIME ZONE 'UTC') + interval '8 hours')::date  -- the Beijing day (app/services/reports/figures.py)
$$;

CREATE FUNCTION figures_on_new_line_figures() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{_add(_given("new_figures", "1"))}
  RETURN NULL;
END $$;

CREATE FUNCTION figures_on_changed_line_figures() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{_add(_given("new_figures", "1") + " UNION ALL " + _given("old_figures", "-1"))}
  RETURN NULL;
END $$;

CREATE FUNCTION figures_on_deleted_line_figures() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{_add(_given("old_figures", "-1"))}
  RETURN NULL;
END $$;

CREATE TRIGGER plan_line_figure_rollup_insert AFTER INSERT ON plan_line_figure
  REFERENCING NEW TABLE AS new_figures FOR EACH STATEMENT EXECUTE FUNCTION figures_on_new_line_figures();
CREATE TRIGGER plan_line_figure_rollup_update AFTER UPDATE ON plan_line_figure
  REFERENCING OLD TABLE AS old_figures NEW TABLE AS new_figures
  FOR EACH STATEMENT EXECUTE FUNCTION figures_on_changed_line_figures();
CREATE TRIGGER plan_line_figure_rollup_delete AFTER DELETE ON plan_line_figure
  REFERENCING OLD TABLE AS old_figures FOR EACH STATEMENT EXECUTE FUNCTION figures_on_deleted_line_figures();
"""

BACKFILL = _insert(_given("plan_line_figure", "1"))

DROP = """
DROP TRIGGER IF EXISTS plan_line_figure_rollup_delete ON plan_line_figure;
DROP TRIGGER IF EXISTS plan_line_figure_rollup_update ON plan_line_figure;
DROP TRIGGER IF EXISTS plan_line_figure_rollup_insert ON plan_line_figure;
DROP FUNCTION IF EXISTS figures_on_deleted_line_figures();
DROP FUNCTION IF EXISTS figures_on_changed_line_figures();
DROP FUNCTION IF EXISTS figures_on_new_line_figures();
DROP FUNCTION IF EXISTS figures_created_on(timestamptz);
"""


def _run_script(script: str) -> None:
    """A multi-statement script through the driver itself (a prepared statement holds one statement only)."""
    await_only(op.get_bind().connection.driver_connection.execute(script))


def upgrade() -> None:
    op.create_table(
        "plan_county_figure",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in SUMS),
        sa.PrimaryKeyConstraint("plan_id", "county_code", "created_on", name=op.f("pk_plan_county_figure")),
    )
    if op.get_context().dialect.name != "postgresql":
        return
    _run_script(FUNCTIONS)
    op.execute(BACKFILL)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        _run_script(DROP)
    op.drop_table("plan_county_figure")
