import pytest
from tests.api.record_factories import world, world_database  # noqa: F401

pytestmark = pytest.mark.anyio


async def test_world_builds(world):
    print({k: list(v) for k, v in world.records.items()}, world.shared)
