"""The fast request path keeps its promises: a remembered sign-in is forgotten the moment the user changes,
the list and read answers are exactly `EnterpriseRead`, and a read-only session holds no transaction."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, column, select, table, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.core import db
from app.core.db import make_engine, make_read_sessionmaker, make_sessionmaker, read_rows
from app.domain.permissions import Role
from app.models import Enterprise, Jurisdiction
from app.models.base import UTCDateTime
from app.schemas.enterprise import EnterpriseRead
from tests.builders import WUSU, as_role, make_enterprise, new_credit_code

pytestmark = pytest.mark.anyio
URL = "/api/v1/enterprises"


async def test_a_deactivated_user_is_refused_on_the_next_request_though_the_token_was_just_used(client, session):
    user, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    assert (await client.get(URL, headers=headers)).status_code == 200
    user.is_active = False
    session.add(user)
    await session.commit()
    assert (await client.get(URL, headers=headers)).status_code == 401


async def test_a_role_change_takes_effect_on_the_next_request(client, session):
    user, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    body = {"credit_code": new_credit_code(), "name": "恒通水泥厂", "county_code": "654201"}
    assert (await client.get(URL, headers=headers)).status_code == 200
    user.role = Role.COUNTY_INSPECTOR.value
    session.add(user)
    await session.commit()
    assert (await client.post(URL, json=body, headers=headers)).status_code == 403


async def test_the_read_and_the_list_answer_exactly_what_enterprise_read_serialises(client, session):
    closed_at = datetime(2026, 3, 4, 5, 6, 7, 890_000, tzinfo=UTC)
    e = await make_enterprise(
        session, county_code=WUSU, key_region=True, key_product=True, status="closed", closed_at=closed_at
    )
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    expected = EnterpriseRead.model_validate(e)
    expected.county_name = "乌苏市"
    want = expected.model_dump(mode="json")

    read = await client.get(f"{URL}/{e.id}", headers=headers)
    assert read.json() == want and read.headers["ETag"] == f'W/"{e.version}"'
    assert list(read.json()) == list(want)  # the same field order as the documented schema
    page = (await client.get(URL, params={"county_code": WUSU, "status": "closed"}, headers=headers)).json()
    assert page["items"] == [want] and page["total"] == 1
    assert set(page) == {"items", "limit", "has_more", "next", "total", "offset", "cursor", "as_of", "closed_ids"}


async def test_a_page_counts_the_total_when_asked_and_a_first_page_holding_everything_knows_it(client, session):
    for _ in range(3):
        await make_enterprise(session, county_code=WUSU)
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    full = (await client.get(URL, params={"county_code": WUSU, "limit": 2}, headers=headers)).json()
    counted = (await client.get(URL, params={"county_code": WUSU, "limit": 2, "total": "true"}, headers=headers)).json()
    short = (await client.get(full["next"], headers=headers)).json()
    whole = (await client.get(URL, params={"county_code": WUSU, "limit": 3}, headers=headers)).json()
    assert (len(full["items"]), full["total"], counted["total"]) == (2, None, 3)
    assert (len(short["items"]), short["total"], short["next"]) == (1, None, None)
    assert (len(whole["items"]), whole["total"], whole["has_more"]) == (3, 3, False)


@pytest.mark.postgres_only
async def test_a_read_only_session_reads_outside_a_transaction(pg_engine):
    async def xids(maker) -> set[int]:  # noqa: ANN001
        async with maker() as s:
            return {(await s.exec(text("SELECT txid_current()"))).one()[0] for _ in range(2)}

    assert len(await xids(make_read_sessionmaker(pg_engine))) == 2  # each statement its own transaction
    assert len(await xids(make_sessionmaker(pg_engine))) == 1


def test_enterprise_columns_cover_the_read_schema():
    from app.services.ledger.encoding import COLUMNS

    names = {c.name for c in COLUMNS}
    assert set(EnterpriseRead.model_fields) - {"county_name"} <= names
    assert names == set(Enterprise.__table__.c.keys())


@pytest.mark.postgres_only
async def test_a_pooled_connection_that_died_while_idle_is_replaced_before_a_request_uses_it(
    database_url, pg_engine, monkeypatch
):
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # every pooled connection counts as idle
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            first = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        async with pg_engine.connect() as other:  # the server drops it while it sits in the pool
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        async with engine.connect() as conn:
            second = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert second != first
    finally:
        await engine.dispose()


@pytest.mark.postgres_only
async def test_a_read_only_session_reads_rows_on_a_borrowed_connection_exactly_as_sqlalchemy_would(pg_engine):
    at = bindparam("at", type_=UTCDateTime).label("at")  # a type with its own processing both ways
    stmt = select(Jurisdiction.code, Jurisdiction.name, at).where(Jurisdiction.level == "county").order_by("code")
    params = {"at": datetime(2026, 3, 4, 13, 6, 7, tzinfo=timezone(timedelta(hours=8)))}
    maker = make_read_sessionmaker(pg_engine)
    async with maker() as s:
        expected = [dict(row) for row in (await s.execute(stmt, params)).mappings()]
    lent = pg_engine.pool.checkedout()
    async with maker() as s:
        rows = await read_rows(s, stmt, params)
        assert not s.in_transaction()  # the session itself never connected
    assert rows == expected and len(rows) > 1 and pg_engine.pool.checkedout() == lent
    assert rows[0]["at"].tzinfo is UTC and rows[0]["at"] == params["at"] and list(rows[0]) == ["code", "name", "at"]


@pytest.mark.postgres_only
async def test_a_driver_read_that_fails_raises_the_ordinary_database_error_and_returns_its_connection(pg_engine):
    missing = table("no_such_table", column("id")).select().where(column("id") == bindparam("id"))
    lent = pg_engine.pool.checkedout()
    async with make_read_sessionmaker(pg_engine)() as s:
        with pytest.raises(DBAPIError, match="no_such_table"):
            await read_rows(s, missing, {"id": 1})
    assert pg_engine.pool.checkedout() == lent


@pytest.mark.postgres_only
@pytest.mark.parametrize("pooled", [True, False], ids=["the-apps-pool", "no-pool"])
async def test_borrowed_connections_go_back_whole_and_the_database_sees_no_more_of_them(
    pg_engine, database_url, caplog, pooled
):
    """A borrowed connection is given back inside SQLAlchemy's greenlet: given back from plain async code, closing
    it (no pool, as the schemathesis apps run) cannot run, the pool drops it unclosed, and the database's
    connections pile up until PostgreSQL refuses more."""
    engine = pg_engine if pooled else create_async_engine(database_url, poolclass=NullPool)
    stmt = select(Jurisdiction.code).where(Jurisdiction.code == bindparam("code"))
    maker = make_read_sessionmaker(engine)
    count = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
    try:
        async with pg_engine.connect() as watcher:
            before = (await watcher.execute(count)).scalar_one()
            for _ in range(12):
                async with maker() as s:
                    assert await read_rows(s, stmt, {"code": "654201"}) == [{"code": "654201"}]
            after = (await watcher.execute(count)).scalar_one()
    finally:
        if not pooled:
            await engine.dispose()
    assert after <= before + 1  # at most the one connection a pool keeps for the next read
    assert not [r for r in caplog.records if r.name.startswith("sqlalchemy.pool") and r.levelname == "ERROR"]


def _request_for(maker, endpoint):  # noqa: ANN001, ANN202
    """What `get_session` reads of a request: the app's sessionmaker and the endpoint chosen."""
    from types import SimpleNamespace

    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(sessionmaker=maker)), scope={"endpoint": endpoint})


async def _through(request, use) -> None:  # noqa: ANN001
    """The session dependency run as FastAPI runs it: entered, used, then finished without an error."""
    sessions = db.get_session(request)
    await use(await sessions.__anext__())
    with pytest.raises(StopAsyncIteration):
        await sessions.__anext__()


@pytest.mark.postgres_only
async def test_a_request_session_that_holds_no_transaction_and_no_object_is_not_closed_and_leaves_no_connection_lent(
    pg_engine, monkeypatch
):
    from sqlmodel.ext.asyncio.session import AsyncSession

    closed: list[object] = []
    original = AsyncSession.close

    async def counted(self) -> None:  # noqa: ANN001
        closed.append(self)
        await original(self)

    monkeypatch.setattr(AsyncSession, "close", counted)

    @db.read_only
    async def a_read() -> None: ...

    async def a_write() -> None: ...

    stmt = select(Jurisdiction.code).order_by(Jurisdiction.code)
    maker = make_sessionmaker(pg_engine)
    lent = pg_engine.pool.checkedout()
    rows: list[object] = []

    async def read(s) -> None:  # noqa: ANN001
        rows.extend(await read_rows(s, stmt, {}))

    await _through(_request_for(maker, a_read), read)
    assert rows and closed == [] and pg_engine.pool.checkedout() == lent

    async def query(s) -> None:  # noqa: ANN001
        await s.exec(text("SELECT 1"))
        assert s.in_transaction()

    await _through(_request_for(maker, a_write), query)  # the commit ended its transaction and gave the connection back
    assert closed == [] and pg_engine.pool.checkedout() == lent
    await _through(_request_for(maker, a_read), lambda s: s.get(Jurisdiction, WUSU))  # it holds an object: closed
    assert len(closed) == 1 and pg_engine.pool.checkedout() == lent
