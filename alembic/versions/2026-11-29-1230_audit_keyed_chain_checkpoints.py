"""Audit chain keyed, signed checkpoints, append-only on SQLite too, six months' retention in the database

- audit_event gains `seal` and `key_id`: new events are sealed by an HMAC (SHA-256 or SM3) under a key from the
  settings. Events already sealed are left exactly as they are (seal NULL: the unkeyed SHA-256 they were sealed
  by, still verifiable); the first signed checkpoint records the last of them (`legacy_until`), and no unkeyed
  event is accepted after it. Nothing is re-sealed: history is not rewritten, and hashes an auditor already holds
  stay valid.
- audit_checkpoint: signed (position, head hash, time), append-only.
- Triggers on both backends: UPDATE (and TRUNCATE) of audit events is refused; DELETE is refused for an event
  younger than 180 days (GB/T 22239-2019 level 3: kept at least six months); checkpoints refuse UPDATE and DELETE.

Revision ID: 0013a
Revises: 0012
Create Date: 2026-11-29 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0013a"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RETENTION = "180 days"

POSTGRES_UP = (
    "DROP TRIGGER audit_event_append_only ON audit_event",
    """
    CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
    END;
    $$
    """,
    """
    CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR TRUNCATE ON audit_event
        FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()
    """,
    f"""
    CREATE FUNCTION audit_event_retention() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.at > now() - interval '{RETENTION}' THEN
            RAISE EXCEPTION 'audit_event is append-only: DELETE of an event younger than {RETENTION} refused'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN OLD;
    END;
    $$
    """,
    """
    CREATE TRIGGER audit_event_retention BEFORE DELETE ON audit_event
        FOR EACH ROW EXECUTE FUNCTION audit_event_retention()
    """,
    """
    CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_checkpoint
        FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()
    """,
)

POSTGRES_DOWN = (
    "DROP TRIGGER audit_checkpoint_append_only ON audit_checkpoint",
    "DROP TRIGGER audit_event_retention ON audit_event",
    "DROP FUNCTION audit_event_retention()",
    "DROP TRIGGER audit_event_append_only ON audit_event",
    """
    CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END;
    $$
    """,
    """
    CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_event
        FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()
    """,
)

# SQLite stores `at` as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC, which compares as text with datetime('now', …).
SQLITE_TRIGGERS = {
    "audit_event_no_update": "BEFORE UPDATE ON audit_event BEGIN "
    "SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE refused'); END",
    "audit_event_retention": f"BEFORE DELETE ON audit_event WHEN OLD.at > datetime('now', '-{RETENTION}') BEGIN "
    f"SELECT RAISE(ABORT, 'audit_event is append-only: DELETE of an event younger than {RETENTION} refused'); END",
    "audit_checkpoint_no_update": "BEFORE UPDATE ON audit_checkpoint BEGIN "
    "SELECT RAISE(ABORT, 'audit_checkpoint is append-only: UPDATE refused'); END",
    "audit_checkpoint_no_delete": "BEFORE DELETE ON audit_checkpoint BEGIN "
    "SELECT RAISE(ABORT, 'audit_checkpoint is append-only: DELETE refused'); END",
}


def _big() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch_op:  # plain ADD COLUMN on SQLite: the table is kept
        batch_op.add_column(sa.Column("seal", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))
    op.create_table(
        "audit_checkpoint",
        sa.Column("id", _big(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("position", _big(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("legacy_until", _big(), nullable=False),
        sa.Column("seal", sa.String(length=16), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoint")),
    )
    op.create_index(op.f("ix_audit_checkpoint_position"), "audit_checkpoint", ["position"])
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_UP:  # asyncpg runs one statement at a time
            op.execute(statement)
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_DOWN:
            op.execute(statement)
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_index(op.f("ix_audit_checkpoint_position"), table_name="audit_checkpoint")
    op.drop_table("audit_checkpoint")
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.drop_column("key_id")
        batch_op.drop_column("seal")
