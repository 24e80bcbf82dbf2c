import uuid

from fastapi import Response

from app.core import idempotency
from app.core.db import SessionDep
from app.core.deps import Allowed, SettingsDep
from app.core.errors import COMMON_ERRORS
from app.core.paging import OffsetPaging, Window
from app.core.routing import resource_router
from app.domain.permissions import Permission
from app.domain.statuses import DeliveryStatus
from app.schemas.common import Page
from app.schemas.event import (
    WebhookDeliveryRead,
    WebhookSubscriptionCreate,
    WebhookSubscriptionCreated,
    WebhookSubscriptionRead,
    WebhookSubscriptionUpdate,
)
from app.services import webhooks as service

router = resource_router("webhooks", "/webhook-subscriptions")
Owner = Allowed(Permission.WEBHOOKS_MANAGE)


@router.post("", status_code=201, response_model=WebhookSubscriptionCreated, responses=COMMON_ERRORS)
@idempotency.exempt
async def create_webhook_subscription(
    body: WebhookSubscriptionCreate, actor: Owner, session: SessionDep, settings: SettingsDep, response: Response
) -> WebhookSubscriptionCreated:
    """Subscribe a URL to event types; the signing secret (`whsec_…`) is in this answer only."""
    subscription = await service.create_subscription(session, actor, body, settings)
    response.headers["Location"] = f"{router.prefix}/{subscription.id}"
    return WebhookSubscriptionCreated.model_validate(subscription)


@router.get("", response_model=Page[WebhookSubscriptionRead], responses=COMMON_ERRORS)
async def list_webhook_subscriptions(
    actor: Owner, session: SessionDep, page: OffsetPaging
) -> Page[WebhookSubscriptionRead]:
    """Your subscriptions, oldest first."""
    subscriptions = await service.list_subscriptions(session, actor)
    return Page.of(Window.cut(subscriptions, page), page, WebhookSubscriptionRead.model_validate)


@router.get("/{subscription_id}", response_model=WebhookSubscriptionRead, responses=COMMON_ERRORS)
async def read_webhook_subscription(
    subscription_id: uuid.UUID, actor: Owner, session: SessionDep
) -> WebhookSubscriptionRead:
    """One of your subscriptions (another's is not found)."""
    return WebhookSubscriptionRead.model_validate(await service.get_subscription(session, actor, subscription_id))


@router.patch("/{subscription_id}", response_model=WebhookSubscriptionRead, responses=COMMON_ERRORS)
async def update_webhook_subscription(
    subscription_id: uuid.UUID,
    body: WebhookSubscriptionUpdate,
    actor: Owner,
    session: SessionDep,
    settings: SettingsDep,
) -> WebhookSubscriptionRead:
    """Change the URL, types or description; `is_active: true` re-enables one disabled by failures."""
    subscription = await service.update_subscription(session, actor, subscription_id, body, settings)
    return WebhookSubscriptionRead.model_validate(subscription)


@router.delete("/{subscription_id}", status_code=204, responses=COMMON_ERRORS)
async def delete_webhook_subscription(subscription_id: uuid.UUID, actor: Owner, session: SessionDep) -> Response:
    """Remove a subscription and its delivery history."""
    await service.delete_subscription(session, actor, subscription_id)
    return Response(status_code=204)


@router.post("/{subscription_id}/test", status_code=202, response_model=WebhookDeliveryRead, responses=COMMON_ERRORS)
async def send_webhook_test(subscription_id: uuid.UUID, actor: Owner, session: SessionDep) -> WebhookDeliveryRead:
    """Send a signed `cn.zhijian.webhook.test` message now; follow it in the deliveries."""
    return WebhookDeliveryRead.model_validate(await service.send_test(session, actor, subscription_id))


@router.get("/{subscription_id}/deliveries", response_model=Page[WebhookDeliveryRead], responses=COMMON_ERRORS)
async def list_webhook_deliveries(
    subscription_id: uuid.UUID,
    actor: Owner,
    session: SessionDep,
    page: OffsetPaging,
    status: DeliveryStatus | None = None,
) -> Page[WebhookDeliveryRead]:
    """The subscription's deliveries, newest first, with attempts and the last answer."""
    window = await service.list_deliveries(session, actor, subscription_id, status=status, page=page)
    return Page.of(window, page, WebhookDeliveryRead.model_validate)


@router.post("/deliveries/{delivery_id}/retry", status_code=202, response_model=WebhookDeliveryRead,
             responses=COMMON_ERRORS)  # fmt: skip
async def retry_webhook_delivery(delivery_id: uuid.UUID, actor: Owner, session: SessionDep) -> WebhookDeliveryRead:
    """Send one delivery again now (failed, skipped, or delivered and lost by the receiver)."""
    return WebhookDeliveryRead.model_validate(await service.retry_delivery(session, actor, delivery_id))
