"""Which failures mean "the database is away, retry" (503) and which are bugs (500)."""

import errno

import pytest
from sqlalchemy.exc import DBAPIError

from app.core.errors import database_unavailable


class FakeAsyncpgError(Exception):
    def __init__(self, sqlstate: str):
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


class ConnectionDoesNotExistError(Exception):
    pass


def _wrapped(cause: BaseException) -> DBAPIError:
    try:
        raise DBAPIError("SELECT 1", {}, cause) from cause
    except DBAPIError as exc:
        return exc


@pytest.mark.parametrize(
    "cause",
    [
        FakeAsyncpgError("57P01"),  # admin shutdown
        FakeAsyncpgError("57P03"),  # cannot connect now (starting up)
        FakeAsyncpgError("08006"),  # connection failure
        FakeAsyncpgError("53300"),  # too many connections
        ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"),
    ],
    ids=["admin-shutdown", "starting-up", "connection-failure", "too-many-connections", "closed-mid-query", "refused"],
)
def test_a_database_that_is_restarting_or_unreachable_is_unavailable_not_a_bug(cause):
    assert database_unavailable(_wrapped(cause))


@pytest.mark.parametrize(
    "cause",
    [FakeAsyncpgError("57014"), FakeAsyncpgError("23505"), FakeAsyncpgError("42P01"), ValueError("bad")],
    ids=["statement-timeout", "unique-violation", "undefined-table", "plain-bug"],
)
def test_a_query_that_fails_on_a_healthy_database_is_not_reported_as_unavailable(cause):
    assert not database_unavailable(_wrapped(cause))
