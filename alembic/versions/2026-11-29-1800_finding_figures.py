"""Kept figures of the findings (found, by severity, rectified, overdue, cases filed, late re-inspections) and of
the ledger per county and day — kept by triggers, so the summary (附件3) reads them as of any day

Revision ID: 0017f
Revises: 0016
Create Date: 2026-11-29 18:00:00

Each figure of a finding is a step function of the summary's `as_of` (app/services/reports/figures.py says how
each is counted). A finding's figures are written as changes on days: +1 on the day it starts to count, -1 on the
day it stops (overdue comes and goes with reports, re-inspections and extensions). Each change is filed under a
year — the year of `found_on`, or for a case the year it was filed — so the summary of `year` as of `as_of` is
the sum of the changes filed under `year` or later, dated `as_of` or before:

- found and its severity: +1 on `found_on`; rectified: +1 on the later of `found_on` and the (Beijing) day it was
  closed, if it is closed;
- overdue: evaluated, with the recount's own rule (`figures_overdue_on`), on every day something it depends on
  changes — found, a deadline passing, a step (extension, report, re-inspection), closed — and written where it
  changes;
- cases filed (a finding with a case filed in the window, once): +1 on each distinct filing day, filed under its
  year, and -1 on the next filing day under the earlier one's year (so a second filing in the window is not
  counted twice, and a filing of a later year still counts in a summary reaching it);
- late re-inspection: +1 on the day it became late, which never reverses (the window of its found-on year is
  `figures_reinspection_window`, written here from the RuleSets: a new RuleSet with another window needs a
  migration that re-creates it and rebuilds; tests/api/test_kept_figures.py checks it against `ruleset_for`).

`finding_figure` keeps each finding's changes (to take them back when the finding or its loop changes);
`finding_day_figure` adds them up per county, year and day (what the summary reads). Triggers on `finding` and on
`finding_step` (the kinds that matter) refresh one finding: its row is locked, its old changes taken back and its
new ones added, increments under the row lock as for the visits (migration 0013k).

The ledger (enterprises on it by the end of `as_of`, by today's class) is kept the same way in
`enterprise_day_figure`, not filed under a year (the ledger is not a year's): +1 on the day an enterprise was
registered if it is operating, or closed later than that day, -1 on the day it was closed. Its changes follow from
the row alone, so statement-level triggers on `enterprise` take back those of the old rows and add those of the
new ones (an import of 100k rows is one grouped statement). SQLite keeps no triggers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from sqlalchemy.util import await_only

from alembic import op

revision: str = "0017f"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIGURES = (
    "findings", "findings_general", "findings_serious_hazard", "findings_violation", "rectified", "overdue",
    "cases_filed", "late_reinspections",
)  # fmt: skip
LOOP_KINDS = "('extension', 'rectification', 'reinspection', 'case')"
REINSPECTION_WINDOW_DAYS = {2022: 15}  # RuleSet year → reinspection_window_days (app/domain/ruleset.py) today


def _window_case() -> str:
    """The re-inspection window of a found-on year: the newest RuleSet's whose year ≤ it, else the first one's."""
    windows = REINSPECTION_WINDOW_DAYS
    whens = " ".join(f"WHEN y >= {year} THEN {windows[year]}" for year in sorted(windows, reverse=True))
    return f"CASE {whens} ELSE {windows[min(windows)]} END"


_SUMS = ", ".join(f"sum({name})::integer" for name in FIGURES)
_NONZERO = " OR ".join(f"sum({name}) <> 0" for name in FIGURES)
_ADD = ", ".join(f"{name} = a.{name} + excluded.{name}" for name in FIGURES)
_COLUMNS = ", ".join(FIGURES)

FUNCTIONS = f"""
CREATE FUNCTION figures_day(t timestamptz) RETURNS date LANGUAGE sql IMMUTABLE AS $$
  SELECT ((t AT TIME ZONE 'UTC') + interval '8 hours')::date
$$;

CREATE FUNCTION figures_reinspection_window(y integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT {_window_case()}
$$;

-- the recount's overdue (figures._findings) for one finding as of the end of day d
CREATE FUNCTION figures_overdue_on(f finding, d date) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    f.found_on <= d
    AND coalesce((SELECT s.deadline_before FROM finding_step s
                   WHERE s.finding_id = f.id AND s.kind = 'extension' AND figures_day(s.at) > d
                   ORDER BY s.at, s.id LIMIT 1), f.deadline) < d
    AND NOT (f.status = 'closed' AND figures_day(f.closed_at) <= d)
    AND CASE
      WHEN latest.kind = 'rectification' THEN false
      WHEN latest.kind = 'reinspection' THEN coalesce(latest.result, '') <> 'pass'
      WHEN EXISTS (SELECT 1 FROM finding_step s
                    WHERE s.finding_id = f.id AND s.kind IN ('rectification', 'reinspection')
                      AND figures_day(s.at) > d) THEN true
      ELSE f.status NOT IN ('rectified', 'awaiting_case')
    END, false)
  FROM (SELECT 1) one
  LEFT JOIN LATERAL (SELECT s.kind, s.result FROM finding_step s
                      WHERE s.finding_id = f.id AND s.kind IN ('rectification', 'reinspection')
                        AND figures_day(s.at) <= d
                      ORDER BY s.at DESC, s.id DESC LIMIT 1) latest ON true
$$;

-- the days overdue may change on (nothing it depends on changes between two of them) and the change there
CREATE FUNCTION figures_overdue_changes(f finding) RETURNS TABLE (day date, delta integer) LANGUAGE sql STABLE AS $$
  SELECT d, CASE WHEN now_overdue THEN 1 ELSE -1 END FROM (
    SELECT d, now_overdue, lag(now_overdue, 1, false) OVER (ORDER BY d) AS was_overdue FROM (
      SELECT d, figures_overdue_on(f, d) AS now_overdue FROM (
        SELECT f.found_on UNION SELECT f.deadline + 1 UNION SELECT figures_day(f.closed_at)
        UNION SELECT figures_day(s.at) FROM finding_step s
         WHERE s.finding_id = f.id AND s.kind IN ('extension', 'rectification', 'reinspection')
        UNION SELECT s.deadline_before + 1 FROM finding_step s WHERE s.finding_id = f.id AND s.kind = 'extension'
      ) days (d) WHERE d IS NOT NULL
    ) evaluated
  ) changes WHERE now_overdue <> was_overdue
$$;

-- a finding's figures as changes (year filed under, day, one column per figure)
CREATE FUNCTION figures_of_finding(f finding)
RETURNS TABLE (year integer, day date, {", ".join(f"{name} integer" for name in FIGURES)})
LANGUAGE sql STABLE AS $$
  WITH found AS (SELECT extract(year FROM f.found_on)::integer AS y),
  filed AS (
    SELECT d, lead(d) OVER (ORDER BY d) AS next_d FROM (
      SELECT DISTINCT s.case_filed_on FROM finding_step s
       WHERE s.finding_id = f.id AND s.kind = 'case' AND s.case_filed_on IS NOT NULL
    ) days (d)
  ),
  changes (y, day, {_COLUMNS}) AS (
    SELECT y, f.found_on, 1, (f.severity = 'general')::integer, (f.severity = 'serious_hazard')::integer,
           (f.severity = 'violation')::integer, 0, 0, 0, 0 FROM found
    UNION ALL
    SELECT y, greatest(f.found_on, figures_day(f.closed_at)), 0, 0, 0, 0, 1, 0, 0, 0 FROM found
     WHERE f.status = 'closed' AND f.closed_at IS NOT NULL
    UNION ALL
    SELECT y, o.day, 0, 0, 0, 0, 0, o.delta, 0, 0 FROM found, figures_overdue_changes(f) o
    UNION ALL
    SELECT extract(year FROM d)::integer, d, 0, 0, 0, 0, 0, 0, 1, 0 FROM filed
    UNION ALL
    SELECT extract(year FROM d)::integer, next_d, 0, 0, 0, 0, 0, 0, -1, 0 FROM filed WHERE next_d IS NOT NULL
    UNION ALL
    SELECT y, greatest(f.found_on, f.deadline + 1, f.deadline + figures_reinspection_window(y) + 1),
           0, 0, 0, 0, 0, 0, 0, 1 FROM found
     WHERE NOT (f.status = 'closed' AND f.reinspected_on IS NULL)
       AND (f.reinspected_on IS NULL OR f.reinspected_on > f.deadline + figures_reinspection_window(y))
  )
  SELECT y, day, {_SUMS} FROM changes GROUP BY y, day HAVING {_NONZERO}
$$;

CREATE FUNCTION figures_refresh_finding(fid uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  -- the finding's row first: two writers of one finding's loop refresh it one after the other (a row that
  -- only references it, such as a risk-list entry, is not held up)
  PERFORM 1 FROM finding WHERE id = fid FOR NO KEY UPDATE;
  INSERT INTO finding_day_figure AS a (county_code, year, day, {_COLUMNS})
  SELECT county_code, y, day, {_SUMS} FROM (
    SELECT k.county_code, k.year, k.day, {", ".join(f"-k.{name}" for name in FIGURES)}
      FROM finding_figure k WHERE k.finding_id = fid
    UNION ALL
    SELECT f.county_code, c.year, c.day, {", ".join(f"c.{name}" for name in FIGURES)}
      FROM finding f, figures_of_finding(f) c WHERE f.id = fid
  ) moved (county_code, y, day, {_COLUMNS})
  GROUP BY county_code, y, day HAVING {_NONZERO}
  ORDER BY county_code, y, day
  ON CONFLICT (county_code, year, day) DO UPDATE SET {_ADD};
  DELETE FROM finding_figure WHERE finding_id = fid;
  INSERT INTO finding_figure (finding_id, county_code, year, day, {_COLUMNS})
  SELECT f.id, f.county_code, c.* FROM finding f, figures_of_finding(f) c WHERE f.id = fid;
END $$;

CREATE FUNCTION figures_on_finding() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO finding_day_figure AS a (county_code, year, day, {_COLUMNS})
    SELECT county_code, year, day, {", ".join(f"-{name}" for name in FIGURES)} FROM finding_figure
     WHERE finding_id = OLD.id ORDER BY county_code, year, day
    ON CONFLICT (county_code, year, day) DO UPDATE SET {_ADD};
    DELETE FROM finding_figure WHERE finding_id = OLD.id;
  ELSE
    PERFORM figures_refresh_finding(NEW.id);
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION figures_on_finding_step() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM figures_refresh_finding(OLD.finding_id); END IF;
  IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.finding_id <> OLD.finding_id) THEN
    PERFORM figures_refresh_finding(NEW.finding_id);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER finding_figures AFTER INSERT OR DELETE
  OR UPDATE OF county_code, severity, found_on, deadline, status, closed_at, reinspected_on
  ON finding FOR EACH ROW EXECUTE FUNCTION figures_on_finding();
CREATE TRIGGER finding_step_figures_insert AFTER INSERT ON finding_step
  FOR EACH ROW WHEN (NEW.kind IN {LOOP_KINDS}) EXECUTE FUNCTION figures_on_finding_step();
CREATE TRIGGER finding_step_figures_delete AFTER DELETE ON finding_step
  FOR EACH ROW WHEN (OLD.kind IN {LOOP_KINDS}) EXECUTE FUNCTION figures_on_finding_step();
CREATE TRIGGER finding_step_figures_update AFTER UPDATE ON finding_step
  FOR EACH ROW WHEN (OLD.kind IN {LOOP_KINDS} OR NEW.kind IN {LOOP_KINDS})
  EXECUTE FUNCTION figures_on_finding_step();
"""

LEDGER = ("enterprises", "enterprises_a", "enterprises_b", "enterprises_c", "enterprises_d")
_LEDGER_COLUMNS = ", ".join(LEDGER)
_LEDGER_SUMS = ", ".join(f"sum({name})::integer" for name in LEDGER)
_LEDGER_ADD = ", ".join(f"{name} = a.{name} + excluded.{name}" for name in LEDGER)


def ledger_changes(rows: str, weight: int) -> str:
    """The ledger's changes of enterprise rows `rows` (a table), times `weight`: on the ledger from the (Beijing)
    day it was registered while operating; a closed one until the day it was closed (figures._ledger)."""

    def counts(w: int) -> str:
        return f"{w}, " + ", ".join(f"{w} * (risk_class = '{c}')::integer" for c in "ABCD")

    lasted = "status = 'closed' AND figures_day(closed_at) > figures_day(created_at)"
    return f"""
    SELECT county_code, figures_day(created_at), {counts(weight)} FROM {rows}
     WHERE created_at IS NOT NULL AND (status = 'operating' OR {lasted})
    UNION ALL
    SELECT county_code, figures_day(closed_at), {counts(-weight)} FROM {rows}
     WHERE created_at IS NOT NULL AND {lasted}"""


def _ledger_trigger(name: str, parts: str) -> str:
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO enterprise_day_figure AS a (county_code, day, {_LEDGER_COLUMNS})
  SELECT county_code, day, {_LEDGER_SUMS} FROM ({parts}) c (county_code, day, {_LEDGER_COLUMNS})
  GROUP BY county_code, day HAVING {" OR ".join(f"sum({n}) <> 0" for n in LEDGER)} ORDER BY county_code, day
  ON CONFLICT (county_code, day) DO UPDATE SET {_LEDGER_ADD};
  RETURN NULL;
END $$;"""


LEDGER_FUNCTIONS = f"""
{_ledger_trigger("figures_on_new_enterprises", ledger_changes("new_rows", 1))}
{_ledger_trigger("figures_on_gone_enterprises", ledger_changes("old_rows", -1))}
{
    _ledger_trigger(
        "figures_on_changed_enterprises", ledger_changes("old_rows", -1) + " UNION ALL " + ledger_changes("new_rows", 1)
    )
}
-- the recount the kept rows must equal (rows that add up to nothing left out): rebuild-figures [--verify]
CREATE VIEW figures_ledger_recount AS
  SELECT county_code, day, {", ".join(f"sum({n})::integer AS {n}" for n in LEDGER)}
    FROM ({ledger_changes("enterprise", 1)}) c (county_code, day, {_LEDGER_COLUMNS})
   GROUP BY county_code, day HAVING {" OR ".join(f"sum({n}) <> 0" for n in LEDGER)};
CREATE TRIGGER enterprise_figures_insert AFTER INSERT ON enterprise
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION figures_on_new_enterprises();
CREATE TRIGGER enterprise_figures_delete AFTER DELETE ON enterprise
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION figures_on_gone_enterprises();
CREATE TRIGGER enterprise_figures_update AFTER UPDATE ON enterprise
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION figures_on_changed_enterprises();
"""

BACKFILL = [
    f"INSERT INTO enterprise_day_figure (county_code, day, {_LEDGER_COLUMNS}) SELECT * FROM figures_ledger_recount",
    f"""INSERT INTO finding_figure (finding_id, county_code, year, day, {_COLUMNS})
        SELECT f.id, f.county_code, c.* FROM finding f, figures_of_finding(f) c""",
    f"""INSERT INTO finding_day_figure (county_code, year, day, {_COLUMNS})
        SELECT county_code, year, day, {_SUMS} FROM finding_figure GROUP BY county_code, year, day""",
]

DROP = """
DROP VIEW IF EXISTS figures_ledger_recount;
DROP TRIGGER IF EXISTS enterprise_figures_update ON enterprise;
DROP TRIGGER IF EXISTS enterprise_figures_delete ON enterprise;
DROP TRIGGER IF EXISTS enterprise_figures_insert ON enterprise;
DROP FUNCTION IF EXISTS figures_on_changed_enterprises();
DROP FUNCTION IF EXISTS figures_on_gone_enterprises();
DROP FUNCTION IF EXISTS figures_on_new_enterprises();
DROP TRIGGER IF EXISTS finding_step_figures_update ON finding_step;
DROP TRIGGER IF EXISTS finding_step_figures_delete ON finding_step;
DROP TRIGGER IF EXISTS finding_step_figures_insert ON finding_step;
DROP TRIGGER IF EXISTS finding_figures ON finding;
DROP FUNCTION IF EXISTS figures_on_finding_step();
DROP FUNCTION IF EXISTS figures_on_finding();
DROP FUNCTION IF EXISTS figures_refresh_finding(uuid);
DROP FUNCTION IF EXISTS figures_of_finding(finding);
DROP FUNCTION IF EXISTS figures_overdue_changes(finding);
DROP FUNCTION IF EXISTS figures_overdue_on(finding, date);
DROP FUNCTION IF EXISTS figures_reinspection_window(integer);
DROP FUNCTION IF EXISTS figures_day(timestamptz);
"""


def _run_script(script: str) -> None:
    """A multi-statement script through the driver itself (a prepared statement holds one statement only)."""
    await_only(op.get_bind().connection.driver_connection.execute(script))


def _figure_columns() -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in FIGURES]


def upgrade() -> None:
    op.create_table(
        "finding_day_figure",
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *_figure_columns(),
        sa.PrimaryKeyConstraint("county_code", "year", "day", name=op.f("pk_finding_day_figure")),
    )
    op.create_table(
        "finding_figure",
        sa.Column("finding_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        *_figure_columns(),
        sa.PrimaryKeyConstraint("finding_id", "year", "day", name=op.f("pk_finding_figure")),
    )
    op.create_table(
        "enterprise_day_figure",
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in LEDGER),
        sa.PrimaryKeyConstraint("county_code", "day", name=op.f("pk_enterprise_day_figure")),
    )
    if op.get_context().dialect.name != "postgresql":
        return
    _run_script(FUNCTIONS)
    _run_script(LEDGER_FUNCTIONS)
    for statement in BACKFILL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        _run_script(DROP)
    op.drop_table("enterprise_day_figure")
    op.drop_table("finding_figure")
    op.drop_table("finding_day_figure")
