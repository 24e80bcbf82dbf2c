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

    def report(self, detail: str, *, event: AuditEvent | None = None, seq: int | None = None) -> AuditChainReport:
        latest = self.latest
        return AuditChainReport(
            events_checked=self.checked,
            intact=event is None and seq is None,
            first_break_id=event.id if event is not None else None,
            first_break_seq=event.seq if event is not None else seq,
            detail=detail,
            checkpoints_checked=len(self.checkpoints),
            latest_checkpoint=AuditCheckpointRead.model_validate(latest) if latest else None,
            events_after_checkpoint=max(self.last_seq - latest.position, 0) if latest else self.checked,
            unkeyed_events=self.unkeyed,
        )

    def step(self, keys: AuditKeys, event: AuditEvent) -> str | None:
        """Why `event` breaks the chain, or None (and the walk moves past it)."""
        self.checked += 1
        if self.checked == 1 and event.seq > 1:
            anchors = [c for c in self.by_position.get(event.seq - 1, []) if c.head_hash == event.prev_hash]
            if not anchors:
                return (
                    f"事件 {event.id} 之前的事件已被删除，且没有检查点为其作证 (earlier events removed, no checkpoint)"
                )
        elif event.prev_hash != self.prev_hash:
            return f"事件 {event.id} 的前序哈希不匹配 (link to the previous event broken)"
        elif event.seq != self.last_seq + 1:
            return f"事件 {event.id} 之前缺少第 {self.last_seq + 1} 个事件 (position gap: events removed)"
        if event.seal is None:
            limit = self.legacy_until
            if self.keyed_seen or (limit is not None and event.seq > limit):
                return f"事件 {event.id} 未用密钥封印，却在密钥链之后 (an unkeyed event where the chain is keyed)"
            self.unkeyed += 1
        else:
            self.keyed_seen = True
        problem = check_event(keys, event.prev_hash, event)
        if problem:
            return f"事件 {event.id} 的内容已被改动：{problem}"
        for checkpoint in self.by_position.get(event.seq, []):
            if checkpoint.head_hash != event.hash:
                return (
                    f"第 {event.seq} 个事件与检查点 {checkpoint.id} 签名的哈希不符 (differs from a signed checkpoint)"
                )
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
            return walk.report(f"检查点 {checkpoint.id} 的签名无效：{problem}", seq=checkpoint.position)
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
        return walk.report("没有签名检查点为审计链作证 (no signed checkpoint: removed?)", seq=walk.last_seq)
    if latest is not None and latest.position > walk.last_seq:
        return walk.report(
            f"检查点 {latest.id} 记录了 {latest.position} 个事件，链上只到第 {walk.last_seq} 个：最新的事件已被删除 "
            f"(truncated: events after position {walk.last_seq} removed)",
            seq=walk.last_seq + 1,
        )
    return walk.report("审计链完整 (chain intact)")


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
