import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Jurisdiction


async def list_jurisdictions(session: AsyncSession) -> list[Jurisdiction]:
    return list((await session.exec(select(Jurisdiction).order_by(Jurisdiction.code))).all())


async def county_exists(session: AsyncSession, code: str) -> bool:
    found = await session.get(Jurisdiction, code)
    return found is not None and found.level == "county"


NAMES_TTL_SECONDS = 60.0
_names: dict[str, tuple[float, dict[str, str]]] = {}
"""Jurisdiction names per database (they change only when the prefecture's list is seeded or edited): read once a
minute, not on every request; any flush that writes a jurisdiction in this process forgets them at once."""

_url_keys: dict[int, tuple[Any, str]] = {}
"""Each engine's URL as the names' key, written out once per engine (writing a URL out quotes each of its parts:
some twenty Python calls on every signed-in read); the engine is held beside it, so its id is not reused meanwhile,
and the table is emptied when it holds more than MAX_ENGINES (tests make an engine each)."""
MAX_ENGINES = 16


async def jurisdiction_names(session: AsyncSession) -> dict[str, str]:
    """{code: name} of every jurisdiction (the prefecture and its counties). Do not mutate the answer."""
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    known = _url_keys.get(id(engine))
    if known is not None and known[0] is engine:
        key = known[1]
    else:
        if len(_url_keys) >= MAX_ENGINES:
            _url_keys.clear()
        key = str(engine.url)
        _url_keys[id(engine)] = (engine, key)
    found = _names.get(key)
    if found is not None and time.monotonic() < found[0]:
        return found[1]
    names = dict((await session.exec(select(Jurisdiction.code, Jurisdiction.name))).all())
    _names[key] = (time.monotonic() + NAMES_TTL_SECONDS, names)
    return names


def _forget_on_write(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    if any(isinstance(obj, Jurisdiction) for obj in (*session.new, *session.dirty, *session.deleted)):
        _names.clear()
        session.info["jurisdictions_written"] = True


def _forget_at_the_end(session: Session, *_: object) -> None:
    """Again when the writing transaction ends: committed, or rolled back (names read in between are gone)."""
    if session.info.pop("jurisdictions_written", False):
        _names.clear()


if not event.contains(Session, "before_flush", _forget_on_write):
    event.listen(Session, "before_flush", _forget_on_write)
    event.listen(Session, "after_commit", _forget_at_the_end)
    event.listen(Session, "after_rollback", _forget_at_the_end)
