"""Job engine: procrastinate's schema (PostgreSQL), uploads kept for import jobs, a cancel flag on the heartbeat

procrastinate's own schema file (pinned with the package, procrastinate 3.10) is applied as it ships; its later
versions bring their migrations, which later revisions here apply. On SQLite there is no job engine (the app runs
the same tasks in process), so only our tables change there.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 10:00:00
"""

from collections.abc import Sequence
from importlib.resources import files

import sqlalchemy as sa
from sqlalchemy.util import await_only

from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROP_PROCRASTINATE = r"""
DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs, procrastinate_workers
    CASCADE;
DO $$
DECLARE fn regprocedure;
BEGIN
    FOR fn IN SELECT oid::regprocedure FROM pg_proc WHERE proname LIKE 'procrastinate\_%' LOOP
        EXECUTE 'DROP FUNCTION ' || fn || ' CASCADE';
    END LOOP;
END $$;
DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type, procrastinate_job_status CASCADE;
"""


def _run_script(script: str) -> None:
    """A multi-statement script through the driver itself (a prepared statement holds one statement only)."""
    await_only(op.get_bind().connection.driver_connection.execute(script))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _run_script(files("procrastinate.sql").joinpath("schema.sql").read_text(encoding="utf-8"))
    op.create_table(
        "import_upload",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"], ["enterprise_import.id"], name=op.f("fk_import_upload_import_id_enterprise_import"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("import_id", name=op.f("pk_import_upload")),
    )  # fmt: skip
    with op.batch_alter_table("import_heartbeat") as batch_op:
        batch_op.add_column(sa.Column("cancel_requested", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("import_heartbeat") as batch_op:
        batch_op.drop_column("cancel_requested")
    op.drop_table("import_upload")
    if op.get_bind().dialect.name == "postgresql":
        _run_script(DROP_PROCRASTINATE)
