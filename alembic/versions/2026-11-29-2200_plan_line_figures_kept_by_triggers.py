"""A plan line's figures follow the line by triggers instead of a foreign key

Revision ID: 0019p
Revises: 0018
Create Date: 2026-11-29 22:00:00

`plan_line_figure.plan_item_id` referenced `plan_item.id` (ON DELETE CASCADE). Its rows are written by the insert
trigger of `plan_item` for the lines the same statement has just inserted, so the foreign key's check, a query and
a row lock per line, proved nothing there and cost ~0.8–1.3 CPU-s of the backend's ~5 s in a 100,000-line plan.
The same guarantees now come from statement-level triggers:

* deleting lines deletes their figures (was ON DELETE CASCADE), truncating `plan_item` deletes them all;
* a line's id cannot change while it has figures (was NO ACTION);
* a figure written by anything but a trigger (the rebuild, a script) must name existing lines, which it holds
  FOR KEY SHARE until commit so a concurrent delete waits for it, as the foreign key did; one set-based check
  per statement. A figure written inside a trigger (`pg_trigger_depth() > 0`) is the insert trigger's, whose
  lines are the rows its own statement inserted and no one else can see yet.
"""

from collections.abc import Sequence

from sqlalchemy.util import await_only

from alembic import op

revision: str = "0019p"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOREIGN_KEY = "fk_plan_line_figure_plan_item_id_plan_item"

UPGRADE = f"""
ALTER TABLE plan_line_figure DROP CONSTRAINT {FOREIGN_KEY};

CREATE FUNCTION figures_on_deleted_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM plan_line_figure f USING old_lines o WHERE f.plan_item_id = o.id;
  RETURN NULL;
END $$;

CREATE FUNCTION figures_on_truncated_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM plan_line_figure;  -- not TRUNCATE: the statement may be truncating this table too
  RETURN NULL;
END $$;

CREATE FUNCTION figures_refuse_line_id_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM plan_line_figure WHERE plan_item_id = OLD.id) THEN
    RAISE EXCEPTION 'plan line % has kept figures: its id cannot change', OLD.id
      USING ERRCODE = 'foreign_key_violation', TABLE = 'plan_line_figure', CONSTRAINT = '{FOREIGN_KEY}';
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION figures_of_existing_lines() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE missing uuid;
BEGIN
  PERFORM 1 FROM plan_item i WHERE i.id IN (SELECT plan_item_id FROM new_figures) FOR KEY SHARE OF i;
  SELECT n.plan_item_id INTO missing FROM new_figures n
   WHERE NOT EXISTS (SELECT 1 FROM plan_item i WHERE i.id = n.plan_item_id) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'kept figures of plan line %, which does not exist', missing
      USING ERRCODE = 'foreign_key_violation', TABLE = 'plan_line_figure', CONSTRAINT = '{FOREIGN_KEY}';
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION figures_of_an_existing_line() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM plan_item i WHERE i.id = NEW.plan_item_id FOR KEY SHARE OF i;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'kept figures of plan line %, which does not exist', NEW.plan_item_id
      USING ERRCODE = 'foreign_key_violation', TABLE = 'plan_line_figure', CONSTRAINT = '{FOREIGN_KEY}';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER plan_item_figures_delete AFTER DELETE ON plan_item
  REFERENCING OLD TABLE AS old_lines FOR EACH STATEMENT EXECUTE FUNCTION figures_on_deleted_lines();
CREATE TRIGGER plan_item_figures_truncate AFTER TRUNCATE ON plan_item
  FOR EACH STATEMENT EXECUTE FUNCTION figures_on_truncated_lines();
CREATE TRIGGER plan_item_figures_id BEFORE UPDATE OF id ON plan_item
  FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION figures_refuse_line_id_change();
CREATE TRIGGER plan_line_figure_line_inserted AFTER INSERT ON plan_line_figure
  REFERENCING NEW TABLE AS new_figures FOR EACH STATEMENT WHEN (pg_trigger_depth() < 1)
  EXECUTE FUNCTION figures_of_existing_lines();
CREATE TRIGGER plan_line_figure_line_changed AFTER UPDATE OF plan_item_id ON plan_line_figure
  FOR EACH ROW WHEN (OLD.plan_item_id IS DISTINCT FROM NEW.plan_item_id)
  EXECUTE FUNCTION figures_of_an_existing_line();
"""

DOWNGRADE = f"""
DROP TRIGGER plan_line_figure_line_changed ON plan_line_figure;
DROP TRIGGER plan_line_figure_line_inserted ON plan_line_figure;
DROP TRIGGER plan_item_figures_id ON plan_item;
DROP TRIGGER plan_item_figures_truncate ON plan_item;
DROP TRIGGER plan_item_figures_delete ON plan_item;
DROP FUNCTION figures_of_an_existing_line();
DROP FUNCTION figures_of_existing_lines();
DROP FUNCTION figures_refuse_line_id_change();
DROP FUNCTION figures_on_truncated_lines();
DROP FUNCTION figures_on_deleted_lines();
ALTER TABLE plan_line_figure ADD CONSTRAINT {FOREIGN_KEY}
  FOREIGN KEY (plan_item_id) REFERENCES plan_item (id) ON DELETE CASCADE;
"""


def _run_script(script: str) -> None:
    """A multi-statement script through the driver itself (a prepared statement holds one statement only)."""
    await_only(op.get_bind().connection.driver_connection.execute(script))


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        _run_script(UPGRADE)
        return
    with op.batch_alter_table("plan_line_figure") as batch_op:  # SQLite keeps no figures: the table is empty
        batch_op.drop_constraint(FOREIGN_KEY, type_="foreignkey")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        _run_script(DOWNGRADE)
        return
    with op.batch_alter_table("plan_line_figure") as batch_op:
        batch_op.create_foreign_key(FOREIGN_KEY, "plan_item", ["plan_item_id"], ["id"], ondelete="CASCADE")
