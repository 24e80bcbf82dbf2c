"""Sending one delivery, signed per the Standard Webhooks specification (the `standardwebhooks` package):
`webhook-id` (the same on every attempt, so a receiver drops a repeat), `webhook-timestamp` (this attempt's) and
`webhook-signature` (v1, HMAC-SHA256 of "id.timestamp.body" with the subscription's secret).

A job engine task (`python -m app.cli worker`) runs `run_delivery`; a failure — no answer, or anything but 2xx —
is recorded and raised, so procrastinate retries with exponential backoff (RETRY: 3, 9, 27 … 59 049 s, about
24.6 hours in all); a delivery that gets through brings the subscription's other waiting retries forward — the
receiver is back. The last attempt failing disables the subscription and tells its owner in the inbox; later
deliveries to it are then skipped. One record's deliveries to one subscription share a procrastinate `lock`, so
the next waits while the one before is retried: a receiver gets each record's events in position order.
"""

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import procrastinate
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from standardwebhooks import Webhook

from app.core import jobs
from app.core.clock import today_in_china
from app.core.config import Settings
from app.core.i18n import ZH_CN, text
from app.domain.permissions import Permission, Role, permissions_for
from app.models import Event, ServiceAccount, User, WebhookDelivery, WebhookSubscription
from app.models.base import utcnow
from app.schemas.event import EVENT_TYPES
from app.services.events import DELIVER, as_cloud_event
from app.services.notifications import send_webhook_disabled
from app.services.webhooks.targets import TargetRefused, check_target, pinned

log = logging.getLogger("app.webhooks")
RETRY = procrastinate.RetryStrategy(max_attempts=10, exponential_wait=3)
"""11 attempts: the first, then after 3, 9, 27 … 3^10 s — 88 572 s (24.6 h) from the first to the last."""
USER_AGENT = "Zhijian-Webhooks/1.0"


class DeliveryFailed(Exception):
    """Raised out of the job so the engine tries again later."""


@dataclass(frozen=True)
class Attempt:
    status: str  # delivered | retry | failed | skipped
    detail: str


def body_of(delivery: WebhookDelivery, event: Event | None) -> str:
    payload = delivery.payload if event is None else as_cloud_event(event).model_dump(mode="json")
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def signed_headers(secret: str, message_id: str, body: str, at: datetime) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
    }


async def _post(url: str, body: str, headers: dict[str, str], settings: Settings) -> tuple[int | None, str]:
    try:
        to, host, tls = pinned(url, await check_target(url, settings))  # no second lookup between check and connect
        async with (
            httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, follow_redirects=False) as client,
            client.stream("POST", to, content=body.encode(), headers=headers | host, extensions=tls) as response,
        ):  # the answer's body is never read
            pass
    except TargetRefused as exc:
        return None, text(exc.message, ZH_CN)  # kept on the delivery record
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:300]
    return response.status_code, f"HTTP {response.status_code}"


async def _disable(session: AsyncSession, subscription: WebhookSubscription, reason: str) -> None:
    subscription.is_active = False
    subscription.disabled_reason = reason[:200]
    subscription.updated_at = utcnow()
    session.add(subscription)
    owner: uuid.UUID | None = subscription.owner_id
    if subscription.owner_kind == "service":
        account = await session.get(ServiceAccount, subscription.owner_id)
        owner = account.created_by_id if account else None
    if owner is not None:
        await send_webhook_disabled(
            session, user_id=owner, county_code=subscription.county_code, subscription_id=subscription.id,
            url=subscription.url, reason=reason, today=today_in_china(),
        )  # fmt: skip


async def _owner_may_read(session: AsyncSession, subscription: WebhookSubscription, event_type: str) -> bool:
    """Whether the owner still may read this type (a key's scopes or a person's role may have changed since)."""
    kind = EVENT_TYPES.get(event_type)
    permissions: frozenset[Permission] = frozenset()
    if subscription.owner_kind == "service":
        account = await session.get(ServiceAccount, subscription.owner_id)
        if account is not None and account.is_active:
            permissions = permissions_for(Role.SERVICE, frozenset(account.scopes))
    else:
        user = await session.get(User, subscription.owner_id)
        if user is not None and user.is_active:
            permissions = permissions_for(Role(user.role))
    return bool(permissions) and (kind is None or kind.permission in permissions)


async def attempt(
    session: AsyncSession, delivery_id: uuid.UUID, settings: Settings, *, final: bool, now: datetime | None = None
) -> Attempt:
    """One attempt at a delivery, recorded on it (the caller commits)."""
    stmt = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
    delivery = (await session.exec(stmt)).first()
    if delivery is None or delivery.status in ("delivered", "skipped"):
        return Attempt("skipped", "nothing to send")
    subscription = await session.get(WebhookSubscription, delivery.subscription_id)
    if subscription is None or not subscription.is_active:
        delivery.status, delivery.last_error = "skipped", "订阅已停用"
        session.add(delivery)
        return Attempt("skipped", "subscription disabled")
    if not await _owner_may_read(session, subscription, delivery.event_type):
        delivery.status, delivery.last_error = "skipped", "订阅者已无权读取该类事件"
        session.add(delivery)
        return Attempt("skipped", "owner may no longer read it")
    event = await session.get(Event, delivery.event_position) if delivery.event_position is not None else None
    body = body_of(delivery, event)
    at = now or datetime.now(UTC)
    headers = signed_headers(subscription.secret, delivery.message_id, body, at)
    code, detail = await _post(subscription.url, body, headers, settings)
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.last_status_code = at, code
    session.add(delivery)
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.delivered_at, delivery.last_error = "delivered", at, None
        # the receiver is back: its other deliveries stop waiting out their backoff
        await jobs.run_waiting_now(session, DELIVER, f"webhook:{subscription.id}:")
        return Attempt("delivered", detail)
    delivery.last_error = detail[:300]
    if not final:
        return Attempt("retry", detail)
    delivery.status = "failed"
    await _disable(session, subscription, f"{delivery.attempts}次推送失败，最后一次：{detail}")
    return Attempt("failed", detail)


async def run_delivery(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, delivery_id: str, *, final: bool
) -> str:
    """The job: one attempt in a transaction of its own, committed; raises DeliveryFailed for a retry."""
    async with sessionmaker() as session:
        outcome = await attempt(session, uuid.UUID(delivery_id), settings, final=final)
        await session.commit()
    if outcome.status == "retry":
        raise DeliveryFailed(f"delivery {delivery_id}: {outcome.detail}")
    return outcome.status
