"""Every migration has a working downgrade: up to the newest schema, down to nothing, and up again."""

import pytest

from alembic import command
from app.cli import alembic_config, migrate
from tests.conftest import BACKEND
from tests.databases import scratch_database


@pytest.mark.postgres_only
def test_the_schema_goes_down_to_nothing_and_up_again_on_postgresql():
    if BACKEND != "postgres":
        pytest.skip("runs on PostgreSQL")
    with scratch_database("zhijian_migrations") as url:  # created at the newest schema
        command.downgrade(alembic_config(url), "base")
        migrate(url)
        command.downgrade(alembic_config(url), "0007")  # the newest steps alone, down and up
        migrate(url)


def test_the_schema_goes_down_to_nothing_and_up_again_on_sqlite(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'round-trip.db'}"
    migrate(url)
    command.downgrade(alembic_config(url), "base")
    migrate(url)
