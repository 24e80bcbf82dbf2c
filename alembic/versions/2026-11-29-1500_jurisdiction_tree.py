"""One deployment for a whole region: the jurisdiction tree (region → prefecture → county) as a stored path, the
node of every account, and one plan per prefecture and year

`jurisdiction.path` holds the codes from the root down, each followed by "/" (`650000/654200/654201/`); a node's
subtree is the rows whose path starts with its own, and every scope is that. Existing rows get their path from
their parents as they are (a prefecture with no parent is a root until `python -m app.cli seed` hangs it under
the region). `user.jurisdiction_code` and `service_account.jurisdiction_code` name the node an account belongs to:
its county for a county account, else the deployment's one prefecture (left null when there is not exactly
one). `plan.prefecture_code` is the prefecture whose plan it is: one plan per prefecture and year instead of
one per year; `disclosure.prefecture_code` the prefecture that published the batch.

Downgrade drops the columns; it fails on the unique year if two prefectures hold a plan for the same year.

Revision ID: 0015r
Revises: 0014
Create Date: 2026-11-29 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015r"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JURISDICTION = sa.table(
    "jurisdiction",
    sa.column("code", sa.String()),
    sa.column("level", sa.String()),
    sa.column("parent_code", sa.String()),
    sa.column("path", sa.String()),
)
ACCOUNTS = ("user", "service_account")


def _paths(parents: dict[str, str | None]) -> dict[str, str]:
    paths: dict[str, str] = {}

    def path(code: str) -> str:
        if code not in paths:
            parent = parents[code]
            paths[code] = (path(parent) if parent else "") + f"{code}/"
        return paths[code]

    for code in parents:
        path(code)
    return paths


def upgrade() -> None:
    connection = op.get_bind()
    with op.batch_alter_table("jurisdiction", schema=None) as batch_op:
        batch_op.add_column(sa.Column("path", sa.String(length=64), nullable=True))
    parents = dict(connection.execute(sa.select(JURISDICTION.c.code, JURISDICTION.c.parent_code)).all())
    statement = JURISDICTION.update().where(JURISDICTION.c.code == sa.bindparam("_code"))
    rows = [{"_code": code, "_path": path} for code, path in _paths(parents).items()]
    if rows:
        connection.execute(statement.values(path=sa.bindparam("_path")), rows)
    with op.batch_alter_table("jurisdiction", schema=None) as batch_op:
        batch_op.alter_column("path", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index(
            "ix_jurisdiction_path", ["path"], unique=False, postgresql_ops={"path": "varchar_pattern_ops"}
        )

    prefectures = [
        code for (code,) in connection.execute(sa.text("SELECT code FROM jurisdiction WHERE level = 'prefecture'"))
    ]
    sole = prefectures[0] if len(prefectures) == 1 else None
    for table in ACCOUNTS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("jurisdiction_code", sa.String(length=12), nullable=True))
            batch_op.create_foreign_key(
                op.f(f"fk_{table}_jurisdiction_code_jurisdiction"), "jurisdiction", ["jurisdiction_code"], ["code"]
            )
            if table == "user":
                batch_op.create_index(op.f("ix_user_jurisdiction_code"), ["jurisdiction_code"], unique=False)
        connection.execute(
            sa.text(f'UPDATE "{table}" SET jurisdiction_code = COALESCE(county_code, :sole)'), {"sole": sole}
        )

    for table, lines in (("plan", "plan_item"), ("disclosure", "disclosure_entry")):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("prefecture_code", sa.String(length=12), nullable=True))
        in_prefecture = (
            f"SELECT j.parent_code FROM {lines} i JOIN jurisdiction j ON j.code = i.county_code"
            f" WHERE i.{table}_id = {table}.id LIMIT 1"
        )
        connection.execute(
            sa.text(f"UPDATE {table} SET prefecture_code = COALESCE(({in_prefecture}), :sole)"), {"sole": sole}
        )
    with op.batch_alter_table("disclosure", schema=None) as batch_op:
        batch_op.create_foreign_key(
            op.f("fk_disclosure_prefecture_code_jurisdiction"), "jurisdiction", ["prefecture_code"], ["code"]
        )
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.alter_column("prefecture_code", existing_type=sa.String(length=12), nullable=False)
        batch_op.create_foreign_key(
            op.f("fk_plan_prefecture_code_jurisdiction"), "jurisdiction", ["prefecture_code"], ["code"]
        )
        batch_op.drop_index("ix_plan_year")
        batch_op.create_index(op.f("ix_plan_year"), ["year"], unique=False)
        batch_op.create_unique_constraint(op.f("uq_plan_prefecture_code_year"), ["prefecture_code", "year"])


def downgrade() -> None:
    with op.batch_alter_table("disclosure", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_disclosure_prefecture_code_jurisdiction"), type_="foreignkey")
        batch_op.drop_column("prefecture_code")
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_plan_prefecture_code_year"), type_="unique")
        batch_op.drop_index(op.f("ix_plan_year"))
        batch_op.create_index(op.f("ix_plan_year"), ["year"], unique=True)
        batch_op.drop_constraint(op.f("fk_plan_prefecture_code_jurisdiction"), type_="foreignkey")
        batch_op.drop_column("prefecture_code")
    for table in ACCOUNTS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == "user":
                batch_op.drop_index(op.f("ix_user_jurisdiction_code"))
            batch_op.drop_constraint(op.f(f"fk_{table}_jurisdiction_code_jurisdiction"), type_="foreignkey")
            batch_op.drop_column("jurisdiction_code")
    with op.batch_alter_table("jurisdiction", schema=None) as batch_op:
        batch_op.drop_index("ix_jurisdiction_path", postgresql_ops={"path": "varchar_pattern_ops"})
        batch_op.drop_column("path")
