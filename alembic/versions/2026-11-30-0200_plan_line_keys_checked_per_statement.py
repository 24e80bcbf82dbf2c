"""A plan line's plan, enterprise and county are checked once per statement by triggers instead of foreign keys

Revision ID: 0021p
Revises: 0020
Create Date: 2026-11-30 02:00:00

`plan_item.plan_id → plan.id`, `plan_item.enterprise_id → enterprise.id` and `plan_item.county_code →
jurisdiction.code` were foreign keys: each checked per inserted row, three queries and three row locks per line,
~0.6–0.9 CPU-s of the backend's ~2.2 s in a 100,000-line plan (INSERT … SELECT of the lines, rolled back, with and
without the keys). The same guarantees now come from triggers, the lines' side once per statement (PostgreSQL only;
SQLite keeps the keys):

* lines written (INSERT, COPY) must name an existing plan, enterprise and county: one statement-level trigger locks
  the parents the new lines name FOR KEY SHARE, as the keys' checks did (so a concurrent delete or key change of a
  parent waits for this transaction), then finds any line whose parent is missing with one anti-join per key;
* a line's plan, enterprise or county changed (UPDATE) must name an existing one, locked the same way (per row, and
  only when the value changes: rewriting a line with its own county, as a refresh does, checks nothing, as the key
  did);
* a plan, enterprise or county that lines still name cannot be deleted (was NO ACTION: checked at the end of the
  statement, so a row deleted and written again with the same key by one statement goes on), cannot change its key,
  and cannot be truncated unless `plan_item` is emptied by the same statement (the same error as the key's). A
  trigger cannot see CASCADE, so `TRUNCATE plan CASCADE` no longer reaches `plan_item`: it is refused while lines
  exist, and `TRUNCATE plan, plan_item CASCADE` names them.

The parents' triggers read the lines with a snapshot of their own statement: under READ COMMITTED (the
application's level) a delete that waited for a writer of lines sees its lines. A parent deleted under REPEATABLE
READ right after another transaction committed lines naming it is not refused (the key raised a serialization
failure there): the application deletes no plan, enterprise or county.
"""

from collections.abc import Sequence

from sqlalchemy.util import await_only

from alembic import op

revision: str = "0021p"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLAN_KEY = "fk_plan_item_plan_id_plan"
ENTERPRISE_KEY = "fk_plan_item_enterprise_id_enterprise"
COUNTY_KEY = "fk_plan_item_county_code_jurisdiction"
# (key, line's column, parent table, parent's column, what the parent is called in a message)
KEYS = (
    (PLAN_KEY, "plan_id", "plan", "id", "plan"),
    (ENTERPRISE_KEY, "enterprise_id", "enterprise", "id", "enterprise"),
    (COUNTY_KEY, "county_code", "jurisdiction", "code", "county"),
)


def _raise(key: str, message: str, value: str | None = None) -> str:
    argument = "" if value is None else f", {value}"
    return (
        f"RAISE EXCEPTION '{message}'{argument} USING ERRCODE = 'foreign_key_violation', "
        f"TABLE = 'plan_item', CONSTRAINT = '{key}';"
    )


def _lines_side() -> str:
    (plan_key, _, _, _, _), (enterprise_key, *_), (county_key, *_) = KEYS
    row_checks = "\n".join(
        f"""  IF OLD.{column} IS DISTINCT FROM NEW.{column} THEN
    PERFORM 1 FROM {parent} p WHERE p.{pk} = NEW.{column} FOR KEY SHARE OF p;
    IF NOT FOUND THEN
      {_raise(key, f"plan line of {name} %, which does not exist", f"NEW.{column}")}
    END IF;
  END IF;"""
        for key, column, parent, pk, name in KEYS
    )
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for _, column, *_ in KEYS)
    columns = ", ".join(column for _, column, *_ in KEYS)
    return f"""
CREATE FUNCTION plan_lines_name_existing_parents() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  plans uuid[]; counties text[]; lines bigint; expected bigint; got bigint; missing text;
BEGIN
  -- the few plans and counties the lines name, in one pass over them
  SELECT array_agg(DISTINCT g.plan_id), array_agg(DISTINCT g.county_code), sum(g.n) INTO plans, counties, lines
    FROM (SELECT plan_id, county_code, count(*) AS n FROM new_lines GROUP BY plan_id, county_code) g;
  IF lines IS NULL THEN  -- the statement wrote no line
    RETURN NULL;
  END IF;
  LOOP  -- each parent locked as the key's check locked it; one no longer there is missing
    PERFORM 1 FROM plan p WHERE p.id = ANY (plans) FOR KEY SHARE OF p;
    GET DIAGNOSTICS got = ROW_COUNT;
    EXIT WHEN got = cardinality(plans);
    SELECT x::text INTO missing FROM unnest(plans) x WHERE NOT EXISTS (SELECT 1 FROM plan p WHERE p.id = x) LIMIT 1;
    IF FOUND THEN
      {_raise(plan_key, "plan line of plan %, which does not exist", "missing")}
    END IF;  -- else one came back meanwhile: lock again
  END LOOP;
  LOOP
    PERFORM 1 FROM jurisdiction p WHERE p.code = ANY (counties) FOR KEY SHARE OF p;
    GET DIAGNOSTICS got = ROW_COUNT;
    EXIT WHEN got = cardinality(counties);
    SELECT x INTO missing FROM unnest(counties) x WHERE NOT EXISTS (SELECT 1 FROM jurisdiction p WHERE p.code = x)
     LIMIT 1;
    IF FOUND THEN
      {_raise(county_key, "plan line of county %, which does not exist", "missing")}
    END IF;
  END LOOP;
  expected := lines;  -- a line per enterprise, unless one statement writes an enterprise into two plans
  LOOP
    PERFORM 1 FROM enterprise p WHERE p.id IN (SELECT enterprise_id FROM new_lines) FOR KEY SHARE OF p;
    GET DIAGNOSTICS got = ROW_COUNT;
    EXIT WHEN got = expected;
    SELECT n.enterprise_id::text INTO missing FROM new_lines n
     WHERE NOT EXISTS (SELECT 1 FROM enterprise p WHERE p.id = n.enterprise_id) LIMIT 1;
    IF FOUND THEN
      {_raise(enterprise_key, "plan line of enterprise %, which does not exist", "missing")}
    END IF;
    SELECT count(DISTINCT enterprise_id) INTO expected FROM new_lines;
    EXIT WHEN got = expected;
  END LOOP;
  RETURN NULL;
END $$;

CREATE FUNCTION plan_line_names_existing_parents() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{row_checks}
  RETURN NULL;
END $$;

CREATE TRIGGER plan_item_parents_inserted AFTER INSERT ON plan_item
  REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION plan_lines_name_existing_parents();
CREATE TRIGGER plan_item_parents_changed AFTER UPDATE OF {columns} ON plan_item
  FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION plan_line_names_existing_parents();
"""


def _parent_side(key: str, column: str, parent: str, pk: str, name: str) -> str:
    return f"""
CREATE FUNCTION {parent}_deleted_without_plan_lines() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE named text;
BEGIN
  SELECT o.{pk}::text INTO named FROM old_rows o
   WHERE EXISTS (SELECT 1 FROM plan_item i WHERE i.{column} = o.{pk})
     AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{pk} = o.{pk}) LIMIT 1;
  IF FOUND THEN
    {_raise(key, f"{name} % is named by plan lines: it cannot be deleted", "named")}
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION {parent}_key_kept_under_plan_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM plan_item i WHERE i.{column} = OLD.{pk}) THEN
    {_raise(key, f"{name} % is named by plan lines: its key cannot change", f"OLD.{pk}")}
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION {parent}_truncated_without_plan_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM plan_item) THEN
    RAISE EXCEPTION 'cannot truncate a table referenced in a foreign key constraint'
      USING ERRCODE = 'feature_not_supported', DETAIL = 'Table "plan_item" references "{parent}".',
            HINT = 'Truncate table "plan_item" at the same time.';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER {parent}_plan_lines_delete AFTER DELETE ON {parent}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {parent}_deleted_without_plan_lines();
CREATE TRIGGER {parent}_plan_lines_key BEFORE UPDATE OF {pk} ON {parent}
  FOR EACH ROW WHEN (OLD.{pk} IS DISTINCT FROM NEW.{pk}) EXECUTE FUNCTION {parent}_key_kept_under_plan_lines();
CREATE TRIGGER {parent}_plan_lines_truncate AFTER TRUNCATE ON {parent}
  FOR EACH STATEMENT EXECUTE FUNCTION {parent}_truncated_without_plan_lines();
"""


UPGRADE = (
    f"ALTER TABLE plan_item DROP CONSTRAINT {PLAN_KEY}, DROP CONSTRAINT {ENTERPRISE_KEY}, "
    f"DROP CONSTRAINT {COUNTY_KEY};\n" + _lines_side() + "".join(_parent_side(*key) for key in KEYS)
)

DOWNGRADE = (
    "DROP TRIGGER plan_item_parents_changed ON plan_item;\n"
    "DROP TRIGGER plan_item_parents_inserted ON plan_item;\n"
    "DROP FUNCTION plan_line_names_existing_parents();\n"
    "DROP FUNCTION plan_lines_name_existing_parents();\n"
    + "".join(
        f"DROP TRIGGER {parent}_plan_lines_truncate ON {parent};\n"
        f"DROP TRIGGER {parent}_plan_lines_key ON {parent};\n"
        f"DROP TRIGGER {parent}_plan_lines_delete ON {parent};\n"
        f"DROP FUNCTION {parent}_truncated_without_plan_lines();\n"
        f"DROP FUNCTION {parent}_key_kept_under_plan_lines();\n"
        f"DROP FUNCTION {parent}_deleted_without_plan_lines();\n"
        for _, _, parent, _, _ in KEYS
    )
    + "".join(
        f"ALTER TABLE plan_item ADD CONSTRAINT {key} FOREIGN KEY ({column}) REFERENCES {parent} ({pk});\n"
        for key, column, parent, pk, _ in KEYS
    )
)


def _run_script(script: str) -> None:
    """A multi-statement script through the driver itself (a prepared statement holds one statement only)."""
    await_only(op.get_bind().connection.driver_connection.execute(script))


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        _run_script(UPGRADE)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        _run_script(DOWNGRADE)
