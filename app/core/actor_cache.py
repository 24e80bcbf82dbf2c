"""Signed-in actors remembered for a few seconds per process, so a burst of requests with one token costs one
signature check and one lookup, not one per request.

An entry is keyed by the exact bearer token that was verified, and lives `seconds` (`ACTOR_CACHE_SECONDS`, 0
turns the cache off), never past the token's own expiry. Any flush that writes a user or a revoked token
(sign-out, deactivation, role or county change, password change) clears the whole cache in this process at once;
another worker process notices within `seconds`.
"""

import time

from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

from app.core.actor import Actor
from app.domain.sign_in import Restriction
from app.models import RevokedAccessToken, User

MAX_ENTRIES = 10_000


SignedIn = tuple[Actor, Restriction | None]
"""The actor and what their session is restricted to (an expired password, a second factor to enrol)."""


class ActorCache:
    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, SignedIn]] = {}

    def get(self, token: str) -> SignedIn | None:
        found = self._entries.get(token)
        if found is None:
            return None
        if time.monotonic() >= found[0]:
            self._entries.pop(token, None)
            return None
        return found[1]

    def put(self, token: str, actor: SignedIn, seconds: float) -> None:
        if seconds <= 0:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[token] = (time.monotonic() + seconds, actor)

    def clear(self) -> None:
        self._entries.clear()


actor_cache = ActorCache()
_WATCHED = (User, RevokedAccessToken)


def _clear_on_identity_writes(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, _WATCHED):
            actor_cache.clear()
            session.info["actor_cache_dirty"] = True
            return


def _clear_after_commit(session: Session) -> None:
    """Again once the write is visible: a request that read the old row between flush and commit may have
    cached it."""
    if session.info.pop("actor_cache_dirty", False):
        actor_cache.clear()


if not event.contains(Session, "before_flush", _clear_on_identity_writes):
    event.listen(Session, "before_flush", _clear_on_identity_writes)
    event.listen(Session, "after_commit", _clear_after_commit)
