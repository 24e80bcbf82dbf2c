"""Things a transaction appends that take their place only when it commits: the audit trail and the event outbox.

`put` queues an item on the session, remembering the innermost transaction (or savepoint) it was queued in; at
commit the `seal` callback gets every item still queued, in the order they were put, inside the commit — where it
takes a lock held for the commit alone and numbers them. A rollback drops what the undone transaction (or
savepoint) queued, so a rolled-back write leaves nothing behind.
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction
from sqlmodel.ext.asyncio.session import AsyncSession


class CommitQueue:
    def __init__(self, key: str, seal: Callable[[Session, list[Any]], None]) -> None:
        self.key = key
        self._seal = seal

        def before_commit(session: Session) -> None:
            if session.in_nested_transaction():
                return  # a savepoint is released: its items wait for the real commit
            queued = session.info.pop(key, None)
            if queued:
                seal(session, [item for item, _ in queued])

        def after_soft_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
            if not previous_transaction.nested:
                session.info.pop(key, None)
                return

            def undone(transaction: SessionTransaction | None) -> bool:
                while transaction is not None:
                    if transaction is previous_transaction:
                        return True
                    transaction = transaction.parent
                return False

            queued = session.info.get(key)
            if queued:
                session.info[key] = [(i, t) for i, t in queued if not undone(t)]

        self._before_commit = before_commit
        self._after_soft_rollback = after_soft_rollback

    def install(self) -> None:
        """Register the hooks on every ORM session (idempotent)."""
        if not self.installed():
            sa_event.listen(Session, "before_commit", self._before_commit)
            sa_event.listen(Session, "after_soft_rollback", self._after_soft_rollback)

    def installed(self) -> bool:
        return sa_event.contains(Session, "before_commit", self._before_commit)

    async def put(self, session: AsyncSession, item: Any) -> None:
        self.install()
        await session.connection()  # begins the transaction, so a rollback of it is seen and drops the item
        sync = session.sync_session
        sync.info.setdefault(self.key, []).append((item, sync.get_nested_transaction() or sync.get_transaction()))
