"""Plan lines in bulk: a 100,000-line plan keeps its figures without a counter row per enterprise, and its ids
come from the server

Revision ID: 0017p
Revises: 0016
Create Date: 2026-11-29 19:00:00

Generating a plan inserts one `plan_item` per enterprise in one COPY. The trigger of 0013k then made a zero
counter (`enterprise_visit_figure`) for every one of them and locked it, so that a visit counted at the same time
either is seen by the new line or waits for it; for 100,000 lines that is 100,000 rows written and locked, and a
GROUP BY over every column of the line that spilled to disk. A statement of at least `BULK_LINES` lines now holds
the counters table instead (SHARE ROW EXCLUSIVE: visits counted meanwhile are waited for, new ones wait for the
plan's commit) and reads the counts with two hash joins. Smaller statements (a line added by hand, a refresh that
brings a few enterprises) keep the row-by-row hold, so a county adding a line does not stop the region's visits.

`plan_item.id` gets `gen_random_uuid()` as its default on PostgreSQL, so the bulk COPY leaves the id to the server
(a Python `uuid4()` per line cost a fifth of the generation); the model keeps its Python default (SQLite).
"""

from collections.abc import Sequence

from sqlalchemy.util import await_only

from alembic import op

revision: str = "0017p"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BULK_LINES = 1000

_ROW_BY_ROW = """
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
"""

UPGRADE = f"""
CREATE OR REPLACE FUNCTION figures_on_new_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT count(*) FROM new_lines) < {BULK_LINES} THEN
{_ROW_BY_ROW}
    RETURN NULL;
  END IF;
  -- a plan's worth of lines: hold every counter until commit (visits counted meanwhile are waited for)
  LOCK TABLE enterprise_visit_figure IN SHARE ROW EXCLUSIVE MODE;
  INSERT INTO plan_line_figure (plan_item_id, plan_id, year, enterprise_id, county_code, risk_class,
                                required_visits, created_at, visits_done, visits_done_here)
  SELECT n.id, n.plan_id, p.year, n.enterprise_id, n.county_code, n.risk_class, n.required_visits, n.created_at,
         coalesce(everywhere.visits, 0), coalesce(here.visits, 0)
    FROM new_lines n JOIN plan p ON p.id = n.plan_id
    LEFT JOIN (SELECT f.enterprise_id, f.year, sum(f.visits) AS visits FROM enterprise_visit_figure f
                WHERE f.enterprise_id IN (SELECT enterprise_id FROM new_lines)
                  AND f.year IN (SELECT y.year FROM plan y WHERE y.id IN (SELECT plan_id FROM new_lines))
                GROUP BY f.enterprise_id, f.year) everywhere
      ON everywhere.enterprise_id = n.enterprise_id AND everywhere.year = p.year
    LEFT JOIN enterprise_visit_figure here
      ON here.enterprise_id = n.enterprise_id AND here.year = p.year AND here.county_code = n.county_code;
  RETURN NULL;
END $$;
ALTER TABLE plan_item ALTER COLUMN id SET DEFAULT gen_random_uuid();
"""

DOWNGRADE = f"""
ALTER TABLE plan_item ALTER COLUMN id DROP DEFAULT;
CREATE OR REPLACE FUNCTION figures_on_new_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{_ROW_BY_ROW}
  RETURN NULL;
END $$;
"""


def _run_script(script: str) -> None:
    """A multi-statement script through the driver itself (a prepared statement holds one statement only)."""
    await_only(op.get_bind().connection.driver_connection.execute(script))


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        _run_script(UPGRADE)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        _run_script(DOWNGRADE)
