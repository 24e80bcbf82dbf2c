"""Checking the audit chain against its seals and its signed checkpoints, and writing checkpoints.

An event passes when its link (previous hash), position and seal are right: keyed events by their HMAC under a key
the settings list, events from before the switch (no seal) by their unkeyed SHA-256 — but only up to the position
the checkpoints signed as the end of the unkeyed part. The newest checkpoint pins the length of the chain, so events
removed from its end (truncation) are reported, and where.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.audit_keys import AuditKeys
from app.core.i18n import text
from app.domain.errors import Message
from app.models import AuditCheckpoint, AuditEvent
from app.schemas.audit import AuditChainReport, AuditCheckpointRead
from app.services.common.audit import GENESIS_HASH, check_checkpoint, check_event, new_checkpoint

VERIFY_BATCH = 2000


@dataclass
class _Walk:
    checkpoints: list[AuditCheckpoint]
    by_position: dict[int, list[AuditCheckpoint]] = field(default_factory=dict)
    checked: int = 0
    unkeyed: int = 0
    keyed_seen: bool = False
    prev_hash: str = GENESIS_HASH
    last_seq: int = 0

    def __post_init__(self) -> None:
        for checkpoint in self.checkpoints:
            self.by_position.setdefault(checkpoint.position, []).append(checkpoint)

    @property
    def latest(self) -> AuditCheckpoint | None:
        return max(self.checkpoints, key=lambda c: (c.position, c.id or 0), default=None)

    @property
    def legacy_until(self) -> int | None:
        return min((c.legacy_until for c in self.checkpoints), default=None)

    def report(self, said: Message, *, event: AuditEvent | None = None, seq: int | None = None) -> AuditChainReport:
        """The report, its detail worded in the caller's language."""
        latest = self.latest
        return AuditChainReport(
            events_checked=self.checked,
            intact=event is None and seq is None,
            first_break_id=event.id if event is not None else None,
            first_break_seq=event.seq if event is not None else seq,
            detail=text(said),
            code=said.code,
            checkpoints_checked=len(self.checkpoints),
            latest_checkpoint=AuditCheckpointRead.model_validate(latest) if latest else None,
            events_after_checkpoint=max(self.last_seq - latest.position, 0) if latest else self.checked,
            unkeyed_events=self.unkeyed,
        )

    def step(self, keys: AuditKeys, event: AuditEvent) -> Message | None:
        """Why `event` breaks the chain, or None (and the walk moves past it)."""
        self.checked += 1
        if self.checked == 1 and event.seq > 1:
            anchors = [c for c in self.by_position.get(event.seq - 1, []) if c.head_hash == event.prev_hash]
            if not anchors:
                return Message("audit_earlier_events_removed", event_id=event.id)
        elif event.prev_hash != self.prev_hash:
            return Message("audit_link_broken", event_id=event.id)
        elif event.seq != self.last_seq + 1:
            return Message("audit_position_gap", event_id=event.id, seq=self.last_seq + 1)
        if event.seal is None:
            limit = self.legacy_until
            if self.keyed_seen or (limit is not None and event.seq > limit):
                return Message("audit_unkeyed_after_keyed", event_id=event.id)
            self.unkeyed += 1
        else:
            self.keyed_seen = True
        problem = check_event(keys, event.prev_hash, event)
        if problem:
            return Message("audit_event_altered", event_id=event.id, problem=problem)
        for checkpoint in self.by_position.get(event.seq, []):
            if checkpoint.head_hash != event.hash:
                return Message("audit_checkpoint_differs", seq=event.seq, checkpoint_id=checkpoint.id)
        self.prev_hash, self.last_seq = event.hash, event.seq
        return None


async def verify_chain(session: AsyncSession, *, keys: AuditKeys) -> AuditChainReport:
    """Walk the chain in sealing order (seq) against the signed checkpoints; report the first break."""
    fresh = {"populate_existing": True}  # what the database holds, not what this session remembers
    stmt = select(AuditCheckpoint).order_by(col(AuditCheckpoint.id)).execution_options(**fresh)
    checkpoints = list((await session.exec(stmt)).all())
    walk = _Walk(checkpoints)
    for checkpoint in checkpoints:
        problem = check_checkpoint(keys, checkpoint)
        if problem:
            said = Message("audit_checkpoint_signature_invalid", checkpoint_id=checkpoint.id, problem=problem)
            return walk.report(said, seq=checkpoint.position)
    after_seq = -1
    while True:
        events = select(AuditEvent).where(col(AuditEvent.seq) > after_seq).order_by(col(AuditEvent.seq))
        batch = list((await session.exec(events.limit(VERIFY_BATCH).execution_options(**fresh))).all())
        if not batch:
            break
        for event in batch:
            problem = walk.step(keys, event)
            if problem:
                return walk.report(problem, event=event)
            after_seq = event.seq
        session.expunge_all()
    latest = walk.latest
    if walk.checked and latest is None:
        return walk.report(Message("audit_no_checkpoint"), seq=walk.last_seq)
    if latest is not None and latest.position > walk.last_seq:
        said = Message(
            "audit_chain_truncated", checkpoint_id=latest.id, position=latest.position, last_seq=walk.last_seq
        )
        return walk.report(said, seq=walk.last_seq + 1)
    return walk.report(Message("audit_chain_intact"))


async def seal_checkpoint(session: AsyncSession, *, keys: AuditKeys, now: datetime) -> AuditCheckpoint | None:
    """A signed checkpoint of the chain's committed head; None when the newest checkpoint already holds it."""
    head = (await session.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc()).limit(1))).first()
    position, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    latest = (
        await session.exec(select(AuditCheckpoint).order_by(col(AuditCheckpoint.position).desc()).limit(1))
    ).first()
    if latest is not None and latest.position == position:
        return None
    last_unkeyed = (
        await session.exec(
            select(AuditEvent.seq).where(col(AuditEvent.seal).is_(None)).order_by(col(AuditEvent.seq).desc()).limit(1)
        )
    ).first()
    checkpoint = new_checkpoint(keys, position=position, head_hash=head_hash, legacy_until=last_unkeyed or 0, at=now)
    session.add(checkpoint)
    await session.flush()
    return checkpoint
