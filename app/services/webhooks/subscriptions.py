"""Webhook subscriptions are their owner's: a service account (or a person with webhooks:manage) sees and changes
only its own — anyone else's is not found (404). A county-bound owner receives only its county's events, and
only the types it may read."""

import base64
import secrets
import uuid
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core import jobs
from app.core.actor import Actor
from app.core.config import Settings
from app.core.errors import NotFound, Unprocessable
from app.core.paging import PageQuery, Window
from app.domain.errors import Message
from app.models import WebhookDelivery, WebhookSubscription
from app.models.base import utcnow
from app.schemas.event import TEST_TYPE, WebhookSubscriptionCreate, WebhookSubscriptionUpdate
from app.services.common import audit
from app.services.common.paging import paginate
from app.services.events import DELIVER, readable_types
from app.services.webhooks.targets import check_target_or_422

NOT_FOUND = Message("webhook_subscription_not_found")
SECRET_BYTES = 24
AUDITED = ("url", "event_types", "description", "county_code", "is_active")
"""Never the secret."""


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _check_types(actor: Actor, types: list[str]) -> list[str]:
    readable = set(readable_types(actor))
    problems = [(["body", "event_types", i], Message("event_type_not_readable", event_type=t))
                for i, t in enumerate(types) if t not in readable]  # fmt: skip
    if problems:
        raise Unprocessable(Message("event_types_not_readable"), errors=problems)
    return sorted(set(types))


def _mine(actor: Actor) -> Any:
    return (WebhookSubscription.owner_id == actor.id) & (WebhookSubscription.owner_kind == actor.kind)


async def create_subscription(
    session: AsyncSession, actor: Actor, data: WebhookSubscriptionCreate, settings: Settings
) -> WebhookSubscription:
    types = _check_types(actor, data.event_types)
    await check_target_or_422(data.url, settings)
    subscription = WebhookSubscription(
        owner_kind=actor.kind, owner_id=actor.id, county_code=actor.node_code, url=data.url,
        event_types=types, description=data.description, secret=new_secret(),
    )  # fmt: skip
    session.add(subscription)
    await session.flush()
    await audit.record(
        session, actor, "webhook_subscription.create", "webhook_subscription", subscription.id,
        county_code=actor.county_code, after=audit.snapshot(subscription, AUDITED),
    )  # fmt: skip
    return subscription


async def list_subscriptions(session: AsyncSession, actor: Actor) -> list[WebhookSubscription]:
    stmt = select(WebhookSubscription).where(_mine(actor)).order_by(col(WebhookSubscription.created_at))
    return list((await session.exec(stmt)).all())


async def get_subscription(session: AsyncSession, actor: Actor, subscription_id: uuid.UUID) -> WebhookSubscription:
    stmt = select(WebhookSubscription).where(WebhookSubscription.id == subscription_id, _mine(actor))
    subscription = (await session.exec(stmt)).first()
    if subscription is None:
        raise NotFound(NOT_FOUND)
    return subscription


async def update_subscription(
    session: AsyncSession,
    actor: Actor,
    subscription_id: uuid.UUID,
    data: WebhookSubscriptionUpdate,
    settings: Settings,
) -> WebhookSubscription:
    subscription = await get_subscription(session, actor, subscription_id)
    changes = data.model_dump(exclude_unset=True)
    if "event_types" in changes:
        changes["event_types"] = _check_types(actor, changes["event_types"])
    if "url" in changes:
        await check_target_or_422(changes["url"], settings)
    before = audit.snapshot(subscription, [*changes, "disabled_reason"])
    for name, value in changes.items():
        setattr(subscription, name, value)
    if changes.get("is_active"):
        subscription.disabled_reason = None
    old, new = audit.diff(before, audit.snapshot(subscription, before.keys()))
    if new:
        subscription.updated_at = utcnow()
        session.add(subscription)
        await session.flush()
        await audit.record(
            session, actor, "webhook_subscription.update", "webhook_subscription", subscription.id,
            county_code=subscription.county_code, before=old, after=new,
        )  # fmt: skip
    return subscription


async def delete_subscription(session: AsyncSession, actor: Actor, subscription_id: uuid.UUID) -> None:
    subscription = await get_subscription(session, actor, subscription_id)
    await session.delete(subscription)
    await session.flush()
    await audit.record(
        session, actor, "webhook_subscription.delete", "webhook_subscription", subscription.id,
        county_code=subscription.county_code, before={"url": subscription.url},
    )  # fmt: skip


async def _send(session: AsyncSession, delivery: WebhookDelivery) -> None:
    await jobs.enqueue(
        session, DELIVER, {"delivery_id": str(delivery.id)}, queue="webhooks",
        lock=f"webhook:{delivery.subscription_id}:{delivery.subject}",
    )  # fmt: skip


async def send_test(session: AsyncSession, actor: Actor, subscription_id: uuid.UUID) -> WebhookDelivery:
    """A signed test message to the subscription's URL (even a disabled one: check a receiver before re-enabling)."""
    subscription = await get_subscription(session, actor, subscription_id)
    event_id = uuid.uuid4()
    message_id = f"msg_{event_id.hex}"
    subject = f"/api/v1/webhook-subscriptions/{subscription.id}"
    payload = {
        "specversion": "1.0", "id": str(event_id), "source": "/api/v1", "type": TEST_TYPE, "subject": subject,
        "time": utcnow().isoformat(), "datacontenttype": "application/json", "countycode": subscription.county_code,
        "position": 0, "data": {"subscription_id": str(subscription.id), "message": "测试推送"},
    }  # fmt: skip
    delivery = WebhookDelivery(
        subscription_id=subscription.id, message_id=message_id, event_type=TEST_TYPE, subject=subject, payload=payload
    )
    session.add(delivery)
    await session.flush()
    await _send(session, delivery)
    return delivery


async def list_deliveries(
    session: AsyncSession, actor: Actor, subscription_id: uuid.UUID, *, status: str | None, page: PageQuery
) -> Window[WebhookDelivery]:
    subscription = await get_subscription(session, actor, subscription_id)
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    order = (col(WebhookDelivery.created_at).desc(), col(WebhookDelivery.event_position).desc())
    return await paginate(session, stmt.order_by(*order), page)


async def retry_delivery(session: AsyncSession, actor: Actor, delivery_id: uuid.UUID) -> WebhookDelivery:
    """Send a delivery again now (a failed or skipped one; a delivered one too, if the receiver lost it)."""
    stmt = (
        select(WebhookDelivery)
        .join(WebhookSubscription, col(WebhookSubscription.id) == WebhookDelivery.subscription_id)
        .where(WebhookDelivery.id == delivery_id, _mine(actor))
    )
    delivery = (await session.exec(stmt)).first()
    if delivery is None:
        raise NotFound(Message("delivery_not_found"))
    delivery.status = "pending"
    session.add(delivery)
    await session.flush()
    await _send(session, delivery)
    return delivery
